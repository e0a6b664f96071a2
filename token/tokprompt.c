#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "token/tokprompt.h"

/* One line of fd into buf; -1 on end of input or a line too long. */
static int
tokprompt_line(int fd, char *buf, size_t bufsz)
{
	size_t n = 0;
	ssize_t r;
	char c;
	int rc = -1;

	for (;;) {
		r = read(fd, &c, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (n > 0)
				break; /* a last line without newline */
			fprintf(stderr,
			    "rxca-token: end of input while "
			    "reading a secret\n");
			goto out;
		}
		if (c == '\n')
			break;
		if (n + 1 >= bufsz) {
			fprintf(stderr,
			    "rxca-token: the secret is too long "
			    "(at most %zu characters)\n",
			    bufsz - 1);
			goto out;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	rc = 0;
out:
	if (rc == -1)
		memset(buf, 0, bufsz);
	return rc;
}

int
tokprompt_interactive(int fd)
{
	return fd == -1;
}

int
tokprompt_secret(const char *prompt, int fd, char *buf, size_t bufsz)
{
	struct termios old, quiet;
	int tty = -1, restore = 0, rc = -1;

	if (bufsz > TOKPROMPT_MAX + 1)
		bufsz = TOKPROMPT_MAX + 1;
	if (fd != -1) {
		rc = tokprompt_line(fd, buf, bufsz);
		goto check;
	}
	if ((tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		fprintf(stderr,
		    "rxca-token: no terminal to ask for the %s; "
		    "give it with a --*-fd option\n",
		    prompt);
		return -1;
	}
	if (tcgetattr(tty, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		if (tcsetattr(tty, TCSAFLUSH, &quiet) == 0)
			restore = 1;
	}
	(void)!write(tty, prompt, strlen(prompt));
	(void)!write(tty, ": ", 2);
	rc = tokprompt_line(tty, buf, bufsz);
	if (restore)
		(void)tcsetattr(tty, TCSAFLUSH, &old);
	(void)!write(tty, "\n", 1);
	close(tty);
check:
	if (rc == 0 && buf[0] == '\0') {
		fprintf(stderr, "rxca-token: the %s is empty\n", prompt);
		rc = -1;
	}
	return rc;
}

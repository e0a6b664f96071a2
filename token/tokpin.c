#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/percent.h"
#include "common/logger.h"
#include "token/tokpin.h"

/* A running pinentry: its pid, our ends of its stdin and stdout, and the
 * bytes read past the last line. */
struct tokpin {
	pid_t pid;
	int to, from;
	char buf[TOKPIN_LINE_MAX + 2];
	size_t have;
	time_t deadline;
	struct sigaction old_pipe; /* SIGPIPE's disposition before */
	int pipe_saved;
};

int
tokpin_escape(const char *text, char *out, size_t outsz)
{
	size_t n = 0;
	const char *s;

	for (s = text; *s != '\0'; s++) {
		if (*s == '%' || *s == '\r' || *s == '\n') {
			if (n + 4 > outsz)
				return -1;
			snprintf(out + n, 4, "%%%02X", (unsigned char)*s);
			n += 3;
		} else {
			if (n + 2 > outsz)
				return -1;
			out[n++] = *s;
		}
	}
	if (outsz == 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}

int
tokpin_unescape(const char *in, size_t len, char *out, size_t outsz)
{
	return percent_decode(in, len, 0, out, outsz);
}

static int
tokpin_broken(struct problem *p, const char *why)
{
	log_warn("agent: pinentry failed", "reason=%s", why);
	return problem_set(p, 503, "pinentry-failed", "Prompt unavailable",
	    "The agent cannot ask for the passcode: %s.", why);
}

/* Starts program with pipes to its stdin and stdout. */
static int
tokpin_start(const char *program, struct tokpin *t, struct problem *p)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1};

	memset(t, 0, sizeof(*t));
	t->pid = -1;
	if (program == NULL || program[0] == '\0')
		return tokpin_broken(p, "no pinentry program is configured");
	if (pipe(in) == -1 || pipe(out) == -1 ||
	    fcntl(in[1], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(out[0], F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
	if ((t->pid = fork()) == -1)
		goto fail;
	if (t->pid == 0) {
		char *argv[2];

		if ((argv[0] = strdup(program)) == NULL ||
		    dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1)
			_exit(127);
		argv[1] = NULL;
		if (in[0] > 1)
			close(in[0]);
		if (out[1] > 1)
			close(out[1]);
		signal(SIGPIPE, SIG_DFL);
		execv(program, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->to = in[1];
	t->from = out[0];
	t->deadline = time(NULL) + TOKPIN_TIMEOUT_SEC;
	return 0;
fail:
	if (in[0] != -1) {
		close(in[0]);
		close(in[1]);
	}
	if (out[0] != -1) {
		close(out[0]);
		close(out[1]);
	}
	return tokpin_broken(p, "cannot start the pinentry program");
}

/* Ends the program: BYE, close, wait (killed if it lingers). */
static void
tokpin_stop(struct tokpin *t)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};
	int status, i;

	if (t->pid <= 0)
		return;
	(void)!write(t->to, "BYE\n", 4);
	close(t->to);
	close(t->from);
	for (i = 0; i < 100; i++) {
		if (waitpid(t->pid, &status, WNOHANG) != 0)
			break;
		nanosleep(&tick, NULL);
	}
	if (i == 100) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, &status, 0);
	}
	OPENSSL_cleanse(t->buf, sizeof(t->buf));
	t->pid = -1;
	if (t->pipe_saved)
		sigaction(SIGPIPE, &t->old_pipe, NULL);
	t->pipe_saved = 0;
}

/* Writes the line "cmd[ escaped(arg)]\n". */
static int
tokpin_send(struct tokpin *t, const char *cmd, const char *arg)
{
	char esc[TOKPIN_LINE_MAX], line[TOKPIN_LINE_MAX + 2];
	size_t off = 0, len;
	ssize_t w;
	int n;

	if (arg != NULL) {
		if (tokpin_escape(arg, esc, sizeof(esc) - strlen(cmd) - 2) ==
		    -1)
			return -1;
		n = snprintf(line, sizeof(line), "%s %s\n", cmd, esc);
	} else
		n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	len = (size_t)n;
	while (off < len) {
		w = write(t->to, line + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* The next line (without newline) into line; -1 on end, timeout or a line
 * too long. */
static int
tokpin_line(struct tokpin *t, char *line, size_t linesz)
{
	struct pollfd pfd;
	char *nl;
	size_t n;
	ssize_t r;
	time_t left;

	for (;;) {
		if ((nl = memchr(t->buf, '\n', t->have)) != NULL) {
			n = (size_t)(nl - t->buf);
			if (n >= linesz)
				return -1;
			memcpy(line, t->buf, n);
			line[n] = '\0';
			memmove(t->buf, nl + 1, t->have - n - 1);
			t->have -= n + 1;
			return 0;
		}
		if (t->have > TOKPIN_LINE_MAX)
			return -1;
		if ((left = t->deadline - time(NULL)) <= 0)
			return -1;
		pfd.fd = t->from;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left * 1000) <= 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		r = read(
		    t->from, t->buf + t->have, sizeof(t->buf) - 1 - t->have);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		t->have += (size_t)r;
	}
}

/*
 * Reads the answer to a command: data lines into data (unescaped, if not
 * NULL), up to OK (0) or ERR (1); -1 if the program broke the protocol.
 */
static int
tokpin_answer(struct tokpin *t, char *data, size_t datasz, int *got_data)
{
	char line[TOKPIN_LINE_MAX + 1];
	int rc = -1;

	for (;;) {
		if (tokpin_line(t, line, sizeof(line)) == -1)
			break;
		if (strcmp(line, "OK") == 0 || strncmp(line, "OK ", 3) == 0) {
			rc = 0;
			break;
		}
		if (strcmp(line, "ERR") == 0 || strncmp(line, "ERR ", 4) == 0) {
			rc = 1;
			break;
		}
		if (strncmp(line, "D ", 2) == 0) {
			if (data == NULL || *got_data ||
			    tokpin_unescape(
			        line + 2, strlen(line + 2), data, datasz) == -1)
				break;
			*got_data = 1;
		} else if (strncmp(line, "INQUIRE", 7) == 0) {
			if (tokpin_send(t, "CAN", NULL) == -1)
				break;
		} else if (line[0] != '#' && line[0] != 'S')
			break;
	}
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}

/* Greeting and the SET* commands of what.  SIGPIPE is ignored until
 * tokpin_stop() (a pinentry that died is an error, not our death). */
static int
tokpin_open(const char *program, const struct tokpin_prompt *what,
    struct tokpin *t, struct problem *p)
{
	const char *cmds[] = {"SETTITLE", "SETDESC", "SETPROMPT"};
	struct sigaction ign;
	const char *args[3];
	int i, dummy = 0;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (tokpin_start(program, t, p) == -1)
		return -1;
	sigaction(SIGPIPE, &ign, &t->old_pipe);
	t->pipe_saved = 1;
	args[0] = what->title;
	args[1] = what->desc;
	args[2] = what->prompt;
	if (tokpin_answer(t, NULL, 0, &dummy) != 0) {
		tokpin_stop(t);
		return tokpin_broken(p, "the pinentry program did not greet");
	}
	for (i = 0; i < 3; i++) {
		if (args[i] == NULL)
			continue;
		if (tokpin_send(t, cmds[i], args[i]) == -1 ||
		    tokpin_answer(t, NULL, 0, &dummy) != 0) {
			tokpin_stop(t);
			return tokpin_broken(
			    p, "the pinentry program refused a setting");
		}
	}
	return 0;
}

int
tokpin_getpin(const char *program, const struct tokpin_prompt *what, char *pin,
    size_t pinsz, struct problem *p)
{
	struct tokpin t;
	int got = 0, rc;

	if (pinsz > 0)
		pin[0] = '\0';
	if (tokpin_open(program, what, &t, p) == -1)
		return -1;
	if (tokpin_send(&t, "GETPIN", NULL) == -1)
		rc = -1;
	else
		rc = tokpin_answer(&t, pin, pinsz, &got);
	tokpin_stop(&t);
	if (rc == 1) {
		OPENSSL_cleanse(pin, pinsz);
		log_info("agent: passcode prompt cancelled", NULL);
		return problem_set(p, 403, "pinentry-cancelled",
		    "Prompt cancelled", "%s",
		    "The passcode prompt was cancelled; nothing was done.");
	}
	if (rc == -1) {
		OPENSSL_cleanse(pin, pinsz);
		return tokpin_broken(
		    p, "the pinentry program broke the protocol");
	}
	if (!got || pin[0] == '\0') {
		OPENSSL_cleanse(pin, pinsz);
		return problem_field(p, "passcode", "No passcode was typed.");
	}
	return 0;
}

int
tokpin_confirm(
    const char *program, const struct tokpin_prompt *what, struct problem *p)
{
	struct tokpin_prompt w = *what;
	struct tokpin t;
	int dummy = 0, rc;

	w.prompt = NULL;
	if (tokpin_open(program, &w, &t, p) == -1)
		return -1;
	if (tokpin_send(&t, "CONFIRM", NULL) == -1)
		rc = -1;
	else
		rc = tokpin_answer(&t, NULL, 0, &dummy);
	tokpin_stop(&t);
	if (rc == 1) {
		log_info("agent: signature refused at the prompt", NULL);
		return problem_set(p, 403, "signature-refused",
		    "Signature refused", "%s",
		    "The signature was not confirmed at the token's prompt; "
		    "nothing was signed.");
	}
	if (rc == -1)
		return tokpin_broken(
		    p, "the pinentry program broke the protocol");
	return 0;
}

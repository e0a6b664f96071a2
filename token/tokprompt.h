/*
 * The secrets rxca-token asks for (token passcode, activation code,
 * account password, SO PIN): typed on the terminal without echo, or read
 * one line at a time from a file descriptor for automation.
 */
#ifndef RXCA_TOKPROMPT_H
#define RXCA_TOKPROMPT_H

#include <stddef.h>

#define TOKPROMPT_MAX 256 /* a secret as typed or read, bytes */

/*
 * Reads one secret into buf (bufsz bytes, at most TOKPROMPT_MAX): if fd
 * is not -1, the next line of fd (read byte by byte, so several secrets
 * may follow each other on one descriptor); else prompt is written to
 * the terminal (/dev/tty) and a line read from it with echo off.  The
 * line ending is removed.  Returns 0, or -1 with the reason on stderr
 * (no terminal, end of input, an empty or too long line).  The caller
 * clears buf with OPENSSL_cleanse() when done.
 */
int tokprompt_secret(const char *prompt, int fd, char *buf, size_t bufsz);

/* 1 if secrets would be typed on a terminal (fd is -1), else 0. */
int tokprompt_interactive(int fd);

#endif

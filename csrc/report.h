/*
 * Talking back to the CLI: the one error convention of the stub (a failing
 * step returns -errno and leaves its message in prog->err), tagged records on
 * the sync socket, and errno texts in Go's words.
 */
#ifndef RUNC_REPORT_H
#define RUNC_REPORT_H

#include "program.h"

/* Formats prog->err (as long as the text) and returns -err; err is a positive errno. */
int fail(struct program *prog, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The text Go's syscall.Errno prints ("no such file or directory"); errtext.c. */
const char *go_strerror(int err);

/* Sends a record with text (NULL: none), in as many messages as the text needs.
 * Returns 0 or -errno (the CLI is gone). */
int send_record(struct program *prog, int tag, int index, int err, int pid, const char *text);

/* Sends a record with fd attached (SCM_RIGHTS). 0 or -errno. */
int send_record_fd(struct program *prog, int tag, int index, int fd);

/* Sends a REC_DEBUG line when the CLI logs debug lines; nothing otherwise. */
void debug_line(struct program *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Waits for CONTINUE from the CLI. 0 or -errno with prog->err set. */
int wait_continue(struct program *prog);

/* Sends a record of tag (no text) and waits for the CLI's CONTINUE; a failed
 * send is reported as `what` with its errno. 0 or -errno with prog->err set. */
int ask_cli(struct program *prog, int tag, int index, const char *what);

#endif

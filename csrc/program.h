/*
 * The init program as the stub holds it: the ops read from the CLI, and the few
 * fds that ops leave for later ops. This is the only global state of the stub.
 */
#ifndef RUNC_PROGRAM_H
#define RUNC_PROGRAM_H

#include <stddef.h>
#include "protocol.h"

struct op {
	struct rp_op hdr;
	const char *str[RP_MAX_STR];
};

struct program {
	int sync_fd;          /* the SEQPACKET socket to the CLI */
	int nops;
	struct op *ops;
	int root_fd;          /* O_PATH fd of the container's root, -1 before OP_OPEN_ROOT */
	int fifo_fd;          /* O_PATH fd of exec.fifo, -1 before OP_OPEN_FIFO */
	int seccomp_fd;       /* the seccomp listener, -1 when none */
	int nns;              /* namespaces OP_SETNS opened for OP_JOIN_NS */
	int ns_fd[8];
	const char *ns_path[8];
	int nmount_src;       /* bind sources the stub opened for the init (OP_MOUNT num3 k) */
	int *mount_src;       /* their fds, index k - 1; -1 once mounted */
	char exec_path[4096]; /* the program OP_LOOKPATH resolved */
	char err[400];        /* message of the last failing step */
};

/* Reads messages until OP_END. Returns 0 or -errno with prog->err set. */
int program_read(struct program *prog);

/* Runs ops[from..] until one ends the process (OP_EXEC) or fails. Returns
 * -errno with prog->err set and *failed the index of the failing op, or 1 when
 * OP_CLONE returned in the parent stub (which then exits). */
int program_run(struct program *prog, int from, int *failed);

/* strerror() as Go prints errno texts: "no such file or directory". */
const char *go_strerror(int err);

/* Sends a record to the CLI; errors are ignored (the CLI sees EOF). */
void send_record(struct program *prog, int tag, int index, int err, int pid, const char *msg);

/* Formats into prog->err and returns -err (err is a positive errno). */
int fail(struct program *prog, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* OP_CONSOLE and OP_FIX_STDIO, in console.c. */
int op_console(struct program *prog, const struct op *op, int index);
int op_fix_stdio(struct program *prog, const struct op *op);

/* Bind-mounts the open pty slave on /dev/console inside the root (ops.c). */
int mount_console(struct program *prog, int slave);

/* OP_RUN_HOOK, in hooks.c. */
int op_run_hook(struct program *prog, const struct op *op);

/* One op each; 0 or -errno. Defined in ops.c. */
int op_dispatch(struct program *prog, const struct op *op, int index);

#endif

/*
 * The init program as the stub holds it, and the state its ops leave for
 * later ops. This is the only state of the stub; each concern's ops live in
 * their own file (see dispatch.c for the table of them).
 */
#ifndef RUNC_PROGRAM_H
#define RUNC_PROGRAM_H

#include <stddef.h>
#include <stdint.h>
#include "protocol.h"

struct op {
	struct rp_op hdr;
	const char **str; /* hdr.nstr strings, pointing into the program's buffer */
	/* OP_EXEC: execve's arrays, made when the program is read, since nothing may
	 * allocate after the seccomp filter; envp has a spare slot for HOME. */
	char **argv, **envp;
};

struct program {
	int sync_fd;          /* the SEQPACKET socket to the CLI, -1 once closed */
	uint32_t flags;       /* RP_F_* */
	uint64_t sig_ignored; /* the caller's ignored signals */
	char *buf;            /* the program as read */
	int nops;
	struct op *ops;
	int keep_fds;         /* fds 3 .. 3 + keep_fds - 1 go to the container (OP_SWEEP_FDS) */
	int root_fd;          /* O_PATH fd of the container's root, -1 before OP_OPEN_ROOT */
	int fifo_fd;          /* O_PATH fd of exec.fifo, -1 before OP_OPEN_FIFO */
	int cgroup_fd;        /* O_PATH fd of the cgroup2 directory OP_CLONE puts the init in, or -1 */
	const char *cgroup_dir; /* its path (the fallback writes its cgroup.procs) */
	int seccomp_fd;       /* the seccomp listener, -1 when none */
	int nns;              /* namespaces OP_SETNS opened for OP_JOIN_NS */
	int ns_fd[16];        /* one per namespace type at most: SETNS refuses a second */
	const char *ns_path[16];
	int64_t ns_type[16];  /* CLONE_NEW* of each */
	int nmount_src;       /* bind sources the stub opened for the init (OP_MOUNT num3 k) */
	int *mount_src;       /* their fds, index k - 1; -1 once mounted */
	int cwd_done;         /* OP_CHDIR succeeded before the user was set */
	int outlives_cli;     /* PR_SET_PDEATHSIG is cleared (ns.c's outlive_cli) */
	char *exec_path;      /* the program OP_LOOKPATH resolved */
	char *home;           /* HOME=... from OP_LOOKUP_HOME */
	char *err;            /* message of the last failing step */
};

/* Reads the program from the sync socket and checks every op against the
 * table (string counts, sizes). Returns 0 or -errno with prog->err set;
 * -ENODATA (no message) when runc closed the socket before sending anything:
 * it started the stub, then gave up on the container. */
int program_read(struct program *prog);

/* Runs ops[from..] until one ends the process (OP_EXEC) or fails. Returns
 * -errno with prog->err set and *failed the index of the failing op, or 1 when
 * OP_CLONE returned in the parent stub (which then exits). dispatch.c. */
int program_run(struct program *prog, int from, int *failed);

#endif

/*
 * runc-init: the stub that sets up a container. The runc CLI runs it from a
 * sealed memfd as `runc-init FD`, where FD is its end of a SOCK_SEQPACKET
 * socketpair; it reads the init program (see protocol.h for the handshake),
 * runs it op by op with plain syscalls, and ends in execve() of the container's
 * process. It is single-threaded, so setns() into user and mount namespaces is
 * allowed, and it never runs JavaScript.
 *
 * Before any op runs: the stub dies with the CLI, and its signals are those of
 * the CLI's caller (every one at its default, but the ones the caller ignored;
 * none blocked), which is what the hooks and the container's process get.
 * It becomes non-dumpable before it joins a container (ns.c's op_join_ns).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ns.h"
#include "program.h"
#include "report.h"

static void report(struct program *prog, int index, int err)
{
	if (send_record(prog, REC_ERROR, index, err, 0, prog->err ? prog->err : "") == 0)
		return;
	/* After OP_READY the CLI may be gone: the container's stderr is all we have. */
	if (err == ECANCELED)
		dprintf(2, "%s\n", prog->err ? prog->err : "");
	else
		dprintf(2, "runc init: %s: %s\n", prog->err ? prog->err : "", go_strerror(err));
}

/* The caller's dispositions: default, but what it ignored (SIGKILL and SIGSTOP
 * cannot change); an empty mask. */
static void reset_signals(uint64_t ignored)
{
	for (int sig = 1; sig < 65; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		struct sigaction sa = { .sa_handler = (ignored >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL };
		sigaction(sig, &sa, NULL); /* refused for the few the libc keeps: fine */
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int main(int argc, char **argv)
{
	struct program prog = {
		.sync_fd = -1, .root_fd = -1, .fifo_fd = -1, .cgroup_fd = -1, .seccomp_fd = -1
	};
	if (argc != 2) {
		fprintf(stderr, "runc-init: this program is run by runc, not by hand\n");
		return 2;
	}
	char *end;
	long fd = strtol(argv[1], &end, 10);
	if (*end || fd < 3 || fd > 0x7fffffff) {
		fprintf(stderr, "runc-init: bad sync fd %s\n", argv[1]);
		return 2;
	}
	prog.sync_fd = (int)fd;
	/* Nothing the stub runs (hooks, the container's process) may inherit it. */
	if (fcntl(prog.sync_fd, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "runc-init: sync fd %d: %s\n", prog.sync_fd, strerror(errno));
		return 2;
	}
	int ret = program_read(&prog);
	if (ret == -ENODATA)
		return 1;
	if (ret < 0) {
		report(&prog, -1, -ret);
		return 1;
	}
	ret = die_with_cli(&prog);
	if (ret < 0) {
		report(&prog, -1, -ret);
		return 1;
	}
	reset_signals(prog.sig_ignored);
	debug_line(&prog, "=> nsexec container setup");
	int failed = -1;
	ret = program_run(&prog, 0, &failed);
	if (ret == 1) /* the stub's part ends at OP_CLONE */
		return 0;
	if (ret < 0) {
		report(&prog, failed, -ret);
		return 1;
	}
	fail(&prog, EPROTO, "the init program ended without exec");
	report(&prog, prog.nops, EPROTO);
	return 1;
}

/* See sync.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ns.h"
#include "report.h"
#include "sync.h"

/*
 * After the clone: nothing of the init may reach the CLI before the stub's
 * REC_PID, and the CLI writes the id maps and joins the cgroups meanwhile. In
 * a new user namespace (num0 1) the init is dumpable while it waits, so that
 * the CLI, or newuidmap for a rootless one, may open its uid_map (the
 * namespace is new: nothing else is in it yet), and as it was after.
 */
int op_wait_parent(struct program *prog, const struct op *op, int index)
{
	(void)index;
	int was = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	int dumpable = op->hdr.num[0] == 1 && was == 0;
	if (dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return fail(prog, errno, "make the init dumpable for its id maps");
	int r = wait_continue(prog);
	if (dumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 && r == 0)
		r = fail(prog, errno, "make the init non-dumpable again");
	if (r == 0)
		debug_line(prog, "child process in init()");
	return r;
}

/* The mounts are done: runc runs the prestart and createRuntime hooks. */
int op_cli_hooks(struct program *prog, const struct op *op, int index)
{
	(void)op;
	return ask_cli(prog, REC_HOOKS, index, "ask runc to run the prestart hooks");
}

/*
 * The container is set up: tell runc (REC_READY), and once it has recorded
 * the container (CONTINUE), close the socket, whose EOF tells runc that the
 * init now lives on its own. The init stops dying with runc first: should
 * runc die now, the read gets EOF and the init exits. write, read and close
 * only: a seccomp filter may be loaded by now.
 */
int op_ready(struct program *prog, const struct op *op, int index)
{
	(void)op;
	int r = outlive_cli(prog);
	if (r < 0)
		return r;
	r = ask_cli(prog, REC_READY, index, "tell runc the container is ready");
	if (r < 0)
		return r;
	close(prog->sync_fd);
	prog->sync_fd = -1;
	return 0;
}

/* Often after the seccomp filter: the text goes as it is, nothing allocated. */
int op_debug(struct program *prog, const struct op *op, int index)
{
	(void)index;
	if (prog->flags & RP_F_DEBUG)
		send_record(prog, REC_DEBUG, -1, 0, 0, op->str[0]);
	return 0;
}

int op_exit(struct program *prog, const struct op *op, int index)
{
	(void)prog;
	(void)op;
	(void)index;
	exit(0);
}

/* END and CONTINUE never run: program.c refuses them inside a program. */
int op_end(struct program *prog, const struct op *op, int index)
{
	(void)index;
	return fail(prog, EPROTO, "op %u cannot run", op->hdr.op);
}

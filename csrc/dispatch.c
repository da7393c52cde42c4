/*
 * The op table: every op of protocol.h's RP_OPS with the function that runs
 * it, each in the file of its concern. A missing handler fails the link.
 */
#include "console.h"
#include "fds.h"
#include "hooks.h"
#include "identity.h"
#include "mount.h"
#include "ns.h"
#include "proc.h"
#include "process.h"
#include "report.h"
#include "seccomp.h"
#include "sync.h"

typedef int (*op_fn)(struct program *prog, const struct op *op, int index);

#define RP_OP_HANDLER(name, number, min, max, fn) [number] = op_##fn,
static const op_fn handlers[] = { RP_OPS(RP_OP_HANDLER) };
#undef RP_OP_HANDLER

int program_run(struct program *prog, int from, int *failed)
{
	for (int i = from; i < prog->nops; i++) {
		/* program.c has checked that each op is in the table. */
		int ret = handlers[prog->ops[i].hdr.op](prog, &prog->ops[i], i);
		if (ret != 0) {
			*failed = i;
			return ret;
		}
	}
	return 0;
}

/*
 * Namespaces: those joined by path (opened and checked first, joined in
 * order), the clone into new ones that makes the container's init, the bind
 * sources the stub opens for it, and namespaces made later by unshare.
 */
#ifndef RUNC_NS_H
#define RUNC_NS_H

#include "program.h"

int op_setns_open(struct program *prog, const struct op *op, int index);
int op_join_ns(struct program *prog, const struct op *op, int index);
int op_clone(struct program *prog, const struct op *op, int index);
int op_join_cgroup(struct program *prog, const struct op *op, int index);
int op_unshare(struct program *prog, const struct op *op, int index);
int op_setsid(struct program *prog, const struct op *op, int index);

/* Dies with the CLI from now on (PR_SET_PDEATHSIG SIGKILL); exits at once when
 * the CLI is gone already (its end of the sync socket hung up). 0, or -errno
 * with prog->err set when the parent-death signal cannot be set. */
int die_with_cli(struct program *prog);

/* Stops dying with the CLI, once: from here on the init waits for nothing but
 * the sync socket, whose EOF says the CLI is gone. Before a seccomp filter,
 * so that prctl need not be allowed by it. 0 or -errno. */
int outlive_cli(struct program *prog);

#endif

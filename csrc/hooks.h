/* OCI hooks, run by the stub or the container's init (see hooks.c). */
#ifndef RUNC_HOOKS_H
#define RUNC_HOOKS_H

#include "program.h"

int op_run_hook(struct program *prog, const struct op *op, int index);

#endif

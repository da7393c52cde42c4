/*
 * The handshake ops: the points where the init waits for the CLI (after the
 * clone, for the CLI's hooks, once it is ready) and what it tells the CLI
 * on the way. protocol.h draws the whole exchange.
 */
#ifndef RUNC_SYNC_H
#define RUNC_SYNC_H

#include "program.h"

int op_wait_parent(struct program *prog, const struct op *op, int index);
int op_cli_hooks(struct program *prog, const struct op *op, int index);
int op_ready(struct program *prog, const struct op *op, int index);
int op_debug(struct program *prog, const struct op *op, int index);
int op_exit(struct program *prog, const struct op *op, int index);
int op_end(struct program *prog, const struct op *op, int index);

#endif

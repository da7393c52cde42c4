/*
 * The container's process: the exec fifo, its working directory, the program
 * it runs (found and checked before runc is told the container is ready), its
 * HOME, and the final execve().
 */
#ifndef RUNC_PROCESS_H
#define RUNC_PROCESS_H

#include "program.h"

int op_open_fifo(struct program *prog, const struct op *op, int index);
int op_wait_fifo(struct program *prog, const struct op *op, int index);
int op_chdir(struct program *prog, const struct op *op, int index);
int op_lookup_home(struct program *prog, const struct op *op, int index);
int op_lookpath(struct program *prog, const struct op *op, int index);
int op_exec(struct program *prog, const struct op *op, int index);

#endif

/* The container's terminal and the ownership of its stdio (see console.c). */
#ifndef RUNC_CONSOLE_H
#define RUNC_CONSOLE_H

#include "program.h"

int op_console(struct program *prog, const struct op *op, int index);
int op_fix_stdio(struct program *prog, const struct op *op, int index);

#endif

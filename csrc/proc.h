/*
 * Kernel settings of the container: files under /proc (sysctl, oom_score_adj,
 * LSM attributes), written only on the real procfs, and the UTS names.
 */
#ifndef RUNC_PROC_H
#define RUNC_PROC_H

#include "program.h"

int op_write_file(struct program *prog, const struct op *op, int index);
int op_sethostname(struct program *prog, const struct op *op, int index);
int op_setdomainname(struct program *prog, const struct op *op, int index);

#endif

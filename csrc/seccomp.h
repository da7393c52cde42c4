/*
 * The container's seccomp filter, compiled by the CLI (libseccomp) and loaded
 * here, and its listener handed to runc for the agent (SCMP_ACT_NOTIFY).
 */
#ifndef RUNC_SECCOMP_H
#define RUNC_SECCOMP_H

#include "program.h"

int op_seccomp(struct program *prog, const struct op *op, int index);
int op_send_seccomp(struct program *prog, const struct op *op, int index);

#endif

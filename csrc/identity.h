/*
 * Who the process is and what it may do: ids and groups, capabilities, the
 * bounding set, no_new_privs, rlimits, the umask, the session keyring.
 */
#ifndef RUNC_IDENTITY_H
#define RUNC_IDENTITY_H

#include "program.h"

int op_set_root_ids(struct program *prog, const struct op *op, int index);
int op_setgroups(struct program *prog, const struct op *op, int index);
int op_setuser(struct program *prog, const struct op *op, int index);
int op_caps(struct program *prog, const struct op *op, int index);
int op_cap_bounding(struct program *prog, const struct op *op, int index);
int op_no_new_privs(struct program *prog, const struct op *op, int index);
int op_setrlimit(struct program *prog, const struct op *op, int index);
int op_umask(struct program *prog, const struct op *op, int index);
int op_join_keyring(struct program *prog, const struct op *op, int index);

#endif

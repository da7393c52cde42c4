/*
 * What of the caller's fds reaches the container and its hooks: stdio, and
 * the fds passed on purpose (LISTEN_FDS, --preserve-fds), to the container's
 * process only. Swept once, in the stub, before anything runs: nothing later
 * (a seccomp profile least of all) can stop it.
 */
#ifndef RUNC_FDS_H
#define RUNC_FDS_H

#include "program.h"

/* num0 n: every fd above 2 + n becomes close-on-exec (close_range, or one by
 * one through /proc/self/fd where the kernel has no CLOSE_RANGE_CLOEXEC). */
int op_sweep_fds(struct program *prog, const struct op *op, int index);

/* In a hook's child: the kept fds are closed (a hook gets stdio only). */
void close_kept_fds(const struct program *prog);

#endif

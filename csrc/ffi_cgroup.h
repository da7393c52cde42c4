/*
 * libruncffi's cgroup part: the bpf(2) calls that attach a device filter to a
 * cgroup v2 directory, and the v1 memory OOM eventfd. Same conventions as
 * ffi_helper.h: ints and pointers only, 0 (or a count, or an fd) on success
 * and -errno on failure. ffi/helper.ts binds exactly these symbols.
 */
#ifndef RUNC_FFI_CGROUP_H
#define RUNC_FFI_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Loads insns (n_insns eBPF instructions of 8 bytes) as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program, attaches it to the cgroup v2 directory
 * `cgroup` with BPF_F_ALLOW_MULTI, then detaches the device programs that were
 * attached before. When the kernel refuses the program, its verifier log goes
 * into log (log_size bytes, NUL-terminated). */
int rh_bpf_dev_attach(const char *cgroup, const void *insns, int n_insns, char *log, int log_size);

/* The ids of the device programs attached to a cgroup v2 directory: up to max
 * ids into ids; returns how many are attached. */
int rh_bpf_dev_query(const char *cgroup, uint32_t *ids, int max);

/* An eventfd that the kernel signals when the v1 memory cgroup at dir hits
 * OOM (registered through cgroup.event_control). Returns the eventfd. */
int rh_oom_eventfd(const char *dir);

/* Waits up to timeout_ms (-1: forever) for fd to be readable and reads its
 * 8-byte counter into value; 1 when read, 0 on timeout. */
int rh_eventfd_wait(int fd, int timeout_ms, uint64_t *value);

/* Writes value (len bytes, one write(2) each) to each of n files in turn;
 * paths holds their names one after the other, each NUL-terminated. errs[i]
 * gets 0 or the errno of file i; a failure does not stop the writes that
 * follow; -errno means the open failed, errno the
 * write. Made for cgroup.procs, whose first write of a
 * burst can wait several milliseconds for an RCU grace period: ffi/helper.ts
 * calls it off Deno's main thread. Returns how many failed. */
int rh_write_each(const char *paths, int n, const char *value, size_t len, int32_t *errs);

#endif

/*
 * libruncffi: the few syscalls the runc CLI needs that Deno does not offer,
 * with signatures that are easy to bind with Deno.dlopen (ints and pointers
 * only). Every function returns 0 (or a count) on success and -errno on failure.
 * ffi/helper.ts binds exactly these symbols.
 */
#ifndef RUNC_FFI_HELPER_H
#define RUNC_FFI_HELPER_H

#include <stddef.h>
#include <stdint.h>

/* A SOCK_SEQPACKET pair: fds[0] close-on-exec for the CLI, fds[1] inheritable. */
int rh_socketpair(int32_t *fds);

/* send() one message; -errno on failure. */
int64_t rh_send(int fd, const void *buf, size_t len);

/* recv() one message, waiting at most timeout_ms (-1: forever); 0 at EOF,
 * -ETIMEDOUT when nothing came. */
int64_t rh_recv(int fd, void *buf, size_t len, int timeout_ms);

/* waitpid(); returns the pid and stores the raw wait status. */
int rh_waitpid(int pid, int32_t *status, int flags);

int rh_close(int fd);

/* Bits of what the running kernel offers (RH_HAVE_*). */
#define RH_HAVE_CLONE3 1
#define RH_HAVE_OPENAT2 2
#define RH_HAVE_MOUNT_SETATTR 4
#define RH_HAVE_PIDFD 8
int rh_probe(void);

/* mkfifo(path, mode), then chmod to mode (not masked by the umask). */
int rh_mkfifo(const char *path, int mode);

/* A unix datagram socket bound to path (mode 0777, close-on-exec); a stale
 * socket file at path is replaced. Returns the fd. */
int rh_unixgram_bind(const char *path);

/* Sends one datagram to the unix socket at path ("@name": abstract). */
int64_t rh_unixgram_send(const char *path, const void *buf, size_t len);

/* prctl(PR_SET_CHILD_SUBREAPER, on). */
int rh_set_subreaper(int on);

#endif

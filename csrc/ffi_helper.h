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

/* A SOCK_SEQPACKET pair: fds[0] for the CLI, close-on-exec; fds[1] for a child,
 * close-on-exec too (rh_spawn gives it to the stub alone) unless inheritable
 * (a child started otherwise, such as criu swrk, inherits it). */
int rh_socketpair(int32_t *fds, int inheritable);

/* send() one message; -errno on failure. */
int64_t rh_send(int fd, const void *buf, size_t len);

/* recv() one message, waiting at most timeout_ms (-1: forever); 0 at EOF,
 * -ETIMEDOUT when nothing came. An fd passed with SCM_RIGHTS is stored in
 * *fd_out (close-on-exec), else -1 is. */
int64_t rh_recv(int fd, void *buf, size_t len, int timeout_ms, int32_t *fd_out);

/* Connects to the unix stream socket at path and sends fd with SCM_RIGHTS, with
 * name as the payload (runc's utils.SendFd, which console receivers expect). */
int rh_send_fd(const char *path, const char *name, int fd);

/* TIOCSWINSZ / TIOCGWINSZ. */
int rh_set_winsize(int fd, int rows, int cols);
int rh_get_winsize(int fd, int32_t *rows_cols);

/* Puts a terminal in raw mode (cfmakeraw), saving its settings in saved (at
 * least RH_TERMIOS_SIZE bytes); rh_tty_restore puts them back. */
#define RH_TERMIOS_SIZE 64
int rh_tty_raw(int fd, void *saved);
int rh_tty_restore(int fd, const void *saved);

/* open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY): the controlling terminal. */
int rh_open_tty(void);

/* isatty(fd) as 1 or 0. */
int rh_isatty(int fd);

/* Copies in_fd to master and master to out_fd until the master hangs up (the
 * container's side is closed). Blocks: call it off the main thread. in_fd may be
 * -1. Returns 0 or -errno. */
int rh_pty_relay(int master, int in_fd, int out_fd);

/* posix_spawn() of path with keep_fd's number as its one argument, in cwd,
 * with an empty environment, every signal at its default and none blocked;
 * keep_fd is inherited (its close-on-exec cleared in the child only), and so
 * is any other fd without close-on-exec. Returns the pid or -errno (exec
 * errors included). */
int rh_spawn(const char *path, int keep_fd, const char *cwd);

/* waitpid(); returns the pid and stores the raw wait status. */
int rh_waitpid(int pid, int32_t *status, int flags);

int rh_close(int fd);

/* mkfifo(path, mode), then chmod to mode (not masked by the umask). */
int rh_mkfifo(const char *path, int mode);

/* A unix datagram socket bound to path (mode 0777, close-on-exec); a stale
 * socket file at path is replaced. Returns the fd. */
int rh_unixgram_bind(const char *path);

/* Sends one datagram to the unix socket at path ("@name": abstract). */
int64_t rh_unixgram_send(const char *path, const void *buf, size_t len);


/* prctl(PR_SET_CHILD_SUBREAPER, on). */
int rh_set_subreaper(int on);

/* For checkpoint and restore with CRIU. */

/* open(path, flags, mode) with the caller's flags (O_CLOEXEC or not: an fd
 * CRIU must inherit is opened without it). Returns the fd. */
int rh_open(const char *path, int flags, int mode);

/* mount(2) and umount2(2). */
int rh_mount(const char *source, const char *target, const char *fstype, int64_t flags,
	     const char *data);
int rh_umount(const char *target, int flags);

/* write(2) of len bytes (all of them); returns the count. */
int64_t rh_write(int fd, const void *buf, size_t len);

/* fcntl(fd, F_GETFL): the file status flags. */
int rh_fd_flags(int fd);

#endif

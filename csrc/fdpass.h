/* Passing fds with SCM_RIGHTS, and waiting on one; shared by the init stub
 * and the FFI helper. */
#ifndef RUNC_FDPASS_H
#define RUNC_FDPASS_H

#include <stddef.h>

/* sendmsg() of buf with fd attached; 0 or -errno. */
int send_with_fd(int sock, const void *buf, size_t len, int fd);

/* recvmsg() of one message into buf; *fd_out is the fd it carried (made
 * close-on-exec) or -1. Returns the length (0 at EOF) or -errno. */
long recv_msg_fd(int sock, void *buf, size_t len, int *fd_out);

/* recvmsg() of one message into buf with one fd attached (made close-on-exec);
 * the fd, or -errno (-EPROTO when the message carries none, or on EOF). */
int recv_with_fd(int sock, void *buf, size_t len);

/* poll() for input on fd, EINTR retried: 1 when readable, 0 after timeout_ms
 * (-1: never), or -errno. */
int poll_in(int fd, int timeout_ms);

#endif

/* See ffi_helper.h. */
#include <errno.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "ffi_helper.h"

int rh_socketpair(int32_t *fds)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return -errno;
	if (fcntl(sv[0], F_SETFD, FD_CLOEXEC) < 0) {
		int err = errno;
		close(sv[0]);
		close(sv[1]);
		return -err;
	}
	fds[0] = sv[0];
	fds[1] = sv[1];
	return 0;
}

int64_t rh_send(int fd, const void *buf, size_t len)
{
	ssize_t n;
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int64_t rh_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	ssize_t n;
	do
		n = recv(fd, buf, len, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int rh_waitpid(int pid, int32_t *status, int flags)
{
	int st = 0, r;
	do
		r = waitpid(pid, &st, flags | __WALL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	*status = st;
	return r;
}

int rh_close(int fd)
{
	return close(fd) < 0 ? -errno : 0;
}

/* A syscall the kernel lacks fails with ENOSYS; any other error means it is there. */
static int have(long nr, long a, long b, long c)
{
	return syscall(nr, a, b, c, 0, 0) < 0 && errno == ENOSYS ? 0 : 1;
}

int rh_probe(void)
{
	int bits = 0;
	if (have(SYS_clone3, 0, 0, 0))
		bits |= RH_HAVE_CLONE3;
	if (have(SYS_openat2, -1, 0, 0))
		bits |= RH_HAVE_OPENAT2;
	if (have(SYS_mount_setattr, -1, 0, 0))
		bits |= RH_HAVE_MOUNT_SETATTR;
	if (have(SYS_pidfd_open, 0, 0, 0))
		bits |= RH_HAVE_PIDFD;
	return bits;
}

int rh_set_subreaper(int on)
{
	return prctl(PR_SET_CHILD_SUBREAPER, on, 0, 0, 0) < 0 ? -errno : 0;
}

static int unix_addr(const char *path, struct sockaddr_un *addr, socklen_t *len)
{
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, path, n);
	if (path[0] == '@') /* abstract, as Go (and systemd) write it */
		addr->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

int rh_unixgram_bind(const char *path)
{
	struct sockaddr_un addr;
	socklen_t len;
	int r = unix_addr(path, &addr, &len);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (path[0] != '@')
		unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, len) < 0 ||
	    (path[0] != '@' && chmod(path, 0777) < 0)) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int64_t rh_unixgram_send(const char *path, const void *buf, size_t len)
{
	struct sockaddr_un addr;
	socklen_t alen;
	int r = unix_addr(path, &addr, &alen);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t n = sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&addr, alen);
	int err = errno;
	close(fd);
	return n < 0 ? -err : n;
}

int rh_mkfifo(const char *path, int mode)
{
	/* The mode as given, whatever the umask (the exec fifo must be writable by a
	 * container process of any uid). */
	if (mkfifo(path, (mode_t)mode) < 0 || chmod(path, (mode_t)mode) < 0)
		return -errno;
	return 0;
}

/* See ffi_helper.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/mount.h>
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

#include "fdpass.h"
#include "ffi_helper.h"

static int unix_addr(const char *path, struct sockaddr_un *addr, socklen_t *len);

int rh_socketpair(int32_t *fds, int inheritable)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (inheritable && fcntl(sv[1], F_SETFD, 0) < 0) {
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

int64_t rh_recv(int fd, void *buf, size_t len, int timeout_ms, int32_t *fd_out)
{
	*fd_out = -1;
	int r = poll_in(fd, timeout_ms);
	if (r < 0)
		return r;
	if (r == 0)
		return -ETIMEDOUT;
	int got;
	long n = recv_msg_fd(fd, buf, len, &got);
	*fd_out = got;
	return n;
}

int rh_send_fd(const char *path, const char *name, int fd)
{
	struct sockaddr_un addr;
	socklen_t alen;
	int r = unix_addr(path, &addr, &alen);
	if (r < 0)
		return r;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&addr, alen) < 0) {
		int err = errno;
		close(s);
		return -err;
	}
	int r2 = send_with_fd(s, name, strlen(name), fd);
	close(s);
	return r2;
}

int rh_set_winsize(int fd, int rows, int cols)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	return ioctl(fd, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

int rh_get_winsize(int fd, int32_t *rows_cols)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return -errno;
	rows_cols[0] = ws.ws_row;
	rows_cols[1] = ws.ws_col;
	return 0;
}

int rh_tty_raw(int fd, void *saved)
{
	struct termios t;
	_Static_assert(sizeof(t) <= RH_TERMIOS_SIZE, "termios is larger than RH_TERMIOS_SIZE");
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	memcpy(saved, &t, sizeof(t));
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

int rh_tty_restore(int fd, const void *saved)
{
	struct termios t;
	memcpy(&t, saved, sizeof(t));
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

int rh_open_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int rh_isatty(int fd)
{
	return isatty(fd);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rh_pty_relay(int master, int in_fd, int out_fd)
{
	char buf[8192];
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = master, .events = POLLIN },
			{ .fd = in_fd, .events = POLLIN },
		};
		int r = poll(p, in_fd >= 0 ? 2 : 1, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) /* EIO: every slave fd is closed */
				return 0;
			int w = write_all(out_fd, buf, (size_t)n);
			if (w < 0)
				return w;
		}
		if (in_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(in_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				in_fd = -1; /* our stdin ended; the container's output goes on */
				continue;
			}
			int w = write_all(master, buf, (size_t)n);
			if (w < 0)
				return w;
		}
	}
}

int rh_spawn(const char *path, int keep_fd, const char *cwd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	char arg[16];
	snprintf(arg, sizeof(arg), "%d", keep_fd);
	char *const argv[] = { (char *)path, arg, NULL };
	char *const envp[] = { NULL };
	pid_t pid = 0;
	int r = posix_spawn_file_actions_init(&fa);
	if (r)
		return -r;
	r = posix_spawnattr_init(&attr);
	if (r) {
		posix_spawn_file_actions_destroy(&fa);
		return -r;
	}
	sigfillset(&all);
	sigemptyset(&none);
	/* dup2 onto itself clears close-on-exec in the child only (glibc 2.29+). */
	r = posix_spawn_file_actions_adddup2(&fa, keep_fd, keep_fd);
	if (!r)
		r = posix_spawn_file_actions_addchdir_np(&fa, cwd);
	if (!r)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	if (!r)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (!r)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	if (!r)
		r = posix_spawn(&pid, path, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return r ? -r : pid;
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

int rh_open(const char *path, int flags, int mode)
{
	int fd;
	do
		fd = open(path, flags, (mode_t)mode);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

int rh_mount(const char *source, const char *target, const char *fstype, int64_t flags,
	     const char *data)
{
	return mount(source, target, *fstype ? fstype : NULL, (unsigned long)flags,
		     *data ? data : NULL) < 0 ?
		       -errno :
		       0;
}

int rh_umount(const char *target, int flags)
{
	return umount2(target, flags) < 0 ? -errno : 0;
}

int64_t rh_write(int fd, const void *buf, size_t len)
{
	int r = write_all(fd, buf, len);
	return r < 0 ? r : (int64_t)len;
}

int rh_fd_flags(int fd)
{
	int r = fcntl(fd, F_GETFL);
	return r < 0 ? -errno : r;
}

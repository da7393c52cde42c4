/*
 * testprog: a small static program the integration tests copy into a
 * container's rootfs, for checks busybox cannot make.
 *
 *   testprog notify MESSAGE   send MESSAGE as one datagram to $NOTIFY_SOCKET
 *   testprog sys NR [ARG...]  make syscall NR with integer args; print ret=R or errno=E
 *   testprog seccomp-agent PATH  a seccomp agent: take the listener runc sends to
 *                             PATH, print the state it came with, answer mkdir
 *                             and mkdirat with success (without doing them) and
 *                             let every other notified syscall continue
 *   testprog recvtty PATH     a console socket: listen on PATH, take the fd runc
 *                             sends, check it is a pty master, print its pts
 *                             number, then copy what the container writes to
 *                             stdout until it closes the terminal
 *   testprog deny-mknod CMD [ARG...]  run CMD where mknod fails with EPERM, as in
 *                             a nested container or under a device cgroup
 *   testprog getxattr PATH NAME  print the extended attribute NAME of PATH (an
 *                             SELinux label: security.selinux), without its NUL
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

static int notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path) {
		fprintf(stderr, "testprog: NOTIFY_SOCKET is not set\n");
		return 2;
	}
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	if (n >= sizeof(addr.sun_path)) {
		fprintf(stderr, "testprog: NOTIFY_SOCKET is too long\n");
		return 2;
	}
	memcpy(addr.sun_path, path, n);
	if (addr.sun_path[0] == '@')
		addr.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&addr,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
		fprintf(stderr, "testprog: notify %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

static int sys(int argc, char **argv)
{
	long nr = strtol(argv[0], NULL, 0), a[6] = { 0 };
	for (int i = 1; i < argc && i <= 6; i++)
		a[i - 1] = strtol(argv[i], NULL, 0);
	errno = 0;
	long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r < 0)
		printf("errno=%d\n", errno);
	else
		printf("ret=%ld\n", r);
	return 0;
}

/* Listens on path; returns the listening socket. */
static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(l, 8) < 0)
		return -1;
	printf("listening\n");
	fflush(stdout);
	return l;
}

/* Accepts one connection and takes the fd it carries, with its payload. */
static int take_fd(int l, char *payload, size_t len)
{
	int c = accept(l, NULL, NULL);
	if (c < 0)
		return -1;
	struct iovec iov = { .iov_base = payload, .iov_len = len - 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(c, &msg, 0);
	close(c);
	if (n < 0)
		return -1;
	payload[n] = '\0';
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void answer(int fd)
{
	for (;;) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR)
				continue;
			return; /* the processes of this filter are gone */
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		if (req.data.nr == SYS_mkdir || req.data.nr == SYS_mkdirat) {
			printf("notified mkdir\n");
			fflush(stdout);
		} else {
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		}
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

/* Every listener runc sends (one per container process with the filter) is
 * answered by a child of its own. */
static int seccomp_agent(const char *path)
{
	static char state[65536];
	int l = listen_on(path);
	if (l < 0) {
		fprintf(stderr, "testprog: listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		int fd = take_fd(l, state, sizeof(state));
		if (fd < 0) {
			fprintf(stderr, "testprog: no listener received: %s\n", strerror(errno));
			continue;
		}
		printf("state %s\n", state);
		fflush(stdout);
		if (fork() == 0) {
			close(l);
			answer(fd);
			_exit(0);
		}
		close(fd);
	}
}

static int recvtty(const char *path)
{
	int l = listen_on(path);
	if (l < 0) {
		fprintf(stderr, "testprog: listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	char name[256];
	int master = take_fd(l, name, sizeof(name));
	if (master < 0) {
		fprintf(stderr, "testprog: no fd received: %s\n", strerror(errno));
		return 1;
	}
	unsigned int ptn;
	if (ioctl(master, TIOCGPTN, &ptn) < 0) {
		fprintf(stderr, "testprog: the fd is not a pty master: %s\n", strerror(errno));
		return 1;
	}
	printf("name %s master pts %u\n", name, ptn);
	fflush(stdout);
	char buf[4096];
	ssize_t n;
	while ((n = read(master, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
	return 0;
}

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

/* A seccomp filter (inherited by everything CMD starts): mknod and mknodat of a
 * character or block device fail with EPERM; fifos and files are still made. */
#define DENY_DEVICE_AT(nr, arg)                                                              \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 6),                                         \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[arg])),          \
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, S_IFMT),                                           \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, S_IFCHR, 2, 0),                                    \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, S_IFBLK, 1, 0),                                    \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),                                          \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

static int deny_mknod(char **cmd)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		DENY_DEVICE_AT(__NR_mknodat, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __NR_mknod
		DENY_DEVICE_AT(__NR_mknod, 1),
#endif
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		perror("testprog: seccomp");
		return 2;
	}
	execvp(cmd[0], cmd);
	perror("testprog: exec");
	return 127;
}

static int print_xattr(const char *path, const char *name)
{
	ssize_t n = getxattr(path, name, NULL, 0);
	char *buf = n < 0 ? NULL : malloc((size_t)n + 1);
	if (n >= 0 && buf)
		n = getxattr(path, name, buf, (size_t)n);
	if (n < 0 || !buf) {
		fprintf(stderr, "testprog: getxattr %s %s: %s\n", path, name, strerror(errno));
		return 1;
	}
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	printf("%.*s\n", (int)n, buf);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "getxattr") == 0)
		return print_xattr(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "deny-mknod") == 0)
		return deny_mknod(argv + 2);
	if (argc >= 3 && strcmp(argv[1], "sys") == 0)
		return sys(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "seccomp-agent") == 0)
		return seccomp_agent(argv[2]);
	if (argc == 3 && strcmp(argv[1], "notify") == 0)
		return notify(argv[2]);
	if (argc == 3 && strcmp(argv[1], "recvtty") == 0)
		return recvtty(argv[2]);
	fprintf(stderr, "usage: testprog notify MESSAGE | testprog recvtty PATH\n");
	return 2;
}

/*
 * testprog: a small static program the integration tests copy into a
 * container's rootfs, for checks busybox cannot make.
 *
 *   testprog notify MESSAGE   send MESSAGE as one datagram to $NOTIFY_SOCKET
 *   testprog recvtty PATH     a console socket: listen on PATH, take the fd runc
 *                             sends, check it is a pty master, print its pts
 *                             number, then copy what the container writes to
 *                             stdout until it closes the terminal
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
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

static int recvtty(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return 2;
	strcpy(addr.sun_path, path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(l, 1) < 0) {
		fprintf(stderr, "testprog: listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	int c = accept(l, NULL, NULL);
	if (c < 0) {
		fprintf(stderr, "testprog: accept: %s\n", strerror(errno));
		return 1;
	}
	char name[256] = { 0 };
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	if (recvmsg(c, &msg, 0) < 0) {
		fprintf(stderr, "testprog: recvmsg: %s\n", strerror(errno));
		return 1;
	}
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "testprog: no fd received\n");
		return 1;
	}
	int master;
	memcpy(&master, CMSG_DATA(cm), sizeof(int));
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

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "notify") == 0)
		return notify(argv[2]);
	if (argc == 3 && strcmp(argv[1], "recvtty") == 0)
		return recvtty(argv[2]);
	fprintf(stderr, "usage: testprog notify MESSAGE | testprog recvtty PATH\n");
	return 2;
}

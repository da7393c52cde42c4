/*
 * testprog: a small static program the integration tests copy into a
 * container's rootfs, for checks busybox cannot make.
 *
 *   testprog notify MESSAGE   send MESSAGE as one datagram to $NOTIFY_SOCKET
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "notify") == 0)
		return notify(argv[2]);
	fprintf(stderr, "usage: testprog notify MESSAGE\n");
	return 2;
}

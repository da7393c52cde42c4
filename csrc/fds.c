/* See fds.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fds.h"
#include "report.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Before Linux 5.11: each open fd from /proc/self/fd. */
static int cloexec_by_hand(struct program *prog, int from)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return fail(prog, errno, "list /proc/self/fd to mark fds close-on-exec");
	int self = dirfd(d), ret = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd < from || fd == self)
			continue;
		int flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC) && fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
			ret = fail(prog, errno, "mark fd %ld close-on-exec", fd);
			break;
		}
	}
	closedir(d);
	return ret;
}

int op_sweep_fds(struct program *prog, const struct op *op, int index)
{
	(void)index;
	int64_t n = op->hdr.num[0];
	if (n < 0 || n > 0x7fffffff - 3)
		return fail(prog, EPROTO, "sweep fds: %lld kept fds", (long long)n);
	prog->keep_fds = (int)n;
	int from = 3 + (int)n;
	if (!(prog->flags & RP_F_NO_CLOSE_RANGE) &&
	    syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	return cloexec_by_hand(prog, from);
}

void close_kept_fds(const struct program *prog)
{
	for (int fd = 3; fd < 3 + prog->keep_fds; fd++)
		close(fd);
}

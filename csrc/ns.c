/* See ns.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "ns.h"
#include "report.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

int die_with_cli(struct program *prog)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return fail(prog, errno, "die with runc (PR_SET_PDEATHSIG)");
	/* The CLI may have died before the line above: then its end is closed. */
	struct pollfd p = { .fd = prog->sync_fd, .events = POLLRDHUP };
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR)))
		_exit(1);
	return 0;
}

int outlive_cli(struct program *prog)
{
	if (prog->outlives_cli)
		return 0;
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
		return fail(prog, errno, "stop dying with runc");
	prog->outlives_cli = 1;
	return 0;
}

/* Opens a namespace to join and checks it is of the type the config says, so a
 * path to the wrong kind of namespace fails before anything is created. All
 * are opened before any is joined: joining changes what later paths mean. */
int op_setns_open(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *path = op->str[0], *type = op->str[1];
	for (int i = 0; i < prog->nns; i++)
		if (prog->ns_type[i] == op->hdr.num[0])
			return fail(prog, EINVAL, "a second %s namespace to join: %s", type, path);
	/* With one of each type there is room: the kernel has fewer than 16 types. */
	if (prog->nns >= (int)(sizeof(prog->ns_fd) / sizeof(prog->ns_fd[0])))
		return fail(prog, E2BIG, "more namespaces to join than there are types");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(prog, errno, "open %s namespace %s", type, path);
	int kind = ioctl(fd, NS_GET_NSTYPE);
	if (kind < 0 && errno != ENOTTY) {
		int err = errno;
		close(fd);
		return fail(prog, err, "%s is not a namespace", path);
	}
	if (kind >= 0 && kind != (int)op->hdr.num[0]) {
		close(fd);
		return fail(prog, EINVAL, "%s is not a %s namespace", path, type);
	}
	prog->ns_fd[prog->nns] = fd;
	prog->ns_path[prog->nns] = path;
	prog->ns_type[prog->nns] = op->hdr.num[0];
	prog->nns++;
	return 0;
}

/*
 * Joins the namespaces opened before. Non-dumpable first (CVE-2016-9962): a
 * process of the container it joins may then neither ptrace it nor read its
 * /proc/PID/fd (host fds, the host's terminal) before it execs; exec makes the
 * container's process dumpable again. A fresh container joins nothing and
 * stays dumpable, as with runc: there is nobody inside yet, and a rootless
 * caller must reach its /proc files.
 */
int op_join_ns(struct program *prog, const struct op *op, int index)
{
	(void)op;
	(void)index;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail(prog, errno, "make the process non-dumpable before it joins the container");
	for (int i = 0; i < prog->nns; i++) {
		if (setns(prog->ns_fd[i], 0) < 0)
			return fail(prog, errno, "join namespace %s", prog->ns_path[i]);
		close(prog->ns_fd[i]);
	}
	prog->nns = 0;
	return 0;
}

/* How many OP_MOUNTs after the clone take a source the stub opens (num3 > 0). */
static int count_mount_sources(const struct program *prog, int index)
{
	int n = 0;
	for (int i = index + 1; i < prog->nops; i++)
		if (prog->ops[i].hdr.op == OP_MOUNT && prog->ops[i].hdr.num[3] > n)
			n = (int)prog->ops[i].hdr.num[3];
	return n;
}

/*
 * In the stub, after the clone: join the init's new mount namespace (still a
 * copy of the host's; the init waits), open every bind source there with the
 * stub's own rights and send the fds to the init in source order. The init,
 * whose root is a mapped user by then, mounts them from /proc/self/fd and so
 * never needs to reach the source's path itself (runc 1.1's mount sources).
 */
static int send_mount_sources(struct program *prog, int index, long pid, int sock, int n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
	int host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host < 0)
		return fail(prog, errno, "open the stub's mount namespace");
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNS) < 0) {
		int err = errno;
		if (ns >= 0)
			close(ns);
		close(host);
		return fail(prog, err, "join the container's mount namespace to open bind sources");
	}
	close(ns);
	int ret = 0;
	for (int k = 1; k <= n && ret == 0; k++) {
		const char *src = NULL;
		for (int i = index + 1; i < prog->nops && !src; i++)
			if (prog->ops[i].hdr.op == OP_MOUNT && prog->ops[i].hdr.num[3] == k)
				src = prog->ops[i].str[0];
		if (!src) {
			ret = fail(prog, EPROTO, "mount source %d is not in the program", k);
			break;
		}
		int fd = open(src, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			ret = fail(prog, errno, "open bind source %s", src);
			break;
		}
		int r = send_with_fd(sock, &k, sizeof(k), fd);
		close(fd);
		if (r < 0)
			ret = fail(prog, -r, "send bind source %s to the container's init", src);
	}
	if (setns(host, CLONE_NEWNS) < 0 && ret == 0)
		ret = fail(prog, errno, "return to the stub's mount namespace");
	close(host);
	return ret;
}

/* In the init: take the sources the stub sends. A stub that failed has said
 * why to the CLI; the init reports what it saw itself. */
static int receive_mount_sources(struct program *prog, int sock, int n)
{
	prog->mount_src = calloc((size_t)n, sizeof(int));
	if (!prog->mount_src)
		return fail(prog, ENOMEM, "receive %d bind sources", n);
	for (int k = 1; k <= n; k++) {
		int got = 0;
		int fd = recv_with_fd(sock, &got, sizeof(got));
		if (fd < 0)
			return fail(prog, -fd, "receive bind source %d from the stub", k);
		if (got != k) {
			close(fd);
			return fail(prog, EPROTO, "bind source %d came as %d", k, got);
		}
		prog->mount_src[k - 1] = fd;
		prog->nmount_src = k;
	}
	return 0;
}

/* How runc words a failed join; the CLI adds only the errno text. */
#define JOIN_FAILED "unable to apply cgroup configuration: failed to write \"0\": "

/* "0" written to a file of a cgroup directory (dirfd, or the path dir when
 * dirfd is AT_FDCWD): the writing process (or thread) moves into it. */
static int write_zero(struct program *prog, int dirfd, const char *dir, const char *file)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return fail(prog, ENOMEM, JOIN_FAILED "%s/%s", dir, file);
	int fd = dirfd == AT_FDCWD ? open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
				   : openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	int err = errno;
	if (fd >= 0) {
		err = write(fd, "0", 1) == 1 ? 0 : errno;
		close(fd);
	}
	int r = err ? fail(prog, err, JOIN_FAILED "write %s", path) : 0;
	free(path);
	return r;
}

/*
 * The stub moves itself into a container's cgroups before the clone, so the
 * init starts in them. Into a v1 hierarchy by "0" written to its tasks file:
 * the kernel moves the writing thread alone (the stub has one) and, for the
 * writer itself, without write-locking cgroup_threadgroup_rwsem, which a
 * cgroup.procs write takes and which waits about 10 ms for an RCU grace
 * period. Into a cgroup2 directory by the clone (CLONE_INTO_CGROUP, which
 * takes that lock for reading only): the directory is opened here, before any
 * namespace is joined.
 */
int op_join_cgroup(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *dir = op->str[0];
	if (op->hdr.num[0] == RP_CGROUP_TASKS)
		return write_zero(prog, AT_FDCWD, dir, "tasks");
	if (op->hdr.num[0] != RP_CGROUP_CLONE_INTO)
		return fail(prog, EINVAL, "join cgroup %s: unknown way %lld", dir, (long long)op->hdr.num[0]);
	if (prog->cgroup_fd >= 0)
		return fail(prog, EINVAL, "join cgroup %s: a second cgroup2 directory", dir);
	prog->cgroup_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (prog->cgroup_fd < 0)
		return fail(prog, errno, JOIN_FAILED "open %s", dir);
	prog->cgroup_dir = dir;
	return 0;
}

/* The fallback for the cgroup2 directory: the stub joins it by its
 * cgroup.procs, opened from the directory's fd (not its path: the stub may be
 * in other namespaces by now), and lets the fd go. 0, or -1 with errno set
 * and *said (prog->err holds the message). */
static int join_by_procs(struct program *prog, int *said)
{
	int r = write_zero(prog, prog->cgroup_fd, prog->cgroup_dir, "cgroup.procs");
	close(prog->cgroup_fd);
	prog->cgroup_fd = -1;
	if (r < 0) {
		*said = 1;
		errno = -r;
		return -1;
	}
	return 0;
}

/*
 * clone3 with CLONE_PARENT (then exit_signal 0: the child takes ours,
 * SIGCHLD) and, after OP_JOIN_CGROUP of a cgroup2 directory,
 * CLONE_INTO_CGROUP; or clone(2) where the kernel has no clone3 (before 5.3).
 * When the clone into the cgroup fails (before 5.7: E2BIG for the larger
 * clone_args, or EINVAL; or the kernel refuses the cgroup: EBUSY...) or there
 * is no clone3, the stub joins the directory by its cgroup.procs
 * (join_by_procs) and clones plainly: the kernel's verdict on the cgroup then
 * comes from that write, worded as a failed join (*said set, prog->err holding
 * the message), and any other failure from the plain clone.
 */
static long clone_parent(struct program *prog, uint64_t flags, int *said)
{
	if (!(prog->flags & RP_F_NO_CLONE3)) {
		struct clone_args args = { .flags = flags | CLONE_PARENT };
		if (prog->cgroup_fd >= 0) {
			args.flags |= CLONE_INTO_CGROUP;
			args.cgroup = (uint64_t)prog->cgroup_fd;
		}
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid < 0 && prog->cgroup_fd >= 0 && errno != ENOSYS) {
			if (join_by_procs(prog, said) < 0)
				return -1;
			args = (struct clone_args){ .flags = flags | CLONE_PARENT };
			pid = syscall(SYS_clone3, &args, sizeof(args));
		}
		if (pid >= 0 || errno != ENOSYS)
			return pid;
		prog->flags |= RP_F_NO_CLONE3;
	}
	if (prog->cgroup_fd >= 0 && join_by_procs(prog, said) < 0)
		return -1;
	/* No new stack: the child runs on a copy of ours, as after fork(). */
	return syscall(SYS_clone, (unsigned long)(flags | CLONE_PARENT), 0L, 0L, 0L, 0L);
}

int op_clone(struct program *prog, const struct op *op, int index)
{
	int nsrc = count_mount_sources(prog, index);
	int sp[2] = { -1, -1 };
	if (nsrc > 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return fail(prog, errno, "socketpair for bind sources");
	int said = 0;
	long pid = clone_parent(prog, (uint64_t)op->hdr.num[0], &said);
	if (pid < 0) {
		int err = errno;
		if (nsrc > 0) {
			close(sp[0]);
			close(sp[1]);
		}
		return said ? -err : fail(prog, err, "clone into new namespaces");
	}
	/* The init is in the cgroup: neither process keeps the host directory open. */
	if (prog->cgroup_fd >= 0) {
		close(prog->cgroup_fd);
		prog->cgroup_fd = -1;
	}
	if (pid > 0) {
		if (nsrc > 0) {
			close(sp[1]);
			int r = send_mount_sources(prog, index, pid, sp[0], nsrc);
			if (r < 0) {
				/* Said before the init, which then gets EOF, can say its part. */
				send_record(prog, REC_ERROR, index, -r, 0, prog->err);
				close(sp[0]);
				return 1;
			}
			close(sp[0]);
		}
		debug_line(prog, "<= nsexec container setup");
		int r = send_record(prog, REC_PID, index, 0, (int)pid, NULL);
		if (r < 0)
			return fail(prog, -r, "tell runc the container's pid");
		return 1;
	}
	/* The container's init: a child of the CLI now, which it dies with until it is ready. */
	int dying = die_with_cli(prog);
	if (dying < 0)
		return dying;
	if (nsrc > 0) {
		close(sp[0]);
		int r = receive_mount_sources(prog, sp[1], nsrc);
		close(sp[1]);
		if (r < 0)
			return r;
	}
	return 0;
}

int op_unshare(struct program *prog, const struct op *op, int index)
{
	(void)index;
	return unshare((int)op->hdr.num[0]) < 0 ? fail(prog, errno, "unshare namespaces") : 0;
}

int op_setsid(struct program *prog, const struct op *op, int index)
{
	(void)op;
	(void)index;
	return setsid() < 0 ? fail(prog, errno, "setsid") : 0;
}

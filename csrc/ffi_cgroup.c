/* See ffi_cgroup.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "ffi_cgroup.h"

static int bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

static int prog_load(const void *insns, int n_insns, char *log, int log_size, int with_log)
{
	static const char license[] = "Apache";
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n_insns;
	a.license = (uint64_t)(uintptr_t)license;
	if (with_log && log && log_size > 0) {
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)log_size;
		a.log_level = 1;
	}
	return bpf(BPF_PROG_LOAD, &a);
}

static int query(int cgfd, uint32_t *ids, int max)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = (uint32_t)max;
	int r = bpf(BPF_PROG_QUERY, &a);
	/* ENOSPC: more attached than max; prog_cnt says how many. */
	if (r < 0 && r != -ENOSPC)
		return r;
	return (int)a.query.prog_cnt;
}

int rh_bpf_dev_query(const char *cgroup, uint32_t *ids, int max)
{
	int cgfd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return -errno;
	int r = query(cgfd, ids, max);
	close(cgfd);
	return r;
}

#define MAX_OLD 64

int rh_bpf_dev_attach(const char *cgroup, const void *insns, int n_insns, char *log, int log_size)
{
	uint32_t old[MAX_OLD];
	int cgfd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return -errno;
	int n_old = query(cgfd, old, MAX_OLD);
	if (n_old < 0)
		n_old = 0; /* an old kernel without query: attach only */
	if (n_old > MAX_OLD)
		n_old = MAX_OLD;

	int prog = prog_load(insns, n_insns, log, log_size, 0);
	if (prog < 0) {
		int err = prog;
		/* Load again with the verifier log so the caller can say why. */
		int again = prog_load(insns, n_insns, log, log_size, 1);
		if (again >= 0)
			close(again);
		close(cgfd);
		return err;
	}

	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	int r = bpf(BPF_PROG_ATTACH, &a);
	close(prog);
	if (r < 0) {
		close(cgfd);
		return r;
	}

	for (int i = 0; i < n_old; i++) {
		union bpf_attr g;
		memset(&g, 0, sizeof(g));
		g.prog_id = old[i];
		int ofd = bpf(BPF_PROG_GET_FD_BY_ID, &g);
		if (ofd < 0)
			continue; /* gone meanwhile */
		union bpf_attr d;
		memset(&d, 0, sizeof(d));
		d.target_fd = (uint32_t)cgfd;
		d.attach_bpf_fd = (uint32_t)ofd;
		d.attach_type = BPF_CGROUP_DEVICE;
		r = bpf(BPF_PROG_DETACH, &d);
		close(ofd);
		if (r < 0 && r != -ENOENT) {
			close(cgfd);
			return r;
		}
	}
	close(cgfd);
	return 0;
}

int rh_oom_eventfd(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/memory.oom_control", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* Kept open for the life of the process: the registration refers to it. */
	int ofd = open(path, O_RDONLY | O_CLOEXEC);
	if (ofd < 0)
		return -errno;
	int efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0) {
		int err = errno;
		close(ofd);
		return -err;
	}
	snprintf(path, sizeof(path), "%s/cgroup.event_control", dir);
	int cfd = open(path, O_WRONLY | O_CLOEXEC);
	if (cfd < 0) {
		int err = errno;
		close(efd);
		close(ofd);
		return -err;
	}
	char line[64];
	int len = snprintf(line, sizeof(line), "%d %d", efd, ofd);
	ssize_t w = write(cfd, line, (size_t)len);
	int err = errno;
	close(cfd);
	if (w != len) {
		close(efd);
		close(ofd);
		return w < 0 ? -err : -EIO;
	}
	return efd;
}

int rh_eventfd_wait(int fd, int timeout_ms, uint64_t *value)
{
	int r = poll_in(fd, timeout_ms);
	if (r <= 0)
		return r;
	ssize_t n;
	do
		n = read(fd, value, sizeof(*value));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*value) ? 1 : -EIO;
}

int rh_write_each(const char *paths, int n, const char *value, size_t len, int32_t *errs)
{
	int failed = 0;
	for (int i = 0; i < n; i++, paths += strlen(paths) + 1) {
		int fd;
		do
			fd = open(paths, O_WRONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		ssize_t w = -1;
		if (fd >= 0) {
			do
				w = write(fd, value, len);
			while (w < 0 && errno == EINTR);
		}
		int err = errno;
		if (fd >= 0)
			close(fd);
		errs[i] = w == (ssize_t)len ? 0 : fd < 0 ? -err : w < 0 ? err : EIO;
		failed += errs[i] != 0;
	}
	return failed;
}

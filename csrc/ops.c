/*
 * The operations of the init program. Each takes the op as read from the CLI and
 * returns 0 or -errno with prog->err naming what failed. Paths "in root" are
 * resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) against the
 * container's root, so a symlink in the rootfs never leads outside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/nsfs.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <grp.h>

#include "fdpass.h"
#include "program.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define FD_PATH_LEN 32
#define PROC_ROOT_INO 1

static void fd_path(char *buf, int fd)
{
	snprintf(buf, FD_PATH_LEN, "/proc/self/fd/%d", fd);
}

/* Opens path (relative to the root; leading slashes ignored) with O_PATH. */
static int open_in_root(struct program *prog, const char *path, int flags)
{
	if (prog->root_fd < 0)
		return fail(prog, EBADF, "resolve %s: the root is not open", path);
	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	struct open_how how = {
		.flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, prog->root_fd, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	return fd;
}

/* Splits "a/b/c" into the fd of "a/b" (created as directories when mkdir_mode
 * is not 0) and the last name "c". */
static int open_parent(struct program *prog, const char *path, int mkdir_mode, char *name,
		       size_t name_len);

/* Cleans a path lexically, as if it started at the root: "." and repeated
 * slashes go, ".." never climbs above the root. */
static void clean_in_root(char *path)
{
	char out[4096];
	size_t len = 0;
	char *save = NULL;
	for (char *c = strtok_r(path, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		size_t n = strlen(c);
		if (len + 1 + n >= sizeof(out))
			break;
		out[len++] = '/';
		memcpy(out + len, c, n);
		len += n;
	}
	out[len] = '\0';
	strcpy(path, len ? out : "/");
}

/*
 * mkdir -p inside the root; returns an O_PATH fd of the directory. Existing
 * parts are resolved with RESOLVE_IN_ROOT; a dangling symlink on the way is
 * followed inside the root (at most 40 times), so "/dev -> /somewhere" makes
 * ROOT/somewhere, never a directory on the host.
 */
static int mkdir_in_root(struct program *prog, const char *path, int mode)
{
	char work[4096];
	if (strlen(path) >= sizeof(work))
		return -ENAMETOOLONG;
	strcpy(work, path);
	clean_in_root(work);
	for (int hops = 0; hops < 40; hops++) {
		int fd = open_in_root(prog, work, O_DIRECTORY);
		if (fd >= 0 || fd != -ENOENT)
			return fd;
		/* Walk down to the first part that does not resolve. */
		int parent = open_in_root(prog, "/", O_DIRECTORY);
		if (parent < 0)
			return parent;
		char *p = work + 1, *end;
		for (;;) {
			end = strchr(p, '/');
			if (end)
				*end = '\0';
			int next = open_in_root(prog, work, O_DIRECTORY);
			if (end)
				*end = '/';
			if (next == -ENOENT)
				break;
			if (next < 0) {
				close(parent);
				return next;
			}
			close(parent);
			parent = next;
			if (!end) /* resolved after all (a race): try again */
				break;
			p = end + 1;
		}
		/* p names the missing part; rest follows it. */
		char name[256];
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0 || n >= sizeof(name)) {
			close(parent);
			return -EINVAL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		const char *rest = end ? end + 1 : "";
		char target[4096];
		ssize_t l = readlinkat(parent, name, target, sizeof(target) - 1);
		if (l >= 0) {
			/* A dangling symlink: go on from where it points, inside the root. */
			target[l] = '\0';
			char next[4096];
			size_t head = target[0] == '/' ? 0 : (size_t)(p - work);
			size_t tl = (size_t)l, rl = strlen(rest);
			close(parent);
			if (head + tl + rl + 3 > sizeof(next))
				return -ENAMETOOLONG;
			memcpy(next, work, head);
			next[head] = '/';
			memcpy(next + head + 1, target, tl);
			next[head + 1 + tl] = '/';
			memcpy(next + head + 2 + tl, rest, rl + 1);
			strcpy(work, next);
			clean_in_root(work);
			continue;
		}
		/* Create the missing parts one by one; none of them existed. */
		for (;;) {
			if (mkdirat(parent, name, (mode_t)mode) < 0 && errno != EEXIST) {
				int err = errno;
				close(parent);
				return -err;
			}
			int next = openat(parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int err = errno;
			close(parent);
			if (next < 0)
				return -err;
			parent = next;
			if (!*rest)
				return parent;
			const char *slash = strchr(rest, '/');
			n = slash ? (size_t)(slash - rest) : strlen(rest);
			if (n >= sizeof(name)) {
				close(parent);
				return -ENAMETOOLONG;
			}
			memcpy(name, rest, n);
			name[n] = '\0';
			rest = slash ? slash + 1 : "";
		}
	}
	return -ELOOP;
}

static int open_parent(struct program *prog, const char *path, int mkdir_mode, char *name,
		       size_t name_len)
{
	char dir[4096];
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len);
	dir[len] = '\0';
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	if (strlen(base) >= name_len || strcmp(base, "..") == 0 || strcmp(base, ".") == 0)
		return -EINVAL;
	memcpy(name, base, strlen(base) + 1);
	if (!slash)
		return open_in_root(prog, ".", O_DIRECTORY);
	*slash = '\0';
	if (mkdir_mode)
		return mkdir_in_root(prog, dir[0] ? dir : "/", mkdir_mode);
	return open_in_root(prog, dir[0] ? dir : "/", O_DIRECTORY);
}

/* Creates an empty file inside the root when it is missing; returns an O_PATH fd. */
static int file_in_root(struct program *prog, const char *path)
{
	int fd = open_in_root(prog, path, 0);
	if (fd >= 0 || fd != -ENOENT)
		return fd;
	char name[256];
	int parent = open_parent(prog, path, 0755, name, sizeof(name));
	if (parent < 0)
		return parent;
	int f = openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f < 0 && errno != EEXIST) {
		int err = errno;
		close(parent);
		return -err;
	}
	if (f >= 0)
		close(f);
	fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int err = errno;
	close(parent);
	return fd < 0 ? -err : fd;
}

static int op_mount(struct program *prog, const struct op *op)
{
	const char *src = op->str[0], *target = op->str[1], *fstype = op->str[2], *data = op->str[3];
	unsigned long flags = (unsigned long)op->hdr.num[0];
	int kind = (int)op->hdr.num[1], fd = -1, ret;
	char path[FD_PATH_LEN];
	const char *where = target;

	if (kind != RP_TARGET_HOST && (strcmp(fstype, "proc") == 0 || strcmp(fstype, "sysfs") == 0)) {
		/* /proc and /sys must be real directories of the rootfs, not symlinks to elsewhere. */
		int l = open_in_root(prog, target, O_NOFOLLOW);
		struct stat st;
		if (l >= 0) {
			int symlink = fstat(l, &st) == 0 && S_ISLNK(st.st_mode);
			close(l);
			if (symlink)
				return fail(prog, ELOOP, "mount %s to %s: the destination is a symlink", fstype,
					    target);
		}
	}
	switch (kind) {
	case RP_TARGET_HOST:
		break;
	case RP_TARGET_DIR:
		fd = mkdir_in_root(prog, target, op->hdr.num[2] ? (int)op->hdr.num[2] : 0755);
		break;
	case RP_TARGET_FILE:
		fd = file_in_root(prog, target);
		break;
	default:
		fd = open_in_root(prog, target, 0);
	}
	if (kind != RP_TARGET_HOST) {
		if (fd < 0)
			return fail(prog, -fd, "create mount destination %s", target);
		fd_path(path, fd);
		where = path;
	}
	char srcpath[FD_PATH_LEN];
	int k = (int)op->hdr.num[3];
	if (k > 0) {
		if (k > prog->nmount_src || prog->mount_src[k - 1] < 0) {
			if (fd >= 0)
				close(fd);
			return fail(prog, EPROTO, "mount %s to %s: source %d was not received", src,
				    target, k);
		}
		fd_path(srcpath, prog->mount_src[k - 1]);
	}
	ret = mount(k > 0 ? srcpath : src[0] ? src : NULL, where, fstype[0] ? fstype : NULL, flags,
		    data[0] ? data : NULL);
	int err = errno;
	if (fd >= 0)
		close(fd);
	if (k > 0) {
		close(prog->mount_src[k - 1]);
		prog->mount_src[k - 1] = -1;
	}
	if (ret < 0)
		return fail(prog, err, "mount %s to %s", src[0] ? src : fstype, target);
	return 0;
}

/* The MS_ flags a mount has now, so a remount keeps them. */
static unsigned long current_mount_flags(const char *path)
{
	struct statvfs st;
	unsigned long flags = 0;
	if (statvfs(path, &st) < 0)
		return 0;
	const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (st.f_flag & map[i].st)
			flags |= map[i].ms;
	return flags;
}

static int remount_fd(struct program *prog, int fd, const char *name, unsigned long add)
{
	char path[FD_PATH_LEN];
	fd_path(path, fd);
	unsigned long flags = current_mount_flags(path) | add | MS_REMOUNT | MS_BIND;
	if (mount(NULL, path, NULL, flags, NULL) < 0)
		return fail(prog, errno, "remount %s", name);
	return 0;
}

int mount_console(struct program *prog, int slave)
{
	int fd = file_in_root(prog, "/dev/console");
	if (fd < 0)
		return fail(prog, -fd, "create /dev/console");
	char src[FD_PATH_LEN], dst[FD_PATH_LEN];
	fd_path(src, slave);
	fd_path(dst, fd);
	int ret = 0;
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		ret = fail(prog, errno, "mount the terminal on /dev/console");
	close(fd);
	return ret;
}

#ifndef MOUNT_ATTR_SIZE_VER0
struct mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};
#endif

/* Recursive mount attributes (rro, rnosuid, ...), which plain mount(2) cannot set. */
static int op_mount_setattr(struct program *prog, const struct op *op)
{
	int fd = open_in_root(prog, op->str[0], 0);
	if (fd < 0)
		return fail(prog, -fd, "open %s", op->str[0]);
	struct mount_attr attr = {
		.attr_set = (uint64_t)op->hdr.num[0],
		.attr_clr = (uint64_t)op->hdr.num[1],
		.propagation = (uint64_t)op->hdr.num[2],
	};
	long r = syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr));
	int err = errno;
	close(fd);
	if (r < 0 && err == ENOSYS)
		return fail(prog, ENOSYS,
			    "set recursive mount attributes on %s: this kernel has no mount_setattr(2) "
			    "(Linux 5.12 or later is needed)",
			    op->str[0]);
	if (r < 0)
		return fail(prog, err, "set recursive mount attributes on %s", op->str[0]);
	return 0;
}

/* runc's msMoveRoot first hides every full proc and sysfs mount of the host, so
 * the host's /proc is not reachable from a chroot. */
static int op_hide_mount(struct program *prog, const struct op *op)
{
	const char *p = op->str[0];
	if (mount(NULL, p, NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return fail(prog, errno, "make %s rslave", p);
	if (umount2(p, MNT_DETACH) == 0)
		return 0;
	if (errno != EINVAL && errno != EPERM)
		return fail(prog, errno, "unmount %s", p);
	if (mount("tmpfs", p, "tmpfs", 0, NULL) < 0)
		return fail(prog, errno, "cover %s", p);
	return 0;
}

static int op_move_root(struct program *prog, const struct op *op)
{
	const char *rootfs = op->str[0];
	if (chdir(rootfs) < 0)
		return fail(prog, errno, "chdir to rootfs %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return fail(prog, errno, "move rootfs %s to /", rootfs);
	if (chroot(".") < 0)
		return fail(prog, errno, "chroot");
	if (chdir("/") < 0)
		return fail(prog, errno, "chdir to new root");
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(prog, errno, "open new root");
	if (prog->root_fd >= 0)
		close(prog->root_fd);
	prog->root_fd = fd;
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Loads the seccomp filter the CLI compiled (with libseccomp) and patched. */
static int op_seccomp(struct program *prog, const struct op *op)
{
	const char *hex = op->str[0];
	size_t len = strlen(hex);
	if (len == 0 || len % 16 != 0)
		return fail(prog, EINVAL, "seccomp program of %zu hex digits", len);
	static struct sock_filter insns[BPF_MAXINSNS];
	size_t n = len / 16;
	if (n > BPF_MAXINSNS)
		return fail(prog, E2BIG, "seccomp program of %zu instructions", n);
	unsigned char *bytes = (unsigned char *)insns;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return fail(prog, EINVAL, "seccomp program is not hex");
		bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = insns };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned int)op->hdr.num[0], &fprog);
	if (r < 0)
		return fail(prog, errno, "load the seccomp filter");
	if (op->hdr.num[0] & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		prog->seccomp_fd = (int)r;
	return 0;
}

static int op_remount(struct program *prog, const struct op *op)
{
	int fd = open_in_root(prog, op->str[0], 0);
	if (fd < 0)
		return fail(prog, -fd, "open %s", op->str[0]);
	int ret = remount_fd(prog, fd, op->str[0], (unsigned long)op->hdr.num[0]);
	close(fd);
	return ret;
}

static int op_mknod(struct program *prog, const struct op *op)
{
	char name[256];
	int parent = open_parent(prog, op->str[0], 0755, name, sizeof(name));
	if (parent < 0)
		return fail(prog, -parent, "create parent of device %s", op->str[0]);
	int ret = 0;
	if (mknodat(parent, name, (mode_t)op->hdr.num[0], (dev_t)op->hdr.num[1]) < 0) {
		if (errno != EEXIST)
			ret = fail(prog, errno, "mknod %s", op->str[0]);
	} else if (fchownat(parent, name, (uid_t)op->hdr.num[2], (gid_t)op->hdr.num[3],
			    AT_SYMLINK_NOFOLLOW) < 0 ||
		   fchmodat(parent, name, (mode_t)op->hdr.num[0] & 07777, 0) < 0) {
		ret = fail(prog, errno, "set owner and mode of device %s", op->str[0]);
	}
	close(parent);
	return ret;
}

static int op_symlink(struct program *prog, const struct op *op)
{
	char name[256];
	int parent = open_parent(prog, op->str[1], 0755, name, sizeof(name));
	if (parent < 0)
		return fail(prog, -parent, "open parent of %s", op->str[1]);
	int ret = 0;
	if (op->hdr.num[0] && unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		ret = fail(prog, errno, "remove %s", op->str[1]);
	else if (symlinkat(op->str[0], parent, name) < 0 && errno != EEXIST)
		ret = fail(prog, errno, "symlink %s to %s", op->str[1], op->str[0]);
	close(parent);
	return ret;
}

static int op_open_root(struct program *prog, const struct op *op)
{
	int fd = open(op->str[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(prog, errno, "open rootfs %s", op->str[0]);
	if (prog->root_fd >= 0)
		close(prog->root_fd);
	prog->root_fd = fd;
	return 0;
}

static int op_pivot_root(struct program *prog)
{
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		return fail(prog, errno, "open old root");
	int ret = 0;
	if (fchdir(prog->root_fd) < 0)
		ret = fail(prog, errno, "chdir to rootfs");
	else if (syscall(SYS_pivot_root, ".", ".") < 0)
		ret = fail(prog, errno, "pivot_root");
	else if (fchdir(oldroot) < 0)
		ret = fail(prog, errno, "chdir to old root");
	/* The old root is stacked under the new one: make sure the unmount does not
	 * propagate to the host, then detach it. */
	else if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		ret = fail(prog, errno, "make old root rslave");
	else if (umount2(".", MNT_DETACH) < 0)
		ret = fail(prog, errno, "unmount old root");
	else if (chdir("/") < 0)
		ret = fail(prog, errno, "chdir to new root");
	close(oldroot);
	if (ret < 0)
		return ret;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(prog, errno, "open new root");
	close(prog->root_fd);
	prog->root_fd = fd;
	return 0;
}

/*
 * Opens a file under /proc on the real procfs (CVE-2019-19921, CVE-2025-52881):
 * /proc must be the root of a procfs mount, and the walk below it may not cross
 * into another mount (RESOLVE_NO_XDEV) or follow any symlink, so nothing the
 * config or the rootfs mounted over /proc/sys or /proc/self/attr can take the
 * write. "self" is spelled as our pid.
 */
static int open_proc(struct program *prog, const char *path, int flags)
{
	char rel[4096];
	const char *p = path + strlen("/proc/");
	if (strncmp(p, "self/", 5) == 0)
		snprintf(rel, sizeof(rel), "%d/%s", getpid(), p + 5);
	else
		snprintf(rel, sizeof(rel), "%s", p);
	int root = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return fail(prog, errno, "open /proc");
	struct statfs sfs;
	struct stat st;
	if (fstatfs(root, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC || fstat(root, &st) < 0 ||
	    st.st_ino != PROC_ROOT_INO) {
		close(root);
		return fail(prog, EPERM, "open %s: /proc is not the root of a procfs", path);
	}
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	int err = errno;
	close(root);
	if (fd < 0)
		return fail(prog, err, "open %s", path);
	return fd;
}

static int write_file(struct program *prog, const char *path, const char *data)
{
	int fd;
	if (strncmp(path, "/proc/", 6) == 0) {
		fd = open_proc(prog, path, O_WRONLY);
		if (fd < 0)
			return fd;
	} else {
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return fail(prog, errno, "open %s", path);
	}
	size_t len = strlen(data);
	ssize_t n = write(fd, data, len);
	int err = errno;
	close(fd);
	if (n < 0)
		return fail(prog, err, "write %s to %s", data, path);
	if ((size_t)n != len)
		return fail(prog, EIO, "short write to %s", path);
	return 0;
}

/* Hides a path: directories under an empty read-only tmpfs, anything else under a
 * /dev/null that is checked to be the real character device 1:3. */
static int op_mask_path(struct program *prog, const struct op *op)
{
	const char *p = op->str[0];
	int fd = open_in_root(prog, p, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fail(prog, -fd, "open masked path %s", p);
	struct stat st;
	char path[FD_PATH_LEN], null_path[FD_PATH_LEN];
	int ret = 0, null_fd = -1;
	fd_path(path, fd);
	if (fstat(fd, &st) < 0) {
		ret = fail(prog, errno, "stat masked path %s", p);
	} else if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
			ret = fail(prog, errno, "mask directory %s", p);
	} else {
		struct stat ns;
		null_fd = open_in_root(prog, "/dev/null", O_NOFOLLOW);
		if (null_fd < 0)
			ret = fail(prog, -null_fd, "open /dev/null to mask %s", p);
		else if (fstat(null_fd, &ns) < 0 || !S_ISCHR(ns.st_mode) ||
			 major(ns.st_rdev) != 1 || minor(ns.st_rdev) != 3)
			ret = fail(prog, EPERM, "mask %s: /dev/null is not the null device", p);
		else {
			fd_path(null_path, null_fd);
			if (mount(null_path, path, NULL, MS_BIND, NULL) < 0)
				ret = fail(prog, errno, "mask file %s", p);
		}
	}
	if (null_fd >= 0)
		close(null_fd);
	close(fd);
	return ret;
}

static int op_readonly_path(struct program *prog, const struct op *op)
{
	const char *p = op->str[0];
	int fd = open_in_root(prog, p, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fail(prog, -fd, "open read-only path %s", p);
	char path[FD_PATH_LEN];
	fd_path(path, fd);
	int ret = 0;
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		ret = fail(prog, errno, "bind read-only path %s", p);
	} else {
		/* Reopen: the fd still points below the new bind mount. */
		close(fd);
		fd = open_in_root(prog, p, 0);
		if (fd < 0)
			return fail(prog, -fd, "reopen read-only path %s", p);
		ret = remount_fd(prog, fd, p, MS_RDONLY);
	}
	close(fd);
	return ret;
}

/* chdir to the process's cwd, then make sure it is inside the container's root:
 * a cwd reached through a leaked fd (/proc/self/fd/N, CVE-2024-21626) is not. */
static int op_chdir(struct program *prog, const char *cwd)
{
	if (chdir(cwd) < 0)
		return fail(prog, errno, "chdir to cwd (\"%s\") set in config.json failed", cwd);
	char buf[4096];
	if (!getcwd(buf, sizeof(buf))) {
		if (errno == ENOENT)
			return fail(prog, EPERM,
				    "current working directory is outside of container mount namespace root "
				    "-- possible container breakout detected");
		return fail(prog, errno, "getcwd");
	}
	if (buf[0] != '/')
		return fail(prog, EPERM,
			    "current working directory is outside of container mount namespace root "
			    "-- possible container breakout detected");
	return 0;
}

static int op_setgroups(struct program *prog, const struct op *op)
{
	gid_t gids[256];
	size_t n = 0;
	const char *s = op->str[0];
	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || n == sizeof(gids) / sizeof(gids[0]))
			return fail(prog, EINVAL, "bad additional gid list %s", op->str[0]);
		gids[n++] = (gid_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	if (setgroups(n, gids) < 0)
		return fail(prog, errno, "setgroups");
	return 0;
}

static int op_setuser(struct program *prog, const struct op *op)
{
	uid_t uid = (uid_t)op->hdr.num[0];
	gid_t gid = (gid_t)op->hdr.num[1];
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail(prog, errno, "keep capabilities");
	if (setresgid(gid, gid, gid) < 0)
		return fail(prog, errno, "setgid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		return fail(prog, errno, "setuid %u", uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return fail(prog, errno, "clear keep capabilities");
	return 0;
}

static int op_cap_bounding(struct program *prog, const struct op *op)
{
	uint64_t keep = (uint64_t)op->hdr.num[0];
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL) /* past the kernel's last capability */
				break;
			return fail(prog, errno, "drop capability %d from the bounding set", cap);
		}
	}
	return 0;
}

static int op_caps(struct program *prog, const struct op *op)
{
	uint64_t eff = (uint64_t)op->hdr.num[0], perm = (uint64_t)op->hdr.num[1];
	uint64_t inh = (uint64_t)op->hdr.num[2], amb = (uint64_t)op->hdr.num[3];
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32),
		  .inheritable = (uint32_t)(inh >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(prog, errno, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail(prog, errno, "clear ambient capabilities");
	/* As runc: an ambient capability missing from the inheritable or permitted
	 * set cannot be raised, and that is not an error. */
	for (int cap = 0; cap < 64; cap++)
		if (amb & (1ULL << cap))
			(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	return 0;
}

/* The lookup Go's exec.LookPath does, which runc's errors quote. */
static int op_lookpath(struct program *prog, const struct op *op)
{
	const char *name = op->str[0], *path_env = op->str[1];
	struct stat st;
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			return fail(prog, ECANCELED, "exec: \"%s\": stat %s: %s", name, name,
				    go_strerror(errno));
		if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
			return fail(prog, ECANCELED, "exec: \"%s\": permission denied", name);
		snprintf(prog->exec_path, sizeof(prog->exec_path), "%s", name);
		return 0;
	}
	const char *p = path_env;
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		char cand[4096];
		if (len == 0)
			snprintf(cand, sizeof(cand), "./%s", name);
		else
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, name);
		if (stat(cand, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111)) {
			snprintf(prog->exec_path, sizeof(prog->exec_path), "%s", cand);
			return 0;
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	return fail(prog, ECANCELED, "exec: \"%s\": executable file not found in $PATH", name);
}

/* The home directory of uid in the container's /etc/passwd, "/" when it has none
 * (runc's default user). */
static void passwd_home(uid_t uid, char *home, size_t len)
{
	snprintf(home, len, "/");
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		/* name:password:uid:gid:gecos:home:shell */
		char *field[7] = { 0 }, *p = line;
		int n = 0;
		while (n < 7 && p) {
			field[n++] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (n < 6 || !field[2][0])
			continue;
		char *end;
		unsigned long u = strtoul(field[2], &end, 10);
		if (*end || u != uid)
			continue;
		field[5][strcspn(field[5], "\n")] = '\0';
		if (field[5][0])
			snprintf(home, len, "%s", field[5]);
		break;
	}
	fclose(f);
}

static int op_exec(struct program *prog, const struct op *op)
{
	int argc = (int)op->hdr.num[0], envc = (int)op->hdr.num[1];
	int keep = (int)op->hdr.num[2];
	char *argv[RP_MAX_STR + 1], *envp[RP_MAX_STR + 2];
	char home[4096 + 5];
	if (argc < 1 || argc + envc > (int)op->hdr.nstr)
		return fail(prog, EINVAL, "exec: bad argument counts");
	for (int i = 0; i < argc; i++)
		argv[i] = (char *)op->str[i];
	argv[argc] = NULL;
	int has_home = 0;
	for (int i = 0; i < envc; i++) {
		envp[i] = (char *)op->str[argc + i];
		has_home |= strncmp(envp[i], "HOME=", 5) == 0;
	}
	if (!has_home) {
		memcpy(home, "HOME=", 5);
		passwd_home((uid_t)op->hdr.num[3], home + 5, sizeof(home) - 5);
		envp[envc++] = home;
	}
	envp[envc] = NULL;
	/* Nothing of the host beyond stdio and the fds the caller asked to pass. */
	if (syscall(SYS_close_range, 3 + keep, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return fail(prog, errno, "mark fds close-on-exec");
	execve(prog->exec_path[0] ? prog->exec_path : argv[0], argv, envp);
	return fail(prog, errno, "exec %s", argv[0]);
}

/* A session keyring of the container's own, so it does not share the caller's
 * keys; its user may search it (KEY_USR_SEARCH, 0x080000, as runc). A kernel
 * without keyrings is not an error. */
static int op_join_keyring(struct program *prog, const struct op *op)
{
	long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, op->str[0], 0, 0, 0);
	if (id < 0) {
		if (errno == ENOSYS)
			return 0;
		return fail(prog, errno, "join session keyring %s", op->str[0]);
	}
	char desc[512];
	long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc) - 1, 0);
	if (n < 0)
		return fail(prog, errno, "describe session keyring");
	desc[n < (long)sizeof(desc) ? n : (long)sizeof(desc) - 1] = '\0';
	/* "type;uid;gid;perm;description" with perm in hex */
	char *p = desc;
	for (int i = 0; i < 3 && p; i++) {
		p = strchr(p, ';');
		if (p)
			p++;
	}
	if (!p)
		return fail(prog, EPROTO, "unexpected keyring description %s", desc);
	unsigned long perm = strtoul(p, NULL, 16) | 0x080000;
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm, 0, 0) < 0)
		return fail(prog, errno, "set session keyring permissions");
	return 0;
}

/* Opens a namespace to join and checks it is of the type the config says, so a
 * path to the wrong kind of namespace fails before anything is created. All
 * are opened before any is joined: joining changes what later paths mean. */
static int op_setns_open(struct program *prog, const struct op *op)
{
	const char *path = op->str[0], *type = op->str[1];
	if (prog->nns >= (int)(sizeof(prog->ns_fd) / sizeof(prog->ns_fd[0])))
		return fail(prog, E2BIG, "too many namespaces to join");
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
	prog->nns++;
	return 0;
}

static int op_join_ns(struct program *prog)
{
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

/* In the init: take the sources the stub sends; a stub that failed has reported it. */
static void receive_mount_sources(struct program *prog, int sock, int n)
{
	prog->mount_src = calloc((size_t)n, sizeof(int));
	if (!prog->mount_src)
		_exit(1);
	for (int k = 1; k <= n; k++) {
		int got = 0;
		int fd = recv_with_fd(sock, &got, sizeof(got));
		if (fd < 0 || got != k)
			_exit(1);
		prog->mount_src[k - 1] = fd;
	}
	prog->nmount_src = n;
}

static int op_clone(struct program *prog, const struct op *op, int index)
{
	int nsrc = count_mount_sources(prog, index);
	int sp[2] = { -1, -1 };
	if (nsrc > 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return fail(prog, errno, "socketpair for bind sources");
	/* CLONE_PARENT: the container's init is a child of the CLI, as runc's is.
	 * clone3 then takes exit_signal 0 and the child inherits ours (SIGCHLD). */
	struct clone_args args = { .flags = (uint64_t)op->hdr.num[0] | CLONE_PARENT };
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		int err = errno;
		if (nsrc > 0) {
			close(sp[0]);
			close(sp[1]);
		}
		return fail(prog, err, "clone3 into new namespaces");
	}
	if (pid > 0) {
		if (nsrc > 0) {
			close(sp[1]);
			int r = send_mount_sources(prog, index, pid, sp[0], nsrc);
			close(sp[0]);
			if (r < 0) {
				/* The init gets EOF and exits; it is the CLI's child, not ours. */
				return r;
			}
		}
		send_record(prog, REC_PID, index, 0, (int)pid, NULL);
		return 1;
	}
	if (nsrc > 0) {
		close(sp[0]);
		receive_mount_sources(prog, sp[1], nsrc);
		close(sp[1]);
	}
	return 0;
}

static int op_wait_parent(struct program *prog, const struct op *op, int index)
{
	if (op->hdr.num[0])
		send_record(prog, (int)op->hdr.num[0], index,
			    op->hdr.num[0] == REC_SECCOMP ? prog->seccomp_fd : 0, 0, NULL);
	struct rp_op msg;
	ssize_t n;
	do
		n = recv(prog->sync_fd, &msg, sizeof(msg), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(prog, errno, "wait for runc");
	if (n == 0)
		return fail(prog, EPIPE, "runc went away while the container was set up");
	if ((size_t)n < sizeof(msg) || msg.op != OP_CONTINUE)
		return fail(prog, EPROTO, "expected CONTINUE from runc, got op %u", msg.op);
	return 0;
}

static int op_wait_fifo(struct program *prog)
{
	char path[FD_PATH_LEN];
	fd_path(path, prog->fifo_fd);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(prog, errno, "open exec fifo");
	ssize_t n = write(fd, "0", 1);
	int err = errno;
	close(fd);
	close(prog->fifo_fd);
	prog->fifo_fd = -1;
	if (n != 1)
		return fail(prog, err, "write exec fifo");
	return 0;
}

/* How many strings each op reads; a shorter op is a protocol error. */
static const unsigned char min_strings[] = {
	[OP_SETNS] = 2, [OP_MOUNT] = 4, [OP_REMOUNT] = 1, [OP_MKDIR] = 1, [OP_MKNOD] = 1,
	[OP_SYMLINK] = 2, [OP_OPEN_ROOT] = 1, [OP_SETHOSTNAME] = 1, [OP_SETDOMAINNAME] = 1,
	[OP_WRITE_FILE] = 2, [OP_MASK_PATH] = 1, [OP_READONLY_PATH] = 1, [OP_SETGROUPS] = 1,
	[OP_RUN_HOOK] = 4, [OP_MOUNT_SETATTR] = 1, [OP_HIDE_MOUNT] = 1, [OP_MOVE_ROOT] = 1, [OP_SECCOMP] = 1, [OP_CHDIR] = 1, [OP_OPEN_FIFO] = 1, [OP_LOOKPATH] = 2, [OP_EXEC] = 1, [OP_JOIN_KEYRING] = 1,
};

int op_dispatch(struct program *prog, const struct op *op, int index)
{
	const int64_t *num = op->hdr.num;
	const char *const *str = op->str;
	int fd;

	if (op->hdr.op < sizeof(min_strings) && op->hdr.nstr < min_strings[op->hdr.op])
		return fail(prog, EPROTO, "op %u needs %u strings, got %u", op->hdr.op,
			    min_strings[op->hdr.op], op->hdr.nstr);

	switch (op->hdr.op) {
	case OP_SETNS:
		return op_setns_open(prog, op);
	case OP_JOIN_NS:
		return op_join_ns(prog);
	case OP_CLONE:
		return op_clone(prog, op, index);
	case OP_WAIT_PARENT:
		return op_wait_parent(prog, op, index);
	case OP_SETSID:
		return setsid() < 0 ? fail(prog, errno, "setsid") : 0;
	case OP_SET_ROOT_IDS:
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return fail(prog, errno, "become root in the user namespace");
		return 0;
	case OP_MOUNT:
		return op_mount(prog, op);
	case OP_REMOUNT:
		return op_remount(prog, op);
	case OP_MKDIR:
		fd = mkdir_in_root(prog, str[0], (int)num[0]);
		if (fd < 0)
			return fail(prog, -fd, "mkdir %s", str[0]);
		close(fd);
		return 0;
	case OP_MKNOD:
		return op_mknod(prog, op);
	case OP_SYMLINK:
		return op_symlink(prog, op);
	case OP_OPEN_ROOT:
		return op_open_root(prog, op);
	case OP_PIVOT_ROOT:
		return op_pivot_root(prog);
	case OP_SETHOSTNAME:
		return sethostname(str[0], strlen(str[0])) < 0 ? fail(prog, errno, "sethostname") : 0;
	case OP_SETDOMAINNAME:
		return setdomainname(str[0], strlen(str[0])) < 0 ? fail(prog, errno, "setdomainname")
								  : 0;
	case OP_WRITE_FILE:
		return write_file(prog, str[0], str[1]);
	case OP_MASK_PATH:
		return op_mask_path(prog, op);
	case OP_READONLY_PATH:
		return op_readonly_path(prog, op);
	case OP_SETRLIMIT: {
		struct rlimit rl = {
			.rlim_cur = num[1] < 0 ? RLIM_INFINITY : (rlim_t)num[1],
			.rlim_max = num[2] < 0 ? RLIM_INFINITY : (rlim_t)num[2],
		};
		return setrlimit((int)num[0], &rl) < 0 ? fail(prog, errno, "setrlimit %d", (int)num[0])
							: 0;
	}
	case OP_NO_NEW_PRIVS:
		return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? fail(prog, errno, "set no_new_privs")
								   : 0;
	case OP_SETGROUPS:
		return op_setgroups(prog, op);
	case OP_SETUSER:
		return op_setuser(prog, op);
	case OP_CAPS:
		return op_caps(prog, op);
	case OP_CAP_BOUNDING:
		return op_cap_bounding(prog, op);
	case OP_CHDIR:
		return op_chdir(prog, str[0]);
	case OP_UNSHARE:
		return unshare((int)num[0]) < 0 ? fail(prog, errno, "unshare namespaces") : 0;
	case OP_SECCOMP:
		return op_seccomp(prog, op);
	case OP_MOUNT_SETATTR:
		return op_mount_setattr(prog, op);
	case OP_HIDE_MOUNT:
		return op_hide_mount(prog, op);
	case OP_MOVE_ROOT:
		return op_move_root(prog, op);
	case OP_CONSOLE:
		return op_console(prog, op, index);
	case OP_FIX_STDIO:
		return op_fix_stdio(prog, op);
	case OP_RUN_HOOK:
		return op_run_hook(prog, op);
	case OP_EXIT:
		exit(0);
	case OP_JOIN_KEYRING:
		return op_join_keyring(prog, op);
	case OP_UMASK:
		umask((mode_t)num[0]);
		return 0;
	case OP_OPEN_FIFO:
		prog->fifo_fd = open(str[0], O_PATH | O_CLOEXEC);
		return prog->fifo_fd < 0 ? fail(prog, errno, "open exec fifo %s", str[0]) : 0;
	case OP_LOOKPATH:
		return op_lookpath(prog, op);
	case OP_READY:
		send_record(prog, REC_READY, index, 0, getpid(), NULL);
		close(prog->sync_fd);
		prog->sync_fd = -1;
		return 0;
	case OP_WAIT_FIFO:
		return op_wait_fifo(prog);
	case OP_EXEC:
		return op_exec(prog, op);
	default:
		return fail(prog, EPROTO, "unknown op %u", op->hdr.op);
	}
}

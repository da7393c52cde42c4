/* See mount.h. Every path inside the root is opened with root.c's functions
 * and mounted on through /proc/self/fd/N, so what a mount lands on is what
 * was checked. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "mount.h"
#include "report.h"
#include "root.h"

#ifndef MOUNT_ATTR_SIZE_VER0
struct mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

int op_open_root(struct program *prog, const struct op *op, int index)
{
	(void)index;
	int fd = open(op->str[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(prog, errno, "open rootfs %s", op->str[0]);
	if (prog->root_fd >= 0)
		close(prog->root_fd);
	prog->root_fd = fd;
	return 0;
}

/* The target of OP_MOUNT, opened (and made) inside the root by its kind. */
static int mount_target(struct program *prog, const struct op *op)
{
	const char *target = op->str[1], *fstype = op->str[2];
	int kind = (int)op->hdr.num[1];
	if (strcmp(fstype, "proc") == 0 || strcmp(fstype, "sysfs") == 0) {
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
	int fd;
	switch (kind) {
	case RP_TARGET_DIR:
		fd = mkdir_in_root(prog, target, op->hdr.num[2] ? (int)op->hdr.num[2] : 0755);
		break;
	case RP_TARGET_FILE:
		fd = file_in_root(prog, target);
		break;
	case RP_TARGET_EXISTING:
		fd = open_in_root(prog, target, 0);
		break;
	default:
		return fail(prog, EPROTO, "mount %s: target kind %d", target, kind);
	}
	return fd < 0 ? fail(prog, -fd, "create mount destination %s", target) : fd;
}

int op_mount(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *src = op->str[0], *target = op->str[1], *fstype = op->str[2], *data = op->str[3];
	unsigned long flags = (unsigned long)op->hdr.num[0];
	int fd = -1, k = (int)op->hdr.num[3];
	char where[FD_PATH_LEN], srcpath[FD_PATH_LEN];
	if (op->hdr.num[1] != RP_TARGET_HOST) { /* a host target is used as it is */
		fd = mount_target(prog, op);
		if (fd < 0)
			return fd;
		fd_path(where, fd);
	}
	if (k > 0) {
		if (k > prog->nmount_src || prog->mount_src[k - 1] < 0) {
			if (fd >= 0)
				close(fd);
			return fail(prog, EPROTO, "mount %s to %s: source %d was not received", src, target, k);
		}
		fd_path(srcpath, prog->mount_src[k - 1]);
	}
	int ret = mount(k > 0 ? srcpath : src[0] ? src : NULL, fd >= 0 ? where : target,
			fstype[0] ? fstype : NULL, flags, data[0] ? data : NULL);
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

/* The MS_ flags a mount has now, so a remount keeps them; -1 with errno set when
 * they cannot be read (a remount without them would drop nosuid, nodev...). */
static long current_mount_flags(const char *path)
{
	struct statvfs st;
	long flags = 0;
	if (statvfs(path, &st) < 0)
		return -1;
	const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (st.f_flag & map[i].st)
			flags |= (long)map[i].ms;
	return flags;
}

/* A bind remount of path with its flags, plus add, minus clear. */
static int remount_path(const char *path, unsigned long add, unsigned long clear)
{
	long now = current_mount_flags(path);
	if (now < 0)
		return -1;
	unsigned long flags = ((unsigned long)now | add) & ~clear;
	return mount(NULL, path, NULL, flags | MS_REMOUNT | MS_BIND, NULL);
}

int op_remount(struct program *prog, const struct op *op, int index)
{
	(void)index;
	int fd = open_in_root(prog, op->str[0], 0);
	if (fd < 0)
		return fail(prog, -fd, "open %s", op->str[0]);
	char path[FD_PATH_LEN];
	fd_path(path, fd);
	int ret = remount_path(path, (unsigned long)op->hdr.num[0], 0);
	int err = errno;
	close(fd);
	return ret < 0 ? fail(prog, err, "remount %s", op->str[0]) : 0;
}

/* MOUNT_ATTR_* as the MS_* flags a remount sets (linux/mount.h). */
static const struct {
	uint64_t attr;
	unsigned long ms;
} attr_ms[] = {
	{ 0x1, MS_RDONLY }, { 0x2, MS_NOSUID }, { 0x4, MS_NODEV }, { 0x8, MS_NOEXEC },
	{ 0x10, MS_NOATIME }, { 0x20, MS_STRICTATIME }, { 0x80, MS_NODIRATIME },
};

/*
 * Calls fn with each mount point of /proc/self/mountinfo (unescaped) and its
 * optional fields ("shared:N master:M"), until fn returns non-zero; returns
 * that, 0, or -errno.
 */
static int each_mount(int (*fn)(void *ctx, char *point, const char *optional), void *ctx)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;
	while (ret == 0 && getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mount-point options optional... - type source super */
		char *field[6] = { line };
		for (int i = 1; i < 6 && field[i - 1]; i++) {
			field[i] = strchr(field[i - 1], ' ');
			if (field[i])
				*field[i]++ = '\0';
		}
		if (!field[5])
			continue;
		char *optional = field[5], *dash = strstr(optional, " - ");
		if (dash)
			*dash = '\0';
		/* mountinfo escapes space, tab, newline and backslash as \ooo. */
		char *point = field[4], *o = point;
		for (char *i = point; *i; i++) {
			if (i[0] == '\\' && i[1] >= '0' && i[1] <= '7' && i[2] && i[3]) {
				*o++ = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
				i += 3;
			} else {
				*o++ = *i;
			}
		}
		*o = '\0';
		ret = fn(ctx, point, optional);
	}
	free(line);
	fclose(f);
	return ret;
}

/* Whether point is path or below it. */
static int at_or_below(const char *point, const char *path)
{
	size_t n = strlen(path);
	return strcmp(path, "/") == 0 ||
	       (strncmp(point, path, n) == 0 && (point[n] == '\0' || point[n] == '/'));
}

struct remount_ctx {
	const char *top;
	unsigned long add, clear;
	char *failed;
};

static int remount_below(void *p, char *point, const char *optional)
{
	(void)optional;
	struct remount_ctx *c = p;
	if (!at_or_below(point, c->top) || remount_path(point, c->add, c->clear) == 0)
		return 0;
	int err = errno;
	c->failed = strdup(point);
	return err;
}

/*
 * Without mount_setattr(2) (before Linux 5.12): each mount at or below path,
 * from /proc/self/mountinfo, is remounted with the flags changed. Idmapped
 * mounts and anything else without an MS_ flag cannot be done this way.
 */
static int setattr_by_remount(struct program *prog, const char *name, int fd, uint64_t set,
			      uint64_t clr, uint64_t propagation)
{
	unsigned long add = 0, clear = 0;
	uint64_t known = 0x70; /* the atime bits clear as a group */
	for (size_t i = 0; i < sizeof(attr_ms) / sizeof(attr_ms[0]); i++) {
		known |= attr_ms[i].attr;
		if (set & attr_ms[i].attr)
			add |= attr_ms[i].ms;
		if (clr & attr_ms[i].attr)
			clear |= attr_ms[i].ms;
	}
	if (clr & 0x70)
		clear |= MS_NOATIME | MS_STRICTATIME | MS_RELATIME;
	if ((set | clr) & ~known)
		return fail(prog, ENOSYS,
			    "set recursive mount attributes on %s: this kernel has no mount_setattr(2) "
			    "(Linux 5.12 or later is needed for these)",
			    name);
	char link[FD_PATH_LEN];
	fd_path(link, fd);
	char *top = realpath(link, NULL);
	if (!top)
		return fail(prog, errno, "find the mount point of %s", name);
	int ret = 0;
	if (propagation && mount(NULL, link, NULL, (unsigned long)propagation | MS_REC, NULL) < 0)
		ret = fail(prog, errno, "set the propagation of %s", name);
	struct remount_ctx c = { .top = top, .add = add, .clear = clear };
	int r = ret < 0 ? 0 : each_mount(remount_below, &c);
	if (r != 0)
		ret = fail(prog, r < 0 ? -r : r, "set mount attributes on %s (at %s)", name,
			   c.failed ? c.failed : top);
	free(c.failed);
	free(top);
	return ret;
}

struct parent_ctx {
	const char *path;
	char *point;
	int shared;
};

static int find_parent(void *p, char *point, const char *optional)
{
	struct parent_ctx *c = p;
	if (!at_or_below(c->path, point))
		return 0;
	/* The longest mount point above path; a later one on the same point is on top. */
	if (c->point && strlen(point) < strlen(c->point))
		return 0;
	free(c->point);
	c->point = strdup(point);
	c->shared = strstr(optional, "shared:") != NULL;
	return c->point ? 0 : ENOMEM;
}

/*
 * runc's rootfsParentMountPrivate: the mount that holds the rootfs is made
 * private when it is shared, so that pivot_root accepts it and nothing mounted
 * inside the container propagates to the host's peers, whatever
 * rootfsPropagation then makes of the container's own mounts.
 */
int op_parent_private(struct program *prog, const struct op *op, int index)
{
	(void)index;
	struct parent_ctx c = { .path = op->str[0] };
	int r = each_mount(find_parent, &c);
	int ret = 0;
	if (r != 0)
		ret = fail(prog, r < 0 ? -r : r, "find the mount of the rootfs %s", op->str[0]);
	else if (c.point && c.shared && mount(NULL, c.point, NULL, MS_PRIVATE, NULL) < 0)
		ret = fail(prog, errno, "make %s private", c.point);
	free(c.point);
	return ret;
}

int op_mount_setattr(struct program *prog, const struct op *op, int index)
{
	(void)index;
	int fd = open_in_root(prog, op->str[0], 0);
	if (fd < 0)
		return fail(prog, -fd, "open %s", op->str[0]);
	struct mount_attr attr = {
		.attr_set = (uint64_t)op->hdr.num[0],
		.attr_clr = (uint64_t)op->hdr.num[1],
		.propagation = (uint64_t)op->hdr.num[2],
	};
	int ret = 0;
	long r = -1;
	errno = ENOSYS;
	if (!(prog->flags & RP_F_NO_MOUNT_SETATTR))
		r = syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr));
	if (r < 0 && errno == ENOSYS)
		ret = setattr_by_remount(prog, op->str[0], fd, attr.attr_set, attr.attr_clr,
					 attr.propagation);
	else if (r < 0)
		ret = fail(prog, errno, "set recursive mount attributes on %s", op->str[0]);
	close(fd);
	return ret;
}

int op_mkdir(struct program *prog, const struct op *op, int index)
{
	(void)index;
	int fd = mkdir_in_root(prog, op->str[0], (int)op->hdr.num[0]);
	if (fd < 0)
		return fail(prog, -fd, "mkdir %s", op->str[0]);
	close(fd);
	return 0;
}

/* Where mknod is refused (a user namespace, a nested container, a device
 * cgroup), the host's node is bound instead, as runc does. */
static int bind_host_device(struct program *prog, const char *path)
{
	int fd = file_in_root(prog, path);
	if (fd < 0)
		return fail(prog, -fd, "create the mount point of device %s", path);
	char where[FD_PATH_LEN];
	fd_path(where, fd);
	int ret = mount(path, where, NULL, MS_BIND, NULL);
	int err = errno;
	close(fd);
	return ret < 0 ? fail(prog, err, "bind device %s from the host", path) : 0;
}

int op_mknod(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *path = op->str[0];
	mode_t mode = (mode_t)op->hdr.num[0];
	char *name = NULL;
	int parent = open_parent(prog, path, 0755, &name);
	if (parent < 0)
		return fail(prog, -parent, "create parent of device %s", path);
	int ret = 0;
	if (mknodat(parent, name, mode, (dev_t)op->hdr.num[1]) < 0) {
		if (errno == EPERM)
			ret = bind_host_device(prog, path);
		else if (errno != EEXIST)
			ret = fail(prog, errno, "mknod %s", path);
		goto out;
	}
	/* Owner and mode through an O_PATH fd of the node just made: a symlink
	 * swapped in meanwhile is not followed. */
	int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = fail(prog, errno, "open device %s", path);
		goto out;
	}
	char self[FD_PATH_LEN];
	fd_path(self, fd);
	struct stat st;
	if (fstat(fd, &st) < 0 || (st.st_mode & S_IFMT) != (mode & S_IFMT))
		ret = fail(prog, EEXIST, "device %s was replaced while it was made", path);
	else if (fchownat(fd, "", (uid_t)op->hdr.num[2], (gid_t)op->hdr.num[3], AT_EMPTY_PATH) < 0 ||
		 chmod(self, mode & 07777) < 0)
		ret = fail(prog, errno, "set owner and mode of device %s", path);
	close(fd);
out:
	close(parent);
	free(name);
	return ret;
}

int op_symlink(struct program *prog, const struct op *op, int index)
{
	(void)index;
	char *name = NULL;
	int parent = open_parent(prog, op->str[1], 0755, &name);
	if (parent < 0)
		return fail(prog, -parent, "open parent of %s", op->str[1]);
	int ret = 0;
	if (op->hdr.num[0] && unlinkat(parent, name, 0) < 0 && errno != ENOENT)
		ret = fail(prog, errno, "remove %s", op->str[1]);
	else if (symlinkat(op->str[0], parent, name) < 0 && errno != EEXIST)
		ret = fail(prog, errno, "symlink %s to %s", op->str[1], op->str[0]);
	close(parent);
	free(name);
	return ret;
}

/* Hides a path: directories under an empty read-only tmpfs, anything else under a
 * /dev/null that is checked to be the real character device 1:3. */
int op_mask_path(struct program *prog, const struct op *op, int index)
{
	(void)index;
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
		/* str[1], when given: the tmpfs's data (its SELinux context=). */
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY, op->str[1]) < 0)
			ret = fail(prog, errno, "mask directory %s", p);
	} else {
		struct stat ns;
		null_fd = open_in_root(prog, "/dev/null", O_NOFOLLOW);
		if (null_fd < 0)
			ret = fail(prog, -null_fd, "open /dev/null to mask %s", p);
		else if (fstat(null_fd, &ns) < 0 || !S_ISCHR(ns.st_mode) || major(ns.st_rdev) != 1 ||
			 minor(ns.st_rdev) != 3)
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

/* An extended attribute of a path inside the root (runc labels mqueue this way:
 * the filesystem takes no context=). */
int op_setxattr(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *p = op->str[0], *name = op->str[1], *value = op->str[2];
	int fd = open_in_root(prog, p, 0);
	if (fd < 0)
		return fail(prog, -fd, "open %s to set %s", p, name);
	char path[FD_PATH_LEN];
	fd_path(path, fd);
	int ret = 0;
	if (setxattr(path, name, value, strlen(value), 0) < 0)
		ret = fail(prog, errno, "setxattr %s %s", name, p);
	close(fd);
	return ret;
}

int op_readonly_path(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *p = op->str[0];
	int fd = open_in_root(prog, p, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fail(prog, -fd, "open read-only path %s", p);
	char path[FD_PATH_LEN];
	fd_path(path, fd);
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		int err = errno;
		close(fd);
		return fail(prog, err, "bind read-only path %s", p);
	}
	/* Reopen: the fd still points below the new bind mount. */
	close(fd);
	fd = open_in_root(prog, p, 0);
	if (fd < 0)
		return fail(prog, -fd, "reopen read-only path %s", p);
	fd_path(path, fd);
	int ret = remount_path(path, MS_RDONLY, 0);
	int err = errno;
	close(fd);
	return ret < 0 ? fail(prog, err, "remount %s read-only", p) : 0;
}

/* runc's msMoveRoot first hides every full proc and sysfs mount of the host, so
 * the host's /proc is not reachable from a chroot. */
int op_hide_mount(struct program *prog, const struct op *op, int index)
{
	(void)index;
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

/* The root fd again, after the root changed. */
static int reopen_root(struct program *prog)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(prog, errno, "open new root");
	if (prog->root_fd >= 0)
		close(prog->root_fd);
	prog->root_fd = fd;
	return 0;
}

int op_move_root(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *rootfs = op->str[0];
	if (chdir(rootfs) < 0)
		return fail(prog, errno, "chdir to rootfs %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return fail(prog, errno, "move rootfs %s to /", rootfs);
	if (chroot(".") < 0)
		return fail(prog, errno, "chroot");
	if (chdir("/") < 0)
		return fail(prog, errno, "chdir to new root");
	return reopen_root(prog);
}

int op_pivot_root(struct program *prog, const struct op *op, int index)
{
	(void)op;
	(void)index;
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
	return ret < 0 ? ret : reopen_root(prog);
}

int mount_console(struct program *prog, int slave)
{
	int fd = open_in_root(prog, "/dev/console", O_NOFOLLOW);
	if (fd == -ENOENT)
		fd = file_in_root(prog, "/dev/console");
	if (fd < 0)
		return fail(prog, -fd, "create /dev/console");
	struct stat st;
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		return fail(prog, EPERM, "/dev/console is not a file or a terminal: refusing to mount on it");
	}
	char src[FD_PATH_LEN], dst[FD_PATH_LEN];
	fd_path(src, slave);
	fd_path(dst, fd);
	int ret = 0;
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		ret = fail(prog, errno, "mount the terminal on /dev/console");
	close(fd);
	return ret;
}

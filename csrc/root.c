/* See root.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "root.h"

#define MAX_HOPS 40 /* the kernel's MAXSYMLINKS */

enum create { CREATE_NONE, CREATE_DIR, CREATE_FILE };

void fd_path(char *buf, int fd)
{
	snprintf(buf, FD_PATH_LEN, "/proc/self/fd/%d", fd);
}

/* The directories walked so far; the root at the bottom is not ours to close. */
struct stack {
	int *fd;
	size_t n, cap;
};

static int push(struct stack *s, int fd)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		int *fds = realloc(s->fd, cap * sizeof(int));
		if (!fds)
			return -ENOMEM;
		s->fd = fds;
		s->cap = cap;
	}
	s->fd[s->n++] = fd;
	return 0;
}

static void pop_to(struct stack *s, size_t n)
{
	while (s->n > n) {
		s->n--;
		if (s->n > 0)
			close(s->fd[s->n]);
	}
}

/*
 * The walk: takes components from rest one by one; ".." goes back up (never
 * below the root), a symlink puts its target in front of what is left (an
 * absolute one from the root). Missing components are made when create says
 * so: directories on the way, and the last one as create says. Returns an
 * O_PATH fd of the result, or -errno.
 */
static int walk(int root_fd, const char *path, int flags, enum create create, int mode)
{
	struct stack st = { 0 };
	char *rest = strdup(path);
	int ret = 0, hops = 0;
	if (!rest || push(&st, root_fd) < 0) {
		free(rest);
		free(st.fd);
		return -ENOMEM;
	}
	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		char *after = p + len;
		while (*after == '/')
			after++;
		int last = *after == '\0';
		if (len > 255) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		char name[256];
		memcpy(name, p, len);
		name[len] = '\0';
		p = after;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (st.n > 1)
				pop_to(&st, st.n - 1);
			continue;
		}
		int dir = st.fd[st.n - 1];
		int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create != CREATE_NONE) {
			int made;
			if (last && create == CREATE_FILE) {
				made = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
					      0644);
				if (made >= 0)
					close(made);
			} else {
				made = mkdirat(dir, name, (mode_t)(last ? mode : 0755));
			}
			if (made < 0 && errno != EEXIST) {
				ret = -errno;
				goto out;
			}
			/* Made now, or by someone else meanwhile: open what is there. */
			fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			ret = -errno;
			goto out;
		}
		struct stat sb;
		if (fstat(fd, &sb) < 0) {
			ret = -errno;
			close(fd);
			goto out;
		}
		if (S_ISLNK(sb.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			if (++hops > MAX_HOPS) {
				close(fd);
				ret = -ELOOP;
				goto out;
			}
			/* The link's target, read from the fd itself, goes in front of the rest. */
			size_t cap = (size_t)sb.st_size + 1 > 256 ? (size_t)sb.st_size + 1 : 256;
			char *target = malloc(cap + strlen(p) + 2);
			ssize_t n = target ? readlinkat(fd, "", target, cap) : -1;
			int err = target ? errno : ENOMEM;
			close(fd);
			if (n < 0 || (size_t)n >= cap) {
				free(target);
				ret = n < 0 ? -err : -ENAMETOOLONG;
				goto out;
			}
			target[n] = '/';
			strcpy(target + n + 1, p);
			if (target[0] == '/')
				pop_to(&st, 1);
			free(rest);
			rest = p = target;
			continue;
		}
		if (!last && !S_ISDIR(sb.st_mode)) {
			close(fd);
			ret = -ENOTDIR;
			goto out;
		}
		if (push(&st, fd) < 0) {
			close(fd);
			ret = -ENOMEM;
			goto out;
		}
	}
	/* The result is the top of the stack: the root itself when nothing is left. */
	if (st.n == 1) {
		ret = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ret < 0)
			ret = -errno;
	} else {
		ret = st.fd[--st.n];
	}
	if (ret >= 0 && (flags & O_DIRECTORY)) {
		struct stat sb;
		if (fstat(ret, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			close(ret);
			ret = -ENOTDIR;
		}
	}
out:
	pop_to(&st, 0);
	free(st.fd);
	free(rest);
	return ret;
}

int open_in_root(struct program *prog, const char *path, int flags)
{
	if (prog->root_fd < 0)
		return -EBADF;
	if (!(prog->flags & RP_F_NO_OPENAT2)) {
		while (*path == '/')
			path++;
		struct open_how how = {
			.flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		int fd = (int)syscall(SYS_openat2, prog->root_fd, *path ? path : ".", &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return -errno;
		prog->flags |= RP_F_NO_OPENAT2; /* an older kernel: walk from now on */
	}
	return walk(prog->root_fd, path, flags & (O_DIRECTORY | O_NOFOLLOW), CREATE_NONE, 0);
}

int mkdir_in_root(struct program *prog, const char *path, int mode)
{
	int fd = open_in_root(prog, path, O_DIRECTORY);
	if (fd != -ENOENT)
		return fd;
	return walk(prog->root_fd, path, O_DIRECTORY, CREATE_DIR, mode);
}

int file_in_root(struct program *prog, const char *path)
{
	int fd = open_in_root(prog, path, 0);
	if (fd != -ENOENT)
		return fd;
	return walk(prog->root_fd, path, 0, CREATE_FILE, 0);
}

int open_parent(struct program *prog, const char *path, int mkdir_mode, char **name)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	char *dir = strndup(path, len);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	if (*base == '\0' || strcmp(base, "..") == 0 || strcmp(base, ".") == 0) {
		free(dir);
		return -EINVAL;
	}
	*name = strdup(base);
	if (!*name) {
		free(dir);
		return -ENOMEM;
	}
	if (slash)
		*slash = '\0';
	const char *parent = slash ? (dir[0] ? dir : "/") : ".";
	int fd = mkdir_mode ? mkdir_in_root(prog, parent, mkdir_mode)
			    : open_in_root(prog, parent, O_DIRECTORY);
	free(dir);
	if (fd < 0) {
		free(*name);
		*name = NULL;
	}
	return fd;
}

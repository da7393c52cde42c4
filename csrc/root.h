/*
 * Paths inside the container's root, resolved inside it: a symlink planted in
 * the rootfs (absolute, relative, "..", dangling) never leads outside. With
 * openat2(2) the kernel does it (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
 * without it, and whenever something must be created on the way, a walk of
 * our own does it one O_NOFOLLOW component at a time.
 */
#ifndef RUNC_ROOT_H
#define RUNC_ROOT_H

#include "program.h"

/* An O_PATH fd of path inside the root (leading slashes ignored). flags may add
 * O_DIRECTORY and O_NOFOLLOW (the last component itself, not what it points
 * to). Returns the fd or -errno; prog->err is not set. */
int open_in_root(struct program *prog, const char *path, int flags);

/* mkdir -p inside the root: an O_PATH fd of the directory or -errno. A dangling
 * symlink on the way is followed inside the root and what it names is made. */
int mkdir_in_root(struct program *prog, const char *path, int mode);

/* The file at path inside the root, made empty (parents 0755) when missing,
 * through dangling symlinks too: an O_PATH fd or -errno. */
int file_in_root(struct program *prog, const char *path);

/* Splits path into an O_PATH fd of its parent inside the root (made with
 * mkdir_mode when that is not 0) and its last name (malloc'd, never "." or
 * ".."). Returns the fd or -errno. */
int open_parent(struct program *prog, const char *path, int mkdir_mode, char **name);

/* "/proc/self/fd/N" of an fd, for the calls that take a path. */
#define FD_PATH_LEN 32
void fd_path(char *buf, int fd);

#endif

/* See proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "proc.h"
#include "report.h"

#define PROC_ROOT_INO 1

/*
 * The path below /proc with "self" or "thread-self" spelled as that procfs
 * names us: our pid (and tid) in the pid namespace it shows, which is not
 * getpid()'s when the init of a new pid namespace still sees the host's /proc.
 * NULL (errno set) when we are not in it.
 */
static char *proc_rel(int root, const char *p)
{
	const char *link = strncmp(p, "self/", 5) == 0 ? "self"
			   : strncmp(p, "thread-self/", 12) == 0 ? "thread-self"
								  : NULL;
	if (!link)
		return strdup(p);
	/* "PID" or "PID/task/TID": pids have at most 7 digits (PID_MAX_LIMIT). */
	char name[64];
	ssize_t n = readlinkat(root, link, name, sizeof(name) - 1);
	if (n < 0)
		return NULL;
	name[n] = '\0';
	char *rel = NULL;
	if (asprintf(&rel, "%s/%s", name, p + strlen(link) + 1) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return rel;
}

/*
 * Opens a file under /proc on the real procfs (CVE-2019-19921, CVE-2025-52881):
 * /proc must be the root of a procfs mount, and the walk below it may not cross
 * into another mount or follow any symlink, so nothing the config or the rootfs
 * mounted over /proc/sys or /proc/self/attr can take the write. "self" and
 * "thread-self" are spelled as that procfs names us (proc_rel). Without
 * openat2(2) each component is opened with O_NOFOLLOW and must stay on the
 * same procfs.
 */
static int open_proc(struct program *prog, const char *path, int flags)
{
	const char *p = path + strlen("/proc/");
	/* ".." would climb out of /proc/sys (net/../../sysrq-trigger) while staying on
	 * procfs, which neither check below sees: no path here needs it. */
	for (const char *c = p; (c = strstr(c, "..")) != NULL; c += 2) {
		if ((c == p || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
			return fail(prog, EPERM, "open %s: \"..\" in a /proc path", path);
	}
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
	char *rel = proc_rel(root, p);
	if (!rel) {
		int err = errno;
		close(root);
		return fail(prog, err, "open %s", path);
	}
	int fd = -1, err = 0;
	if (!(prog->flags & RP_F_NO_OPENAT2)) {
		struct open_how how = {
			.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
			.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
		};
		fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
		err = errno;
	}
	if (fd < 0 && ((prog->flags & RP_F_NO_OPENAT2) || err == ENOSYS)) {
		/* By hand: one O_NOFOLLOW component at a time, each on the same mount. */
		int dir = dup(root);
		err = dir < 0 ? errno : 0;
		char *save = NULL, *part = strtok_r(rel, "/", &save);
		while (dir >= 0 && part) {
			char *next = strtok_r(NULL, "/", &save);
			int f = openat(dir, part,
				       (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
			err = errno;
			struct stat fs;
			if (f >= 0 && (fstat(f, &fs) < 0 || fs.st_dev != st.st_dev)) {
				close(f);
				f = -1;
				err = EXDEV;
			}
			close(dir);
			dir = f;
			part = next;
		}
		fd = dir;
	}
	close(root);
	free(rel);
	if (fd < 0)
		return fail(prog, err, "open %s", path);
	return fd;
}

/* The message of a failed step given what it was for: "<what>: <message>". */
static int for_what(struct program *prog, const char *what, int ret)
{
	if (ret >= 0 || !what || !*what)
		return ret;
	return fail(prog, -ret, "%s: %s", what, prog->err ? prog->err : "");
}

int op_write_file(struct program *prog, const struct op *op, int index)
{
	(void)index;
	/* str[2], when given, says what the write is for (an LSM label): errors are
	 * then "<what>: write <path>", as Go words a failed write ("write <path>"
	 * alone for an empty one). */
	const char *path = op->str[0], *data = op->str[1], *what = op->str[2];
	int fd;
	if (strncmp(path, "/proc/", 6) == 0) {
		fd = open_proc(prog, path, O_WRONLY);
		if (fd < 0)
			return for_what(prog, what, fd);
	} else {
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return for_what(prog, what, fail(prog, errno, "open %s", path));
	}
	size_t len = strlen(data);
	ssize_t n = write(fd, data, len);
	int err = errno;
	close(fd);
	if (n < 0 && what)
		return for_what(prog, what, fail(prog, err, "write %s", path));
	if (n < 0)
		return fail(prog, err, "write %s to %s", data, path);
	if ((size_t)n != len)
		return for_what(prog, what, fail(prog, EIO, "short write to %s", path));
	return 0;
}

int op_sethostname(struct program *prog, const struct op *op, int index)
{
	(void)index;
	return sethostname(op->str[0], strlen(op->str[0])) < 0 ? fail(prog, errno, "sethostname") : 0;
}

int op_setdomainname(struct program *prog, const struct op *op, int index)
{
	(void)index;
	return setdomainname(op->str[0], strlen(op->str[0])) < 0 ? fail(prog, errno, "setdomainname")
								  : 0;
}

/* See process.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process.h"
#include "report.h"
#include "root.h"

int op_open_fifo(struct program *prog, const struct op *op, int index)
{
	(void)index;
	prog->fifo_fd = open(op->str[0], O_PATH | O_CLOEXEC);
	return prog->fifo_fd < 0 ? fail(prog, errno, "open exec fifo %s", op->str[0]) : 0;
}

int op_wait_fifo(struct program *prog, const struct op *op, int index)
{
	(void)op;
	(void)index;
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
	return n != 1 ? fail(prog, err, "write exec fifo") : 0;
}

static int outside_root(struct program *prog)
{
	return fail(prog, EPERM,
		    "current working directory is outside of container mount namespace root -- "
		    "possible container breakout detected");
}

/*
 * chdir to the process's cwd, as runc's finalizeNamespace does it: tried once
 * with runc's rights before the user is set (num0 1; a permission error waits
 * for the second try, as the user), and then made sure to be inside the
 * container's root: a cwd reached through a leaked fd (/proc/self/fd/N,
 * CVE-2024-21626) is not.
 */
int op_chdir(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *cwd = op->str[0];
	if (op->hdr.num[0] == RP_CHDIR_ROOTFS)
		return chdir(cwd) < 0 ? fail(prog, errno, "chdir %s", cwd) : 0;
	int early = op->hdr.num[0] == RP_CHDIR_EARLY;
	if (prog->cwd_done)
		return 0;
	if (chdir(cwd) < 0) {
		if (early && (errno == EACCES || errno == EPERM))
			return 0;
		return fail(prog, errno, "chdir to cwd (\"%s\") set in config.json failed", cwd);
	}
	char *here = getcwd(NULL, 0);
	if (!here)
		return errno == ENOENT ? outside_root(prog) : fail(prog, errno, "getcwd");
	int inside = here[0] == '/';
	free(here);
	if (!inside)
		return outside_root(prog);
	prog->cwd_done = early;
	return 0;
}

/*
 * HOME for the process when its env has none: the home of its uid in the
 * container's /etc/passwd, "/" without one (runc's default user). Read before
 * the user is set and the seccomp filter loaded.
 */
int op_lookup_home(struct program *prog, const struct op *op, int index)
{
	(void)index;
	uid_t uid = (uid_t)op->hdr.num[0];
	char *home = NULL;
	FILE *f = fopen("/etc/passwd", "re");
	if (f) {
		char *line = NULL;
		size_t cap = 0;
		while (!home && getline(&line, &cap, f) > 0) {
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
				home = strdup(field[5]);
			else
				break;
		}
		free(line);
		fclose(f);
	}
	free(prog->home);
	prog->home = NULL;
	int r = asprintf(&prog->home, "HOME=%s", home ? home : "/");
	free(home);
	return r < 0 ? fail(prog, ENOMEM, "HOME") : 0;
}

static int executable(const char *path, struct stat *st)
{
	return stat(path, st) == 0 && !S_ISDIR(st->st_mode) && (st->st_mode & 0111);
}

/*
 * Go's exec.LookPath, whose errors runc quotes, then runc's eaccess: the
 * program must be executable by the process's user (set by now) where it
 * lies, so one on a noexec mount fails at create, not after start.
 */
int op_lookpath(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *name = op->str[0], *path_env = op->str[1];
	struct stat st;
	char *found = NULL;
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			return fail(prog, ECANCELED, "exec: \"%s\": stat %s: %s", name, name,
				    go_strerror(errno));
		if (!executable(name, &st))
			return fail(prog, ECANCELED, "exec: \"%s\": permission denied", name);
		found = strdup(name);
	} else {
		for (const char *p = path_env; !found;) {
			const char *colon = strchr(p, ':');
			int len = (int)(colon ? (size_t)(colon - p) : strlen(p));
			char *cand = NULL;
			if (asprintf(&cand, "%.*s/%s", len ? len : 1, len ? p : ".", name) < 0)
				return fail(prog, ENOMEM, "look up %s", name);
			if (executable(cand, &st))
				found = cand;
			else
				free(cand);
			if (!colon)
				break;
			p = colon + 1;
		}
		if (!found)
			return fail(prog, ECANCELED, "exec: \"%s\": executable file not found in $PATH",
				    name);
	}
	free(prog->exec_path);
	prog->exec_path = found;
	if (!found)
		return fail(prog, ENOMEM, "look up %s", name);
	if (access(found, X_OK) < 0)
		return fail(prog, ECANCELED, "exec %s: %s", found, go_strerror(errno));
	return 0;
}

/* num0 argc; str argv then env (their arrays made by program.c). HOME from
 * OP_LOOKUP_HOME when env has none. Runs after the seccomp filter: no allocation. */
int op_exec(struct program *prog, const struct op *op, int index)
{
	(void)index;
	char **envp = op->envp;
	size_t envc = op->hdr.nstr - (size_t)op->hdr.num[0];
	int has_home = 0;
	for (size_t i = 0; i < envc; i++)
		has_home |= strncmp(envp[i], "HOME=", 5) == 0;
	if (!has_home && prog->home)
		envp[envc] = prog->home;
	execve(prog->exec_path ? prog->exec_path : op->argv[0], op->argv, envp);
	return fail(prog, errno, "exec %s", op->str[0]);
}

/*
 * OP_RUN_HOOK: run one OCI hook as runc does. The hook gets the state JSON on
 * stdin (with this process's pid put in when asked: hooks run by the init see
 * the pid in the container's pid namespace), its stdout and stderr are kept
 * for the error message, and it is killed when it runs past its timeout.
 * Messages start with the label the CLI gives (`error running hook #0`).
 * Failures carry runc's complete message and errno ECANCELED, which tells the
 * CLI not to append an errno text.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "program.h"

#define HOOK_OUTPUT 4096

struct capture {
	int fd;
	size_t len;
	char buf[HOOK_OUTPUT];
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* Reads what the hook writes until both pipes close or the deadline passes;
 * returns 0, or -ETIMEDOUT. */
static int collect(struct capture *out, int n, long long deadline)
{
	int open_fds = n;
	while (open_fds > 0) {
		struct pollfd p[2];
		for (int i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = out[i].fd, .events = POLLIN };
		int timeout = -1;
		if (deadline > 0) {
			long long left = deadline - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			timeout = (int)left;
		}
		int r = poll(p, (nfds_t)n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -ETIMEDOUT;
		for (int i = 0; i < n; i++) {
			if (out[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char tmp[1024];
			ssize_t got = read(out[i].fd, tmp, sizeof(tmp));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				close(out[i].fd);
				out[i].fd = -1;
				open_fds--;
				continue;
			}
			size_t room = sizeof(out[i].buf) - 1 - out[i].len;
			size_t take = (size_t)got < room ? (size_t)got : room;
			memcpy(out[i].buf + out[i].len, tmp, take);
			out[i].len += take;
			out[i].buf[out[i].len] = '\0';
		}
	}
	return 0;
}

static const char *signal_text(int sig)
{
	switch (sig) {
	case SIGKILL:
		return "killed";
	case SIGTERM:
		return "terminated";
	case SIGSEGV:
		return "segmentation fault";
	case SIGABRT:
		return "aborted";
	case SIGINT:
		return "interrupt";
	case SIGHUP:
		return "hangup";
	case SIGPIPE:
		return "broken pipe";
	default:
		return strsignal(sig);
	}
}

int op_run_hook(struct program *prog, const struct op *op)
{
	int argc = (int)op->hdr.num[0], envc = (int)op->hdr.num[1];
	long long timeout = op->hdr.num[2];
	int with_pid = (int)op->hdr.num[3];
	if (argc < 1 || 1 + argc + envc + 3 != (int)op->hdr.nstr)
		return fail(prog, EPROTO, "hook: bad argument counts");
	const char *label = op->str[3 + argc + envc];
	const char *path = op->str[0];
	char *argv[RP_MAX_STR + 1], *envp[RP_MAX_STR + 1];
	for (int i = 0; i < argc; i++)
		argv[i] = (char *)op->str[1 + i];
	argv[argc] = NULL;
	for (int i = 0; i < envc; i++)
		envp[i] = (char *)op->str[1 + argc + i];
	envp[envc] = NULL;
	const char *before = op->str[1 + argc + envc], *after = op->str[2 + argc + envc];

	int in[2], out[2], err[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return fail(prog, errno, "hook pipes");
	/* The exec error travels back on a close-on-exec pipe, as Go's fork/exec does. */
	int status_pipe[2];
	if (pipe2(status_pipe, O_CLOEXEC) < 0)
		return fail(prog, errno, "hook pipes");
	pid_t pid = fork();
	if (pid < 0)
		return fail(prog, errno, "fork hook");
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execve(path, argv, envp);
		int e = errno;
		write_all(status_pipe[1], (const char *)&e, sizeof(e));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(status_pipe[1]);
	int exec_errno = 0;
	ssize_t n;
	do
		n = read(status_pipe[0], &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	close(status_pipe[0]);
	if (n == sizeof(exec_errno)) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		waitpid(pid, NULL, 0);
		return fail(prog, ECANCELED, "%s: fork/exec %s: %s", label, path, go_strerror(exec_errno));
	}

	/* The state is small; a hook that does not read it gets EPIPE, not us a signal. */
	signal(SIGPIPE, SIG_IGN);
	write_all(in[1], before, strlen(before));
	if (with_pid) {
		char num[16];
		int len = snprintf(num, sizeof(num), "%d", getpid());
		write_all(in[1], num, (size_t)len);
	}
	write_all(in[1], after, strlen(after));
	close(in[1]);

	static struct capture cap[2];
	cap[0].fd = out[0];
	cap[0].len = 0;
	cap[0].buf[0] = '\0';
	cap[1].fd = err[0];
	cap[1].len = 0;
	cap[1].buf[0] = '\0';
	int timed_out = collect(cap, 2, timeout > 0 ? now_ms() + timeout * 1000 : 0) == -ETIMEDOUT;
	if (timed_out)
		kill(pid, SIGKILL);
	for (int i = 0; i < 2; i++)
		if (cap[i].fd >= 0)
			close(cap[i].fd);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		/* Go's time.Duration text: 5s, 1m30s, 2h0m0s */
		char text[48];
		if (timeout >= 3600)
			snprintf(text, sizeof(text), "%lldh%lldm%llds", timeout / 3600, timeout % 3600 / 60,
				 timeout % 60);
		else if (timeout >= 60)
			snprintf(text, sizeof(text), "%lldm%llds", timeout / 60, timeout % 60);
		else
			snprintf(text, sizeof(text), "%llds", timeout);
		return fail(prog, ECANCELED, "%s: hook ran past specified timeout of %s", label, text);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	char why[64];
	if (WIFSIGNALED(st))
		snprintf(why, sizeof(why), "signal: %s", signal_text(WTERMSIG(st)));
	else
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(st));
	return fail(prog, ECANCELED, "%s: error running hook: %s, stdout: %s, stderr: %s", label, why,
		    cap[0].buf, cap[1].buf);
}

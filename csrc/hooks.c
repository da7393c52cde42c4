/*
 * OP_RUN_HOOK: run one OCI hook as runc does. The hook gets the state JSON on
 * stdin (with this process's pid put in when asked: hooks run by the init see
 * the pid in the container's pid namespace), its stdout and stderr are kept
 * whole for the error message, and it is killed when it runs past its timeout
 * (also while it does not read its stdin). It gets stdio and nothing else of
 * ours: no kept fd, and the signal dispositions the container will have.
 * Messages start with the label the CLI gives (`error running hook #0`).
 * Failures carry runc's complete message and errno ECANCELED, which tells the
 * CLI not to append an errno text.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fds.h"
#include "hooks.h"
#include "report.h"

/* What the hook writes to one pipe, as long as it is. */
struct capture {
	int fd;
	size_t len, cap;
	char *buf;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int append(struct capture *c, const char *data, size_t n)
{
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		while (cap < c->len + n + 1)
			cap *= 2;
		char *buf = realloc(c->buf, cap);
		if (!buf)
			return -ENOMEM;
		c->buf = buf;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

/*
 * Feeds the state to the hook's stdin (non-blocking) and reads its stdout and
 * stderr until all three are done or the deadline passes (0: none). Returns 0,
 * -ETIMEDOUT or -ENOMEM.
 */
static int exchange(int in, const char *state, size_t state_len, struct capture out[2],
		    long long deadline)
{
	size_t sent = 0;
	if (state_len == 0) {
		close(in);
		in = -1;
	}
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = out[0].fd, .events = POLLIN },
			{ .fd = out[1].fd, .events = POLLIN },
			{ .fd = in, .events = POLLOUT },
		};
		if (p[0].fd < 0 && p[1].fd < 0 && in < 0)
			return 0;
		int timeout = -1;
		if (deadline > 0) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				if (in >= 0)
					close(in);
				return -ETIMEDOUT;
			}
			timeout = left > 0x7fffffff ? 0x7fffffff : (int)left;
		}
		int r = poll(p, 3, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue; /* the deadline is checked above */
		if (in >= 0 && p[2].revents) {
			ssize_t n = write(in, state + sent, state_len - sent);
			if (n > 0)
				sent += (size_t)n;
			/* Done, or the hook closed its stdin (EPIPE): it reads no more. */
			if (sent == state_len || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in);
				in = -1;
			}
		}
		for (int i = 0; i < 2; i++) {
			if (out[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char tmp[4096];
			ssize_t got = read(out[i].fd, tmp, sizeof(tmp));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				close(out[i].fd);
				out[i].fd = -1;
			} else if (append(&out[i], tmp, (size_t)got) < 0) {
				if (in >= 0)
					close(in);
				return -ENOMEM;
			}
		}
	}
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
	case SIGSYS:
		return "bad system call";
	default:
		return strsignal(sig);
	}
}

/* Go's time.Duration text: 5s, 1m30s, 2h0m0s */
static void duration_text(char *text, size_t len, long long s)
{
	if (s >= 3600)
		snprintf(text, len, "%lldh%lldm%llds", s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(text, len, "%lldm%llds", s / 60, s % 60);
	else
		snprintf(text, len, "%llds", s);
}

/* The state with the pid of the process that runs the hooks put in. */
static char *state_text(const struct op *op, int argc, int envc)
{
	const char *before = op->str[1 + argc + envc], *after = op->str[2 + argc + envc];
	char *state = NULL;
	int r = op->hdr.num[3] ? asprintf(&state, "%s%d%s", before, getpid(), after)
			       : asprintf(&state, "%s%s", before, after);
	return r < 0 ? NULL : state;
}

int op_run_hook(struct program *prog, const struct op *op, int index)
{
	(void)index;
	int64_t argc64 = op->hdr.num[0], envc64 = op->hdr.num[1], timeout = op->hdr.num[2];
	if (argc64 < 1 || envc64 < 0 || timeout < 0 || argc64 > op->hdr.nstr ||
	    envc64 > op->hdr.nstr || 1 + argc64 + envc64 + 3 != (int64_t)op->hdr.nstr)
		return fail(prog, EPROTO, "hook: %lld arguments and %lld variables in %u strings",
			    (long long)argc64, (long long)envc64, op->hdr.nstr);
	int argc = (int)argc64, envc = (int)envc64;
	const char *label = op->str[3 + argc + envc], *path = op->str[0];
	char **argv = calloc((size_t)argc + 1, sizeof(char *));
	char **envp = calloc((size_t)envc + 1, sizeof(char *));
	char *state = state_text(op, argc, envc);
	struct capture out[2] = { { .fd = -1 }, { .fd = -1 } };
	int in[2] = { -1, -1 }, o[2] = { -1, -1 }, e[2] = { -1, -1 }, status_pipe[2] = { -1, -1 };
	int ret = 0;
	if (!argv || !envp || !state) {
		ret = fail(prog, ENOMEM, "%s: allocate the hook's arguments", label);
		goto out;
	}
	for (int i = 0; i < argc; i++)
		argv[i] = (char *)op->str[1 + i];
	for (int i = 0; i < envc; i++)
		envp[i] = (char *)op->str[1 + argc + i];
	/* The exec error travels back on a close-on-exec pipe, as Go's fork/exec does. */
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0 ||
	    pipe2(status_pipe, O_CLOEXEC) < 0) {
		ret = fail(prog, errno, "%s: hook pipes", label);
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		ret = fail(prog, errno, "%s: fork hook", label);
		goto out;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		/* The status pipe may have one of the kept fds' numbers (some were not
		 * open): it moves above them before they are closed. */
		int status_fd = fcntl(status_pipe[1], F_DUPFD_CLOEXEC, 3 + prog->keep_fds);
		close_kept_fds(prog);
		execve(path, argv, envp);
		int err = errno;
		ssize_t w = write(status_fd, &err, sizeof(err));
		(void)w;
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	close(status_pipe[1]);
	in[0] = o[1] = e[1] = status_pipe[1] = -1;
	int exec_errno = 0;
	ssize_t n;
	do
		n = read(status_pipe[0], &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(exec_errno)) {
		waitpid(pid, NULL, 0);
		ret = fail(prog, ECANCELED, "%s: fork/exec %s: %s", label, path, go_strerror(exec_errno));
		goto out;
	}

	/* A hook that closes its stdin early makes the write fail with EPIPE, not
	 * kill us: SIGPIPE is ignored meanwhile, and put back as it was after. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	out[0].fd = o[0];
	out[1].fd = e[0];
	o[0] = e[0] = -1;
	int r = exchange(in[1], state, strlen(state), out,
			 timeout > 0 ? now_ms() + timeout * 1000 : 0);
	in[1] = -1; /* exchange closed it */
	sigaction(SIGPIPE, &old, NULL);
	if (r < 0)
		kill(pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r == -ETIMEDOUT) {
		char text[64];
		duration_text(text, sizeof(text), timeout);
		ret = fail(prog, ECANCELED, "%s: hook ran past specified timeout of %s", label, text);
	} else if (r < 0) {
		ret = fail(prog, -r, "%s: read the hook's output", label);
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char why[64];
		if (WIFSIGNALED(st))
			snprintf(why, sizeof(why), "signal: %s", signal_text(WTERMSIG(st)));
		else
			snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(st));
		ret = fail(prog, ECANCELED, "%s: error running hook: %s, stdout: %s, stderr: %s", label,
			   why, out[0].buf ? out[0].buf : "", out[1].buf ? out[1].buf : "");
	}
out:
	for (int i = 0; i < 2; i++) {
		if (out[i].fd >= 0)
			close(out[i].fd);
		free(out[i].buf);
	}
	int fds[] = { in[0], in[1], o[0], o[1], e[0], e[1], status_pipe[0], status_pipe[1] };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(argv);
	free(envp);
	free(state);
	return ret;
}

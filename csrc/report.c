/* See report.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "report.h"

int fail(struct program *prog, int err, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	free(prog->err);
	prog->err = n < 0 ? NULL : text;
	return -err;
}

/*
 * One message: the header and a part of the text, in one write(2) (after a
 * seccomp filter only write, read, close, openat and execve are ours to
 * make, as in runc). A peer that is gone raises SIGPIPE: then no one waits
 * for what we would say.
 */
static int send_part(int fd, const struct rp_record *rec, const char *text)
{
	char small[sizeof(*rec) + 256];
	size_t len = sizeof(*rec) + rec->len;
	char *buf = len <= sizeof(small) ? small : malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, rec, sizeof(*rec));
	if (rec->len)
		memcpy(buf + sizeof(*rec), text, rec->len);
	ssize_t n;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	int err = errno;
	if (buf != small)
		free(buf);
	return n < 0 ? -err : 0;
}

int send_record(struct program *prog, int tag, int index, int err, int pid, const char *text)
{
	if (prog->sync_fd < 0)
		return -EPIPE;
	size_t len = text ? strlen(text) : 0, room = RP_CHUNK - sizeof(struct rp_record);
	for (;;) {
		size_t part = len > room ? room : len;
		struct rp_record rec = {
			.tag = (uint32_t)tag,
			.index = index,
			.err = err,
			.pid = pid,
			.flags = len > room ? RP_REC_MORE : 0,
			.len = (uint32_t)part,
		};
		int r = send_part(prog->sync_fd, &rec, text);
		if (r < 0 || len <= room)
			return r;
		text += part;
		len -= part;
	}
}

int send_record_fd(struct program *prog, int tag, int index, int fd)
{
	struct rp_record rec = { .tag = (uint32_t)tag, .index = index };
	return send_with_fd(prog->sync_fd, &rec, sizeof(rec), fd);
}

void debug_line(struct program *prog, const char *fmt, ...)
{
	if (!(prog->flags & RP_F_DEBUG))
		return;
	va_list ap;
	char *text = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n >= 0)
		send_record(prog, REC_DEBUG, -1, 0, 0, text);
	free(text);
}

int ask_cli(struct program *prog, int tag, int index, const char *what)
{
	int r = send_record(prog, tag, index, 0, 0, NULL);
	if (r < 0)
		return fail(prog, -r, "%s", what);
	return wait_continue(prog);
}

int wait_continue(struct program *prog)
{
	struct rp_op msg;
	ssize_t n;
	do
		n = read(prog->sync_fd, &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(prog, errno, "wait for runc");
	if (n == 0)
		return fail(prog, EPIPE, "runc went away while the container was set up");
	if ((size_t)n < sizeof(msg) || msg.op != OP_CONTINUE)
		return fail(prog, EPROTO, "expected CONTINUE from runc, got op %u", msg.op);
	return 0;
}

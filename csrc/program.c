/*
 * Reading the init program from the sync socket, running it, and talking back.
 * See protocol.h for the handshake.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "program.h"

int fail(struct program *prog, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prog->err, sizeof(prog->err), fmt, ap);
	va_end(ap);
	return -err;
}

const char *go_strerror(int err)
{
	static char buf[128];
	snprintf(buf, sizeof(buf), "%s", strerror(err));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

void send_record(struct program *prog, int tag, int index, int err, int pid, const char *msg)
{
	struct rp_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.tag = (uint32_t)tag;
	rec.index = index;
	rec.err = err;
	rec.pid = pid;
	if (msg)
		snprintf(rec.msg, sizeof(rec.msg), "%s", msg);
	while (send(prog->sync_fd, &rec, sizeof(rec), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* Splits one message into its header and strings; the strings point into buf. */
static int parse_op(struct program *prog, char *buf, size_t len, struct op *op)
{
	if (len < sizeof(struct rp_op))
		return fail(prog, EPROTO, "short message from runc (%zu bytes)", len);
	memcpy(&op->hdr, buf, sizeof(op->hdr));
	if (op->hdr.nstr > RP_MAX_STR)
		return fail(prog, EPROTO, "op %u has %u strings", op->hdr.op, op->hdr.nstr);
	char *p = buf + sizeof(struct rp_op), *end = buf + len;
	for (uint32_t i = 0; i < op->hdr.nstr; i++) {
		char *nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			return fail(prog, EPROTO, "op %u: string %u is not terminated", op->hdr.op, i);
		op->str[i] = p;
		p = nul + 1;
	}
	if (p != end)
		return fail(prog, EPROTO, "op %u: %zu trailing bytes", op->hdr.op, (size_t)(end - p));
	return 0;
}

int program_read(struct program *prog)
{
	prog->ops = calloc(RP_MAX_OPS, sizeof(struct op));
	if (!prog->ops)
		return fail(prog, ENOMEM, "allocate the program");
	for (;;) {
		char *buf = malloc(RP_MAX_MSG);
		if (!buf)
			return fail(prog, ENOMEM, "allocate a message");
		ssize_t n;
		do
			n = recv(prog->sync_fd, buf, RP_MAX_MSG, MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return fail(prog, errno, "read the init program");
		if (n == 0)
			return fail(prog, EPIPE, "runc closed the sync socket before the end of the program");
		if (prog->nops >= RP_MAX_OPS)
			return fail(prog, E2BIG, "the init program has more than %d ops", RP_MAX_OPS);
		struct op *op = &prog->ops[prog->nops];
		int ret = parse_op(prog, buf, (size_t)n, op);
		if (ret < 0)
			return ret;
		if (op->hdr.op == OP_END)
			return 0;
		prog->nops++;
	}
}

int program_run(struct program *prog, int from, int *failed)
{
	for (int i = from; i < prog->nops; i++) {
		int ret = op_dispatch(prog, &prog->ops[i], i);
		if (ret != 0) {
			*failed = i;
			return ret;
		}
	}
	return 0;
}

/*
 * Reading the init program: one byte stream in SEQPACKET messages of at most
 * RP_CHUNK bytes, a header saying how long it is, then the ops. Every op is
 * checked here, before any runs: its size, its strings (terminated, as many as
 * the table in protocol.h allows) and its place in the buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "program.h"
#include "report.h"

/* Fewest and most strings of each op, from the table in protocol.h. */
#define RP_OP_LIMITS(name, number, min, max, fn) [number] = { min, max, 1 },
static const struct {
	int min, max, known;
} limits[] = { RP_OPS(RP_OP_LIMITS) };
#undef RP_OP_LIMITS
#define NLIMITS (sizeof(limits) / sizeof(limits[0]))

/* Receives the whole stream into prog->buf; returns its size or -errno. */
static long read_stream(struct program *prog, struct rp_program *head)
{
	char *chunk = malloc(RP_CHUNK);
	if (!chunk)
		return fail(prog, ENOMEM, "allocate a message");
	size_t have = 0, size = 0;
	long ret = 0;
	for (;;) {
		ssize_t n;
		do
			n = recv(prog->sync_fd, chunk, RP_CHUNK, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			ret = fail(prog, errno, "read the init program");
			break;
		}
		if (n == 0 && !prog->buf) {
			ret = -ENODATA; /* runc gave up on this stub: nothing to say */
			break;
		}
		if (n == 0) {
			ret = fail(prog, EPIPE, "runc closed the sync socket before the end of the program");
			break;
		}
		if (!prog->buf) {
			if ((size_t)n < sizeof(*head)) {
				ret = fail(prog, EPROTO, "short program header (%zd bytes)", n);
				break;
			}
			memcpy(head, chunk, sizeof(*head));
			if (head->magic != RP_MAGIC || head->version != RP_VERSION) {
				ret = fail(prog, EPROTO, "not an init program of this runc (version %u)",
					   head->version);
				break;
			}
			if (head->size < sizeof(*head) || head->size > (uint64_t)SIZE_MAX / 2) {
				ret = fail(prog, EPROTO, "init program of %llu bytes",
					   (unsigned long long)head->size);
				break;
			}
			size = (size_t)head->size;
			prog->buf = malloc(size);
			if (!prog->buf) {
				ret = fail(prog, ENOMEM, "allocate the init program (%zu bytes)", size);
				break;
			}
		}
		if ((size_t)n > size - have) {
			ret = fail(prog, EPROTO, "the init program is longer than its header says");
			break;
		}
		memcpy(prog->buf + have, chunk, (size_t)n);
		have += (size_t)n;
		if (have == size) {
			ret = (long)size;
			break;
		}
	}
	free(chunk);
	return ret;
}

/* OP_EXEC's argv and envp (num0 argc; str argv then env), with a spare slot for HOME. */
static int exec_arrays(struct program *prog, int index, struct op *op)
{
	int64_t argc = op->hdr.num[0];
	if (argc < 1 || argc > (int64_t)op->hdr.nstr)
		return fail(prog, EPROTO, "op %d: exec: %lld arguments in %u strings", index,
			    (long long)argc, op->hdr.nstr);
	size_t envc = op->hdr.nstr - (size_t)argc;
	op->argv = calloc((size_t)argc + 1, sizeof(char *));
	op->envp = calloc(envc + 2, sizeof(char *));
	if (!op->argv || !op->envp)
		return fail(prog, ENOMEM, "allocate op %d", index);
	for (int64_t i = 0; i < argc; i++)
		op->argv[i] = (char *)op->str[i];
	for (size_t i = 0; i < envc; i++)
		op->envp[i] = (char *)op->str[argc + (int64_t)i];
	return 0;
}

/* Checks one op at buf[off..] and points its strings into the buffer. */
static int parse_op(struct program *prog, int index, size_t off, size_t size, struct op *op)
{
	if (size - off < sizeof(struct rp_op))
		return fail(prog, EPROTO, "op %d: truncated header", index);
	memcpy(&op->hdr, prog->buf + off, sizeof(op->hdr));
	const struct rp_op *h = &op->hdr;
	if (h->size < sizeof(*h) || h->size > size - off || h->size % 8 != 0)
		return fail(prog, EPROTO, "op %d: bad size %llu", index, (unsigned long long)h->size);
	if (h->op >= NLIMITS || !limits[h->op].known || h->op == OP_END || h->op == OP_CONTINUE)
		return fail(prog, EPROTO, "op %d: unknown op %u", index, h->op);
	int min = limits[h->op].min, max = limits[h->op].max;
	if (h->nstr < (uint32_t)min || (max >= 0 && h->nstr > (uint32_t)max))
		return fail(prog, EPROTO, "op %d (%u): %u strings where %d to %d are allowed", index,
			    h->op, h->nstr, min, max);
	char *p = prog->buf + off + sizeof(*h), *end = prog->buf + off + h->size;
	if (h->nstr > (size_t)(end - p))
		return fail(prog, EPROTO, "op %d: more strings than bytes", index);
	op->str = calloc(h->nstr + 1, sizeof(char *));
	if (!op->str)
		return fail(prog, ENOMEM, "allocate op %d", index);
	for (uint32_t i = 0; i < h->nstr; i++) {
		char *nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			return fail(prog, EPROTO, "op %d: string %u is not terminated", index, i);
		op->str[i] = p;
		p = nul + 1;
	}
	/* What is left is padding to 8 bytes: at most 7 zero bytes. */
	for (const char *q = p; q < end; q++)
		if (end - p > 7 || *q != '\0')
			return fail(prog, EPROTO, "op %d: %zd bytes after its strings", index, end - p);
	return h->op == OP_EXEC ? exec_arrays(prog, index, op) : 0;
}

int program_read(struct program *prog)
{
	struct rp_program head = { 0 };
	long size = read_stream(prog, &head);
	if (size < 0)
		return (int)size;
	prog->flags = head.flags;
	prog->sig_ignored = head.sig_ignored;
	if (head.nops > (size_t)size / sizeof(struct rp_op))
		return fail(prog, EPROTO, "init program of %u ops in %ld bytes", head.nops, size);
	prog->ops = calloc(head.nops + 1, sizeof(struct op));
	if (!prog->ops)
		return fail(prog, ENOMEM, "allocate the program");
	size_t off = sizeof(head);
	for (uint32_t i = 0; i < head.nops; i++) {
		int r = parse_op(prog, (int)i, off, (size_t)size, &prog->ops[i]);
		if (r < 0)
			return r;
		off += prog->ops[i].hdr.size;
	}
	if (off != (size_t)size)
		return fail(prog, EPROTO, "%zu bytes after the last op", (size_t)size - off);
	prog->nops = (int)head.nops;
	return 0;
}

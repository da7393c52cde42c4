/* See seccomp.h. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ns.h"
#include "report.h"
#include "seccomp.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* str0 the program in hex; num0 SECCOMP_FILTER_FLAG_*. */
int op_seccomp(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const char *hex = op->str[0];
	size_t len = strlen(hex);
	if (len == 0 || len % 16 != 0)
		return fail(prog, EINVAL, "seccomp program of %zu hex digits", len);
	size_t n = len / 16;
	if (n > BPF_MAXINSNS) /* the kernel's own limit */
		return fail(prog, E2BIG, "seccomp program of %zu instructions", n);
	struct sock_filter *insns = malloc(n * sizeof(*insns));
	if (!insns)
		return fail(prog, ENOMEM, "seccomp program of %zu instructions", n);
	unsigned char *bytes = (unsigned char *)insns;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(insns);
			return fail(prog, EINVAL, "seccomp program is not hex");
		}
		bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = insns };
	int ret = outlive_cli(prog);
	if (ret < 0) {
		free(insns);
		return ret;
	}
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned int)op->hdr.num[0], &fprog);
	int err = errno;
	free(insns);
	if (r < 0)
		return fail(prog, err, "load the seccomp filter");
	if (op->hdr.num[0] & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		prog->seccomp_fd = (int)r;
	return 0;
}

/* The listener goes to runc with SCM_RIGHTS (sendmsg, which the compiler does
 * not let the profile notify), and out of the init before anything else runs. */
int op_send_seccomp(struct program *prog, const struct op *op, int index)
{
	(void)op;
	if (prog->seccomp_fd < 0)
		return fail(prog, EPROTO, "no seccomp listener to send");
	int r = send_record_fd(prog, REC_SECCOMP, index, prog->seccomp_fd);
	close(prog->seccomp_fd);
	prog->seccomp_fd = -1;
	if (r < 0)
		return fail(prog, -r, "send the seccomp listener to runc");
	return wait_continue(prog);
}

/* See identity.h. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "identity.h"
#include "report.h"

int op_set_root_ids(struct program *prog, const struct op *op, int index)
{
	(void)op;
	(void)index;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return fail(prog, errno, "become root in the user namespace");
	return 0;
}

/* str: one gid each, as many as the kernel takes (NGROUPS_MAX). */
int op_setgroups(struct program *prog, const struct op *op, int index)
{
	(void)index;
	size_t n = op->hdr.nstr;
	gid_t *gids = calloc(n ? n : 1, sizeof(gid_t));
	if (!gids)
		return fail(prog, ENOMEM, "setgroups of %zu groups", n);
	for (size_t i = 0; i < n; i++) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(op->str[i], &end, 10);
		if (errno || end == op->str[i] || *end || v > 0xfffffffeUL) {
			free(gids);
			return fail(prog, EINVAL, "bad additional gid %s", op->str[i]);
		}
		gids[i] = (gid_t)v;
	}
	int r = setgroups(n, gids);
	int err = errno;
	free(gids);
	return r < 0 ? fail(prog, err, "setgroups") : 0;
}

int op_setuser(struct program *prog, const struct op *op, int index)
{
	(void)index;
	uid_t uid = (uid_t)op->hdr.num[0];
	gid_t gid = (gid_t)op->hdr.num[1];
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail(prog, errno, "keep capabilities");
	if (setresgid(gid, gid, gid) < 0)
		return fail(prog, errno, "setgid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		return fail(prog, errno, "setuid %u", uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return fail(prog, errno, "clear keep capabilities");
	return 0;
}

int op_cap_bounding(struct program *prog, const struct op *op, int index)
{
	(void)index;
	uint64_t keep = (uint64_t)op->hdr.num[0];
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL) /* past the kernel's last capability */
				break;
			return fail(prog, errno, "drop capability %d from the bounding set", cap);
		}
	}
	return 0;
}

int op_caps(struct program *prog, const struct op *op, int index)
{
	(void)index;
	uint64_t eff = (uint64_t)op->hdr.num[0], perm = (uint64_t)op->hdr.num[1];
	uint64_t inh = (uint64_t)op->hdr.num[2], amb = (uint64_t)op->hdr.num[3];
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32),
		  .inheritable = (uint32_t)(inh >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(prog, errno, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail(prog, errno, "clear ambient capabilities");
	/* As runc: an ambient capability missing from the inheritable or permitted
	 * set cannot be raised, and that is not an error. */
	for (int cap = 0; cap < 64; cap++)
		if (amb & (1ULL << cap))
			(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	return 0;
}

int op_no_new_privs(struct program *prog, const struct op *op, int index)
{
	(void)op;
	(void)index;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? fail(prog, errno, "set no_new_privs") : 0;
}

int op_setrlimit(struct program *prog, const struct op *op, int index)
{
	(void)index;
	const int64_t *num = op->hdr.num;
	struct rlimit rl = {
		.rlim_cur = num[1] < 0 ? RLIM_INFINITY : (rlim_t)num[1],
		.rlim_max = num[2] < 0 ? RLIM_INFINITY : (rlim_t)num[2],
	};
	return setrlimit((int)num[0], &rl) < 0 ? fail(prog, errno, "setrlimit %d", (int)num[0]) : 0;
}

int op_umask(struct program *prog, const struct op *op, int index)
{
	(void)prog;
	(void)index;
	umask((mode_t)op->hdr.num[0]);
	return 0;
}

static int keyring_searchable(struct program *prog, long id, char *desc, long got);

/* A session keyring of the container's own, so it does not share the caller's
 * keys; its user may search it (KEY_USR_SEARCH, 0x080000, as runc). A kernel
 * without keyrings is not an error. */
int op_join_keyring(struct program *prog, const struct op *op, int index)
{
	(void)index;
	long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, op->str[0], 0, 0, 0);
	if (id < 0) {
		if (errno == ENOSYS)
			return 0;
		return fail(prog, errno, "join session keyring %s", op->str[0]);
	}
	/* Its size first (with the NUL): the kernel copies nothing into a short buffer. */
	long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, NULL, 0, 0);
	if (n < 0)
		return fail(prog, errno, "describe session keyring");
	char *desc = calloc((size_t)n + 1, 1);
	if (!desc)
		return fail(prog, ENOMEM, "describe session keyring");
	long got = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, n, 0);
	int ret = keyring_searchable(prog, id, desc, got);
	free(desc);
	return ret;
}

/* Adds KEY_USR_SEARCH to the permissions a KEYCTL_DESCRIBE of got bytes gave. */
static int keyring_searchable(struct program *prog, long id, char *desc, long got)
{
	if (got < 0)
		return fail(prog, errno, "describe session keyring");
	/* "type;uid;gid;perm;description" with perm in hex */
	char *p = desc;
	for (int i = 0; i < 3 && p; i++) {
		p = strchr(p, ';');
		if (p)
			p++;
	}
	if (!p)
		return fail(prog, EPROTO, "unexpected keyring description %s", desc);
	unsigned long perm = strtoul(p, NULL, 16) | 0x080000;
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm, 0, 0) < 0)
		return fail(prog, errno, "set session keyring permissions");
	return 0;
}

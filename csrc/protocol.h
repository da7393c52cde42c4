/*
 * The wire protocol between the runc CLI (TypeScript) and the init stub (C).
 * core/init/protocol.ts mirrors every number in this file; change both together.
 *
 *   CLI (Deno)                         stub S                      container init C
 *   ----------                         ------                      ----------------
 *   socketpair(SEQPACKET)
 *   spawn S with argv[1] = child fd -->
 *   OP message x N, OP_END  ---------> read whole program
 *                                      run ops up to OP_CLONE
 *                                      (setns into joined namespaces)
 *                                      clone3(CLONE_PARENT|NEW*) ----> (child of the CLI)
 *                                      (bind sources for a new user
 *                                      and mount namespace: join C's
 *                                      mntns, open them O_PATH, send ----> C takes them first)
 *                      <-------------- REC_PID {pid = C}
 *                                      exit(0)
 *   (write uid_map, gid_map of C                                     OP_WAIT_PARENT: C waits, so
 *    for a new user namespace)                                       nothing of C's reaches the CLI
 *   OP_CONTINUE  --------------------------------------------------> before REC_PID
 *                                                                    mounts, devices, pivot_root,
 *                                                                    hostname, rlimits, user,
 *                                                                    capabilities, chdir
 *                      <-------------------------------------------- REC_READY
 *   (create: exit; run: open fifo)                                   OP_WAIT_FIFO blocks in
 *                                                                    open(exec.fifo, O_WRONLY)
 *   runc start: read exec.fifo ------------------------------------> writes one byte, execve()
 *
 * A failing op sends REC_ERROR {index of the op, errno, message} and the process
 * that ran it exits 1; the CLI names the op in its error. errno ECANCELED means
 * the message is complete as it is (hooks, exec lookups: runc's own words).
 *
 * Messages from the CLI are `struct rp_op` followed by `nstr` NUL-terminated
 * strings, one op per SOCK_SEQPACKET message. Messages to the CLI are fixed-size
 * `struct rp_record`.
 */
#ifndef RUNC_PROTOCOL_H
#define RUNC_PROTOCOL_H

#include <stdint.h>

#define RP_MAX_MSG 131072
#define RP_MAX_OPS 4096
#define RP_MAX_STR 64

enum rp_opcode {
	OP_END = 0,           /* end of program */
	OP_SETNS = 1,         /* S: str0 path, str1 type name, num0 CLONE_NEW* type: open, check */
	OP_CLONE = 2,         /* S: num0 clone flags; the rest runs in C */
	OP_WAIT_PARENT = 3,   /* C: send record num0 (0: none), wait for OP_CONTINUE */
	OP_CONTINUE = 4,      /* CLI -> C after OP_WAIT_PARENT */
	OP_SETSID = 5,        /* C: setsid() */
	OP_MOUNT = 6,         /* str0 source, str1 target, str2 fstype, str3 data;
	                         num0 flags, num1 target kind (RP_TARGET_*), num2 mkdir mode,
	                         num3 k > 0: the source is the k-th the stub opened inside the
	                         init's new mount namespace after the clone (with the caller's
	                         rights) and sent to the init, which mounts it by fd */
	OP_REMOUNT = 7,       /* str0 target (in root), num0 flags added to the current ones */
	OP_MKDIR = 8,         /* str0 path in root, num0 mode: mkdir -p */
	OP_MKNOD = 9,         /* str0 path in root, num0 mode with type, num1 dev, num2 uid, num3 gid */
	OP_SYMLINK = 10,      /* str0 target, str1 link path in root; num0 1: replace what is there */
	OP_OPEN_ROOT = 11,    /* str0 rootfs host path: open it as the root of later in-root ops */
	OP_PIVOT_ROOT = 12,   /* pivot_root into the open root, detach the old root */
	OP_SETHOSTNAME = 13,  /* str0 */
	OP_SETDOMAINNAME = 14,/* str0 */
	OP_WRITE_FILE = 15,   /* str0 absolute path, str1 data */
	OP_MASK_PATH = 16,    /* str0 path in root */
	OP_READONLY_PATH = 17,/* str0 path in root */
	OP_SETRLIMIT = 18,    /* num0 resource, num1 soft, num2 hard (-1 = infinity) */
	OP_NO_NEW_PRIVS = 19, /* prctl(PR_SET_NO_NEW_PRIVS) */
	OP_SETGROUPS = 20,    /* str0 comma-separated gids (may be empty) */
	OP_SETUSER = 21,      /* num0 uid, num1 gid; keeps capabilities across the switch */
	OP_CAPS = 22,         /* num0 effective, num1 permitted, num2 inheritable, num3 ambient */
	OP_CAP_BOUNDING = 23, /* num0 bounding set: drop every capability not in it */
	OP_CHDIR = 24,        /* str0 */
	OP_OPEN_FIFO = 25,    /* str0 host path of exec.fifo: keep an O_PATH fd */
	OP_LOOKPATH = 26,     /* str0 argv[0], str1 PATH value: resolve the program to run */
	OP_READY = 27,        /* send REC_READY and close the sync socket */
	OP_WAIT_FIFO = 28,    /* open the fifo for writing (blocks until start), write a byte */
	OP_EXEC = 29,         /* num0 argc, num1 envc, num2 fds kept above stdio, num3 uid whose
	                         home becomes HOME when env has none; strs argv then env */
	OP_SET_ROOT_IDS = 30, /* setresuid/setresgid(0) inside a new user namespace */
	OP_UMASK = 31,        /* num0 */
	OP_JOIN_KEYRING = 32, /* str0 name: a new session keyring, searchable by its user */
	OP_JOIN_NS = 33,      /* S: setns() into every namespace OP_SETNS opened, in order */
	OP_RUN_HOOK = 34,     /* num0 argc, num1 envc, num2 timeout in seconds (0: none),
	                         num3 1: put getpid() between the two state parts;
	                         strs path, argv, env, state before the pid, state after,
	                         the label errors start with */
	OP_EXIT = 35,         /* exit 0: the end of a program that only runs hooks */
	OP_CONSOLE = 36,      /* num0 1: mount on /dev/console, num1 rows, num2 columns: make a
	                         pty, send its master (REC_CONSOLE), make the slave stdio */
	OP_FIX_STDIO = 37,    /* num0 uid: give stdio (but /dev/null) to the process's user */
	OP_MOUNT_SETATTR = 38,/* str0 path in root, num0 attr_set, num1 attr_clr, num2 propagation:
	                         mount_setattr(AT_RECURSIVE) */
	OP_HIDE_MOUNT = 39,   /* str0 host path: make it rslave and detach it; where that is
	                         refused, cover it with an empty tmpfs (--no-pivot) */
	OP_MOVE_ROOT = 40,    /* str0 rootfs host path: MS_MOVE it onto / and chroot (--no-pivot) */
	OP_UNSHARE = 42,      /* num0 CLONE_NEW* flags: unshare(2) (the cgroup namespace, made once
	                         the init is in its cgroups) */
	OP_SECCOMP = 41,      /* str0 the BPF program in hex, num0 SECCOMP_FILTER_FLAG_*: load it;
	                         with FLAG_NEW_LISTENER an OP_WAIT_PARENT(REC_SECCOMP) follows */
};

/* How OP_MOUNT finds its target. */
enum rp_target_kind {
	RP_TARGET_HOST = 0,      /* an absolute host path, used as is (rootfs itself, "/") */
	RP_TARGET_DIR = 1,       /* inside the root: created as a directory when missing */
	RP_TARGET_FILE = 2,      /* inside the root: created as an empty file when missing */
	RP_TARGET_EXISTING = 3,  /* inside the root: must exist */
};

enum rp_tag {
	REC_PID = 1,     /* pid: the container init's pid in the CLI's pid namespace */
	REC_READY = 2,   /* the container is set up and waits on the exec fifo */
	REC_ERROR = 3,   /* index: failing op, err: errno, msg: what failed */
	REC_WARN = 4,    /* msg */
	REC_DEBUG = 5,   /* msg */
	REC_HOOKS = 6,   /* the mounts are done: run prestart and createRuntime hooks, then CONTINUE */
	REC_CONSOLE = 7, /* the pty master, attached with SCM_RIGHTS */
	REC_SECCOMP = 8, /* err: the seccomp listener's fd number; runc takes it with pidfd_getfd,
	                    hands it to the agent, then sends CONTINUE */
};

struct rp_op {
	uint32_t op;
	uint32_t nstr;
	int64_t num[4];
};

struct rp_record {
	uint32_t tag;
	int32_t index;
	int32_t err;
	int32_t pid;
	char msg[496];
};

#endif

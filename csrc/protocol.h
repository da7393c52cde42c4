/*
 * The wire protocol between the runc CLI (TypeScript) and the init stub (C).
 * core/init/protocol.ts holds the same numbers; tests/unit/protocol_sync_test.ts
 * parses this file and fails on any difference, so the two cannot drift.
 *
 *   CLI (Deno)                         stub S                      container init C
 *   ----------                         ------                      ----------------
 *   socketpair(SEQPACKET)
 *   spawn S with argv[1] = its fd ---->
 *   (create: move S into the           waits for its program (EOF
 *    container's cgroups, off the       first: runc gave up, exit 1
 *    main thread, while planning)       without a word)
 *   the program, one stream in -------> read it whole, check every op
 *   messages of RP_CHUNK bytes          PR_SET_PDEATHSIG, signals reset,
 *                                       fds swept (OP_SWEEP_FDS)
 *                                       (setns into joined namespaces)
 *                                       clone3(CLONE_PARENT|NEW*) ----> (child of the CLI)
 *                                       (bind sources for a new user    PR_SET_PDEATHSIG again
 *                                       and mount namespace: join C's
 *                                       mntns, open them O_PATH, send ----> C takes them first)
 *                      <--------------- REC_PID {pid = C}
 *                                       exit(0)
 *   (write uid_map, gid_map of C,                                    OP_WAIT_PARENT: nothing of C's
 *    set the limits of the cgroups                                   reaches the CLI before REC_PID
 *    C inherited from S)
 *   CONTINUE  ------------------------------------------------------>
 *                      <--------------------------------------------- REC_HOOKS (OP_CLI_HOOKS)
 *   (prestart, createRuntime hooks)
 *   CONTINUE  ------------------------------------------------------> mounts, devices, pivot_root,
 *                                                                    hostname, rlimits, user,
 *                      <--------------------------------------------- REC_SECCOMP + listener fd
 *   (hand it to the agent)                                           (OP_SEND_SECCOMP)
 *   CONTINUE  ------------------------------------------------------>
 *                                                                    PR_SET_PDEATHSIG 0 (an EOF
 *                      <--------------------------------------------- still ends it) REC_READY
 *   (write state.json, the pid file)                                 (OP_READY)
 *   CONTINUE  ------------------------------------------------------> close the socket: from here
 *   (EOF: the init lives on without us) <---------------------------- on the init outlives the CLI
 *   create: exit; run: wait
 *                                                                    OP_WAIT_FIFO blocks in
 *                                                                    open(exec.fifo, O_WRONLY)
 *   runc start: read exec.fifo ------------------------------------> writes one byte, execve()
 *
 * Until REC_READY is answered the stub and the init die with the CLI
 * (PR_SET_PDEATHSIG SIGKILL, set after a check that the CLI's end of the
 * socket is not already hung up; in OP_READY, an EOF instead of CONTINUE),
 * so a CLI killed mid-create leaves no process behind.
 *
 * A failing op sends REC_ERROR {index of the op, errno, message} and the
 * process that ran it exits 1; the CLI names the op in its error. errno
 * ECANCELED means the message is complete as it is (hooks, exec lookups:
 * runc's own words).
 *
 * The program is struct rp_program followed by nops ops, each struct rp_op
 * followed by nstr NUL-terminated strings and padded to 8 bytes. Records to the
 * CLI are struct rp_record followed by len bytes of text; a text longer than
 * RP_CHUNK travels in records flagged RP_REC_MORE, the last one unflagged.
 * Nothing here caps a length below the kernel's own: strings, ops and texts
 * are as long as the data.
 */
#ifndef RUNC_PROTOCOL_H
#define RUNC_PROTOCOL_H

#include <stdint.h>

#define RP_MAGIC 0x434e5552u /* "RUNC" little-endian */
#define RP_VERSION 2
#define RP_CHUNK 65536       /* the largest message either side sends */

/* Bits of rp_program.flags. */
#define RP_F_DEBUG 1u            /* OP_DEBUG lines go to runc's log */
#define RP_F_NO_CLOSE_RANGE 2u   /* act as on a kernel without close_range(CLOSE_RANGE_CLOEXEC) */
#define RP_F_NO_OPENAT2 4u       /* ... without openat2(2): resolve paths in the root by hand */
#define RP_F_NO_MOUNT_SETATTR 8u /* ... without mount_setattr(2) */
#define RP_F_NO_CLONE3 16u       /* ... without clone3(2): clone(2) instead */

struct rp_program {
	uint32_t magic;
	uint32_t version;
	uint64_t size;        /* of the whole stream, this header included */
	uint32_t nops;
	uint32_t flags;       /* RP_F_* */
	uint64_t reserved;    /* 0 */
	uint64_t sig_ignored; /* bit n-1: signal n was ignored by the CLI's caller */
};
_Static_assert(sizeof(struct rp_program) == 40, "rp_program layout");

struct rp_op {
	uint32_t op;
	uint32_t nstr;
	uint64_t size;     /* of this op: header, strings and padding */
	int64_t num[4];
};
_Static_assert(sizeof(struct rp_op) == 48, "rp_op layout");

/*
 * The ops: X(NAME, number, fewest strings, most strings (-1: no limit), handler).
 * "num" below is rp_op.num, "str" the strings in order. S: runs in the stub
 * before the clone; everything after OP_CLONE runs in the container's init.
 */
#define RP_OPS(X)                                                                             \
	X(END, 0, 0, 0, end)                   /* end of the program */                        \
	X(SETNS, 1, 2, 2, setns_open)          /* S: str path, type; num0 CLONE_NEW*: open, check */ \
	X(CLONE, 2, 0, 0, clone)               /* S: num0 clone flags; the rest runs in C */    \
	X(WAIT_PARENT, 3, 0, 0, wait_parent)   /* C: wait for CONTINUE; num0 1: dumpable meanwhile \
	                                          (a new user namespace: the CLI writes its maps) */ \
	X(CONTINUE, 4, 0, 0, end)              /* CLI -> C: go on (never in a program) */       \
	X(SETSID, 5, 0, 0, setsid)                                                              \
	X(MOUNT, 6, 4, 4, mount)               /* str source, target, fstype, data; num0 flags,  \
	                                          num1 target kind (RP_TARGET_*), num2 mkdir mode,\
	                                          num3 k > 0: the k-th bind source the stub opened\
	                                          for the init (mounted by fd) */                \
	X(REMOUNT, 7, 1, 1, remount)           /* str target in root; num0 flags added */       \
	X(MKDIR, 8, 1, 1, mkdir)               /* str path in root; num0 mode: mkdir -p */      \
	X(MKNOD, 9, 1, 1, mknod)               /* str path in root; num0 mode with type, num1 dev,\
	                                          num2 uid, num3 gid; EPERM: bind the host's node */ \
	X(SYMLINK, 10, 2, 2, symlink)          /* str target, link in root; num0 1: replace */  \
	X(OPEN_ROOT, 11, 1, 1, open_root)      /* str rootfs host path: root of in-root paths */\
	X(PIVOT_ROOT, 12, 0, 0, pivot_root)                                                     \
	X(SETHOSTNAME, 13, 1, 1, sethostname)                                                   \
	X(SETDOMAINNAME, 14, 1, 1, setdomainname)                                               \
	X(WRITE_FILE, 15, 2, 3, write_file)    /* str absolute path, data (/proc checked), what \
	                                          the write is for (errors: "<what>: write <path>") */ \
	X(MASK_PATH, 16, 1, 2, mask_path)      /* str path in root, the data of the tmpfs that  \
	                                          masks a directory (its context=) */             \
	X(READONLY_PATH, 17, 1, 1, readonly_path)                                               \
	X(SETRLIMIT, 18, 0, 0, setrlimit)      /* num0 resource, num1 soft, num2 hard (-1: inf) */ \
	X(NO_NEW_PRIVS, 19, 0, 0, no_new_privs)                                                 \
	X(SETGROUPS, 20, 0, -1, setgroups)     /* str each a gid */                             \
	X(SETUSER, 21, 0, 0, setuser)          /* num0 uid, num1 gid; capabilities kept */      \
	X(CAPS, 22, 0, 0, caps)                /* num0 effective, permitted, inheritable, ambient */ \
	X(CAP_BOUNDING, 23, 0, 0, cap_bounding) /* num0 the bounding set */                     \
	X(CHDIR, 24, 1, 1, chdir)              /* str path; num0 RP_CHDIR_*: the process's cwd  \
	                                          after or before the user is set, or the rootfs \
	                                          (createContainer hooks run there) */           \
	X(OPEN_FIFO, 25, 1, 1, open_fifo)      /* S: str exec.fifo: keep an O_PATH fd */        \
	X(LOOKPATH, 26, 2, 2, lookpath)        /* str argv[0], PATH: find and check the program */ \
	X(READY, 27, 0, 0, ready)              /* REC_READY, wait, PDEATHSIG off, socket closed */ \
	X(WAIT_FIFO, 28, 0, 0, wait_fifo)      /* open the fifo for writing, write a byte */    \
	X(EXEC, 29, 1, -1, exec)               /* num0 argc; str argv then env */               \
	X(SET_ROOT_IDS, 30, 0, 0, set_root_ids) /* setresuid/gid(0) in a new user namespace */  \
	X(UMASK, 31, 0, 0, umask)              /* num0 */                                       \
	X(JOIN_KEYRING, 32, 1, 1, join_keyring) /* str name: a new session keyring */           \
	X(JOIN_NS, 33, 0, 0, join_ns)          /* S: setns() into every namespace SETNS opened */ \
	X(RUN_HOOK, 34, 5, -1, run_hook)       /* num0 argc, num1 envc, num2 timeout seconds,   \
	                                          num3 1: the running pid goes between the two   \
	                                          state parts; str path, argv, env, state before \
	                                          the pid, state after, the label of errors */   \
	X(EXIT, 35, 0, 0, exit)                /* exit 0: the end of a hooks-only program */    \
	X(CONSOLE, 36, 0, 0, console)          /* num0 1: on /dev/console, num1 rows, num2 cols */ \
	X(FIX_STDIO, 37, 0, 0, fix_stdio)      /* num0 uid: stdio (but /dev/null) to the user */ \
	X(MOUNT_SETATTR, 38, 1, 1, mount_setattr) /* str path in root; num0 attr_set, num1     \
	                                          attr_clr, num2 propagation: recursive */       \
	X(HIDE_MOUNT, 39, 1, 1, hide_mount)    /* str host path: rslave + detach, or cover it */ \
	X(MOVE_ROOT, 40, 1, 1, move_root)      /* str rootfs: MS_MOVE onto / and chroot */      \
	X(SECCOMP, 41, 1, 1, seccomp)          /* str BPF in hex; num0 SECCOMP_FILTER_FLAG_* */ \
	X(UNSHARE, 42, 0, 0, unshare)          /* num0 CLONE_NEW* flags */                      \
	X(SWEEP_FDS, 43, 0, 0, sweep_fds)      /* S: num0 n: fds above 2 + n become close-on-exec,\
	                                          and hooks get none of the n kept ones */       \
	X(CLI_HOOKS, 44, 0, 0, cli_hooks)      /* REC_HOOKS: runc runs prestart/createRuntime */ \
	X(SEND_SECCOMP, 45, 0, 0, send_seccomp) /* REC_SECCOMP with the listener, then wait */   \
	X(LOOKUP_HOME, 46, 0, 0, lookup_home)  /* num0 uid: HOME from the container's passwd */ \
	X(DEBUG, 47, 1, 1, debug)              /* str a line for runc's debug log */            \
	X(PARENT_PRIVATE, 48, 1, 1, parent_private) /* str rootfs: its mount made private when \
	                                          shared (pivot_root needs it) */                \
	X(SETXATTR, 49, 3, 3, setxattr)        /* str path in root, name, value (an SELinux label) */ \
	X(JOIN_CGROUP, 50, 1, 1, join_cgroup)  /* S: str a container cgroup's directory; num0    \
	                                          RP_CGROUP_*: how the stub's clone gets in it */

#define RP_OP_ENUM(name, number, min, max, fn) OP_##name = number,
enum rp_opcode { RP_OPS(RP_OP_ENUM) };
#undef RP_OP_ENUM

/* How OP_JOIN_CGROUP gets the init into a cgroup. */
enum rp_cgroup_join {
	RP_CGROUP_TASKS = 0,      /* a v1 hierarchy: the stub writes "0" to its tasks file */
	RP_CGROUP_CLONE_INTO = 1, /* a cgroup2 directory: OP_CLONE puts the init there */
};

/* What OP_CHDIR goes to. */
enum rp_chdir {
	RP_CHDIR_CWD = 0,    /* the process's cwd, as its user */
	RP_CHDIR_EARLY = 1,  /* the process's cwd before the user is set: a permission error
	                        waits for the second try */
	RP_CHDIR_ROOTFS = 2, /* the rootfs, before pivot_root: where createContainer hooks run */
};

/* How OP_MOUNT finds its target. */
enum rp_target_kind {
	RP_TARGET_HOST = 0,     /* an absolute host path, used as is (rootfs itself, "/") */
	RP_TARGET_DIR = 1,      /* inside the root: created as a directory when missing */
	RP_TARGET_FILE = 2,     /* inside the root: created as an empty file when missing */
	RP_TARGET_EXISTING = 3, /* inside the root: must exist */
};

enum rp_tag {
	REC_PID = 1,     /* pid: the container init's pid in the CLI's pid namespace */
	REC_READY = 2,   /* the container is set up; answer CONTINUE once it is recorded */
	REC_ERROR = 3,   /* index: failing op, err: errno, text: what failed */
	REC_DEBUG = 5,   /* text */
	REC_HOOKS = 6,   /* the mounts are done: run prestart and createRuntime hooks, CONTINUE */
	REC_CONSOLE = 7, /* the pty master, attached with SCM_RIGHTS */
	REC_SECCOMP = 8, /* the seccomp listener, attached with SCM_RIGHTS; CONTINUE once the
	                    agent has it */
};

/* Bits of rp_record.flags. */
#define RP_REC_MORE 1u /* the text goes on in the next record */

struct rp_record {
	uint32_t tag;
	int32_t index;
	int32_t err;
	int32_t pid;
	uint32_t flags;
	uint32_t len; /* bytes of text after the header */
};
_Static_assert(sizeof(struct rp_record) == 24, "rp_record layout");

#endif

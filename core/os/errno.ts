/**
 * errno numbers as text, in the words Go (and so runc) prints them: the one
 * table of the project. The init stub's copy (csrc/errtext.c) is checked
 * against it by tests/unit/protocol_sync_test.ts.
 *
 * @module
 */

/** Go's syscall.Errno texts on Linux (zerrors_linux_amd64.go), by number. */
export const ERRNO_TEXT: Readonly<Record<number, string>> = {
  1: "operation not permitted",
  2: "no such file or directory",
  3: "no such process",
  4: "interrupted system call",
  5: "input/output error",
  6: "no such device or address",
  7: "argument list too long",
  8: "exec format error",
  9: "bad file descriptor",
  10: "no child processes",
  11: "resource temporarily unavailable",
  12: "cannot allocate memory",
  13: "permission denied",
  14: "bad address",
  15: "block device required",
  16: "device or resource busy",
  17: "file exists",
  18: "invalid cross-device link",
  19: "no such device",
  20: "not a directory",
  21: "is a directory",
  22: "invalid argument",
  23: "too many open files in system",
  24: "too many open files",
  25: "inappropriate ioctl for device",
  26: "text file busy",
  27: "file too large",
  28: "no space left on device",
  29: "illegal seek",
  30: "read-only file system",
  31: "too many links",
  32: "broken pipe",
  33: "numerical argument out of domain",
  34: "numerical result out of range",
  35: "resource deadlock avoided",
  36: "file name too long",
  37: "no locks available",
  38: "function not implemented",
  39: "directory not empty",
  40: "too many levels of symbolic links",
  42: "no message of desired type",
  43: "identifier removed",
  61: "no data available",
  62: "timer expired",
  71: "protocol error",
  74: "bad message",
  75: "value too large for defined data type",
  84: "invalid or incomplete multibyte or wide character",
  88: "socket operation on non-socket",
  90: "message too long",
  93: "protocol not supported",
  95: "operation not supported",
  97: "address family not supported by protocol",
  98: "address already in use",
  99: "cannot assign requested address",
  100: "network is down",
  101: "network is unreachable",
  103: "software caused connection abort",
  104: "connection reset by peer",
  105: "no buffer space available",
  106: "transport endpoint is already connected",
  107: "transport endpoint is not connected",
  110: "connection timed out",
  111: "connection refused",
  113: "no route to host",
  114: "operation already in progress",
  115: "operation now in progress",
  116: "stale NFS file handle",
  122: "disk quota exceeded",
  123: "no medium found",
  125: "operation canceled",
  126: "required key not available",
  127: "key has expired",
  128: "key has been revoked",
  129: "key was rejected by service",
  130: "owner died",
  131: "state not recoverable",
  132: "operation not possible due to RF-kill",
  133: "memory page has hardware error",
};

/** errno numbers by name, for the ones the runtime tests for. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EROFS: 30,
  EPIPE: 32,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  EPROTO: 71,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  ECANCELED: 125,
} as const;

/** Deno's error codes (`err.code`) by the number they stand for. */
const CODE_NUMBER: Readonly<Record<string, number>> = Errno;

/**
 * The text Go's syscall.Errno prints for an errno, which runc's messages use.
 *
 * @param code a positive errno
 * @returns e.g. `operation not permitted`
 */
export function errnoText(code: number): string {
  return ERRNO_TEXT[code] ?? `errno ${code}`;
}

/**
 * The errno of an error thrown by a Deno file-system call (`(os error 13)` in
 * its message, or its code, `EACCES`), or 0 when it carries none.
 */
export function osErrno(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  const os = /\(os error (\d+)\)/.exec(message);
  if (os !== null) return Number(os[1]);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? CODE_NUMBER[code] ?? 0 : 0;
}

/**
 * The strerror part of an error thrown by a Deno file-system call, as Go words
 * it: `no such file or directory`.
 *
 * @param err the error
 * @returns the text Go's syscall.Errno would print
 */
export function osErrorText(err: unknown): string {
  const n = osErrno(err);
  if (n !== 0) return errnoText(n);
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Deno.errors.NotFound) return errnoText(Errno.ENOENT);
  if (err instanceof Deno.errors.PermissionDenied) return errnoText(Errno.EACCES);
  if (err instanceof Deno.errors.NotADirectory) return errnoText(Errno.ENOTDIR);
  const head = message.replace(/:.*$/s, "");
  return head.charAt(0).toLowerCase() + head.slice(1);
}

/** Go's `os.PathError` text: `op path: strerror`. */
export function pathError(op: string, path: string, err: unknown): string {
  return `${op} ${path}: ${osErrorText(err)}`;
}

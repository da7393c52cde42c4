/**
 * errno numbers as text, in the words Go (and so runc) prints them.
 *
 * @module
 */

const MESSAGES: Record<number, string> = {
  1: "operation not permitted",
  2: "no such file or directory",
  3: "no such process",
  4: "interrupted system call",
  5: "input/output error",
  6: "no such device or address",
  7: "argument list too long",
  8: "exec format error",
  10: "no child processes",
  9: "bad file descriptor",
  11: "resource temporarily unavailable",
  12: "cannot allocate memory",
  13: "permission denied",
  16: "device or resource busy",
  17: "file exists",
  18: "invalid cross-device link",
  19: "no such device",
  20: "not a directory",
  21: "is a directory",
  22: "invalid argument",
  24: "too many open files",
  25: "inappropriate ioctl for device",
  26: "text file busy",
  28: "no space left on device",
  30: "read-only file system",
  32: "broken pipe",
  34: "numerical result out of range",
  36: "file name too long",
  38: "function not implemented",
  39: "directory not empty",
  40: "too many levels of symbolic links",
  71: "protocol error",
  95: "operation not supported",
  98: "address already in use",
  111: "connection refused",
  110: "connection timed out",
};

/**
 * The text Go's syscall.Errno prints for an errno, which runc's messages use.
 *
 * @param code a positive errno
 * @returns e.g. `operation not permitted`
 */
export function errnoText(code: number): string {
  return MESSAGES[code] ?? `errno ${code}`;
}

/*
 * errno texts in the words of Go's syscall.Errno, which runc's messages use.
 * The same table as core/os/errno.ts (tests/unit/protocol_sync_test.ts checks it).
 */
#include <stdio.h>

#include "report.h"

static const char *const texts[] = {
	[1] = "operation not permitted",
	[2] = "no such file or directory",
	[3] = "no such process",
	[4] = "interrupted system call",
	[5] = "input/output error",
	[6] = "no such device or address",
	[7] = "argument list too long",
	[8] = "exec format error",
	[9] = "bad file descriptor",
	[10] = "no child processes",
	[11] = "resource temporarily unavailable",
	[12] = "cannot allocate memory",
	[13] = "permission denied",
	[14] = "bad address",
	[15] = "block device required",
	[16] = "device or resource busy",
	[17] = "file exists",
	[18] = "invalid cross-device link",
	[19] = "no such device",
	[20] = "not a directory",
	[21] = "is a directory",
	[22] = "invalid argument",
	[23] = "too many open files in system",
	[24] = "too many open files",
	[25] = "inappropriate ioctl for device",
	[26] = "text file busy",
	[27] = "file too large",
	[28] = "no space left on device",
	[29] = "illegal seek",
	[30] = "read-only file system",
	[31] = "too many links",
	[32] = "broken pipe",
	[33] = "numerical argument out of domain",
	[34] = "numerical result out of range",
	[35] = "resource deadlock avoided",
	[36] = "file name too long",
	[37] = "no locks available",
	[38] = "function not implemented",
	[39] = "directory not empty",
	[40] = "too many levels of symbolic links",
	[42] = "no message of desired type",
	[43] = "identifier removed",
	[61] = "no data available",
	[62] = "timer expired",
	[71] = "protocol error",
	[74] = "bad message",
	[75] = "value too large for defined data type",
	[84] = "invalid or incomplete multibyte or wide character",
	[88] = "socket operation on non-socket",
	[90] = "message too long",
	[93] = "protocol not supported",
	[95] = "operation not supported",
	[97] = "address family not supported by protocol",
	[98] = "address already in use",
	[99] = "cannot assign requested address",
	[100] = "network is down",
	[101] = "network is unreachable",
	[103] = "software caused connection abort",
	[104] = "connection reset by peer",
	[105] = "no buffer space available",
	[106] = "transport endpoint is already connected",
	[107] = "transport endpoint is not connected",
	[110] = "connection timed out",
	[111] = "connection refused",
	[113] = "no route to host",
	[114] = "operation already in progress",
	[115] = "operation now in progress",
	[116] = "stale NFS file handle",
	[122] = "disk quota exceeded",
	[123] = "no medium found",
	[125] = "operation canceled",
	[126] = "required key not available",
	[127] = "key has expired",
	[128] = "key has been revoked",
	[129] = "key was rejected by service",
	[130] = "owner died",
	[131] = "state not recoverable",
	[132] = "operation not possible due to RF-kill",
	[133] = "memory page has hardware error",
};

const char *go_strerror(int err)
{
	static char unknown[32];
	if (err > 0 && (size_t)err < sizeof(texts) / sizeof(texts[0]) && texts[err])
		return texts[err];
	snprintf(unknown, sizeof(unknown), "errno %d", err);
	return unknown;
}

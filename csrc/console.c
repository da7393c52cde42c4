/*
 * The container's terminal (OP_CONSOLE) and the ownership of its stdio
 * (OP_FIX_STDIO), as runc sets them up.
 *
 * The pty is opened through the container's own /dev/ptmx after pivot_root,
 * and its slave is taken from the master with TIOCGPTPEER, never by resolving
 * /dev/pts/N by name (CVE-2025-52565). The master goes to the CLI over the
 * sync socket; the slave becomes stdio, the controlling terminal and, for the
 * container's init, /dev/console.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "mount.h"
#include "report.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* num0: mount the slave on /dev/console; num1 rows, num2 columns (0: leave). */
int op_console(struct program *prog, const struct op *op, int index)
{
	int master = -1, slave = -1, ret = 0;
	struct stat st;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return fail(prog, errno, "open /dev/ptmx");
	if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5) {
		ret = fail(prog, EPERM, "/dev/ptmx is not a pty multiplexer");
		goto out;
	}
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0) {
		ret = fail(prog, errno, "unlock pty");
		goto out;
	}
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		ret = fail(prog, errno, "open the pty's slave (TIOCGPTPEER)");
		goto out;
	}
	if (op->hdr.num[1] > 0 && op->hdr.num[2] > 0) {
		struct winsize ws = { .ws_row = (unsigned short)op->hdr.num[1],
				      .ws_col = (unsigned short)op->hdr.num[2] };
		if (ioctl(master, TIOCSWINSZ, &ws) < 0) {
			ret = fail(prog, errno, "set the terminal size");
			goto out;
		}
	}
	/* As runc: the container's "\n" reaches the caller as "\n", not "\r\n". */
	struct termios t;
	if (tcgetattr(master, &t) == 0) {
		t.c_oflag &= ~(tcflag_t)ONLCR;
		tcsetattr(master, TCSANOW, &t);
	}
	if (op->hdr.num[0]) {
		ret = mount_console(prog, slave);
		if (ret < 0)
			goto out;
	}
	ret = send_record_fd(prog, REC_CONSOLE, index, master);
	if (ret < 0) {
		ret = fail(prog, -ret, "send the console to runc");
		goto out;
	}
	for (int fd = 0; fd < 3; fd++) {
		if (dup3(slave, fd, 0) < 0) {
			ret = fail(prog, errno, "make the terminal fd %d", fd);
			goto out;
		}
	}
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		ret = fail(prog, errno, "make the terminal the controlling terminal");
out:
	if (slave >= 0)
		close(slave);
	if (master >= 0)
		close(master);
	return ret;
}

/* runc's fixStdioPermissions: stdio not owned by the process's user is given to
 * it (so it can reopen /proc/self/fd/N), except /dev/null. num0: uid. */
int op_fix_stdio(struct program *prog, const struct op *op, int index)
{
	(void)index;
	uid_t uid = (uid_t)op->hdr.num[0];
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			return fail(prog, errno, "stat fd %d", fd);
		}
		if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
			continue;
		if (st.st_uid == uid)
			continue;
		/* Not ours to give (EPERM, EINVAL: an unmapped id) or on a read-only
		 * file system (EROFS): the process then keeps the stdio it has. */
		if (fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM &&
		    errno != EROFS)
			return fail(prog, errno, "chown fd %d to %u", fd, uid);
	}
	return 0;
}

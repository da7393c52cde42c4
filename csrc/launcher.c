/*
 * runc, as installed (make install) or unpacked (make dist): a static
 * launcher that runs the bundled CLI with the Deno beside it,
 *
 *   PREFIX/sbin/runc  ->  PREFIX/lib/runc/deno run ... PREFIX/lib/runc/runc.js ARGS
 *
 * found from its own path (/proc/self/exe), so the tree moves as a whole and
 * needs nothing of the work tree it was built in. One execve, nothing else:
 * the caller's environment, fds and signal dispositions go on to Deno as
 * they came.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *self = realpath("/proc/self/exe", NULL);
	if (!self) {
		fprintf(stderr, "runc: find the launcher's own path: %s\n", strerror(errno));
		return 127;
	}
	/* PREFIX/sbin/runc: cut "/runc", then "/sbin". */
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(self, '/');
		if (!slash) {
			fprintf(stderr, "runc: unexpected launcher path %s\n", self);
			return 127;
		}
		*slash = '\0';
	}
	char *deno = NULL, *js = NULL;
	if (asprintf(&deno, "%s/lib/runc/deno", self) < 0 || asprintf(&js, "%s/lib/runc/runc.js", self) < 0) {
		fprintf(stderr, "runc: out of memory\n");
		return 127;
	}
	const char *head[] = { deno, "run", "-A", "--no-config", "--no-lock", "--ext=js", js };
	size_t nhead = sizeof(head) / sizeof(head[0]);
	char **args = calloc(nhead + (size_t)argc, sizeof(char *));
	if (!args) {
		fprintf(stderr, "runc: out of memory\n");
		return 127;
	}
	for (size_t i = 0; i < nhead; i++)
		args[i] = (char *)head[i];
	for (int i = 1; i < argc; i++)
		args[nhead + (size_t)i - 1] = argv[i];
	execv(deno, args);
	fprintf(stderr, "runc: exec %s: %s\n", deno, strerror(errno));
	return 127;
}

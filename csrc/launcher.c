/*
 * How runc starts the bundled CLI with the pinned Deno: one execve, nothing
 * else, so the caller's environment, fds and signal dispositions go on to
 * Deno as they came. Built twice from this file:
 *
 *   PREFIX/sbin/runc (make install, make dist), found from its own path
 *   (/proc/self/exe), so the tree moves as a whole:
 *     PREFIX/sbin/runc ARGS  ->  PREFIX/lib/runc/deno run ... PREFIX/lib/runc/runc.js ARGS
 *
 *   build/csrc/ARCH/runc-interp (-DINTERPRETER), the interpreter on build/runc's
 *   #! line, which names the Deno after it; the kernel runs
 *     runc-interp DENO build/runc ARGS  ->  DENO run ... build/runc ARGS
 *   (a static program starts in about a third of the time /bin/sh takes).
 *
 * Either way, a command with a bundle of its own beside the whole one,
 * runc-CMD.js, runs from it: with V8's eager compilation for the Makefile's
 * OWN_EAGER_COMMANDS, lazily for its OWN_LAZY_COMMANDS (V8 throws away a
 * code cache made under other flags, so each file keeps its own).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The global flags that take a value (urfave/cli: also as -flag, or flag=value in one word). */
static int takes_value(const char *a)
{
	static const char *const flags[] = { "root", "log", "log-format", "criu", "rootless" };
	if (*a == '-')
		a++;
	if (*a == '-')
		a++;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcmp(a, flags[i]))
			return 1;
	return 0;
}

static int asks_help_or_version(const char *a)
{
	static const char *const flags[] = { "h", "help", "v", "version" };
	if (*a == '-')
		a++;
	if (*a == '-')
		a++;
	size_t n = strcspn(a, "=");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i]) == n && !strncmp(a, flags[i], n))
			return 1;
	return 0;
}

#ifndef OWN_EAGER_COMMANDS
#define OWN_EAGER_COMMANDS ""
#endif
#ifndef OWN_LAZY_COMMANDS
#define OWN_LAZY_COMMANDS ""
#endif

/* Whether word is one of the space-separated words of list. */
static int in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *w = list; *w;) {
		size_t m = strcspn(w, " ");
		if (m == n && !strncmp(w, word, n))
			return 1;
		w += m;
		w += strspn(w, " ");
	}
	return 0;
}

/*
 * The command line's command when it has a bundle of its own, else NULL, and
 * whether that one is compiled eagerly.
 */
static const char *own_bundle_command(int argc, char **argv, int *eager)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-') {
			if (asks_help_or_version(a))
				return NULL;
			if (takes_value(a))
				i++;
			continue;
		}
		*eager = in_list(OWN_EAGER_COMMANDS, a);
		return *eager || in_list(OWN_LAZY_COMMANDS, a) ? a : NULL;
	}
	return NULL;
}

/* The Deno and the whole bundle; argv and argc shifted past what is not runc's own arguments. */
static int locate(int *argc, char ***argv, char **deno, char **js, char **base)
{
#ifdef INTERPRETER
	/* runc-interp DENO SCRIPT ARGS..., from the kernel's #! handling. */
	if (*argc < 3) {
		fprintf(stderr, "runc-interp: usage: runc-interp DENO SCRIPT [ARG...] (the #! line of build/runc)\n");
		return -1;
	}
	*deno = (*argv)[1];
	*js = (*argv)[2];
	*base = (*argv)[2]; /* its own bundles are SCRIPT-CMD.js */
	*argc -= 2;
	*argv += 2;
	return 0;
#else
	(void)argc; /* runc's arguments from argv[1] on, as they came */
	(void)argv;
	char *self = realpath("/proc/self/exe", NULL);
	if (!self) {
		fprintf(stderr, "runc: find the launcher's own path: %s\n", strerror(errno));
		return -1;
	}
	/* PREFIX/sbin/runc: cut "/runc", then "/sbin". */
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(self, '/');
		if (!slash) {
			fprintf(stderr, "runc: unexpected launcher path %s\n", self);
			return -1;
		}
		*slash = '\0';
	}
	if (asprintf(deno, "%s/lib/runc/deno", self) < 0 || asprintf(js, "%s/lib/runc/runc.js", self) < 0 ||
	    asprintf(base, "%s/lib/runc/runc", self) < 0) {
		fprintf(stderr, "runc: out of memory\n");
		return -1;
	}
	return 0;
#endif
}

int main(int argc, char **argv)
{
	char *deno = NULL, *js = NULL, *base = NULL, *own_js = NULL;
	if (locate(&argc, &argv, &deno, &js, &base) < 0)
		return 127;
	/* From here on argv[0] is the program's name and argv[1..] runc's arguments. */
	int own_eager = 0;
	const char *own = own_bundle_command(argc, argv, &own_eager);
	if (own && asprintf(&own_js, "%s-%s.js", base, own) < 0) {
		fprintf(stderr, "runc: out of memory\n");
		return 127;
	}
	const char *head[] = { deno, "run", "-A", "--no-config", "--no-lock", "--ext=js", js, NULL };
	size_t nhead = 7;
	if (own_js && access(own_js, R_OK) == 0) {
		if (own_eager) {
			head[5] = "--v8-flags=--no-lazy";
			head[6] = "--ext=js";
			head[7] = own_js;
			nhead = 8;
		} else {
			head[6] = own_js;
		}
	}
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

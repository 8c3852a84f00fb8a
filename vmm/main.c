// SPDX-License-Identifier: GPL-2.0
/* mirrorvm: the command-line entry point. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: mirrorvm COMMAND [ARGS...]\n"
		   "\n"
		   "commands:\n"
		   "  version    print the version\n"
		   "  help       this text\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("mirrorvm %s\n", MIRRORVM_VERSION);
		return 0;
	}
	fprintf(stderr, "mirrorvm: unknown command '%s' (see mirrorvm --help)\n", argv[1]);
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/* Finding the bundled test guests. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guests.h"

#ifndef MIRRORVM_GUEST_DIR
#define MIRRORVM_GUEST_DIR ""
#endif

/*
 * guest/ next to the executable (the build tree: build/mirrorvm and build/guest), else where
 * `meson install` puts them (-Dguest_dir, compiled in: /usr/lib/mirrorvm/guests in the package).
 */
static int guests_dir(char *dir, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n >= 0) {
		exe[n] = '\0';
		snprintf(dir, size, "%s/guest", dirname(exe));
		if (!access(dir, R_OK | X_OK))
			return 0;
	}
	if (MIRRORVM_GUEST_DIR[0] && !access(MIRRORVM_GUEST_DIR, R_OK | X_OK)) {
		snprintf(dir, size, "%s", MIRRORVM_GUEST_DIR);
		return 0;
	}
	return -ENOENT;
}

static bool guests_name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		      *c == '_'))
			return false;
	return true;
}

int guests_resolve(const char *arg, char *path, size_t size, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	if (strchr(arg, '/') || !guests_name_ok(arg) || !access(arg, F_OK)) {
		snprintf(path, size, "%s", arg);
		return 0;
	}
	if (!guests_dir(dir, sizeof(dir))) {
		snprintf(path, size, "%s/%s.elf", dir, arg);
		if (!access(path, R_OK))
			return 0;
	}
	snprintf(err, errlen,
		 "'%s' is neither a file nor a bundled guest (mirrorvm guests lists "
		 "them)",
		 arg);
	return -ENOENT;
}

static int guests_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int guests_list(void)
{
	char dir[PATH_MAX], *names[256];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (guests_dir(dir, sizeof(dir)) || !(d = opendir(dir)))
		return 0;
	while ((de = readdir(d)) && n < 256) {
		size_t len = strlen(de->d_name);

		if (len > 4 && !strcmp(de->d_name + len - 4, ".elf"))
			names[n++] = strndup(de->d_name, len - 4);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), guests_cmp);
	for (int i = 0; i < n; i++) {
		if (names[i])
			printf("%s\n", names[i]);
		free(names[i]);
	}
	return n;
}

// SPDX-License-Identifier: GPL-2.0
/* The `mirrorvm run` options for Linux guests, parsed into struct vm_config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../cli/vm_config.h"

static const char *const linux_value_opts[] = {
	"--kernel", "--initrd", "--cmdline", "--disk", "--balloon-steps", "--console", "--cpuid",
};

/* The value of --opt=VALUE or --opt VALUE; NULL if this is not --opt. */
static const char *value(const char *name, int argc, char **argv, int *i)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int opt_fail(char *err, size_t errlen, const char *msg, const char *arg)
{
	snprintf(err, errlen, "%s%s", msg, arg);
	return -EINVAL;
}

int linux_config_opt(struct vm_config *cfg, int argc, char **argv, int *i, char *err, size_t errlen)
{
	const char *a = argv[*i], *v = NULL;
	unsigned int k;

	if (!strcmp(a, "--pvh")) {
		cfg->pvh = true;
		return 1;
	}
	if (!strcmp(a, "--balloon") || !strcmp(a, "--balloon=report")) {
		cfg->balloon = true;
		cfg->balloon_report = a[9] == '=';
		return 1;
	}
	for (k = 0; k < sizeof(linux_value_opts) / sizeof(linux_value_opts[0]); k++) {
		size_t n = strlen(linux_value_opts[k]);

		if (!strncmp(a, linux_value_opts[k], n) && (a[n] == 0 || a[n] == '='))
			break;
	}
	if (k == sizeof(linux_value_opts) / sizeof(linux_value_opts[0]))
		return 0;
	v = value(linux_value_opts[k], argc, argv, i);
	if (!v || !*v)
		return opt_fail(err, errlen, "a value is needed after ", a);
	switch (k) {
	case 0:
		cfg->kernel = v;
		break;
	case 1:
		cfg->initrd = v;
		break;
	case 2:
		cfg->cmdline = v;
		break;
	case 3:
		if (cfg->nr_disks == VM_MAX_DISKS)
			return opt_fail(err, errlen, "too many --disk options at ", v);
		cfg->disk[cfg->nr_disks++] = v;
		break;
	case 4:
		cfg->balloon_steps = v;
		break;
	case 5:
		if (strcmp(v, "serial") && strcmp(v, "virtio"))
			return opt_fail(err, errlen, "--console takes serial or virtio, not ", v);
		cfg->virtio_console = !strcmp(v, "virtio");
		break;
	case 6:
		if (strcmp(v, "host") && strcmp(v, "default"))
			return opt_fail(err, errlen, "--cpuid takes host or default, not ", v);
		cfg->cpuid_host = !strcmp(v, "host");
		break;
	}
	return 1;
}

// SPDX-License-Identifier: GPL-2.0
/* The command line of `mirrorvm run`, parsed into a struct vm_config. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_abi.h"
#include "vm_config.h"

int vm_parse_size(const char *s, uint64_t *out)
{
	unsigned int shift = 0;
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -EINVAL;
	if (shift && v > (~0ULL >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_cpus(struct vm_config *cfg, const char *s, char *err, size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > GUEST_MAX_CPUS)
		return fail(err, errlen, "--cpus: '%s' is not a CPU count from 1 to %d", s,
			    GUEST_MAX_CPUS);
	cfg->nr_cpus = n;
	return 0;
}

static int parse_mem(struct vm_config *cfg, const char *s, char *err, size_t errlen)
{
	uint64_t v;

	if (vm_parse_size(s, &v))
		return fail(err, errlen, "--mem: '%s' is not a size (like 512M or 2G)", s);
	if (v < GUEST_MIN_RAM)
		return fail(err, errlen, "--mem: %s is too small (the least is %luM)", s,
			    GUEST_MIN_RAM >> 20);
	if (v % GUEST_PAGE_SIZE)
		return fail(err, errlen, "--mem: %s is not a whole number of 4 KiB pages", s);
	cfg->mem_size = v;
	return 0;
}

static int parse_param(struct vm_config *cfg, const char *s, char *err, size_t errlen)
{
	const char *eq = strchr(s, '=');
	char *key = cfg->param_key[cfg->nr_params];
	size_t n;

	if (!eq || eq == s)
		return fail(err, errlen, "--param: '%s' is not KEY=VALUE", s);
	if (cfg->nr_params == VM_MAX_PARAMS)
		return fail(err, errlen, "--param: at most %d parameters", VM_MAX_PARAMS);
	n = eq - s;
	if (n >= VM_PARAM_KEY_MAX)
		return fail(err, errlen, "--param: key '%.*s' is longer than %d characters", (int)n,
			    s, VM_PARAM_KEY_MAX - 1);
	for (const char *k = s; k < eq; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_' || *k == '-' || *k == '.'))
			return fail(err, errlen,
				    "--param: key '%.*s' may hold only letters, "
				    "digits, '_', '-' and '.'",
				    (int)n, s);
	memcpy(key, s, n);
	key[n] = '\0';
	for (unsigned int i = 0; i < cfg->nr_params; i++)
		if (!strcmp(cfg->param[i].key, key))
			return fail(err, errlen, "--param: '%s' given twice", key);
	cfg->param[cfg->nr_params].key = key;
	cfg->param[cfg->nr_params].value = eq + 1;
	cfg->nr_params++;
	return 0;
}

/* An option's value, from "--opt=VALUE" or the next argument. */
static char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

/* The debugging options (control socket, trace): 1 when argv[*i] was one, 0 if not, or -errno. */
static int parse_debug(struct vm_config *cfg, int argc, char **argv, int *i, char *err,
		       size_t errlen)
{
	const char *a = argv[*i];
	char *v;

	if (!strcmp(a, "--no-control")) {
		cfg->no_control = true;
		return 1;
	}
	if (!is_opt(a, "--control") && !is_opt(a, "--trace"))
		return 0;
	v = opt_value(argc, argv, i, is_opt(a, "--control") ? "--control" : "--trace");
	if (!v || !*v)
		return fail(err, errlen, "%s needs a path", a);
	if (is_opt(a, "--control"))
		cfg->control = v;
	else
		cfg->trace = v;
	return 1;
}

static int parse_one(struct vm_config *cfg, int argc, char **argv, int *i, char *err,
		     size_t errlen)
{
	const char *a = argv[*i];
	int ret = parse_debug(cfg, argc, argv, i, err, errlen);
	char *v;

	if (!ret)
		ret = linux_config_opt(cfg, argc, argv, i, err, errlen);
	if (ret)
		return ret < 0 ? ret : 0;
	if (!strcmp(a, "--thp") || !strcmp(a, "--no-thp")) {
		cfg->thp = a[2] == 't';
		return 0;
	}
	if (!strcmp(a, "--no-mirror") || !strcmp(a, "--stats")) {
		if (a[2] == 'n')
			cfg->mirror = false;
		else
			cfg->stats = true;
		return 0;
	}
	if (!is_opt(a, "--mem") && !is_opt(a, "--cpus") && !is_opt(a, "--param"))
		return fail(err, errlen, "unknown option '%s' (see mirrorvm run --help)", a);
	v = opt_value(argc, argv, i,
		      is_opt(a, "--mem")    ? "--mem"
		      : is_opt(a, "--cpus") ? "--cpus"
					    : "--param");
	if (!v)
		return fail(err, errlen, "%s needs a value", a);
	if (is_opt(a, "--mem"))
		return parse_mem(cfg, v, err, errlen);
	if (is_opt(a, "--cpus"))
		return parse_cpus(cfg, v, err, errlen);
	return parse_param(cfg, v, err, errlen);
}

int vm_config_parse(struct vm_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	int i, ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = VM_DEFAULT_MEM;
	cfg->nr_cpus = VM_DEFAULT_CPUS;
	cfg->thp = true;
	cfg->mirror = true;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || !argv[i][1])
			break;
		ret = parse_one(cfg, argc, argv, &i, err, errlen);
		if (ret)
			return ret;
	}
	if (cfg->kernel) {
		if (i < argc)
			return fail(err, errlen, "--kernel and a guest '%s' both given", argv[i]);
		return 0;
	}
	if (cfg->initrd || cfg->cmdline || cfg->nr_disks || cfg->balloon || cfg->pvh ||
	    cfg->virtio_console)
		return fail(err, errlen,
			    "--initrd, --cmdline, --disk, --balloon, --console and --pvh "
			    "need --kernel");
	if (i >= argc)
		return fail(err, errlen,
			    "no guest given (a path to an ELF image, or a name "
			    "from mirrorvm guests)");
	if (i + 1 < argc)
		return fail(err, errlen, "unexpected argument '%s' after the guest", argv[i + 1]);
	cfg->guest = argv[i];
	return 0;
}

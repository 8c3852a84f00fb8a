// SPDX-License-Identifier: GPL-2.0
/* Size parsing and the `mirrorvm run` command line: accepted forms and every refusal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest_abi.h"
#include "tap.h"
#include "../../vmm/cli/vm_config.h"

static const struct {
	const char *s;
	int ret;
	uint64_t v;
} sizes[] = {
	{ "4096", 0, 4096 },
	{ "64k", 0, 64 << 10 },
	{ "512M", 0, 512ULL << 20 },
	{ "2G", 0, 2ULL << 30 },
	{ "2GiB", 0, 2ULL << 30 },
	{ "1T", 0, 1ULL << 40 },
	{ "", -EINVAL, 0 },
	{ "M", -EINVAL, 0 },
	{ "-1G", -EINVAL, 0 },
	{ "12Q", -EINVAL, 0 },
	{ "1Gx", -EINVAL, 0 },
	{ "99999999999999999999", -ERANGE, 0 },
	{ "99999999999T", -ERANGE, 0 },
};

/* Each refused command line and a word its message must contain. */
static const struct {
	const char *argv[6];
	const char *msg;
} bad[] = {
	{ { "run", "--mem", "0", "hello" }, "too small" },
	{ { "run", "--mem", "1000", "hello" }, "too small" },
	{ { "run", "--mem", "5000001k", "hello" }, "4 KiB pages" },
	{ { "run", "--mem", "lots", "hello" }, "not a size" },
	{ { "run", "--cpus", "0", "hello" }, "--cpus" },
	{ { "run", "--cpus", "10000", "hello" }, "from 1 to" },
	{ { "run", "--cpus", "2x", "hello" }, "--cpus" },
	{ { "run", "--frobnicate", "hello" }, "unknown option" },
	{ { "run", "--mem" }, "needs a value" },
	{ { "run" }, "no guest" },
	{ { "run", "--thp" }, "no guest" },
	{ { "run", "hello", "extra" }, "unexpected argument" },
	{ { "run", "--param", "novalue", "hello" }, "KEY=VALUE" },
	{ { "run", "--param", "=v", "hello" }, "KEY=VALUE" },
	{ { "run", "--param", "a/b=v", "hello" }, "letters" },
	{ { "run", "--param", "a=1", "--param", "a=2" }, "twice" },
	{ { "run", "--kernel", "bz", "--console", "hvc" }, "serial or virtio" },
	{ { "run", "--console", "virtio", "hello" }, "need --kernel" },
};

static int argc_of(const char *const *argv)
{
	int n = 0;

	while (n < 6 && argv[n])
		n++;
	return n;
}

static void test_good(void)
{
	char *argv[] = { "run",	    "--mem=64M", "--cpus", "4",		 "--no-thp",  "--no-mirror",
			 "--stats", "--param",	 "a=b=c",  "--param=x=", "guest.elf", NULL };
	struct vm_config cfg;
	char err[256] = "";

	is_int(vm_config_parse(&cfg, 11, argv, err, sizeof(err)), 0, "full command line parses");
	is_int(cfg.mem_size, 64 << 20, "--mem=64M");
	is_int(cfg.nr_cpus, 4, "--cpus 4");
	ok(!cfg.thp && !cfg.mirror && cfg.stats, "--no-thp --no-mirror --stats");
	is_int(cfg.nr_params, 2, "two params");
	ok(!strcmp(cfg.param[0].key, "a") && !strcmp(cfg.param[0].value, "b=c"),
	   "a param's value may hold '='");
	ok(!strcmp(cfg.param[1].key, "x") && !strcmp(cfg.param[1].value, ""),
	   "a param's value may be empty");
	ok(cfg.guest && !strcmp(cfg.guest, "guest.elf"), "the guest is the last argument");
}

static void test_defaults(void)
{
	char *argv[] = { "run", "hello", NULL };
	struct vm_config cfg;
	char err[256];

	is_int(vm_config_parse(&cfg, 2, argv, err, sizeof(err)), 0, "bare guest parses");
	ok(cfg.mem_size == VM_DEFAULT_MEM && cfg.nr_cpus == 1 && cfg.thp && cfg.mirror &&
		   !cfg.stats,
	   "defaults: 256M, 1 vCPU, THP on, mirror on");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t v = 0;
		int ret = vm_parse_size(sizes[i].s, &v);

		ok(ret == sizes[i].ret && (ret || v == sizes[i].v), "size '%s' -> %d %llu",
		   sizes[i].s, sizes[i].ret, (unsigned long long)sizes[i].v);
	}
	test_good();
	test_defaults();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[7] = { 0 };
		struct vm_config cfg;
		char err[256] = "";
		int argc = argc_of(bad[i].argv), ret;

		for (int j = 0; j < argc; j++)
			argv[j] = strdup(bad[i].argv[j]);
		ret = vm_config_parse(&cfg, argc, argv, err, sizeof(err));
		ok(ret == -EINVAL && strstr(err, bad[i].msg), "refused: %s %s %s (%s)",
		   argv[1] ? argv[1] : "", argv[2] ? argv[2] : "", argv[3] ? argv[3] : "", err);
		for (int j = 0; j < argc; j++)
			free(argv[j]);
	}
	return tap_done();
}

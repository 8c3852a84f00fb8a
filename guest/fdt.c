// SPDX-License-Identifier: GPL-2.0
/*
 * Checks the device tree against what mirrorvm was asked for, passed along as parameters:
 * expect-mem (a size) and expect-cpus; prints every parameter so the caller can compare them.
 */
#include "guest.h"

static void fdt_print_param(void *arg, const char *name, const void *val, uint32_t len)
{
	const char *s = val;

	if (len && s[len - 1] == '\0')
		printf("param %s = %s\n", name, s);
	else
		printf("param %s is not a string\n", name);
}

static void fdt_count_cpu(void *arg, const char *name, int child)
{
	if (!strncmp(name, "cpu@", 4))
		(*(unsigned int *)arg)++;
}

static uint64_t fdt_mem_total(const void *fdt)
{
	const uint8_t *reg;
	uint64_t total = 0;
	uint32_t len;

	reg = fdt_prop(fdt, fdt_node(fdt, "/memory"), "reg", &len);
	for (uint32_t i = 0; reg && i + 16 <= len; i += 16)
		total += fdt64(reg + i + 8);
	return total;
}

static bool fdt_has_ioport(const void *fdt, const char *path, uint32_t port)
{
	const uint8_t *reg = fdt_prop(fdt, fdt_node(fdt, path), "reg", NULL);

	return reg && fdt32(reg) == port;
}

int guest_main(const struct guest_info *gi)
{
	const void *fdt = gi->fdt;
	int params = fdt_node(fdt, "/params");
	const char *want_mem = fdt_prop(fdt, params, "expect-mem", NULL);
	const char *want_cpus = fdt_prop(fdt, params, "expect-cpus", NULL);
	unsigned int cpus = 0;
	uint64_t mem = fdt_mem_total(fdt);
	bool ok = true;

	if (!report(params >= 0, "the device tree has /params"))
		return 1;
	fdt_children(fdt, fdt_node(fdt, "/cpus"), fdt_count_cpu, &cpus);
	printf("fdt: %lu MiB of memory, %u cpu nodes, %u vCPUs started\n", mem >> 20, cpus,
	       gi->nr_cpus);
	ok &= report(cpus == gi->nr_cpus, "cpu nodes match the vCPU count");
	ok &= report(!want_mem || mem == parse_size(want_mem), "memory size is expect-mem");
	ok &= report(!want_cpus || cpus == parse_size(want_cpus), "cpu count is expect-cpus");
	ok &= report(fdt_has_ioport(fdt, "/ioports/serial", GUEST_COM1_PORT),
		     "serial port listed");
	ok &= report(fdt_has_ioport(fdt, "/ioports/testdev", GUEST_TESTDEV_PORT),
		     "test device listed");
	fdt_props(fdt, params, fdt_print_param, NULL);
	return ok ? 0 : 1;
}

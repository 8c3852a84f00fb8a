// SPDX-License-Identifier: GPL-2.0
/* The device-tree builder: parse back with libfdt what was built. */
#include <endian.h>
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "../../vmm/boot/fdt_build.h"
#include "guest_abi.h"
#include "tap.h"

int main(void)
{
	static char buf[16384];
	struct vm_param params[] = { { "expect-mem", "64M" }, { "greeting", "hello world" } };
	struct fdt_ioport io[] = { { "serial", "ns16550a", 0x3f8, 8 },
				   { "testdev", "mirrorvm,testdev", 0x500, 16 } };
	struct guest_mem gm;
	struct fdt_info info = { .gm = &gm,
				 .nr_cpus = 3,
				 .param = params,
				 .nr_params = 2,
				 .ioport = io,
				 .nr_ioports = 2 };
	const fdt64_t *reg;
	const fdt32_t *r32;
	int node, len, cpus = 0;

	gmem_layout(&gm, HVA(0x7f0000000000), 5ULL << 30);
	is_int(fdt_build(buf, sizeof(buf), &info), 0, "built");
	is_int(fdt_check_header(buf), 0, "libfdt accepts the header");
	node = fdt_path_offset(buf, "/memory@0");
	reg = fdt_getprop(buf, node, "reg", &len);
	ok(reg && len == 32 && fdt64_to_cpu(reg[0]) == 0 &&
		   fdt64_to_cpu(reg[1]) == GUEST_HOLE_START &&
		   fdt64_to_cpu(reg[2]) == GUEST_HOLE_END &&
		   fdt64_to_cpu(reg[3]) == (5ULL << 30) - GUEST_HOLE_START,
	   "memory: both RAM regions, split around the hole");
	ok(!strcmp(fdt_getprop(buf, node, "device_type", NULL), "memory"), "memory device_type");
	node = fdt_path_offset(buf, "/cpus");
	for (int c = fdt_first_subnode(buf, node); c >= 0; c = fdt_next_subnode(buf, c)) {
		r32 = fdt_getprop(buf, c, "reg", NULL);
		cpus += r32 && fdt32_to_cpu(*r32) == (uint32_t)cpus;
	}
	is_int(cpus, 3, "three cpu nodes, numbered in order");
	node = fdt_path_offset(buf, "/ioports/testdev@500");
	r32 = fdt_getprop(buf, node, "reg", &len);
	ok(r32 && len == 8 && fdt32_to_cpu(r32[0]) == 0x500 && fdt32_to_cpu(r32[1]) == 16,
	   "test device at its ports");
	ok(!fdt_node_check_compatible(buf, fdt_path_offset(buf, "/ioports/serial@3f8"), "ns16550a"),
	   "serial node compatible");
	node = fdt_path_offset(buf, "/params");
	ok(!strcmp(fdt_getprop(buf, node, "greeting", NULL), "hello world") &&
		   !strcmp(fdt_getprop(buf, node, "expect-mem", NULL), "64M"),
	   "params as strings");
	is_int(fdt_build(buf, 200, &info), -ENOSPC, "too small a buffer: -ENOSPC");
	return tap_done();
}

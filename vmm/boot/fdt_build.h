/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flattened device tree handed to test guests:
 *
 *   / { compatible = "mirrorvm,test-guest"; #address-cells = <2>; #size-cells = <2>;
 *       memory@0 { device_type = "memory"; reg = <RAM regions, 64-bit address and size>; };
 *       cpus { #address-cells = <1>; #size-cells = <0>; cpu@N { device_type = "cpu"; reg = <N>; } };
 *       ioports { #address-cells = <1>; #size-cells = <1>;
 *                 NAME@PORT { compatible = "..."; reg = <PORT COUNT>; }; };
 *       params { KEY = "VALUE"; ... };   the --param pairs, as strings
 *   }
 */
#ifndef MIRRORVM_FDT_BUILD_H
#define MIRRORVM_FDT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "../guest_mem.h"
#include "../cli/vm_config.h"

struct fdt_ioport {
	const char *name;
	const char *compatible;
	uint16_t base;
	uint16_t count;
};

struct fdt_info {
	const struct guest_mem *gm;
	unsigned int nr_cpus;
	const struct vm_param *param;
	unsigned int nr_params;
	const struct fdt_ioport *ioport;
	unsigned int nr_ioports;
};

/* Builds the tree into buf: 0, or -ENOSPC / -EINVAL (a libfdt error). */
int fdt_build(void *buf, size_t size, const struct fdt_info *info);

#endif

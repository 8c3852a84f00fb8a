// SPDX-License-Identifier: GPL-2.0
/* Builds the test guests' device tree with libfdt's sequential-write interface. */
#include <endian.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>

#include "fdt_build.h"

#define FDT_TRY(expr)                                                                              \
	do {                                                                                       \
		int fdt_err_ = (expr);                                                             \
		if (fdt_err_)                                                                      \
			return fdt_err_ == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;                   \
	} while (0)

static int fdt_build_memory(void *fdt, const struct guest_mem *gm)
{
	uint64_t reg[2 * GMEM_MAX_REGIONS];

	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		reg[2 * i] = htobe64(gm->region[i].gpa.v);
		reg[2 * i + 1] = htobe64(gm->region[i].size);
	}
	FDT_TRY(fdt_begin_node(fdt, "memory@0"));
	FDT_TRY(fdt_property_string(fdt, "device_type", "memory"));
	FDT_TRY(fdt_property(fdt, "reg", reg, gm->nr_regions * 2 * sizeof(reg[0])));
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

static int fdt_build_cpus(void *fdt, unsigned int nr_cpus)
{
	char name[32];

	FDT_TRY(fdt_begin_node(fdt, "cpus"));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 1));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned int i = 0; i < nr_cpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		FDT_TRY(fdt_begin_node(fdt, name));
		FDT_TRY(fdt_property_string(fdt, "device_type", "cpu"));
		FDT_TRY(fdt_property_u32(fdt, "reg", i));
		FDT_TRY(fdt_end_node(fdt));
	}
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

static int fdt_build_ioports(void *fdt, const struct fdt_info *info)
{
	char name[64];

	FDT_TRY(fdt_begin_node(fdt, "ioports"));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 1));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 1));
	for (unsigned int i = 0; i < info->nr_ioports; i++) {
		const struct fdt_ioport *d = &info->ioport[i];
		uint32_t reg[2] = { htobe32(d->base), htobe32(d->count) };

		snprintf(name, sizeof(name), "%s@%x", d->name, d->base);
		FDT_TRY(fdt_begin_node(fdt, name));
		FDT_TRY(fdt_property_string(fdt, "compatible", d->compatible));
		FDT_TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
		FDT_TRY(fdt_end_node(fdt));
	}
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

static int fdt_build_params(void *fdt, const struct fdt_info *info)
{
	FDT_TRY(fdt_begin_node(fdt, "params"));
	for (unsigned int i = 0; i < info->nr_params; i++)
		FDT_TRY(fdt_property_string(fdt, info->param[i].key, info->param[i].value));
	FDT_TRY(fdt_end_node(fdt));
	return 0;
}

int fdt_build(void *buf, size_t size, const struct fdt_info *info)
{
	int ret;

	FDT_TRY(fdt_create(buf, size));
	FDT_TRY(fdt_finish_reservemap(buf));
	FDT_TRY(fdt_begin_node(buf, ""));
	FDT_TRY(fdt_property_string(buf, "compatible", "mirrorvm,test-guest"));
	FDT_TRY(fdt_property_u32(buf, "#address-cells", 2));
	FDT_TRY(fdt_property_u32(buf, "#size-cells", 2));
	ret = fdt_build_memory(buf, info->gm);
	if (!ret)
		ret = fdt_build_cpus(buf, info->nr_cpus);
	if (!ret)
		ret = fdt_build_ioports(buf, info);
	if (!ret)
		ret = fdt_build_params(buf, info);
	if (ret)
		return ret;
	FDT_TRY(fdt_end_node(buf));
	FDT_TRY(fdt_finish(buf));
	return 0;
}

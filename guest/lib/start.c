// SPDX-License-Identifier: GPL-2.0
/* Where every vCPU lands after entry.S: the BSP runs guest_main(), the others guest_ap_main(). */
#include "guest.h"

void guest_start(unsigned long cpu, unsigned long fdt, unsigned long nr_cpus);

__attribute__((weak)) void guest_ap_main(const struct guest_info *gi)
{
}

void guest_start(unsigned long cpu, unsigned long fdt, unsigned long nr_cpus)
{
	struct guest_info gi = {
		.cpu = cpu,
		.nr_cpus = nr_cpus,
		.fdt = (const void *)fdt,
	};

	guest_idt_load();
	if (cpu == 0)
		guest_exit(guest_main(&gi));
	guest_ap_main(&gi);
}

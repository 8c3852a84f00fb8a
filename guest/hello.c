// SPDX-License-Identifier: GPL-2.0
/* The smallest guest: one line on the console, exit 0. */
#include "guest.h"

int guest_main(const struct guest_info *gi)
{
	printf("Hello from a mirrorvm guest on %u vCPU%s.\n", gi->nr_cpus,
	       gi->nr_cpus == 1 ? "" : "s");
	return 0;
}

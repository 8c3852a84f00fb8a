// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the userspace mirror library lands. */
#include "mmirror_uapi.h"

int mmu_api_version(void);

int mmu_api_version(void)
{
	return MMIRROR_API_VERSION;
}

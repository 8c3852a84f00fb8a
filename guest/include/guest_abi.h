/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI between the VMM and its test guests: ports, memory layout, entry registers. Shared by
 * vmm/, devices/ and guest/; every guest layout constant lives here and nowhere else.
 */
#ifndef MIRRORVM_GUEST_ABI_H
#define MIRRORVM_GUEST_ABI_H

#define GUEST_ABI_VERSION 1

#endif

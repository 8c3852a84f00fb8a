/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPUID a Linux guest sees (vmm/cpuid.c): KVM's supported table, adjusted per vCPU. No KVM
 * is needed to adjust a table, so the unit tests check it on tables of their own.
 */
#ifndef MIRRORVM_CPUID_H
#define MIRRORVM_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

/* Family 19h model 01h stepping 1 (AMD Zen 3): what an old or emulated AMD family becomes. */
#define CPUID_AMD_MODERN_EAX 0x00a00f11u

struct cpuid_opts {
	unsigned int apic_id;
	bool tsc_deadline; /* KVM_CAP_TSC_DEADLINE_TIMER: offer the TSC-deadline APIC timer */
	bool host; /* --cpuid host: family, model and stepping as the host has them */
};

/* The family as Linux computes it from leaf 1's EAX (base + extended for family 0xf). */
unsigned int cpuid_family(uint32_t eax);
/*
 * Adjusts KVM's supported table for one vCPU: its APIC id (leaves 1, 0xb, 0x1f), the hypervisor
 * bit, TSC-deadline when KVM has it, and unless o->host an AMD family older than 17h (K8's family
 * 0xf under QEMU's TCG, which sets Linux off on its GART aperture search over every PCI slot)
 * given as CPUID_AMD_MODERN_EAX in leaves 1 and 0x80000001. The KVM leaves (0x40000000 on) pass
 * as KVM gives them: kvmclock and the paravirtual features it supports.
 */
void cpuid_adjust(struct kvm_cpuid2 *c, const struct cpuid_opts *o);

#endif

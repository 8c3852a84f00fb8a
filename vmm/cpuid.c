// SPDX-License-Identifier: GPL-2.0
/* A Linux guest's CPUID: KVM's supported table with the per-vCPU and machine-model changes. */
#include <string.h>

#include "cpuid.h"

unsigned int cpuid_family(uint32_t eax)
{
	unsigned int f = (eax >> 8) & 0xf;

	return f == 0xf ? f + ((eax >> 20) & 0xff) : f;
}

static struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t function)
{
	for (unsigned int i = 0; i < c->nent; i++)
		if (c->entries[i].function == function)
			return &c->entries[i];
	return NULL;
}

static bool cpuid_is_amd(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0);
	char v[12];

	if (!e)
		return false;
	memcpy(v, &e->ebx, 4);
	memcpy(v + 4, &e->edx, 4);
	memcpy(v + 8, &e->ecx, 4);
	return !memcmp(v, "AuthenticAMD", 12);
}

void cpuid_adjust(struct kvm_cpuid2 *c, const struct cpuid_opts *o)
{
	struct kvm_cpuid_entry2 *e1 = cpuid_find(c, 1), *e;
	bool modernise = !o->host && e1 && cpuid_is_amd(c) && cpuid_family(e1->eax) < 0x17;

	for (unsigned int i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffff) | o->apic_id << 24;
			e->ecx |= 1u << 31; /* running under a hypervisor */
			if (o->tsc_deadline)
				e->ecx |= 1u << 24;
			if (modernise)
				e->eax = CPUID_AMD_MODERN_EAX;
		} else if (e->function == 0xb || e->function == 0x1f) {
			e->edx = o->apic_id;
		} else if (e->function == 0x80000001 && modernise) {
			e->eax = CPUID_AMD_MODERN_EAX;
		}
	}
}

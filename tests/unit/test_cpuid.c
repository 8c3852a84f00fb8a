// SPDX-License-Identifier: GPL-2.0
/* The Linux guest's CPUID adjustments (vmm/cpuid.c) on tables shaped like KVM's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmm/cpuid.h"
#include "tap.h"
#include "../../vmm/cli/vm_config.h"

static struct kvm_cpuid2 *table(const char *vendor, uint32_t eax1)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 8 * sizeof(c->entries[0]));
	uint32_t fns[] = { 0, 1, 0xb, 0x40000000, 0x40000001, 0x80000000, 0x80000001 };

	c->nent = sizeof(fns) / sizeof(fns[0]);
	for (unsigned int i = 0; i < c->nent; i++)
		c->entries[i].function = fns[i];
	memcpy(&c->entries[0].ebx, vendor, 4);
	memcpy(&c->entries[0].edx, vendor + 4, 4);
	memcpy(&c->entries[0].ecx, vendor + 8, 4);
	c->entries[1].eax = eax1;
	c->entries[1].ebx = 0xff000800;
	c->entries[1].ecx = 0x00000001;
	c->entries[4].eax = 0x01007afb; /* KVM's features: kvmclock and the rest */
	c->entries[6].eax = eax1;
	return c;
}

int main(void)
{
	struct cpuid_opts o = { .apic_id = 3, .tsc_deadline = true };
	struct kvm_cpuid2 *c;
	struct vm_config cfg;
	char err[128];
	char *argv[] = { "run", "--kernel", "k", "--cpuid", "host", NULL };
	char *bad[] = { "run", "--kernel", "k", "--cpuid", "max", NULL };

	is_int(cpuid_family(0x00000f48), 0xf, "K8: family 0xf");
	is_int(cpuid_family(0x00800f12), 0x17, "Zen: family 0x17");
	is_int(cpuid_family(0x000906ea), 6, "Intel: family 6");
	is_int(cpuid_family(CPUID_AMD_MODERN_EAX), 0x19, "the modern family is 19h");

	/* QEMU TCG's qemu64/max: AuthenticAMD family 15 model 107. */
	c = table("AuthenticAMD", 0x000006b1 | 0xf00);
	cpuid_adjust(c, &o);
	is_int(c->entries[1].eax, CPUID_AMD_MODERN_EAX, "old AMD family becomes 19h (leaf 1)");
	is_int(c->entries[6].eax, CPUID_AMD_MODERN_EAX, "and in leaf 0x80000001");
	is_int(c->entries[1].ebx >> 24, 3, "APIC id in leaf 1");
	is_int(c->entries[1].ebx & 0xffffff, 0x800, "the rest of EBX kept");
	ok(c->entries[1].ecx & (1u << 31), "hypervisor bit");
	ok(c->entries[1].ecx & (1u << 24), "TSC-deadline offered");
	ok(c->entries[1].ecx & 1, "other ECX features kept");
	is_int(c->entries[2].edx, 3, "x2APIC id in leaf 0xb");
	is_int(c->entries[4].eax, 0x01007afb, "KVM's paravirtual features pass through");
	free(c);

	o.host = true;
	o.tsc_deadline = false;
	c = table("AuthenticAMD", 0x00000f6b);
	cpuid_adjust(c, &o);
	is_int(c->entries[1].eax, 0x00000f6b, "--cpuid host: the host's family");
	ok(!(c->entries[1].ecx & (1u << 24)), "no TSC-deadline without KVM's capability");
	free(c);

	o.host = false;
	c = table("AuthenticAMD", 0x00a50f00);
	cpuid_adjust(c, &o);
	is_int(c->entries[1].eax, 0x00a50f00, "a modern AMD family stays as it is");
	free(c);
	c = table("GenuineIntel", 0x000906ea);
	cpuid_adjust(c, &o);
	is_int(c->entries[1].eax, 0x000906ea, "Intel stays as it is");
	free(c);

	ok(!vm_config_parse(&cfg, 5, argv, err, sizeof(err)) && cfg.cpuid_host, "--cpuid host");
	ok(vm_config_parse(&cfg, 5, bad, err, sizeof(err)) == -EINVAL, "--cpuid max refused: %s",
	   err);
	return tap_done();
}

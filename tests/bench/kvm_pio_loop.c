// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for a port-I/O exit: a bare KVM_RUN loop around a real-mode guest that does n OUTs
 * to port 0x80 (the port bench-pio uses) and one to 0x81 to end, with nothing behind each exit
 * but the loop. Prints ns per exit.
 * --irqchip gives the VM what mirrorvm's VMs have at the KVM level (the in-kernel irqchip and
 * the CPUID KVM supports), so that the difference to mirrorvm is mirrorvm's own work: with the
 * in-kernel LAPIC every KVM_RUN does more (interrupt and timer checks on each entry).
 * usage: kvm-pio-loop [--irqchip] [N]
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#define MEM_SIZE 0x10000

/*
 * mov $n, %ecx; 1: out %al, $0x80; dec %ecx; jnz 1b; out %al, $0x81 (16-bit code, 32-bit
 * operands). Not HLT: with the in-kernel irqchip HLT stays in the kernel and never returns.
 */
static const uint8_t code[] = { 0x66, 0xb9, 0,	  0,	0,    0,    0xe6,
				0x80, 0x66, 0x49, 0x75, 0xfa, 0xe6, 0x81 };
#define PORT_END 0x81

/* What mirrorvm gives every VM: the in-kernel irqchip (before any vCPU) and KVM's CPUID. */
static int like_mirrorvm(int kvm, int vm, int vcpu)
{
	static struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} cpuid = { .c.nent = 256 };

	if (vcpu < 0)
		return ioctl(vm, KVM_CREATE_IRQCHIP, 0);
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid))
		return -1;
	return ioctl(vcpu, KVM_SET_CPUID2, &cpuid);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	bool irqchip = argc > 1 && !strcmp(argv[1], "--irqchip");
	uint32_t n = argc > 1 + irqchip ? strtoul(argv[1 + irqchip], NULL, 0) : 20000, exits = 0;
	struct kvm_userspace_memory_region slot = { .memory_size = MEM_SIZE };
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };
	int kvm = open("/dev/kvm", O_RDWR), vm, vcpu;
	struct kvm_sregs sregs;
	struct kvm_run *run;
	uint64_t t0, t1;
	uint8_t *mem;

	if (kvm < 0 || !n)
		return perror("kvm-pio-loop: /dev/kvm"), 1;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(mem + 0x1000, code, sizeof(code));
	memcpy(mem + 0x1002, &n, 4);
	slot.userspace_addr = (uintptr_t)mem;
	vcpu = vm < 0 || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) ||
			       (irqchip && like_mirrorvm(kvm, vm, -1))
		       ? -1
		       : ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0 || (irqchip && like_mirrorvm(kvm, vm, vcpu)))
		return perror("kvm-pio-loop: VM set-up"), 1;
	run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	ioctl(vcpu, KVM_GET_SREGS, &sregs);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ioctl(vcpu, KVM_SET_SREGS, &sregs);
	ioctl(vcpu, KVM_SET_REGS, &regs);
	t0 = now_ns();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0))
			return perror("kvm-pio-loop: KVM_RUN"), 1;
		if (run->exit_reason != KVM_EXIT_IO || run->io.port == PORT_END)
			break;
		exits++;
	}
	t1 = now_ns();
	if (run->exit_reason != KVM_EXIT_IO || exits != n)
		return fprintf(stderr, "kvm-pio-loop: exit %u after %u exits\n", run->exit_reason,
			       exits),
		       1;
	printf("kvm-pio-loop%s: %u exits in %llu us, %llu ns per exit\n",
	       irqchip ? " --irqchip" : "", n, (unsigned long long)(t1 - t0) / 1000,
	       (unsigned long long)(t1 - t0) / n);
	return 0;
}

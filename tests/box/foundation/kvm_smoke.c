// SPDX-License-Identifier: GPL-2.0
/*
 * The box's KVM works: a VM runs five real-mode instructions and KVM_RUN reports exactly the
 * exits they cause (port I/O, MMIO to a hole, HLT), under the paging mode the box was asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE 0x4000
#define CODE_GPA 0x1000

static const unsigned char code[] = {
	0xb0, 0x42, /* mov $0x42, %al */
	0xe6, 0x10, /* out %al, $0x10 */
	0xb0, 0x43, /* mov $0x43, %al */
	0xa2, 0x00, 0x80, /* mov %al, 0x8000: outside the memslot, so MMIO */
	0xf4, /* hlt */
};

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "kvm-smoke: " __VA_ARGS__);                                \
			fprintf(stderr, " (%s)\n", strerror(errno));                               \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static int want_npt(const char *arg)
{
	FILE *f = fopen("/sys/module/kvm_amd/parameters/npt", "r");
	int c;

	CHECK(f, "cannot read kvm_amd's npt parameter");
	c = fgetc(f);
	fclose(f);
	printf("kvm_amd npt=%c\n", c);
	return (c == 'Y' || c == '1') == (arg[0] == '1');
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region slot = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	struct kvm_run *run;
	int kvm, vm, vcpu, size;
	void *mem;

	if (argc > 1 && !strncmp(argv[1], "--want-npt=", 11))
		CHECK(want_npt(argv[1] + 11), "kvm_amd npt is not %s", argv[1] + 11);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	CHECK(kvm >= 0, "open /dev/kvm");
	CHECK(ioctl(kvm, KVM_GET_API_VERSION, 0) == KVM_API_VERSION, "KVM API version");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	CHECK(vm >= 0, "KVM_CREATE_VM");

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED, "mmap");
	memcpy((char *)mem + CODE_GPA, code, sizeof(code));
	slot.memory_size = MEM_SIZE;
	slot.userspace_addr = (unsigned long)mem;
	CHECK(!ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot), "KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	CHECK(vcpu >= 0, "KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	CHECK(run != MAP_FAILED, "mmap kvm_run");

	CHECK(!ioctl(vcpu, KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	CHECK(!ioctl(vcpu, KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	CHECK(!ioctl(vcpu, KVM_SET_REGS, &regs), "KVM_SET_REGS");

	CHECK(!ioctl(vcpu, KVM_RUN, 0), "KVM_RUN 1");
	CHECK(run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
		      run->io.port == 0x10 && run->io.size == 1 &&
		      *((unsigned char *)run + run->io.data_offset) == 0x42,
	      "first exit is not OUT 0x42 to port 0x10 (reason %u)", run->exit_reason);
	printf("exit 1: OUT port 0x10 value 0x42\n");

	CHECK(!ioctl(vcpu, KVM_RUN, 0), "KVM_RUN 2");
	CHECK(run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write &&
		      run->mmio.phys_addr == 0x8000 && run->mmio.len == 1 &&
		      run->mmio.data[0] == 0x43,
	      "second exit is not an MMIO write of 0x43 at 0x8000 (reason %u)", run->exit_reason);
	printf("exit 2: MMIO write 0x8000 value 0x43\n");

	CHECK(!ioctl(vcpu, KVM_RUN, 0), "KVM_RUN 3");
	CHECK(run->exit_reason == KVM_EXIT_HLT, "third exit is not HLT (reason %u)",
	      run->exit_reason);
	CHECK(!ioctl(vcpu, KVM_GET_REGS, &regs), "KVM_GET_REGS");
	CHECK(regs.rip == CODE_GPA + sizeof(code), "RIP after HLT is %#llx", regs.rip);
	printf("exit 3: HLT at the end of the code\n");
	return 0;
}

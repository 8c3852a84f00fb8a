// SPDX-License-Identifier: GPL-2.0
/* vCPU threads: KVM_RUN, exit dispatch to the device tables, crashes, stopping. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "exit_stats.h"
#include "guest_abi.h"
#include "vm.h"

/* The signal that knocks a vCPU out of KVM_RUN; its handler does nothing. */
#define VCPU_KICK_SIGNAL SIGUSR1

/* Wakes pausers and parked vCPUs so that they see the VM stopping. */
static void vm_pause_wake(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause.lock);
	pthread_cond_broadcast(&vm->pause.cond);
	pthread_mutex_unlock(&vm->pause.lock);
}

void vm_stop(struct vm *vm, int status)
{
	uint64_t one = 1;
	bool expected = false;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, true))
		return;
	vm->exit_status = status;
	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		perror("mirrorvm: eventfd");
	vcpu_kick_all(vm);
	vm_pause_wake(vm);
}

void vcpu_kick_all(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		/* immediate_exit covers a kick that lands before the thread enters KVM_RUN. */
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (v->started && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
}

static void vcpu_dump(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) || ioctl(v->fd, KVM_GET_SREGS, &s)) {
		fprintf(stderr, "  (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"  rip %016llx rflags %016llx\n"
		"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx rsp %016llx rbp %016llx\n"
		"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
		"  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n"
		"  cs %04x ss %04x\n",
		r.rip, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp, r.r8, r.r9,
		r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, s.cr0, s.cr2, s.cr3, s.cr4, s.efer,
		s.cs.selector, s.ss.selector);
}

void vcpu_crash(struct vcpu *v, const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	va_list ap;

	pthread_mutex_lock(&lock);
	fprintf(stderr, "mirrorvm: vCPU %u: ", v->index);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	vcpu_dump(v);
	pthread_mutex_unlock(&lock);
	vm_stop(v->vm, MIRRORVM_EXIT_CRASH);
}

static void vcpu_pio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;
	const struct vm_pio *h =
		pio_lookup(&v->pio_cache, v->vm->pio, &v->vm->nr_pio, run->io.port);

	/* The fast case: an OUT nobody owns, such as a Linux guest's 0x80 delay. */
	if (!h && write)
		return;
	for (uint32_t n = 0; n < run->io.count; n++, data += run->io.size) {
		if (!write)
			memset(data, h ? 0 : 0xff, run->io.size);
		if (h)
			h->fn(h->opaque, run->io.port, write, data, run->io.size);
	}
}

static void vcpu_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vm *vm = v->vm;
	gpa_t addr = GPA(run->mmio.phys_addr);
	unsigned int len = run->mmio.len;
	struct vm_mmio h = { 0 };

	pthread_rwlock_rdlock(&vm->io_lock);
	for (unsigned int i = 0; i < vm->nr_mmio; i++)
		if (addr.v >= vm->mmio[i].base.v && addr.v - vm->mmio[i].base.v < vm->mmio[i].size)
			h = vm->mmio[i];
	pthread_rwlock_unlock(&vm->io_lock);
	if (len > sizeof(run->mmio.data))
		len = sizeof(run->mmio.data);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0, len);
	if (h.fn)
		h.fn(h.opaque, addr, run->mmio.is_write, run->mmio.data, len);
}

static const char *vcpu_exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_SHUTDOWN:
		return "triple fault (KVM_EXIT_SHUTDOWN)";
	case KVM_EXIT_FAIL_ENTRY:
		return "VM entry failed (KVM_EXIT_FAIL_ENTRY)";
	case KVM_EXIT_INTERNAL_ERROR:
		return "KVM internal error";
	case KVM_EXIT_HLT:
		return "HLT with nothing to wake the vCPU";
	case KVM_EXIT_EXCEPTION:
		return "exception";
	default:
		return "unhandled exit";
	}
}

/* One exit; false when the vCPU must stop. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_pio(v);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_mmio(v);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
			vm_stop(v->vm, 0);
			return false;
		}
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_crash(v, "KVM internal error, suberror %u", run->internal.suberror);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_crash(v, "%s, hardware reason 0x%llx", vcpu_exit_name(run->exit_reason),
			   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	}
	/* KVM hands HLT to userspace only without its in-kernel irqchip: say why there is none. */
	if (run->exit_reason == KVM_EXIT_HLT && !v->vm->irqchip) {
		vcpu_crash(v,
			   "HLT exit: KVM has no in-kernel irqchip for this VM (KVM_CREATE_IRQCHIP "
			   "failed: a host kernel without CONFIG_KVM_IOAPIC?)");
		return false;
	}
	vcpu_crash(v, "%s (exit reason %u)", vcpu_exit_name(run->exit_reason), run->exit_reason);
	return false;
}

static void vcpu_kick_handler(int sig)
{
}

/*
 * The vCPU's side of pausing (vm_pause.c is the pausers'): parks while a pause is requested,
 * and counts itself in and out of the run loop.
 */
static void vcpu_park(struct vcpu *v)
{
	struct vm_pause_state *p = &v->vm->pause;

	pthread_mutex_lock(&p->lock);
	p->parked++;
	pthread_cond_broadcast(&p->cond);
	while (atomic_load(&p->requested) && !atomic_load(&v->vm->stopping))
		pthread_cond_wait(&p->cond, &p->lock);
	p->parked--;
	/* The kick that parked us must not bounce the next KVM_RUN, unless the VM is stopping. */
	if (!atomic_load(&v->vm->stopping))
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&p->lock);
}

static void vcpu_active(struct vcpu *v, bool active)
{
	struct vm_pause_state *p = &v->vm->pause;

	pthread_mutex_lock(&p->lock);
	if (active)
		p->active++;
	else
		p->active--;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;

	if (vm->cfg->stats && !v->stats)
		v->stats = calloc(1, sizeof(*v->stats)); /* none: just not counted */
	vcpu_active(v, true);
	while (!atomic_load(&vm->stopping)) {
		if (atomic_load(&vm->pause.requested)) {
			vcpu_park(v);
			continue;
		}
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vcpu_crash(v, "KVM_RUN failed: %s", strerror(errno));
			break;
		}
		if (v->stats)
			exit_stats_count(v->stats, v->run);
		if (!vcpu_handle_exit(v))
			break;
	}
	vcpu_active(v, false);
	return NULL;
}

int vcpu_signals_init(void)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) ? -errno : 0;
}

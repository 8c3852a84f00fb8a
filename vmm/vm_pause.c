// SPDX-License-Identifier: GPL-2.0
/*
 * Pausing the vCPUs: every vCPU thread parks outside KVM_RUN until the last pauser resumes. The
 * control socket (pause, regs, walk, verify) and the stress checks use it, nested, from threads
 * other than the vCPUs'. While parked, a vCPU's registers may be read with its ioctls.
 * This is the pausers' side; the vCPUs' side (parking, counting, waking at stop) is in vcpu.c,
 * which calls nothing here: this file calls vcpu.c (vcpu_kick_all()), not the other way.
 */
#include <errno.h>

#include "vm.h"

void vm_pause_init(struct vm *vm)
{
	pthread_mutex_init(&vm->pause.lock, NULL);
	pthread_cond_init(&vm->pause.cond, NULL);
}

int vm_pause(struct vm *vm)
{
	struct vm_pause_state *p = &vm->pause;
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	if (p->depth++ == 0) {
		atomic_store(&p->requested, true);
		vcpu_kick_all(vm);
	}
	while (p->parked < p->active && !atomic_load(&vm->stopping))
		pthread_cond_wait(&p->cond, &p->lock);
	if (atomic_load(&vm->stopping))
		ret = -ESHUTDOWN;
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void vm_resume(struct vm *vm)
{
	struct vm_pause_state *p = &vm->pause;

	pthread_mutex_lock(&p->lock);
	if (p->depth && --p->depth == 0) {
		atomic_store(&p->requested, false);
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
}

bool vm_paused(struct vm *vm)
{
	return atomic_load(&vm->pause.requested);
}

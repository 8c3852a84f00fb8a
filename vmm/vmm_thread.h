/* SPDX-License-Identifier: GPL-2.0 */
/* Threads of the VMM (vCPUs, the control socket's server). */
#ifndef MIRRORVM_VMM_THREAD_H
#define MIRRORVM_VMM_THREAD_H

#include <pthread.h>

/*
 * 1 MiB stacks instead of glibc's 8 MiB: a mapping smaller than 2 MiB never holds a transparent
 * huge page, so with THP "always" the first touch of a new thread's stack no longer allocates and
 * zeroes 2 MiB (clear_huge_page was 5-8% of a launch's CPU samples in the box). The deepest
 * frames on these threads (device handlers, control requests) take a few KiB.
 */
#define VMM_THREAD_STACK (1u << 20)

/* pthread_create() with that stack; 0 or -errno. */
static inline int vmm_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int ret = pthread_attr_init(&attr);

	if (ret)
		return -ret;
	ret = pthread_attr_setstacksize(&attr, VMM_THREAD_STACK);
	if (!ret)
		ret = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -ret;
}

#endif

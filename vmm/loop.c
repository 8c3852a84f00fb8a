// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop: one io_uring with a one-shot poll per watched fd, re-armed after each call.
 * Runs on the main thread; vCPUs run on their own. Watches are added before the run or from the
 * loop thread itself (io_uring submission is not shared between threads).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "guest_abi.h"
#include "vm.h"
#include "vmm_thread.h"

#define LOOP_ENTRIES 32

int vm_loop_init(struct vm *vm)
{
	int ret = io_uring_queue_init(LOOP_ENTRIES, &vm->ring, 0);

	if (ret)
		return ret;
	vm->ring_ok = true;
	return 0;
}

static int vm_loop_arm(struct vm *vm, unsigned int i)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&vm->ring);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, vm->watch[i].fd, POLLIN);
	io_uring_sqe_set_data64(sqe, i);
	return 0;
}

int vm_loop_watch(struct vm *vm, int fd, vm_fd_fn fn, void *opaque)
{
	unsigned int i;

	for (i = 0; i < vm->nr_watches && vm->watch[i].active; i++)
		;
	if (i == VM_MAX_WATCH)
		return -ENOSPC;
	vm->watch[i] = (struct vm_watch){ fd, fn, opaque, true };
	if (i == vm->nr_watches)
		vm->nr_watches++;
	return vm_loop_arm(vm, i);
}

/* The poll already in flight completes later and is then dropped. */
void vm_loop_unwatch(struct vm *vm, int fd)
{
	for (unsigned int i = 0; i < vm->nr_watches; i++)
		if (vm->watch[i].active && vm->watch[i].fd == fd)
			vm->watch[i].active = false;
}

ssize_t vm_loop_read(struct vm *vm, int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	if (n > 0)
		return n;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		vm_loop_unwatch(vm, fd);
	return 0;
}

static void vm_loop_stop_fd(void *opaque, int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		perror("mirrorvm: eventfd");
}

static void vm_loop_signal(void *opaque, int fd)
{
	struct signalfd_siginfo si;
	struct vm *vm = opaque;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	fprintf(stderr, "mirrorvm: %s, stopping the VM\n", strsignal(si.ssi_signo));
	vm_stop(vm, 128 + si.ssi_signo);
}

static int vm_loop_signals(struct vm *vm, sigset_t *set)
{
	int fd;

	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	/* Blocked before the vCPU threads start, so they inherit the mask. */
	if (pthread_sigmask(SIG_BLOCK, set, NULL))
		return -EINVAL;
	fd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	return vm_loop_watch(vm, fd, vm_loop_signal, vm) ? -ENOSPC : fd;
}

static void vm_loop_dispatch(struct vm *vm, struct io_uring_cqe *cqe)
{
	unsigned int i = io_uring_cqe_get_data64(cqe);
	struct vm_watch *w;

	if (i >= vm->nr_watches)
		return;
	w = &vm->watch[i];
	if (!w->active)
		return;
	if (cqe->res < 0 && cqe->res != -EINTR) {
		fprintf(stderr, "mirrorvm: poll on fd %d: %s\n", w->fd, strerror(-cqe->res));
		w->active = false;
		return;
	}
	w->fn(w->opaque, w->fd);
	if (w->active && vm_loop_arm(vm, i))
		fprintf(stderr, "mirrorvm: event loop full\n");
}

static int vm_loop_wait(struct vm *vm)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	int ret;

	ret = io_uring_submit_and_wait(&vm->ring, 1);
	if (ret < 0 && ret != -EINTR)
		return ret;
	io_uring_for_each_cqe(&vm->ring, head, cqe)
	{
		vm_loop_dispatch(vm, cqe);
		n++;
	}
	io_uring_cq_advance(&vm->ring, n);
	return 0;
}

int vm_loop_run(struct vm *vm)
{
	sigset_t set;
	int sfd, ret = 0;

	ret = vm_loop_watch(vm, vm->stop_fd, vm_loop_stop_fd, vm);
	if (ret)
		return ret;
	sfd = vm_loop_signals(vm, &set);
	if (sfd < 0)
		return sfd;
	ret = vcpu_signals_init();
	for (unsigned int i = 0; !ret && i < vm->nr_vcpus; i++) {
		ret = vmm_thread_create(&vm->vcpu[i].thread, vcpu_thread, &vm->vcpu[i]);
		vm->vcpu[i].started = !ret;
	}
	if (ret) {
		fprintf(stderr, "mirrorvm: cannot start vCPU threads: %s\n", strerror(-ret));
		vm_stop(vm, MIRRORVM_EXIT_HOST);
	}
	while (!atomic_load(&vm->stopping) && !ret)
		ret = vm_loop_wait(vm);
	if (ret) {
		fprintf(stderr, "mirrorvm: event loop: %s\n", strerror(-ret));
		vm_stop(vm, MIRRORVM_EXIT_HOST);
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpu[i].started)
			pthread_join(vm->vcpu[i].thread, NULL);
	vm_loop_unwatch(vm, sfd);
	close(sfd);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	return vm->exit_status;
}

int vm_run(struct vm *vm)
{
	return vm_loop_run(vm);
}

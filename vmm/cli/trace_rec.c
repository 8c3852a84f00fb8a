// SPDX-License-Identifier: GPL-2.0
/*
 * The trace recorder: a thread that turns the mirror's shadow tables into page states every
 * TRACE_REC_MS and copies the events the loop drained (through the event hub) into the trace.
 * It reads the tables without pausing the VM: a snapshot is a picture, not a proof.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "../evhub.h"
#include "mmu.h"
#include "trace.h"
#include "trace_rec.h"
#include "../vm.h"

struct trace_rec_state {
	struct vm *vm;
	struct mmu_mirror *mmu;
	struct evhub *hub;
	struct trace_writer w;
	uint64_t cursor, start_ns, gpa_base;
	uint8_t *states;
	pthread_t thread;
	int stop_fd;
	int err;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint8_t entry_state(uint64_t e)
{
	if (mmu_pte_present(e)) {
		if (e & MMIRROR_PTE_HUGE)
			return TRACE_HUGE;
		return e & MMIRROR_PTE_ACCESSED ? TRACE_YOUNG : TRACE_PRESENT;
	}
	return mmu_pte_cause(e) >= 0 ? TRACE_EVICTED : TRACE_ABSENT;
}

static int snapshot(struct trace_rec_state *t)
{
	const struct mmu_region *r;

	memset(t->states, TRACE_ABSENT, t->w.npages);
	for (unsigned int i = 0; (r = mmu_region_at(t->mmu, i)); i++) {
		uint64_t first = (r->gpa.v - t->gpa_base) >> 12;

		/*
		 * The VMM never sees KVM's faults, so the mirror learns of newly mapped pages only
		 * when asked: refresh it from the host's tables (no faulting) before each picture.
		 */
		mmu_populate(t->mmu, r->gpa, r->size, 0);
		for (uint64_t p = 0; p < r->size >> 12; p++)
			t->states[first + p] = entry_state(mmu_entry_at(r, p));
	}
	return trace_write_snapshot(&t->w, mono_ns() - t->start_ns, t->states);
}

/* Event times are the module's ktime_get_ns(), the same clock as CLOCK_MONOTONIC. */
static int copy_events(struct trace_rec_state *t)
{
	struct mmirror_event ev[256];
	uint64_t missed;
	size_t n;

	while ((n = evhub_read(t->hub, &t->cursor, ev, 256, &missed))) {
		for (size_t i = 0; i < n; i++) {
			struct trace_event te = {
				.kind = ev[i].callback,
				.event = ev[i].event,
				.gpa_start = ev[i].gpa_start,
				.gpa_end = ev[i].gpa_end,
			};
			uint64_t ts = ev[i].time_ns > t->start_ns ? ev[i].time_ns - t->start_ns : 0;
			int ret = trace_write_event(&t->w, ts, &te);

			if (ret)
				return ret;
		}
	}
	return 0;
}

static void *trace_thread(void *arg)
{
	struct trace_rec_state *t = arg;
	struct pollfd p = { .fd = t->stop_fd, .events = POLLIN };

	while (!t->err) {
		t->err = copy_events(t);
		if (!t->err)
			t->err = snapshot(t);
		if (poll(&p, 1, TRACE_REC_MS) != 0)
			break;
	}
	return NULL;
}

static int trace_span(struct mmu_mirror *mmu, uint64_t *base, uint64_t *npages)
{
	const struct mmu_region *r;
	uint64_t lo = UINT64_MAX, hi = 0;

	for (unsigned int i = 0; (r = mmu_region_at(mmu, i)); i++) {
		lo = r->gpa.v < lo ? r->gpa.v : lo;
		hi = r->gpa.v + r->size > hi ? r->gpa.v + r->size : hi;
	}
	if (!hi)
		return -ENODEV;
	*base = lo;
	*npages = (hi - lo) >> 12;
	return 0;
}

int trace_rec_start(struct trace_rec_state **out, struct vm *vm, const char *path)
{
	struct trace_rec_state *t;
	sigset_t all, old;
	uint64_t npages;
	int ret;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->vm = vm;
	t->mmu = vm_mirror_mmu(vm);
	t->hub = vm_mirror_hub(vm);
	ret = -ENODEV;
	if (!t->mmu || !t->hub || trace_span(t->mmu, &t->gpa_base, &npages))
		goto err;
	t->states = malloc(npages);
	t->stop_fd = eventfd(0, EFD_CLOEXEC);
	ret = -ENOMEM;
	if (!t->states || t->stop_fd < 0)
		goto err;
	t->cursor = evhub_oldest(t->hub);
	t->start_ns = mono_ns();
	ret = trace_open_write(&t->w, path, t->gpa_base, npages);
	if (ret)
		goto err;
	/* Signals belong to the event loop (signalfd): this thread must never take one. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&t->thread, NULL, trace_thread, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		trace_close_write(&t->w);
		goto err;
	}
	*out = t;
	return 0;
err:
	if (t->stop_fd > 0)
		close(t->stop_fd);
	free(t->states);
	free(t);
	return ret;
}

int trace_rec_stop(struct trace_rec_state *t)
{
	uint64_t one = 1;
	int ret;

	if (!t)
		return 0;
	(void)!write(t->stop_fd, &one, sizeof(one));
	pthread_join(t->thread, NULL);
	ret = t->err;
	if (!ret)
		ret = copy_events(t);
	if (!ret)
		ret = snapshot(t);
	if (trace_close_write(&t->w) && !ret)
		ret = -EIO;
	close(t->stop_fd);
	free(t->states);
	free(t);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM's side of the mirror: guest RAM registered with /dev/mmirror, the devices' accesses
 * reported as touches, the event ring drained on the event loop, counts printed with --stats.
 * The one file that knows libmmu; without the module the VM runs and says once why not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evhub.h"
#include "mmu.h"
#include "vm.h"

/* Recent events kept for followers (control socket, trace): enough for a few seconds' burst. */
#define MIRROR_HUB_RECORDS 65536

struct mirror {
	struct mmu_mirror *mmu;
	uint64_t events;
	struct evhub hub;
	mmu_event_fn hook; /* mirrorvm stress: sees every record drained */
	void *hook_opaque;
};

static void mirror_touch(void *opaque, gpa_t gpa, uint64_t len, bool write)
{
	struct mirror *mi = opaque;

	mmu_touch(mi->mmu, gpa, len, write);
}

static void mirror_event(void *opaque, const struct mmirror_event *ev)
{
	struct mirror *mi = opaque;

	mi->events++;
	evhub_push(&mi->hub, ev);
	if (mi->hook)
		mi->hook(mi->hook_opaque, ev);
}

static void mirror_drain(void *opaque, int fd)
{
	struct mirror *mi = opaque;
	int ret = mmu_drain(mi->mmu, mirror_event, mi);

	if (ret < 0)
		fprintf(stderr, "mirror: draining the event ring: %s\n", strerror(-ret));
}

static int mirror_register(struct vm *vm, struct mirror *mi, const char **what)
{
	int ret = mmu_open(&mi->mmu);

	if (ret) {
		*what = ret == -ENOENT ? "no /dev/mmirror: install mmirror-dkms"
				       : "cannot open /dev/mmirror";
		return ret;
	}
	for (unsigned int i = 0; i < vm->gm.nr_regions; i++) {
		const struct gmem_region *r = &vm->gm.region[i];

		ret = mmu_add_region(mi->mmu, r->hva, r->size, r->gpa);
		if (ret) {
			*what = "cannot register guest RAM";
			return ret;
		}
	}
	ret = vm_loop_watch(vm, mmu_fd(mi->mmu), mirror_drain, mi);
	if (ret)
		*what = "cannot watch the event ring";
	return ret;
}

void vm_mirror_attach(struct vm *vm)
{
	const char *what = "";
	struct mirror *mi;
	int ret;

	if (!vm->cfg->mirror) {
		fprintf(stderr, "mirror: off (--no-mirror)\n");
		return;
	}
	mi = calloc(1, sizeof(*mi));
	if (!mi) {
		fprintf(stderr, "mirror: off (out of memory)\n");
		return;
	}
	ret = mirror_register(vm, mi, &what);
	if (ret) {
		if (ret == -ENOENT)
			fprintf(stderr, "mirror: off (%s)\n", what);
		else
			fprintf(stderr, "mirror: off (%s: %s)\n", what, strerror(-ret));
		if (mi->mmu)
			mmu_close(mi->mmu);
		free(mi);
		return;
	}
	ret = evhub_init(&mi->hub, MIRROR_HUB_RECORDS);
	if (ret) {
		fprintf(stderr, "mirror: off (no memory for the event hub)\n");
		mmu_close(mi->mmu);
		free(mi);
		return;
	}
	vm->mirror = mi;
	vm->gm.touch = mirror_touch;
	vm->gm.touch_opaque = mi;
	fprintf(stderr, "mirror: on (%u region%s)\n", vm->gm.nr_regions,
		vm->gm.nr_regions == 1 ? "" : "s");
}

void vm_mirror_detach(struct vm *vm)
{
	struct mirror *mi = vm->mirror;
	struct mmirror_stats st;

	if (!mi) {
		if (vm->cfg->stats)
			fprintf(stderr, "mirror: no statistics (the mirror was off)\n");
		return;
	}
	vm->gm.touch = NULL;
	mmu_drain(mi->mmu, mirror_event, mi);
	if (vm->cfg->stats) {
		fprintf(stderr, "mirror: %llu events drained from the ring\n",
			(unsigned long long)mi->events);
		if (!mmu_get_stats(mi->mmu, &st))
			mmu_print_stats(stderr, &st);
	}
	mmu_close(mi->mmu);
	evhub_destroy(&mi->hub);
	free(mi);
	vm->mirror = NULL;
}

struct mmu_mirror *vm_mirror_mmu(struct vm *vm)
{
	return vm->mirror ? vm->mirror->mmu : NULL;
}

struct evhub *vm_mirror_hub(struct vm *vm)
{
	return vm->mirror ? &vm->mirror->hub : NULL;
}

void vm_mirror_set_hook(struct vm *vm, void (*fn)(void *, const struct mmirror_event *),
			void *opaque)
{
	if (!vm->mirror)
		return;
	vm->mirror->hook_opaque = opaque;
	vm->mirror->hook = fn;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The machine a Linux guest gets (only with --kernel): PCI bus 0, the i8042 reset line, one
 * virtio-blk per --disk, virtio-balloon with --balloon, virtio-console with --console virtio.
 * Block completions and console input come in on the VMM's event loop.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../vmm/ctl/ctl_server.h"
#include "../../vmm/cli/vm_config.h"
#include "../i8042.h"
#include "../serial.h"
#include "balloon.h"
#include "blk.h"
#include "console.h"
#include "virtio_pci.h"

struct blk_pci {
	struct virtio_blk blk;
	struct virtio_pci vp;
};

struct console_pci {
	struct virtio_console con;
	struct virtio_pci vp;
};

struct balloon_pci {
	struct virtio_balloon balloon;
	struct virtio_pci vp;
};

static void blk_done(void *opaque, int fd)
{
	virtio_blk_complete(opaque, false);
}

static int add_disk(struct vm *vm, const char *spec, unsigned int n)
{
	struct blk_pci *d = calloc(1, sizeof(*d));
	char id[32]; /* the device keeps the first VIRTIO_BLK_ID_BYTES */
	bool ro;
	int fd, ret;

	if (!d)
		return -ENOMEM;
	ret = virtio_blk_open(spec, &fd, &ro);
	if (ret) {
		fprintf(stderr, "mirrorvm: --disk %s: %s\n", spec, strerror(-ret));
		goto err;
	}
	snprintf(id, sizeof(id), "mirrorvm-disk%u", n);
	ret = virtio_blk_init(&d->blk, vm_gmem(vm), fd, ro, id);
	if (ret)
		goto err;
	ret = virtio_pci_add(&d->vp, vm, &d->blk.vd);
	if (!ret)
		ret = vm_loop_watch(vm, d->blk.efd, blk_done, &d->blk);
	if (!ret)
		return 0;
	virtio_blk_exit(&d->blk);
err:
	free(d);
	return ret;
}

static void console_stdin(void *opaque, int fd)
{
	struct console_pci *c = opaque;
	char buf[256];
	ssize_t n = vm_loop_read(c->vp.vm, fd, buf, sizeof(buf));

	if (!n)
		return;
	/* Beyond what the device holds for a guest that reads nothing, input is dropped. */
	virtio_console_queue_input(&c->con, buf, (size_t)n);
}

/* hvc0: the guest's writes go to stdout, stdin (a terminal or a pipe) to the guest. */
static int add_console(struct vm *vm)
{
	struct console_pci *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	virtio_console_init(&c->con, vm_gmem(vm), STDOUT_FILENO);
	ret = virtio_pci_add(&c->vp, vm, &c->con.vd);
	if (ret) {
		free(c);
		return ret;
	}
	/* On the bus now: c lives as long as the VM. */
	return serial_stdin_useful() ? vm_loop_watch(vm, STDIN_FILENO, console_stdin, c) : 0;
}

/* `mirrorvm ctl SOCKET balloon [SIZE]`, from the control thread. */
static int linux_balloon_ctl(void *opaque, const uint64_t *bytes, struct ctl_balloon_state *st)
{
	struct virtio_balloon_counts c;

	if (bytes && *bytes / 4096 > UINT32_MAX)
		return -ERANGE;
	if (bytes)
		virtio_balloon_set_target(opaque, (uint32_t)(*bytes / 4096));
	virtio_balloon_counts(opaque, &c);
	*st = (struct ctl_balloon_state){ .target = c.target,
					  .actual = c.actual,
					  .inflated = c.inflated,
					  .deflated = c.deflated,
					  .reported = c.reported };
	return 0;
}

static int linux_devices_create(struct vm *vm, const struct vm_config *cfg)
{
	int ret;

	if (!cfg->kernel)
		return 0;
	if (!pci_bus_of(vm))
		return -ENOMEM;
	ret = i8042_add(vm);
	for (unsigned int i = 0; !ret && i < cfg->nr_disks; i++)
		ret = add_disk(vm, cfg->disk[i], i);
	if (!ret && cfg->virtio_console)
		ret = add_console(vm);
	if (!ret && cfg->balloon) {
		struct balloon_pci *b = calloc(1, sizeof(*b));

		if (!b)
			return -ENOMEM;
		virtio_balloon_init(&b->balloon, vm_gmem(vm), cfg->balloon_report);
		ret = virtio_pci_add(&b->vp, vm, &b->balloon.vd);
		ctl_set_balloon(linux_balloon_ctl, &b->balloon);
		if (!ret && cfg->balloon_steps)
			ret = virtio_balloon_schedule(&b->balloon, cfg->balloon_steps);
	}
	return ret;
}

static const struct device_type linux_devices_type = {
	.name = "linux-machine",
	.create = linux_devices_create,
};
DEVICE_TYPE(linux_devices_type);

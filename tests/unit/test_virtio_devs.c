// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-balloon and virtio-console driven through their queues: inflate must really give the
 * pages back to the host (they read as zero afterwards and RSS drops), stats and free page
 * reports must be taken as the guest wrote them, bad frames must fail the device; the console
 * must pass bytes both ways.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "../../vmm/guest_mem.h"
#include "../../devices/virtio/balloon.h"
#include "../../devices/virtio/console.h"

#define RAM_SIZE (16ull << 20)
#define QN 16
#define QBASE(q) (0x10000ull + (q)*0x4000ull)
#define BUF 0x100000ull
#define BALLOON_AREA (8ull << 20)

static uint8_t *ram;
static struct guest_mem gm;
static uint16_t next_desc[VIRTIO_MAX_QUEUES];

static void drv_start(struct virtio_dev *vd, uint64_t features)
{
	memset(ram, 0, 0x100000);
	memset(next_desc, 0, sizeof(next_desc));
	virtio_set_status(vd, 0);
	virtio_set_status(vd, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vd->driver_features = 1ull << VIRTIO_F_VERSION_1 | features;
	virtio_set_status(vd, 0x0b);
	for (unsigned int q = 0; q < vd->ops->nr_queues; q++) {
		vd->qcfg[q] = (struct virtio_queue_cfg){ QN, VIRTIO_NO_VECTOR, QBASE(q),
							 QBASE(q) + 0x1000, QBASE(q) + 0x2000 };
		virtio_queue_enable(vd, q);
	}
	virtio_set_status(vd, 0x0f);
}

/* Posts one chain of n buffers (gpa, len, writable) on queue q and kicks. */
static void drv_post(struct virtio_dev *vd, unsigned int q, unsigned int n, const uint64_t *gpa,
		     const uint32_t *len, const bool *w)
{
	uint16_t head = next_desc[q], idx;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % QN);
		struct virtq_desc desc = { gpa[i], len[i],
					   (uint16_t)((w[i] ? VIRTQ_DESC_F_WRITE : 0) |
						      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
					   (uint16_t)((d + 1) % QN) };

		memcpy(ram + QBASE(q) + 16 * d, &desc, sizeof(desc));
	}
	next_desc[q] = (uint16_t)((head + n) % QN);
	memcpy(&idx, ram + QBASE(q) + 0x1002, 2);
	memcpy(ram + QBASE(q) + 0x1004 + 2 * (idx % QN), &head, 2);
	idx++;
	memcpy(ram + QBASE(q) + 0x1002, &idx, 2);
	pthread_mutex_lock(&vd->lock);
	vd->ops->notify(vd, q);
	pthread_mutex_unlock(&vd->lock);
}

static uint16_t drv_used(unsigned int q)
{
	uint16_t idx;

	memcpy(&idx, ram + QBASE(q) + 0x2002, 2);
	return idx;
}

/* Resident pages of guest RAM in [gpa, gpa + len), from mincore(). */
static long resident(uint64_t gpa, uint64_t len)
{
	static unsigned char vec[RAM_SIZE / 4096];
	long n = 0;

	if (mincore(ram + gpa, len, vec))
		return -1;
	for (uint64_t i = 0; i < len / 4096; i++)
		n += vec[i] & 1;
	return n;
}

static void test_balloon(void)
{
	static struct virtio_balloon b;
	uint32_t pfn[256];
	uint64_t gpa = BUF;
	uint32_t len = sizeof(pfn);
	bool w = false;
	long before, after;
	uint8_t stats[3][10];

	virtio_balloon_init(&b, &gm, true);
	drv_start(&b.vd, 1ull << VIRTIO_BALLOON_F_STATS_VQ | 1ull << VIRTIO_BALLOON_F_REPORTING);
	ok(virtio_ready(&b.vd), "balloon driver ready");
	virtio_balloon_set_target(&b, 256);
	is_int(b.config[0] | b.config[1] << 8, 256, "target in num_pages");
	memset(ram + BALLOON_AREA, 0xab, 257 * 4096);
	for (int i = 0; i < 256; i++)
		pfn[i] = (uint32_t)(BALLOON_AREA / 4096 + i);
	memcpy(ram + BUF, pfn, sizeof(pfn));
	before = resident(BALLOON_AREA, 256 * 4096);
	drv_post(&b.vd, 0, 1, &gpa, &len, &w);
	after = resident(BALLOON_AREA, 256 * 4096);
	is_int(drv_used(0), 1, "inflate buffer used");
	is_int(b.inflated, 256, "256 pages inflated");
	ok(before == 256 && after == 0, "resident pages in the balloon: %ld before, %ld after",
	   before, after);
	ok(ram[BALLOON_AREA] == 0 && ram[BALLOON_AREA + 256 * 4096 - 1] == 0,
	   "inflated pages read back as zero");
	ok(ram[BALLOON_AREA + 256 * 4096] == 0xab, "the page after the balloon is intact");
	drv_post(&b.vd, 1, 1, &gpa, &len, &w);
	is_int(b.deflated, 256, "256 pages deflated");
	is_int(drv_used(1), 1, "deflate buffer used");

	/* Stats: tag 4 (free memory) and 5 (total). */
	memcpy(stats[0], (uint16_t[]){ 4 }, 2);
	memcpy(stats[0] + 2, (uint64_t[]){ 12345 }, 8);
	memcpy(stats[1], (uint16_t[]){ 5 }, 2);
	memcpy(stats[1] + 2, (uint64_t[]){ 99999 }, 8);
	memcpy(stats[2], (uint16_t[]){ 0x7777 }, 2);
	memcpy(ram + BUF + 0x2000, stats, sizeof(stats));
	gpa = BUF + 0x2000;
	len = sizeof(stats);
	drv_post(&b.vd, 2, 1, &gpa, &len, &w);
	ok(b.stats_valid && b.stats[4] == 12345 && b.stats[5] == 99999, "stats parsed");
	is_int(drv_used(2), 0, "stats buffer held by the device");
	is_int(virtio_balloon_request_stats(&b), 0, "stats requested");
	is_int(drv_used(2), 1, "stats buffer returned for a refill");
	is_int(virtio_balloon_request_stats(&b), -EAGAIN, "no buffer held: -EAGAIN");

	/* Free page reporting on queue 3 (stats took 2): a 2 MiB range, device-writable. */
	memset(ram + BALLOON_AREA, 0xcd, 2 << 20);
	gpa = BALLOON_AREA;
	len = 2 << 20;
	w = true;
	drv_post(&b.vd, 3, 1, &gpa, &len, &w);
	is_int(b.reported, 512, "512 pages reported free");
	ok(ram[BALLOON_AREA + (1 << 20)] == 0, "reported range discarded");

	/* A frame outside RAM fails the device. */
	pfn[0] = (uint32_t)(RAM_SIZE / 4096 + 5);
	memcpy(ram + BUF, pfn, 4);
	gpa = BUF;
	len = 4;
	w = false;
	drv_post(&b.vd, 0, 1, &gpa, &len, &w);
	ok(b.vd.status & VIRTIO_S_NEEDS_RESET, "inflate of a frame outside RAM: NEEDS_RESET");

	/* Without stats negotiated, reporting is queue 2. */
	drv_start(&b.vd, 1ull << VIRTIO_BALLOON_F_REPORTING);
	b.reported = 0;
	gpa = BALLOON_AREA;
	len = 4096;
	w = true;
	drv_post(&b.vd, 2, 1, &gpa, &len, &w);
	is_int(b.reported, 1, "queue 2 is the reporting queue when stats are off");
	gpa = BALLOON_AREA + 100;
	drv_post(&b.vd, 2, 1, &gpa, &len, &w);
	ok(b.vd.status & VIRTIO_S_NEEDS_RESET, "a report not page-aligned: NEEDS_RESET");

	virtio_balloon_init(&b, &gm, false);
	ok(!(virtio_dev_features(&b.vd) & 1ull << VIRTIO_BALLOON_F_REPORTING),
	   "reporting not offered unless asked for");
	is_int(virtio_balloon_schedule(&b, ""), -EINVAL, "empty schedule refused");
	is_int(virtio_balloon_schedule(&b, "5"), -EINVAL, "schedule without a size refused");
	is_int(virtio_balloon_schedule(&b, "5:64,2:0"), -EINVAL, "times going back refused");
	is_int(virtio_balloon_schedule(&b, "5:64,"), -EINVAL, "trailing comma refused");
	is_int(virtio_balloon_schedule(&b, "5:64x"), -EINVAL, "trailing junk refused");
}

static void test_console(void)
{
	static struct virtio_console c;
	int p[2];
	char got[64] = { 0 };
	uint64_t gpa[2] = { BUF, BUF + 0x100 };
	uint32_t len[2] = { 6, 7 };
	bool w[2] = { false, false };
	uint32_t used_len;

	if (pipe2(p, O_NONBLOCK)) {
		ok(0, "pipe");
		return;
	}
	virtio_console_init(&c, &gm, p[1]);
	drv_start(&c.vd, 0);
	memcpy(ram + BUF, "hello ", 6);
	memcpy(ram + BUF + 0x100, "world!\n", 7);
	drv_post(&c.vd, 1, 2, gpa, len, w);
	ok(read(p[0], got, sizeof(got)) == 13 && !strcmp(got, "hello world!\n"),
	   "transmit reaches the host fd");
	is_int(drv_used(1), 1, "transmit buffer returned");
	/* Input from the VMM's stdin waits in the device until the guest posts buffers. */
	is_int(virtio_console_queue_input(&c, "ls\n", 3), 3, "input queued with no buffer posted");
	is_int(drv_used(0), 0, "queued input not delivered yet");
	gpa[0] = BUF + 0x1000;
	len[0] = 2;
	w[0] = true;
	drv_post(&c.vd, 0, 1, gpa, len, w);
	memcpy(&used_len, ram + QBASE(0) + 0x2004 + 4, 4);
	ok(drv_used(0) == 1 && !memcmp(ram + BUF + 0x1000, "ls", 2) && used_len == 2,
	   "a 2-byte buffer takes 'ls', used len 2");
	is_int(virtio_console_queue_input(&c, "pwd\n", 4), 4, "more input queued behind the rest");
	gpa[0] = BUF + 0x2000;
	len[0] = 16;
	drv_post(&c.vd, 0, 1, gpa, len, w);
	memcpy(&used_len, ram + QBASE(0) + 0x2004 + 8 + 4, 4);
	ok(drv_used(0) == 2 && used_len == 5 && !memcmp(ram + BUF + 0x2000, "\npwd\n", 5),
	   "the next buffer gets what was left, in order");
	static char big[VIRTIO_CONSOLE_PENDING + 100];
	is_int(virtio_console_queue_input(&c, big, sizeof(big)), VIRTIO_CONSOLE_PENDING,
	       "the queue takes %d bytes, no more", VIRTIO_CONSOLE_PENDING);
	is_int(virtio_console_queue_input(&c, "x", 1), 0, "a full queue takes nothing");
	close(p[0]);
	close(p[1]);
}

/* Queued input waits for the guest's first write: Linux drops input before its port is up. */
static void test_console_early_input(void)
{
	static struct virtio_console c;
	uint64_t gpa[1] = { BUF };
	uint32_t len[1] = { 16 };
	bool w[1] = { true };
	int p[2];

	if (pipe2(p, O_NONBLOCK)) {
		ok(0, "pipe");
		return;
	}
	virtio_console_init(&c, &gm, p[1]);
	drv_start(&c.vd, 0);
	is_int(virtio_console_queue_input(&c, "ab\n", 3), 3, "early input queued");
	drv_post(&c.vd, 0, 1, gpa, len, w);
	is_int(drv_used(0), 0, "a receive buffer alone does not release it");
	memcpy(ram + BUF + 0x100, "$ ", 2);
	gpa[0] = BUF + 0x100;
	len[0] = 2;
	w[0] = false;
	drv_post(&c.vd, 1, 1, gpa, len, w);
	ok(drv_used(0) == 1 && !memcmp(ram + BUF, "ab\n", 3),
	   "the guest's first write releases the waiting input");
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gm.region[0] = (struct gmem_region){ GPA(0), RAM_SIZE, ptr_to_hva(ram) };
	gm.nr_regions = 1;
	test_balloon();
	test_console();
	test_console_early_input();
	munmap(ram, RAM_SIZE);
	return tap_done();
}

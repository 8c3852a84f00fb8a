// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk against a real file through io_uring: requests are written into guest RAM as a
 * driver would, kicked, and their completions reaped; the file and the status bytes must agree.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "../../vmm/guest_mem.h"
#include "../../devices/virtio/blk.h"

#define RAM_SIZE (1u << 20)
#define QSZ 16
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define HDR 0x8000
#define DATA 0x10000
#define STATUS 0x9000

static uint8_t *ram;
static struct guest_mem gm;
static unsigned int irqs;
static char path[] = "/tmp/mirrorvm-blk-XXXXXX";

static void count_irq(struct virtio_dev *vd, uint16_t vector)
{
	irqs++;
}

static void desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(ram + DESC + 16 * i, &d, sizeof(d));
}

static void start(struct virtio_blk *b)
{
	struct virtio_dev *vd = &b->vd;

	memset(ram, 0, RAM_SIZE);
	vd->raise = count_irq;
	virtio_set_status(vd, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vd->driver_features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_FLUSH;
	virtio_set_status(vd, 0x0b);
	vd->qcfg[0] = (struct virtio_queue_cfg){ QSZ, VIRTIO_NO_VECTOR, DESC, AVAIL, USED };
	virtio_queue_enable(vd, 0);
	virtio_set_status(vd, 0x0f);
}

/* Publishes head, kicks, waits for the used index to move; returns the used length. */
static uint32_t kick(struct virtio_blk *b, uint16_t head)
{
	uint16_t idx, used0, used;
	uint32_t elem[2] = { 0, 0 };

	memcpy(&idx, ram + AVAIL + 2, 2);
	memcpy(ram + AVAIL + 4 + 2 * (idx % QSZ), &head, 2);
	idx++;
	memcpy(ram + AVAIL + 2, &idx, 2);
	memcpy(&used0, ram + USED + 2, 2);
	pthread_mutex_lock(&b->vd.lock);
	b->vd.ops->notify(&b->vd, 0);
	pthread_mutex_unlock(&b->vd.lock);
	for (int i = 0; i < 100; i++) {
		memcpy(&used, ram + USED + 2, 2);
		if (used != used0)
			break;
		if (!b->inflight)
			return UINT32_MAX; /* nothing in flight and nothing completed */
		virtio_blk_complete(b, true);
	}
	memcpy(&used, ram + USED + 2, 2);
	if (used == used0)
		return UINT32_MAX;
	memcpy(elem, ram + USED + 4 + 8 * (used0 % QSZ), 8);
	return elem[0] == head ? elem[1] : UINT32_MAX - 1;
}

/* A three-descriptor request: header, data (len bytes, direction by type), status. */
static int request(struct virtio_blk *b, uint32_t type, uint64_t sector, uint32_t len,
		   uint32_t *used_len)
{
	uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };
	uint16_t dflags = type == VIRTIO_BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE;
	uint32_t u;

	memcpy(ram + HDR, hdr, sizeof(hdr));
	ram[STATUS] = 0xee;
	desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	if (len) {
		desc(1, DATA, len, dflags | VIRTQ_DESC_F_NEXT, 2);
		desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	} else {
		desc(1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	}
	u = kick(b, 0);
	if (used_len)
		*used_len = u;
	return u >= UINT32_MAX - 1 ? -1 : ram[STATUS];
}

static int open_disk(int flags)
{
	return open(path, flags | O_CLOEXEC);
}

static void test_rw(void)
{
	static struct virtio_blk b;
	uint8_t file[4096];
	uint32_t used;
	char id[21] = { 0 };

	ok(!virtio_blk_init(&b, &gm, open_disk(O_RDWR), false, "mirrorvm-test"), "init");
	is_int(b.sectors, 2048, "capacity from the file size");
	start(&b);
	ok(virtio_ready(&b.vd), "driver ready");
	for (int i = 0; i < 4096; i++)
		ram[DATA + i] = (uint8_t)(i * 7 + 1);
	is_int(request(&b, VIRTIO_BLK_T_OUT, 8, 4096, &used), VIRTIO_BLK_S_OK, "write 4 KiB");
	is_int(used, 1, "write reports only the status byte written");
	pread(b.fd, file, sizeof(file), 8 * 512);
	ok(!memcmp(file, ram + DATA, 4096), "the file holds the bytes at sector 8");
	memset(ram + DATA, 0, 4096);
	is_int(request(&b, VIRTIO_BLK_T_IN, 8, 4096, &used), VIRTIO_BLK_S_OK, "read 4 KiB");
	is_int(used, 4097, "read reports data and status");
	ok(!memcmp(file, ram + DATA, 4096), "read back what was written");
	is_int(request(&b, VIRTIO_BLK_T_FLUSH, 0, 0, NULL), VIRTIO_BLK_S_OK, "flush (fsync)");
	is_int(request(&b, VIRTIO_BLK_T_GET_ID, 0, 20, NULL), VIRTIO_BLK_S_OK, "get-id");
	memcpy(id, ram + DATA, 20);
	ok(!strcmp(id, "mirrorvm-test"), "id is '%s'", id);
	is_int(request(&b, VIRTIO_BLK_T_IN, 2047, 1024, NULL), VIRTIO_BLK_S_IOERR,
	       "read past the end: IOERR");
	is_int(request(&b, VIRTIO_BLK_T_IN, UINT64_MAX / 512, 512, NULL), VIRTIO_BLK_S_IOERR,
	       "sector that overflows a byte offset: IOERR");
	is_int(request(&b, VIRTIO_BLK_T_OUT, 0, 100, NULL), VIRTIO_BLK_S_IOERR,
	       "partial sector: IOERR");
	is_int(request(&b, 99, 0, 512, NULL), VIRTIO_BLK_S_UNSUPP, "unknown type: UNSUPP");
	ok(irqs > 0, "interrupts raised (%u)", irqs);

	/* The header split over two descriptors, data in two. */
	memcpy(ram + HDR, (uint32_t[4]){ VIRTIO_BLK_T_IN, 0, 8, 0 }, 16);
	desc(0, HDR, 8, VIRTQ_DESC_F_NEXT, 3);
	desc(3, HDR + 8, 8, VIRTQ_DESC_F_NEXT, 4);
	desc(4, DATA, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 5);
	desc(5, DATA + 0x2000, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	desc(6, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	memset(ram + DATA, 0, 0x3000);
	is_int(kick(&b, 0), 1025, "split header and data: read 1 KiB");
	ok(ram[STATUS] == 0 && !memcmp(ram + DATA, file, 512) &&
		   !memcmp(ram + DATA + 0x2000, file + 512, 512),
	   "split read lands in both buffers");

	/* No status byte: the device fails, the VMM does not. */
	desc(0, HDR, 16, 0, 0);
	kick(&b, 0);
	ok(b.vd.status & VIRTIO_S_NEEDS_RESET, "request without status: NEEDS_RESET");
	virtio_blk_exit(&b);
}

static void test_ro_and_errors(void)
{
	static struct virtio_blk b;
	uint8_t before[512], after[512];
	int fd = open_disk(O_RDONLY);

	pread(fd, before, 512, 0);
	ok(!virtio_blk_init(&b, &gm, fd, true, NULL), "read-only init");
	ok(virtio_dev_features(&b.vd) & (1ull << VIRTIO_BLK_F_RO), "RO feature offered");
	start(&b);
	memset(ram + DATA, 0x5a, 512);
	is_int(request(&b, VIRTIO_BLK_T_OUT, 0, 512, NULL), VIRTIO_BLK_S_IOERR,
	       "write to a read-only disk: IOERR");
	pread(fd, after, 512, 0);
	ok(!memcmp(before, after, 512), "the read-only file is unchanged");
	is_int(request(&b, VIRTIO_BLK_T_IN, 0, 512, NULL), VIRTIO_BLK_S_OK,
	       "read from a read-only disk works");
	virtio_blk_exit(&b);

	/* A writable device whose file refuses writes: the host error becomes IOERR. */
	ok(!virtio_blk_init(&b, &gm, open_disk(O_RDONLY), false, NULL), "init over O_RDONLY fd");
	start(&b);
	is_int(request(&b, VIRTIO_BLK_T_OUT, 0, 512, NULL), VIRTIO_BLK_S_IOERR,
	       "host write error (EBADF): IOERR");
	ok(!(b.vd.status & VIRTIO_S_NEEDS_RESET), "an I/O error does not fail the device");
	virtio_blk_exit(&b);
}

static void test_open(void)
{
	int fd;
	bool ro;

	ok(!virtio_blk_open(path, &fd, &ro) && !ro, "open FILE");
	close(fd);
	ok(!virtio_blk_open(strcat(strcpy((char[64]){ 0 }, path), ",ro"), &fd, &ro) && ro,
	   "open FILE,ro");
	close(fd);
	is_int(virtio_blk_open("/tmp/x,rw", &fd, &ro), -EINVAL, "unknown option refused");
	is_int(virtio_blk_open("/nonexistent/disk", &fd, &ro), -ENOENT, "missing file: -ENOENT");
}

int main(void)
{
	int fd = mkstemp(path);

	ftruncate(fd, 1 << 20);
	close(fd);
	ram = aligned_alloc(4096, RAM_SIZE);
	gm.region[0] = (struct gmem_region){ GPA(0), RAM_SIZE, ptr_to_hva(ram) };
	gm.nr_regions = 1;
	test_rw();
	test_ro_and_errors();
	test_open();
	unlink(path);
	free(ram);
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue against crafted rings: one table of hostile cases, each of which must leave
 * the queue broken (never a crash, a hang or a buffer outside guest RAM), and well-formed cases
 * that must come back exactly as the guest wrote them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../vmm/guest_mem.h"
#include "../../devices/virtio/virtqueue.h"

#define RAM_SIZE (1u << 20)
#define NUM 8
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define IND 0x4000
#define BUF 0x10000

static uint8_t *ram;
static struct guest_mem gm;

static void put_desc(uint64_t table, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(ram + table + 16 * i, &d, sizeof(d));
}

/* Publishes head as the next available entry. */
static void publish(uint16_t head)
{
	uint16_t idx;

	memcpy(&idx, ram + AVAIL + 2, 2);
	memcpy(ram + AVAIL + 4 + 2 * (idx % NUM), &head, 2);
	idx++;
	memcpy(ram + AVAIL + 2, &idx, 2);
}

static void set_avail_idx(uint16_t idx)
{
	memcpy(ram + AVAIL + 2, &idx, 2);
}

enum { N = VIRTQ_DESC_F_NEXT, W = VIRTQ_DESC_F_WRITE, I = VIRTQ_DESC_F_INDIRECT };

static void c_single(void)
{
	put_desc(DESC, 0, BUF, 512, 0, 0);
	publish(0);
}
static void c_chain3(void)
{
	put_desc(DESC, 2, BUF, 16, N, 5);
	put_desc(DESC, 5, BUF + 16, 512, N, 1);
	put_desc(DESC, 1, BUF + 1024, 1, W, 0);
	publish(2);
}
static void c_empty(void)
{
}
static void c_head_range(void)
{
	publish(NUM);
}
static void c_next_range(void)
{
	put_desc(DESC, 0, BUF, 16, N, NUM);
	publish(0);
}
static void c_self_loop(void)
{
	put_desc(DESC, 3, BUF, 16, N, 3);
	publish(3);
}
static void c_two_loop(void)
{
	put_desc(DESC, 0, BUF, 16, N, 1);
	put_desc(DESC, 1, BUF, 16, N, 0);
	publish(0);
}
static void c_addr_out(void)
{
	put_desc(DESC, 0, RAM_SIZE + 0x1000, 16, 0, 0);
	publish(0);
}
static void c_len_wraps(void)
{
	put_desc(DESC, 0, UINT64_MAX - 0x10, 0x1000, 0, 0);
	publish(0);
}
static void c_len_huge(void)
{
	put_desc(DESC, 0, BUF, UINT32_MAX, W, 0);
	publish(0);
}
static void c_straddle(void)
{
	put_desc(DESC, 0, RAM_SIZE - 8, 16, 0, 0);
	publish(0);
}
static void c_read_after_write(void)
{
	put_desc(DESC, 0, BUF, 16, W | N, 1);
	put_desc(DESC, 1, BUF + 16, 16, 0, 0);
	publish(0);
}
static void c_idx_jump(void)
{
	put_desc(DESC, 0, BUF, 16, 0, 0);
	set_avail_idx(NUM + 1);
}
static void c_indirect_ok(void)
{
	put_desc(IND, 0, BUF, 16, N, 1);
	put_desc(IND, 1, BUF + 16, 32, N, 2);
	put_desc(IND, 2, BUF + 64, 8, W, 0);
	put_desc(DESC, 4, IND, 3 * 16, I, 0);
	publish(4);
}
static void c_indirect_next(void)
{
	put_desc(IND, 0, BUF, 16, 0, 0);
	put_desc(DESC, 0, IND, 16, I | N, 1);
	put_desc(DESC, 1, BUF, 16, 0, 0);
	publish(0);
}
static void c_indirect_nested(void)
{
	put_desc(IND + 0x100, 0, BUF, 16, 0, 0);
	put_desc(IND, 0, IND + 0x100, 16, I, 0);
	put_desc(DESC, 0, IND, 16, I, 0);
	publish(0);
}
static void c_indirect_len_odd(void)
{
	put_desc(IND, 0, BUF, 16, 0, 0);
	put_desc(DESC, 0, IND, 20, I, 0);
	publish(0);
}
static void c_indirect_len_zero(void)
{
	put_desc(DESC, 0, IND, 0, I, 0);
	publish(0);
}
static void c_indirect_out(void)
{
	put_desc(DESC, 0, RAM_SIZE - 16, 64, I, 0);
	publish(0);
}
static void c_indirect_loop(void)
{
	put_desc(IND, 0, BUF, 16, N, 1);
	put_desc(IND, 1, BUF, 16, N, 0);
	put_desc(DESC, 0, IND, 32, I, 0);
	publish(0);
}
static void c_indirect_next_range(void)
{
	put_desc(IND, 0, BUF, 16, N, 2);
	put_desc(DESC, 0, IND, 32, I, 0);
	publish(0);
}
static void c_indirect_too_long(void)
{
	put_desc(DESC, 0, IND, 16 * (VIRTQ_MAX_SEGS + 1), I, 0);
	publish(0);
}
static void c_ring_outside(void)
{
	put_desc(DESC, 0, BUF, 16, 0, 0);
	publish(0);
	gm.region[0].size = AVAIL + 2; /* the avail ring's index is no longer guest RAM */
}

struct ring_case {
	const char *name;
	void (*setup)(void);
	bool indirect;
	int want;
	unsigned int out, in;
	uint64_t out_len, in_len;
};

static const struct ring_case cases[] = {
	{ "one readable buffer", c_single, false, 1, 1, 0, 512, 0 },
	{ "chain of three out of order", c_chain3, false, 1, 2, 1, 528, 1 },
	{ "empty ring", c_empty, false, 0 },
	{ "head past the ring", c_head_range, false, -EIO },
	{ "next past the ring", c_next_range, false, -EIO },
	{ "descriptor pointing at itself", c_self_loop, false, -EIO },
	{ "two descriptors in a cycle", c_two_loop, false, -EIO },
	{ "buffer outside guest RAM", c_addr_out, false, -EIO },
	{ "address + length wraps 2^64", c_len_wraps, false, -EIO },
	{ "length 4 GiB - 1", c_len_huge, false, -EIO },
	{ "buffer straddles the end of RAM", c_straddle, false, -EIO },
	{ "readable after writable", c_read_after_write, false, -EIO },
	{ "avail index jumps past the ring size", c_idx_jump, false, -EIO },
	{ "indirect table", c_indirect_ok, true, 1, 2, 1, 48, 8 },
	{ "indirect table not negotiated", c_indirect_ok, false, -EIO },
	{ "indirect with next", c_indirect_next, true, -EIO },
	{ "nested indirect", c_indirect_nested, true, -EIO },
	{ "indirect length not a multiple of 16", c_indirect_len_odd, true, -EIO },
	{ "indirect length zero", c_indirect_len_zero, true, -EIO },
	{ "indirect table outside guest RAM", c_indirect_out, true, -EIO },
	{ "indirect table cycle", c_indirect_loop, true, -EIO },
	{ "indirect next past its table", c_indirect_next_range, true, -EIO },
	{ "indirect table longer than the request limit", c_indirect_too_long, true, -EIO },
	{ "avail ring leaves guest RAM", c_ring_outside, false, -EIO },
};

static void fresh(struct virtq *vq, bool indirect)
{
	memset(ram, 0, RAM_SIZE);
	gm.region[0] = (struct gmem_region){ GPA(0), RAM_SIZE, ptr_to_hva(ram) };
	gm.nr_regions = 1;
	memset(vq, 0, sizeof(*vq));
	vq->indirect = indirect;
	virtq_enable(vq, &gm, NUM, GPA(DESC), GPA(AVAIL), GPA(USED));
}

static void run_case(const struct ring_case *rc)
{
	static struct virtq_chain c;
	struct virtq vq;
	int ret;

	fresh(&vq, rc->indirect);
	rc->setup();
	ret = virtq_pop(&vq, &c);
	is_int(ret, rc->want, "%s: pop returns %d", rc->name, rc->want);
	if (rc->want < 0) {
		ok(vq.broken && vq.why, "%s: queue broken (%s)", rc->name, vq.why ? vq.why : "-");
		is_int(virtq_pop(&vq, &c), -EIO, "%s: stays broken", rc->name);
		is_int(virtq_push(&vq, 0, 0), -EIO, "%s: no completions once broken", rc->name);
		return;
	}
	ok(!vq.broken, "%s: queue healthy", rc->name);
	if (rc->want == 1) {
		ok(c.nr_out == rc->out && c.nr_in == rc->in && c.out_len == rc->out_len &&
			   c.in_len == rc->in_len,
		   "%s: %u out (%llu B), %u in (%llu B)", rc->name, c.nr_out,
		   (unsigned long long)c.out_len, c.nr_in, (unsigned long long)c.in_len);
		for (unsigned int i = 0; i < c.nr_out + c.nr_in; i++) {
			uint8_t *p = c.iov[i].iov_base;

			if (p < ram || p + c.iov[i].iov_len > ram + RAM_SIZE)
				ok(0, "%s: buffer %u inside guest RAM", rc->name, i);
		}
	}
}

static void test_enable(void)
{
	struct virtq vq = { 0 };

	fresh(&vq, false);
	is_int(virtq_enable(&vq, &gm, 6, GPA(DESC), GPA(AVAIL), GPA(USED)), -EINVAL,
	       "enable refuses a size that is not a power of two");
	is_int(virtq_enable(&vq, &gm, 0, GPA(DESC), GPA(AVAIL), GPA(USED)), -EINVAL,
	       "enable refuses size 0");
	is_int(virtq_enable(&vq, &gm, 2048, GPA(DESC), GPA(AVAIL), GPA(USED)), -EINVAL,
	       "enable refuses a size above the maximum");
	is_int(virtq_enable(&vq, &gm, NUM, GPA(DESC + 8), GPA(AVAIL), GPA(USED)), -EINVAL,
	       "enable refuses a misaligned descriptor table");
	is_int(virtq_enable(&vq, &gm, NUM, GPA(DESC), GPA(AVAIL), GPA(RAM_SIZE - 8)), -EINVAL,
	       "enable refuses a used ring running past RAM");
	ok(!vq.ready, "a refused queue is not ready");
	is_int(virtq_pop(&vq, &(struct virtq_chain){ 0 }), 0, "a queue not ready gives nothing");
}

static void test_push(void)
{
	static struct virtq_chain c;
	struct virtq vq;
	uint32_t elem[2];
	uint16_t idx, flags = VIRTQ_AVAIL_F_NO_INTERRUPT;

	fresh(&vq, false);
	c_chain3();
	virtq_pop(&vq, &c);
	is_int(virtq_push(&vq, c.head, 1), 0, "push a completion");
	memcpy(&idx, ram + USED + 2, 2);
	memcpy(elem, ram + USED + 4, 8);
	ok(idx == 1 && elem[0] == 2 && elem[1] == 1, "used ring holds id 2 len 1, idx 1");
	ok(virtq_want_irq(&vq), "guest wants interrupts by default");
	memcpy(ram + AVAIL, &flags, 2);
	ok(!virtq_want_irq(&vq), "guest suppressed interrupts");
	is_int(virtq_push(&vq, NUM, 0), -EIO, "push of an id past the ring breaks the queue");

	/* The avail index wraps at 2^16 like the driver's. */
	fresh(&vq, false);
	vq.last_avail = 0xffff;
	put_desc(DESC, 0, BUF, 16, 0, 0);
	memcpy(ram + AVAIL + 4 + 2 * (0xffff % NUM), &(uint16_t){ 0 }, 2);
	set_avail_idx(0);
	is_int(virtq_pop(&vq, &c), 1, "pop across the 16-bit index wrap");
	is_int(vq.last_avail, 0, "last_avail wrapped to 0");
}

int main(void)
{
	ram = aligned_alloc(4096, RAM_SIZE);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_enable();
	test_push();
	free(ram);
	return tap_done();
}

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmirror: the interface between the mmirror kernel module and the VMM. One header for both
 * sides; bump MMIRROR_API_VERSION on any incompatible change.
 *
 * A file opened on /dev/mmirror is bound to the opener's mm. Every ioctl and mmap from another
 * mm fails with EPERM. mmap offset 0 is the event ring; each region's shadow table is mapped at
 * the offset ADD_REGION returns.
 */
#ifndef MMIRROR_UAPI_H
#define MMIRROR_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MMIRROR_API_VERSION 5
#define MMIRROR_DEVICE "/dev/mmirror"
#define MMIRROR_IOC_MAGIC 0xB7

/*
 * Shadow table entry: one __u64 per 4 KiB guest page, in the EPT leaf format. Bits 52-55 hold
 * the last invalidation cause (enum mmu_notifier_event + 1; 0: never invalidated). Userspace
 * may only set ACCESSED and DIRTY, atomically, on present entries.
 *
 * Version 3: PROTECTION_PAGE, SOFT_DIRTY and (on kernels before 6.3) PROTECTION_VMA that keeps
 * VM_READ downgrade the entry instead of clearing it: present, WRITE clear, PFN and A/D kept,
 * DOWNGRADED set, the cause updated. A later populate drops DOWNGRADED.
 */
#define MMIRROR_PTE_PRESENT (1ULL << 0)
#define MMIRROR_PTE_WRITE (1ULL << 1)
#define MMIRROR_PTE_HUGE (1ULL << 7)
#define MMIRROR_PTE_ACCESSED (1ULL << 8)
#define MMIRROR_PTE_DIRTY (1ULL << 9)
/* Still present after an invalidation that only took WRITE away (the cause says which). */
#define MMIRROR_PTE_DOWNGRADED (1ULL << 11)
#define MMIRROR_PTE_PFN_MASK 0x000ffffffffff000ULL
#define MMIRROR_PTE_PFN_SHIFT 12
#define MMIRROR_PTE_CAUSE_SHIFT 52
#define MMIRROR_PTE_CAUSE_MASK (0xfULL << MMIRROR_PTE_CAUSE_SHIFT)

/* The kernel's enum mmu_notifier_event, as found in events and in the cause bits. */
enum mmirror_event_type {
	MMIRROR_EV_UNMAP = 0,
	MMIRROR_EV_CLEAR,
	MMIRROR_EV_PROTECTION_VMA,
	MMIRROR_EV_PROTECTION_PAGE,
	MMIRROR_EV_SOFT_DIRTY,
	MMIRROR_EV_RELEASE,
	MMIRROR_EV_MIGRATE,
	MMIRROR_EV_EXCLUSIVE,
	MMIRROR_EV_MAX = 16,
	MMIRROR_EV_NONE = 0xff, /* callbacks that carry no event type */
};

/* Which callback produced a record. */
enum mmirror_callback {
	MMIRROR_CB_INVALIDATE = 0, /* the region's interval notifier: entries cleared */
	MMIRROR_CB_RANGE_START, /* plain notifier, tracing only */
	MMIRROR_CB_RANGE_END,
	MMIRROR_CB_CLEAR_FLUSH_YOUNG,
	MMIRROR_CB_CLEAR_YOUNG,
	MMIRROR_CB_TEST_YOUNG,
	MMIRROR_CB_CHANGE_PTE,
	MMIRROR_CB_RELEASE,
	MMIRROR_CB_MAX = 16,
};

#define MMIRROR_EVF_BLOCKABLE (1U << 0)
#define MMIRROR_EVF_HUGE (1U << 1) /* the range was widened to whole huge pages */
#define MMIRROR_EVF_DOWNGRADE (1U << 2) /* entries made read-only, not cleared (pages: how many) */
/* Version 5: an invalidate record that also stands for the plain notifier's range_start, and end */
#define MMIRROR_EVF_RANGE_START (1U << 3)
#define MMIRROR_EVF_RANGE_END (1U << 4)

/*
 * One ring record, 64 bytes. gpa_* is clamped to the first region the range touches.
 *
 * Version 4: calls. Ageing callbacks (clear_flush_young, clear_young, test_young) of one kind that
 * continue the previous one's range (hva and gpa) with the same answer, flags and region are
 * merged into one record: calls says how many, pages is their sum, the ranges their union,
 * time_ns the first one's. Every other record has calls 1. The module may hold the last ageing
 * record back for merging until the next record, a poll() of the file or GET_STATS: a reader
 * that does not wait in poll() polls with timeout 0 before it reads head.
 *
 * Version 5: the plain notifier's range_start and range_end that follow a region's invalidate of
 * the same range, event and blockability, with nothing between, are folded into its record
 * (MMIRROR_EVF_RANGE_START, MMIRROR_EVF_RANGE_END) instead of records of their own; the record
 * may be held back until its range_end, as an ageing record is. A range_start or range_end record
 * still comes where anything came between (another thread's callback, a reader's poll), for a
 * range that touches more than one region, and where no region invalidation came first.
 */
struct mmirror_event {
	__u64 seq; /* 1, 2, ...; a jump of n means n - 1 records were lost */
	__u64 time_ns; /* CLOCK_MONOTONIC, within the clocks' drift since the reader's last poll */
	__u64 hva_start, hva_end;
	__u64 gpa_start, gpa_end;
	__u32 pages; /* entries cleared, or aged, or tested */
	__u8 callback; /* enum mmirror_callback */
	__u8 event; /* enum mmirror_event_type, or MMIRROR_EV_NONE */
	__u8 flags; /* MMIRROR_EVF_* */
	__u8 young; /* the ageing answer the module computed */
	__u32 region; /* region id, or ~0 */
	__u32 calls; /* callbacks this record stands for (version 4) */
};

/*
 * The ring mapping: this header in the first page, then `records` records. The module writes
 * head and lost; the consumer writes tail. Records in [tail, head) are valid (index modulo
 * records); read head with acquire, store tail with release.
 */
struct mmirror_ring {
	__u32 version;
	__u32 records;
	__u32 record_size;
	__u32 reserved;
	__u64 head;
	__u64 tail;
	__u64 lost;
};

#define MMIRROR_MAX_REGIONS 64

/* ADD_REGION: in hva, size, gpa, flags (0); out id, table_offset, table_size. */
struct mmirror_region {
	__u64 hva;
	__u64 size;
	__u64 gpa;
	__u64 flags;
	__u32 id;
	__u32 reserved;
	__u64 table_offset;
	__u64 table_size;
};

#define MMIRROR_POPULATE_FAULT (1U << 0) /* fault missing pages in (else: snapshot present ones) */
#define MMIRROR_POPULATE_WRITE (1U << 1) /* with FAULT: fault for write */
#define MMIRROR_POPULATE_FLAGS (MMIRROR_POPULATE_FAULT | MMIRROR_POPULATE_WRITE)

/* POPULATE: in gpa, len (inside one region, page-aligned), flags; out pages, retries. */
struct mmirror_populate {
	__u64 gpa;
	__u64 len;
	__u32 flags;
	__u32 reserved;
	__u64 pages; /* entries made present */
	__u64 retries; /* read_begin/read_retry collisions */
};

/* SET_FLAGS: per-file behaviour. */
#define MMIRROR_F_NO_YOUNG (1ULL << 0) /* ageing callbacks answer "not young" (still clear A) */
#define MMIRROR_F_NO_TRACE (1ULL << 1) /* no ring records for range start/end */
/*
 * No ring records at all (the stats still count every callback): for measuring what the ring
 * costs (mmirror-bench). A compatible addition to version 4 (a module without it refuses the bit
 * with EINVAL, as any unknown one), so no version bump.
 */
#define MMIRROR_F_NO_RING (1ULL << 2)
#define MMIRROR_F_ALL (MMIRROR_F_NO_YOUNG | MMIRROR_F_NO_TRACE | MMIRROR_F_NO_RING)

struct mmirror_stats {
	__u64 callbacks[MMIRROR_CB_MAX]; /* by callback, all ranges (also outside regions) */
	__u64 events[MMIRROR_EV_MAX]; /* region invalidations by event type */
	__u64 nonblockable; /* region invalidations without MMU_NOTIFIER_RANGE_BLOCKABLE */
	__u64 pages_invalidated;
	__u64 young_answers; /* ageing callbacks that found an accessed entry */
	__u64 populates;
	__u64 populate_pages;
	__u64 populate_retries;
	__u64 ring_records;
	__u64 ring_lost;
	__u64 regions; /* this file's */
	__u64 flags; /* MMIRROR_F_* */
	__u64 released; /* 1 once the mm has gone (release arrived) */
	__u64 live_files; /* module-wide, including this one */
	__u64 live_regions; /* module-wide */
	/*
	 * 1 << MMIRROR_CB_* for each callback this kernel can call: change_pte is gone since 6.9.
	 * 0 from a module that predates the field.
	 */
	__u64 callbacks_offered;
	__u64 max_locked_ns; /* longest an invalidation held the file's spinlock in one stretch */
	__u64 pages_downgraded; /* entries kept read-only instead of cleared (not in pages_invalidated) */
	__u64 ring_merged; /* ageing callbacks merged into an earlier record (version 4) */
	__u64 ring_folded; /* range_start and range_end folded into invalidate records (version 5) */
};

/* Returns MMIRROR_API_VERSION. */
#define MMIRROR_IOC_VERSION _IO(MMIRROR_IOC_MAGIC, 0x00)
/* EINVAL: unaligned, zero, overlapping, outside the address space; ENOSPC: too many/too big. */
#define MMIRROR_IOC_ADD_REGION _IOWR(MMIRROR_IOC_MAGIC, 0x01, struct mmirror_region)
/*
 * Argument: the region's gpa (its first byte). ENOENT: no region starts there. A table still
 * mapped afterwards holds no present entry (cause UNMAP), and nothing updates it any more.
 */
#define MMIRROR_IOC_DEL_REGION _IOW(MMIRROR_IOC_MAGIC, 0x02, __u64)
/*
 * EINVAL: bad flags or range; EFAULT: the range lost its mapping; EPERM: WRITE over memory the
 * process may not write; EINTR: a signal arrived (pages and retries say how far it got); EBUSY:
 * invalidations kept colliding with one 2 MiB chunk for a second (HMM_RANGE_DEFAULT_TIMEOUT).
 */
#define MMIRROR_IOC_POPULATE _IOWR(MMIRROR_IOC_MAGIC, 0x03, struct mmirror_populate)
#define MMIRROR_IOC_GET_STATS _IOR(MMIRROR_IOC_MAGIC, 0x04, struct mmirror_stats)
/* Argument: MMIRROR_F_* (EINVAL for unknown bits). */
#define MMIRROR_IOC_SET_FLAGS _IOW(MMIRROR_IOC_MAGIC, 0x05, __u64)

#endif

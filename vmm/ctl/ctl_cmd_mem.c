// SPDX-License-Identifier: GPL-2.0
/*
 * Control commands about guest memory as the mirror sees it (mem, shadow, verify) and host
 * actions on it (pageout, dontneed, split, collapse, balloon).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "ctl_server.h"
#include "mmu.h"
#include "mirrorvm/madvise.h"
#include "../vm.h"

#define SHADOW_MAX_PAGES 4096
#define HUGE_SIZE (2ULL << 20)

static struct mmu_mirror *need_mirror(struct vm *vm, struct ctl_out *o)
{
	struct mmu_mirror *m = vm_mirror_mmu(vm);

	if (!m)
		ctl_error(o, "state", "the mirror is off (mmirror.ko not loaded, or --no-mirror)");
	return m;
}

/* A page-aligned GPA range wholly inside one region of guest RAM, from argv[idx]. */
static int arg_range(struct vm *vm, const struct ctl_request *req, int idx, uint64_t align,
		     struct ctl_out *o, gpa_t *start, uint64_t *len, hva_t *hva)
{
	uint64_t a, b;
	hva_t ha, hb;

	if (ctl_parse_range(req->argv[idx], &a, &b)) {
		ctl_error(o, "usage", "'%s' is not GPA or GPA-GPA", req->argv[idx]);
		return -EINVAL;
	}
	a &= ~(align - 1);
	b = (b + align - 1) & ~(align - 1);
	if (!b || gmem_gpa_to_hva(&vm->gm, GPA(a), &ha) ||
	    gmem_gpa_to_hva(&vm->gm, GPA(b - 1), &hb) || hb.v - ha.v != b - 1 - a) {
		ctl_error(o, "range", "[%#llx, %#llx) is not inside one region of guest RAM",
			  (unsigned long long)a, (unsigned long long)b);
		return -ERANGE;
	}
	*start = GPA(a);
	*len = b - a;
	*hva = ha;
	return 0;
}

struct mem_counts {
	uint64_t pages, present, huge, young, dirty, evicted;
};

static void count_region(const struct mmu_region *r, struct mem_counts *c)
{
	for (uint64_t i = 0; i < r->size >> 12; i++) {
		uint64_t e = mmu_entry_at(r, i);

		c->pages++;
		if (!mmu_pte_present(e)) {
			c->evicted += mmu_pte_cause(e) >= 0;
			continue;
		}
		c->present++;
		c->huge += !!(e & MMIRROR_PTE_HUGE);
		c->young += !!(e & MMIRROR_PTE_ACCESSED);
		c->dirty += !!(e & MMIRROR_PTE_DIRTY);
	}
}

static int mem_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		  struct ctl_follow *f)
{
	struct mmu_mirror *m = need_mirror(opaque, o);
	const struct mmu_region *r;

	if (!m)
		return 0;
	if (req->format == CTL_TEXT)
		ctl_printf(o, "%-20s %8s %8s %8s %8s %8s %8s", "region (gpa)", "pages", "present",
			   "huge", "young", "dirty", "evicted");
	for (unsigned int i = 0; (r = mmu_region_at(m, i)); i++) {
		struct mem_counts c = { 0 };

		count_region(r, &c);
		if (req->format == CTL_JSON)
			ctl_printf(o,
				   "{\"gpa\":%llu,\"size\":%llu,\"pages\":%llu,\"present\":%llu,"
				   "\"huge\":%llu,\"young\":%llu,\"dirty\":%llu,\"evicted\":%llu}",
				   (unsigned long long)r->gpa.v, (unsigned long long)r->size,
				   (unsigned long long)c.pages, (unsigned long long)c.present,
				   (unsigned long long)c.huge, (unsigned long long)c.young,
				   (unsigned long long)c.dirty, (unsigned long long)c.evicted);
		else
			ctl_printf(o, "%#-20llx %8llu %8llu %8llu %8llu %8llu %8llu",
				   (unsigned long long)r->gpa.v, (unsigned long long)c.pages,
				   (unsigned long long)c.present, (unsigned long long)c.huge,
				   (unsigned long long)c.young, (unsigned long long)c.dirty,
				   (unsigned long long)c.evicted);
	}
	ctl_ok(o);
	return 0;
}

static void shadow_line(struct ctl_out *o, enum ctl_format fmt, gpa_t gpa, uint64_t e)
{
	int cause = mmu_pte_cause(e);
	const char *cname = cause >= 0 ? mmu_event_type_name((unsigned int)cause) : "none";

	if (fmt == CTL_JSON) {
		ctl_printf(o,
			   "{\"gpa\":%llu,\"entry\":%llu,\"present\":%s,\"write\":%s,\"huge\":%s,"
			   "\"accessed\":%s,\"dirty\":%s,\"pfn\":%llu,\"cause\":\"%s\","
			   "\"downgraded\":%s}",
			   (unsigned long long)gpa.v, (unsigned long long)e,
			   mmu_pte_present(e) ? "true" : "false",
			   e & MMIRROR_PTE_WRITE ? "true" : "false",
			   e & MMIRROR_PTE_HUGE ? "true" : "false",
			   e & MMIRROR_PTE_ACCESSED ? "true" : "false",
			   e & MMIRROR_PTE_DIRTY ? "true" : "false",
			   (unsigned long long)mmu_pte_hpfn(e).v, cname,
			   mmu_pte_downgraded(e) ? "true" : "false");
		return;
	}
	ctl_printf(o, "%#014llx %016llx %s%s%s%s%s pfn %#llx cause %s", (unsigned long long)gpa.v,
		   (unsigned long long)e, mmu_pte_present(e) ? "P" : "-",
		   e & MMIRROR_PTE_WRITE ? "W" : "-", e & MMIRROR_PTE_HUGE ? "H" : "-",
		   e & MMIRROR_PTE_ACCESSED ? "A" : "-", e & MMIRROR_PTE_DIRTY ? "D" : "-",
		   (unsigned long long)mmu_pte_hpfn(e).v, cname);
}

static int shadow_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		     struct ctl_follow *f)
{
	struct vm *vm = opaque;
	struct mmu_mirror *m = need_mirror(vm, o);
	uint64_t len;
	gpa_t gpa;
	hva_t hva;

	if (!m || arg_range(vm, req, 1, 4096, o, &gpa, &len, &hva))
		return 0;
	if (len / 4096 > SHADOW_MAX_PAGES) {
		ctl_error(o, "range", "at most %d pages at a time", SHADOW_MAX_PAGES);
		return 0;
	}
	for (uint64_t off = 0; off < len; off += 4096)
		shadow_line(o, req->format, gpa_add(gpa, off), mmu_entry(m, gpa_add(gpa, off)));
	ctl_ok(o);
	return 0;
}

static int verify_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		     struct ctl_follow *f)
{
	struct vm *vm = opaque;
	struct mmu_mirror *m = need_mirror(vm, o);
	struct mmu_check_result res = { 0 };
	int bad;

	if (!m)
		return 0;
	/* Quiescent: no vCPU faults pages in while the tables and pagemap are compared. */
	if (vm_pause(vm)) {
		vm_resume(vm);
		ctl_error(o, "state", "the VM is stopping");
		return 0;
	}
	bad = mmu_check(m, &res);
	vm_resume(vm);
	if (bad < 0) {
		ctl_error(o, "internal", "the check failed: %s", strerror(-bad));
		return 0;
	}
	if (req->format == CTL_JSON)
		ctl_printf(o,
			   "{\"coherent\":%s,\"entries\":%llu,\"present\":%llu,\"stale\":%llu,"
			   "\"pfn_mismatch\":%llu,\"huge_mismatch\":%llu,\"pfn_checked\":%s,"
			   "\"huge_checked\":%s,\"first_bad\":%llu}",
			   bad ? "false" : "true", (unsigned long long)res.entries,
			   (unsigned long long)res.present, (unsigned long long)res.stale,
			   (unsigned long long)res.pfn_mismatch,
			   (unsigned long long)res.huge_mismatch,
			   res.pfn_checked ? "true" : "false", res.huge_checked ? "true" : "false",
			   (unsigned long long)res.first_bad.v);
	else
		ctl_printf(
			o,
			"%s: %llu entries, %llu present, %llu stale, %llu pfn mismatches, %llu "
			"huge "
			"mismatches (pfn %s, huge %s)%s",
			bad ? "INCOHERENT" : "coherent", (unsigned long long)res.entries,
			(unsigned long long)res.present, (unsigned long long)res.stale,
			(unsigned long long)res.pfn_mismatch, (unsigned long long)res.huge_mismatch,
			res.pfn_checked ? "checked" : "not visible",
			res.huge_checked ? "checked" : "not visible", bad ? "; see first_bad" : "");
	ctl_ok(o);
	return 0;
}

/*
 * Host actions. split: a PMD-mapped THP is split by changing the protection of its first
 * 4 KiB and back (the kernel must split the mapping to give one page its own protection).
 */
static int host_action(struct vm *vm, const char *name, void *p, uint64_t len)
{
	if (!strcmp(name, "pageout"))
		return madvise(p, len, MADV_PAGEOUT) ? -errno : 0;
	if (!strcmp(name, "dontneed"))
		return madvise(p, len, MADV_DONTNEED) ? -errno : 0;
	if (!strcmp(name, "collapse"))
		return madvise(p, len, MADV_COLLAPSE) ? -errno : 0;
	for (uint64_t off = 0; off < len; off += HUGE_SIZE) {
		if (mprotect((char *)p + off, 4096, PROT_READ) ||
		    mprotect((char *)p + off, 4096, PROT_READ | PROT_WRITE))
			return -errno;
	}
	return 0;
}

static int action_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		     struct ctl_follow *f)
{
	struct vm *vm = opaque;
	const char *name = req->argv[0];
	uint64_t align = strcmp(name, "split") && strcmp(name, "collapse") ? 4096 : HUGE_SIZE;
	uint64_t len;
	gpa_t gpa;
	hva_t hva;
	int ret;

	if (arg_range(vm, req, 1, align, o, &gpa, &len, &hva))
		return 0;
	/*
	 * A split briefly makes guest RAM read-only, and KVM fails KVM_RUN with EFAULT when the
	 * guest writes there meanwhile: no vCPU may run while it does.
	 */
	if (!strcmp(name, "split") && vm_pause(vm)) {
		vm_resume(vm);
		ctl_error(o, "state", "the VM is stopping");
		return 0;
	}
	ret = host_action(vm, name, hva_to_ptr(hva), len);
	if (!strcmp(name, "split"))
		vm_resume(vm);
	if (ret) {
		ctl_error(o, "state", "%s of [%#llx, %#llx): %s", name, (unsigned long long)gpa.v,
			  (unsigned long long)(gpa.v + len), strerror(-ret));
		return 0;
	}
	ctl_printf(o,
		   req->format == CTL_JSON ? "{\"action\":\"%s\",\"gpa\":%llu,\"len\":%llu}"
					   : "%s [%#llx, +%#llx) done",
		   name, (unsigned long long)gpa.v, (unsigned long long)len);
	ctl_ok(o);
	return 0;
}

static int populate_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		       struct ctl_follow *f)
{
	struct vm *vm = opaque;
	struct mmu_mirror *m = need_mirror(vm, o);
	unsigned int flags = 0;
	uint64_t len, pages = 0, retries = 0;
	gpa_t gpa;
	hva_t hva;
	int ret;

	if (!m || arg_range(vm, req, 1, 4096, o, &gpa, &len, &hva))
		return 0;
	for (int i = 2; i < req->argc; i++) {
		if (!strcmp(req->argv[i], "--fault")) {
			flags |= MMIRROR_POPULATE_FAULT;
		} else if (!strcmp(req->argv[i], "--write")) {
			/* Private pages of their own, not the shared zero page. */
			flags |= MMIRROR_POPULATE_FAULT | MMIRROR_POPULATE_WRITE;
		} else {
			ctl_error(o, "usage", "usage: populate GPA[-GPA] [--fault] [--write]");
			return 0;
		}
	}
	ret = mmu_populate_ex(m, gpa, len, flags, &pages, &retries);
	if (ret) {
		ctl_error(o, "state", "populate: %s", strerror(-ret));
		return 0;
	}
	ctl_printf(o,
		   req->format == CTL_JSON ? "{\"pages\":%llu,\"retries\":%llu}"
					   : "%llu entries present, %llu retries",
		   (unsigned long long)pages, (unsigned long long)retries);
	ctl_ok(o);
	return 0;
}

static ctl_balloon_fn balloon_hook;
static void *balloon_opaque;

void ctl_set_balloon(ctl_balloon_fn fn, void *opaque)
{
	balloon_hook = fn;
	balloon_opaque = opaque;
}

static int balloon_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		      struct ctl_follow *f)
{
	struct ctl_balloon_state st;
	uint64_t bytes;
	int ret;

	if (!balloon_hook) {
		ctl_error(o, "state", "no balloon device (run a Linux guest with --balloon)");
		return 0;
	}
	if (req->argc > 1 && (ctl_parse_u64(req->argv[1], &bytes) || bytes % 4096)) {
		ctl_error(o, "usage", "'%s' is not a size in whole pages (like 64M)", req->argv[1]);
		return 0;
	}
	ret = balloon_hook(balloon_opaque, req->argc > 1 ? &bytes : NULL, &st);
	if (ret) {
		ctl_error(o, "range", "balloon %s: %s", req->argv[1], strerror(-ret));
		return 0;
	}
	/* actual is the guest's count: it follows a new target only as the driver gets to it. */
	if (req->format == CTL_JSON)
		ctl_printf(o,
			   "{\"balloon_target\":%llu,\"actual\":%llu,\"inflated\":%llu,"
			   "\"deflated\":%llu,\"reported\":%llu}",
			   (unsigned long long)st.target * 4096,
			   (unsigned long long)st.actual * 4096, (unsigned long long)st.inflated,
			   (unsigned long long)st.deflated, (unsigned long long)st.reported);
	else
		ctl_printf(
			o,
			"balloon target %llu MiB, actual %llu MiB; pages inflated %llu, deflated "
			"%llu, reported free %llu",
			(unsigned long long)st.target >> 8, (unsigned long long)st.actual >> 8,
			(unsigned long long)st.inflated, (unsigned long long)st.deflated,
			(unsigned long long)st.reported);
	ctl_ok(o);
	return 0;
}

#define ACTION(cmd, what)                                                                          \
	static const struct ctl_command cmd##_cmd = {                                              \
		.name = #cmd,                                                                      \
		.usage = "GPA[-GPA]",                                                              \
		.help = what,                                                                      \
		.min_args = 1,                                                                     \
		.max_args = 1,                                                                     \
		.fn = action_fn,                                                                   \
	};                                                                                         \
	CTL_COMMAND(cmd##_cmd)

ACTION(pageout, "MADV_PAGEOUT the range (to swap)");
ACTION(dontneed, "MADV_DONTNEED the range (the guest reads zeros)");
ACTION(split, "split the THPs mapping the range");
ACTION(collapse, "MADV_COLLAPSE the range into THPs");

static const struct ctl_command mem_cmd = {
	.name = "mem",
	.usage = "",
	.help = "per region: present, huge, young, evicted pages",
	.fn = mem_fn,
};
static const struct ctl_command shadow_cmd = {
	.name = "shadow",
	.usage = "GPA[-GPA]",
	.help = "shadow entries, decoded",
	.min_args = 1,
	.max_args = 1,
	.fn = shadow_fn,
};
static const struct ctl_command verify_cmd = {
	.name = "verify",
	.usage = "",
	.help = "the coherence check against pagemap, now",
	.fn = verify_fn,
};
static const struct ctl_command balloon_cmd = {
	.name = "balloon",
	.usage = "[SIZE]",
	.help = "the balloon's target and the guest's count; SIZE sets the target",
	.min_args = 0,
	.max_args = 1,
	.fn = balloon_fn,
};
static const struct ctl_command populate_cmd = {
	.name = "populate",
	.usage = "GPA[-GPA] [--fault] [--write]",
	.help = "fill shadow entries from the host's page tables (--fault: fault missing pages in, "
		"--write: for writing)",
	.min_args = 1,
	.max_args = 3,
	.fn = populate_fn,
};
CTL_COMMAND(populate_cmd);
CTL_COMMAND(mem_cmd);
CTL_COMMAND(shadow_cmd);
CTL_COMMAND(verify_cmd);
CTL_COMMAND(balloon_cmd);

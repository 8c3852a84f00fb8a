// SPDX-License-Identifier: GPL-2.0
/* Control commands about the VM itself: status, pause, resume, regs, walk, read, dtb. */
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ctl_server.h"
#include "guest_abi.h"
#include "../vm.h"

/* Most words one read returns: 4 KiB, a page or a kernel stack's worth in a few calls. */
#define CTL_READ_MAX_WORDS 512U

/* The control socket's own pause, at most one, on top of anyone else's (stress checks). */
static atomic_bool ctl_paused;

static int status_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		     struct ctl_follow *f)
{
	struct vm *vm = opaque;
	const char *state = atomic_load(&vm->stopping) ? "stopping"
			    : vm_paused(vm)	       ? "paused"
						       : "running";
	uint64_t mem = 0;

	for (unsigned int i = 0; i < vm->gm.nr_regions; i++)
		mem += vm->gm.region[i].size;
	if (req->format == CTL_JSON) {
		ctl_printf(o,
			   "{\"state\":\"%s\",\"vcpus\":%u,\"mem_bytes\":%llu,\"regions\":%u,"
			   "\"mirror\":%s,\"pid\":%d}",
			   state, vm->nr_vcpus, (unsigned long long)mem, vm->gm.nr_regions,
			   vm_mirror_mmu(vm) ? "true" : "false", (int)getpid());
	} else {
		ctl_printf(o, "state:   %s", state);
		ctl_printf(o, "vcpus:   %u", vm->nr_vcpus);
		ctl_printf(o, "memory:  %llu MiB in %u region%s", (unsigned long long)(mem >> 20),
			   vm->gm.nr_regions, vm->gm.nr_regions == 1 ? "" : "s");
		ctl_printf(o, "mirror:  %s", vm_mirror_mmu(vm) ? "on" : "off");
		ctl_printf(o, "pid:     %d", (int)getpid());
	}
	ctl_ok(o);
	return 0;
}

static int pause_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		    struct ctl_follow *f)
{
	struct vm *vm = opaque;
	bool was = false;

	if (!atomic_compare_exchange_strong(&ctl_paused, &was, true)) {
		ctl_error(o, "state", "already paused");
		return 0;
	}
	if (vm_pause(vm)) {
		vm_resume(vm);
		atomic_store(&ctl_paused, false);
		ctl_error(o, "state", "the VM is stopping");
		return 0;
	}
	ctl_printf(o, req->format == CTL_JSON ? "{\"state\":\"paused\"}" : "paused");
	ctl_ok(o);
	return 0;
}

static int resume_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		     struct ctl_follow *f)
{
	bool was = true;

	if (!atomic_compare_exchange_strong(&ctl_paused, &was, false)) {
		ctl_error(o, "state", "not paused");
		return 0;
	}
	vm_resume(opaque);
	ctl_printf(o, req->format == CTL_JSON ? "{\"state\":\"running\"}" : "running");
	ctl_ok(o);
	return 0;
}

/* The vCPU an optional argument names; NULL after writing an error. */
static struct vcpu *arg_vcpu(struct vm *vm, const struct ctl_request *req, int idx,
			     struct ctl_out *o)
{
	uint64_t cpu = 0;

	if (req->argc > idx && ctl_parse_u64(req->argv[idx], &cpu)) {
		ctl_error(o, "usage", "'%s' is not a vCPU number", req->argv[idx]);
		return NULL;
	}
	if (cpu >= vm->nr_vcpus) {
		ctl_error(o, "range", "vCPU %llu does not exist (the VM has %u)",
			  (unsigned long long)cpu, vm->nr_vcpus);
		return NULL;
	}
	return &vm->vcpu[cpu];
}

/* Registers of a parked vCPU: a running one could sit in KVM_RUN (HLT) indefinitely. */
static int read_regs(struct vm *vm, struct vcpu *v, struct kvm_regs *r, struct kvm_sregs *s)
{
	int ret = vm_pause(vm);

	if (!ret && (ioctl(v->fd, KVM_GET_REGS, r) || ioctl(v->fd, KVM_GET_SREGS, s)))
		ret = -errno;
	vm_resume(vm);
	return ret;
}

static void regs_print(struct ctl_out *o, enum ctl_format fmt, unsigned int cpu,
		       const struct kvm_regs *r, const struct kvm_sregs *s)
{
	static const char *const names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
		"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"
	};
	const __u64 v[] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rsp, r->rbp,
			    r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 };

	if (fmt == CTL_JSON) {
		char gp[800];
		int n = 0;

		for (unsigned int i = 0; i < 16; i++)
			n += snprintf(gp + n, sizeof(gp) - n, ",\"%s\":%llu", names[i], v[i]);
		ctl_printf(o,
			   "{\"cpu\":%u,\"rip\":%llu,\"rflags\":%llu%s,\"cr0\":%llu,\"cr2\":%llu,"
			   "\"cr3\":%llu,\"cr4\":%llu,\"efer\":%llu}",
			   cpu, r->rip, r->rflags, gp, s->cr0, s->cr2, s->cr3, s->cr4, s->efer);
		return;
	}
	ctl_printf(o, "vcpu %u", cpu);
	ctl_printf(o, "rip %016llx rflags %016llx", r->rip, r->rflags);
	for (unsigned int i = 0; i < 16; i += 4)
		ctl_printf(o, "%-3s %016llx %-3s %016llx %-3s %016llx %-3s %016llx", names[i], v[i],
			   names[i + 1], v[i + 1], names[i + 2], v[i + 2], names[i + 3], v[i + 3]);
	ctl_printf(o, "cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx", s->cr0, s->cr2, s->cr3,
		   s->cr4);
	ctl_printf(o, "efer %llx cs %04x ss %04x", s->efer, s->cs.selector, s->ss.selector);
}

static int regs_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		   struct ctl_follow *f)
{
	struct vm *vm = opaque;
	struct vcpu *v = arg_vcpu(vm, req, 1, o);
	struct kvm_sregs s;
	struct kvm_regs r;
	int ret;

	if (!v)
		return 0;
	ret = read_regs(vm, v, &r, &s);
	if (ret) {
		ctl_error(o, "state", "cannot read the registers: %s", strerror(-ret));
		return 0;
	}
	regs_print(o, req->format, v->index, &r, &s);
	ctl_ok(o);
	return 0;
}

/* Guest memory for inspection: checked like gmem_access(), but not reported to the mirror. */
const void *ctl_peek(struct vm *vm, gpa_t gpa, uint64_t len)
{
	hva_t a, b;

	if (!len || gpa.v + len < gpa.v || gmem_gpa_to_hva(&vm->gm, gpa, &a) ||
	    gmem_gpa_to_hva(&vm->gm, gpa_add(gpa, len - 1), &b) || b.v - a.v != len - 1)
		return NULL;
	return hva_to_ptr(a);
}

static const char *const level_name[] = { "pml5e", "pml4e", "pdpte", "pde", "pte" };

#define CR0_PG (1ULL << 31)
#define CR4_LA57 (1ULL << 12)
#define EFER_LMA (1ULL << 10)

/* Whether the vCPU translates through long-mode tables at all (4 or 5 levels). */
static bool long_mode_paging(const struct kvm_sregs *s)
{
	return (s->cr0 & CR0_PG) && (s->efer & EFER_LMA);
}

/*
 * Walks the guest's 4- or 5-level tables (CR4.LA57: Debian's kernel uses 5 levels where the CPU
 * has them) for gva; fills gpa and returns 0, or -1. Each level is shown on o, or nothing at all
 * when o is NULL.
 */
static int walk_tables(struct vm *vm, const struct kvm_sregs *s, uint64_t gva, struct ctl_out *o,
		       enum ctl_format fmt, uint64_t *gpa)
{
	int levels = s->cr4 & CR4_LA57 ? 5 : 4, first = 5 - levels;
	uint64_t table = s->cr3 & 0x000ffffffffff000ULL;
	char json[1280];
	int n = 0;

	for (int level = first; level < 5; level++) {
		unsigned int shift = 12 + 9 * (4 - level), idx = (gva >> shift) & 511;
		gpa_t at = GPA(table + idx * 8);
		const void *p = ctl_peek(vm, at, sizeof(uint64_t));
		uint64_t e;

		if (!p) {
			if (o)
				ctl_error(o, "range", "%s at %#llx is outside guest RAM",
					  level_name[level], (unsigned long long)at.v);
			return -1;
		}
		memcpy(&e, p, sizeof(e));
		if (!o)
			;
		else if (fmt == CTL_TEXT)
			ctl_printf(o, "%-5s[%3u] @%#-10llx = %016llx%s%s%s%s", level_name[level],
				   idx, (unsigned long long)at.v, (unsigned long long)e,
				   e & 1 ? " P" : " not-present", e & 2 ? " W" : "",
				   e & 4 ? " U" : "",
				   (level == 2 || level == 3) && e & 0x80 ? " PS" : "");
		else
			n += snprintf(
				json + n, sizeof(json) - n,
				"%s{\"level\":\"%s\",\"index\":%u,\"addr\":%llu,\"entry\":%llu}",
				level > first ? "," : "", level_name[level], idx,
				(unsigned long long)at.v, (unsigned long long)e);
		if (!(e & 1)) {
			if (o)
				ctl_error(o, "range", "%#llx is not mapped (%s not present)",
					  (unsigned long long)gva, level_name[level]);
			return -1;
		}
		table = e & 0x000ffffffffff000ULL;
		if ((level == 2 || level == 3) && e & 0x80) {
			uint64_t mask = (1ULL << shift) - 1;

			*gpa = (table & ~mask) | (gva & mask);
			break;
		}
		*gpa = table | (gva & 0xfff);
	}
	if (!o)
		return 0;
	if (fmt == CTL_JSON)
		ctl_printf(o, "{\"gva\":%llu,\"gpa\":%llu,\"levels\":[%s]}",
			   (unsigned long long)gva, (unsigned long long)*gpa, json);
	else
		ctl_printf(o, "gva %#llx -> gpa %#llx", (unsigned long long)gva,
			   (unsigned long long)*gpa);
	return 0;
}

/* The special registers of a vCPU that translates through long-mode tables; -1 after an error. */
static int paging_sregs(struct vm *vm, struct vcpu *v, struct ctl_out *o, struct kvm_sregs *s)
{
	struct kvm_regs r;
	int ret = read_regs(vm, v, &r, s);

	if (ret) {
		ctl_error(o, "state", "cannot read the registers: %s", strerror(-ret));
		return -1;
	}
	if (!long_mode_paging(s)) {
		ctl_error(o, "state", "vCPU %u is not in long mode paging", v->index);
		return -1;
	}
	return 0;
}

static int walk_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		   struct ctl_follow *f)
{
	struct vm *vm = opaque;
	struct vcpu *v = arg_vcpu(vm, req, 2, o);
	struct kvm_sregs s;
	uint64_t gva, gpa = 0;

	if (!v)
		return 0;
	if (ctl_parse_u64(req->argv[1], &gva)) {
		ctl_error(o, "usage", "'%s' is not an address", req->argv[1]);
		return 0;
	}
	if (paging_sregs(vm, v, o, &s))
		return 0;
	if (!walk_tables(vm, &s, gva, o, req->format, &gpa))
		ctl_ok(o);
	return 0;
}

/* Reads one page's part of a read: the words at gva that lie in its page. */
static int read_page(struct vm *vm, const struct kvm_sregs *s, uint64_t gva, uint64_t *w,
		     unsigned int n)
{
	uint64_t gpa;
	const void *p;

	if (walk_tables(vm, s, gva, NULL, CTL_TEXT, &gpa))
		return -1;
	p = ctl_peek(vm, GPA(gpa), n * sizeof(*w));
	if (!p)
		return -1;
	memcpy(w, p, n * sizeof(*w));
	return 0;
}

/* The words read, four to a line with the address, or as JSON; a short read says where. */
static void read_print(struct ctl_out *o, enum ctl_format fmt, uint64_t gva, const uint64_t *w,
		       unsigned int done, unsigned int words)
{
	char buf[CTL_READ_MAX_WORDS * 21 + 64];
	int n = 0;

	if (fmt == CTL_JSON) {
		n = snprintf(buf, sizeof(buf), "{\"gva\":%llu,\"words\":[",
			     (unsigned long long)gva);
		for (unsigned int i = 0; i < done; i++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%llu", i ? "," : "",
				      (unsigned long long)w[i]);
		ctl_printf(o, "%s]}", buf);
		return;
	}
	for (unsigned int i = 0; i < done; i++) {
		if (i % 4 == 0)
			n = snprintf(buf, sizeof(buf),
				     "%016llx:", (unsigned long long)(gva + i * 8));
		n += snprintf(buf + n, sizeof(buf) - n, " %016llx", (unsigned long long)w[i]);
		if (i % 4 == 3 || i + 1 == done)
			ctl_printf(o, "%s", buf);
	}
	if (done < words)
		ctl_printf(o, "(stopped at %#llx: not mapped)",
			   (unsigned long long)(gva + done * 8));
}

/*
 * Guest virtual memory as 64-bit words, through the vCPU's own page tables, page by page (a
 * vmap'd kernel stack is not contiguous in guest-physical memory). For looking at a hung guest's
 * stacks from the host; a read that reaches an unmapped page stops there and says so.
 */
static int read_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		   struct ctl_follow *f)
{
	struct vm *vm = opaque;
	struct vcpu *v = arg_vcpu(vm, req, 3, o);
	uint64_t gva, words = 8, w[CTL_READ_MAX_WORDS];
	unsigned int done = 0;
	struct kvm_sregs s;

	if (!v)
		return 0;
	if (ctl_parse_u64(req->argv[1], &gva) || gva & 7) {
		ctl_error(o, "usage", "'%s' is not an 8-byte aligned address", req->argv[1]);
		return 0;
	}
	if (req->argc > 2 && (ctl_parse_u64(req->argv[2], &words) || !words ||
			      words > CTL_READ_MAX_WORDS || gva + words * 8 - 1 < gva)) {
		ctl_error(o, "usage", "WORDS must be 1..%u, within the address space",
			  CTL_READ_MAX_WORDS);
		return 0;
	}
	if (paging_sregs(vm, v, o, &s))
		return 0;
	while (done < words) {
		uint64_t at = gva + done * 8;
		unsigned int in_page = (0x1000 - (at & 0xfff)) / 8;

		if (in_page > words - done)
			in_page = words - done;
		if (read_page(vm, &s, at, w + done, in_page))
			break;
		done += in_page;
	}
	if (!done) {
		ctl_error(o, "range", "%#llx is not mapped in guest RAM", (unsigned long long)gva);
		return 0;
	}
	read_print(o, req->format, gva, w, done, words);
	ctl_ok(o);
	return 0;
}

static int dtb_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		  struct ctl_follow *f)
{
	struct vm *vm = opaque;
	const void *fdt = ctl_peek(vm, GPA(GUEST_FDT_GPA), GUEST_FDT_MAX);
	ssize_t len;
	int fd;

	if (!fdt || fdt_check_header(fdt) || fdt_totalsize(fdt) > GUEST_FDT_MAX) {
		ctl_error(o, "state", "no valid device tree at %#lx", (unsigned long)GUEST_FDT_GPA);
		return 0;
	}
	if (req->argv[1][0] != '/') {
		ctl_error(o, "usage", "the path must be absolute (it is opened by the VMM)");
		return 0;
	}
	fd = open(req->argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ctl_error(o, "state", "%s: %s", req->argv[1], strerror(errno));
		return 0;
	}
	len = write(fd, fdt, fdt_totalsize(fdt));
	if (close(fd) || len != (ssize_t)fdt_totalsize(fdt)) {
		ctl_error(o, "state", "%s: short write", req->argv[1]);
		return 0;
	}
	ctl_printf(o, req->format == CTL_JSON ? "{\"path\":\"%s\",\"bytes\":%u}" : "%s: %u bytes",
		   req->argv[1], fdt_totalsize(fdt));
	ctl_ok(o);
	return 0;
}

static const struct ctl_command status_cmd = {
	.name = "status",
	.usage = "",
	.help = "state, vCPUs, memory, mirror",
	.fn = status_fn,
};
static const struct ctl_command pause_cmd = {
	.name = "pause",
	.usage = "",
	.help = "park every vCPU",
	.fn = pause_fn,
};
static const struct ctl_command resume_cmd = {
	.name = "resume",
	.usage = "",
	.help = "let the vCPUs run again",
	.fn = resume_fn,
};
static const struct ctl_command regs_cmd = {
	.name = "regs",
	.usage = "[CPU]",
	.help = "a vCPU's registers",
	.max_args = 1,
	.fn = regs_fn,
};
static const struct ctl_command walk_cmd = {
	.name = "walk",
	.usage = "GVA [CPU]",
	.help = "the guest page-table walk, level by level",
	.min_args = 1,
	.max_args = 2,
	.fn = walk_fn,
};
static const struct ctl_command read_cmd = {
	.name = "read",
	.usage = "GVA [WORDS [CPU]]",
	.help = "guest virtual memory as 64-bit words, through the vCPU's page tables",
	.min_args = 1,
	.max_args = 3,
	.fn = read_fn,
};
static const struct ctl_command dtb_cmd = {
	.name = "dtb",
	.usage = "PATH",
	.help = "write the guest's device tree to PATH",
	.min_args = 1,
	.max_args = 1,
	.fn = dtb_fn,
};
CTL_COMMAND(status_cmd);
CTL_COMMAND(pause_cmd);
CTL_COMMAND(resume_cmd);
CTL_COMMAND(regs_cmd);
CTL_COMMAND(walk_cmd);
CTL_COMMAND(read_cmd);
CTL_COMMAND(dtb_cmd);

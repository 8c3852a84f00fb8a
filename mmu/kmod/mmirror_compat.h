/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels mmirror builds for, from Debian 12's 6.1 to the newest,
 * in one place. Each is keyed on what the kernel's headers have, found by Kbuild's probes
 * (MMIRROR_HAVE_*), not on version numbers, so that a distribution backport or a developer's
 * own tree gets what it really has. The notifier logic itself holds no #if.
 */
#ifndef MMIRROR_COMPAT_H
#define MMIRROR_COMPAT_H

#include <linux/mm.h>
#include <linux/mmu_notifier.h>

/*
 * The ageing callbacks answered int up to 7.0 and bool after ("mm: mmu_notifier: make the
 * young callbacks return bool"); the meaning, "some entry in the range was young", is the same.
 */
#ifdef MMIRROR_HAVE_YOUNG_BOOL
#define mmirror_young_t bool
#else
#define mmirror_young_t int
#endif

/*
 * change_pte went in 6.9: KSM and COW now replace a PTE only inside an invalidate_range_start/end
 * pair, which already clears the entry. Where the kernel still calls it, it is only logged.
 */
#ifdef MMIRROR_HAVE_CHANGE_PTE
#define MMIRROR_OP_CHANGE_PTE(fn) .change_pte = (fn),
#define MMIRROR_CB_OFFERED_CHANGE_PTE 0
#else
#define MMIRROR_OP_CHANGE_PTE(fn)
#define MMIRROR_CB_OFFERED_CHANGE_PTE (1ULL << MMIRROR_CB_CHANGE_PTE)
#endif
/* What GET_STATS tells userspace this kernel can call: every callback but the missing ones. */
#define MMIRROR_CB_OFFERED \
	(((1ULL << (MMIRROR_CB_RELEASE + 1)) - 1) & ~MMIRROR_CB_OFFERED_CHANGE_PTE)

/* vm_flags became read-only behind accessors in 6.3. */
static inline void mmirror_vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
#ifdef MMIRROR_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void mmirror_vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
#ifdef MMIRROR_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/* vm_flags_mod: set and clear in one write, since 6.3 as above. */
static inline void mmirror_vm_flags_mod(struct vm_area_struct *vma, vm_flags_t set,
					vm_flags_t clear)
{
#ifdef MMIRROR_HAVE_VM_FLAGS_SET
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * Whether a PROTECTION_VMA invalidation keeps the range readable. The kernel says so through
 * mmu_notifier_range_update_to_read_only() where it exports it (6.1; 6.12 and 7.2 declare it
 * but export it no more); elsewhere the caller must assume not, and clear.
 */
static inline bool mmirror_range_to_read_only(const struct mmu_notifier_range *range)
{
#ifdef MMIRROR_HAVE_UPDATE_TO_READ_ONLY
	return mmu_notifier_range_update_to_read_only(range);
#else
	return false;
#endif
}

#endif

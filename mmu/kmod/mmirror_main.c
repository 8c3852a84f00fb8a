// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror: mirrors the VMM's guest RAM mappings into shadow tables kept coherent through the
 * MMU notifier, the way KVM keeps its EPT/NPT coherent.
 *
 * Lifetime: a file holds its mm by mmgrab and one registered mmu_notifier. Closing the file
 * removes the regions' interval notifiers and drops the notifier with mmu_notifier_put; the file
 * state is freed from free_notifier after an SRCU grace period, so module exit waits for those
 * with mmu_notifier_synchronize. If the process exits first, release clears every table and the
 * file lingers, unusable (no mm can match it), until its last reference goes.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mmirror.h"

atomic_t mmirror_live_files = ATOMIC_INIT(0);
atomic_t mmirror_live_regions = ATOMIC_INIT(0);
atomic_t mmirror_releases = ATOMIC_INIT(0);

/* Module-wide counters in /sys/module/mmirror/parameters, readable with no file open. */
static int mmirror_get_counter(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read((atomic_t *)kp->arg));
}

static const struct kernel_param_ops mmirror_counter_ops = {
	.get = mmirror_get_counter,
};

module_param_cb(live_files, &mmirror_counter_ops, &mmirror_live_files, 0444);
MODULE_PARM_DESC(live_files, "Files not yet freed (read-only)");
module_param_cb(live_regions, &mmirror_counter_ops, &mmirror_live_regions, 0444);
MODULE_PARM_DESC(live_regions, "Regions not yet freed (read-only)");
module_param_cb(releases, &mmirror_counter_ops, &mmirror_releases, 0444);
MODULE_PARM_DESC(releases, "release callbacks so far: mms that exited under a mirror (read-only)");

unsigned int mmirror_ring_records = 4096;
module_param_named(ring_records, mmirror_ring_records, uint, 0444);
MODULE_PARM_DESC(ring_records, "Event ring size in records (64..1048576)");

static unsigned long mmirror_max_total_mb = 16384;
module_param_named(max_total_mb, mmirror_max_total_mb, ulong, 0444);
MODULE_PARM_DESC(max_total_mb, "Most guest RAM one file may mirror, in MiB");
u64 mmirror_max_total;

/*
 * Tables and rings: zeroed, charged to the caller's memory cgroup (vmalloc_user is not), and
 * failing with NULL at the cgroup's limit rather than calling its OOM killer.
 */
void *mmirror_alloc_user(unsigned long bytes)
{
	return __vmalloc(bytes,
			 GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
}

/* remap_vmalloc_range for mmirror_alloc_user memory, which has no VM_USERMAP. */
static int mmirror_map_pages(struct vm_area_struct *vma, void *kaddr, unsigned long bytes)
{
	unsigned long off, len = vma->vm_end - vma->vm_start;
	int ret;

	if (len > bytes)
		return -EINVAL;
	for (off = 0; off < len; off += PAGE_SIZE) {
		ret = vm_insert_page(vma, vma->vm_start + off, vmalloc_to_page(kaddr + off));
		if (ret)
			return ret;
	}
	return 0;
}

static int mmirror_open(struct inode *inode, struct file *file)
{
	struct mmirror_file *mf;
	int ret;

	if (!current->mm)
		return -EINVAL;
	mf = kzalloc(sizeof(*mf), GFP_KERNEL_ACCOUNT);
	if (!mf)
		return -ENOMEM;
	mutex_init(&mf->mutex);
	spin_lock_init(&mf->lock);
	ret = mmirror_ring_init(&mf->ring, mmirror_ring_records);
	if (ret)
		goto err_free;
	/* The same rule as /proc/pid/pagemap: PFNs only for CAP_SYS_ADMIN at open. */
	mf->show_pfn = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	mmgrab(current->mm);
	mf->mm = current->mm;
	mf->mn.ops = &mmirror_mn_ops;
	ret = mmu_notifier_register(&mf->mn, current->mm);
	if (ret)
		goto err_mm;
	atomic_inc(&mmirror_live_files);
	file->private_data = mf;
	return 0;

err_mm:
	mmdrop(mf->mm);
	mmirror_ring_free(&mf->ring);
err_free:
	kfree(mf);
	return ret;
}

static int mmirror_file_release(struct inode *inode, struct file *file)
{
	struct mmirror_file *mf = file->private_data;

	mmirror_ring_close(&mf->ring);
	mmirror_del_all_regions(mf);
	mmu_notifier_put(&mf->mn);
	return 0;
}

static void mmirror_get_stats(struct mmirror_file *mf, struct mmirror_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	mmirror_ring_readable(mf); /* stores a held ageing record, so ring_records counts it */
	for (i = 0; i < MMIRROR_CB_MAX; i++)
		st->callbacks[i] = atomic64_read(&mf->callbacks[i]);
	for (i = 0; i < MMIRROR_EV_MAX; i++)
		st->events[i] = atomic64_read(&mf->events[i]);
	st->nonblockable = atomic64_read(&mf->nonblockable);
	st->pages_invalidated = atomic64_read(&mf->pages_invalidated);
	st->young_answers = atomic64_read(&mf->young_answers);
	st->populates = atomic64_read(&mf->populates);
	st->populate_pages = atomic64_read(&mf->populate_pages);
	st->populate_retries = atomic64_read(&mf->populate_retries);
	st->ring_records = READ_ONCE(mf->ring.stored);
	st->ring_lost = READ_ONCE(mf->ring.lost);
	st->ring_merged = READ_ONCE(mf->ring.merged);
	st->ring_folded = READ_ONCE(mf->ring.folded);
	st->max_locked_ns = atomic64_read(&mf->max_locked_ns);
	st->pages_downgraded = atomic64_read(&mf->pages_downgraded);
	st->regions = READ_ONCE(mf->nregions);
	st->flags = READ_ONCE(mf->flags);
	st->released = READ_ONCE(mf->released);
	st->live_files = atomic_read(&mmirror_live_files);
	st->callbacks_offered = MMIRROR_CB_OFFERED;
	st->live_regions = atomic_read(&mmirror_live_regions);
}

static long mmirror_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mmirror_file *mf = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct mmirror_stats st;
	u64 val;

	if (current->mm != mf->mm)
		return -EPERM;
	switch (cmd) {
	case MMIRROR_IOC_VERSION:
		return MMIRROR_API_VERSION;
	case MMIRROR_IOC_ADD_REGION:
		return mmirror_add_region(mf, uarg);
	case MMIRROR_IOC_DEL_REGION:
		if (get_user(val, (u64 __user *)uarg))
			return -EFAULT;
		return mmirror_del_region(mf, val);
	case MMIRROR_IOC_POPULATE:
		return mmirror_populate(mf, uarg);
	case MMIRROR_IOC_GET_STATS:
		mmirror_get_stats(mf, &st);
		return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
	case MMIRROR_IOC_SET_FLAGS:
		if (get_user(val, (u64 __user *)uarg))
			return -EFAULT;
		if (val & ~MMIRROR_F_ALL)
			return -EINVAL;
		WRITE_ONCE(mf->flags, val);
		return 0;
	default:
		return -ENOTTY;
	}
}

static void mmirror_vm_open(struct vm_area_struct *vma)
{
	struct mmirror_shadow *r = vma->vm_private_data;

	kref_get(&r->ref);
}

static void mmirror_vm_close(struct vm_area_struct *vma)
{
	mmirror_region_put(vma->vm_private_data);
}

/* A mapped table outlives DEL_REGION: the mapping holds the region until munmap. */
static const struct vm_operations_struct mmirror_table_vm_ops = {
	.open = mmirror_vm_open,
	.close = mmirror_vm_close,
};

/*
 * The ring lives as long as the file, which the mapping holds. Having vm_ops at all matters: on
 * 6.1 a VMA without them counts as anonymous, and userfaultfd would accept it.
 */
static const struct vm_operations_struct mmirror_ring_vm_ops = {};

/*
 * Flags userspace cannot lift: VM_IO keeps get_user_pages and /proc/pid/mem off the mapping and
 * makes madvise(MADV_DOFORK) fail, so VM_DONTCOPY holds; without VM_MAYEXEC mprotect(PROT_EXEC)
 * fails.
 */
#define MMIRROR_VM_SET (VM_IO | VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP)

static void mmirror_vma_flags(struct vm_area_struct *vma)
{
	mmirror_vm_flags_mod(vma, MMIRROR_VM_SET, VM_MAYEXEC);
}

static int mmirror_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mmirror_file *mf = file->private_data;
	struct mmirror_shadow *r;
	int ret;

	if (current->mm != mf->mm)
		return -EPERM;
	/* Both sides write the same pages (A/D bits, the ring tail): a private copy is useless. */
	if (!(vma->vm_flags & VM_MAYSHARE) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	mmirror_vma_flags(vma);
	if (vma->vm_pgoff == 0) {
		vma->vm_ops = &mmirror_ring_vm_ops;
		return mmirror_map_pages(vma, mf->ring.shared, mf->ring.bytes);
	}
	r = mmirror_region_by_offset(mf, vma->vm_pgoff);
	if (!r)
		return -EINVAL;
	ret = mmirror_map_pages(vma, r->table, r->table_bytes);
	if (ret) {
		mmirror_region_put(r);
		return ret;
	}
	vma->vm_private_data = r;
	vma->vm_ops = &mmirror_table_vm_ops;
	return 0;
}

static __poll_t mmirror_poll(struct file *file, poll_table *wait)
{
	struct mmirror_file *mf = file->private_data;

	if (current->mm != mf->mm)
		return EPOLLERR;
	poll_wait(file, &mf->ring.wait, wait);
	return mmirror_ring_readable(mf) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations mmirror_fops = {
	.owner = THIS_MODULE,
	.open = mmirror_open,
	.release = mmirror_file_release,
	.unlocked_ioctl = mmirror_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = mmirror_mmap,
	.poll = mmirror_poll,
	.llseek = noop_llseek,
};

static struct miscdevice mmirror_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mmirror",
	.fops = &mmirror_fops,
	.mode = 0600,
};

static int __init mmirror_init(void)
{
	if (mmirror_ring_records < 64 || mmirror_ring_records > (1U << 20))
		return -EINVAL;
	if (!mmirror_max_total_mb || mmirror_max_total_mb > (1UL << 30))
		return -EINVAL;
	mmirror_max_total = (u64)mmirror_max_total_mb << 20;
	return misc_register(&mmirror_misc);
}

static void __exit mmirror_exit(void)
{
	misc_deregister(&mmirror_misc);
	/* Files already closed may still be waiting for free_notifier, which is our code. */
	mmu_notifier_synchronize();
	WARN_ON(atomic_read(&mmirror_live_files) || atomic_read(&mmirror_live_regions));
}

module_init(mmirror_init);
module_exit(mmirror_exit);

MODULE_DESCRIPTION("Shadow tables of the VMM's guest RAM, kept coherent by the MMU notifier");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1.0");

// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror: mirrors the VMM's guest RAM mappings into shadow tables kept coherent through the
 * MMU notifier, the way KVM keeps its EPT/NPT coherent.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "mmirror_uapi.h"

struct mmirror_file {
	struct mm_struct *mm;
};

static int mmirror_open(struct inode *inode, struct file *file)
{
	struct mmirror_file *mf;

	if (!current->mm)
		return -EINVAL;
	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	mmgrab(current->mm);
	mf->mm = current->mm;
	file->private_data = mf;
	return 0;
}

static int mmirror_release(struct inode *inode, struct file *file)
{
	struct mmirror_file *mf = file->private_data;

	mmdrop(mf->mm);
	kfree(mf);
	return 0;
}

static long mmirror_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mmirror_file *mf = file->private_data;

	if (current->mm != mf->mm)
		return -EPERM;
	switch (cmd) {
	case MMIRROR_IOC_VERSION:
		return MMIRROR_API_VERSION;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mmirror_fops = {
	.owner = THIS_MODULE,
	.open = mmirror_open,
	.release = mmirror_release,
	.unlocked_ioctl = mmirror_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice mmirror_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mmirror",
	.fops = &mmirror_fops,
	.mode = 0600,
};

module_misc_device(mmirror_misc);

MODULE_DESCRIPTION("Shadow tables of the VMM's guest RAM, kept coherent by the MMU notifier");
MODULE_LICENSE("GPL");

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmirror: the interface between the mmirror kernel module and the VMM. One header for both
 * sides; bump MMIRROR_API_VERSION on any incompatible change.
 */
#ifndef MMIRROR_UAPI_H
#define MMIRROR_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MMIRROR_API_VERSION 1
#define MMIRROR_DEVICE "/dev/mmirror"
#define MMIRROR_IOC_MAGIC 0xB7

/* Returns MMIRROR_API_VERSION. */
#define MMIRROR_IOC_VERSION _IO(MMIRROR_IOC_MAGIC, 0x00)

/* Filled in by the module work: one ring record, and the counters. */
struct mmirror_event {
	__u64 seq;
};

struct mmirror_stats {
	__u64 callbacks;
};

#endif

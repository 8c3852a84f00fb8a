/* SPDX-License-Identifier: GPL-2.0 */
/*
 * madvise() advice that the box kernel (6.1) takes but Debian 12's glibc headers may not name:
 * MADV_COLLAPSE arrived in 6.1 itself, MADV_PAGEOUT in 5.4. Values from the kernel's UAPI.
 */
#ifndef MIRRORVM_MADVISE_H
#define MIRRORVM_MADVISE_H

#include <sys/mman.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#endif

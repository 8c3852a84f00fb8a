// SPDX-License-Identifier: GPL-2.0
/* mmirror-harden's modes in files of their own, and the helpers they share with harden.c. */
#ifndef MMIRROR_HARDEN_H
#define MMIRROR_HARDEN_H

#include "mt.h"

double hd_now(void);
void hd_count(struct mt *t, int *present, int *writable);

int hd_install_hostile(void);
int hd_age_huge(void);
int hd_ring_fold(void);

#endif

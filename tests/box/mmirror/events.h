/* SPDX-License-Identifier: GPL-2.0 */
/* One function per host operation for mmirror-events. */
#ifndef EVENTS_H
#define EVENTS_H

#include "mt.h"

int ev_munmap(struct mt *t);
int ev_dontneed(struct mt *t);
int ev_pageout(struct mt *t);
int ev_mprotect(struct mt *t);
int ev_softdirty(struct mt *t);
int ev_memcg(struct mt *t);
int ev_thp_mprotect(struct mt *t);
int ev_thp_dontneed(struct mt *t);
int ev_collapse(struct mt *t);
int ev_ksm(struct mt *t);
int ev_cow(struct mt *t);
int ev_move_pages(struct mt *t);
int ev_exit(struct mt *t);

#endif

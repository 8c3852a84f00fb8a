/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event hub: the VMM's recent history of mirror events, filled by the loop thread as it
 * drains the module's ring and read by anyone who wants to follow (the control server's
 * `events --follow`, a trace writer). Readers keep their own cursor; a reader that falls more
 * than the hub's capacity behind is told how many it missed.
 */
#ifndef MIRRORVM_EVHUB_H
#define MIRRORVM_EVHUB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "mmirror_uapi.h"

struct evhub {
	pthread_mutex_t lock;
	struct mmirror_event *ev;
	size_t cap;
	uint64_t pushed; /* total ever pushed: the next record's cursor */
	int efd; /* eventfd, readable after a push */
};

int evhub_init(struct evhub *h, size_t cap);
void evhub_destroy(struct evhub *h);
void evhub_push(struct evhub *h, const struct mmirror_event *ev);
/*
 * Copies up to max records from *cursor on into out and advances *cursor; *missed counts the
 * records that were overwritten before this reader got to them. Returns the count copied.
 */
size_t evhub_read(struct evhub *h, uint64_t *cursor, struct mmirror_event *out, size_t max,
		  uint64_t *missed);
/* The cursor of the oldest record still held, and of the next record to be pushed. */
uint64_t evhub_oldest(struct evhub *h);
uint64_t evhub_newest(struct evhub *h);

#endif

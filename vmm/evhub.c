// SPDX-License-Identifier: GPL-2.0
/* The event hub (vmm/evhub.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "evhub.h"

int evhub_init(struct evhub *h, size_t cap)
{
	h->ev = calloc(cap, sizeof(*h->ev));
	if (!h->ev)
		return -ENOMEM;
	h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->efd < 0) {
		free(h->ev);
		return -errno;
	}
	h->cap = cap;
	h->pushed = 0;
	pthread_mutex_init(&h->lock, NULL);
	return 0;
}

void evhub_destroy(struct evhub *h)
{
	if (!h->ev)
		return;
	close(h->efd);
	free(h->ev);
	h->ev = NULL;
	pthread_mutex_destroy(&h->lock);
}

void evhub_push(struct evhub *h, const struct mmirror_event *ev)
{
	uint64_t one = 1;

	pthread_mutex_lock(&h->lock);
	h->ev[h->pushed % h->cap] = *ev;
	h->pushed++;
	pthread_mutex_unlock(&h->lock);
	/* A full counter only means readers are already due to wake. */
	if (write(h->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

uint64_t evhub_oldest(struct evhub *h)
{
	uint64_t oldest;

	pthread_mutex_lock(&h->lock);
	oldest = h->pushed > h->cap ? h->pushed - h->cap : 0;
	pthread_mutex_unlock(&h->lock);
	return oldest;
}

uint64_t evhub_newest(struct evhub *h)
{
	uint64_t n;

	pthread_mutex_lock(&h->lock);
	n = h->pushed;
	pthread_mutex_unlock(&h->lock);
	return n;
}

size_t evhub_read(struct evhub *h, uint64_t *cursor, struct mmirror_event *out, size_t max,
		  uint64_t *missed)
{
	uint64_t oldest;
	size_t n = 0;

	pthread_mutex_lock(&h->lock);
	oldest = h->pushed > h->cap ? h->pushed - h->cap : 0;
	*missed = 0;
	if (*cursor < oldest) {
		*missed = oldest - *cursor;
		*cursor = oldest;
	}
	while (*cursor < h->pushed && n < max)
		out[n++] = h->ev[(*cursor)++ % h->cap];
	pthread_mutex_unlock(&h->lock);
	return n;
}

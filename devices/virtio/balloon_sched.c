// SPDX-License-Identifier: GPL-2.0
/*
 * --balloon-steps SEC:MIB[,SEC:MIB...]: sets the balloon's target at those times after the driver
 * is up and logs, at each step, what the guest did with the previous one and the VMM's resident
 * memory, so tests and people can watch inflate and deflate without a control socket.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "balloon.h"

#define MAX_STEPS 16

struct balloon_sched {
	struct virtio_balloon *b;
	unsigned int n;
	unsigned int at[MAX_STEPS];
	uint32_t mib[MAX_STEPS];
};

static long rss_kib(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * 4;
}

static void log_state(struct balloon_sched *s, unsigned int t, long target)
{
	struct virtio_balloon_counts c;

	virtio_balloon_counts(s->b, &c);
	fprintf(stderr,
		"mirrorvm: balloon t=%us target=%ldMiB actual=%uMiB inflated=%llu deflated=%llu "
		"reported=%llu rss=%ldKiB\n",
		t, target, c.actual >> 8, (unsigned long long)c.inflated,
		(unsigned long long)c.deflated, (unsigned long long)c.reported, rss_kib());
}

static void *sched_thread(void *arg)
{
	struct balloon_sched *s = arg;
	unsigned int now = 0;

	/* Times count from the driver's DRIVER_OK: boot time varies too much to plan around. */
	while (!virtio_ready(&s->b->vd))
		nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
	for (unsigned int i = 0; i <= s->n; i++) {
		/* One more round after the last step, to log what the guest did with it. */
		unsigned int at = i < s->n ? s->at[i] : now + 3;

		if (at > now)
			nanosleep(&(struct timespec){ .tv_sec = at - now }, NULL);
		now = at;
		if (i < s->n)
			virtio_balloon_set_target(s->b, s->mib[i] * 256);
		log_state(s, now, i < s->n ? (long)s->mib[i] : -1);
	}
	free(s);
	return NULL;
}

int virtio_balloon_schedule(struct virtio_balloon *b, const char *spec)
{
	struct balloon_sched *s = calloc(1, sizeof(*s));
	const char *p = spec;
	pthread_t t;

	if (!s)
		return -ENOMEM;
	s->b = b;
	while (*p && s->n < MAX_STEPS) {
		char *end;
		unsigned long at = strtoul(p, &end, 10), mib;

		if (end == p || *end != ':')
			goto bad;
		p = end + 1;
		mib = strtoul(p, &end, 10);
		if (end == p || (*end && *end != ',') || mib > (1ul << 20) || at > 86400 ||
		    (s->n && at < s->at[s->n - 1]))
			goto bad;
		s->at[s->n] = (unsigned int)at;
		s->mib[s->n++] = (uint32_t)mib;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad;
	}
	if (*p || !s->n)
		goto bad;
	if (pthread_create(&t, NULL, sched_thread, s)) {
		free(s);
		return -EAGAIN;
	}
	pthread_detach(t);
	return 0;
bad:
	free(s);
	return -EINVAL;
}

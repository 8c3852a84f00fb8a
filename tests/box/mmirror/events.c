// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-events OP: performs one host operation on mirrored anonymous memory and checks that
 * the expected callback and event type arrived with a GPA range covering the pages, and that the
 * table then agrees with /proc/self/pagemap.
 */
#include <string.h>

#include "events.h"

static const struct {
	const char *name;
	int (*fn)(struct mt *t);
} ev_ops[] = {
	{ "munmap", ev_munmap },
	{ "dontneed", ev_dontneed },
	{ "pageout", ev_pageout },
	{ "memcg", ev_memcg },
	{ "mprotect", ev_mprotect },
	{ "thp-mprotect", ev_thp_mprotect },
	{ "thp-dontneed", ev_thp_dontneed },
	{ "collapse", ev_collapse },
	{ "ksm", ev_ksm },
	{ "softdirty", ev_softdirty },
	{ "move-pages", ev_move_pages },
	{ "cow", ev_cow },
	{ "exit", ev_exit },
};

int main(int argc, char **argv)
{
	struct mt t;
	size_t i;

	for (i = 0; argc == 2 && i < sizeof(ev_ops) / sizeof(ev_ops[0]); i++) {
		if (strcmp(argv[1], ev_ops[i].name))
			continue;
		mt_open(&t);
		return ev_ops[i].fn(&t);
	}
	fprintf(stderr, "usage: mmirror-events OP\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/* `mirrorvm run --stats` exit counting and its table (vmm/exit_stats.c), without KVM. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmm/exit_stats.h"
#include "tap.h"

static void pio(struct exit_stats *s, uint16_t port, bool out, unsigned int n)
{
	struct kvm_run r = { .exit_reason = KVM_EXIT_IO };

	r.io.port = port;
	r.io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	while (n--)
		exit_stats_count(s, &r);
}

static void mmio(struct exit_stats *s, uint64_t addr, bool write)
{
	struct kvm_run r = { .exit_reason = KVM_EXIT_MMIO };

	r.mmio.phys_addr = addr;
	r.mmio.is_write = write;
	exit_stats_count(s, &r);
}

int main(void)
{
	struct exit_stats *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct kvm_run r = { .exit_reason = KVM_EXIT_HLT };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int fds[1] = { -1 };

	pio(a, 0x3f8, true, 50);
	pio(a, 0x71, false, 7);
	pio(b, 0x3f8, true, 25);
	pio(b, 0xffff, false, 1);
	mmio(a, 0xfebf1004, true);
	mmio(b, 0xfebf1008, false);
	for (unsigned int i = 0; i < EXIT_STATS_PAGES + 3; i++)
		mmio(b, 0x100000000ull + i * 0x1000, true);
	exit_stats_count(a, &r);
	r.exit_reason = 1000; /* beyond the table: the last slot */
	exit_stats_count(a, &r);
	is_int(a->pio[1][0x3f8], 50, "port counted by direction");
	is_int(b->nr_pages, EXIT_STATS_PAGES, "MMIO pages up to the table's size");
	is_int(b->mmio_other, 4, "the rest counted as other");
	exit_stats_merge(a, b);
	is_int(a->pio[1][0x3f8], 75, "merged port counts");
	is_int(a->reason[KVM_EXIT_IO], 83, "merged reasons");

	f = open_memstream(&text, &len);
	if (!f) {
		perror("open_memstream");
		return 1;
	}
	exit_stats_print(f, a, 3, fds, 1);
	fclose(f);
	if (!text)
		return 1;
	/* The table as TAP comments, one per line, so that the TAP reader sees no stray lines. */
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");

		fputs("# ", stdout);
		fwrite(l, 1, n, stdout);
		putchar('\n');
		l += n + (l[n] != 0);
	}
	ok(strstr(text, "exits: to mirrorvm 122\n") != NULL, "total to mirrorvm");
	ok(strstr(text, "exits: reason io 83\n") != NULL, "by reason: io");
	ok(strstr(text, "exits: reason hlt 1\n") != NULL, "by reason: hlt");
	ok(strstr(text, "exits: reason 63+ 1\n") != NULL, "unknown reasons in the last slot");
	ok(strstr(text,
		  "exits: port 0x3f8 out 75\nexits: port 0x71 in 7\nexits: port 0xffff in 1\n") !=
		   NULL,
	   "busiest ports first");
	ok(strstr(text, "exits: mmio 0xfebf1000 read 1 write 1\n") != NULL, "MMIO by page");
	ok(strstr(text, "exits: mmio 0x100002000") == NULL, "only the top pages");
	ok(strstr(text, "exits: kvm counters unavailable") != NULL, "no KVM: said so");
	free(text);
	free(a);
	free(b);
	return tap_done();
}

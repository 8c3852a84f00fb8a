// SPDX-License-Identifier: GPL-2.0
/* Exit counts for `mirrorvm run --stats` (vmm/exit_stats.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "exit_stats.h"
#include "vm.h"

void exit_stats_count(struct exit_stats *s, const struct kvm_run *run)
{
	uint32_t r = run->exit_reason;
	uint64_t page;
	unsigned int i;

	s->reason[r < EXIT_STATS_REASONS ? r : EXIT_STATS_REASONS - 1]++;
	if (r == KVM_EXIT_IO) {
		s->pio[run->io.direction == KVM_EXIT_IO_OUT][run->io.port]++;
	} else if (r == KVM_EXIT_MMIO) {
		page = run->mmio.phys_addr & ~0xfffull;
		for (i = 0; i < s->nr_pages && s->mmio[i].page != page; i++)
			;
		if (i == s->nr_pages) {
			if (i == EXIT_STATS_PAGES) {
				s->mmio_other++;
				return;
			}
			s->mmio[i].page = page;
			s->nr_pages++;
		}
		s->mmio[i].n[!!run->mmio.is_write]++;
	}
}

void exit_stats_merge(struct exit_stats *dst, const struct exit_stats *src)
{
	for (unsigned int i = 0; i < EXIT_STATS_REASONS; i++)
		dst->reason[i] += src->reason[i];
	for (unsigned int w = 0; w < 2; w++)
		for (unsigned int p = 0; p < 65536; p++)
			dst->pio[w][p] += src->pio[w][p];
	for (unsigned int i = 0; i < src->nr_pages; i++) {
		unsigned int j;

		for (j = 0; j < dst->nr_pages && dst->mmio[j].page != src->mmio[i].page; j++)
			;
		if (j == dst->nr_pages) {
			if (j == EXIT_STATS_PAGES) {
				dst->mmio_other += src->mmio[i].n[0] + src->mmio[i].n[1];
				continue;
			}
			dst->mmio[j].page = src->mmio[i].page;
			dst->nr_pages++;
		}
		dst->mmio[j].n[0] += src->mmio[i].n[0];
		dst->mmio[j].n[1] += src->mmio[i].n[1];
	}
	dst->mmio_other += src->mmio_other;
}

static const char *exit_stats_reason_name(unsigned int r)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "unknown",
		[KVM_EXIT_EXCEPTION] = "exception",
		[KVM_EXIT_IO] = "io",
		[KVM_EXIT_HYPERCALL] = "hypercall",
		[KVM_EXIT_DEBUG] = "debug",
		[KVM_EXIT_HLT] = "hlt",
		[KVM_EXIT_MMIO] = "mmio",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
		[KVM_EXIT_SHUTDOWN] = "shutdown",
		[KVM_EXIT_FAIL_ENTRY] = "fail_entry",
		[KVM_EXIT_INTR] = "intr",
		[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
		[KVM_EXIT_SYSTEM_EVENT] = "system_event",
	};

	if (r < sizeof(names) / sizeof(names[0]) && names[r])
		return names[r];
	return NULL;
}

/* KVM's cumulative counters of one vCPU, added into sums by name: 0 or -errno. */
static int exit_stats_kvm(int vcpu_fd, char (*names)[64], uint64_t *sums, unsigned int *nr,
			  unsigned int max)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	char *descs = NULL;
	size_t dsize;
	int fd, ret = 0;

	fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return -errno;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || h.num_desc > 4096 || h.name_size > 256) {
		ret = -EIO;
		goto out;
	}
	dsize = sizeof(*d) + h.name_size;
	descs = calloc(h.num_desc, dsize);
	if (!descs) {
		ret = -ENOMEM;
		goto out;
	}
	if (pread(fd, descs, h.num_desc * dsize, h.desc_offset) != (ssize_t)(h.num_desc * dsize)) {
		ret = -EIO;
		goto out;
	}
	for (unsigned int i = 0; i < h.num_desc; i++) {
		uint64_t v;
		unsigned int j;

		d = (struct kvm_stats_desc *)(descs + i * dsize);
		d->name[h.name_size - 1] = 0;
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE || d->size != 1)
			continue;
		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) != sizeof(v))
			continue;
		for (j = 0; j < *nr && strcmp(names[j], d->name); j++)
			;
		if (j == *nr) {
			if (j == max)
				continue;
			snprintf(names[j], sizeof(names[j]), "%s", d->name);
			sums[j] = 0;
			(*nr)++;
		}
		sums[j] += v;
	}
out:
	free(descs);
	close(fd);
	return ret;
}

/* The KVM counters worth a line: every kind of exit, and what KVM did for the guest in them. */
static bool exit_stats_kvm_wanted(const char *name)
{
	static const char *const more[] = { "insn_emulation", "hypercalls", "irq_injections",
					    "pf_taken", "halt_wakeup" };
	size_t n = strlen(name);

	if (n >= 5 && !strcmp(name + n - 5, "exits"))
		return true;
	for (unsigned int i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		if (!strcmp(name, more[i]))
			return true;
	return false;
}

static void exit_stats_print_kvm(FILE *f, const int *vcpu_fds, unsigned int nr)
{
	char names[256][64];
	uint64_t sums[256];
	unsigned int n = 0;
	int ret = 0;

	unsigned int read = 0;

	for (unsigned int i = 0; i < nr && !ret; i++) {
		if (vcpu_fds[i] < 0)
			continue;
		ret = exit_stats_kvm(vcpu_fds[i], names, sums, &n, 256);
		read++;
	}
	if (ret || !read) {
		fprintf(f, "exits: kvm counters unavailable (%s)\n",
			ret ? strerror(-ret) : "no vCPU");
		return;
	}
	/* "exits" first: the total, every exit KVM took, whoever handled it. */
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(names[i], "exits"))
			fprintf(f, "exits: kvm total %llu\n", (unsigned long long)sums[i]);
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(names[i], "exits") && sums[i] && exit_stats_kvm_wanted(names[i]))
			fprintf(f, "exits: kvm %s %llu\n", names[i], (unsigned long long)sums[i]);
}

void exit_stats_print(FILE *f, const struct exit_stats *s, unsigned int top, const int *vcpu_fds,
		      unsigned int nr)
{
	uint64_t total = 0, best;
	unsigned int bp = 0, bw = 0;
	static uint8_t shown[2][65536 / 8];

	for (unsigned int i = 0; i < EXIT_STATS_REASONS; i++)
		total += s->reason[i];
	fprintf(f, "exits: to mirrorvm %llu\n", (unsigned long long)total);
	for (unsigned int i = 0; i < EXIT_STATS_REASONS; i++) {
		const char *name = exit_stats_reason_name(i);

		if (!s->reason[i])
			continue;
		if (name)
			fprintf(f, "exits: reason %s %llu\n", name,
				(unsigned long long)s->reason[i]);
		else
			fprintf(f, "exits: reason %u%s %llu\n", i,
				i == EXIT_STATS_REASONS - 1 ? "+" : "",
				(unsigned long long)s->reason[i]);
	}
	memset(shown, 0, sizeof(shown));
	for (unsigned int k = 0; k < top; k++) {
		best = 0;
		for (unsigned int w = 0; w < 2; w++)
			for (unsigned int p = 0; p < 65536; p++)
				if (s->pio[w][p] > best && !(shown[w][p / 8] & 1u << p % 8)) {
					best = s->pio[w][p];
					bp = p;
					bw = w;
				}
		if (!best)
			break;
		shown[bw][bp / 8] |= (uint8_t)(1u << bp % 8);
		fprintf(f, "exits: port 0x%x %s %llu\n", bp, bw ? "out" : "in",
			(unsigned long long)best);
	}
	for (unsigned int i = 0; i < s->nr_pages && i < top; i++)
		fprintf(f, "exits: mmio 0x%llx read %llu write %llu\n",
			(unsigned long long)s->mmio[i].page, (unsigned long long)s->mmio[i].n[0],
			(unsigned long long)s->mmio[i].n[1]);
	if (s->mmio_other)
		fprintf(f, "exits: mmio other pages %llu\n", (unsigned long long)s->mmio_other);
	if (vcpu_fds)
		exit_stats_print_kvm(f, vcpu_fds, nr);
}

void vm_exit_stats_print(struct vm *vm)
{
	struct exit_stats *sum = calloc(1, sizeof(*sum));
	int *fds = calloc(vm->nr_vcpus ? vm->nr_vcpus : 1, sizeof(*fds));

	for (unsigned int i = 0; sum && fds && i < vm->nr_vcpus; i++) {
		fds[i] = vm->vcpu[i].fd;
		if (vm->vcpu[i].stats)
			exit_stats_merge(sum, vm->vcpu[i].stats);
	}
	if (sum && fds)
		exit_stats_print(stderr, sum, 20, fds, vm->nr_vcpus);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		free(vm->vcpu[i].stats);
		vm->vcpu[i].stats = NULL;
	}
	free(sum);
	free(fds);
}

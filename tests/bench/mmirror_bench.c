// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-bench [MiB] [REPS] [OP]: what the module costs on top of KVM. munmap, MADV_DONTNEED and
 * MADV_PAGEOUT of a region (1 GiB by default) of a process that has a KVM VM whose memslot covers
 * the region (the baseline every VMM pays: KVM's own notifier), then the same with the mirror
 * attached and empty (the region registered, nothing populated) and attached and fully populated,
 * each of the two also with the ring's logging off (MMIRROR_F_NO_RING), so that what the ring
 * costs is measured, not estimated: its share of the mirror's cost is (ring on - ring off) /
 * (ring on - KVM alone). With the mirror a reader thread drains the ring during the operation, as
 * the VMM's event loop does, on the operation's CPU (see bench_child), and the records lost are
 * printed (the ring's other target: none).
 * Each measurement runs in a fresh child, so no notifier of an earlier one stays on the mm; the
 * five setups take turns, REPS (5) times, and the medians are printed with their ratios. Then
 * ring records per second, populate GiB/s, shadow bytes per 4 KiB. Prints figures, asserts
 * nothing on speed; a machine without /dev/kvm measures against no KVM at all and says so.
 * OP (munmap, dontneed, pageout) measures that operation only, for profiling (mmirror-profile.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmu.h"

#define PAGE 4096UL
#define BENCH_GPA 0x100000000ULL
#define MAX_REPS 15

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *bench_map(size_t size)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, size, MADV_NOHUGEPAGE);
	for (i = 0; i < size; i += PAGE)
		p[i] = 1;
	return p;
}

/* A VM with one memslot over [p, p + size): KVM's notifier is on the mm. false: no /dev/kvm. */
static bool bench_kvm(uint8_t *p, size_t size)
{
	struct kvm_userspace_memory_region slot = {
		.guest_phys_addr = BENCH_GPA,
		.memory_size = size,
		.userspace_addr = (uintptr_t)p,
	};
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;

	if (kvm < 0)
		return false;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot)) {
		perror("KVM_CREATE_VM / KVM_SET_USER_MEMORY_REGION");
		exit(1);
	}
	return true;
}

enum bench_op { OP_MUNMAP, OP_DONTNEED, OP_PAGEOUT, NR_OPS };
static const char *const bench_names[] = { "munmap", "MADV_DONTNEED", "MADV_PAGEOUT" };
enum bench_setup {
	SETUP_KVM,
	SETUP_EMPTY,
	SETUP_POPULATED,
	SETUP_EMPTY_NORING,
	SETUP_POPULATED_NORING,
	NR_SETUPS
};
static const char *const setup_names[] = { "kvm", "empty", "populated", "empty-noring",
					   "populated-noring" };

/* Marks the timed stretch in ftrace's buffer for mmirror-profile.sh; nothing when not tracing. */
static void bench_mark(const char *what, enum bench_op op, enum bench_setup setup)
{
	int fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY | O_CLOEXEC);
	char buf[96];
	int n;

	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "mmirror-bench: %s %s %s", what, setup_names[setup],
		     bench_names[op]);
	if (write(fd, buf, n) != n)
		fprintf(stderr, "trace_marker: %s\n", strerror(errno));
	close(fd);
}

struct bench_sample {
	double secs;
	uint64_t records, merged, lost;
	bool kvm, no_noring;
};

static bool bench_reader_on = true;

static struct {
	struct mmu_mirror *m;
	atomic_bool stop;
} bench_reader_state;

/* The VMM's part: waits in poll() and drains the ring while the operation runs. */
static void *bench_reader(void *arg)
{
	struct pollfd pfd = { .fd = mmu_fd(bench_reader_state.m), .events = POLLIN };

	(void)arg;
	while (!atomic_load(&bench_reader_state.stop)) {
		poll(&pfd, 1, 20);
		mmu_drain(bench_reader_state.m, NULL, NULL);
	}
	return NULL;
}

/* In a child: one setup, one operation, timed. */
static struct bench_sample bench_child(enum bench_op op, enum bench_setup setup, size_t size)
{
	bool populated = setup == SETUP_POPULATED || setup == SETUP_POPULATED_NORING;
	bool noring = setup == SETUP_EMPTY_NORING || setup == SETUP_POPULATED_NORING;
	struct bench_sample s = { 0 };
	struct mmirror_stats st0, st;
	struct mmu_mirror *m = NULL;
	uint8_t *p = bench_map(size);
	pthread_t reader;
	cpu_set_t cpu0;
	double t0;

	/*
	 * One CPU for the child and its reader. With the reader on the other box CPU, the operation
	 * took 1.36-1.45x with the ring off (256 MiB PAGEOUT): TLB flush IPIs to a CPU where a thread
	 * of the mm ran, a cost of a second running thread, not of the mirror. On one CPU the reader
	 * drains when the scheduler lets it, charged to the operation, as on a VMM sharing its CPU.
	 * MMIRROR_BENCH_NO_READER=1: no reader and no pinning (the method before; records are lost).
	 */
	if (bench_reader_on) {
		CPU_ZERO(&cpu0);
		CPU_SET(0, &cpu0);
		if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
			perror("sched_setaffinity");
	}
	s.kvm = bench_kvm(p, size);
	if (setup != SETUP_KVM) {
		if (mmu_open(&m) || mmu_add_region(m, ptr_to_hva(p), size, GPA(BENCH_GPA)) ||
		    (populated && mmu_populate(m, GPA(BENCH_GPA), size, 0))) {
			fprintf(stderr, "mirror setup failed\n");
			exit(1);
		}
		/* A module before MMIRROR_F_NO_RING: timed with the ring on, said as n/a. */
		if (noring && mmu_set_flags(m, MMIRROR_F_NO_RING))
			s.no_noring = true;
		mmu_drain(m, NULL, NULL);
		mmu_get_stats(m, &st0);
		bench_reader_state.m = m;
		if (bench_reader_on && pthread_create(&reader, NULL, bench_reader, NULL)) {
			fprintf(stderr, "pthread_create failed\n");
			exit(1);
		}
	}
	bench_mark("start", op, setup);
	t0 = bench_now();
	if (op == OP_MUNMAP)
		munmap(p, size);
	else
		madvise(p, size, op == OP_DONTNEED ? MADV_DONTNEED : MADV_PAGEOUT);
	s.secs = bench_now() - t0;
	bench_mark("end", op, setup);
	if (m && bench_reader_on) {
		atomic_store(&bench_reader_state.stop, true);
		pthread_join(reader, NULL);
	}
	if (m && !mmu_get_stats(m, &st)) {
		s.records = st.ring_records - st0.ring_records;
		s.merged = st.ring_merged - st0.ring_merged;
		s.lost = st.ring_lost - st0.ring_lost;
	}
	return s;
}

static struct bench_sample bench_fork(enum bench_op op, enum bench_setup setup, size_t size)
{
	struct bench_sample s = { .secs = -1 };
	int fd[2], status;
	pid_t pid;

	if (pipe(fd) || (pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (!pid) {
		s = bench_child(op, setup, size);
		_exit(write(fd[1], &s, sizeof(s)) == sizeof(s) ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], &s, sizeof(s)) != sizeof(s))
		s.secs = -1;
	close(fd[0]);
	waitpid(pid, &status, 0);
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The ring's share of the mirror's cost: (ring on - ring off) / (ring on - KVM alone). Where the
 * mirror costs under 3% of the operation (within the box's noise) the share means nothing.
 */
static void bench_share(char *buf, size_t n, double on, double off, double kvm)
{
	if (on - kvm < 0.03 * kvm)
		snprintf(buf, n, "n/a (%+.1f%% of the op)", 100 * (on - off) / kvm);
	else
		snprintf(buf, n, "%.0f%% (%+.1f%% of the op)", 100 * (on - off) / (on - kvm),
			 100 * (on - off) / kvm);
}

static void bench_costs(size_t size, int reps, const char *only)
{
	bool kvm = true, noring = true;

	printf("%-14s %11s %11s %7s %11s %7s   (%zu MiB of 4 KiB pages, median of %d)\n", "op",
	       "KVM alone", "+mirror,0", "ratio", "+mirror,all", "ratio", size >> 20, reps);
	for (int op = OP_MUNMAP; op < NR_OPS; op++) {
		double t[NR_SETUPS][MAX_REPS], med[NR_SETUPS];
		struct bench_sample last[NR_SETUPS] = { 0 };
		char share0[64], share1[64];

		if (only && strcasecmp(only, bench_names[op] + (op == OP_MUNMAP ? 0 : 5)))
			continue;
		for (int rep = 0; rep < reps; rep++)
			/* The setups take turns, each rep starting with another, so drift is shared. */
			for (int i = 0; i < NR_SETUPS; i++) {
				int setup = (rep + i) % NR_SETUPS;
				struct bench_sample s = bench_fork(op, setup, size);

				if (s.secs < 0) {
					fprintf(stderr, "%s: child failed\n", bench_names[op]);
					exit(1);
				}
				t[setup][rep] = s.secs;
				kvm &= s.kvm;
				noring &= !s.no_noring;
				last[setup] = s;
			}
		for (int i = 0; i < NR_SETUPS; i++)
			med[i] = median(t[i], reps);
		printf("%-14s %9.3f s %9.3f s %6.3fx %9.3f s %6.3fx\n", bench_names[op],
		       med[SETUP_KVM], med[SETUP_EMPTY], med[SETUP_EMPTY] / med[SETUP_KVM],
		       med[SETUP_POPULATED], med[SETUP_POPULATED] / med[SETUP_KVM]);
		bench_share(share0, sizeof(share0), med[SETUP_EMPTY], med[SETUP_EMPTY_NORING],
			    med[SETUP_KVM]);
		bench_share(share1, sizeof(share1), med[SETUP_POPULATED],
			    med[SETUP_POPULATED_NORING], med[SETUP_KVM]);
		if (!noring)
			printf("%-14s (this module has no MMIRROR_F_NO_RING: not measured)\n",
			       "  ring off");
		else
			printf("%-14s %11s %9.3f s %6.3fx %9.3f s %6.3fx   the ring's share of the "
			       "mirror's cost: %s / %s\n",
			       "  ring off", "", med[SETUP_EMPTY_NORING],
			       med[SETUP_EMPTY_NORING] / med[SETUP_KVM],
			       med[SETUP_POPULATED_NORING],
			       med[SETUP_POPULATED_NORING] / med[SETUP_KVM], share0, share1);
		printf("%-14s ring (last run, %s): empty %llu records, %llu merged, "
		       "%llu "
		       "lost; populated %llu records, %llu merged, %llu lost\n",
		       "", bench_reader_on ? "a reader draining" : "no reader",
		       (unsigned long long)last[SETUP_EMPTY].records,
		       (unsigned long long)last[SETUP_EMPTY].merged,
		       (unsigned long long)last[SETUP_EMPTY].lost,
		       (unsigned long long)last[SETUP_POPULATED].records,
		       (unsigned long long)last[SETUP_POPULATED].merged,
		       (unsigned long long)last[SETUP_POPULATED].lost);
	}
	printf("targets: +mirror,0 (registered, empty) <= 1.03x; +mirror,all (populated) <= "
	       "1.10x; the ring <= 5%% of the mirror's cost, 0 lost%s\n",
	       kvm ? "" : "; NOTE: no /dev/kvm here, the baseline is no KVM at all");
}

static void bench_ring(struct mmu_mirror *m)
{
	uint8_t *p = bench_map(64 * PAGE);
	long n = 20000, i, got = 0;
	uint64_t lost0 = mmu_ring_lost(m);
	double t0, t;

	mmu_add_region(m, ptr_to_hva(p), 64 * PAGE, GPA(BENCH_GPA));
	mmu_set_flags(m, 0);
	mmu_drain(m, NULL, NULL);
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		madvise(p + (i % 64) * PAGE, PAGE, MADV_DONTNEED);
		if (i % 256 == 0)
			got += mmu_drain(m, NULL, NULL);
	}
	got += mmu_drain(m, NULL, NULL);
	t = bench_now() - t0;
	printf("ring: %ld records drained in %.3f s: %.0f records/s (3 per DONTNEED: start, "
	       "invalidate, end), lost %llu\n",
	       got, t, got / t, (unsigned long long)(mmu_ring_lost(m) - lost0));
	mmu_del_region(m, GPA(BENCH_GPA));
	munmap(p, 64 * PAGE);
}

static void bench_populate(struct mmu_mirror *m, size_t size)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t pages, retries;
	double t0, tf, ts;

	madvise(p, size, MADV_NOHUGEPAGE);
	mmu_add_region(m, ptr_to_hva(p), size, GPA(BENCH_GPA));
	mmu_set_flags(m, MMIRROR_F_NO_TRACE);
	t0 = bench_now();
	mmu_populate_ex(m, GPA(BENCH_GPA), size, MMIRROR_POPULATE_FAULT | MMIRROR_POPULATE_WRITE,
			&pages, &retries);
	tf = bench_now() - t0;
	t0 = bench_now();
	mmu_populate_ex(m, GPA(BENCH_GPA), size, 0, &pages, &retries);
	ts = bench_now() - t0;
	printf("populate %zu MiB: faulting in %.2f GiB/s (%.3f s), of present pages %.2f GiB/s "
	       "(%.3f s), %llu entries, %llu retries\n",
	       size >> 20, size / tf / (1 << 30), tf, size / ts / (1 << 30), ts,
	       (unsigned long long)pages, (unsigned long long)retries);
	printf("shadow: %zu bytes of table per 4 KiB of guest RAM (%.3f%%), plus one ring of "
	       "%zu KiB per file\n",
	       mmu_region_of(m, GPA(BENCH_GPA))->table_bytes / (size / PAGE),
	       100.0 * mmu_region_of(m, GPA(BENCH_GPA))->table_bytes / size,
	       (4096 + 4096 * sizeof(struct mmirror_event)) >> 10);
	mmu_del_region(m, GPA(BENCH_GPA));
	munmap(p, size);
}

int main(int argc, char **argv)
{
	size_t size = (size_t)(argc > 1 ? atol(argv[1]) : 1024) << 20;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	struct mmu_mirror *m;
	int ret = mmu_open(&m);

	if (ret) {
		printf("mmirror not available: %s\n", strerror(-ret));
		return ret == -ENOENT ? 77 : 1;
	}
	/* The costs are measured in children that open their own; this one's notifier stays off. */
	mmu_close(m);
	if (reps < 1 || reps > MAX_REPS)
		reps = 5;
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_reader_on = !getenv("MMIRROR_BENCH_NO_READER");
	bench_costs(size, reps, argc > 3 ? argv[3] : NULL);
	if (argc > 3)
		return 0;
	if (mmu_open(&m))
		return 1;
	bench_ring(m);
	bench_populate(m, size);
	mmu_close(m);
	return 0;
}

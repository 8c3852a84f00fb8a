// SPDX-License-Identifier: GPL-2.0
/*
 * mirrorvm stress: each scenario boots the stress guest on every vCPU and runs a host thread
 * that perturbs guest RAM (vmm/stress/stress_ops.c). The witnesses: the guest checks its data
 * against what the host says it discarded (the test device's request channel); at each check point,
 * with the vCPUs paused, the mirror must agree with /proc/self/pagemap, and again after a
 * populate; the event ring must carry the expected types, huge invalidations whole 2 MiB; and
 * KVM must end the run with the guest's own exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../boot/elf_load.h"
#include "../cli/guests.h"
#include "mmu.h"
#include "../cli/trace_rec.h"
#include "stress_priv.h"
#include "../../devices/testdev.h"

#define STRESS_OPS_PER_GUEST_ROUND 2
#define STRESS_OPS_PER_CHECK 8
#define STRESS_GRACE_NS (90ULL * 1000000000ULL)
#define STRESS_OVERTIME_NS (60ULL * 1000000000ULL) /* the most a scenario's more() adds */
#define HUGE_SIZE (2ULL << 20)

static struct stress_ctx *stress_cur; /* the scenario running, for the request handlers */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t stress_rand(struct stress_ctx *c)
{
	/* xorshift64*: small, and the same sequence for the same seed everywhere */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dULL;
}

void stress_fail(struct stress_ctx *c, const char *fmt, ...)
{
	char text[STRESS_MAX_FAIL_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stress: %s: FAILED: %s\n", c->sc->name, text);
	pthread_mutex_lock(&c->lock);
	if (!c->res->failures++)
		snprintf(c->res->fail_text, sizeof(c->res->fail_text), "%s", text);
	pthread_mutex_unlock(&c->lock);
}

/*
 * A page is reported discarded to the guest when its mark is newer than the guest's token or a
 * discard of it is under way: marked before and after, so a round overlapping any part of the
 * operation hears of it.
 */
void stress_discard_begin(struct stress_ctx *c, uint64_t page, uint64_t n)
{
	uint64_t seq = atomic_fetch_add(&c->dseq, 1) + 1;

	for (uint64_t i = page; i < page + n; i++) {
		atomic_fetch_add(&c->busy[i], 1);
		atomic_store(&c->mark[i], seq);
	}
}

void stress_discard_end(struct stress_ctx *c, uint64_t page, uint64_t n)
{
	uint64_t seq = atomic_fetch_add(&c->dseq, 1) + 1;

	for (uint64_t i = page; i < page + n; i++) {
		atomic_store(&c->mark[i], seq);
		atomic_fetch_sub(&c->busy[i], 1);
	}
}

static int req_info(struct vm *vm, const struct guest_request *req, uint64_t ret[GUEST_REQ_RETS])
{
	struct stress_ctx *c = stress_cur;

	if (!c)
		return GUEST_REQ_ENOSYS;
	ret[0] = STRESS_AREA_GPA;
	ret[1] = c->area_pages;
	ret[2] = c->sc->words;
	ret[3] = (c->sc->hold ? GUEST_STRESS_HOLD : 0) | (c->sc->same ? GUEST_STRESS_SAME : 0);
	return GUEST_REQ_OK;
}

static void count_slice_ask(struct stress_ctx *c, uint64_t first, uint64_t gen)
{
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < 8; i++)
		if (!c->slice_asks[i] || c->slice_first[i] == first) {
			c->slice_first[i] = first;
			c->slice_asks[i]++;
			if (gen > c->slice_gen[i])
				c->slice_gen[i] = gen;
			break;
		}
	pthread_mutex_unlock(&c->lock);
}

bool stress_guest_at(struct stress_ctx *c, uint64_t gen)
{
	unsigned int want = c->vm->nr_vcpus < 8 ? c->vm->nr_vcpus : 8, done = 0;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < 8; i++)
		done += c->slice_asks[i] && c->slice_gen[i] >= gen;
	pthread_mutex_unlock(&c->lock);
	return done == want;
}

bool stress_guest_written(struct stress_ctx *c)
{
	unsigned int want = c->vm->nr_vcpus < 8 ? c->vm->nr_vcpus : 8, done = 0;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < 8; i++)
		done += c->slice_asks[i] >= 2;
	pthread_mutex_unlock(&c->lock);
	return done == want;
}

static int req_discards(struct vm *vm, const struct guest_request *req,
			uint64_t ret[GUEST_REQ_RETS])
{
	struct stress_ctx *c = stress_cur;
	uint64_t first = req->args[0], n = req->args[1], since = req->args[3], set = 0;
	uint64_t *map;

	if (!c)
		return GUEST_REQ_ENOSYS;
	if (!n || first >= c->area_pages || n > c->area_pages - first)
		return GUEST_REQ_EINVAL;
	map = gmem_access(&vm->gm, GPA(req->args[2]), (n + 63) / 64 * 8, true);
	if (!map)
		return GUEST_REQ_EINVAL;
	/* The token first: a discard marked during the scan is seen again next time. */
	ret[0] = atomic_load(&c->dseq);
	memset(map, 0, (n + 63) / 64 * 8);
	for (uint64_t i = 0; i < n; i++)
		if (atomic_load(&c->mark[first + i]) > since || atomic_load(&c->busy[first + i])) {
			map[i / 64] |= 1ULL << (i % 64);
			set++;
		}
	ret[1] = atomic_load(&c->over);
	ret[2] = set;
	ret[3] = atomic_load(&c->want_gen);
	if (c->sc->hold)
		count_slice_ask(c, first, req->args[4]);
	atomic_fetch_add(&c->guest_rounds, 1);
	return GUEST_REQ_OK;
}

/* The ring's figures for the scenario: records, the ageing callbacks merged into them, losses. */
static void stress_ring_line(struct stress_ctx *c)
{
	struct mmirror_stats st;

	if (mmu_get_stats(c->mmu, &st))
		return;
	c->res->ring = true;
	c->res->ring_records = st.ring_records;
	c->res->ring_merged = st.ring_merged;
	c->res->ring_folded = st.ring_folded;
	c->res->ring_lost = st.ring_lost;
	fprintf(stderr,
		"stress: %s: ring: %llu records, %llu ageing callbacks merged and %llu range "
		"starts and ends folded into them, %llu lost\n",
		c->sc->name, (unsigned long long)st.ring_records,
		(unsigned long long)st.ring_merged, (unsigned long long)st.ring_folded,
		(unsigned long long)st.ring_lost);
	/* The reader's own count of sequence gaps: the same losses, seen from the other side. */
	if (mmu_seq_gaps(c->mmu) || st.ring_lost)
		fprintf(stderr,
			"stress: %s: note: %llu ring records lost (%llu sequence gaps seen)\n",
			c->sc->name, (unsigned long long)st.ring_lost,
			(unsigned long long)mmu_seq_gaps(c->mmu));
}

/* Runs on the event loop's thread, for every ring record. */
static void stress_event(void *opaque, const struct mmirror_event *ev)
{
	struct stress_ctx *c = opaque;
	struct stress_result *r = c->res;

	/*
	 * A merged ageing record stands for several callbacks (calls), a folded invalidation for
	 * its range_start and range_end too: the table counts callbacks.
	 */
	if (ev->callback < STRESS_NR_CB)
		r->events[ev->callback][stress_ev_index(ev->event)] += ev->calls ? ev->calls : 1;
	if (ev->flags & MMIRROR_EVF_RANGE_START)
		r->events[MMIRROR_CB_RANGE_START][stress_ev_index(ev->event)]++;
	if (ev->flags & MMIRROR_EVF_RANGE_END)
		r->events[MMIRROR_CB_RANGE_END][stress_ev_index(ev->event)]++;
	if (ev->callback != MMIRROR_CB_INVALIDATE || !(ev->flags & MMIRROR_EVF_HUGE))
		return;
	r->checks++;
	r->huge_events++;
	/* The module widens an end that falls inside a huge mapping: one end at least is whole. */
	if (ev->gpa_start % HUGE_SIZE && ev->gpa_end % HUGE_SIZE) {
		r->huge_partial++;
		stress_fail(c, "huge invalidation of gpa 0x%llx-0x%llx ends inside 2 MiB pages",
			    (unsigned long long)ev->gpa_start, (unsigned long long)ev->gpa_end);
	}
}

/*
 * A huge mapping is mirrored as 512 entries marked huge; an invalidation that covered only part
 * of it leaves some of them present and others not.
 */
static void check_huge_blocks(struct stress_ctx *c)
{
	const struct mmu_region *r;

	for (unsigned int i = 0; (r = mmu_region_at(c->mmu, i)); i++)
		for (uint64_t b = 0; b + 512 <= r->size / 4096; b += 512) {
			unsigned int huge = 0, absent = 0;

			for (uint64_t k = b; k < b + 512; k++) {
				uint64_t e = mmu_entry_at(r, k);

				huge += mmu_pte_present(e) && (e & MMIRROR_PTE_HUGE);
				absent += !mmu_pte_present(e);
			}
			c->res->checks++;
			if (huge && absent) {
				c->res->huge_partial++;
				stress_fail(c,
					    "huge mapping at gpa 0x%llx: %u entries still present, "
					    "%u cleared",
					    (unsigned long long)(r->gpa.v + b * 4096), huge,
					    absent);
			}
		}
}

/* One mirror check: a bad result is confirmed by a second look before it counts. */
static void check_mirror(struct stress_ctx *c, const char *when)
{
	struct mmu_check_result res;
	int bad = mmu_check(c->mmu, &res);

	c->res->checks++;
	if (bad > 0)
		bad = mmu_check(c->mmu, &res);
	if (bad < 0) {
		stress_fail(c, "mirror check %s: %s", when, strerror(-bad));
	} else if (bad > 0) {
		c->res->stale += res.stale;
		stress_fail(c,
			    "mirror check %s: %llu stale entries, %llu PFN mismatches, first at "
			    "gpa 0x%llx",
			    when, (unsigned long long)res.stale,
			    (unsigned long long)res.pfn_mismatch,
			    (unsigned long long)res.first_bad.v);
	}
}

static void populate_all(struct stress_ctx *c)
{
	const struct mmu_region *r;

	for (unsigned int i = 0; (r = mmu_region_at(c->mmu, i)); i++) {
		int ret = mmu_populate(c->mmu, r->gpa, r->size, 0);

		if (ret && ret != -EFAULT)
			stress_fail(c, "populate: %s", strerror(-ret));
	}
}

static uint64_t present_entries(struct stress_ctx *c)
{
	const struct mmu_region *r;
	uint64_t n = 0;

	for (unsigned int i = 0; (r = mmu_region_at(c->mmu, i)); i++)
		for (uint64_t k = 0; k < r->size / 4096; k++)
			n += mmu_pte_present(mmu_entry_at(r, k));
	return n;
}

/*
 * With the vCPUs parked: the mirror agrees with pagemap, and again after a populate. What the
 * populate made present is what the invalidations since took away and a VMM would fault back.
 */
static void check_point(struct stress_ctx *c)
{
	uint64_t before, after;

	c->res->rounds++;
	if (!c->mmu || vm_pause(c->vm))
		return;
	check_mirror(c, "after a round");
	check_huge_blocks(c);
	before = present_entries(c);
	populate_all(c);
	after = present_entries(c);
	c->res->repopulated += after > before ? after - before : 0;
	check_mirror(c, "after populate");
	vm_resume(c->vm);
}

static void *stress_thread(void *arg)
{
	struct stress_ctx *c = arg;
	uint64_t start = now_ns(), last = start, last_check = start, ops = 0;
	uint64_t end = start + c->duration_ns;

	while (!atomic_load(&c->vm->stopping) &&
	       (now_ns() < end ||
		(c->sc->more && c->sc->more(c) && now_ns() < end + STRESS_OVERTIME_NS))) {
		/* Paced by the guest: a few operations per verified round, whatever the speed. */
		if (c->res->ops < STRESS_OPS_PER_GUEST_ROUND * atomic_load(&c->guest_rounds) + 4) {
			c->sc->op(c);
			ops++;
			usleep(1000 + stress_rand(c) % 4000);
		} else {
			usleep(2000);
		}
		if (ops >= STRESS_OPS_PER_CHECK || now_ns() - last_check > 500000000ULL) {
			check_point(c);
			ops = 0;
			last_check = now_ns();
		}
		if (now_ns() - last > 2000000000ULL) {
			last = now_ns();
			fprintf(stderr,
				"stress: %s: %3llus round %llu ops %llu guest rounds %llu "
				"failures %llu\n",
				c->sc->name, (unsigned long long)((last - start) / 1000000000ULL),
				(unsigned long long)c->res->rounds, (unsigned long long)c->res->ops,
				(unsigned long long)atomic_load(&c->guest_rounds),
				(unsigned long long)c->res->failures);
			if (c->exit_mid_storm)
				exit(3);
		}
	}
	check_point(c);
	end = now_ns();
	atomic_store(&c->over, true);
	/* The guest finishes its round and exits; one that never does is stopped. */
	while (!atomic_load(&c->vm->stopping) && now_ns() < end + STRESS_GRACE_NS)
		usleep(10000);
	if (!atomic_load(&c->vm->stopping)) {
		stress_fail(c, "the guest did not finish within %llus of the end",
			    (unsigned long long)(STRESS_GRACE_NS / 1000000000ULL));
		vm_stop(c->vm, MIRRORVM_EXIT_HOST);
	}
	return NULL;
}

static void evaluate(struct stress_ctx *c, int status)
{
	struct stress_result *r = c->res;

	r->vm_status = status;
	r->guest_rounds = atomic_load(&c->guest_rounds);
	r->checks += r->guest_rounds + 1;
	if (status == MIRRORVM_EXIT_CRASH)
		stress_fail(c,
			    "KVM: the guest crashed (internal error or unexpected exit; last host "
			    "operation: %s)",
			    c->last_op ? c->last_op : "none");
	else if (status)
		stress_fail(c, "the guest exited with %d (its data checks failed)", status);
	if (!r->guest_rounds)
		stress_fail(c, "the guest verified no round");
	if (c->sc->op == stress_ageing_op && !r->ageing)
		stress_fail(c, "ageing: the guest never finished writing; no reclaim was measured");
	if (!c->mmu)
		return;
	for (unsigned int ev = 0; ev < STRESS_EV_NONE; ev++) {
		if (!(c->sc->expect & (1U << ev)))
			continue;
		r->checks++;
		if (!r->events[MMIRROR_CB_INVALIDATE][ev])
			stress_fail(c, "no %s invalidation arrived", stress_ev_name(ev));
	}
	for (unsigned int cb = 0; cb < STRESS_NR_CB; cb++) {
		uint64_t n = 0;

		/* A callback this kernel no longer has is a coverage note, not a failure. */
		if (!(c->sc->expect_cb & r->cb_offered & (1U << cb)))
			continue;
		for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
			n += r->events[cb][ev];
		r->checks++;
		if (!n)
			stress_fail(c, "no %s callback arrived", stress_cb_name(cb));
	}
	if (c->sc->evaluate)
		c->sc->evaluate(c);
	r->checks += c->sc->expect_huge;
	if (c->sc->expect_huge && !r->huge_events)
		stress_fail(c, "no invalidation of a huge page arrived");
	stress_ring_line(c);
}

/* --trace PREFIX: each scenario's VM records a trace for mirrorvm report. */
static const char *stress_trace;

static struct trace_rec_state *stress_trace_start(struct stress_ctx *c, struct vm *vm)
{
	struct trace_rec_state *t = NULL;
	char path[4096];
	int ret;

	if (!stress_trace)
		return NULL;
	snprintf(path, sizeof(path), "%s.%s.trace", stress_trace, c->sc->name);
	ret = trace_rec_start(&t, vm, path);
	if (ret)
		fprintf(stderr, "stress: %s: trace off (%s: %s)\n", c->sc->name, path,
			ret == -ENODEV ? "the mirror is off" : strerror(-ret));
	else
		fprintf(stderr, "stress: %s: trace to %s\n", c->sc->name, path);
	return t;
}

static int stress_vm(struct stress_ctx *c, struct vm *vm, const struct vm_config *cfg,
		     const void *image, size_t len)
{
	struct trace_rec_state *trace;
	struct mmirror_stats st = { 0 };
	char err[512] = "";
	pthread_t thread;
	int ret, status;

	ret = vm_create(vm, cfg, err, sizeof(err));
	c->vm = vm;
	if (ret) {
		stress_fail(c, "cannot create the VM: %s", err);
		return MIRRORVM_EXIT_HOST;
	}
	vm_mirror_attach(vm);
	c->mmu = vm_mirror_mmu(vm);
	c->res->mirror_on = c->mmu != NULL;
	if (c->mmu) {
		c->res->cb_offered = ~0U;
		if (!mmu_get_stats(c->mmu, &st) && st.callbacks_offered)
			c->res->cb_offered = (uint32_t)st.callbacks_offered;
		c->downgraded_before = st.pages_downgraded;
	}
	vm_mirror_set_hook(vm, stress_event, c);
	c->area = (uint8_t *)hva_to_ptr(vm->gm.region[0].hva) + STRESS_AREA_GPA;
	ret = vm_boot_elf(vm, image, len, err, sizeof(err));
	if (ret) {
		stress_fail(c, "cannot boot the stress guest: %s", err);
		return MIRRORVM_EXIT_IMAGE;
	}
	if (c->sc->setup && c->sc->setup(c))
		return -1;
	if (pthread_create(&thread, NULL, stress_thread, c)) {
		stress_fail(c, "cannot start the perturbation thread");
		status = MIRRORVM_EXIT_HOST;
	} else {
		trace = stress_trace_start(c, vm);
		status = vm_run(vm);
		atomic_store(&c->over, true);
		pthread_join(thread, NULL);
		if (trace_rec_stop(trace))
			fprintf(stderr, "stress: %s: the trace is incomplete\n", c->sc->name);
	}
	if (c->sc->teardown)
		c->sc->teardown(c);
	/* The vCPUs are gone: the last check needs no pause. */
	if (c->mmu) {
		check_mirror(c, "at the end");
		populate_all(c);
		check_mirror(c, "after the last populate");
		mmu_drain(c->mmu, stress_event, c);
		if (!mmu_get_stats(c->mmu, &st))
			c->res->kept = st.pages_downgraded - c->downgraded_before;
	}
	return status;
}

static void run_scenario(struct stress_run *run, const struct stress_scenario *sc,
			 const void *image, size_t len, uint64_t duration_ns)
{
	struct stress_result *r = &run->result[run->nr_results++];
	struct vm_config cfg = { .mem_size = run->mem_size,
				 .nr_cpus = run->nr_cpus,
				 .thp = true,
				 .mirror = true,
				 .guest = "stress",
				 .image_path = "stress" };
	struct stress_ctx c = { .sc = sc,
				.res = r,
				.duration_ns = duration_ns,
				.exit_mid_storm = run->exit_mid_storm,
				.keep_numa_balancing = run->keep_numa_balancing };
	struct vm vm = { 0 };
	int status;

	memset(r, 0, sizeof(*r));
	atomic_store(&c.want_gen, 1);
	r->name = sc->name;
	r->ran = true;
	r->kept_report = sc->report_kept;
	pthread_mutex_init(&c.lock, NULL);
	c.rng = run->seed * 0x9e3779b97f4a7c15ULL + 1;
	for (const char *p = sc->name; *p; p++)
		c.rng = (c.rng ^ (uint8_t)*p) * 0x100000001b3ULL;
	c.area_pages = (run->mem_size - STRESS_AREA_GPA) / 4096;
	c.mark = calloc(c.area_pages, sizeof(*c.mark));
	c.busy = calloc(c.area_pages, sizeof(*c.busy));
	fprintf(stderr, "stress: %s: %llu MiB, %u vCPUs, %.1fs, seed %llu\n", sc->name,
		(unsigned long long)(run->mem_size >> 20), run->nr_cpus, duration_ns / 1e9,
		(unsigned long long)run->seed);
	if (sc->run) {
		if (sc->run(&c, run))
			r->ran = false;
	} else if (!c.mark || !c.busy) {
		stress_fail(&c, "out of memory");
	} else {
		stress_cur = &c;
		status = stress_vm(&c, &vm, &cfg, image, len);
		if (status >= 0)
			evaluate(&c, status);
		else
			r->ran = false;
		if (vm.mirror)
			vm_mirror_detach(&vm);
		vm_destroy(&vm);
		stress_cur = NULL;
	}
	free(c.mark);
	free(c.busy);
	fprintf(stderr, "stress: %s: %s\n", sc->name,
		!r->ran	      ? "skipped"
		: r->failures ? "FAILED"
			      : "passed");
}

static void stress_usage(FILE *f)
{
	fprintf(f, "usage: mirrorvm stress [SCENARIO...] [OPTIONS]\n"
		   "\n"
		   "  --duration D   per scenario, like 20s, 500ms, 2m (default 20s)\n"
		   "  --seed N       the schedule's seed (default 1)\n"
		   "  --mem SIZE     guest RAM, 16M to 1G (default 64M)\n"
		   "  --cpus N       vCPUs, 1 to 8 (default 2)\n"
		   "  --json FILE    write the result as JSON\n"
		   "  --trace PREFIX record each scenario's mirror to PREFIX.SCENARIO.trace\n"
		   "\nscenarios (* in the default suite):");
	for (unsigned int i = 0; i < stress_nr_scenarios; i++)
		fprintf(f, " %s%s", stress_scenarios[i].name,
			stress_scenarios[i].in_default ? "*" : "");
	fprintf(f, "\nexit status: 0 all passed, 1 a check failed, %d bad command line\n",
		MIRRORVM_EXIT_USAGE);
}

static int parse_duration(const char *s, uint64_t *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v <= 0 || v > 86400)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		*ms = (uint64_t)v;
	else if (!*end || !strcmp(end, "s"))
		*ms = (uint64_t)(v * 1000);
	else if (!strcmp(end, "m"))
		*ms = (uint64_t)(v * 60000);
	else
		return -EINVAL;
	return *ms ? 0 : -EINVAL;
}

static const struct stress_scenario *find_scenario(const char *name)
{
	for (unsigned int i = 0; i < stress_nr_scenarios; i++)
		if (!strcmp(stress_scenarios[i].name, name))
			return &stress_scenarios[i];
	return NULL;
}

struct stress_args {
	const struct stress_scenario *sc[16];
	unsigned int nr_sc;
	const char *json;
};

static int stress_parse(struct stress_run *run, struct stress_args *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		uint64_t v;

		if (opt[0] != '-') {
			if (!find_scenario(opt) || a->nr_sc == 16)
				return fprintf(stderr, "mirrorvm stress: unknown scenario '%s'\n",
					       opt),
				       -1;
			a->sc[a->nr_sc++] = find_scenario(opt);
			continue;
		}
		if (!val)
			return fprintf(stderr, "mirrorvm stress: %s needs a value\n", opt), -1;
		i++;
		if (!strcmp(opt, "--duration")) {
			if (parse_duration(val, &run->duration_ms))
				return fprintf(stderr, "mirrorvm stress: bad duration '%s'\n", val),
				       -1;
		} else if (!strcmp(opt, "--seed")) {
			errno = 0;
			run->seed = strtoull(val, &end, 0);
			if (errno || *end || end == val)
				return fprintf(stderr, "mirrorvm stress: bad seed '%s'\n", val), -1;
		} else if (!strcmp(opt, "--mem")) {
			if (vm_parse_size(val, &v) || v < (16ULL << 20) || v > (1ULL << 30) ||
			    v % (2ULL << 20))
				return fprintf(stderr,
					       "mirrorvm stress: --mem: 16M to 1G in 2M steps\n"),
				       -1;
			run->mem_size = v;
		} else if (!strcmp(opt, "--cpus")) {
			v = strtoull(val, &end, 10);
			if (*end || v < 1 || v > 8)
				return fprintf(stderr, "mirrorvm stress: --cpus: 1 to 8\n"), -1;
			run->nr_cpus = (unsigned int)v;
		} else if (!strcmp(opt, "--exit-mid-storm")) {
			run->exit_mid_storm = !strcmp(val, "1");
		} else if (!strcmp(opt, "--keep-numa-balancing")) {
			run->keep_numa_balancing = !strcmp(val, "1");
		} else if (!strcmp(opt, "--json")) {
			a->json = val;
		} else if (!strcmp(opt, "--trace")) {
			stress_trace = val;
		} else {
			return fprintf(stderr, "mirrorvm stress: unknown option '%s'\n", opt), -1;
		}
	}
	if (a->nr_sc)
		return 0;
	for (unsigned int i = 0; i < stress_nr_scenarios; i++)
		if (stress_scenarios[i].in_default)
			a->sc[a->nr_sc++] = &stress_scenarios[i];
	return 0;
}

static int stress_json_file(const struct stress_run *run, FILE *f, const char *path)
{
	int ret = stress_write_json(f, run);

	if (fclose(f) || ret) {
		fprintf(stderr, "mirrorvm stress: writing %s failed\n", path);
		return -1;
	}
	return 0;
}

void stress_kernel_probe(struct stress_kernel *k)
{
	struct utsname u;

	memset(k, 0, sizeof(*k));
	if (!uname(&u))
		snprintf(k->release, sizeof(k->release), "%s", u.release);
	k->page_idle = !access("/sys/kernel/mm/page_idle/bitmap", F_OK);
	k->damon = !access(STRESS_DAMON_ADMIN "/kdamonds/nr_kdamonds", W_OK);
	k->cb_offered = ~0U;
}

int stress_main(int argc, char **argv)
{
	static struct stress_run run = {
		.seed = 1, .duration_ms = 20000, .mem_size = 64ULL << 20, .nr_cpus = 2
	};
	struct stress_args a = { .nr_sc = 0 };
	char err[512] = "", path[4096];
	size_t len;
	FILE *json = NULL;
	void *image;
	int ret = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return stress_usage(stdout), 0;
	if (stress_parse(&run, &a, argc, argv))
		return MIRRORVM_EXIT_USAGE;
	/* Opened first: a bad path is said before the run, not after it. */
	json = a.json ? fopen(a.json, "we") : NULL;
	if (a.json && !json) {
		fprintf(stderr, "mirrorvm stress: --json %s: %s\n", a.json, strerror(errno));
		return MIRRORVM_EXIT_USAGE;
	}
	if (guests_resolve("stress", path, sizeof(path), err, sizeof(err)) ||
	    elf_read_file(path, &image, &len, err, sizeof(err))) {
		fprintf(stderr, "mirrorvm stress: %s\n", err);
		if (json)
			fclose(json);
		return MIRRORVM_EXIT_IMAGE;
	}
	testdev_request_register(GUEST_REQ_STRESS_INFO, req_info);
	testdev_request_register(GUEST_REQ_STRESS_DISCARDS, req_discards);
	stress_kernel_probe(&run.kernel);
	for (unsigned int i = 0; i < a.nr_sc; i++) {
		run_scenario(&run, a.sc[i], image, len, run.duration_ms * 1000000ULL);
		/* What the module says (scenarios that run no VM of their own say nothing). */
		if (run.result[run.nr_results - 1].cb_offered)
			run.kernel.cb_offered = run.result[run.nr_results - 1].cb_offered;
	}
	free(image);
	stress_print_coverage(stdout, &run);
	stress_print_summary(stdout, &run);
	fflush(stdout);
	if (json && stress_json_file(&run, json, a.json))
		ret = 1;
	return stress_total_failures(&run) || ret ? 1 : 0;
}

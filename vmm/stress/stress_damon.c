// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON's virtual address monitoring pointed at this process, as the last part of the ageing
 * scenario: its access checks are what ask a secondary MMU clear_young (damon_ptep_mkold and
 * damon_pmdp_mkold) and test_young (damon_young_pmd_entry, for a PTE the CPU left old), which
 * reclaim alone never does. Kernels with DAMON's sysfs (trixie's 6.12 and sid's 7.2 in the box;
 * Debian's 6.1 builds no DAMON) show both non-zero, or the scenario fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mmu.h"
#include "stress_priv.h"

#define DAMON_MS 1500
/*
 * 7.x's DAMON_STAT monitors physical memory from boot (DAMON_STAT_ENABLED_DEFAULT), and DAMON
 * refuses an exclusive start, which sysfs asks for, while it runs (EBUSY): it is paused here.
 */
#define DAMON_STAT "/sys/module/damon_stat/parameters/enabled"

static int damon_write(const char *rel, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/kdamonds/%s", STRESS_DAMON_ADMIN, rel);
	return stress_write_file(path, val);
}

/* One kdamond, one vaddr context, one target: this process, sampled every millisecond. */
static int damon_start(void)
{
	char pid[24];
	int ret;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = damon_write("nr_kdamonds", "1");
	ret = ret ?: damon_write("0/contexts/nr_contexts", "1");
	ret = ret ?: damon_write("0/contexts/0/operations", "vaddr");
	ret = ret ?: damon_write("0/contexts/0/monitoring_attrs/intervals/sample_us", "1000");
	ret = ret ?: damon_write("0/contexts/0/monitoring_attrs/intervals/aggr_us", "20000");
	ret = ret ?: damon_write("0/contexts/0/targets/nr_targets", "1");
	ret = ret ?: damon_write("0/contexts/0/targets/0/pid_target", pid);
	return ret ?: damon_write("0/state", "on");
}

static void damon_stop(void)
{
	damon_write("0/state", "off");
	damon_write("nr_kdamonds", "0");
}

static uint64_t young_records(struct stress_ctx *c, unsigned int cb)
{
	uint64_t n = 0;

	for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
		n += c->res->events[cb][ev];
	return n;
}

/* The first character of a sysfs file, or 0. */
static char damon_read_char(const char *path)
{
	char v[8] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (!fgets(v, sizeof(v), f))
		v[0] = 0;
	fclose(f);
	return v[0];
}

static bool damon_stat_pause(void)
{
	return damon_read_char(DAMON_STAT) == 'Y' && !stress_write_file(DAMON_STAT, "N");
}

void stress_damon_phase(struct stress_ctx *c)
{
	uint64_t clear0, test0;
	bool stat_paused;
	int ret;

	if (access(STRESS_DAMON_ADMIN "/kdamonds/nr_kdamonds", W_OK))
		return;
	/* Someone's own kdamonds: setting nr_kdamonds would tear them down. Not ours to touch. */
	if (damon_read_char(STRESS_DAMON_ADMIN "/kdamonds/nr_kdamonds") != '0') {
		fprintf(stderr, "stress: ageing: DAMON in use on this host: phase left out\n");
		return;
	}
	/* Entries the checks can find: the whole area mirrored, the hot set marked. */
	if (vm_pause(c->vm))
		return;
	mmu_populate(c->mmu, GPA(STRESS_AREA_GPA), c->area_pages * 4096, 0);
	vm_resume(c->vm);
	clear0 = young_records(c, MMIRROR_CB_CLEAR_YOUNG);
	test0 = young_records(c, MMIRROR_CB_TEST_YOUNG);
	stat_paused = damon_stat_pause();
	ret = damon_start();
	if (!ret)
		usleep(DAMON_MS * 1000);
	damon_stop();
	if (stat_paused)
		stress_write_file(DAMON_STAT, "Y");
	if (ret) {
		stress_fail(c, "starting DAMON on this process: %s", strerror(-ret));
		return;
	}
	/* The event loop drains the ring: give it the records of the last checks. */
	usleep(200 * 1000);
	c->res->damon = true;
	c->res->damon_clear_young = young_records(c, MMIRROR_CB_CLEAR_YOUNG) - clear0;
	c->res->damon_test_young = young_records(c, MMIRROR_CB_TEST_YOUNG) - test0;
	c->res->checks += 2;
	fprintf(stderr, "stress: ageing: DAMON for %d ms: clear_young %llu, test_young %llu\n",
		DAMON_MS, (unsigned long long)c->res->damon_clear_young,
		(unsigned long long)c->res->damon_test_young);
	if (!c->res->damon_clear_young)
		stress_fail(c, "DAMON monitored this process but asked the mirror no clear_young");
	if (!c->res->damon_test_young)
		stress_fail(c, "DAMON monitored this process but asked the mirror no test_young");
}

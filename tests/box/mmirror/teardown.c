// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-teardown MODE ROUNDS: each round a child mirrors THP memory and storms it, then ends
 * one way: kill9 (SIGKILL mid-storm), exit (exit with the fd open: release comes first),
 * close (close, then exit), oom (OOM-killed inside a small memory cgroup). The caller then checks
 * that the live counters return to zero and that rmmod works.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mt.h"

static struct mt td;

static void *td_invalidate(void *arg)
{
	unsigned int i;

	for (i = 0;; i++) {
		madvise(td.ram + (i % 512) * MT_PAGE, MT_PAGE, MADV_DONTNEED);
		td.ram[(i * 7 % 512) * MT_PAGE] = 1;
	}
	return NULL;
}

static void td_child(const char *mode)
{
	pthread_t th;
	unsigned int i;

	mt_open(&td);
	mt_setup(&td, MT_HUGE, MT_THP);
	pthread_create(&th, NULL, td_invalidate, NULL);
	for (i = 0; i < 20; i++)
		mmu_populate(td.m, td.gpa, td.size, MMIRROR_POPULATE_FAULT);
	if (!strcmp(mode, "close"))
		mmu_close(td.m);
	if (!strcmp(mode, "oom")) {
		/* Grows until the memcg's OOM killer takes the whole process. */
		for (;;) {
			uint8_t *p = mt_map(8 << 20, MT_SMALL);

			mt_fill(p, 8 << 20, 3);
		}
	}
	if (!strcmp(mode, "kill9"))
		pause();
	_exit(0);
}

static void td_round(const char *mode, const char *cg)
{
	pid_t pid = fork();
	int st;

	mt_assert(pid >= 0, "fork");
	if (pid == 0) {
		if (cg)
			mt_write_file(cg, "0");
		td_child(mode);
	}
	if (!strcmp(mode, "kill9")) {
		usleep(1000 + (unsigned int)(rand() % 20000));
		kill(pid, SIGKILL);
	}
	mt_assert(waitpid(pid, &st, 0) == pid, "waitpid");
	if (!strcmp(mode, "oom") || !strcmp(mode, "kill9"))
		mt_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child not killed (0x%x)", st);
	else
		mt_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed (0x%x)", st);
}

int main(int argc, char **argv)
{
	char cg[128] = "", procs[160];
	const char *mode = argc > 1 ? argv[1] : "";
	int rounds = argc > 2 ? atoi(argv[2]) : 100, i;

	if (strcmp(mode, "kill9") && strcmp(mode, "exit") && strcmp(mode, "close") &&
	    strcmp(mode, "oom")) {
		fprintf(stderr, "usage: mmirror-teardown kill9|exit|close|oom ROUNDS\n");
		return 2;
	}
	if (access(MMIRROR_DEVICE, F_OK))
		mt_skip("mmirror.ko is not loaded");
	if (!strcmp(mode, "oom")) {
		snprintf(cg, sizeof(cg), "/sys/fs/cgroup/mt-oom-%d", getpid());
		mt_assert(!mkdir(cg, 0755) || errno == EEXIST, "mkdir %s", cg);
		snprintf(procs, sizeof(procs), "%s/memory.max", cg);
		mt_write_file(procs, "24M");
		snprintf(procs, sizeof(procs), "%s/memory.swap.max", cg);
		mt_write_file(procs, "0");
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	}
	srand((unsigned int)time(NULL));
	for (i = 0; i < rounds; i++)
		td_round(mode, cg[0] ? procs : NULL);
	if (cg[0])
		rmdir(cg);
	printf("%d rounds of %s: live files %d, live regions %d, releases so far %d\n", rounds,
	       mode, mt_read_int("/sys/module/mmirror/parameters/live_files"),
	       mt_read_int("/sys/module/mmirror/parameters/live_regions"),
	       mt_read_int("/sys/module/mmirror/parameters/releases"));
	return 0;
}

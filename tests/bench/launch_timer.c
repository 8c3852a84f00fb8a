// SPDX-License-Identifier: GPL-2.0
/*
 * Times a command from launch to the first byte on its stdout and to its exit, runs times, and
 * prints the medians (and the range), and the page faults and context switches of the command,
 * which do not depend on how busy the host is (the box's times vary by +-30% on a loaded host).
 * usage: launch-timer RUNS COMMAND [ARGS...]
 */
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int time_once(char **argv, uint64_t *first, uint64_t *exit_us, struct rusage *ru)
{
	posix_spawn_file_actions_t fa;
	int fds[2], status;
	uint64_t t0;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	if (pipe(fds))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	t0 = now_us();
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ))
		return -1;
	close(fds[1]);
	*first = 0;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		if (!*first)
			*first = now_us() - t0;
	wait4(pid, &status, 0, ru);
	*exit_us = now_us() - t0;
	close(fds[0]);
	posix_spawn_file_actions_destroy(&fa);
	return WIFEXITED(status) && !WEXITSTATUS(status) && *first ? 0 : -1;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[1]) : 0;
	uint64_t *first, *done, *flt, *csw;
	struct rusage ru;

	if (runs < 1)
		return fprintf(stderr, "usage: launch-timer RUNS COMMAND [ARGS...]\n"), 2;
	first = calloc(runs, sizeof(*first));
	done = calloc(runs, sizeof(*done));
	flt = calloc(runs, sizeof(*flt));
	csw = calloc(runs, sizeof(*csw));
	for (int i = 0; i < runs; i++) {
		if (time_once(argv + 2, &first[i], &done[i], &ru))
			return fprintf(stderr, "launch-timer: run %d failed\n", i), 1;
		flt[i] = ru.ru_minflt + ru.ru_majflt;
		csw[i] = ru.ru_nvcsw + ru.ru_nivcsw;
	}
	qsort(first, runs, sizeof(*first), cmp_u64);
	qsort(done, runs, sizeof(*done), cmp_u64);
	qsort(flt, runs, sizeof(*flt), cmp_u64);
	qsort(csw, runs, sizeof(*csw), cmp_u64);
	printf("launch to first serial byte: median %llu us (min %llu, max %llu) over %d runs\n",
	       (unsigned long long)first[runs / 2], (unsigned long long)first[0],
	       (unsigned long long)first[runs - 1], runs);
	printf("launch to exit:              median %llu us (min %llu, max %llu) over %d runs\n",
	       (unsigned long long)done[runs / 2], (unsigned long long)done[0],
	       (unsigned long long)done[runs - 1], runs);
	printf("page faults, context switches (medians): %llu, %llu\n",
	       (unsigned long long)flt[runs / 2], (unsigned long long)csw[runs / 2]);
	return 0;
}

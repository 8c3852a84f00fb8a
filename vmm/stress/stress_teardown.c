// SPDX-License-Identifier: GPL-2.0
/*
 * The teardown scenario: a child mirrorvm runs munmap-race and is ended mid-storm three ways
 * (SIGKILL, the memcg OOM killer, its own exit() from the perturbation thread while the vCPUs
 * run). Checked from outside: after each, the module must hold no region and no file but the
 * checker's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmu.h"
#include "stress_priv.h"

enum teardown_how { TEARDOWN_KILL, TEARDOWN_OOM, TEARDOWN_EXIT };

static const char *const how_name[] = { "SIGKILL", "OOM kill", "exit mid-storm" };

/* In the child, before exec: into the memcg, if any. Only async-signal-safe calls. */
static void child_exec(const char *cgroup_procs, int err_fd, char **argv)
{
	int fd;

	if (cgroup_procs) {
		fd = open(cgroup_procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(120);
		close(fd);
	}
	dup2(err_fd, 2);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	execv("/proc/self/exe", argv);
	_exit(121);
}

/* Passes on the child's lines that say why it failed. */
static void child_lines(const char *buf)
{
	for (const char *p = buf; (p = strstr(p, "FAILED")); p++) {
		const char *start = p, *end = strchr(p, '\n');

		while (start > buf && start[-1] != '\n')
			start--;
		fprintf(stderr, "stress: teardown: child: %.*s\n",
			(int)(end ? end - start : (long)strlen(start)), start);
		if (!end)
			break;
		p = end;
	}
}

/* Waits until the child reports a round of its storm (its progress line), or it ends. */
static void wait_mid_storm(int fd)
{
	char buf[4096];
	size_t used = 0;
	ssize_t n;

	while ((n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0) {
		used += (size_t)n;
		buf[used] = 0;
		if (strstr(buf, "s round "))
			return;
		child_lines(buf);
		if (used > sizeof(buf) / 2) {
			memmove(buf, buf + used / 2, used - used / 2);
			used -= used / 2;
		}
	}
}

/* Reads the child's stderr to its end, so that it never dies of SIGPIPE; bounded. */
static void drain(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	time_t end = time(NULL) + 30;
	char buf[4096];
	ssize_t n;

	while (time(NULL) < end && poll(&pfd, 1, 100) >= 0) {
		if (!pfd.revents)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			return;
		buf[n] = 0;
		child_lines(buf);
	}
}

static bool wait_child(pid_t pid, int *status)
{
	for (int i = 0; i < 3000; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		usleep(10000);
	}
	return false;
}

static int live_counts(struct stress_ctx *c, uint64_t *files, uint64_t *regions)
{
	struct mmirror_stats st;
	struct mmu_mirror *m;
	int ret = mmu_open(&m);

	if (ret)
		return ret;
	ret = mmu_get_stats(m, &st);
	mmu_close(m);
	*files = st.live_files;
	*regions = st.live_regions;
	return ret;
}

/* After the child is gone: the module holds nothing of it (the checker's file counts 1). */
static void check_module(struct stress_ctx *c, const char *how)
{
	uint64_t files = 0, regions = 0;
	int ret = 0;

	for (int i = 0; i < 50; i++) {
		ret = live_counts(c, &files, &regions);
		if (ret || (files == 1 && regions == 0))
			break;
		usleep(100000);
	}
	c->res->checks++;
	if (ret)
		stress_fail(c, "after %s: reading the module's counters: %s", how, strerror(-ret));
	else if (files != 1 || regions)
		stress_fail(c, "after %s: the module still holds %llu files and %llu regions", how,
			    (unsigned long long)files - 1, (unsigned long long)regions);
}

static void teardown_one(struct stress_ctx *c, struct stress_run *run, enum teardown_how how)
{
	char procs[240], seed[32], mem[32], cpus[16], events[240], line[128];
	char *argv[] = { "mirrorvm",   "stress", "munmap-race",
			 "--duration", "120s",	 "--seed",
			 seed,	       "--mem",	 mem,
			 "--cpus",     cpus,	 how == TEARDOWN_EXIT ? "--exit-mid-storm" : NULL,
			 "1",	       NULL };
	int pipefd[2], status;
	bool oom = false;
	pid_t pid;

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)run->seed);
	snprintf(mem, sizeof(mem), "%lluM", (unsigned long long)(run->mem_size >> 20));
	snprintf(cpus, sizeof(cpus), "%u", run->nr_cpus);
	if (how == TEARDOWN_OOM) {
		/* Below the guest's size, and no swap: the guest's writes must OOM-kill it. */
		if (stress_memcg_enter_child(c, run->mem_size / 2)) {
			fprintf(stderr, "stress: teardown: no memcg; no OOM case\n");
			return;
		}
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", c->cgroup);
	}
	if (pipe2(pipefd, O_CLOEXEC))
		return stress_fail(c, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0)
		child_exec(how == TEARDOWN_OOM ? procs : NULL, pipefd[1], argv);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return stress_fail(c, "fork: %s", strerror(errno));
	}
	wait_mid_storm(pipefd[0]);
	if (how == TEARDOWN_KILL)
		kill(pid, SIGKILL);
	drain(pipefd[0]);
	close(pipefd[0]);
	if (!wait_child(pid, &status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		stress_fail(c, "%s: the child did not end within 30 s", how_name[how]);
	}
	c->res->ops++;
	c->res->checks++;
	if (how == TEARDOWN_OOM) {
		FILE *f;

		snprintf(events, sizeof(events), "%s/memory.events", c->cgroup);
		f = fopen(events, "re");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "oom_kill ", 9) && atoll(line + 9) > 0)
				oom = true;
		if (f)
			fclose(f);
		stress_memcg_remove(c);
	}
	if (how != TEARDOWN_EXIT && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		stress_fail(c, "%s: the child was not killed (status 0x%x)", how_name[how], status);
	else if (how == TEARDOWN_OOM && !oom)
		stress_fail(c, "OOM kill: memory.events counts no oom_kill");
	else if (how == TEARDOWN_EXIT && !(WIFEXITED(status) && WEXITSTATUS(status) == 3))
		stress_fail(c, "exit mid-storm: the child's status is 0x%x, not exit 3", status);
	else
		fprintf(stderr, "stress: teardown: child ended by %s\n", how_name[how]);
	check_module(c, how_name[how]);
	c->res->rounds++;
}

int stress_teardown_run(struct stress_ctx *c, struct stress_run *run)
{
	uint64_t files, regions;

	if (live_counts(c, &files, &regions)) {
		snprintf(c->res->fail_text, sizeof(c->res->fail_text), "needs the module");
		return -ENOENT;
	}
	c->res->mirror_on = true;
	teardown_one(c, run, TEARDOWN_KILL);
	teardown_one(c, run, TEARDOWN_OOM);
	teardown_one(c, run, TEARDOWN_EXIT);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Pages that change under the process: KSM merge, fork + COW, NUMA migration, and exit. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.h"

#define KSM "/sys/kernel/mm/ksm/"

int ev_ksm(struct mt *t)
{
	size_t n = 32, i;
	int waited;

	if (access(KSM "run", W_OK))
		mt_skip("no writable " KSM "run (CONFIG_KSM off)");
	mt_setup(t, n * MT_PAGE, MT_SMALL);
	for (i = 0; i < n; i++)
		memset(t->ram + i * MT_PAGE, 0x5a, MT_PAGE);
	mt_assert(!madvise(t->ram, t->size, MADV_MERGEABLE), "MADV_MERGEABLE: %s", strerror(errno));
	mt_write_file(KSM "pages_to_scan", "1000");
	mt_write_file(KSM "sleep_millisecs", "10");
	mt_write_file(KSM "run", "1");
	for (waited = 0; waited < 300 && mt_read_int(KSM "pages_sharing") < (int)n - 1; waited++)
		usleep(100 * 1000);
	printf("  ksm pages_shared %d pages_sharing %d after %d ms\n",
	       mt_read_int(KSM "pages_shared"), mt_read_int(KSM "pages_sharing"), waited * 100);
	mt_assert(mt_read_int(KSM "pages_sharing") > 0, "ksmd merged nothing in 30 s");
	mt_write_file(KSM "run", "0");
	mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_CLEAR, t->gpa.v, t->gpa.v + MT_PAGE);
	mt_expect_offered(t, MMIRROR_CB_CHANGE_PTE, MMIRROR_EV_NONE, t->gpa.v, t->gpa.v + MT_PAGE);
	mt_coherent(t, "after KSM merge");
	mt_populate(t, 0);
	mt_assert(!(mt_entry(t, t->ram) & MMIRROR_PTE_WRITE), "merged page writable in the table");
	if (mt_privileged())
		mt_assert(mmu_pte_hpfn(mt_entry(t, t->ram)).v ==
				  mmu_pte_hpfn(mt_entry(t, t->ram + MT_PAGE)).v,
			  "merged pages have different PFNs in the table");
	mt_coherent(t, "after repopulating merged pages");
	return 0;
}

int ev_cow(struct mt *t)
{
	int fds[2];
	uint64_t before;
	pid_t pid;
	char c;

	mt_setup(t, 64 * MT_PAGE, MT_SMALL);
	before = mt_entry(t, t->ram);
	mt_assert(!pipe(fds), "pipe");
	pid = fork();
	mt_assert(pid >= 0, "fork");
	if (pid == 0) {
		close(fds[1]);
		/* Keep the pages shared until the parent has written. */
		_exit(read(fds[0], &c, 1) < 0);
	}
	close(fds[0]);
	mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_PROTECTION_PAGE, t->gpa.v,
		  t->gpa.v + t->size);
	mt_coherent(t, "after fork");
	mt_populate(t, 0);
	mt_assert(!(mt_entry(t, t->ram) & MMIRROR_PTE_WRITE), "shared COW page writable");
	mt_clear_events(t);
	t->ram[0] ^= 0xff;
	mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_CLEAR, t->gpa.v, t->gpa.v + MT_PAGE);
	mt_expect_offered(t, MMIRROR_CB_CHANGE_PTE, MMIRROR_EV_NONE, t->gpa.v, t->gpa.v + MT_PAGE);
	mt_assert(!mmu_pte_present(mt_entry(t, t->ram)), "COWed entry still present");
	mt_coherent(t, "after the COW write");
	mt_populate(t, 0);
	mt_assert(mt_entry(t, t->ram) & MMIRROR_PTE_WRITE, "the private copy is not writable");
	if (mt_privileged())
		mt_assert(mmu_pte_hpfn(mt_entry(t, t->ram)).v != mmu_pte_hpfn(before).v,
			  "COW kept the PFN");
	mt_coherent(t, "after repopulating the copy");
	close(fds[1]);
	waitpid(pid, NULL, 0);
	return 0;
}

static long ev_sys_move_pages(int pid, unsigned long n, void **pages, const int *nodes, int *status)
{
	return syscall(SYS_move_pages, pid, n, pages, nodes, status, 0);
}


int ev_move_pages(struct mt *t)
{
	enum { N = 32 };
	void *pages[N];
	int nodes[N], status[N], i, from, moved = 0;
	uint64_t before[N];

	if (access("/sys/devices/system/node/node1", F_OK))
		mt_skip("one NUMA node: run in tools/box --numa");
	mt_setup(t, N * MT_PAGE, MT_SMALL);
	for (i = 0; i < N; i++) {
		pages[i] = t->ram + i * MT_PAGE;
		before[i] = mt_entry(t, pages[i]);
	}
	mt_assert(!ev_sys_move_pages(0, N, pages, NULL, status), "move_pages query");
	from = status[0];
	for (i = 0; i < N; i++)
		nodes[i] = !from;
	mt_assert(ev_sys_move_pages(0, N, pages, nodes, status) >= 0, "move_pages: %s", strerror(errno));
	mt_drain(t);
	for (i = 0; i < N; i++) {
		if (status[i] != !from)
			continue;
		moved++;
		mt_assert(mt_find(t, MMIRROR_CB_INVALIDATE, -1, mt_gpa_of(t, pages[i]),
				  mt_gpa_of(t, pages[i]) + MT_PAGE),
			  "no invalidation for migrated page %d", i);
		mt_assert(!mmu_pte_present(mt_entry(t, pages[i])), "migrated page %d present", i);
	}
	printf("  %d of %d pages moved node %d -> %d; 6.1's move_pages invalidates with CLEAR "
	       "(try_to_migrate_one); MIGRATE only comes from migrate_vma_* (device memory)\n",
	       moved, N, from, !from);
	mt_assert(moved > 0, "no page moved");
	mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_CLEAR, t->gpa.v, t->gpa.v + MT_PAGE);
	mt_coherent(t, "after move_pages");
	mt_populate(t, 0);
	if (mt_privileged())
		mt_assert(mmu_pte_hpfn(mt_entry(t, pages[0])).v != mmu_pte_hpfn(before[0]).v,
			  "migrated page kept its PFN");
	mt_coherent(t, "after repopulating migrated pages");
	return 0;
}

static int ev_sysfs(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/mmirror/parameters/%s", name);
	return mt_read_int(path);
}

/* The child mirrors memory, hands its fd to us and exits: release comes while the file lives. */
int ev_exit(struct mt *t)
{
	int sv[2], releases = ev_sysfs("releases"), files, fd;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c;
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	pid_t pid;

	mt_assert(releases >= 0, "no /sys/module/mmirror/parameters/releases");
	mmu_close(t->m);
	mt_assert(!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair");
	pid = fork();
	mt_assert(pid >= 0, "fork");
	if (pid == 0) {
		struct mt ct;

		mt_open(&ct);
		mt_setup(&ct, 1 << 20, MT_SMALL);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &(int){ mmu_fd(ct.m) }, sizeof(int));
		_exit(sendmsg(sv[1], &msg, 0) != 1);
	}
	mt_assert(recvmsg(sv[0], &msg, 0) == 1, "recvmsg");
	cm = CMSG_FIRSTHDR(&msg);
	mt_assert(cm && cm->cmsg_type == SCM_RIGHTS, "no fd received");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	waitpid(pid, NULL, 0);
	mt_assert(ev_sysfs("releases") == releases + 1, "release did not arrive on exit");
	files = ev_sysfs("live_files");
	mt_assert(files >= 1, "the file died with the mm while its fd is open");
	printf("  release arrived on exit (releases %d -> %d), file kept by our fd\n", releases,
	       releases + 1);
	close(fd);
	for (c = 0; c < 50 && ev_sysfs("live_files") >= files; c++)
		usleep(20 * 1000);
	mt_assert(ev_sysfs("live_files") < files, "file not freed after close");
	printf("  the ring of an exited mm cannot be read (another mm gets EPERM), so the exit's "
	       "own UNMAP records are shown by the release counter instead\n");
	return 0;
}

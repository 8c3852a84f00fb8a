// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-harden MODE: the module's edges (issue 14).
 *   map-dofork     MADV_DOFORK on the table and the ring fails, or a fork child gets neither
 *   map-exec       mprotect(PROT_EXEC) on the table and the ring fails
 *   map-uffd       userfaultfd refuses to register the ring and the table (Debian's 6.1.0-57
 *                  refused the ring with EINVAL even before it had vm_ops)
 *   map-procmem    /proc/self/mem cannot read the table (no get_user_pages on it)
 *   map-shared-ro  a read-only fd maps MAP_SHARED (VM_MAYSHARE), MAP_PRIVATE is refused
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mt.h"

struct hd_maps {
	struct mt t;
	volatile uint64_t *table;
	size_t table_bytes;
	struct mmirror_ring *ring;
};

/* A mirrored 16-page region, its table as libmmu maps it, and a ring mapping of our own. */
static void hd_maps(struct hd_maps *h)
{
	const struct mmu_region *r;

	mt_open(&h->t);
	mt_setup(&h->t, 16 * MT_PAGE, MT_SMALL);
	r = mmu_region_of(h->t.m, h->t.gpa);
	mt_assert(r, "no region");
	h->table = (volatile uint64_t *)r->table;
	h->table_bytes = r->table_bytes;
	h->ring = mmap(NULL, MT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mmu_fd(h->t.m), 0);
	mt_assert(h->ring != MAP_FAILED, "mmap ring: %s", strerror(errno));
	mt_assert(mmu_pte_present(h->table[0]), "entry 0 not present after populate");
}

static int hd_dofork(void)
{
	struct hd_maps h;
	int tret, rret, st;
	pid_t pid;

	hd_maps(&h);
	tret = madvise((void *)h.table, h.table_bytes, MADV_DOFORK) ? errno : 0;
	rret = madvise(h.ring, MT_PAGE, MADV_DOFORK) ? errno : 0;
	printf("MADV_DOFORK: table %s, ring %s\n", tret ? strerror(tret) : "accepted",
	       rret ? strerror(rret) : "accepted");
	if (tret && rret)
		return 0;
	pid = fork();
	mt_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/*
		 * Either mapping, if inherited, shows the parent's live state (fork's COW
		 * write-protect has just invalidated the entry: its cause bits are set).
		 */
		if (!tret && h.table[0])
			_exit(1);
		if (!rret && h.ring->version == MMIRROR_API_VERSION)
			_exit(2);
		_exit(0);
	}
	mt_assert(waitpid(pid, &st, 0) == pid, "waitpid");
	if (WIFSIGNALED(st)) {
		printf("the child faulted (signal %d): it has no mapping\n", WTERMSIG(st));
		return 0;
	}
	mt_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the fork child read the parent's live %s", WEXITSTATUS(st) == 1 ? "table" : "ring");
	return 0;
}

static int hd_exec(void)
{
	struct hd_maps h;
	int tret, rret;

	hd_maps(&h);
	tret = mprotect((void *)h.table, h.table_bytes, PROT_READ | PROT_EXEC) ? errno : 0;
	rret = mprotect(h.ring, MT_PAGE, PROT_READ | PROT_EXEC) ? errno : 0;
	printf("mprotect(PROT_EXEC): table %s, ring %s\n", tret ? strerror(tret) : "accepted",
	       rret ? strerror(rret) : "accepted");
	mt_assert(tret && rret, "mprotect(PROT_EXEC) succeeded on a mirror mapping");
	return 0;
}

static int hd_uffd_register(int uffd, void *p, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? errno : 0;
}

static int hd_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct hd_maps h;
	int uffd, tret, rret;

	hd_maps(&h);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		mt_skip("userfaultfd: %s", strerror(errno));
	mt_assert(!ioctl(uffd, UFFDIO_API, &api), "UFFDIO_API: %s", strerror(errno));
	rret = hd_uffd_register(uffd, h.ring, MT_PAGE);
	tret = hd_uffd_register(uffd, (void *)h.table, h.table_bytes);
	printf("UFFDIO_REGISTER: ring %s, table %s\n", rret ? strerror(rret) : "accepted",
	       tret ? strerror(tret) : "accepted");
	mt_assert(rret && tret, "userfaultfd registered a mirror mapping");
	close(uffd);
	return 0;
}

static int hd_procmem(void)
{
	struct hd_maps h;
	uint64_t v;
	ssize_t n;
	int fd;

	hd_maps(&h);
	fd = open("/proc/self/mem", O_RDONLY);
	mt_assert(fd >= 0, "open /proc/self/mem: %s", strerror(errno));
	n = pread(fd, &v, sizeof(v), (off_t)(uintptr_t)h.table);
	printf("/proc/self/mem read of the table: %s\n", n < 0 ? strerror(errno) : "succeeded");
	mt_assert(n < 0, "/proc/self/mem read the table (0x%llx)", (unsigned long long)v);
	n = pread(fd, &v, sizeof(v), (off_t)(uintptr_t)h.ring);
	mt_assert(n < 0, "/proc/self/mem read the ring");
	close(fd);
	return 0;
}

static int hd_shared_ro(void)
{
	struct mmirror_ring *ring;
	void *p;
	int fd;

	fd = open(MMIRROR_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		mt_skip("no " MMIRROR_DEVICE);
	mt_assert(fd >= 0, "open: %s", strerror(errno));
	/* MAP_SHARED of a read-only fd has VM_MAYSHARE but not VM_SHARED. */
	ring = mmap(NULL, MT_PAGE, PROT_READ, MAP_SHARED, fd, 0);
	mt_assert(ring != MAP_FAILED, "MAP_SHARED of a read-only fd: %s", strerror(errno));
	mt_assert(ring->version == MMIRROR_API_VERSION, "ring version %u", ring->version);
	mt_assert(mprotect(ring, MT_PAGE, PROT_READ | PROT_WRITE) && errno == EACCES,
		  "a read-only fd's mapping became writable");
	p = mmap(NULL, MT_PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	mt_assert(p == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE accepted");
	printf("read-only fd: MAP_SHARED read-only mapping works, MAP_PRIVATE refused\n");
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} hd_modes[] = {
	{ "map-dofork", hd_dofork },
	{ "map-exec", hd_exec },
	{ "map-uffd", hd_uffd },
	{ "map-procmem", hd_procmem },
	{ "map-shared-ro", hd_shared_ro },
};

int main(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc >= 2 && i < sizeof(hd_modes) / sizeof(hd_modes[0]); i++)
		if (!strcmp(argv[1], hd_modes[i].name))
			return hd_modes[i].fn();
	fprintf(stderr, "usage: mmirror-harden MODE (see the source)\n");
	return 2;
}

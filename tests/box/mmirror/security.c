// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-security passed-fd|nopfn|bad-args|fuzz [N]: an fd passed to another process gets EPERM
 * on every call; PFNs are zero without CAP_SYS_ADMIN; a table of bad ioctl arguments gets the
 * documented errors with nothing changed; N random ioctls and mmaps leave the kernel clean.
 */
#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mt.h"

static int sec_errno(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

static void sec_eperm_all(int fd)
{
	struct mmirror_region reg = { .hva = 0x10000000, .size = MT_PAGE, .gpa = 0 };
	struct mmirror_populate pop = { .gpa = MT_GPA, .len = MT_PAGE };
	struct mmirror_stats st;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v = MT_GPA;

	mt_assert(sec_errno(fd, MMIRROR_IOC_VERSION, NULL) == EPERM, "VERSION");
	mt_assert(sec_errno(fd, MMIRROR_IOC_ADD_REGION, &reg) == EPERM, "ADD_REGION");
	mt_assert(sec_errno(fd, MMIRROR_IOC_DEL_REGION, &v) == EPERM, "DEL_REGION");
	mt_assert(sec_errno(fd, MMIRROR_IOC_POPULATE, &pop) == EPERM, "POPULATE");
	mt_assert(sec_errno(fd, MMIRROR_IOC_GET_STATS, &st) == EPERM, "GET_STATS");
	v = 0;
	mt_assert(sec_errno(fd, MMIRROR_IOC_SET_FLAGS, &v) == EPERM, "SET_FLAGS");
	mt_assert(sec_errno(fd, 0x1234, NULL) == EPERM, "unknown ioctl");
	mt_assert(mmap(NULL, MT_PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM,
		  "mmap of the ring");
	mt_assert(mmap(NULL, MT_PAGE, PROT_READ, MAP_SHARED, fd, 1LL << 36) == MAP_FAILED &&
			  errno == EPERM,
		  "mmap of a table");
	mt_assert(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR), "poll: want POLLERR");
	printf("passed fd: EPERM on 7 ioctls and 2 mmaps, POLLERR on poll\n");
}

static int sec_passed_fd(void)
{
	int sv[2], fd;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'x';
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	struct mt t;
	pid_t pid;
	int st;

	mt_open(&t);
	mt_setup(&t, 16 * MT_PAGE, MT_SMALL);
	mt_assert(!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair");
	pid = fork();
	if (pid == 0) {
		/* A fresh exec'd-like process: its own mm, receiving the fd over the socket. */
		mt_assert(recvmsg(sv[1], &msg, 0) == 1, "recvmsg");
		cm = CMSG_FIRSTHDR(&msg);
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		sec_eperm_all(fd);
		_exit(0);
	}
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &(int){ mmu_fd(t.m) }, sizeof(int));
	mt_assert(sendmsg(sv[0], &msg, 0) == 1, "sendmsg");
	mt_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st), "child");
	/* The owner is unaffected. */
	mt_assert(ioctl(mmu_fd(t.m), MMIRROR_IOC_VERSION) == MMIRROR_API_VERSION, "owner");
	mt_coherent(&t, "in the owner");
	return 0;
}

static void sec_drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	mt_assert(!syscall(SYS_capget, &h, d), "capget");
	d[0].effective &= ~(1U << CAP_SYS_ADMIN);
	d[0].permitted &= ~(1U << CAP_SYS_ADMIN);
	d[0].inheritable &= ~(1U << CAP_SYS_ADMIN);
	mt_assert(!syscall(SYS_capset, &h, d), "capset: %s", strerror(errno));
}

static int sec_nopfn(void)
{
	struct mt t;
	pid_t pid;
	int st, i;

	if (!mt_privileged())
		mt_skip("needs root to compare");
	mt_open(&t);
	mt_setup(&t, 16 * MT_PAGE, MT_SMALL);
	mt_assert(mmu_pte_hpfn(mt_entry(&t, t.ram)).v != 0, "root sees no PFN");
	pid = fork();
	if (pid == 0) {
		struct mt u;

		sec_drop_sys_admin();
		mt_open(&u);
		mt_setup(&u, 16 * MT_PAGE, MT_SMALL);
		for (i = 0; i < 16; i++) {
			uint64_t e = mt_entry(&u, u.ram + i * MT_PAGE);

			mt_assert(mmu_pte_present(e) && !(e & MMIRROR_PTE_PFN_MASK),
				  "entry %d: 0x%llx has PFN bits", i, (unsigned long long)e);
		}
		mt_coherent(&u, "without CAP_SYS_ADMIN");
		_exit(0);
	}
	mt_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st), "child");
	printf("with CAP_SYS_ADMIN PFNs shown; without it 16 present entries, PFN bits zero\n");
	return 0;
}

int sec_bad_args(struct mt *t);
int sec_fuzz(struct mt *t, long n);

int main(int argc, char **argv)
{
	struct mt t;

	if (argc >= 2 && !strcmp(argv[1], "passed-fd"))
		return sec_passed_fd();
	if (argc >= 2 && !strcmp(argv[1], "nopfn"))
		return sec_nopfn();
	if (argc >= 2 && !strcmp(argv[1], "bad-args")) {
		mt_open(&t);
		return sec_bad_args(&t);
	}
	if (argc >= 2 && !strcmp(argv[1], "fuzz")) {
		mt_open(&t);
		return sec_fuzz(&t, argc > 2 ? atol(argv[2]) : 100000);
	}
	fprintf(stderr, "usage: mmirror-security passed-fd|nopfn|bad-args|fuzz [N]\n");
	return 2;
}

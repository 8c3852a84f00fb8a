// SPDX-License-Identifier: GPL-2.0
/*
 * Guest side of the IOPS benchmark: 4 KiB O_DIRECT random reads over a block device, queue depth
 * one, for a number of seconds; prints 'MVT iops N'. Built static so the busybox initramfs can
 * run it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 5, t0, t;
	uint64_t blocks, x = 88172645463325252ull, n = 0;
	void *buf;
	off_t size;
	int fd;

	fd = open(argc > 1 ? argv[1] : "/dev/vda", O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, 4096, 4096)) {
		perror("MVT fail randread open");
		return 1;
	}
	size = lseek(fd, 0, SEEK_END);
	blocks = (uint64_t)size / 4096;
	if (!blocks) {
		puts("MVT fail randread empty device");
		return 1;
	}
	t0 = now();
	do {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (pread(fd, buf, 4096, (off_t)(x % blocks) * 4096) != 4096) {
			perror("MVT fail randread pread");
			return 1;
		}
		n++;
		t = now();
	} while (t - t0 < secs);
	printf("MVT iops %.0f\n", n / (t - t0));
	return 0;
}

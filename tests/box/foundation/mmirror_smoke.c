// SPDX-License-Identifier: GPL-2.0
/* /dev/mmirror opens and answers the version ioctl with the version this build was made for. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mmirror_uapi.h"

int main(void)
{
	int fd = open(MMIRROR_DEVICE, O_RDWR | O_CLOEXEC);
	int v;

	if (fd < 0) {
		perror("mmirror-smoke: open " MMIRROR_DEVICE);
		return 1;
	}
	v = ioctl(fd, MMIRROR_IOC_VERSION);
	if (v != MMIRROR_API_VERSION) {
		fprintf(stderr, "mmirror-smoke: version %d, want %d\n", v, MMIRROR_API_VERSION);
		return 1;
	}
	printf("mmirror API version %d\n", v);
	return close(fd) ? 1 : 0;
}

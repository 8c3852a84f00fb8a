// SPDX-License-Identifier: GPL-2.0
/* extract-vmlinux BZIMAGE OUT: the uncompressed kernel inside a bzImage (vmm/boot/boot_linux.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../vmm/boot/boot_linux.h"

int main(int argc, char **argv)
{
	const char *why = "";
	size_t size = 0, len = 0;
	void *img = NULL, *out = NULL;
	FILE *f;
	long n;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: extract-vmlinux BZIMAGE OUT\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(img = malloc(n)) || fread(img, 1, n, f) != (size_t)n) {
		fprintf(stderr, "extract-vmlinux: %s: cannot read\n", argv[1]);
		return 1;
	}
	fclose(f);
	size = (size_t)n;
	ret = bzimage_extract_vmlinux(img, size, &out, &len, &why);
	if (ret) {
		fprintf(stderr, "extract-vmlinux: %s: %s (%s)\n", argv[1], why, strerror(-ret));
		return 1;
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "extract-vmlinux: %s: cannot write\n", argv[2]);
		return 1;
	}
	free(out);
	free(img);
	return 0;
}

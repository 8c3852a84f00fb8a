// SPDX-License-Identifier: GPL-2.0
/* The address types convert only through their named helpers, and losslessly. */
#include <mirrorvm/addr.h>

#include "tap.h"

int main(void)
{
	char buf[16];
	hva_t h = ptr_to_hva(buf);

	ok(hva_to_ptr(h) == buf, "hva round-trips a pointer");
	ok(hva_to_ptr(hva_add(h, 3)) == buf + 3, "hva_add moves by bytes");
	is_int(gpa_add(GPA(0x1000), 0x234).v, 0x1234, "gpa_add");
	is_int(GPA(UINT64_MAX).v, UINT64_MAX, "full 64-bit gpa kept");
	return tap_done();
}

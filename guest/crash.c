// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaves on purpose, for mirrorvm's own tests. --param mode=triple (the default) raises an
 * exception with no IDT, which ends in a triple fault; mode=hang spins forever (a signal must
 * stop it); mode=wild writes to a port nobody owns and reads RAM past its end via the request
 * channel, then exits 0 (the VMM must shrug both off).
 */
#include "guest.h"

static int crash_wild(void)
{
	struct guest_request req = { .opcode = 60 };

	outb(0x80, 1);
	report(inb(0x81) == 0xff, "unowned ports read as all-ones");
	report(guest_request(&req) == GUEST_REQ_ENOSYS, "unknown request: ENOSYS");
	req.opcode = GUEST_REQ_ECHO;
	req.args[0] = 42;
	report(guest_request(&req) == GUEST_REQ_OK && req.ret[0] == 42, "echo request");
	/* A request and a report outside RAM: refused by the VMM, nothing more. */
	outl(GUEST_TESTDEV_REQUEST, 0xfffff000);
	return 0;
}

int guest_main(const struct guest_info *gi)
{
	const char *mode = fdt_prop(gi->fdt, fdt_node(gi->fdt, "/params"), "mode", NULL);

	if (mode && !strcmp(mode, "hang")) {
		printf("crash: hanging\n");
		for (;;)
			cpu_relax();
	}
	if (mode && !strcmp(mode, "wild"))
		return crash_wild();
	printf("crash: triple fault\n");
	__asm__ volatile("ud2");
	return 0;
}

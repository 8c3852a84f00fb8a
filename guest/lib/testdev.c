// SPDX-License-Identifier: GPL-2.0
/* Calls to the test device (guest_abi.h). */
#include "guest.h"

void guest_exit(int status)
{
	outl(GUEST_TESTDEV_EXIT, status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

bool report(bool cond, const char *fmt, ...)
{
	struct guest_report rep = { .passed = cond };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep.name, sizeof(rep.name), fmt, ap);
	va_end(ap);
	outl(GUEST_TESTDEV_REPORT, (uint32_t)(uintptr_t)&rep);
	return cond;
}

int guest_request(struct guest_request *req)
{
	req->status = -1;
	outl(GUEST_TESTDEV_REQUEST, (uint32_t)(uintptr_t)req);
	return atomic_read(&req->status);
}

uint64_t host_time_ns(void)
{
	struct guest_request req = { .opcode = GUEST_REQ_HOST_TIME };

	return guest_request(&req) == GUEST_REQ_OK ? req.ret[0] : 0;
}

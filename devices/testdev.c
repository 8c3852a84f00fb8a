// SPDX-License-Identifier: GPL-2.0
/* The test device: exit with a status, named check reports, the host request channel. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "guest_mem.h"
#include "testdev.h"

static testdev_req_fn testdev_req[GUEST_REQ_MAX];
static atomic_uint testdev_failed, testdev_passed;

int testdev_request_register(uint32_t opcode, testdev_req_fn fn)
{
	if (opcode >= GUEST_REQ_MAX)
		return -EINVAL;
	if (testdev_req[opcode])
		return -EBUSY;
	testdev_req[opcode] = fn;
	return 0;
}

unsigned int testdev_checks_failed(void)
{
	return atomic_load(&testdev_failed);
}

static int testdev_req_nop(struct vm *vm, const struct guest_request *req, uint64_t *ret)
{
	return GUEST_REQ_OK;
}

static int testdev_req_echo(struct vm *vm, const struct guest_request *req, uint64_t *ret)
{
	for (unsigned int i = 0; i < GUEST_REQ_RETS; i++)
		ret[i] = req->args[i];
	return GUEST_REQ_OK;
}

static int testdev_req_time(struct vm *vm, const struct guest_request *req, uint64_t *ret)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ret[0] = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	return GUEST_REQ_OK;
}

static void testdev_exit(struct vm *vm, uint32_t status)
{
	unsigned int failed = atomic_load(&testdev_failed);

	if (status > GUEST_EXIT_MAX)
		status = GUEST_EXIT_MAX;
	if (!status && failed) {
		fprintf(stderr, "mirrorvm: the guest exited 0 after %u failed check%s\n", failed,
			failed == 1 ? "" : "s");
		status = GUEST_EXIT_CHECKS_FAILED;
	}
	vm_stop(vm, status);
}

static void testdev_report(struct vm *vm, uint32_t gpa)
{
	struct guest_report rep;

	if (gmem_read(vm_gmem(vm), GPA(gpa), &rep, sizeof(rep))) {
		fprintf(stderr, "mirrorvm: check report at 0x%x is outside guest RAM\n", gpa);
		atomic_fetch_add(&testdev_failed, 1);
		return;
	}
	rep.name[sizeof(rep.name) - 1] = '\0';
	for (char *c = rep.name; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	atomic_fetch_add(rep.passed ? &testdev_passed : &testdev_failed, 1);
	fprintf(stderr, "check: %s %s\n", rep.passed ? "ok" : "FAILED", rep.name);
}

static void testdev_request(struct vm *vm, uint32_t gpa)
{
	struct guest_request req;
	uint64_t ret[GUEST_REQ_RETS] = { 0 };
	int status;

	if (gmem_read(vm_gmem(vm), GPA(gpa), &req, sizeof(req))) {
		fprintf(stderr, "mirrorvm: request at 0x%x is outside guest RAM\n", gpa);
		return;
	}
	if (req.opcode < GUEST_REQ_MAX && testdev_req[req.opcode])
		status = testdev_req[req.opcode](vm, &req, ret);
	else
		status = GUEST_REQ_ENOSYS;
	req.status = status;
	memcpy(req.ret, ret, sizeof(ret));
	gmem_write(vm_gmem(vm), GPA(gpa), &req, sizeof(req));
}

static void testdev_pio(void *opaque, uint16_t port, bool write, uint8_t *data, unsigned int len)
{
	struct vm *vm = opaque;
	uint32_t v = 0;

	if (!write || len != 4)
		return;
	memcpy(&v, data, 4);
	switch (port) {
	case GUEST_TESTDEV_EXIT:
		testdev_exit(vm, v);
		break;
	case GUEST_TESTDEV_REPORT:
		testdev_report(vm, v);
		break;
	case GUEST_TESTDEV_REQUEST:
		testdev_request(vm, v);
		break;
	}
}

static int testdev_create(struct vm *vm, const struct vm_config *cfg)
{
	int ret;

	testdev_req[GUEST_REQ_NOP] = testdev_req_nop;
	testdev_req[GUEST_REQ_ECHO] = testdev_req_echo;
	testdev_req[GUEST_REQ_HOST_TIME] = testdev_req_time;
	ret = vm_pio_register(vm, GUEST_TESTDEV_PORT, GUEST_TESTDEV_PORTS, testdev_pio, vm);
	if (!ret)
		ret = vm_ioport_describe(vm, "testdev", "mirrorvm,testdev", GUEST_TESTDEV_PORT,
					 GUEST_TESTDEV_PORTS);
	return ret;
}

static const struct device_type testdev_type = {
	.name = "testdev",
	.create = testdev_create,
};
DEVICE_TYPE(testdev_type);

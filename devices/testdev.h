/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test device's request channel (guest/include/guest_abi.h): a guest asks the host to act
 * (perturb its memory, read a clock) and waits for the answer in the same OUT instruction.
 * Host code adds an opcode with one testdev_request_register() call.
 */
#ifndef MIRRORVM_TESTDEV_H
#define MIRRORVM_TESTDEV_H

#include <stdint.h>

#include "device.h"
#include "guest_abi.h"

/*
 * Performs req on the vCPU thread that sent it; fills ret[] and returns GUEST_REQ_OK or a
 * positive errno for the guest. req is a private copy: the guest cannot change it meanwhile.
 */
typedef int (*testdev_req_fn)(struct vm *vm, const struct guest_request *req,
			      uint64_t ret[GUEST_REQ_RETS]);

/* 0, -EINVAL for an opcode out of range, -EBUSY when it is taken. Call before the VM runs. */
int testdev_request_register(uint32_t opcode, testdev_req_fn fn);

/* How many checks the guest reported failed so far. */
unsigned int testdev_checks_failed(void);

#endif

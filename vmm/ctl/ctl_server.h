/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control server: a thread of its own that serves the control socket (protocol in
 * vmm/ctl/ctl_proto.h), so that no client, slow, hostile or gone, can stall a vCPU or the event
 * loop.
 * Commands register themselves with CTL_COMMAND(); each is one table entry in one file.
 */
#ifndef MIRRORVM_CTL_SERVER_H
#define MIRRORVM_CTL_SERVER_H

#include <mirrorvm/addr.h>

#include "ctl_proto.h"

struct ctl_server;

/* The state a following connection keeps between wake-ups. */
struct ctl_follow {
	uint64_t cursor;
	int filter; /* command-defined; -1: none */
};

#define CTL_FOLLOW 1

struct ctl_command {
	const char *name;
	const char *usage; /* arguments, for help and usage errors */
	const char *help;
	int min_args, max_args; /* not counting the command itself */
	/*
	 * Runs on the control thread. Appends body lines and a status to o; returns 0, or
	 * CTL_FOLLOW (with no status written) to keep the connection open and stream follow().
	 */
	int (*fn)(void *vm, const struct ctl_request *req, struct ctl_out *o, struct ctl_follow *f);
	/* For a following connection: appends what is new since f->cursor. */
	void (*follow)(void *vm, struct ctl_follow *f, enum ctl_format fmt, struct ctl_out *o);
};

#define CTL_COMMAND(cmd)                                                                           \
	static const struct ctl_command *const ctl_command_ptr_##cmd                               \
		__attribute__((used, section("mirrorvm_ctl"), aligned(sizeof(void *)))) = &cmd

/*
 * Listens on path (a stale socket there is replaced; a live one is -EADDRINUSE) and serves it
 * on a new thread. wake_fd, if not -1, is an eventfd that signals new data for followers.
 */
int ctl_server_start(struct ctl_server **out, const char *path, void *vm, int wake_fd);
/* Tells followers the VM has gone, closes every connection, joins the thread, unlinks path. */
void ctl_server_stop(struct ctl_server *s);

/* The default socket path for this process: $XDG_RUNTIME_DIR or /tmp/mirrorvm-UID, 0700. */
int ctl_default_path(char *buf, size_t size);

struct vm;
/* Guest memory for inspection: checked like gmem_access(), but not reported to the mirror. */
const void *ctl_peek(struct vm *vm, gpa_t gpa, uint64_t len);

/*
 * The balloon command's way to the balloon device, registered by the device when it exists:
 * sets the target to *bytes when bytes is not NULL, then reads the balloon into st (pages).
 */
struct ctl_balloon_state {
	uint64_t target, actual, inflated, deflated, reported;
};
typedef int (*ctl_balloon_fn)(void *opaque, const uint64_t *bytes, struct ctl_balloon_state *st);
void ctl_set_balloon(ctl_balloon_fn fn, void *opaque);

/* The client: `mirrorvm ctl [--json] PATH COMMAND [ARG...]`. */
int ctl_client_main(int argc, char **argv);

#endif

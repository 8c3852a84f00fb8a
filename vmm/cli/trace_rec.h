/* SPDX-License-Identifier: GPL-2.0 */
/* Recording a mirror trace while the VM runs (`mirrorvm run --trace FILE`). */
#ifndef MIRRORVM_TRACE_REC_H
#define MIRRORVM_TRACE_REC_H

struct vm;
struct trace_rec_state;

/* Snapshots every TRACE_REC_MS on a thread of its own; -ENODEV when the mirror is off. */
#define TRACE_REC_MS 200
int trace_rec_start(struct trace_rec_state **out, struct vm *vm, const char *path);
/* Takes a last snapshot, writes the events still pending and closes the file. */
int trace_rec_stop(struct trace_rec_state *t);

#endif

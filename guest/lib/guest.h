/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guests' library: console, device tree, test device, atomics. A guest is one file
 * defining guest_main() (run by vCPU 0) and optionally guest_ap_main() (every other vCPU).
 */
#ifndef MIRRORVM_GUEST_H
#define MIRRORVM_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_abi.h"

struct guest_info {
	unsigned int cpu;
	unsigned int nr_cpus;
	const void *fdt;
};

/* Defined by each guest: the BSP's work; the return value is the exit status. */
int guest_main(const struct guest_info *gi);
/* Optional (weak): what the other vCPUs do; when they return, they halt. */
void guest_ap_main(const struct guest_info *gi);

/* Loads the exception IDT on this vCPU (guest_start does it): exceptions are reported, then
 * end in a triple fault as before. */
void guest_idt_load(void);

/* The end of the image (linker script): RAM above it is free for the guest. */
extern char _end[];

/* Port I/O. */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* Atomics and a spinlock. */
#define atomic_add(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define atomic_read(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define atomic_set(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

typedef struct {
	volatile int locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* The console (COM1). printf supports %d %u %x %s %c %p %% with l/ll, width and 0-padding. */
void putchar(int c);
void puts(const char *s);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The test device. */
void __attribute__((noreturn)) guest_exit(int status);
/* Reports a named check to the host; returns cond. */
bool report(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends a request and waits for the answer; the host's status (GUEST_REQ_OK or an errno). */
int guest_request(struct guest_request *req);
/* The host's CLOCK_MONOTONIC in ns (a request). */
uint64_t host_time_ns(void);

/* The device tree (a small reader; node paths like "/params", names match up to '@'). */
int fdt_node(const void *fdt, const char *path);
const void *fdt_prop(const void *fdt, int node, const char *name, uint32_t *len);
/* Calls fn for each child of node; returns the number of children. */
int fdt_children(const void *fdt, int node, void (*fn)(void *arg, const char *name, int child),
		 void *arg);
/* Calls fn for each property of node; returns the number of properties. */
int fdt_props(const void *fdt, int node,
	      void (*fn)(void *arg, const char *name, const void *val, uint32_t len), void *arg);
static inline uint32_t fdt32(const void *p)
{
	return __builtin_bswap32(*(const uint32_t *)p);
}

static inline uint64_t fdt64(const void *p)
{
	return ((uint64_t)fdt32(p) << 32) | fdt32((const char *)p + 4);
}

/* Small string helpers. */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
/* Parses "64M", "2G", "4096" like mirrorvm's --mem; 0 on error. */
uint64_t parse_size(const char *s);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address types. Guest-physical, guest-virtual and host-virtual addresses are distinct structs so
 * that mixing them is a compile error; the converters below are the only way across.
 */
#ifndef MIRRORVM_ADDR_H
#define MIRRORVM_ADDR_H

#include <stdint.h>

typedef struct {
	uint64_t v;
} gpa_t;

typedef struct {
	uint64_t v;
} gva_t;

typedef struct {
	uint64_t v;
} hva_t;

/* A host page frame number, as /proc/self/pagemap and the shadow table report it. */
typedef struct {
	uint64_t v;
} hpfn_t;

#define GPA(x) ((gpa_t){ .v = (uint64_t)(x) })
#define GVA(x) ((gva_t){ .v = (uint64_t)(x) })
#define HVA(x) ((hva_t){ .v = (uint64_t)(x) })
#define HPFN(x) ((hpfn_t){ .v = (uint64_t)(x) })

static inline void *hva_to_ptr(hva_t hva)
{
	return (void *)(uintptr_t)hva.v;
}

static inline hva_t ptr_to_hva(const void *p)
{
	return HVA((uintptr_t)p);
}

static inline gpa_t gpa_add(gpa_t gpa, uint64_t off)
{
	return GPA(gpa.v + off);
}

static inline hva_t hva_add(hva_t hva, uint64_t off)
{
	return HVA(hva.v + off);
}

#endif

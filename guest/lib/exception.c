// SPDX-License-Identifier: GPL-2.0
/*
 * An IDT for the 32 exception vectors. Without one any exception becomes a triple fault, and
 * KVM's shutdown exit shows only the reset state; with it the guest first says which exception,
 * where and why, then still ends in a triple fault, so the VMM's verdict is the same.
 */
#include "guest.h"

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed));

struct exc_frame {
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/* Stubs are 16 bytes apart (vectors.S). */
extern char guest_vectors[];
static struct idt_gate idt[32] __attribute__((aligned(16)));
static spinlock_t exc_lock;

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "",    "#TS",
	"#NP", "#SS", "#GP", "#PF", "",	   "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void guest_exception(const struct exc_frame *f);

void guest_idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	if (!idt[0].type)
		for (int i = 0; i < 32; i++) {
			uint64_t a = (uint64_t)(uintptr_t)guest_vectors + i * 16;

			idt[i] = (struct idt_gate){ .off0 = a,
						    .sel = GUEST_SEL_CODE,
						    .type = 0x8e,
						    .off1 = a >> 16,
						    .off2 = a >> 32 };
		}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void guest_exception(const struct exc_frame *f)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };
	uint64_t cr2, cr3;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	spin_lock(&exc_lock);
	printf("guest: exception %lu %s rip=0x%lx error=0x%lx cr2=0x%lx rsp=0x%lx rflags=0x%lx "
	       "cr3=0x%lx\n",
	       f->vector, f->vector < 32 ? exc_names[f->vector] : "", f->rip, f->error, cr2, f->rsp,
	       f->rflags, cr3);
	/* No IDT, then a fault: the triple fault the VMM reports as a crash. */
	__asm__ volatile("lidt %0\n\tud2" : : "m"(none));
}

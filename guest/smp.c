// SPDX-License-Identifier: GPL-2.0
/*
 * Every vCPU increments a shared counter many times; the BSP waits for all of them (bounded by
 * the host's clock) and checks the total, so a vCPU that never ran or a lost update shows.
 */
#include "guest.h"

#define SMP_ROUNDS 1000
#define SMP_WAIT_NS (60ULL * 1000000000ULL)

static unsigned long counter;
static unsigned int arrived;

static void smp_work(unsigned int cpu)
{
	for (int i = 0; i < SMP_ROUNDS; i++)
		atomic_add(&counter, 1);
	atomic_add(&arrived, 1);
}

void guest_ap_main(const struct guest_info *gi)
{
	smp_work(gi->cpu);
}

int guest_main(const struct guest_info *gi)
{
	uint64_t deadline = host_time_ns() + SMP_WAIT_NS;
	unsigned long want = (unsigned long)gi->nr_cpus * SMP_ROUNDS;

	smp_work(gi->cpu);
	while (atomic_read(&arrived) < gi->nr_cpus && host_time_ns() < deadline)
		for (int i = 0; i < 1000; i++)
			cpu_relax();
	report(atomic_read(&arrived) == gi->nr_cpus, "all %u vCPUs ran", gi->nr_cpus);
	report(atomic_read(&counter) == want, "counter is %lu", want);
	printf("smp: %u vCPUs, counter %lu (want %lu)\n", atomic_read(&arrived),
	       atomic_read(&counter), want);
	return atomic_read(&counter) == want ? 0 : 1;
}

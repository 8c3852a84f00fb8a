/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mc146818 RTC and CMOS RAM at ports 0x70 (index) and 0x71 (data), IRQ 8. Time comes from
 * the host's CLOCK_REALTIME (UTC) plus the offset the guest last set. The core takes the time as
 * an argument, so the unit tests drive it with a clock of their own.
 */
#ifndef MIRRORVM_RTC_H
#define MIRRORVM_RTC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define RTC_PORT_INDEX 0x70
#define RTC_PORT_DATA 0x71
#define RTC_IRQ 8
#define RTC_CMOS_SIZE 128

/* Registers. */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

#define RTC_A_UIP 0x80
#define RTC_A_DV_MASK 0x70
#define RTC_A_DV_32KHZ 0x20
#define RTC_A_RS_MASK 0x0f
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80

/* UIP is high for this long before each second's update completes (244 us + the 1984 us cycle). */
#define RTC_UIP_NS 2228000LL

struct rtc {
	pthread_mutex_t lock;
	uint8_t cmos[RTC_CMOS_SIZE]; /* time registers hold what SET froze or the guest wrote */
	uint8_t index;
	int64_t offset_s; /* guest seconds minus host seconds */
	int64_t accounted_ns; /* events (UF, AF, PF) are counted up to this host time */
	bool irq_level;
	/* Called with the new level of IRQ 8 when it changes (under the lock). */
	void (*set_irq)(void *opaque, bool level);
	void *opaque;
};

/* Power-on state: 24-hour BCD, 32.768 kHz, time = host time, no interrupt enabled. */
void rtc_init(struct rtc *rtc, int64_t now_ns, void (*set_irq)(void *, bool), void *opaque);
/* One byte at port (0x70 or 0x71; anything else reads 0xff, writes nothing) at host time now. */
uint8_t rtc_io(struct rtc *rtc, uint16_t port, bool write, uint8_t val, int64_t now_ns);
/* When something an enabled interrupt waits for next happens; 0 if nothing does. */
int64_t rtc_next_event_ns(struct rtc *rtc, int64_t now_ns);
/* Counts the updates, alarms and periodic ticks up to now and sets IRQ 8 (the timer's callback). */
void rtc_tick(struct rtc *rtc, int64_t now_ns);

/* Calendar helpers (proleptic Gregorian, UTC), exposed for the tests. */
int64_t rtc_days_from_civil(int64_t y, unsigned int m, unsigned int d);
void rtc_civil_from_days(int64_t z, int64_t *y, unsigned int *m, unsigned int *d);

#endif

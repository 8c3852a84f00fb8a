// SPDX-License-Identifier: GPL-2.0
/* The mc146818 RTC (devices/rtc.c) against a clock of the test's own, hostile guests included. */
#include <stdlib.h>

#include "../../devices/rtc.h"
#include "tap.h"

#define NS 1000000000LL

static int irq_changes;
static bool irq;

static void set_irq(void *opaque, bool level)
{
	irq = level;
	irq_changes++;
}

static uint8_t rd(struct rtc *r, uint8_t i, int64_t now)
{
	rtc_io(r, RTC_PORT_INDEX, true, i, now);
	return rtc_io(r, RTC_PORT_DATA, false, 0, now);
}

static void wr(struct rtc *r, uint8_t i, uint8_t v, int64_t now)
{
	rtc_io(r, RTC_PORT_INDEX, true, i, now);
	rtc_io(r, RTC_PORT_DATA, true, v, now);
}

static int64_t at(int64_t y, unsigned int mo, unsigned int d, int h, int mi, int s)
{
	return (rtc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * NS;
}

static void test_calendar(void)
{
	int64_t y;
	unsigned int m, d, bad = 0;

	is_int(rtc_days_from_civil(1970, 1, 1), 0, "1970-01-01 is day 0");
	is_int(rtc_days_from_civil(2000, 3, 1), 11017, "2000-03-01 is day 11017");
	is_int(rtc_days_from_civil(1969, 12, 31), -1, "1969-12-31 is day -1");
	for (int64_t z = -800000; z < 800000; z += 7) {
		rtc_civil_from_days(z, &y, &m, &d);
		bad += rtc_days_from_civil(y, m, d) != z || m < 1 || m > 12 || d < 1 || d > 31;
	}
	is_int(bad, 0, "days <-> civil round trip over 4000 years");
	rtc_civil_from_days(rtc_days_from_civil(2024, 2, 29), &y, &m, &d);
	ok(y == 2024 && m == 2 && d == 29, "2024-02-29 exists");
}

static void test_host_time(void)
{
	struct rtc r;
	int64_t t = at(2026, 12, 1, 13, 59, 23) + NS / 2;

	rtc_init(&r, t, set_irq, NULL);
	is_int(rd(&r, RTC_SECONDS, t), 0x23, "seconds in BCD");
	is_int(rd(&r, RTC_MINUTES, t), 0x59, "minutes in BCD");
	is_int(rd(&r, RTC_HOURS, t), 0x13, "24-hour BCD hour");
	is_int(rd(&r, RTC_DAY_OF_MONTH, t), 0x01, "day");
	is_int(rd(&r, RTC_MONTH, t), 0x12, "month");
	is_int(rd(&r, RTC_YEAR, t), 0x26, "year");
	is_int(rd(&r, RTC_CENTURY, t), 0x20, "century");
	is_int(rd(&r, RTC_DAY_OF_WEEK, t), 3, "2026-12-01 is a Tuesday (Sunday = 1)");
	is_int(rd(&r, RTC_REG_D, t), RTC_D_VRT, "register D: valid RAM and time");
	is_int(rd(&r, RTC_REG_B, t), RTC_B_24H, "power-on register B: 24-hour BCD");
	is_int(rd(&r, RTC_SECONDS, t + 3 * NS), 0x26, "the clock runs with the host's");

	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY, t);
	is_int(rd(&r, RTC_SECONDS, t), 23, "binary seconds");
	is_int(rd(&r, RTC_HOURS, t), 13, "binary hour");
	is_int(rd(&r, RTC_YEAR, t), 26, "binary year");
	wr(&r, RTC_REG_B, RTC_B_DM_BINARY, t);
	is_int(rd(&r, RTC_HOURS, t), 0x81, "12-hour binary: 1 PM");
	wr(&r, RTC_REG_B, 0, t);
	is_int(rd(&r, RTC_HOURS, t), 0x81, "12-hour BCD: 1 PM");
	t = at(2026, 12, 1, 0, 30, 0);
	is_int(rd(&r, RTC_HOURS, t), 0x12, "12-hour: midnight is 12 AM");
	t = at(2026, 12, 1, 12, 30, 0);
	is_int(rd(&r, RTC_HOURS, t), 0x92, "12-hour: noon is 12 PM");
	t = at(2026, 12, 1, 23, 30, 0);
	is_int(rd(&r, RTC_HOURS, t), 0x91, "12-hour: 11 PM");
}

static void test_uip(void)
{
	struct rtc r;
	int64_t s = at(2026, 12, 1, 10, 0, 0), t;
	unsigned int polls = 0;

	rtc_init(&r, s, set_irq, NULL);
	ok(!(rd(&r, RTC_REG_A, s + NS / 2) & RTC_A_UIP), "UIP clear mid-second");
	ok(rd(&r, RTC_REG_A, s + NS - 1000000) & RTC_A_UIP, "UIP set 1 ms before the update");
	is_int(rd(&r, RTC_SECONDS, s + NS - 1000000), 0x00,
	       "registers keep the old second during UIP");
	ok(!(rd(&r, RTC_REG_A, s + NS + 1000) & RTC_A_UIP), "UIP clear after the update");
	is_int(rd(&r, RTC_SECONDS, s + NS + 1000), 0x01, "the update happened");
	is_int(rd(&r, RTC_REG_A, s) & 0x7f, 0x26, "register A keeps divider and rate");

	/* Linux's mc146818_avoid_UIP: poll every 100 us; it must see UIP fall within 2.3 ms. */
	for (t = s + NS - 2000000; rd(&r, RTC_REG_A, t) & RTC_A_UIP && polls < 1000; t += 100000)
		polls++;
	ok(polls > 0 && polls <= 23, "UIP falls after %u polls of 100 us", polls);

	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H, s);
	ok(!(rd(&r, RTC_REG_A, s + NS - 1000) & RTC_A_UIP), "no UIP while SET");
	wr(&r, RTC_REG_B, RTC_B_24H, s);
	wr(&r, RTC_REG_A, 0x70 | 0x6, s);
	ok(!(rd(&r, RTC_REG_A, s + NS - 1000) & RTC_A_UIP), "no UIP with the divider in reset");
	is_int(rd(&r, RTC_SECONDS, s + 5 * NS), 0x00, "the clock stands with the divider in reset");
	wr(&r, RTC_REG_A, 0x26, s + 5 * NS);
	is_int(rd(&r, RTC_SECONDS, s + 7 * NS), 0x02, "and runs on from where it stood");
	wr(&r, RTC_REG_A, 0xff, s);
	ok(!(rd(&r, RTC_REG_A, s + NS - 1000) & RTC_A_UIP), "UIP is read-only (write of 0xff)");
}

static void test_set_time(void)
{
	struct rtc r;
	int64_t t = at(2026, 12, 1, 10, 0, 0);

	rtc_init(&r, t, set_irq, NULL);
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE, t);
	ok(!(rd(&r, RTC_REG_B, t) & RTC_B_UIE), "SET clears UIE");
	wr(&r, RTC_SECONDS, 0x05, t);
	wr(&r, RTC_MINUTES, 0x04, t);
	wr(&r, RTC_HOURS, 0x03, t);
	wr(&r, RTC_DAY_OF_MONTH, 0x02, t);
	wr(&r, RTC_MONTH, 0x01, t);
	wr(&r, RTC_YEAR, 0x30, t);
	is_int(rd(&r, RTC_SECONDS, t + 3 * NS), 0x05, "SET holds the clock");
	wr(&r, RTC_REG_B, RTC_B_24H, t + 3 * NS);
	is_int(rd(&r, RTC_SECONDS, t + 13 * NS), 0x15, "runs from the time set");
	is_int(rd(&r, RTC_MINUTES, t + 13 * NS), 0x04, "minutes set");
	is_int(rd(&r, RTC_HOURS, t + 13 * NS), 0x03, "hours set");
	is_int(rd(&r, RTC_YEAR, t + 13 * NS), 0x30, "year set");
	is_int(rd(&r, RTC_DAY_OF_WEEK, t + 13 * NS), 4, "2030-01-02 is a Wednesday");

	/* One field written while running: the others keep their time. */
	wr(&r, RTC_MINUTES, 0x40, t + 13 * NS);
	is_int(rd(&r, RTC_MINUTES, t + 14 * NS), 0x40, "a running clock takes a minute write");
	is_int(rd(&r, RTC_SECONDS, t + 14 * NS), 0x16, "and keeps its seconds");
	is_int(rd(&r, RTC_HOURS, t + 14 * NS), 0x03, "and its hour");

	/* 12-hour writes: 11 PM. */
	wr(&r, RTC_REG_B, RTC_B_SET, t);
	wr(&r, RTC_HOURS, 0x91, t);
	wr(&r, RTC_REG_B, RTC_B_24H, t);
	is_int(rd(&r, RTC_HOURS, t), 0x23,
	       "11 PM written in 12-hour mode reads 23 in 24-hour mode");
}

static void test_flags_and_irq(void)
{
	struct rtc r;
	int64_t s = at(2026, 12, 1, 10, 0, 0) + NS / 2;

	irq_changes = 0;
	irq = false;
	rtc_init(&r, s, set_irq, NULL);
	is_int(rd(&r, RTC_REG_C, s), 0, "no flags at power-on");
	is_int(rtc_next_event_ns(&r, s), 0, "no timer while no interrupt is enabled");
	is_int(rd(&r, RTC_REG_C, s + 2 * NS), RTC_C_UF | RTC_C_PF,
	       "update-ended (and periodic) flags");
	is_int(rd(&r, RTC_REG_C, s + 2 * NS), 0, "reading C clears them");
	is_int(irq_changes, 0, "no interrupt while none is enabled");

	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE, s + 2 * NS);
	is_int(rtc_next_event_ns(&r, s + 2 * NS), s + 2 * NS + NS / 2,
	       "UIE: the timer is due at the next second");
	rtc_tick(&r, s + 3 * NS);
	ok(irq, "update-ended interrupt raised");
	is_int(rtc_next_event_ns(&r, s + 3 * NS), 0, "no timer while the line is high");
	is_int(rd(&r, RTC_REG_C, s + 3 * NS) & (RTC_C_IRQF | RTC_C_UF), RTC_C_IRQF | RTC_C_UF,
	       "C says IRQF and UF");
	ok(!irq, "reading C lowers the line");

	/* The alarm: 10:00:10. */
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE, s);
	wr(&r, RTC_SECONDS_ALARM, 0x10, s);
	wr(&r, RTC_MINUTES_ALARM, 0x00, s);
	wr(&r, RTC_HOURS_ALARM, 0x10, s);
	rd(&r, RTC_REG_C, s + 4 * NS);
	rtc_tick(&r, s + 9 * NS);
	ok(!irq, "no alarm at 10:00:09");
	ok(!(rd(&r, RTC_REG_C, s + 9 * NS) & RTC_C_AF), "no AF before the alarm");
	rtc_tick(&r, s + 10 * NS);
	ok(irq, "alarm interrupt at 10:00:10");
	ok(rd(&r, RTC_REG_C, s + 10 * NS) & RTC_C_AF, "AF");
	rtc_tick(&r, s + 11 * NS);
	ok(!irq, "the alarm fires once");
	rtc_tick(&r, s + 86400 * NS * 3);
	ok(irq, "a clock left alone for days still sees its alarm");
	rd(&r, RTC_REG_C, s + 86400 * NS * 3);
	wr(&r, RTC_SECONDS_ALARM, 0xff, s + 86400 * NS * 3);
	wr(&r, RTC_MINUTES_ALARM, 0xc0, s + 86400 * NS * 3);
	wr(&r, RTC_HOURS_ALARM, 0xff, s + 86400 * NS * 3);
	rtc_tick(&r, s + 86400 * NS * 3 + NS);
	ok(irq, "don't-care alarm fields match every second");
	rd(&r, RTC_REG_C, s + 86400 * NS * 3 + NS);

	/* Periodic: 1024 Hz. */
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, s);
	int64_t n = rtc_next_event_ns(&r, s);

	ok(n > s && n - s <= NS / 1024 + 1, "PIE at 1024 Hz: due within 977 us (%lld ns)",
	   (long long)(n - s));
	rtc_tick(&r, n);
	ok(irq && (rd(&r, RTC_REG_C, n) & RTC_C_PF), "periodic interrupt");
	wr(&r, RTC_REG_A, 0x20, n);
	ok(rtc_next_event_ns(&r, n) == 0, "rate 0: no periodic timer");
	wr(&r, RTC_REG_B, RTC_B_24H, n);
	rtc_tick(&r, n - 5 * NS);
	ok(!irq, "a host clock that goes back is taken in stride");
}

static void test_hostile(void)
{
	struct rtc r;
	int64_t t = at(2026, 12, 1, 10, 0, 0);
	unsigned int seed = 1;

	rtc_init(&r, t, set_irq, NULL);
	rtc_io(&r, RTC_PORT_INDEX, true, 0xff, t);
	is_int(rtc_io(&r, RTC_PORT_INDEX, false, 0, t), 0x7f,
	       "index masked to 128 bytes (NMI bit)");
	wr(&r, 0x7f, 0xab, t);
	is_int(rd(&r, 0xff, t), 0xab, "index 0xff is byte 0x7f");
	wr(&r, 0x40, 0x5a, t);
	is_int(rd(&r, 0x40, t), 0x5a, "CMOS RAM keeps its bytes");
	is_int(rtc_io(&r, 0x72, false, 0, t), 0xff, "other ports read 0xff");
	wr(&r, RTC_REG_D, 0, t);
	is_int(rd(&r, RTC_REG_D, t), RTC_D_VRT, "register D is read-only");
	wr(&r, RTC_REG_C, 0xff, t);
	ok(!irq, "register C is read-only");

	/* Garbage in every time register, then the clock started: every field in range. */
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H, t);
	for (unsigned int i = 0; i < 10; i++)
		wr(&r, (uint8_t)i, 0xff, t);
	wr(&r, RTC_CENTURY, 0xff, t);
	wr(&r, RTC_REG_B, RTC_B_24H, t);
	is_int(rd(&r, RTC_SECONDS, t), 0x59, "seconds 0xff clamp to 59");
	is_int(rd(&r, RTC_HOURS, t), 0x23, "hours 0xff clamp to 23");
	is_int(rd(&r, RTC_MONTH, t), 0x12, "month 0xff clamps to 12");
	is_int(rd(&r, RTC_CENTURY, t), 0x20, "a bad century is the 21st");

	/* Random writes and reads everywhere, any mode, any time. */
	for (int i = 0; i < 200000; i++) {
		uint16_t port = 0x70 + (rand_r(&seed) & 1);
		int64_t now = t + (int64_t)(rand_r(&seed) % 100000) * 1000000;

		rtc_io(&r, port, rand_r(&seed) & 1, (uint8_t)rand_r(&seed), now);
		rtc_next_event_ns(&r, now);
		if (!(i % 1000))
			rtc_tick(&r, now);
	}
	ok(1, "200000 random accesses survived");
	wr(&r, RTC_REG_A, 0x26, t);
	wr(&r, RTC_REG_B, RTC_B_24H, t);
	ok(rd(&r, RTC_SECONDS, t) <= 0x59 && rd(&r, RTC_MONTH, t) >= 1 &&
		   rd(&r, RTC_MONTH, t) <= 0x12,
	   "and the clock still reads a time");
}

int main(void)
{
	test_calendar();
	test_host_time();
	test_uip();
	test_set_time();
	test_flags_and_irq();
	test_hostile();
	return tap_done();
}

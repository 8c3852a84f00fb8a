// SPDX-License-Identifier: GPL-2.0
/*
 * The mc146818 real-time clock and its CMOS RAM (Linux guests): without it Linux's CMOS code polls
 * an update-in-progress bit that never clears (ports read 0xff), thousands of exits per boot.
 *
 * The time registers are computed from the host's CLOCK_REALTIME plus an offset in whole seconds,
 * in BCD or binary and 12- or 24-hour form as register B says. The second rolls over on the
 * host's second boundaries; UIP is high for the RTC_UIP_NS before each, as on the chip (244 us of
 * warning plus the update cycle), so a reader that waits for it to fall sees it fall. While SET is
 * on, or the divider is not at 32.768 kHz, the clock stands still and the time registers are
 * plain storage; when it runs again the offset comes from what they hold. Flags in register C
 * (update-ended, alarm, periodic) are counted lazily up to the time of each access or timer
 * expiry; IRQ 8 is high while an enabled flag is set, until register C is read. A timerfd on the
 * event loop wakes the device only when an enabled interrupt is due. Every index is masked to the
 * 128 bytes there are, and every value the guest writes is clamped before it becomes a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../vmm/cli/vm_config.h"
#include "device.h"
#include "rtc.h"

#define NS 1000000000LL
#define DAY_S 86400LL

static int64_t div_floor(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t mod_floor(int64_t a, int64_t b)
{
	return a - div_floor(a, b) * b;
}

/* Howard Hinnant's algorithms: days since 1970-01-01 and back. */
int64_t rtc_days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = div_floor(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

void rtc_civil_from_days(int64_t z, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = div_floor(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool rtc_binary(const struct rtc *rtc)
{
	return rtc->cmos[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t rtc_to_reg(const struct rtc *rtc, unsigned int v)
{
	return rtc_binary(rtc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* A register's value as a number; BCD digits above 9 give numbers the callers clamp. */
static unsigned int rtc_from_reg(const struct rtc *rtc, uint8_t v)
{
	return rtc_binary(rtc) ? v : (v >> 4) * 10u + (v & 0xf);
}

static uint8_t rtc_hour_to_reg(const struct rtc *rtc, unsigned int h)
{
	unsigned int h12 = h % 12 ? h % 12 : 12;

	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_to_reg(rtc, h);
	return rtc_to_reg(rtc, h12) | (h >= 12 ? 0x80 : 0);
}

static unsigned int rtc_hour_from_reg(const struct rtc *rtc, uint8_t v)
{
	unsigned int h;

	if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_from_reg(rtc, v);
	h = rtc_from_reg(rtc, v & 0x7f) % 12;
	return h + (v & 0x80 ? 12 : 0);
}

static bool rtc_running(const struct rtc *rtc)
{
	return (rtc->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32KHZ &&
	       !(rtc->cmos[RTC_REG_B] & RTC_B_SET);
}

static bool rtc_is_time_reg(unsigned int i)
{
	return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS ||
	       (i >= RTC_DAY_OF_WEEK && i <= RTC_YEAR) || i == RTC_CENTURY;
}

/* The time registers for guest time t (seconds since the epoch, UTC). */
static void rtc_encode(struct rtc *rtc, int64_t t, uint8_t *out)
{
	int64_t days = div_floor(t, DAY_S), sod = mod_floor(t, DAY_S), y;
	unsigned int m, d;

	rtc_civil_from_days(days, &y, &m, &d);
	out[RTC_SECONDS] = rtc_to_reg(rtc, (unsigned int)(sod % 60));
	out[RTC_MINUTES] = rtc_to_reg(rtc, (unsigned int)(sod / 60 % 60));
	out[RTC_HOURS] = rtc_hour_to_reg(rtc, (unsigned int)(sod / 3600));
	out[RTC_DAY_OF_WEEK] = rtc_to_reg(rtc, (unsigned int)mod_floor(days + 4, 7) + 1);
	out[RTC_DAY_OF_MONTH] = rtc_to_reg(rtc, d);
	out[RTC_MONTH] = rtc_to_reg(rtc, m);
	out[RTC_YEAR] = rtc_to_reg(rtc, (unsigned int)mod_floor(y, 100));
	out[RTC_CENTURY] = rtc_to_reg(rtc, (unsigned int)mod_floor(div_floor(y, 100), 100));
}

static unsigned int rtc_clamp(unsigned int v, unsigned int lo, unsigned int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Guest time from the stored time registers, each clamped to its range. */
static int64_t rtc_decode(const struct rtc *rtc)
{
	const uint8_t *c = rtc->cmos;
	unsigned int cent = rtc_from_reg(rtc, c[RTC_CENTURY]);
	int64_t y, days;

	if (cent < 19 || cent > 99)
		cent = 20;
	y = cent * 100 + rtc_clamp(rtc_from_reg(rtc, c[RTC_YEAR]), 0, 99);
	days = rtc_days_from_civil(y, rtc_clamp(rtc_from_reg(rtc, c[RTC_MONTH]), 1, 12),
				   rtc_clamp(rtc_from_reg(rtc, c[RTC_DAY_OF_MONTH]), 1, 31));
	return days * DAY_S + rtc_clamp(rtc_hour_from_reg(rtc, c[RTC_HOURS]), 0, 23) * 3600 +
	       rtc_clamp(rtc_from_reg(rtc, c[RTC_MINUTES]), 0, 59) * 60 +
	       rtc_clamp(rtc_from_reg(rtc, c[RTC_SECONDS]), 0, 59);
}

static int64_t rtc_guest_time(const struct rtc *rtc, int64_t now_ns)
{
	return div_floor(now_ns, NS) + rtc->offset_s;
}

/* Stops the clock: the time registers keep the time of now. */
static void rtc_latch(struct rtc *rtc, int64_t now_ns)
{
	rtc_encode(rtc, rtc_guest_time(rtc, now_ns), rtc->cmos);
}

/* Starts the clock from the time registers. */
static void rtc_apply(struct rtc *rtc, int64_t now_ns)
{
	rtc->offset_s = rtc_decode(rtc) - div_floor(now_ns, NS);
}

static bool rtc_alarm_field(uint8_t alarm, unsigned int v, unsigned int want)
{
	return (alarm & 0xc0) == 0xc0 || v == want;
}

static bool rtc_alarm_match(const struct rtc *rtc, int64_t t)
{
	int64_t sod = mod_floor(t, DAY_S);
	const uint8_t *c = rtc->cmos;

	return rtc_alarm_field(c[RTC_SECONDS_ALARM], rtc_from_reg(rtc, c[RTC_SECONDS_ALARM]),
			       (unsigned int)(sod % 60)) &&
	       rtc_alarm_field(c[RTC_MINUTES_ALARM], rtc_from_reg(rtc, c[RTC_MINUTES_ALARM]),
			       (unsigned int)(sod / 60 % 60)) &&
	       rtc_alarm_field(c[RTC_HOURS_ALARM], rtc_hour_from_reg(rtc, c[RTC_HOURS_ALARM]),
			       (unsigned int)(sod / 3600));
}

/* The periodic rate in 1/32768 s (0: off): rates 1 and 2 are 256 and 128 Hz, as on the chip. */
static int64_t rtc_period_ticks(const struct rtc *rtc)
{
	unsigned int rs = rtc->cmos[RTC_REG_A] & RTC_A_RS_MASK;

	if ((rtc->cmos[RTC_REG_A] & RTC_A_DV_MASK) != RTC_A_DV_32KHZ || !rs)
		return 0;
	return rs <= 2 ? 64LL << rs : 1LL << (rs - 1);
}

static int64_t rtc_period_index(int64_t now_ns, int64_t period)
{
	return (int64_t)((__int128)now_ns * 32768 / NS / period);
}

static void rtc_update_irq(struct rtc *rtc)
{
	uint8_t c = rtc->cmos[RTC_REG_C], b = rtc->cmos[RTC_REG_B];
	bool level = (c & b & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) != 0;

	/* The enable bits in B sit where the flags sit in C: PIE/PF, AIE/AF, UIE/UF. */
	rtc->cmos[RTC_REG_C] = (uint8_t)((c & ~RTC_C_IRQF) | (level ? RTC_C_IRQF : 0));
	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		if (rtc->set_irq)
			rtc->set_irq(rtc->opaque, level);
	}
}

/* Counts what happened since accounted_ns: update-ended, alarm, periodic flags. */
static void rtc_advance(struct rtc *rtc, int64_t now_ns)
{
	int64_t old = rtc->accounted_ns, period = rtc_period_ticks(rtc);

	if (now_ns <= old) {
		rtc->accounted_ns = now_ns; /* the host clock went back: start from here */
		return;
	}
	if (rtc_running(rtc)) {
		int64_t s_old = div_floor(old, NS), s_new = div_floor(now_ns, NS), s;

		if (s_new > s_old) {
			rtc->cmos[RTC_REG_C] |= RTC_C_UF;
			/* A day holds every second an alarm can name. */
			s = s_new - s_old > DAY_S ? s_new - DAY_S + 1 : s_old + 1;
			for (; s <= s_new; s++) {
				if (rtc_alarm_match(rtc, s + rtc->offset_s)) {
					rtc->cmos[RTC_REG_C] |= RTC_C_AF;
					break;
				}
			}
		}
	}
	if (period && rtc_period_index(now_ns, period) > rtc_period_index(old, period))
		rtc->cmos[RTC_REG_C] |= RTC_C_PF;
	rtc->accounted_ns = now_ns;
}

void rtc_init(struct rtc *rtc, int64_t now_ns, void (*set_irq)(void *, bool), void *opaque)
{
	memset(rtc->cmos, 0, sizeof(rtc->cmos));
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->index = 0;
	rtc->offset_s = 0;
	rtc->accounted_ns = now_ns;
	rtc->irq_level = false;
	rtc->set_irq = set_irq;
	rtc->opaque = opaque;
	rtc->cmos[RTC_REG_A] = RTC_A_DV_32KHZ | 0x6; /* 1024 Hz, as a PC BIOS leaves it */
	rtc->cmos[RTC_REG_B] = RTC_B_24H;
	rtc->cmos[RTC_REG_D] = RTC_D_VRT;
	rtc_latch(rtc, now_ns);
}

static uint8_t rtc_read(struct rtc *rtc, unsigned int i, int64_t now_ns)
{
	uint8_t v, regs[RTC_CMOS_SIZE];

	switch (i) {
	case RTC_REG_A:
		v = rtc->cmos[RTC_REG_A] & ~RTC_A_UIP;
		if (rtc_running(rtc) && mod_floor(now_ns, NS) >= NS - RTC_UIP_NS)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		v = rtc->cmos[RTC_REG_C];
		rtc->cmos[RTC_REG_C] = 0;
		rtc_update_irq(rtc);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	}
	if (rtc_is_time_reg(i) && rtc_running(rtc)) {
		rtc_encode(rtc, rtc_guest_time(rtc, now_ns), regs);
		return regs[i];
	}
	return rtc->cmos[i];
}

static void rtc_write(struct rtc *rtc, unsigned int i, uint8_t val, int64_t now_ns)
{
	bool was_running = rtc_running(rtc);

	switch (i) {
	case RTC_REG_A:
		rtc->cmos[RTC_REG_A] = val & ~RTC_A_UIP;
		break;
	case RTC_REG_B:
		if (val & RTC_B_SET)
			val &= (uint8_t)~RTC_B_UIE; /* SET clears UIE, as on the chip */
		rtc->cmos[RTC_REG_B] = val;
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		return; /* read-only */
	default:
		if (rtc_is_time_reg(i) && was_running) {
			/* A write to a running clock sets it: the other fields keep their time. */
			rtc_latch(rtc, now_ns);
			rtc->cmos[i] = val;
			rtc_apply(rtc, now_ns);
			return;
		}
		rtc->cmos[i] = val;
		return;
	}
	if (was_running && !rtc_running(rtc))
		rtc_latch(rtc, now_ns);
	else if (!was_running && rtc_running(rtc))
		rtc_apply(rtc, now_ns);
}

uint8_t rtc_io(struct rtc *rtc, uint16_t port, bool write, uint8_t val, int64_t now_ns)
{
	uint8_t ret = 0xff;

	if (port != RTC_PORT_INDEX && port != RTC_PORT_DATA)
		return ret;
	pthread_mutex_lock(&rtc->lock);
	if (port == RTC_PORT_INDEX) {
		/* Bit 7 is the NMI mask on a PC: not ours. */
		if (write)
			rtc->index = val & (RTC_CMOS_SIZE - 1);
		else
			ret = rtc->index;
	} else {
		rtc_advance(rtc, now_ns);
		if (write)
			rtc_write(rtc, rtc->index, val, now_ns);
		else
			ret = rtc_read(rtc, rtc->index, now_ns);
		rtc_update_irq(rtc);
	}
	pthread_mutex_unlock(&rtc->lock);
	return ret;
}

void rtc_tick(struct rtc *rtc, int64_t now_ns)
{
	pthread_mutex_lock(&rtc->lock);
	rtc_advance(rtc, now_ns);
	rtc_update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
}

int64_t rtc_next_event_ns(struct rtc *rtc, int64_t now_ns)
{
	int64_t next = 0, period;
	uint8_t b;

	pthread_mutex_lock(&rtc->lock);
	b = rtc->cmos[RTC_REG_B];
	period = rtc_period_ticks(rtc);
	if (rtc->irq_level)
		goto out; /* nothing new to say until register C is read */
	if (rtc_running(rtc) && (b & (RTC_B_UIE | RTC_B_AIE)))
		next = (div_floor(now_ns, NS) + 1) * NS;
	if ((b & RTC_B_PIE) && period) {
		__int128 t = ((__int128)rtc_period_index(now_ns, period) + 1) * period * NS;
		int64_t p = (int64_t)((t + 32767) / 32768);

		if (!next || p < next)
			next = p;
	}
out:
	pthread_mutex_unlock(&rtc->lock);
	return next;
}

/* The device: ports, IRQ 8, and a timerfd on the event loop for interrupts that are due. */
struct rtc_dev {
	struct rtc rtc;
	struct vm *vm;
	int tfd;
	int64_t armed_ns; /* what the timerfd is set to (0: disarmed), under arm_lock */
	pthread_mutex_t arm_lock;
};

static int64_t rtc_host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

static void rtc_set_irq(void *opaque, bool level)
{
	struct rtc_dev *d = opaque;

	vm_irq_line(d->vm, RTC_IRQ, level);
}

/* Computed and set under arm_lock, so that a stale answer never overwrites a newer one. */
static void rtc_rearm(struct rtc_dev *d, int64_t now_ns)
{
	struct itimerspec its = { 0 };
	int64_t next;

	pthread_mutex_lock(&d->arm_lock);
	next = rtc_next_event_ns(&d->rtc, now_ns);
	its.it_value.tv_sec = next / NS;
	its.it_value.tv_nsec = next % NS;
	if (next != d->armed_ns && d->tfd >= 0 &&
	    !timerfd_settime(d->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		d->armed_ns = next;
	pthread_mutex_unlock(&d->arm_lock);
}

static void rtc_timer(void *opaque, int fd)
{
	struct rtc_dev *d = opaque;
	uint64_t expirations;
	int64_t now = rtc_host_now();

	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&d->arm_lock);
	d->armed_ns = 0;
	pthread_mutex_unlock(&d->arm_lock);
	rtc_tick(&d->rtc, now);
	rtc_rearm(d, now);
}

static void rtc_pio(void *opaque, uint16_t port, bool write, uint8_t *data, unsigned int len)
{
	struct rtc_dev *d = opaque;
	int64_t now = rtc_host_now();
	uint8_t v = rtc_io(&d->rtc, port, write, data[0], now);

	if (!write) {
		memset(data, 0xff, len);
		data[0] = v;
	}
	if (port == RTC_PORT_DATA)
		rtc_rearm(d, now);
}

static int rtc_create(struct vm *vm, const struct vm_config *cfg)
{
	struct rtc_dev *d;
	int ret;

	if (!cfg->kernel)
		return 0; /* Linux guests only: the test guests' ABI has no RTC */
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->vm = vm;
	pthread_mutex_init(&d->arm_lock, NULL);
	rtc_init(&d->rtc, rtc_host_now(), rtc_set_irq, d);
	d->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->tfd < 0) {
		ret = -errno;
		goto err;
	}
	ret = vm_pio_register(vm, RTC_PORT_INDEX, 2, rtc_pio, d);
	if (ret)
		goto err_fd;
	/* Registered now: d lives as long as the VM. */
	return vm_loop_watch(vm, d->tfd, rtc_timer, d);
err_fd:
	close(d->tfd);
err:
	free(d);
	return ret;
}

static const struct device_type rtc_type = {
	.name = "rtc",
	.create = rtc_create,
};
DEVICE_TYPE(rtc_type);

/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal TAP producer for unit tests: ok()/is() lines, then a plan and an exit status. */
#ifndef MIRRORVM_TAP_H
#define MIRRORVM_TAP_H

#include <inttypes.h>
#include <stdio.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                              \
	({                                                                                         \
		int ok_c_ = !!(cond);                                                              \
		printf("%s %d - ", ok_c_ ? "ok" : "not ok", ++tap_n);                              \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!ok_c_) {                                                                      \
			tap_failed++;                                                              \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
		}                                                                                  \
		ok_c_;                                                                             \
	})

#define is_int(got, want, ...)                                                                     \
	({                                                                                         \
		long long is_g_ = (got), is_w_ = (want);                                           \
		int is_c_ = ok(is_g_ == is_w_, __VA_ARGS__);                                       \
		if (!is_c_)                                                                        \
			printf("#   got %lld, want %lld\n", is_g_, is_w_);                         \
		is_c_;                                                                             \
	})

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

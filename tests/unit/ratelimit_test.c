#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "fixture.h"
#include "ratelimit.h"

static const struct ratelimit_policy names = {3, 1, 60, 900};

/* Free failures, then 1, 2, 4, ... s up to the cap: never a lock-out. */
static void
test_delays_grow_to_a_cap(void **state)
{
	int i, want[] = {0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60};

	(void)state;
	for (i = 0; i < (int)(sizeof want / sizeof want[0]); i++)
		assert_int_equal(ratelimit_delay(i, &names), want[i]);
	/* No overflow however many failures. */
	assert_int_equal(ratelimit_delay(1 << 30, &names), 60);
	{
		struct ratelimit_policy big = {0, 3600, 86400, 86400};

		assert_int_equal(ratelimit_delay(2000000000, &big), 86400);
	}
}

/* The wait is what is left of the delay, rounded up to whole seconds. */
static void
test_wait_counts_down(void **state)
{
	(void)state;
	assert_int_equal(ratelimit_wait(0, 0, &names), 0);
	assert_int_equal(ratelimit_wait(3, 0, &names), 0);
	assert_int_equal(ratelimit_wait(5, 0, &names), 2);
	assert_int_equal(ratelimit_wait(5, 0.5, &names), 2);
	assert_int_equal(ratelimit_wait(5, 1.0, &names), 1);
	assert_int_equal(ratelimit_wait(5, 1.99, &names), 1);
	assert_int_equal(ratelimit_wait(5, 2.0, &names), 0);
	assert_int_equal(ratelimit_wait(20, 59.5, &names), 1);
	assert_int_equal(ratelimit_wait(20, 3600, &names), 0);
	/* Another instance's clock a little ahead: the whole delay. */
	assert_int_equal(ratelimit_wait(5, -3, &names), 2);
}

/* Rows may go once no policy can still hold them. */
static void
test_expiry(void **state)
{
	struct ratelimit_policy a = {20, 1, 60, 900}, b = {3, 1, 7200, 60};

	(void)state;
	assert_int_equal(ratelimit_expiry_s(&names, &a), 900);
	assert_int_equal(ratelimit_expiry_s(&names, &b), 7200);
}

FIXTURE_MAIN(cmocka_unit_test(test_delays_grow_to_a_cap),
    cmocka_unit_test(test_wait_counts_down), cmocka_unit_test(test_expiry))

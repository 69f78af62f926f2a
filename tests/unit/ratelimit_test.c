#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "ratelimit.h"

static void
test_window_and_limit(void **state)
{
	struct ratelimit *rl = ratelimit_new(10);
	time_t t0 = 1000000;

	(void)state;
	assert_int_equal(ratelimit_wait(rl, "u:a", t0, 3), 0);
	ratelimit_fail(rl, "u:a", t0, 60);
	ratelimit_fail(rl, "u:a", t0 + 10, 60);
	assert_int_equal(ratelimit_wait(rl, "u:a", t0 + 10, 3), 0);
	ratelimit_fail(rl, "u:a", t0 + 20, 60);
	/* The window runs from the first failure. */
	assert_int_equal(ratelimit_wait(rl, "u:a", t0 + 20, 3), 40);
	assert_int_equal(ratelimit_wait(rl, "u:a", t0 + 59, 3), 1);
	assert_int_equal(ratelimit_wait(rl, "u:a", t0 + 60, 3), 0);
	/* Expired: gone, and a new window starts with the next failure. */
	assert_int_equal(ratelimit_count(rl), 0);
	ratelimit_fail(rl, "u:a", t0 + 61, 60);
	assert_int_equal(ratelimit_wait(rl, "u:a", t0 + 61, 1), 60);
	/* Keys are independent; a higher limit for one kind of key. */
	assert_int_equal(ratelimit_wait(rl, "a:127.0.0.1", t0 + 61, 1), 0);
	assert_int_equal(ratelimit_wait(rl, "u:a", t0 + 61, 5), 0);
	ratelimit_clear(rl, "u:a");
	assert_int_equal(ratelimit_wait(rl, "u:a", t0 + 61, 1), 0);
	ratelimit_clear(rl, "u:nobody");
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
test_full_table_forgets_expired_then_oldest(void **state)
{
	struct ratelimit *rl = ratelimit_new(3);
	time_t t0 = 5000;

	(void)state;
	ratelimit_fail(rl, "k1", t0, 10);
	ratelimit_fail(rl, "k2", t0 + 5, 100);
	ratelimit_fail(rl, "k3", t0 + 6, 100);
	assert_int_equal(ratelimit_count(rl), 3);
	/* k1 has expired: it makes room. */
	ratelimit_fail(rl, "k4", t0 + 20, 100);
	assert_int_equal(ratelimit_count(rl), 3);
	assert_int_equal(ratelimit_wait(rl, "k2", t0 + 20, 1), 85);
	/* Nothing expired: the oldest (k2) goes. */
	ratelimit_fail(rl, "k5", t0 + 21, 100);
	assert_int_equal(ratelimit_count(rl), 3);
	assert_int_equal(ratelimit_wait(rl, "k2", t0 + 21, 1), 0);
	assert_int_equal(ratelimit_wait(rl, "k3", t0 + 21, 1), 85);
	assert_int_equal(ratelimit_wait(rl, "k5", t0 + 21, 1), 100);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window_and_limit),
	    cmocka_unit_test(test_full_table_forgets_expired_then_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

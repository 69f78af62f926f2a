#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "ratelimit.h"

static const struct ratelimit_policy names = {3, 1, 60, 900};

/* Free failures, then 1, 2, 4, ... s up to the cap: never a lock-out. */
static void
test_delays_grow_to_a_cap(void **state)
{
	struct ratelimit *rl = ratelimit_new(10);
	time_t t = 1000000;
	int i, d, want[] = {0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60};

	(void)state;
	assert_int_equal(ratelimit_wait(rl, "u:a", t), 0);
	for (i = 0; i < (int)(sizeof want / sizeof want[0]); i++) {
		d = ratelimit_fail(rl, "u:a", t, &names);
		assert_int_equal(d, want[i]);
		assert_int_equal(ratelimit_wait(rl, "u:a", t), d);
		if (d > 0)
			assert_int_equal(
			    ratelimit_wait(rl, "u:a", t + d - 1), 1);
		t += d; /* the guesser waits its turn */
		assert_int_equal(ratelimit_wait(rl, "u:a", t), 0);
	}
	assert_int_equal(ratelimit_failures(rl, "u:a", t), 12);
	/* Keys are independent. */
	assert_int_equal(ratelimit_wait(rl, "a:127.0.0.1", t), 0);
	ratelimit_clear(rl, "u:a");
	assert_int_equal(ratelimit_failures(rl, "u:a", t), 0);
	ratelimit_clear(rl, "u:nobody");
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

/* Quiet for forget_s after the last failure: counted afresh. */
static void
test_forgotten_after_quiet(void **state)
{
	struct ratelimit *rl = ratelimit_new(10);
	time_t t = 2000;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		ratelimit_fail(rl, "u:b", t, &names);
	assert_int_equal(ratelimit_wait(rl, "u:b", t), 2);
	assert_int_equal(ratelimit_failures(rl, "u:b", t + 899), 5);
	assert_int_equal(ratelimit_failures(rl, "u:b", t + 900), 0);
	assert_int_equal(ratelimit_count(rl), 0);
	assert_int_equal(ratelimit_fail(rl, "u:b", t + 900, &names), 0);
	ratelimit_free(rl);
}

static void
test_full_table_forgets_expired_then_stalest(void **state)
{
	struct ratelimit *rl = ratelimit_new(3);
	struct ratelimit_policy p = {0, 10, 10, 10};
	time_t t0 = 5000;

	(void)state;
	ratelimit_fail(rl, "k1", t0, &p);
	p.forget_s = 100;
	ratelimit_fail(rl, "k2", t0 + 5, &p);
	ratelimit_fail(rl, "k3", t0 + 6, &p);
	assert_int_equal(ratelimit_count(rl), 3);
	/* k1 has expired: it makes room. */
	ratelimit_fail(rl, "k4", t0 + 20, &p);
	assert_int_equal(ratelimit_count(rl), 3);
	assert_int_equal(ratelimit_failures(rl, "k2", t0 + 20), 1);
	/* Nothing expired: the stalest (k2) goes. */
	ratelimit_fail(rl, "k5", t0 + 21, &p);
	assert_int_equal(ratelimit_count(rl), 3);
	assert_int_equal(ratelimit_failures(rl, "k2", t0 + 21), 0);
	assert_int_equal(ratelimit_failures(rl, "k3", t0 + 21), 1);
	assert_int_equal(ratelimit_wait(rl, "k5", t0 + 21), 10);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_delays_grow_to_a_cap),
	    cmocka_unit_test(test_forgotten_after_quiet),
	    cmocka_unit_test(test_full_table_forgets_expired_then_stalest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "lifecycle.h"

static enum lc_state
next(const char *action, enum lc_state from)
{
	const struct lc_action *a = lifecycle_action_find(action);
	enum lc_state to = LC_NSTATES;
	char *cause = NULL;

	assert_non_null(a);
	if (lifecycle_next(a, from, &to, &cause) != 0) {
		free(cause);
		return LC_NSTATES;
	}
	return to;
}

/* The domain's happy path: new -> ... -> done. */
static void
test_whole_job(void **state)
{
	(void)state;
	assert_int_equal(next("triage", LC_NEW), LC_TRIAGED);
	assert_int_equal(next("assign", LC_TRIAGED), LC_ASSIGNED);
	assert_int_equal(next("accept", LC_ASSIGNED), LC_ACCEPTED);
	assert_int_equal(next("en_route", LC_ACCEPTED), LC_EN_ROUTE);
	assert_int_equal(next("on_site", LC_EN_ROUTE), LC_ON_SITE);
	assert_int_equal(next("done", LC_ON_SITE), LC_DONE);
}

static void
test_back_to_the_queue(void **state)
{
	(void)state;
	assert_int_equal(next("reject", LC_ASSIGNED), LC_NEW);
	assert_int_equal(next("escalate", LC_ASSIGNED), LC_NEW);
	assert_int_equal(next("reassign", LC_EN_ROUTE), LC_ASSIGNED);
	assert_int_equal(next("assign", LC_NEW), LC_ASSIGNED);
}

static void
test_refusals_say_why(void **state)
{
	const struct lc_action *a = lifecycle_action_find("accept");
	enum lc_state to;
	char *cause = NULL;

	(void)state;
	assert_int_equal(lifecycle_next(a, LC_NEW, &to, &cause), -1);
	assert_string_equal(cause,
	    "cannot accept a request that is new (allowed when: assigned)");
	free(cause);
	/* Closed is closed: nothing moves a done or cancelled request. */
	assert_int_equal(next("assign", LC_DONE), LC_NSTATES);
	assert_int_equal(next("cancel", LC_CANCELLED), LC_NSTATES);
	assert_int_equal(next("done", LC_ASSIGNED), LC_NSTATES);
	assert_int_equal(next("merge", LC_ASSIGNED), LC_NSTATES);
	assert_int_equal(next("assign", LC_ASSIGNED), LC_NSTATES);
	assert_null(lifecycle_action_find("teleport"));
}

static void
test_needs_and_roles(void **state)
{
	(void)state;
	assert_true(lifecycle_action_find("assign")->needs & LC_NEEDS_CREW);
	assert_true(lifecycle_action_find("done")->needs & LC_NEEDS_OUTCOME);
	assert_true(lifecycle_action_find("reject")->needs & LC_NEEDS_REASON);
	assert_true(lifecycle_action_find("merge")->needs & LC_NEEDS_PARENT);
	/* Crews act on their own jobs; only staff dispatch. */
	assert_true(lifecycle_action_find("accept")->roles & AUTH_CREW);
	assert_false(lifecycle_action_find("assign")->roles & AUTH_CREW);
	assert_false(lifecycle_action_find("assign")->roles & AUTH_VIEWER);
	assert_int_equal(lifecycle_action_find("escalate")->roles, 0);
}

static void
test_names_round_trip(void **state)
{
	enum lc_state s;
	int i;

	(void)state;
	for (i = 0; i < LC_NSTATES; i++) {
		assert_int_equal(
		    lifecycle_state_parse(
		        lifecycle_state_name((enum lc_state)i), &s),
		    0);
		assert_int_equal(s, i);
	}
	assert_int_equal(lifecycle_state_parse("lost", &s), -1);
	assert_true(lifecycle_is_open(LC_ON_SITE));
	assert_false(lifecycle_is_open(LC_MERGED));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_job),
	    cmocka_unit_test(test_back_to_the_queue),
	    cmocka_unit_test(test_refusals_say_why),
	    cmocka_unit_test(test_needs_and_roles),
	    cmocka_unit_test(test_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

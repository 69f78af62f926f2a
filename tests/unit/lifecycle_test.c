#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "fixture.h"
#include "lifecycle.h"

/* The state action leads to from `from`, or LC_NSTATES if refused. */
static enum lc_state
next(const char *action, enum lc_state from)
{
	const struct lc_action *a = lifecycle_action_find(action);
	struct lc_verdict v;

	assert_non_null(a);
	/* As whoever may do it, with the fields it needs. */
	if (lifecycle_check(action, from, a->roles & -a->roles, a->needs, &v) !=
	    0)
		return LC_NSTATES;
	return v.to;
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
	assert_int_equal(next("handover_returned", LC_HANDING_OVER), LC_NEW);
	/* Whoever takes it back to the queue, no crew holds it after. */
	assert_true(lifecycle_action_find("reject")->clears_crew);
	assert_true(lifecycle_action_find("escalate")->clears_crew);
	assert_true(lifecycle_action_find("merge")->clears_crew);
	assert_true(lifecycle_action_find("handover")->clears_crew);
	assert_false(lifecycle_action_find("done")->clears_crew);
	assert_int_equal(
	    lifecycle_action_find("escalate")->escalated, LC_ESC_SET);
	assert_int_equal(
	    lifecycle_action_find("assign")->escalated, LC_ESC_CLEAR);
}

static void
test_refusals_say_why(void **state)
{
	struct lc_verdict v;

	(void)state;
	assert_int_equal(
	    lifecycle_check("accept", LC_NEW, AUTH_CREW, 0, &v), -1);
	assert_int_equal(v.kind, LC_WRONG_STATE);
	assert_int_equal(v.http_status, 409);
	assert_string_equal(v.code, "invalid_transition");
	assert_string_equal(v.message,
	    "cannot accept a request that is new (allowed when: assigned)");
	/* Closed is closed: nothing moves a done or cancelled request. */
	assert_int_equal(next("assign", LC_DONE), LC_NSTATES);
	assert_int_equal(next("cancel", LC_CANCELLED), LC_NSTATES);
	assert_int_equal(next("done", LC_ASSIGNED), LC_NSTATES);
	assert_int_equal(next("merge", LC_ASSIGNED), LC_NSTATES);
	assert_int_equal(next("assign", LC_ASSIGNED), LC_NSTATES);
	assert_null(lifecycle_action_find("teleport"));
	assert_int_equal(
	    lifecycle_check("teleport", LC_NEW, AUTH_ADMIN, 0, &v), -1);
	assert_int_equal(v.kind, LC_UNKNOWN_ACTION);
}

/* Role first, then refused fields, then missing ones, then the state. */
static void
test_check_order(void **state)
{
	struct lc_verdict v;

	(void)state;
	assert_int_equal(
	    lifecycle_check("assign", LC_DONE, AUTH_CREW, LC_F_OUTCOME, &v),
	    -1);
	assert_int_equal(v.kind, LC_FORBIDDEN);
	assert_int_equal(v.http_status, 403);
	assert_int_equal(lifecycle_check("assign", LC_DONE, AUTH_DISPATCHER,
	                     LC_F_OUTCOME, &v),
	    -1);
	assert_int_equal(v.kind, LC_FIELD_REFUSED);
	assert_string_equal(v.field, "outcome");
	assert_int_equal(
	    lifecycle_check("assign", LC_DONE, AUTH_DISPATCHER, LC_F_NOTE, &v),
	    -1);
	assert_int_equal(v.kind, LC_FIELD_MISSING);
	assert_string_equal(v.field, "crew_id");
	assert_int_equal(
	    lifecycle_check("assign", LC_DONE, AUTH_DISPATCHER, LC_F_CREW, &v),
	    -1);
	assert_int_equal(v.kind, LC_WRONG_STATE);
	/* The state not known yet: everything else judged. */
	assert_int_equal(lifecycle_check("assign", LC_ANY_STATE,
	                     AUTH_DISPATCHER, LC_F_CREW | LC_F_POSITION, &v),
	    0);
	/* The system's actions are nobody else's, and only the system's. */
	assert_int_equal(lifecycle_check("escalate", LC_ASSIGNED, AUTH_ADMIN,
	                     LC_F_REASON, &v),
	    -1);
	assert_int_equal(v.kind, LC_FORBIDDEN);
	assert_int_equal(
	    lifecycle_check("escalate", LC_ASSIGNED, 0, LC_F_REASON, &v), 0);
	assert_int_equal(
	    lifecycle_check("assign", LC_NEW, 0, LC_F_CREW, &v), -1);
	assert_int_equal(v.kind, LC_FORBIDDEN);
}

/* Issue 12: a hand-over takes a recipient and a note, not a reason. */
static void
test_handover_fields(void **state)
{
	struct lc_verdict v;

	(void)state;
	assert_int_equal(lifecycle_check("handover", LC_ASSIGNED,
	                     AUTH_DISPATCHER, LC_F_RECIPIENT | LC_F_NOTE, &v),
	    0);
	assert_int_equal(v.to, LC_HANDING_OVER);
	assert_int_equal(lifecycle_check("handover", LC_ASSIGNED,
	                     AUTH_DISPATCHER, LC_F_RECIPIENT | LC_F_REASON, &v),
	    -1);
	assert_int_equal(v.kind, LC_FIELD_REFUSED);
	assert_string_equal(v.field, "reason");
	assert_int_equal(lifecycle_check("handover", LC_HANDING_OVER,
	                     AUTH_DISPATCHER, LC_F_RECIPIENT, &v),
	    -1);
	assert_int_equal(v.kind, LC_WRONG_STATE);
}

static void
test_needs_and_roles(void **state)
{
	(void)state;
	assert_true(lifecycle_action_find("assign")->needs & LC_F_CREW);
	assert_true(lifecycle_action_find("done")->needs & LC_F_OUTCOME);
	assert_true(lifecycle_action_find("reject")->needs & LC_F_REASON);
	assert_true(lifecycle_action_find("merge")->needs & LC_F_PARENT);
	/* Crews act on their own jobs; only staff dispatch. */
	assert_true(lifecycle_action_find("accept")->roles & AUTH_CREW);
	assert_false(lifecycle_action_find("assign")->roles & AUTH_CREW);
	assert_false(lifecycle_action_find("assign")->roles & AUTH_VIEWER);
	assert_int_equal(lifecycle_action_find("escalate")->roles, 0);
}

static void
test_sets(void **state)
{
	enum lc_state s;
	int i, n;

	(void)state;
	for (i = 0; i < LC_NSTATES; i++) {
		assert_int_equal(
		    lifecycle_state_parse(
		        lifecycle_state_name((enum lc_state)i), &s),
		    0);
		assert_int_equal(s, i);
		/* Every state is either open or closed, never both. */
		n = lifecycle_in_set(LC_SET_OPEN, s) +
		    lifecycle_in_set(LC_SET_CLOSED, s);
		assert_int_equal(n, 1);
		/* Held by a crew is open. */
		if (lifecycle_in_set(LC_SET_ACTIVE, s))
			assert_true(lifecycle_is_open(s));
	}
	assert_int_equal(lifecycle_state_parse("lost", &s), -1);
	assert_true(lifecycle_is_open(LC_ON_SITE));
	assert_true(lifecycle_is_open(LC_HANDING_OVER));
	assert_false(lifecycle_is_open(LC_MERGED));
	assert_false(lifecycle_in_set(LC_SET_ACTIVE, LC_HANDING_OVER));
	assert_string_equal(lifecycle_set_sql(LC_SET_ACTIVE),
	    "{assigned,accepted,en_route,on_site}");
	for (i = 0; i < LC_NSTATES; i++) {
		s = (enum lc_state)i;
		/* Queued: what the planner may give a crew, i.e. assign. */
		assert_int_equal(lifecycle_in_set(LC_SET_QUEUED, s),
		    (lifecycle_action_find("assign")->from >> i) & 1);
		/* Finished: closed, but neither cancelled nor merged. */
		assert_int_equal(lifecycle_in_set(LC_SET_FINISHED, s),
		    lifecycle_in_set(LC_SET_CLOSED, s) && s != LC_CANCELLED &&
		        s != LC_MERGED);
	}
	assert_string_equal(lifecycle_set_sql(LC_SET_QUEUED), "{new,triaged}");
	assert_string_equal(
	    lifecycle_set_sql(LC_SET_FINISHED), "{done,unable}");
}

static const char *
test_role_name(enum auth_role r)
{
	return r == AUTH_CREW ? "crew" : "staff";
}

/* The JSON the database, the console and the handheld get. */
static void
test_json(void **state)
{
	json_t *j = lifecycle_json(test_role_name), *a;

	(void)state;
	assert_int_equal(
	    json_array_size(json_object_get(j, "states")), LC_NSTATES);
	a = json_object_get(json_object_get(j, "actions"), "on_site");
	assert_int_equal(json_array_size(json_object_get(a, "from")), 2);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(a, "from"), 0)),
	    "accepted");
	assert_string_equal(
	    json_string_value(json_object_get(a, "to")), "on_site");
	assert_true(json_is_false(json_object_get(a, "clears_crew")));
	a = json_object_get(json_object_get(j, "actions"), "escalate");
	assert_string_equal(
	    json_string_value(json_object_get(a, "escalated")), "set");
	assert_int_equal(json_array_size(json_object_get(a, "roles")), 0);
	assert_int_equal(json_array_size(json_object_get(
	                     json_object_get(j, "sets"), "closed")),
	    4);
	json_decref(j);
}

/* The fewest actions from one state to another for a role (the demo's
 * crews' jobs are brought to their state by it). */
static void
test_path(void **state)
{
	const struct lc_action *steps[LC_NSTATES];
	int staff_crew = AUTH_DISPATCHER | AUTH_CREW;

	(void)state;
	assert_int_equal(
	    lifecycle_path(LC_NEW, LC_EN_ROUTE, staff_crew, steps, LC_NSTATES),
	    3);
	assert_string_equal(steps[0]->name, "assign");
	assert_string_equal(steps[1]->name, "accept");
	assert_string_equal(steps[2]->name, "en_route");
	/* on_site straight from accepted, not through en_route. */
	assert_int_equal(
	    lifecycle_path(LC_NEW, LC_ON_SITE, staff_crew, steps, LC_NSTATES),
	    3);
	assert_string_equal(steps[2]->name, "on_site");
	assert_int_equal(
	    lifecycle_path(LC_NEW, LC_ASSIGNED, staff_crew, steps, LC_NSTATES),
	    1);
	assert_string_equal(steps[0]->name, "assign");
	assert_int_equal(
	    lifecycle_path(LC_NEW, LC_NEW, staff_crew, steps, LC_NSTATES), 0);
	/* A crew alone cannot assign itself a job, nor reopen a done one. */
	assert_int_equal(
	    lifecycle_path(LC_NEW, LC_ACCEPTED, AUTH_CREW, steps, LC_NSTATES),
	    -1);
	assert_int_equal(
	    lifecycle_path(LC_DONE, LC_NEW, staff_crew, steps, LC_NSTATES), -1);
	/* Too few places for the steps. */
	assert_int_equal(
	    lifecycle_path(LC_NEW, LC_EN_ROUTE, staff_crew, steps, 2), -1);
}

FIXTURE_MAIN(cmocka_unit_test(test_whole_job), cmocka_unit_test(test_path),
    cmocka_unit_test(test_back_to_the_queue),
    cmocka_unit_test(test_refusals_say_why), cmocka_unit_test(test_check_order),
    cmocka_unit_test(test_handover_fields),
    cmocka_unit_test(test_needs_and_roles), cmocka_unit_test(test_sets),
    cmocka_unit_test(test_json))

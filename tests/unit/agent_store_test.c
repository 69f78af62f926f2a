/*
 * The handheld's store (mobile-agent/store_*.c) on a real SQLite state
 * directory, through its typed rows only: what a sync reply leaves in the
 * jobs and callers tables, the screen's order (both by the life cycle
 * table the last sync kept), a batch marked, read and acknowledged, fixes
 * read until a patrol changes, the nearest place. The one statement of its
 * own turns a job's clock back a day for the prune.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent.h"
#include "agent_fixture.h"
#include "fixture.h"
#include "lifecycle.h"
#include "role.h"

/* Rows seen by a callback, as text: a word a row, a space between. */
struct seen {
	char text[512];
	int n;
};

static void __attribute__((format(printf, 2, 3)))
seen_add(struct seen *s, const char *fmt, ...)
{
	size_t len = strlen(s->text);
	va_list ap;

	if (s->n++ > 0 && len + 1 < sizeof s->text)
		s->text[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(s->text + len, sizeof s->text - len, fmt, ap);
	va_end(ap);
}

static int
seen_job_cb(const struct store_job_row *r, void *arg)
{
	struct seen *s = arg;

	seen_add(s, "%lld:%s:%s:%lld:%s", r->id, r->state,
	    r->category_name != NULL ? r->category_name : "-", r->pending,
	    r->has_plan_pos ? "p" : "-");
	return 0;
}

static int
seen_caller_cb(const struct store_caller_row *r, void *arg)
{
	struct seen *s = arg;

	seen_add(s, "%s/%s", r->name != NULL ? r->name : "-",
	    r->phone != NULL ? r->phone : "-");
	return 0;
}

/* The life cycle as a sync keeps it (the server's, unless text). */
static void
lifecycle_keep(struct agent *a, const char *text)
{
	json_t *table = lifecycle_json(role_name);
	char *s = json_dumps(table, JSON_COMPACT);

	assert_int_equal(
	    outbox_set(a, "lifecycle", text != NULL ? text : s), 0);
	free(s);
	json_decref(table);
}

/* A store after its first sync: the server's life cycle is known. */
static int
setup(void **state)
{
	agent_fixture_setup(state);
	lifecycle_keep(*state, NULL);
	return 0;
}

static void
apply_two(struct agent *a, const char *state2)
{
	struct store_caller_row callers[] = {
	    {"多摩 太郎", "044-000-1111"}, {"麻生 花子", NULL}};
	struct store_job_in in[2] = {
	    {.id = 1,
	        .category = "wasp_nest",
	        .category_name = "ハチの巣",
	        .state = "assigned",
	        .has_pos = 1,
	        .lat = 35.6,
	        .lon = 139.5,
	        .priority = 2,
	        .outcomes = "removed\t駆除\n",
	        .callers = callers,
	        .ncallers = 2},
	    {.id = 2,
	        .category = "pothole",
	        .state = state2,
	        .priority = 1,
	        .outcomes = "",
	        .callers = callers,
	        .ncallers = 1},
	};

	assert_int_equal(store_jobs_apply(a, in, 2, NULL, 0), 0);
}

static void
test_a_reply_fills_jobs_and_callers(void **state)
{
	struct agent *a = *state;
	struct seen s = {"", 0};

	apply_two(a, "done");
	assert_int_equal(store_jobs_get(a, 1, seen_job_cb, &s), 1);
	assert_string_equal(s.text, "1:assigned:ハチの巣:0:-");
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_callers(a, 1, seen_caller_cb, &s), 2);
	assert_string_equal(s.text, "多摩 太郎/044-000-1111 麻生 花子/-");
	/* A closed job gets no callers: personal data leaves with it. */
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_callers(a, 2, seen_caller_cb, &s), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_get(a, 99, seen_job_cb, &s), 0);
}

static void
test_a_pending_step_keeps_the_local_state(void **state)
{
	struct agent *a = *state;
	struct store_job_gone gone = {1, "cancelled"};
	struct seen s = {"", 0};
	static const uint8_t body[] = {1};

	apply_two(a, "assigned");
	assert_int_equal(store_jobs_set_state(a, 2, "accepted"), 0);
	assert_int_equal(outbox_add(a, "status", "accept",
	                     "00000000000000000000000000000002", 2, body, 1),
	    0);
	/* The server still says assigned: the crew's step is newer. */
	apply_two(a, "assigned");
	/* Job 1 is no longer the crew's: its callers go at once. */
	assert_int_equal(store_jobs_apply(a, NULL, 0, &gone, 1), 0);
	assert_int_equal(store_jobs_planned(a, seen_job_cb, &s), 2);
	assert_string_equal(
	    s.text, "2:accepted:-:1:- 1:cancelled:ハチの巣:0:-");
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_callers(a, 1, seen_caller_cb, &s), 0);
}

static void
test_the_plan_orders_the_screen(void **state)
{
	struct agent *a = *state;
	struct store_plan_row plan[] = {{2, 1, 1, 0, 1000, 0}};
	struct seen s = {"", 0};

	apply_two(a, "assigned");
	/* Without a plan: by priority (job 2 is priority 1). */
	assert_int_equal(store_jobs_planned(a, seen_job_cb, &s), 2);
	assert_string_equal(s.text, "2:assigned:-:0:- 1:assigned:ハチの巣:0:-");
	plan[0].request_id = 1;
	assert_int_equal(store_jobs_plan_replace(a, plan, 1), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_planned(a, seen_job_cb, &s), 2);
	assert_string_equal(s.text, "1:assigned:ハチの巣:0:p 2:assigned:-:0:-");
}

/* Jobs 1..n in states st, priority n..1, each with one caller. */
static void
apply_states(struct agent *a, const char *const *st, int n)
{
	struct store_caller_row caller = {"多摩 太郎", "044-000-1111"};
	struct store_job_in in[4];
	int i;

	assert_true(n <= 4);
	memset(in, 0, sizeof in);
	for (i = 0; i < n; i++) {
		in[i].id = i + 1;
		in[i].category = "wasp_nest";
		in[i].state = st[i];
		in[i].priority = n - i;
		in[i].outcomes = "";
		in[i].callers = &caller;
		in[i].ncallers = 1;
	}
	assert_int_equal(store_jobs_apply(a, in, (size_t)n, NULL, 0), 0);
}

/* The jobs last touched more than a day ago, as the prune sees them. */
static void
jobs_age(struct agent *a)
{
	assert_int_equal(sqlite3_exec(a->db,
	                     "UPDATE jobs SET updated_ms = updated_ms -"
	                     " 2 * 86400000",
	                     NULL, NULL, NULL),
	    SQLITE_OK);
}

/*
 * The sets are the server's table, not a copy: a server with a state
 * "checking" the crew works on and "archived" among the closed ones.
 */
static void
test_the_sets_are_the_tables(void **state)
{
	static const char *const st[] = {"checking", "archived", "assigned"};
	struct agent *a = *state;
	struct seen s = {"", 0};

	lifecycle_keep(a,
	    "{\"actions\": {}, \"sets\": {\"active\": [\"assigned\","
	    " \"checking\"], \"closed\": [\"done\", \"archived\"]}}");
	apply_states(a, st, 3);
	/* Active ones first, each by priority: job 2 is closed. */
	assert_int_equal(store_jobs_planned(a, seen_job_cb, &s), 3);
	assert_string_equal(
	    s.text, "3:assigned:-:0:- 1:checking:-:0:- 2:archived:-:0:-");
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_list(a, seen_job_cb, &s), 3);
	assert_string_equal(
	    s.text, "3:assigned:-:0:- 1:checking:-:0:- 2:archived:-:0:-");
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_callers(a, 2, seen_caller_cb, &s), 0);
	assert_int_equal(store_jobs_callers(a, 1, seen_caller_cb, &s), 1);
	/* A day on, the closed one goes; the ones being worked on stay. */
	jobs_age(a);
	assert_int_equal(store_jobs_prune(a), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_list(a, seen_job_cb, &s), 2);
	assert_string_equal(s.text, "3:assigned:-:0:- 1:checking:-:0:-");
}

/* A job the crew gave back stays closed here whatever the table says. */
static void
test_a_job_given_back_gets_no_callers(void **state)
{
	static const char *const st[] = {"assigned"};
	struct agent *a = *state;
	struct seen s = {"", 0};
	static const uint8_t body[] = {1};

	apply_states(a, st, 1);
	assert_int_equal(store_jobs_set_state(a, 1, AGENT_STATE_GIVEN_BACK), 0);
	assert_int_equal(outbox_add(a, "status", "reject",
	                     "00000000000000000000000000000001", 1, body, 1),
	    0);
	/* The server has not heard yet: it still sends the job as assigned. */
	apply_states(a, st, 1);
	assert_int_equal(store_jobs_get(a, 1, seen_job_cb, &s), 1);
	assert_string_equal(s.text, "1:rejected:-:0:-");
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_callers(a, 1, seen_caller_cb, &s), 0);
}

/*
 * Before the first sync nothing is known active or closed: the jobs go
 * by priority alone, and none is pruned.
 */
static void
test_no_table_no_sets(void **state)
{
	static const char *const st[] = {"done", "assigned"};
	struct agent *a = *state;
	struct seen s = {"", 0};

	apply_states(a, st, 2);
	assert_int_equal(store_jobs_planned(a, seen_job_cb, &s), 2);
	assert_string_equal(s.text, "2:assigned:-:0:- 1:done:-:0:-");
	jobs_age(a);
	assert_int_equal(store_jobs_prune(a), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_jobs_list(a, seen_job_cb, &s), 2);
}

static int
seen_item_cb(const struct store_item_row *r, void *arg)
{
	struct seen *s = arg;

	seen_add(s, "%s/%zu", r->kind, r->len);
	return 0;
}

static int
seen_history_cb(const struct store_outbox_row *r, void *arg)
{
	struct seen *s = arg;

	seen_add(s, "%s:%s:%s", r->what, r->acked ? "acked" : "pending",
	    r->status != NULL ? r->status : "-");
	return 0;
}

static void
test_a_batch_is_marked_read_and_acknowledged(void **state)
{
	struct agent *a = *state;
	static const uint8_t body[] = {1, 2, 3};
	struct store_ack_row ack = {"00000000000000000000000000000001",
	    "conflict", "already done", 0, 0};
	struct seen s = {"", 0};

	assert_int_equal(outbox_add(a, "status", "accept",
	                     "00000000000000000000000000000001", 5, body, 3),
	    0);
	assert_int_equal(outbox_add(a, "result", "done:removed",
	                     "00000000000000000000000000000002", 5, body, 2),
	    0);
	assert_int_equal(store_outbox_batch_mark(a, "b1", 500), 2);
	assert_int_equal(store_outbox_batch_mark(a, "b2", 500), 0);
	assert_int_equal(store_outbox_batch(a, "b1", seen_item_cb, &s), 2);
	assert_string_equal(s.text, "status/3 result/2");
	/* One answered: the other leaves the batch for a later one. */
	assert_int_equal(store_outbox_ack(a, "b1", &ack, 1), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_outbox_batch(a, "b1", seen_item_cb, &s), 0);
	assert_int_equal(store_outbox_batch_mark(a, "b3", 500), 1);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_outbox_history(a, 5, seen_history_cb, &s), 2);
	assert_string_equal(
	    s.text, "accept:acked:conflict done:removed:pending:-");
	memset(&s, 0, sizeof s);
	assert_int_equal(store_outbox_refused(a, seen_history_cb, &s), 1);
	assert_string_equal(s.text, "accept:acked:conflict");
	assert_int_equal(outbox_pending(a), 1);
}

/* Takes fixes while they are of the first one's patrol (track.c's rule). */
static int
seen_fix_cb(const struct store_fix_row *r, void *arg)
{
	struct seen *s = arg;

	if (r->session == NULL || strcmp(r->session, "p1") != 0)
		return 1;
	seen_add(s, "%lld", (long long)r->t_ms);
	return 0;
}

static void
test_fixes_come_oldest_first_until_told_to_stop(void **state)
{
	struct agent *a = *state;
	struct store_fix_row fix[] = {{3000, 1, 1, "p2"}, {1000, 1, 1, "p1"},
	    {2000, 1, 1, "p1"}, {2000, 9, 9, "p1"}};
	struct store_fix_row newest;
	struct seen s = {"", 0};
	size_t i;

	assert_int_equal(store_fixes_newest(a, &newest), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(store_fixes_add(a, &fix[i]), 0);
	assert_int_equal(store_fixes_oldest(a, 10, seen_fix_cb, &s), 0);
	assert_string_equal(s.text, "1000 2000");
	assert_int_equal(store_fixes_newest(a, &newest), 1);
	assert_int_equal(newest.t_ms, 3000);
	assert_int_equal(store_fixes_delete(a, 1000, 2000), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_fixes_oldest(a, 10, seen_fix_cb, &s), 0);
	assert_string_equal(s.text, "");
}

static void
test_the_nearest_place_prefers_a_block(void **state)
{
	struct agent *a = *state;
	struct store_place_row p[] = {{"宿河原", 35.6180, 139.5770, 0},
	    {"宿河原一丁目１番", 35.6185, 139.5775, 1},
	    {"遠い町", 35.9000, 139.9000, 0}};
	char *name;

	assert_int_equal(store_places_replace(a, p, 3), 0);
	name = store_places_near(a, 35.6184, 139.5774);
	assert_string_equal(name, "宿河原一丁目１番");
	free(name);
	/* 200 m from the block: the town around it. */
	name = store_places_near(a, 35.6200, 139.5790);
	assert_string_equal(name, "宿河原");
	free(name);
	assert_null(store_places_near(a, 34.0, 135.0));
	/* Replaced, not added to. */
	assert_int_equal(store_places_replace(a, p + 2, 1), 0);
	assert_null(store_places_near(a, 35.6184, 139.5774));
}

FIXTURE_MAIN(
    cmocka_unit_test_setup_teardown(
        test_a_reply_fills_jobs_and_callers, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(test_a_pending_step_keeps_the_local_state,
        setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_the_plan_orders_the_screen, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_the_sets_are_the_tables, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_a_job_given_back_gets_no_callers, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_no_table_no_sets, agent_fixture_setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_a_batch_is_marked_read_and_acknowledged, agent_fixture_setup,
        agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_fixes_come_oldest_first_until_told_to_stop, agent_fixture_setup,
        agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(test_the_nearest_place_prefers_a_block,
        agent_fixture_setup, agent_fixture_teardown))

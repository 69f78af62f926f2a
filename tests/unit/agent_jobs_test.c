/*
 * The handheld's steps on a job (mobile-agent/jobs.c) and the outbox they
 * are written to (outbox.c), on a real SQLite state directory: each step
 * follows the life cycle table the server sends (lifecycle_json(), the
 * same as in the sync settings), a refused step leaves nothing behind,
 * and every recorded item has its own client id, the key the server
 * applies it exactly once by, in the order the crew recorded them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent.h"
#include "agent_fixture.h"
#include "field_limits.h"
#include "fixture.h"
#include "lifecycle.h"
#include "role.h"

static void
exec_ok(struct agent *a, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(a->db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static long long
count(struct agent *a, const char *sql)
{
	sqlite3_stmt *st;
	long long n = -1;

	assert_int_equal(
	    sqlite3_prepare_v2(a->db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The job's local state, in buf. */
static const char *
job_state(struct agent *a, long long id, char *buf, size_t len)
{
	sqlite3_stmt *st;

	assert_int_equal(
	    sqlite3_prepare_v2(a->db,
	        "SELECT state FROM jobs WHERE request_id = ?", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void
lifecycle_keep(struct agent *a, json_t *table)
{
	char *text = json_dumps(table, JSON_COMPACT);

	assert_non_null(text);
	assert_int_equal(outbox_set(a, "lifecycle", text), 0);
	free(text);
}

/*
 * Jobs as the last sync left them: 1 assigned (with a caller), 2
 * accepted (a caller), 3 done; outcomes as the server sends them.
 */
static int
setup(void **state)
{
	struct agent *a;
	json_t *table;

	agent_fixture_setup(state);
	a = *state;
	table = lifecycle_json(role_name);
	lifecycle_keep(a, table);
	json_decref(table);
	exec_ok(a,
	    "INSERT INTO jobs (request_id, category, state, outcomes,"
	    " updated_ms) VALUES"
	    " (1, 'wasp_nest', 'assigned', 'removed\t駆除\nno_nest\t巣なし\n', "
	    "0),"
	    " (2, 'wasp_nest', 'accepted', 'removed\t駆除\nno_nest\t巣なし\n', "
	    "0),"
	    " (3, 'wasp_nest', 'done', '', 0);"
	    "INSERT INTO job_callers VALUES (1, '多摩 太郎', '044-000-1111'),"
	    " (2, '麻生 花子', '044-000-2222');");
	return 0;
}

/* Step `step` of rec's job is refused with exactly the cause want. */
static void
step_refused(
    struct agent *a, const char *step, struct jobs_rec *rec, const char *want)
{
	char *cause = NULL;

	assert_int_equal(jobs_record_step(a, step, rec, &cause), -1);
	assert_string_equal(cause, want);
	free(cause);
}

static void
test_steps_follow_the_table_in_order(void **state)
{
	struct agent *a = *state;
	const char *steps[] = {"accept", "en_route", "on_site"};
	struct jobs_rec rec = {.id = 1};
	char *cause = NULL, buf[32], prev[33] = "";
	sqlite3_stmt *st;
	long long last_seq = 0;
	int i = 0;

	for (i = 0; i < 3; i++) {
		if (jobs_record_step(a, steps[i], &rec, &cause) != 0)
			fail_msg("%s: %s", steps[i], cause);
		assert_string_equal(job_state(a, 1, buf, sizeof buf),
		    i == 0 ? "accepted" : steps[i]);
	}
	assert_int_equal(outbox_pending(a), 3);
	assert_int_equal(sqlite3_prepare_v2(a->db,
	                     "SELECT seq, client_id, kind, what, request_id,"
	                     " body FROM outbox ORDER BY seq",
	                     -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
		const char *cid = (const char *)sqlite3_column_text(st, 1);
		Patrol__Sync__V1__StatusChange *m;

		assert_true(sqlite3_column_int64(st, 0) > last_seq);
		last_seq = sqlite3_column_int64(st, 0);
		/* 128 random bits in hex, a new one for every item */
		assert_int_equal(strlen(cid), 32);
		assert_int_equal(strspn(cid, "0123456789abcdef"), 32);
		assert_string_not_equal(cid, prev);
		snprintf(prev, sizeof prev, "%s", cid);
		assert_string_equal(sqlite3_column_text(st, 2), "status");
		assert_string_equal(sqlite3_column_text(st, 3), steps[i]);
		assert_int_equal(sqlite3_column_int64(st, 4), 1);
		/* What is sent carries the same key and step. */
		m = patrol__sync__v1__status_change__unpack(NULL,
		    (size_t)sqlite3_column_bytes(st, 5),
		    sqlite3_column_blob(st, 5));
		assert_non_null(m);
		assert_string_equal(m->client_id, cid);
		assert_string_equal(m->action, steps[i]);
		assert_int_equal(m->request_id, 1);
		assert_true(m->has_device_time_ms);
		patrol__sync__v1__status_change__free_unpacked(m, NULL);
	}
	sqlite3_finalize(st);
	assert_int_equal(i, 3);
}

static void
test_a_refused_step_leaves_nothing(void **state)
{
	struct agent *a = *state;
	struct jobs_rec rec = {.id = 1};
	char buf[32];

	/* en route before accepting: the table says from accepted only */
	step_refused(
	    a, "en_route", &rec, "job 1 is assigned (possible when: accepted)");
	rec.id = 3;
	step_refused(
	    a, "accept", &rec, "job 3 is done (possible when: assigned)");
	rec.id = 99;
	step_refused(a, "accept", &rec,
	    "no job 99 on this device; run 'patrol-agent sync'");
	assert_int_equal(outbox_pending(a), 0);
	assert_string_equal(job_state(a, 1, buf, sizeof buf), "assigned");
	assert_string_equal(job_state(a, 3, buf, sizeof buf), "done");
}

static void
test_staff_and_unknown_steps_are_not_the_crews(void **state)
{
	struct agent *a = *state;
	struct jobs_rec rec = {.id = 1};
	const char *names[] = {"assign", "cancel", "teleport"};
	char want[64];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof want, "no step called %s", names[i]);
		step_refused(a, names[i], &rec, want);
	}
	assert_int_equal(outbox_pending(a), 0);
}

static void
test_reject_needs_a_reason_and_forgets_the_caller(void **state)
{
	struct agent *a = *state;
	struct jobs_rec rec = {.id = 1};
	char *cause = NULL, buf[32];

	step_refused(a, "reject", &rec, "reject needs a reason");
	assert_int_equal(outbox_pending(a), 0);
	rec.reason = "車両故障";
	if (jobs_record_step(a, "reject", &rec, &cause) != 0)
		fail_msg("reject: %s", cause);
	/* Given back: gone from this crew, and so is the caller. */
	assert_string_equal(job_state(a, 1, buf, sizeof buf), "rejected");
	assert_int_equal(count(a,
	                     "SELECT count(*) FROM job_callers"
	                     " WHERE request_id = 1"),
	    0);
	assert_int_equal(count(a, "SELECT count(*) FROM job_callers"), 1);
	assert_int_equal(outbox_pending(a), 1);
}

static void
test_done_checks_the_outcome_and_closes(void **state)
{
	struct agent *a = *state;
	struct jobs_rec rec = {.id = 2, .outcome = "exploded"};
	char *cause = NULL, buf[32];

	assert_int_equal(jobs_record_done(a, &rec, &cause), -1);
	assert_string_equal(cause,
	    "'exploded' is not an outcome of job 2; see "
	    "'patrol-agent show 2'");
	free(cause);
	cause = NULL;
	assert_int_equal(outbox_pending(a), 0);
	rec.outcome = "no_nest";
	rec.note = "巣は見当たらず";
	if (jobs_record_done(a, &rec, &cause) != 0)
		fail_msg("done: %s", cause);
	assert_string_equal(job_state(a, 2, buf, sizeof buf), "done");
	assert_int_equal(count(a,
	                     "SELECT count(*) FROM job_callers"
	                     " WHERE request_id = 2"),
	    0);
	assert_int_equal(count(a,
	                     "SELECT count(*) FROM outbox WHERE"
	                     " kind = 'result' AND what = 'done:no_nest'"
	                     " AND request_id = 2"),
	    1);
}

/* n copies of a three-byte character: n characters, 3n bytes. */
static char *
kanji(size_t n)
{
	char *s = malloc(3 * n + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + 3 * i, "巣", 3);
	s[3 * n] = '\0';
	return s;
}

/*
 * A text over the server's limit is refused when it is recorded, with the
 * server's words, and nothing is kept; at the limit it is recorded.
 */
static void
test_texts_over_their_limit_are_refused(void **state)
{
	struct agent *a = *state;
	char *over = kanji(LIMIT_NOTE + 1), *full = kanji(LIMIT_NOTE);
	char *cause = NULL;
	struct jobs_rec rec = {.id = 2, .outcome = "no_nest", .note = over};

	assert_int_equal(jobs_record_done(a, &rec, &cause), -1);
	assert_string_equal(cause, "note is longer than 4000 characters");
	free(cause);
	cause = NULL;
	rec.id = 1;
	rec.outcome = NULL;
	assert_int_equal(jobs_record_step(a, "accept", &rec, &cause), -1);
	assert_string_equal(cause, "note is longer than 4000 characters");
	free(cause);
	cause = NULL;
	assert_int_equal(outbox_pending(a), 0);
	rec.note = full;
	if (jobs_record_step(a, "accept", &rec, &cause) != 0)
		fail_msg("accept: %s", cause);
	assert_int_equal(outbox_pending(a), 1);
	free(over);
	free(full);
}

static void
test_the_table_decides_not_a_copy(void **state)
{
	struct agent *a = *state;
	struct jobs_rec rec = {.id = 1};
	char *cause = NULL, buf[32];
	json_t *t = lifecycle_json(role_name);
	json_t *en_route =
	    json_object_get(json_object_get(t, "actions"), "en_route");

	/* A server whose crews may set off before accepting. */
	json_array_append_new(
	    json_object_get(en_route, "from"), json_string("assigned"));
	lifecycle_keep(a, t);
	json_decref(t);
	if (jobs_record_step(a, "en_route", &rec, &cause) != 0)
		fail_msg("en_route: %s", cause);
	assert_string_equal(job_state(a, 1, buf, sizeof buf), "en_route");

	/* States are whole words: "site" does not allow "on_site". */
	t = json_pack("{s{s{s[s]sss[s]}}s{}}", "actions", "wave", "from",
	    "site", "to", "done", "roles", "crew", "sets");
	lifecycle_keep(a, t);
	json_decref(t);
	exec_ok(a, "UPDATE jobs SET state = 'on_site' WHERE request_id = 1");
	step_refused(a, "wave", &rec, "job 1 is on_site (possible when: site)");
	assert_int_equal(outbox_pending(a), 1);
}

static void
test_no_table_no_step(void **state)
{
	struct agent *a = *state;
	struct jobs_rec rec = {.id = 1};

	exec_ok(a, "DELETE FROM state WHERE key = 'lifecycle'");
	step_refused(a, "accept", &rec,
	    "the life cycle is not known yet; run 'patrol-agent sync'");
	assert_int_equal(outbox_pending(a), 0);
}

/* The client id is the key: the same item twice is one item. */
static void
test_a_client_id_is_kept_once(void **state)
{
	struct agent *a = *state;
	const uint8_t body[] = {1, 2, 3};

	assert_int_equal(
	    outbox_add(a, "status", "accept", "abc", 1, body, sizeof body), 0);
	assert_int_equal(
	    outbox_add(a, "status", "accept", "abc", 1, body, sizeof body), -1);
	assert_int_equal(
	    outbox_add(a, "status", "accept", "abd", 1, body, sizeof body), 0);
	assert_int_equal(outbox_pending(a), 2);
	assert_int_equal(count(a,
	                     "SELECT count(*) FROM outbox"
	                     " WHERE client_id = 'abc'"),
	    1);
	/* Acknowledged items are no longer pending; the rest keep order. */
	exec_ok(a, "UPDATE outbox SET acked_ms = 1 WHERE client_id = 'abc'");
	assert_int_equal(outbox_pending(a), 1);
	assert_int_equal(count(a,
	                     "SELECT count(*) FROM outbox a, outbox b"
	                     " WHERE a.client_id = 'abc' AND"
	                     " b.client_id = 'abd' AND a.seq < b.seq"),
	    1);
}

/* Revoked: personal data and jobs go, what the crew recorded stays. */
static void
test_revoked_wipes_personal_data_only(void **state)
{
	struct agent *a = *state;
	struct jobs_rec rec = {.id = 1};
	char *cause = NULL;

	if (jobs_record_step(a, "accept", &rec, &cause) != 0)
		fail_msg("accept: %s", cause);
	if (outbox_wipe_personal(a, &cause) != 0)
		fail_msg("wipe: %s", cause);
	assert_int_equal(count(a, "SELECT count(*) FROM job_callers"), 0);
	assert_int_equal(count(a, "SELECT count(*) FROM jobs"), 0);
	assert_int_equal(outbox_pending(a), 1);
}

FIXTURE_MAIN(
    cmocka_unit_test_setup_teardown(
        test_steps_follow_the_table_in_order, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_a_refused_step_leaves_nothing, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_staff_and_unknown_steps_are_not_the_crews, setup,
        agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_reject_needs_a_reason_and_forgets_the_caller, setup,
        agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_done_checks_the_outcome_and_closes, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_texts_over_their_limit_are_refused, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_the_table_decides_not_a_copy, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_no_table_no_step, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_a_client_id_is_kept_once, setup, agent_fixture_teardown),
    cmocka_unit_test_setup_teardown(
        test_revoked_wipes_personal_data_only, setup, agent_fixture_teardown))

/* server/db.c against a live PostgreSQL (DATABASE_URL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "db.h"

struct outcome {
	int done;
	enum db_status status;
	char value[128];
	char sqlstate[8];
	char error[256];
};

static struct event_base *base;
static const char *url;

static void
outcome_cb(struct db_result *r, void *arg)
{
	struct outcome *o = arg;

	o->done = 1;
	o->status = r->status;
	if (r->status == DB_OK && PQntuples(r->res) > 0)
		snprintf(
		    o->value, sizeof o->value, "%s", PQgetvalue(r->res, 0, 0));
	if (r->sqlstate != NULL)
		snprintf(o->sqlstate, sizeof o->sqlstate, "%s", r->sqlstate);
	if (r->error != NULL)
		snprintf(o->error, sizeof o->error, "%s", r->error);
}

static struct db *
pool(const char *conninfo, int size, int queue_max, int queue_ms,
    int statement_ms)
{
	struct db_config c = {
	    conninfo, size, 3000, statement_ms, queue_max, queue_ms, NULL, 0};

	return db_new(base, &c);
}

static void
wait_all(struct outcome *o, int n)
{
	time_t give_up = time(NULL) + 30;
	int i, done;

	for (;;) {
		for (done = 0, i = 0; i < n; i++)
			done += o[i].done;
		if (done == n)
			return;
		if (time(NULL) > give_up)
			fail_msg("only %d of %d queries completed", done, n);
		event_base_loop(base, EVLOOP_ONCE);
	}
}

static int
setup(void **state)
{
	(void)state;
	if ((url = getenv("DATABASE_URL")) == NULL || *url == '\0') {
		fprintf(stderr, "DATABASE_URL not set: skipped\n");
		exit(77);
	}
	base = event_base_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	event_base_free(base);
	return 0;
}

static void
test_parameters_and_null(void **state)
{
	const char *params[] = {NULL, "41", "ハチの巣 'quoted'"};
	struct db *db = pool(url, 2, 10, 2000, 5000);
	struct outcome o[2] = {0};

	(void)state;
	db_query(db, "SELECT ($1::text IS NULL)::text || ($2::int + 1)", 2,
	    params, outcome_cb, &o[0]);
	db_query(db, "SELECT $1::text", 1, params + 2, outcome_cb, &o[1]);
	/* Never answered from inside db_query itself. */
	assert_int_equal(o[0].done + o[1].done, 0);
	wait_all(o, 2);
	assert_int_equal(o[0].status, DB_OK);
	assert_string_equal(o[0].value, "true42");
	assert_string_equal(o[1].value, "ハチの巣 'quoted'");
	db_free(db);
}

static void
test_error_has_sqlstate(void **state)
{
	struct db *db = pool(url, 1, 10, 2000, 5000);
	struct outcome o = {0};

	(void)state;
	db_query(db, "SELECT 1/0", 0, NULL, outcome_cb, &o);
	wait_all(&o, 1);
	assert_int_equal(o.status, DB_ERROR);
	assert_string_equal(o.sqlstate, "22012");
	assert_non_null(strstr(o.error, "division by zero"));
	db_free(db);
}

/* A script that fails or forgets COMMIT must not poison the connection. */
static void
test_failed_script_leaves_no_transaction(void **state)
{
	struct db *db = pool(url, 1, 10, 2000, 5000);
	struct outcome o[4] = {0};

	(void)state;
	db_exec(db, "BEGIN; SELECT 1/0; COMMIT;", outcome_cb, &o[0]);
	/* In an aborted transaction this would fail with 25P02. */
	db_query(db, "SELECT 'usable'", 0, NULL, outcome_cb, &o[1]);
	db_exec(
	    db, "BEGIN; CREATE TEMP TABLE open_tx (x int);", outcome_cb, &o[2]);
	/* Rolled back, the table never existed. */
	db_query(db, "SELECT to_regclass('pg_temp.open_tx') IS NULL", 0, NULL,
	    outcome_cb, &o[3]);
	wait_all(o, 4);
	assert_int_equal(o[0].status, DB_ERROR);
	assert_int_equal(o[1].status, DB_OK);
	assert_string_equal(o[1].value, "usable");
	assert_int_equal(o[2].status, DB_OK);
	assert_string_equal(o[3].value, "t");
	db_free(db);
}

static void
test_many_in_flight(void **state)
{
	struct db *db = pool(url, 4, 1000, 5000, 5000);
	static struct outcome o[300];
	char num[16], want[16];
	const char *p[1] = {num};
	int i;

	(void)state;
	memset(o, 0, sizeof o);
	for (i = 0; i < 300; i++) {
		snprintf(num, sizeof num, "%d", i);
		db_query(db, "SELECT $1::int * 2", 1, p, outcome_cb, &o[i]);
	}
	wait_all(o, 300);
	for (i = 0; i < 300; i++) {
		snprintf(want, sizeof want, "%d", i * 2);
		assert_int_equal(o[i].status, DB_OK);
		assert_string_equal(o[i].value, want);
	}
	db_free(db);
}

static void
test_statement_timeout_applies(void **state)
{
	struct db *db = pool(url, 1, 10, 2000, 200);
	struct outcome o[2] = {0};

	(void)state;
	db_query(db, "SELECT pg_sleep(3)", 0, NULL, outcome_cb, &o[0]);
	db_query(db, "SELECT 'after'", 0, NULL, outcome_cb, &o[1]);
	wait_all(o, 2);
	assert_int_equal(o[0].status, DB_ERROR);
	assert_string_equal(o[0].sqlstate, "57014"); /* query_canceled */
	assert_string_equal(o[1].value, "after");
	db_free(db);
}

static void
test_queue_full_and_queue_timeout(void **state)
{
	struct db *db = pool(url, 1, 2, 150, 5000);
	struct outcome o[4] = {0};

	(void)state;
	db_query(db, "SELECT pg_sleep(0.5)", 0, NULL, outcome_cb, &o[0]);
	db_query(db, "SELECT 2", 0, NULL, outcome_cb, &o[1]);
	db_query(db, "SELECT 3", 0, NULL, outcome_cb, &o[2]); /* over max */
	wait_all(o, 3);
	assert_int_equal(o[2].status, DB_UNAVAILABLE);
	assert_non_null(strstr(o[2].error, "too many queries waiting"));
	/* The sleep holds the only connection longer than 150 ms. */
	assert_int_equal(o[0].status, DB_OK);
	assert_int_equal(o[1].status, DB_UNAVAILABLE);
	assert_non_null(strstr(o[1].error, "no connection free in time"));
	db_query(db, "SELECT 4", 0, NULL, outcome_cb, &o[3]);
	wait_all(&o[3], 1);
	assert_string_equal(o[3].value, "4");
	db_free(db);
}

static void
test_unreachable_fails_fast(void **state)
{
	struct db *db = pool("host=/nonexistent dbname=x", 2, 10, 5000, 5000);
	struct outcome o[2] = {0};
	struct db_stats st;
	time_t t0 = time(NULL);

	(void)state;
	db_query(db, "SELECT 1", 0, NULL, outcome_cb, &o[0]);
	wait_all(o, 1);
	assert_int_equal(o[0].status, DB_UNAVAILABLE);
	assert_non_null(strstr(o[0].error, "database unavailable"));
	assert_true(time(NULL) - t0 <= 2);
	/* Once known down, new work fails at once instead of queueing. */
	db_query(db, "SELECT 1", 0, NULL, outcome_cb, &o[1]);
	db_stats(db, &st);
	assert_int_equal(st.waiting, 0);
	wait_all(&o[1], 1);
	assert_int_equal(o[1].status, DB_UNAVAILABLE);
	assert_non_null(db_last_error(db));
	db_free(db);
}

struct retry {
	struct db *db;
	int stop;
	int calls;
	int in_flight;
};

static void
retry_cb(struct db_result *r, void *arg)
{
	struct retry *t = arg;

	t->calls++;
	t->in_flight = 0;
	if (r->status != DB_OK && !t->stop) {
		t->in_flight = 1;
		db_query(t->db, "SELECT 1", 0, NULL, retry_cb, t);
	}
}

static void
retry_stop_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	((struct retry *)arg)->stop = 1;
}

/*
 * A caller that retries at once when the pool is down must not starve the
 * loop: timers (ours here, the pool's reconnect) still fire.
 */
static void
test_retry_from_callback_does_not_starve(void **state)
{
	struct retry t = {0};
	struct timeval tv = {0, 200000};
	struct event *stop;

	(void)state;
	t.db = pool("host=/nonexistent dbname=x", 1, 10, 5000, 5000);
	stop = evtimer_new(base, retry_stop_cb, &t);
	evtimer_add(stop, &tv);
	alarm(20); /* a starved loop would never end: fail loudly instead */
	t.in_flight = 1;
	db_query(t.db, "SELECT 1", 0, NULL, retry_cb, &t);
	while (!t.stop || t.in_flight)
		event_base_loop(base, EVLOOP_ONCE);
	alarm(0);
	assert_true(t.calls > 1);
	event_free(stop);
	db_free(t.db);
}

struct heard {
	int resyncs;
	char payload[64];
};

static void
notify_cb(const char *channel, const char *payload, void *arg)
{
	struct heard *h = arg;

	assert_string_equal(channel, "patrol_test_chan");
	if (payload == NULL)
		h->resyncs++;
	else
		snprintf(h->payload, sizeof h->payload, "%s", payload);
}

static void
test_listen_notify(void **state)
{
	struct db *db = pool(url, 1, 10, 2000, 5000);
	struct heard h = {0};
	struct outcome o = {0};
	char *cause = NULL;
	time_t give_up = time(NULL) + 10;

	(void)state;
	assert_int_equal(db_listen(db, "Bad-Name;", notify_cb, &h, &cause), -1);
	free(cause);
	assert_int_equal(
	    db_listen(db, "patrol_test_chan", notify_cb, &h, &cause), 0);
	/* The listener says when it is (re)connected: a resync point. */
	while (h.resyncs == 0 && time(NULL) < give_up)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(h.resyncs, 1);
	/* Give the LISTEN a moment to be applied before notifying. */
	for (int i = 0; i < 50 && h.payload[0] == '\0'; i++) {
		if (i % 10 == 0) {
			memset(&o, 0, sizeof o);
			db_query(db,
			    "SELECT pg_notify('patrol_test_chan', 'job 42')", 0,
			    NULL, outcome_cb, &o);
			wait_all(&o, 1);
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		struct timeval tv = {0, 20000};
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	assert_string_equal(h.payload, "job 42");
	db_free(db);
}

/* Grouped statements (db_group.c): set-up of the table they write. */
static void
grouped_exec(struct db *db, const char *script)
{
	struct outcome o = {0};

	db_exec(db, script, outcome_cb, &o);
	wait_all(&o, 1);
	assert_int_equal(o.status, DB_OK);
}

#define GROUPED_INSERT                                                         \
	"INSERT INTO db_test_grouped VALUES ($1::int)"                         \
	" RETURNING v || ':' || pg_current_xact_id()"

/*
 * n grouped inserts of 0..n-1 (-1 for number bad: refused by the CHECK),
 * queued behind a sleep so that they wait together for the pool's only
 * connection.
 */
static void
grouped_run(struct db *db, struct outcome *o, int n, int bad)
{
	struct outcome sleep = {0};
	char num[16];
	const char *p[1] = {num};
	int i;

	grouped_exec(db,
	    "DROP TABLE IF EXISTS db_test_grouped;"
	    " CREATE TABLE db_test_grouped (v int CHECK (v >= 0))");
	db_query(db, "SELECT pg_sleep(0.3)", 0, NULL, outcome_cb, &sleep);
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof num, "%d", i == bad ? -1 : i);
		db_query_grouped(db, GROUPED_INSERT, 1, p, outcome_cb, &o[i]);
	}
	wait_all(o, n);
	wait_all(&sleep, 1);
	assert_int_equal(sleep.status, DB_OK);
}

/* What the table holds (the SELECT list what), then it and the pool go. */
static void
grouped_end(struct db *db, const char *what, const char *want)
{
	struct outcome count = {0};
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT %s FROM db_test_grouped", what);
	db_query(db, sql, 0, NULL, outcome_cb, &count);
	wait_all(&count, 1);
	assert_string_equal(count.value, want);
	grouped_exec(db, "DROP TABLE db_test_grouped");
	db_free(db);
}

/* The transaction id after "v:" in an outcome's value. */
static const char *
grouped_xid(const struct outcome *o)
{
	const char *c = strchr(o->value, ':');

	return c != NULL ? c + 1 : "";
}

/* Each caller's own row back, all from one transaction. */
static void
test_grouped_share_one_transaction(void **state)
{
	struct db *db = pool(url, 1, 100, 5000, 5000);
	struct outcome one = {0}, o[10] = {0};
	const char *p[1] = {"100"};
	struct db_stats st;
	char want[16];
	int i;

	(void)state;
	grouped_run(db, o, 10, -1);
	for (i = 0; i < 10; i++) {
		snprintf(want, sizeof want, "%d:", i);
		assert_int_equal(o[i].status, DB_OK);
		assert_memory_equal(o[i].value, want, strlen(want));
		assert_string_equal(grouped_xid(&o[i]), grouped_xid(&o[0]));
	}
	db_stats(db, &st);
	assert_int_equal(st.groups, 1);
	assert_int_equal(st.grouped, 10);
	assert_int_equal(st.regrouped, 0);
	/* Alone in the queue: no group, a transaction of its own. */
	db_query_grouped(db, GROUPED_INSERT, 1, p, outcome_cb, &one);
	wait_all(&one, 1);
	assert_int_equal(one.status, DB_OK);
	assert_string_not_equal(grouped_xid(&one), grouped_xid(&o[0]));
	db_stats(db, &st);
	assert_int_equal(st.groups, 1);
	grouped_end(db, "count(*)", "11");
}

/* One refused statement costs the others nothing: each runs again alone. */
static void
test_grouped_failure_runs_each_alone(void **state)
{
	struct db *db = pool(url, 1, 100, 5000, 5000);
	struct outcome o[10] = {0};
	struct db_stats st;
	char want[16];
	int i, j;

	(void)state;
	grouped_run(db, o, 10, 4);
	assert_int_equal(o[4].status, DB_ERROR);
	assert_string_equal(o[4].sqlstate, "23514");
	for (i = 0; i < 10; i++) {
		if (i == 4)
			continue;
		snprintf(want, sizeof want, "%d:", i);
		assert_int_equal(o[i].status, DB_OK);
		assert_memory_equal(o[i].value, want, strlen(want));
		for (j = 0; j < i; j++) {
			if (j != 4)
				assert_string_not_equal(
				    grouped_xid(&o[i]), grouped_xid(&o[j]));
		}
	}
	db_stats(db, &st);
	assert_int_equal(st.groups, 1);
	assert_int_equal(st.regrouped, 10);
	/* Nothing of the failed group stayed: each good row once. */
	grouped_end(db, "count(*) || '/' || count(DISTINCT v)", "9/9");
}

/* A group whose connection dies: nothing committed, none reported done. */
static void
test_grouped_connection_lost(void **state)
{
	struct db *db = pool(url, 1, 100, 5000, 5000);
	struct outcome sleep = {0}, o[3] = {0}, after = {0};
	const char *p[3][1] = {{"0"}, {"1"}, {"2"}};
	int i;

	(void)state;
	db_query(db, "SELECT pg_sleep(0.3)", 0, NULL, outcome_cb, &sleep);
	for (i = 0; i < 3; i++)
		db_query_grouped(db,
		    "SELECT CASE WHEN $1::int = 1 THEN"
		    " pg_terminate_backend(pg_backend_pid()) END",
		    1, p[i], outcome_cb, &o[i]);
	wait_all(o, 3);
	wait_all(&sleep, 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(o[i].status, DB_UNAVAILABLE);
		assert_non_null(strstr(o[i].error, "connection lost"));
	}
	/* The pool comes back by itself. */
	for (i = 0; i < 100; i++) {
		memset(&after, 0, sizeof after);
		usleep(50000);
		db_query(db, "SELECT 'back'", 0, NULL, outcome_cb, &after);
		wait_all(&after, 1);
		if (after.status == DB_OK)
			break;
	}
	assert_string_equal(after.value, "back");
	db_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parameters_and_null),
	    cmocka_unit_test(test_error_has_sqlstate),
	    cmocka_unit_test(test_failed_script_leaves_no_transaction),
	    cmocka_unit_test(test_many_in_flight),
	    cmocka_unit_test(test_statement_timeout_applies),
	    cmocka_unit_test(test_queue_full_and_queue_timeout),
	    cmocka_unit_test(test_unreachable_fails_fast),
	    cmocka_unit_test(test_listen_notify),
	    cmocka_unit_test(test_retry_from_callback_does_not_starve),
	    cmocka_unit_test(test_grouped_share_one_transaction),
	    cmocka_unit_test(test_grouped_failure_runs_each_alone),
	    cmocka_unit_test(test_grouped_connection_lost),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

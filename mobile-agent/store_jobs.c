/*
 * The jobs table (and the day plan kept in it) and job_callers: what the
 * last sync brought, as the crew's commands and the screen read it.
 */
#include "store_int.h"

/*
 * A set of the server's life cycle ("active" or "closed", lifecycle.c's
 * sets), as an SQL subquery on the table the last sync kept (sync_apply.c
 * keeps it before the jobs it came with): the handheld has no list of its
 * own. Before the first sync there is no table and every set is empty; the
 * device has no jobs then either.
 */
#define STORE_JOBS_SET(name)                                                   \
	"SELECT s.value FROM state, json_each(state.value, '$.sets." name      \
	"') s WHERE state.key = 'lifecycle'"
#define STORE_JOBS_ACTIVE "(" STORE_JOBS_SET("active") ")"
/* The states a job does not come back from: closed, or given back here. */
#define STORE_JOBS_CLOSED                                                      \
	"(" STORE_JOBS_SET(                                                    \
	    "closed") " UNION ALL SELECT '" AGENT_STATE_GIVEN_BACK "')"

int
store_jobs_plan_replace(
    struct agent *a, const struct store_plan_row *rows, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	if (sqlite3_exec(a->db,
	        "UPDATE jobs SET plan_pos = NULL, expected_from_ms = NULL,"
	        " expected_to_ms = NULL WHERE plan_pos IS NOT NULL",
	        NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
	        "UPDATE jobs SET plan_pos = ?2, expected_from_ms = ?3,"
	        " expected_to_ms = ?4 WHERE request_id = ?1",
	        -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		const struct store_plan_row *p = &rows[i];

		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		sqlite3_bind_int64(st, 1, p->request_id);
		sqlite3_bind_int(st, 2, p->position);
		if (p->has_from)
			sqlite3_bind_int64(st, 3, p->from_ms);
		if (p->has_to)
			sqlite3_bind_int64(st, 4, p->to_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* The columns store_jobs_row reads, in its order; pending comes last. */
#define STORE_JOBS_COLS                                                        \
	"request_id, state, category, category_name, priority, lat, lon,"      \
	" address, description, due, answers, outcomes, plan_pos,"             \
	" expected_from_ms, expected_to_ms, category_name_en"

static const char *
store_jobs_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

static int
store_jobs_row(sqlite3_stmt *st, void *arg)
{
	struct store_each *e = arg;
	struct store_job_row row, *r = &row;

	r->id = sqlite3_column_int64(st, 0);
	r->state = store_jobs_text(st, 1);
	r->category = store_jobs_text(st, 2);
	r->category_name = store_jobs_text(st, 3);
	r->priority = sqlite3_column_int(st, 4);
	r->has_pos = sqlite3_column_type(st, 5) != SQLITE_NULL &&
	    sqlite3_column_type(st, 6) != SQLITE_NULL;
	r->lat = sqlite3_column_double(st, 5);
	r->lon = sqlite3_column_double(st, 6);
	r->address = store_jobs_text(st, 7);
	r->description = store_jobs_text(st, 8);
	r->due = store_jobs_text(st, 9);
	r->answers = store_jobs_text(st, 10);
	r->outcomes = store_jobs_text(st, 11);
	r->has_plan_pos = sqlite3_column_type(st, 12) != SQLITE_NULL;
	r->plan_pos = sqlite3_column_int64(st, 12);
	r->has_from = sqlite3_column_type(st, 13) != SQLITE_NULL;
	r->from_ms = sqlite3_column_int64(st, 13);
	r->has_to = sqlite3_column_type(st, 14) != SQLITE_NULL;
	r->to_ms = sqlite3_column_int64(st, 14);
	r->category_name_en = store_jobs_text(st, 15);
	r->pending = sqlite3_column_int64(st, 16);
	return e->cb.job(r, e->arg);
}

/* Each row of sql (STORE_JOBS_COLS), with ?1 bound to id when not 0. */
static int
store_jobs_each(struct agent *a, const char *sql, long long id,
    int (*cb)(const struct store_job_row *, void *), void *arg)
{
	struct store_each e = {.cb.job = cb, .arg = arg};

	return store_db_rows(store_db_prepare(a, sql, id != 0 ? "I" : "", id),
	    store_jobs_row, &e);
}

int
store_jobs_get(struct agent *a, long long id,
    int (*cb)(const struct store_job_row *, void *), void *arg)
{
	return store_jobs_each(a,
	    "SELECT " STORE_JOBS_COLS ", 0 FROM jobs WHERE request_id = ?", id,
	    cb, arg);
}

int
store_jobs_list(
    struct agent *a, int (*cb)(const struct store_job_row *, void *), void *arg)
{
	return store_jobs_each(a,
	    "SELECT " STORE_JOBS_COLS ", 0"
	    " FROM jobs ORDER BY state NOT IN " STORE_JOBS_ACTIVE ", priority,"
	    " request_id",
	    0, cb, arg);
}

int
store_jobs_planned(
    struct agent *a, int (*cb)(const struct store_job_row *, void *), void *arg)
{
	return store_jobs_each(a,
	    "SELECT " STORE_JOBS_COLS ","
	    " (SELECT count(*) FROM outbox o WHERE o.request_id ="
	    " jobs.request_id AND o.acked_ms IS NULL)"
	    " FROM jobs ORDER BY state NOT IN " STORE_JOBS_ACTIVE ","
	    " plan_pos IS NULL, plan_pos,"
	    " priority, due IS NULL OR due = '', due, request_id",
	    0, cb, arg);
}

int
store_jobs_set_state(struct agent *a, long long id, const char *state)
{
	return store_db_run(a,
	    "UPDATE jobs SET state = ?, updated_ms = ? WHERE request_id = ?",
	    "tII", state, (long long)agent_now_ms(), id);
}

static int
store_jobs_caller_row(sqlite3_stmt *st, void *arg)
{
	struct store_each *e = arg;
	struct store_caller_row r;

	r.name = (const char *)sqlite3_column_text(st, 0);
	r.phone = (const char *)sqlite3_column_text(st, 1);
	return e->cb.caller(&r, e->arg);
}

int
store_jobs_callers(struct agent *a, long long id,
    int (*cb)(const struct store_caller_row *, void *), void *arg)
{
	struct store_each e = {.cb.caller = cb, .arg = arg};

	return store_db_rows(store_db_prepare(a,
	                         "SELECT name, phone FROM job_callers"
	                         " WHERE request_id = ? ORDER BY rowid",
	                         "I", id),
	    store_jobs_caller_row, &e);
}

static int
store_jobs_exec(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* The statements a sync reply's jobs go through (store_jobs_apply). */
struct store_jobs_put {
	sqlite3_stmt *up;  /* a job added or updated */
	sqlite3_stmt *del; /* a job's callers erased */
	sqlite3_stmt *add; /* a caller of a job that is not closed */
	sqlite3_stmt *off; /* a job no longer the crew's */
};

static int
store_jobs_prepare(struct agent *a, struct store_jobs_put *p)
{
	/* A step still in the outbox is newer than what the server says. */
	return sqlite3_prepare_v2(a->db,
	           "INSERT INTO jobs (request_id, category, category_name,"
	           " state, lat, lon, address, description, priority, due,"
	           " outcomes, answers, updated_ms, category_name_en) VALUES"
	           " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	           " ?14) ON CONFLICT (request_id) DO UPDATE SET"
	           " category = ?2, category_name = ?3, category_name_en = ?14,"
	           " state = CASE WHEN EXISTS"
	           " (SELECT 1 FROM outbox o WHERE o.request_id = ?1 AND"
	           " o.acked_ms IS NULL) THEN jobs.state ELSE ?4 END, lat = ?5,"
	           " lon = ?6, address = ?7, description = ?8, priority = ?9,"
	           " due = ?10, outcomes = ?11, answers = ?12, updated_ms = "
	           "?13",
	           -1, &p->up, NULL) != SQLITE_OK ||
	        sqlite3_prepare_v2(a->db,
	            "DELETE FROM job_callers WHERE request_id = ?", -1, &p->del,
	            NULL) != SQLITE_OK ||
	        sqlite3_prepare_v2(a->db,
	            "INSERT INTO job_callers (request_id, name, phone) SELECT"
	            " ?1, ?2, ?3 WHERE (SELECT state FROM jobs WHERE"
	            " request_id = ?1) NOT IN " STORE_JOBS_CLOSED,
	            -1, &p->add, NULL) != SQLITE_OK ||
	        sqlite3_prepare_v2(a->db,
	            "UPDATE jobs SET state = CASE WHEN EXISTS (SELECT 1 FROM"
	            " outbox o WHERE o.request_id = ?1 AND o.acked_ms IS NULL)"
	            " AND jobs.state IN " STORE_JOBS_CLOSED
	            " THEN jobs.state ELSE ?2 END,"
	            " updated_ms = ?3 WHERE request_id = ?1",
	            -1, &p->off, NULL) != SQLITE_OK
	    ? -1
	    : 0;
}

/* One job the crew has, with its callers (which replace the old ones). */
static int
store_jobs_put_one(struct store_jobs_put *p, const struct store_job_in *x)
{
	size_t k;

	sqlite3_bind_int64(p->up, 1, x->id);
	sqlite3_bind_text(p->up, 2, x->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->up, 3, x->category_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->up, 4, x->state, -1, SQLITE_STATIC);
	if (x->has_pos) {
		sqlite3_bind_double(p->up, 5, x->lat);
		sqlite3_bind_double(p->up, 6, x->lon);
	}
	sqlite3_bind_text(p->up, 7, x->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->up, 8, x->description, -1, SQLITE_STATIC);
	sqlite3_bind_int(p->up, 9, x->priority);
	sqlite3_bind_text(p->up, 10, x->due, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->up, 11, x->outcomes, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->up, 12, x->answers, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->up, 13, agent_now_ms());
	sqlite3_bind_text(p->up, 14, x->category_name_en, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->del, 1, x->id);
	if (store_jobs_exec(p->up) != 0 || store_jobs_exec(p->del) != 0)
		return -1;
	for (k = 0; k < x->ncallers; k++) {
		sqlite3_bind_int64(p->add, 1, x->id);
		sqlite3_bind_text(
		    p->add, 2, x->callers[k].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(
		    p->add, 3, x->callers[k].phone, -1, SQLITE_STATIC);
		if (store_jobs_exec(p->add) != 0)
			return -1;
	}
	return 0;
}

/* No longer the crew's: its callers leave the device now. */
static int
store_jobs_put_gone(struct store_jobs_put *p, const struct store_job_gone *g)
{
	sqlite3_bind_int64(p->off, 1, g->id);
	sqlite3_bind_text(p->off, 2, g->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->off, 3, agent_now_ms());
	sqlite3_bind_int64(p->del, 1, g->id);
	return store_jobs_exec(p->off) != 0 || store_jobs_exec(p->del) != 0 ? -1
	                                                                    : 0;
}

int
store_jobs_apply(struct agent *a, const struct store_job_in *in, size_t n,
    const struct store_job_gone *gone, size_t ngone)
{
	struct store_jobs_put p = {NULL, NULL, NULL, NULL};
	size_t i;
	int rc = store_jobs_prepare(a, &p);

	for (i = 0; rc == 0 && i < n; i++)
		rc = store_jobs_put_one(&p, &in[i]);
	for (i = 0; rc == 0 && i < ngone; i++)
		rc = store_jobs_put_gone(&p, &gone[i]);
	sqlite3_finalize(p.up);
	sqlite3_finalize(p.del);
	sqlite3_finalize(p.add);
	sqlite3_finalize(p.off);
	return rc;
}

int
store_jobs_prune(struct agent *a)
{
	/*
	 * Closed jobs are kept a day for the crew's list, no longer; none
	 * goes while the life cycle is not known.
	 */
	return sqlite3_exec(a->db,
	           "DELETE FROM jobs WHERE state NOT IN " STORE_JOBS_ACTIVE
	           " AND EXISTS (SELECT 1 FROM state WHERE key = 'lifecycle')"
	           " AND updated_ms <"
	           " strftime('%s', 'now') * 1000 - 86400000 AND NOT EXISTS"
	           " (SELECT 1 FROM outbox o WHERE o.request_id ="
	           " jobs.request_id AND o.acked_ms IS NULL)",
	           NULL, NULL, NULL) == SQLITE_OK
	    ? 0
	    : -1;
}

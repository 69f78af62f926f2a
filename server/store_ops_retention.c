/* Retention's SQL calls (the rules: schema/functions/retention_*.sql). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db.h"
#include "retention.h"
#include "store_ops.h"
#include "store_num.h"
#include "store_result.h"
#include "xmalloc.h"

/*
 * The retention periods as $1..$4 (caller days, fix months, batch days,
 * upload hours), the order every retention_* function takes them in.
 * The text lives in a[], which the caller keeps beside v.
 */
static void
store_ops_retention_params(
    const struct retention_params *p, struct store_num a[4], const char *v[4])
{
	v[0] = store_num_ll(&a[0], p->caller_days);
	v[1] = store_num_ll(&a[1], p->fix_months);
	v[2] = store_num_ll(&a[2], p->batch_days);
	v[3] = store_num_ll(&a[3], p->upload_hours);
}

void
store_ops_purge_q(struct db *db, const struct retention_params *p,
    const char *actor, int force, db_cb cb, void *arg)
{
	struct store_num a[4];
	const char *v[6];

	store_ops_retention_params(p, a, v);
	v[4] = actor;
	v[5] = force ? "t" : "f";
	db_query(db,
	    "SELECT retention_purge($1::int, $2::int, $3::int, $4::int, $5,"
	    " $6::boolean)::text",
	    6, v, cb, arg);
}

int
store_ops_purge(struct db *db, const struct retention_params *p,
    const char *actor, int force, char **result, char **cause)
{
	struct db_wait w = {0};
	PGresult *res;

	store_ops_purge_q(db, p, actor, force, db_wait_cb, &w);
	if (db_wait(db, &w, &res, cause) != 0)
		return -1;
	*result = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int
store_ops_retention_status(struct db *db, const struct retention_params *p,
    PGresult **kinds, PGresult **partitions, PGresult **last, char **cause)
{
	struct store_num a[4];
	const char *v[4];

	store_ops_retention_params(p, a, v);
	*kinds = *partitions = *last = NULL;
	if (db_query_sync(db,
	        "SELECT kind, due_now, coalesce(to_char(next_due,"
	        " 'YYYY-MM-DD HH24:MI TZ'), '-'), kept"
	        " FROM retention_status($1::int, $2::int, $3::int, $4::int)",
	        4, v, kinds, cause) != 0 ||
	    db_query_sync(db,
	        "SELECT name, to_char(month, 'YYYY-MM'), rows,"
	        " to_char(drop_at, 'YYYY-MM-DD HH24:MI TZ'), drop_at <= now()"
	        " FROM retention_fix_partition_list($1::int) ORDER BY month",
	        1, v + 1, partitions, cause) != 0 ||
	    db_query_sync(db,
	        "SELECT to_char(finished_at, 'YYYY-MM-DD HH24:MI TZ'), actor,"
	        " removed::text FROM retention_runs ORDER BY id DESC LIMIT 1",
	        0, NULL, last, cause) != 0) {
		PQclear(*kinds);
		PQclear(*partitions);
		*kinds = *partitions = NULL;
		return -1;
	}
	return 0;
}

/* The decoders follow the column lists of store_ops_retention_status. */
static const struct store_col ops_retention_kind_cols[] = {
    STORE_COL(TEXT, struct store_retention_kind, kind),
    STORE_COL(TEXT, struct store_retention_kind, due_now),
    STORE_COL(TEXT, struct store_retention_kind, next_due),
    STORE_COL(TEXT, struct store_retention_kind, kept),
};

int
store_ops_retention_kind_row(
    const PGresult *res, int i, struct store_retention_kind *k)
{
	return store_result_decode(
	    res, i, STORE_COLS(ops_retention_kind_cols), k);
}

static const struct store_col ops_retention_partition_cols[] = {
    STORE_COL(TEXT, struct store_retention_partition, name),
    STORE_COL(TEXT, struct store_retention_partition, month),
    STORE_COL(TEXT, struct store_retention_partition, rows),
    STORE_COL(TEXT, struct store_retention_partition, drop_at),
    STORE_COL(BOOL, struct store_retention_partition, due),
};

int
store_ops_retention_partition_row(
    const PGresult *res, int i, struct store_retention_partition *p)
{
	return store_result_decode(
	    res, i, STORE_COLS(ops_retention_partition_cols), p);
}

static const struct store_col ops_retention_last_cols[] = {
    STORE_COL(TEXT, struct store_retention_run, finished_at),
    STORE_COL(TEXT, struct store_retention_run, actor),
    STORE_COL(TEXT, struct store_retention_run, removed),
};

int
store_ops_retention_last_row(const PGresult *res, struct store_retention_run *r)
{
	return store_result_one_row(res, 3) &&
	    store_result_decode(res, 0, STORE_COLS(ops_retention_last_cols), r);
}

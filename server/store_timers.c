/* SQL of the timers' leases; see store_timers.h and schema/0160. */
#include "store_num.h"
#include "store_timers.h"

void
store_timers_claim(struct db *db, const char *holder, const char *names,
    int ttl_ms, db_cb cb, void *arg)
{
	struct store_num ttl;
	const char *params[3] = {holder, names, store_num_ll(&ttl, ttl_ms)};

	db_query(db, "SELECT timer_leases_claim($1, $2::text[], $3::int)", 3,
	    params, cb, arg);
}

const char *
store_timers_claim_row(const PGresult *res, int i)
{
	if (res == NULL || i < 0 || i >= PQntuples(res) || PQnfields(res) < 1)
		return NULL;
	return PQgetvalue(res, i, 0);
}

void
store_timers_release(struct db *db, const char *holder, db_cb cb, void *arg)
{
	const char *params[1] = {holder};

	db_query(db, "SELECT timer_leases_release($1)", 1, params, cb, arg);
}

void
store_timers_notify(struct db *db, const char *channel, db_cb cb, void *arg)
{
	const char *params[1] = {channel};

	db_query_prepared(db, "SELECT pg_notify($1, '')", 1, params, cb, arg);
}

void
store_timers_announce_plan(struct db *db, const char *json, db_cb cb, void *arg)
{
	const char *params[1] = {json};

	db_query(db, "SELECT pg_notify('" STORE_PLAN_CHANNEL "', $1)", 1,
	    params, cb, arg);
}

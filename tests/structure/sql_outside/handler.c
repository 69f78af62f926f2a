/*
 * A handler that asks the database itself: structure.sql_in_store_refuses
 * runs scripts/sql_in_store.py on this directory and must fail.
 */
#include <stdlib.h>

#include <libpq-fe.h>

#include "db.h"

static void
handler_cb(struct db_result *r, void *arg)
{
	long long *n = arg;

	*n = strtoll(PQgetvalue(r->res, 0, 0), NULL, 10);
}

void
handler_count(struct db *db, long long *n)
{
	db_query(db, "SELECT count(*)"
	             " FROM requests",
	    0, NULL, handler_cb, n);
}

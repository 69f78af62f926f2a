/*
 * Reads of the outbox table for the screen (what was sent, what the
 * server refused). outbox.c opens the database and adds the items.
 */
#include <sqlite3.h>

#include "agent.h"

/* The columns store_outbox_each reads, in its order. */
#define STORE_OUTBOX_COLS                                                      \
	"coalesce(what, kind), request_id, created_ms, acked_ms, ack_status,"  \
	" ack_message, ack_request_id"

static int
store_outbox_each(struct agent *a, const char *sql, long long id,
    int (*cb)(const struct store_outbox_row *, void *), void *arg)
{
	struct store_outbox_row r;
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (id >= 0)
		sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		r.what = (const char *)sqlite3_column_text(st, 0);
		r.request_id = sqlite3_column_int64(st, 1);
		r.created_ms = sqlite3_column_int64(st, 2);
		r.acked = sqlite3_column_type(st, 3) != SQLITE_NULL;
		r.acked_ms = sqlite3_column_int64(st, 3);
		r.status = (const char *)sqlite3_column_text(st, 4);
		r.message = (const char *)sqlite3_column_text(st, 5);
		r.has_ack_request_id =
		    sqlite3_column_type(st, 6) != SQLITE_NULL;
		r.ack_request_id = sqlite3_column_int64(st, 6);
		n++;
		if (cb(&r, arg) != 0)
			break;
	}
	sqlite3_finalize(st);
	return n;
}

int
store_outbox_refused(struct agent *a,
    int (*cb)(const struct store_outbox_row *, void *), void *arg)
{
	return store_outbox_each(a,
	    "SELECT " STORE_OUTBOX_COLS " FROM outbox"
	    " WHERE ack_status IN ('conflict', 'rejected')"
	    " ORDER BY seq DESC LIMIT 10",
	    -1, cb, arg);
}

int
store_outbox_history(struct agent *a, long long id,
    int (*cb)(const struct store_outbox_row *, void *), void *arg)
{
	return store_outbox_each(a,
	    id > 0 ? "SELECT " STORE_OUTBOX_COLS " FROM outbox"
	             " WHERE request_id = ? ORDER BY seq"
	           : "SELECT " STORE_OUTBOX_COLS " FROM outbox"
	             " WHERE kind IN ('patrol', 'finding') AND ? = 0"
	             " ORDER BY seq DESC LIMIT 30",
	    id, cb, arg);
}

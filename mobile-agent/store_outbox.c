/*
 * Reads of the outbox table for the screen (what was sent, what the
 * server refused). outbox.c opens the database and adds the items.
 */
#include "store_int.h"

/* The columns store_outbox_each reads, in its order. */
#define STORE_OUTBOX_COLS                                                      \
	"coalesce(what, kind), request_id, created_ms, acked_ms, ack_status,"  \
	" ack_message, ack_request_id"

static int
store_outbox_row(sqlite3_stmt *st, void *arg)
{
	struct store_each *e = arg;
	struct store_outbox_row r;

	r.what = (const char *)sqlite3_column_text(st, 0);
	r.request_id = sqlite3_column_int64(st, 1);
	r.created_ms = sqlite3_column_int64(st, 2);
	r.acked = sqlite3_column_type(st, 3) != SQLITE_NULL;
	r.acked_ms = sqlite3_column_int64(st, 3);
	r.status = (const char *)sqlite3_column_text(st, 4);
	r.message = (const char *)sqlite3_column_text(st, 5);
	r.has_ack_request_id = sqlite3_column_type(st, 6) != SQLITE_NULL;
	r.ack_request_id = sqlite3_column_int64(st, 6);
	return e->cb.outbox(&r, e->arg);
}

/* Each row of sql (STORE_OUTBOX_COLS), with ?1 bound to id when >= 0. */
static int
store_outbox_each(struct agent *a, const char *sql, long long id,
    int (*cb)(const struct store_outbox_row *, void *), void *arg)
{
	struct store_each e = {.cb.outbox = cb, .arg = arg};

	return store_db_rows(store_db_prepare(a, sql, id >= 0 ? "I" : "", id),
	    store_outbox_row, &e);
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

int
store_outbox_batch_mark(struct agent *a, const char *batch_id, int max)
{
	if (store_db_run(a,
	        "UPDATE outbox SET batch_id = ? WHERE seq IN (SELECT seq FROM"
	        " outbox WHERE acked_ms IS NULL AND batch_id IS NULL"
	        " ORDER BY seq LIMIT ?)",
	        "ti", batch_id, max) != 0)
		return -1;
	return sqlite3_changes(a->db);
}

static int
store_outbox_item_row(sqlite3_stmt *st, void *arg)
{
	struct store_each *e = arg;
	struct store_item_row r;

	r.seq = sqlite3_column_int64(st, 0);
	r.kind = (const char *)sqlite3_column_text(st, 1);
	r.body = sqlite3_column_blob(st, 2);
	r.len = (size_t)sqlite3_column_bytes(st, 2);
	return e->cb.item(&r, e->arg);
}

int
store_outbox_batch(struct agent *a, const char *batch_id,
    int (*cb)(const struct store_item_row *, void *), void *arg)
{
	struct store_each e = {.cb.item = cb, .arg = arg};

	return store_db_rows(store_db_prepare(a,
	                         "SELECT seq, kind, body FROM outbox"
	                         " WHERE batch_id = ? AND acked_ms IS NULL"
	                         " ORDER BY seq",
	                         "t", batch_id),
	    store_outbox_item_row, &e);
}

int
store_outbox_batch_reset(struct agent *a)
{
	return sqlite3_exec(a->db,
	           "BEGIN IMMEDIATE; UPDATE outbox SET batch_id = NULL WHERE"
	           " acked_ms IS NULL; DELETE FROM state WHERE key ="
	           " 'batch_id'; COMMIT",
	           NULL, NULL, NULL) == SQLITE_OK
	    ? 0
	    : -1;
}

int
store_outbox_ack(struct agent *a, const char *batch_id,
    const struct store_ack_row *acks, size_t n)
{
	size_t i;
	int rc = 0;

	/* The body goes too: the server has it now. */
	for (i = 0; i < n && rc == 0; i++)
		rc = store_db_run(a,
		    "UPDATE outbox SET acked_ms = ?, ack_status = ?,"
		    " ack_message = ?, ack_request_id = nullif(?, 0), body = "
		    "x''"
		    " WHERE client_id = ? AND acked_ms IS NULL",
		    "IttIt", (long long)agent_now_ms(), acks[i].status,
		    acks[i].message,
		    acks[i].has_request_id ? acks[i].request_id : 0,
		    acks[i].client_id);
	if (rc != 0)
		return -1;
	/* Anything the reply did not cover goes into a later batch. */
	return store_db_run(a,
	    "UPDATE outbox SET batch_id = NULL WHERE batch_id = ?"
	    " AND acked_ms IS NULL",
	    "t", batch_id);
}

int
store_outbox_prune(struct agent *a)
{
	/* Acknowledged items are kept a week for the screen's history. */
	return sqlite3_exec(a->db,
	           "DELETE FROM outbox WHERE acked_ms < strftime('%s', 'now')"
	           " * 1000 - 7 * 86400000",
	           NULL, NULL, NULL) == SQLITE_OK
	    ? 0
	    : -1;
}

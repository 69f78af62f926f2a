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

int
store_outbox_batch_mark(struct agent *a, const char *batch_id, int max)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->db,
	        "UPDATE outbox SET batch_id = ? WHERE seq IN (SELECT seq FROM"
	        " outbox WHERE acked_ms IS NULL AND batch_id IS NULL"
	        " ORDER BY seq LIMIT ?)",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, batch_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, max);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc == 0 ? sqlite3_changes(a->db) : -1;
}

int
store_outbox_batch(struct agent *a, const char *batch_id,
    int (*cb)(const struct store_item_row *, void *), void *arg)
{
	struct store_item_row r;
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(a->db,
	        "SELECT seq, kind, body FROM outbox WHERE batch_id = ?"
	        " AND acked_ms IS NULL ORDER BY seq",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, batch_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		r.seq = sqlite3_column_int64(st, 0);
		r.kind = (const char *)sqlite3_column_text(st, 1);
		r.body = sqlite3_column_blob(st, 2);
		r.len = (size_t)sqlite3_column_bytes(st, 2);
		n++;
		if (cb(&r, arg) != 0)
			break;
	}
	sqlite3_finalize(st);
	return n;
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

static int
store_outbox_exec(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int
store_outbox_ack(struct agent *a, const char *batch_id,
    const struct store_ack_row *acks, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	/* The body goes too: the server has it now. */
	if (sqlite3_prepare_v2(a->db,
	        "UPDATE outbox SET acked_ms = ?, ack_status = ?,"
	        " ack_message = ?, ack_request_id = ?, body = x''"
	        " WHERE client_id = ? AND acked_ms IS NULL",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, agent_now_ms());
		sqlite3_bind_text(st, 2, acks[i].status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, acks[i].message, -1, SQLITE_STATIC);
		if (acks[i].has_request_id)
			sqlite3_bind_int64(st, 4, acks[i].request_id);
		sqlite3_bind_text(st, 5, acks[i].client_id, -1, SQLITE_STATIC);
		rc = store_outbox_exec(st);
	}
	sqlite3_finalize(st);
	if (rc != 0)
		return -1;
	/* Anything the reply did not cover goes into a later batch. */
	if (sqlite3_prepare_v2(a->db,
	        "UPDATE outbox SET batch_id = NULL WHERE batch_id = ?"
	        " AND acked_ms IS NULL",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, batch_id, -1, SQLITE_STATIC);
	rc = store_outbox_exec(st);
	sqlite3_finalize(st);
	return rc;
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

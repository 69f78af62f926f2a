/*
 * The photos table: the recorded photos in the state directory and how far
 * their upload went (outbox.c adds them, sync.c sends them).
 */
#include <sqlite3.h>

#include "agent.h"

/* The one number a count(*) query answers, 0 when it cannot. */
static long long
store_photos_count(struct agent *a, const char *sql)
{
	sqlite3_stmt *st;
	long long n = 0;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

long long
store_photos_pending(struct agent *a)
{
	return store_photos_count(a,
	    "SELECT count(*) FROM photos WHERE"
	    " uploaded = 0 AND failed IS NULL");
}

long long
store_photos_given_up_count(struct agent *a)
{
	return store_photos_count(
	    a, "SELECT count(*) FROM photos WHERE failed IS NOT NULL");
}

/* The columns store_photos_each reads, in its order. */
#define STORE_PHOTOS_COLS                                                      \
	"sha256, bytes, content_type, failed, coalesce(request_id, 0), what"

/* Each row of sql (STORE_PHOTOS_COLS), with ?1 bound to id when >= 0. */
static int
store_photos_each(struct agent *a, const char *sql, long long id,
    int (*cb)(const struct store_photo_row *, void *), void *arg)
{
	struct store_photo_row r;
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (id >= 0)
		sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		r.sha256 = (const char *)sqlite3_column_text(st, 0);
		r.bytes = sqlite3_column_int64(st, 1);
		r.content_type = (const char *)sqlite3_column_text(st, 2);
		r.failed = (const char *)sqlite3_column_text(st, 3);
		r.request_id = sqlite3_column_int64(st, 4);
		r.what = (const char *)sqlite3_column_text(st, 5);
		n++;
		if (cb(&r, arg) != 0)
			break;
	}
	sqlite3_finalize(st);
	return n;
}

int
store_photos_unsent(struct agent *a,
    int (*cb)(const struct store_photo_row *, void *), void *arg)
{
	return store_photos_each(a,
	    "SELECT " STORE_PHOTOS_COLS " FROM photos"
	    " WHERE uploaded = 0 AND failed IS NULL ORDER BY sha256"
	    " LIMIT 200",
	    -1, cb, arg);
}

int
store_photos_to_upload(struct agent *a,
    int (*cb)(const struct store_photo_row *, void *), void *arg)
{
	return store_photos_each(a,
	    "SELECT " STORE_PHOTOS_COLS " FROM photos WHERE announced = 1"
	    " AND uploaded = 0 AND failed IS NULL ORDER BY sha256",
	    -1, cb, arg);
}

int
store_photos_uploaded(struct agent *a,
    int (*cb)(const struct store_photo_row *, void *), void *arg)
{
	return store_photos_each(a,
	    "SELECT " STORE_PHOTOS_COLS " FROM photos WHERE uploaded = 1", -1,
	    cb, arg);
}

int
store_photos_given_up(struct agent *a, long long id,
    int (*cb)(const struct store_photo_row *, void *), void *arg)
{
	return store_photos_each(a,
	    id > 0 ? "SELECT " STORE_PHOTOS_COLS " FROM photos"
	             " WHERE failed IS NOT NULL AND request_id = ?"
	             " ORDER BY rowid"
	           : "SELECT " STORE_PHOTOS_COLS " FROM photos"
	             " WHERE failed IS NOT NULL ORDER BY rowid DESC LIMIT 10",
	    id > 0 ? id : -1, cb, arg);
}

int
store_photos_delete_uploaded(struct agent *a)
{
	return sqlite3_exec(a->db, "DELETE FROM photos WHERE uploaded = 1",
	           NULL, NULL, NULL) == SQLITE_OK
	    ? 0
	    : -1;
}

int
store_photos_announce(
    struct agent *a, const char *const *sha, const int *uploaded, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (sqlite3_prepare_v2(a->db,
	        "UPDATE photos SET announced = 1, uploaded = ? WHERE sha256 = "
	        "?",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int(st, 1, uploaded[i]);
		sqlite3_bind_text(st, 2, sha[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int
store_photos_mark(struct agent *a, const char *sha, const char *failed)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->db,
	        "UPDATE photos SET uploaded = ?, failed = ? WHERE sha256 = ?",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, failed == NULL);
	sqlite3_bind_text(st, 2, failed, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sha, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

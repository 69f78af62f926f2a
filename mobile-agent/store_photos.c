/*
 * The photos table: the recorded photos in the state directory and how far
 * their upload went (outbox.c adds them, sync.c sends them).
 */
#include "store_int.h"

long long
store_photos_pending(struct agent *a)
{
	return store_db_int(a, 0,
	    "SELECT count(*) FROM photos WHERE uploaded = 0 AND failed IS NULL",
	    "");
}

long long
store_photos_given_up_count(struct agent *a)
{
	return store_db_int(
	    a, 0, "SELECT count(*) FROM photos WHERE failed IS NOT NULL", "");
}

/* The columns store_photos_row reads, in its order. */
#define STORE_PHOTOS_COLS                                                      \
	"sha256, bytes, content_type, failed, coalesce(request_id, 0), what"

static int
store_photos_row(sqlite3_stmt *st, void *arg)
{
	struct store_each *e = arg;
	struct store_photo_row r;

	r.sha256 = (const char *)sqlite3_column_text(st, 0);
	r.bytes = sqlite3_column_int64(st, 1);
	r.content_type = (const char *)sqlite3_column_text(st, 2);
	r.failed = (const char *)sqlite3_column_text(st, 3);
	r.request_id = sqlite3_column_int64(st, 4);
	r.what = (const char *)sqlite3_column_text(st, 5);
	return e->cb.photo(&r, e->arg);
}

/* Each row of sql (STORE_PHOTOS_COLS), with ?1 bound to id when >= 0. */
static int
store_photos_each(struct agent *a, const char *sql, long long id,
    int (*cb)(const struct store_photo_row *, void *), void *arg)
{
	struct store_each e = {.cb.photo = cb, .arg = arg};

	return store_db_rows(store_db_prepare(a, sql, id >= 0 ? "I" : "", id),
	    store_photos_row, &e);
}

int
store_photos_unsent(struct agent *a,
    int (*cb)(const struct store_photo_row *, void *), void *arg)
{
	return store_photos_each(a,
	    "SELECT " STORE_PHOTOS_COLS " FROM photos WHERE uploaded = 0"
	    " AND failed IS NULL ORDER BY sha256 LIMIT 200",
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
	return store_db_run(a, "DELETE FROM photos WHERE uploaded = 1", "");
}

int
store_photos_announce(
    struct agent *a, const char *const *sha, const int *uploaded, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = store_db_run(a,
		    "UPDATE photos SET announced = 1, uploaded = ?"
		    " WHERE sha256 = ?",
		    "it", uploaded[i], sha[i]);
	return rc;
}

int
store_photos_mark(struct agent *a, const char *sha, const char *failed)
{
	return store_db_run(a,
	    "UPDATE photos SET uploaded = ?, failed = ? WHERE sha256 = ?",
	    "itt", failed == NULL, failed, sha);
}

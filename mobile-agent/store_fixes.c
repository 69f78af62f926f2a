/*
 * The fixes table: GPS fixes kept one by one until track.c cuts them into
 * pieces.
 */
#include "store_int.h"

int
store_fixes_add(struct agent *a, const struct store_fix_row *f)
{
	return store_db_run(a,
	    "INSERT OR IGNORE INTO fixes (t_ms, lat_e6, lon_e6, session)"
	    " VALUES (?, ?, ?, ?)",
	    "Iiit", (long long)f->t_ms, (int)f->lat_e6, (int)f->lon_e6,
	    f->session);
}

/* The columns store_fixes_row reads, in its order. */
#define STORE_FIXES_COLS "t_ms, lat_e6, lon_e6, session"

static void
store_fixes_row(sqlite3_stmt *st, struct store_fix_row *f)
{
	f->t_ms = sqlite3_column_int64(st, 0);
	f->lat_e6 = sqlite3_column_int(st, 1);
	f->lon_e6 = sqlite3_column_int(st, 2);
	f->session = (const char *)sqlite3_column_text(st, 3);
}

/* The newest fix, copied out: its session is not kept (NULL). */
static int
store_fixes_newest_cb(sqlite3_stmt *st, void *arg)
{
	struct store_fix_row *f = arg;

	store_fixes_row(st, f);
	f->session = NULL;
	return 1;
}

int
store_fixes_newest(struct agent *a, struct store_fix_row *f)
{
	return store_db_rows(store_db_prepare(a,
	                         "SELECT " STORE_FIXES_COLS
	                         " FROM fixes ORDER BY t_ms DESC LIMIT 1",
	                         ""),
	    store_fixes_newest_cb, f);
}

static int
store_fixes_each_cb(sqlite3_stmt *st, void *arg)
{
	struct store_each *e = arg;
	struct store_fix_row f;

	store_fixes_row(st, &f);
	return e->cb.fix(&f, e->arg);
}

int
store_fixes_oldest(struct agent *a, int max,
    int (*cb)(const struct store_fix_row *, void *), void *arg)
{
	struct store_each e = {.cb.fix = cb, .arg = arg};

	return store_db_rows(store_db_prepare(a,
	                         "SELECT " STORE_FIXES_COLS " FROM fixes"
	                         " ORDER BY t_ms LIMIT ?",
	                         "i", max),
	           store_fixes_each_cb, &e) < 0
	    ? -1
	    : 0;
}

int
store_fixes_delete(struct agent *a, int64_t from_ms, int64_t to_ms)
{
	return store_db_run(a, "DELETE FROM fixes WHERE t_ms BETWEEN ? AND ?",
	    "II", (long long)from_ms, (long long)to_ms);
}

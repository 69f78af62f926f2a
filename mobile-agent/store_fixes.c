/*
 * The fixes table: GPS fixes kept one by one until track.c cuts them into
 * pieces.
 */
#include <sqlite3.h>

#include "agent.h"

int
store_fixes_add(struct agent *a, const struct store_fix_row *f)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->db,
	        "INSERT OR IGNORE INTO fixes (t_ms, lat_e6, lon_e6, session)"
	        " VALUES (?, ?, ?, ?)",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, f->t_ms);
	sqlite3_bind_int(st, 2, f->lat_e6);
	sqlite3_bind_int(st, 3, f->lon_e6);
	if (f->session != NULL)
		sqlite3_bind_text(st, 4, f->session, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int
store_fixes_newest(struct agent *a, struct store_fix_row *f)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(a->db,
	        "SELECT t_ms, lat_e6, lon_e6 FROM fixes ORDER BY t_ms DESC"
	        " LIMIT 1",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		f->t_ms = sqlite3_column_int64(st, 0);
		f->lat_e6 = sqlite3_column_int(st, 1);
		f->lon_e6 = sqlite3_column_int(st, 2);
		f->session = NULL;
		rc = 1;
	}
	sqlite3_finalize(st);
	return rc;
}

int
store_fixes_oldest(struct agent *a, int max,
    int (*cb)(const struct store_fix_row *, void *), void *arg)
{
	struct store_fix_row f;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(a->db,
	        "SELECT t_ms, lat_e6, lon_e6, session FROM fixes"
	        " ORDER BY t_ms LIMIT ?",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, max);
	while (sqlite3_step(st) == SQLITE_ROW) {
		f.t_ms = sqlite3_column_int64(st, 0);
		f.lat_e6 = sqlite3_column_int(st, 1);
		f.lon_e6 = sqlite3_column_int(st, 2);
		f.session = (const char *)sqlite3_column_text(st, 3);
		if (cb(&f, arg) != 0)
			break;
	}
	sqlite3_finalize(st);
	return 0;
}

int
store_fixes_delete(struct agent *a, int64_t from_ms, int64_t to_ms)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->db,
	        "DELETE FROM fixes WHERE t_ms BETWEEN ? AND ?", -1, &st,
	        NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

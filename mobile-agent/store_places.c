/*
 * The places table: the towns and blocks around the crew's office that the
 * server sends with the categories (place.c decides what to keep).
 */
#include <sqlite3.h>

#include "agent.h"

int
store_places_replace(
    struct agent *a, const struct store_place_row *rows, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	if (sqlite3_exec(a->db, "DELETE FROM places", NULL, NULL, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
	        "INSERT INTO places (name, lat, lon, block) VALUES (?, ?, ?, "
	        "?)",
	        -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, rows[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 2, rows[i].lat);
		sqlite3_bind_double(st, 3, rows[i].lon);
		sqlite3_bind_int(st, 4, rows[i].block);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

char *
store_places_near(struct agent *a, double lat, double lon)
{
	sqlite3_stmt *st;
	char *name = NULL;

	if (sqlite3_prepare_v2(a->db,
	        "SELECT name FROM places WHERE"
	        " (block AND lat BETWEEN ?1 - 0.001 AND ?1 + 0.001 AND"
	        "  lon BETWEEN ?2 - 0.0012 AND ?2 + 0.0012) OR"
	        " (NOT block AND lat BETWEEN ?1 - 0.045 AND ?1 + 0.045 AND"
	        "  lon BETWEEN ?2 - 0.055 AND ?2 + 0.055)"
	        " ORDER BY NOT block, (lat - ?1) * (lat - ?1) +"
	        " (lon - ?2) * (lon - ?2) * 0.6561 LIMIT 1",
	        -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_double(st, 1, lat);
	sqlite3_bind_double(st, 2, lon);
	if (sqlite3_step(st) == SQLITE_ROW)
		name = agent_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return name;
}

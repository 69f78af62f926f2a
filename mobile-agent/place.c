/*
 * Where a finding is, in words, with no network: the server sends the
 * towns and blocks around the crew's office once a day (with the
 * categories; named as its reverse geocoding names them), kept in the
 * places table. place_near() is the nearest one, as the server's
 * addr_town_near() picks it: a block within about 100 m, else a town
 * within about 5 km.
 */
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "agent.h"

int
place_apply(struct agent *a, const Patrol__Sync__V1__SyncResponse *r)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	/* Places come with the categories; without categories, keep ours. */
	if (r->n_categories == 0)
		return 0;
	if (sqlite3_exec(a->db, "DELETE FROM places", NULL, NULL, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
	        "INSERT INTO places (name, lat, lon, block) VALUES (?, ?, ?, "
	        "?)",
	        -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < r->n_places; i++) {
		const Patrol__Sync__V1__Place *p = r->places[i];
		size_t n = strlen(p->name);

		if (n == 0 || n > 200 || !isfinite(p->lat) || !isfinite(p->lon))
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 2, p->lat);
		sqlite3_bind_double(st, 3, p->lon);
		/* A block's name ends in 番 or 番地 (addr_town_near's form). */
		sqlite3_bind_int(st, 4,
		    (n >= 3 && strcmp(p->name + n - 3, "番") == 0) ||
		        (n >= 6 && strcmp(p->name + n - 6, "番地") == 0));
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

char *
place_near(struct agent *a, double lat, double lon)
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

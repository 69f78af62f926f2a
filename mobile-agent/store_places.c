/*
 * The places table: the towns and blocks around the crew's office that the
 * server sends with the categories (place.c decides what to keep).
 */
#include "store_int.h"

int
store_places_replace(
    struct agent *a, const struct store_place_row *rows, size_t n)
{
	size_t i;
	int rc = store_db_run(a, "DELETE FROM places", "");

	for (i = 0; i < n && rc == 0; i++)
		rc = store_db_run(a,
		    "INSERT INTO places (name, lat, lon, block)"
		    " VALUES (?, ?, ?, ?)",
		    "tddi", rows[i].name, rows[i].lat, rows[i].lon,
		    rows[i].block);
	return rc;
}

char *
store_places_near(struct agent *a, double lat, double lon)
{
	return store_db_text(a,
	    "SELECT name FROM places WHERE"
	    " (block AND lat BETWEEN ?1 - 0.001 AND ?1 + 0.001 AND"
	    "  lon BETWEEN ?2 - 0.0012 AND ?2 + 0.0012) OR"
	    " (NOT block AND lat BETWEEN ?1 - 0.045 AND ?1 + 0.045 AND"
	    "  lon BETWEEN ?2 - 0.055 AND ?2 + 0.055)"
	    " ORDER BY NOT block, (lat - ?1) * (lat - ?1) +"
	    " (lon - ?2) * (lon - ?2) * 0.6561 LIMIT 1",
	    "dd", lat, lon);
}

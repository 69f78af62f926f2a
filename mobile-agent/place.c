/*
 * Where a finding is, in words, with no network: the server sends the
 * towns and blocks around the crew's office once a day (with the
 * categories; named as its reverse geocoding names them), kept in the
 * places table. place_near() is the nearest one, as the server's
 * addr_town_near() picks it: a block within about 100 m, else a town
 * within about 5 km.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

int
place_apply(struct agent *a, const Patrol__Sync__V1__SyncResponse *r)
{
	struct store_place_row *rows;
	size_t i, n = 0;
	int rc;

	/* Places come with the categories; without categories, keep ours. */
	if (r->n_categories == 0)
		return 0;
	rows = xcalloc(1, (r->n_places + 1) * sizeof *rows);
	for (i = 0; i < r->n_places; i++) {
		const Patrol__Sync__V1__Place *p = r->places[i];
		size_t len = strlen(p->name);

		if (len == 0 || len > 200 || !isfinite(p->lat) ||
		    !isfinite(p->lon))
			continue;
		rows[n].name = p->name;
		rows[n].lat = p->lat;
		rows[n].lon = p->lon;
		/* A block's name ends in 番 or 番地 (addr_town_near's form). */
		rows[n].block =
		    (len >= 3 && strcmp(p->name + len - 3, "番") == 0) ||
		    (len >= 6 && strcmp(p->name + len - 6, "番地") == 0);
		n++;
	}
	rc = store_places_replace(a, rows, n);
	free(rows);
	return rc;
}

char *
place_near(struct agent *a, double lat, double lon)
{
	return store_places_near(a, lat, lon);
}

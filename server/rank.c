#include <math.h>
#include <stdlib.h>

#include "rank.h"

static int
rank_cmp(const void *a, const void *b)
{
	const struct rank_crew *x = a, *y = b;
	long ex = lround(x->eta_minutes * 2), ey = lround(y->eta_minutes * 2);

	/*
	 * Arrival first, in half-minute steps: a smaller difference is no
	 * real difference, so the crew with fewer jobs waiting gets it, then
	 * the nearer one. (Steps, not a tolerance: qsort needs a transitive
	 * order.)
	 */
	if (ex != ey)
		return ex < ey ? -1 : 1;
	if (x->queue != y->queue)
		return x->queue < y->queue ? -1 : 1;
	if (x->distance_m != y->distance_m)
		return x->distance_m < y->distance_m ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void
rank_crews(double easting, double northing, struct rank_crew *c, size_t n,
    const struct rank_params *p)
{
	double metres_per_minute = p->speed_kmh * 1000.0 / 60.0;
	size_t i;

	for (i = 0; i < n; i++) {
		c[i].distance_m =
		    hypot(c[i].easting - easting, c[i].northing - northing);
		c[i].travel_minutes =
		    c[i].distance_m * p->detour / metres_per_minute;
		c[i].eta_minutes = c[i].busy_minutes + c[i].travel_minutes;
	}
	qsort(c, n, sizeof *c, rank_cmp);
}

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rank.h"
#include "xmalloc.h"

/*
 * One sort key per crew, packed so that comparing keys is comparing
 * integers: arrival in half-minute steps (a smaller difference is no real
 * difference), then the number of jobs waiting, then whole metres of
 * distance; the id breaks what is left. Sorting these small keys instead
 * of the crews keeps 5,000 crews well under a millisecond.
 */
struct rank_key {
	uint64_t key;
	long long id;
	size_t i;
};

static int
rank_cmp(const void *a, const void *b)
{
	const struct rank_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static uint64_t
rank_pack(const struct rank_crew *c)
{
	double eta = c->eta_minutes * 2, dist = c->distance_m;
	uint64_t e, q, d;

	/* 22 bits of half-minutes (~24 days), 8 of queue, 34 of metres. */
	e = eta < 0 ? 0 : eta > 4194303 ? 4194303 : (uint64_t)lround(eta);
	q = c->queue < 0 ? 0 : c->queue > 255 ? 255 : (uint64_t)c->queue;
	d = dist > 17179869183.0 ? 17179869183u : (uint64_t)dist;
	return e << 42 | q << 34 | d;
}

void
rank_crews(double easting, double northing, struct rank_crew *c, size_t n,
    const struct rank_params *p)
{
	double metres_per_minute = p->speed_kmh * 1000.0 / 60.0;
	struct rank_key *k;
	struct rank_crew *sorted;
	size_t i;

	if (n == 0)
		return;
	k = xreallocarray(NULL, n, sizeof *k);
	for (i = 0; i < n; i++) {
		c[i].distance_m =
		    hypot(c[i].easting - easting, c[i].northing - northing);
		c[i].travel_minutes =
		    c[i].distance_m * p->detour / metres_per_minute;
		c[i].eta_minutes = c[i].busy_minutes + c[i].travel_minutes;
		k[i].key = rank_pack(&c[i]);
		k[i].id = c[i].id;
		k[i].i = i;
	}
	qsort(k, n, sizeof *k, rank_cmp);
	sorted = xreallocarray(NULL, n, sizeof *sorted);
	for (i = 0; i < n; i++)
		sorted[i] = c[k[i].i];
	memcpy(c, sorted, n * sizeof *c);
	free(sorted);
	free(k);
}

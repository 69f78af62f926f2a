/*
 * The town index's private parts, shared by addr_index.c (building it),
 * addr_search.c (queries) and addr_reverse.c (the place at a point).
 */
#ifndef PATROL_ADDR_INDEX_INT_H
#define PATROL_ADDR_INDEX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define ADDR_KEY_MAX   120  /* bytes of a city or town key tried */
#define ADDR_FUZZY_MAX 40   /* code points of text compared fuzzily */
#define ADDR_BLOCK_ACC 50.0 /* metres: a block's extent around its point */
#define ADDR_TOWN_MIN  150.0
#define ADDR_TOWN_MAX  3000.0
#define ADDR_GRID      0.01 /* degrees: cells for neighbour search */

struct town {
	char *pref, *city, *city_code, *town, *koaza;
	char *key, *label;
	uint32_t *kcp; /* key as code points, for fuzzy matching */
	size_t kn;
	double lat, lon, acc;
	size_t city_i;
	size_t block_first, block_n;
};

struct city {
	char *pref, *city, *code;
	size_t first, n; /* its towns in addr_index.bycity */
};

struct key {
	const char *key;
	size_t id;
	int kind; /* cities: 0 full name, 1 ward alone, 2 city alone */
};

struct block {
	char *pref, *city, *tkey; /* until built: the town it belongs to */
	size_t town;
	char *block; /* normal form of the number */
	double lat, lon;
	int jukyo;
};

struct addr_index {
	struct town *t;
	size_t nt, capt;
	struct city *c;
	size_t nc, capc;
	size_t *bycity; /* town indexes grouped by city */
	struct key *tk, *ck;
	size_t ntk, nck, capck;
	struct block *b;
	size_t nb, capb;
	size_t orphans;
	int built;
};

/* addr_index.c */
/* Code points of a (valid) UTF-8 string (*n of them; caller frees). */
uint32_t *addr_cps(const char *s, size_t *n);

#endif

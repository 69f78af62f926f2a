/*
 * SQL for addresses and place search: the import (one call of the SQL
 * function addr_import), reading the towns and blocks into patrold's
 * index, and the search of named places that are not addresses.
 */
#ifndef PATROL_STORE_ADDRESSES_H
#define PATROL_STORE_ADDRESSES_H

#include "addr.h"
#include "db.h"

#define STORE_ADDRESSES_CHANNEL "addresses_changed"

/* One text column: the import's counts as JSON (see schema 0030). */
void store_addr_import(struct db *, const char *source, const char *format,
    const char *towns_json, const char *blocks_json, const char *actor, db_cb,
    void *);
/* Rows: pref, city, city_code, town, koaza, lat, lon. */
void store_addr_towns_load(struct db *, db_cb, void *);
/* Rows: pref, city, town, block, jukyo (t/f), lat, lon. */
void store_addr_blocks_load(struct db *, db_cb, void *);
/*
 * Row i of store_addr_towns_load / store_addr_blocks_load: 1 with the row
 * (its strings live as long as the result), 0 past the last row.
 */
int store_addr_town_row(const PGresult *, int i, struct addr_town_row *);
int store_addr_block_row(const PGresult *, int i, struct addr_block_row *);

struct store_place_query {
	const char *q;     /* the text as typed */
	long long case_id; /* a request number in the text, or 0 */
	int has_near;
	double lat, lon;
	int limit;
};

/*
 * One text column: a JSON array of candidates of kind office, network or
 * case (same fields as GET /api/v1/geocode), best first. Cases are past
 * requests whose point staff confirmed (done, or placed by hand).
 */
void store_places_search(
    struct db *, const struct store_place_query *, db_cb, void *);

#endif

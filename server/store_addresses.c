/*
 * SQL for addresses and named places (see store_addresses.h). Every
 * statement is parameterised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_addresses.h"
#include "store_num.h"
#include "store_result.h"

void
store_addr_import(struct db *db, const char *source, const char *format,
    const char *towns_json, const char *blocks_json, const char *actor,
    db_cb cb, void *arg)
{
	const char *p[] = {source, format, towns_json, blocks_json, actor};

	db_query(db,
	    "SELECT addr_import($1, $2, $3::jsonb, $4::jsonb, $5)::text", 5, p,
	    cb, arg);
}

void
store_addr_towns_load(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT pref, city, city_code, town, koaza, lat, lon FROM "
	    "addr_towns ORDER BY pref, city, id",
	    0, NULL, cb, arg);
}

void
store_addr_blocks_load(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT pref, city, town, block, jukyo, lat, lon FROM addr_blocks",
	    0, NULL, cb, arg);
}

/*
 * Offices and network names by trigram similarity (or containing the
 * text); a named line stands at its piece nearest to near (else its
 * first), with an accuracy of half its length: a river is long. Cases
 * by number, or by the address text staff confirmed.
 */
void
store_places_search(
    struct db *db, const struct store_place_query *pq, db_cb cb, void *arg)
{
	struct store_num id, lat, lon, lim;
	const char *p[] = {pq->q, store_num_ll(&id, pq->case_id),
	    pq->has_near ? store_num_fixed(&lat, 7, pq->lat) : NULL,
	    pq->has_near ? store_num_fixed(&lon, 7, pq->lon) : NULL,
	    store_num_ll(&lim, pq->limit)};

	db_query(db,
	    "WITH o AS ("
	    " SELECT 'office' AS kind, o.name_ja AS label, o.lat, o.lon,"
	    "  o.ward_codes[1] AS ward_code, 30.0 AS acc,"
	    "  greatest(similarity(o.name_ja, $1),"
	    "   CASE WHEN strpos(o.name_ja, $1) > 0 THEN 0.9 ELSE 0 END) AS s,"
	    "  NULL::bigint AS request_id"
	    " FROM offices o WHERE o.name_ja % $1 OR strpos(o.name_ja, $1) > "
	    "0),"
	    " nn AS ("
	    " SELECT n.name, n.kind, n.ward_code, n.lonlat, n.length_m,"
	    "  sum(n.length_m) OVER (PARTITION BY n.name) AS total,"
	    "  row_number() OVER (PARTITION BY n.name ORDER BY"
	    "   CASE WHEN $3::float8 IS NULL THEN n.id::float8 ELSE"
	    "   ((n.lonlat->0->>1)::float8 - $3::float8) ^ 2 +"
	    "   (((n.lonlat->0->>0)::float8 - $4::float8) * 0.81) ^ 2 END) AS "
	    "k,"
	    "  greatest(similarity(n.name, $1), CASE WHEN strpos($1, n.name) >"
	    "   0 OR strpos(n.name, $1) > 0 THEN 0.8 ELSE 0 END) AS s"
	    " FROM network_pieces n WHERE n.name IS NOT NULL AND"
	    "  (n.name % $1 OR strpos($1, n.name) > 0 OR strpos(n.name, $1) >"
	    "  0)),"
	    " nw AS ("
	    " SELECT 'network' AS kind, name AS label,"
	    "  (lonlat->(jsonb_array_length(lonlat) / 2)->>1)::float8 AS lat,"
	    "  (lonlat->(jsonb_array_length(lonlat) / 2)->>0)::float8 AS lon,"
	    "  ward_code, CASE WHEN $3::float8 IS NULL THEN"
	    "   round((total / 2)::numeric, -1)::float8 ELSE"
	    "   round(greatest(length_m, 50)::numeric, -1)::float8 END AS acc,"
	    "  s, NULL::bigint AS request_id FROM nn WHERE k = 1),"
	    " c AS ("
	    " SELECT 'case' AS kind, '#' || r.id || ' ' || coalesce(r.address,"
	    "  '') AS label, r.lat, r.lon, r.ward_code, 20.0 AS acc,"
	    "  CASE WHEN r.id = $2::bigint THEN 1.0 ELSE"
	    "  greatest(similarity(r.address, $1), CASE WHEN strpos(r.address,"
	    "   $1) > 0 THEN 0.7 ELSE 0 END) END AS s, r.id AS request_id"
	    " FROM requests r WHERE (r.id = $2::bigint OR (r.address IS NOT"
	    "  NULL AND (r.address % $1 OR strpos(r.address, $1) > 0)))"
	    "  AND (r.state = 'done' OR r.location_level = 'pin'"
	    "   OR r.id = $2::bigint)"
	    " ORDER BY s DESC, r.id DESC LIMIT $5::int),"
	    " a AS (SELECT * FROM o UNION ALL SELECT * FROM nw"
	    "  UNION ALL SELECT * FROM c)"
	    " SELECT coalesce(jsonb_agg(jsonb_build_object('kind', kind,"
	    "  'label', label, 'lat', lat, 'lon', lon, 'ward_code', ward_code,"
	    "  'accuracy_m', acc, 'similarity', round(s::numeric, 3),"
	    "  'request_id', request_id) ORDER BY s DESC), '[]')::text"
	    " FROM (SELECT * FROM a WHERE s >= 0.3 ORDER BY s DESC"
	    "  LIMIT $5::int) t",
	    5, p, cb, arg);
}

static const struct store_col addr_town_cols[] = {
    STORE_COL(TEXT, struct addr_town_row, pref),
    STORE_COL(TEXT, struct addr_town_row, city),
    STORE_COL(CELL, struct addr_town_row, city_code),
    STORE_COL(TEXT, struct addr_town_row, town),
    STORE_COL(TEXT, struct addr_town_row, koaza),
    STORE_COL(F8, struct addr_town_row, lat),
    STORE_COL(F8, struct addr_town_row, lon),
};

int
store_addr_town_row(const PGresult *res, int i, struct addr_town_row *t)
{
	return store_result_decode(res, i, STORE_COLS(addr_town_cols), t);
}

static const struct store_col addr_block_cols[] = {
    STORE_COL(TEXT, struct addr_block_row, pref),
    STORE_COL(TEXT, struct addr_block_row, city),
    STORE_COL(TEXT, struct addr_block_row, town),
    STORE_COL(TEXT, struct addr_block_row, block),
    STORE_COL(BOOL, struct addr_block_row, jukyo),
    STORE_COL(F8, struct addr_block_row, lat),
    STORE_COL(F8, struct addr_block_row, lon),
};

int
store_addr_block_row(const PGresult *res, int i, struct addr_block_row *b)
{
	return store_result_decode(res, i, STORE_COLS(addr_block_cols), b);
}

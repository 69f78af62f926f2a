/*
 * The wards table. The set travels between C and SQL as one GeoJSON
 * FeatureCollection (wards_to_geojson / wards_parse_geojson), so a single
 * parameter carries an import and a single value brings a load back, and
 * stored rows are checked by the same parser as imported files.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store_result.h"
#include "store_wards.h"
#include "wards.h"
#include "xmalloc.h"

/* Count first: an empty table is a valid state, not an empty file. */
#define STORE_WARDS_LOAD_SQL                                                   \
	"SELECT count(*), jsonb_build_object("                                 \
	" 'type', 'FeatureCollection',"                                        \
	" 'features', coalesce(jsonb_agg(jsonb_build_object("                  \
	"  'type', 'Feature',"                                                 \
	"  'properties', jsonb_build_object('code', code, 'name', name),"      \
	"  'geometry', geometry) ORDER BY code), '[]'::jsonb))::text"          \
	" FROM wards"

/*
 * One statement: the table ends up holding exactly the file's wards, and
 * the notification goes out when (and only if) that commits. The main
 * SELECT names every CTE, so none is skipped.
 */
#define STORE_WARDS_REPLACE_SQL                                                \
	"WITH input AS ("                                                      \
	" SELECT f->'properties'->>'code' AS code,"                            \
	"  f->'properties'->>'name' AS name,"                                  \
	"  f->'geometry' AS geometry,"                                         \
	"  (f->'bbox'->>0)::double precision AS lon_min,"                      \
	"  (f->'bbox'->>1)::double precision AS lat_min,"                      \
	"  (f->'bbox'->>2)::double precision AS lon_max,"                      \
	"  (f->'bbox'->>3)::double precision AS lat_max"                       \
	" FROM jsonb_array_elements($1::jsonb->'features') AS f),"             \
	" deleted AS ("                                                        \
	" DELETE FROM wards WHERE code NOT IN (SELECT code FROM input)"        \
	" RETURNING code),"                                                    \
	" written AS ("                                                        \
	" INSERT INTO wards (code, name, geometry,"                            \
	"  lon_min, lat_min, lon_max, lat_max)"                                \
	" SELECT code, name, geometry, lon_min, lat_min, lon_max, lat_max"     \
	"  FROM input"                                                         \
	" ON CONFLICT (code) DO UPDATE SET name = excluded.name,"              \
	"  geometry = excluded.geometry,"                                      \
	"  lon_min = excluded.lon_min, lat_min = excluded.lat_min,"            \
	"  lon_max = excluded.lon_max, lat_max = excluded.lat_max,"            \
	"  imported_at = now()"                                                \
	" RETURNING code)"                                                     \
	" SELECT (SELECT count(*) FROM written),"                              \
	" (SELECT count(*) FROM deleted),"                                     \
	" pg_notify('" STORE_WARDS_CHANNEL "', '')"

struct store_wards_load {
	store_wards_cb cb;
	void *arg;
};

static int
store_wards_decode(PGresult *res, struct ward_set **set, char **cause)
{
	char *why;

	if (PQntuples(res) != 1 || PQnfields(res) != 2) {
		*cause = xstrdup("wards query gave an unexpected result");
		return -1;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		*set = wards_new();
		return 0;
	}
	*set = wards_parse_geojson(PQgetvalue(res, 0, 1),
	    (size_t)PQgetlength(res, 0, 1), "name", "code", &why);
	if (*set == NULL) {
		*cause = xasprintf("stored wards are invalid: %s", why);
		free(why);
		return -1;
	}
	return 0;
}

static void
store_wards_load_cb(struct db_result *r, void *arg)
{
	struct store_wards_load *l = arg;
	struct ward_set *set;
	char *cause;

	if (r->status != DB_OK)
		l->cb(
		    NULL, r->error != NULL ? r->error : "query failed", l->arg);
	else if (store_wards_decode(r->res, &set, &cause) != 0) {
		l->cb(NULL, cause, l->arg);
		free(cause);
	} else
		l->cb(set, NULL, l->arg);
	free(l);
}

void
store_wards_load(struct db *db, store_wards_cb cb, void *arg)
{
	struct store_wards_load *l = xcalloc(1, sizeof *l);

	l->cb = cb;
	l->arg = arg;
	db_query(db, STORE_WARDS_LOAD_SQL, 0, NULL, store_wards_load_cb, l);
}

int
store_wards_load_sync(struct db *db, struct ward_set **set, char **cause)
{
	PGresult *res;
	int rc;

	if (db_query_sync(db, STORE_WARDS_LOAD_SQL, 0, NULL, &res, cause) != 0)
		return -1;
	rc = store_wards_decode(res, set, cause);
	PQclear(res);
	return rc;
}

int
store_wards_replace(struct db *db, const struct ward_set *set, size_t *written,
    size_t *deleted, char **cause)
{
	const char *params[1];
	PGresult *res;
	char *doc;
	int rc;

	doc = wards_to_geojson(set);
	params[0] = doc;
	rc = db_query_sync(db, STORE_WARDS_REPLACE_SQL, 1, params, &res, cause);
	free(doc);
	if (rc != 0)
		return -1;
	*written = strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	*deleted = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

void
store_wards_unknown(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT id, lon, lat FROM requests WHERE ward_code IS NULL AND"
	    " lon IS NOT NULL AND lat IS NOT NULL ORDER BY id DESC LIMIT 5000",
	    0, NULL, cb, arg);
}

/* The columns of store_wards_unknown: id, lon, lat. */
static const struct store_col wards_unknown_cols[] = {
    STORE_COL(LL, struct store_unplaced, id),
    STORE_COL(F8, struct store_unplaced, lon),
    STORE_COL(F8, struct store_unplaced, lat),
};

int
store_wards_unknown_row(const PGresult *res, int i, struct store_unplaced *u)
{
	return store_result_decode(res, i, STORE_COLS(wards_unknown_cols), u);
}

void
store_wards_fill(struct db *db, const char *json, db_cb cb, void *arg)
{
	const char *p[] = {json};

	db_query(db,
	    "WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id"
	    " bigint, ward text)),"
	    " u AS (UPDATE requests r SET ward_code = x.ward FROM x WHERE"
	    " r.id = x.id AND r.ward_code IS NULL RETURNING r.id, r.ward_code)"
	    " SELECT count(request_event_append(u.id, 'patrold', 'ward_filled',"
	    " NULL, NULL, NULL, NULL, NULL, jsonb_build_object('ward_code',"
	    " u.ward_code))) FROM u",
	    1, p, cb, arg);
}

/*
 * SQL for the patrol network, patrols, tracks and inspections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store_network.h"
#include "store_num.h"
#include "store_result.h"
#include "store_sql.h"
#include "xmalloc.h"

void
store_intervals_load(struct db *db, db_cb cb, void *arg)
{
	db_query(db, "SELECT kind, class, days FROM patrol_intervals", 0, NULL,
	    cb, arg);
}

void
store_network_put(
    struct db *db, const struct store_network_import *im, db_cb cb, void *arg)
{
	struct store_num n[6];
	const char *p[] = {im->kind, im->source, im->pieces_json, im->crs,
	    im->actor, store_num_ll(&n[0], im->features),
	    store_num_ll(&n[1], im->used), store_num_ll(&n[2], im->skipped),
	    store_num_ll(&n[3], im->partial),
	    store_num_ll(&n[4], im->missing_nodes),
	    store_num_ll(&n[5], im->outside_area), im->credit};

	/*
	 * Pieces keep their ids (and history) across re-imports of the same
	 * source; pieces the new file no longer has go, with their history.
	 */
	db_query(db,
	    "WITH x AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(ref"
	    " text, seq int, class text, name text, ward_code text,"
	    " interval_days int, length_m float8, lonlat jsonb, plane"
	    " float8[])),"
	    " up AS (INSERT INTO network_pieces (kind, source, ref, seq, class,"
	    " name, ward_code, interval_days, length_m, lonlat, plane, crs,"
	    " credit) SELECT $1, $2, ref, seq, class, name, ward_code,"
	    " interval_days, length_m, lonlat, plane, $4, $12 FROM x"
	    " ON CONFLICT (kind, source, ref, seq) DO UPDATE SET"
	    " class = EXCLUDED.class, name = EXCLUDED.name, ward_code ="
	    " EXCLUDED.ward_code, interval_days = EXCLUDED.interval_days,"
	    " length_m = EXCLUDED.length_m, lonlat = EXCLUDED.lonlat,"
	    " plane = EXCLUDED.plane, crs = EXCLUDED.crs, credit ="
	    " EXCLUDED.credit, imported_at = now()"
	    " RETURNING id, length_m),"
	    " gone AS (DELETE FROM network_pieces n WHERE n.kind = $1 AND"
	    " n.source = $2 AND NOT EXISTS (SELECT 1 FROM x WHERE x.ref ="
	    " n.ref AND x.seq = n.seq) RETURNING 1),"
	    " log AS (INSERT INTO network_imports (kind, source, features,"
	    " used, skipped, partial, missing_nodes, outside_area, pieces, km,"
	    " imported_by) SELECT $1, $2, $6::int, $7::int, $8::int, $9::int,"
	    " $10::int, $11::int, count(*), coalesce(sum(length_m), 0) / 1000,"
	    " $5 FROM up RETURNING pieces, km)"
	    " SELECT log.pieces, log.km, (SELECT count(*) FROM gone),"
	    " pg_notify('" STORE_NETWORK_CHANNEL "', $1) FROM log",
	    12, p, cb, arg);
}

void
store_roads_version(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT coalesce(max(id), 0) FROM network_imports"
	    " WHERE kind = 'road'",
	    0, NULL, cb, arg);
}

void
store_roads_load(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT (SELECT coalesce(max(id), 0) FROM network_imports"
	    " WHERE kind = 'road'), plane::text FROM network_pieces"
	    " WHERE kind = 'road' ORDER BY id",
	    0, NULL, cb, arg);
}

long long
store_roads_import_row(PGresult *res)
{
	return PQntuples(res) > 0 ? store_result_cell_ll(res, 0, 0) : 0;
}

const char *
store_roads_plane_row(PGresult *res, int i)
{
	return i < PQntuples(res) && PQnfields(res) == 2 ? PQgetvalue(res, i, 1)
	                                                 : NULL;
}

void
store_pieces_load(struct db *db, db_cb cb, void *arg)
{
	db_query(db, "SELECT id, plane::text FROM network_pieces ORDER BY id",
	    0, NULL, cb, arg);
}

int
store_pieces_row(const PGresult *res, int i, long long *id, const char **plane)
{
	if (!store_result_has_row(res, i, 2))
		return 0;
	*id = store_result_cell_ll(res, i, 0);
	*plane = PQgetvalue(res, i, 1);
	return 1;
}

void
store_track_load(struct db *db, const char *week, db_cb cb, void *arg)
{
	const char *p[] = {week};

	/*
	 * The week (Monday 00:00 local) of both kinds of track: patrols
	 * recorded or replayed here (projected when stored), and the fixes
	 * the handhelds sync (projected by the caller: easting NULL). A
	 * handheld's fixes outside a patrol session are its drives; each
	 * crew's drives count as one track, keyed below every session id.
	 */
	db_query(db,
	    "WITH w AS (SELECT to_date($1, 'IYYY-\"W\"IW')::timestamptz AS s)"
	    " SELECT t.patrol_id, extract(epoch FROM t.at),"
	    " t.easting, t.northing, t.lon, t.lat FROM track_points t, w"
	    " WHERE t.at >= w.s AND t.at < w.s + interval '7 days'"
	    " UNION ALL"
	    " SELECT CASE WHEN f.session_id IS NOT NULL"
	    "  THEN -1000000000 - f.session_id ELSE -f.crew_id END,"
	    " extract(epoch FROM f.at), NULL, NULL, f.lon, f.lat"
	    " FROM track_fixes f, w"
	    " WHERE f.at >= w.s AND f.at < w.s + interval '7 days'",
	    1, p, cb, arg);
}

/* (track key, epoch, easting, northing, lon, lat) */
static const struct store_col track_cols[] = {
    STORE_COL(LL, struct store_track_fix, track),
    STORE_COL(F8, struct store_track_fix, at),
    STORE_COL(F8, struct store_track_fix, e),
    STORE_COL(F8, struct store_track_fix, n),
    STORE_COL(F8, struct store_track_fix, lon),
    STORE_COL(F8, struct store_track_fix, lat),
};

int
store_track_row(const PGresult *res, int i, struct store_track_fix *f)
{
	if (!store_result_decode(res, i, STORE_COLS(track_cols), f))
		return 0;
	f->projected = !PQgetisnull(res, i, 2);
	return 1;
}

void
store_inspections_put(struct db *db, const char *week, double distance_m,
    const char *json, db_cb cb, void *arg)
{
	struct store_num d;
	const char *p[] = {week, store_num_f8(&d, distance_m), json};

	/*
	 * The week's measurements, all of them: they replace what an earlier
	 * run of the same week measured (perhaps with other parameters).
	 */
	db_query(db,
	    "WITH x AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS"
	    " x(piece bigint, track bigint, at float8, share float8)),"
	    " gone AS (DELETE FROM piece_inspections i WHERE i.week = $1 AND"
	    " NOT EXISTS (SELECT 1 FROM x WHERE x.piece = i.piece_id AND"
	    " x.track = i.track) RETURNING 1)"
	    " INSERT INTO piece_inspections (piece_id, track, week,"
	    " inspected_at, share, distance_m) SELECT piece, track, $1,"
	    " to_timestamp(at), share, $2::float8 FROM x"
	    " ON CONFLICT (piece_id, track, week) DO UPDATE SET inspected_at ="
	    " EXCLUDED.inspected_at, share = EXCLUDED.share, distance_m ="
	    " EXCLUDED.distance_m",
	    3, p, cb, arg);
}

void
store_week_status(struct db *db, const char *week, const char *ward,
    double share, db_cb cb, void *arg)
{
	struct store_num sh;
	const char *p[] = {week, ward, store_num_f8(&sh, share)};

	/*
	 * A measurement is an inspection when its share meets the rule in
	 * force ($3), whatever rule was in force when it was measured. A
	 * piece is due this week when its last inspection before the week
	 * (or none) plus its interval falls before the week's end.
	 */
	db_query(db,
	    "WITH w AS (SELECT to_date($1, 'IYYY-\"W\"IW')::timestamptz AS s),"
	    " x AS (SELECT p.*, (SELECT max(i.inspected_at) FROM"
	    "  piece_inspections i, w WHERE i.piece_id = p.id AND"
	    "  i.inspected_at < w.s AND i.share >= $3::float8) AS before,"
	    "  (SELECT max(i.inspected_at) FROM piece_inspections i, w WHERE"
	    "  i.piece_id = p.id AND i.inspected_at >= w.s AND i.inspected_at"
	    "  < w.s + interval '7 days' AND i.share >= $3::float8) AS during,"
	    "  (SELECT max(i.share) FROM piece_inspections i, w WHERE"
	    "  i.piece_id = p.id AND i.inspected_at >= w.s AND i.inspected_at"
	    "  < w.s + interval '7 days') AS best FROM network_pieces p"
	    "  WHERE $2::text IS NULL OR p.ward_code = $2)"
	    " SELECT x.id, x.kind, x.class, x.name, x.ward_code, x.length_m,"
	    " x.interval_days, x.lonlat::text,"
	    " CASE WHEN x.during IS NOT NULL THEN 'inspected'"
	    "  WHEN coalesce(x.before + x.interval_days * interval '1 day',"
	    "  '-infinity') < w.s + interval '7 days' THEN 'overdue'"
	    "  ELSE 'not_due' END,"
	    " coalesce(x.before + x.interval_days * interval '1 day',"
	    "  '-infinity') < w.s + interval '7 days',"
	    " to_char(coalesce(x.during, x.before), " STORE_SQL_W3C "),"
	    " to_char(x.before + x.interval_days * interval '1 day',"
	    " " STORE_SQL_W3C "),"
	    " to_char(w.s, " STORE_SQL_W3C "),"
	    " to_char(w.s + interval '7 days', " STORE_SQL_W3C "),"
	    " coalesce(x.best, 0), x.credit"
	    " FROM x, w ORDER BY x.id",
	    3, p, cb, arg);
}

/* The columns of store_week_status's SELECT, in order. */
static const struct store_col week_status_cols[] = {
    STORE_COL(LL, struct store_week_piece, id),
    STORE_COL(TEXT, struct store_week_piece, kind),
    STORE_COL(TEXT, struct store_week_piece, klass),
    STORE_COL(CELL, struct store_week_piece, name),
    STORE_COL(CELL, struct store_week_piece, ward_code),
    STORE_COL(F8, struct store_week_piece, length_m),
    STORE_COL(INT, struct store_week_piece, interval_days),
    STORE_COL(TEXT, struct store_week_piece, lonlat),
    STORE_COL(TEXT, struct store_week_piece, state),
    STORE_COL(BOOL, struct store_week_piece, due),
    STORE_COL(CELL, struct store_week_piece, last_inspected),
    STORE_COL(CELL, struct store_week_piece, due_at),
    STORE_COL(TEXT, struct store_week_piece, week_start),
    STORE_COL(TEXT, struct store_week_piece, week_end),
    STORE_COL(F8, struct store_week_piece, best_share),
    STORE_COL(CELL, struct store_week_piece, credit),
};

int
store_week_status_row(const PGresult *res, int i, struct store_week_piece *p)
{
	return store_result_decode(res, i, STORE_COLS(week_status_cols), p);
}

void
store_patrol_start(struct db *db, long long crew, const char *kind,
    const char *actor, db_cb cb, void *arg)
{
	struct store_num c;
	const char *p[] = {store_num_ll(&c, crew), kind, actor};

	db_query(db,
	    "INSERT INTO patrols (crew_id, kind, started_by) SELECT id, $2, $3"
	    " FROM crews WHERE id = $1::bigint RETURNING id",
	    3, p, cb, arg);
}

void
store_patrol_stop(struct db *db, long long id, db_cb cb, void *arg)
{
	store_num_query_ll(db,
	    "UPDATE patrols SET ended_at = coalesce(ended_at, now()) WHERE id ="
	    " $1::bigint RETURNING id",
	    id, cb, arg);
}

void
store_patrol_crew(struct db *db, long long id, db_cb cb, void *arg)
{
	store_num_query_ll(db,
	    "SELECT crew_id FROM patrols WHERE id = $1::bigint", id, cb, arg);
}

void
store_track_put(
    struct db *db, long long patrol, const char *json, db_cb cb, void *arg)
{
	struct store_num i;
	const char *p[] = {store_num_ll(&i, patrol), json};

	/*
	 * A fix is its patrol and its time to the millisecond. Of the fixes
	 * sent for one time, the first is stored; the others are duplicates
	 * when they say the same position (a retry) and are refused when
	 * they say another one. Answers stored, duplicates, conflicts and
	 * whether the patrol exists.
	 */
	db_query(db,
	    "WITH x AS (SELECT x.ord, 'epoch'::timestamptz + round(x.at *"
	    " 1000)::bigint * interval '1 millisecond' AS at, x.lon, x.lat,"
	    " x.e, x.n FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS"
	    " (at float8, lon float8, lat float8, e float8, n float8))"
	    " WITH ORDINALITY AS x(at, lon, lat, e, n, ord)),"
	    " f AS (SELECT DISTINCT ON (at) * FROM x ORDER BY at, ord),"
	    " ins AS (INSERT INTO track_points (patrol_id, at, lon, lat,"
	    " easting, northing) SELECT $1::bigint, at, lon, lat, e, n FROM f"
	    " WHERE EXISTS (SELECT 1 FROM patrols WHERE id = $1::bigint)"
	    " ON CONFLICT DO NOTHING RETURNING at),"
	    " s AS (SELECT (i.at IS NOT NULL AND x.ord = f.ord) AS stored,"
	    " coalesce(t.lon = x.lon AND t.lat = x.lat, f.lon = x.lon AND"
	    " f.lat = x.lat) AS same FROM x JOIN f ON f.at = x.at"
	    " LEFT JOIN ins i ON i.at = x.at LEFT JOIN track_points t ON"
	    " t.patrol_id = $1::bigint AND t.at = x.at)"
	    " SELECT count(*) FILTER (WHERE stored),"
	    " EXISTS (SELECT 1 FROM patrols WHERE id = $1::bigint),"
	    " count(*) FILTER (WHERE NOT stored AND same),"
	    " count(*) FILTER (WHERE NOT stored AND NOT same) FROM s",
	    2, p, cb, arg);
}

void
store_export_get(struct db *db, const char *week, const char *ward,
    const char *format, db_cb cb, void *arg)
{
	const char *p[] = {week, ward != NULL ? ward : "", format};

	db_query(db,
	    "SELECT encode(body, 'base64') FROM coverage_exports WHERE week ="
	    " $1 AND ward_code = $2 AND format = $3",
	    3, p, cb, arg);
}

void
store_export_put(struct db *db, const char *week, const char *ward,
    const char *format, const char *base64, db_cb cb, void *arg)
{
	const char *p[] = {week, ward != NULL ? ward : "", format, base64};

	db_query(db,
	    "INSERT INTO coverage_exports (week, ward_code, format, body)"
	    " VALUES ($1, $2, $3, decode($4, 'base64'))"
	    " ON CONFLICT (week, ward_code, format) DO NOTHING",
	    4, p, cb, arg);
}

void
store_patrol_replay(struct db *db, const char *crew_code, double start,
    double end, const char *actor, db_cb cb, void *arg)
{
	struct store_num s0, s1;
	const char *p[] = {crew_code, store_num_fixed(&s0, 3, start),
	    store_num_fixed(&s1, 3, end), actor};

	db_query(db,
	    "INSERT INTO patrols (crew_id, kind, started_at, ended_at,"
	    " started_by) SELECT id, 'patrol', to_timestamp($2::float8),"
	    " to_timestamp($3::float8), $4 FROM crews WHERE code = $1"
	    " RETURNING id",
	    4, p, cb, arg);
}

void
store_wayback_candidates(
    struct db *db, long long crew, double share, db_cb cb, void *arg)
{
	struct store_num c, sh;
	const char *p[] = {store_num_ll(&c, crew), store_num_f8(&sh, share)};

	/*
	 * Overdue now: never inspected, or last inspection (a measurement
	 * meeting the rule in force, $2) + interval past.
	 */
	db_query(db,
	    "WITH c AS (SELECT cr.lon, cr.lat, o.lon AS olon, o.lat AS olat"
	    " FROM crews cr JOIN offices o ON o.id = cr.office_id"
	    " WHERE cr.id = $1::bigint)"
	    " SELECT c.lon, c.lat, c.olon, c.olat, n.id, n.kind, n.class,"
	    " n.name, n.ward_code, n.length_m, n.plane::text, n.lonlat::text,"
	    " to_char(l.last, " STORE_SQL_W3C ")"
	    " FROM c LEFT JOIN (network_pieces n CROSS JOIN LATERAL (SELECT"
	    " max(i.inspected_at) AS last FROM piece_inspections i WHERE"
	    " i.piece_id = n.id AND i.share >= $2::float8) l) ON l.last IS"
	    " NULL OR l.last + n.interval_days * interval '1 day' < now()",
	    2, p, cb, arg);
}

/* The columns of store_wayback_candidates, in order. */
enum {
	WB_CREW_LON,
	WB_CREW_LAT,
	WB_OFFICE_LON,
	WB_OFFICE_LAT,
	WB_ID,
	WB_KIND,
	WB_CLASS,
	WB_NAME,
	WB_WARD,
	WB_LENGTH,
	WB_PLANE,
	WB_LONLAT,
	WB_LAST,
	WB_COLUMNS
};

/* Each row's first columns, and the rest: the columns not named are skipped. */
static const struct store_col wayback_from_cols[WB_COLUMNS] = {
    [WB_CREW_LON] = STORE_COL(F8, struct store_wayback_from, crew_lon),
    [WB_CREW_LAT] = STORE_COL(F8, struct store_wayback_from, crew_lat),
    [WB_OFFICE_LON] = STORE_COL(F8, struct store_wayback_from, office_lon),
    [WB_OFFICE_LAT] = STORE_COL(F8, struct store_wayback_from, office_lat),
};
static const struct store_col wayback_piece_cols[WB_COLUMNS] = {
    [WB_ID] = STORE_COL(LL, struct store_wayback_piece, id),
    [WB_KIND] = STORE_COL(TEXT, struct store_wayback_piece, kind),
    [WB_CLASS] = STORE_COL(TEXT, struct store_wayback_piece, klass),
    [WB_NAME] = STORE_COL(CELL, struct store_wayback_piece, name),
    [WB_WARD] = STORE_COL(CELL, struct store_wayback_piece, ward_code),
    [WB_LENGTH] = STORE_COL(F8, struct store_wayback_piece, length_m),
    [WB_PLANE] = STORE_COL(TEXT, struct store_wayback_piece, plane),
    [WB_LONLAT] = STORE_COL(TEXT, struct store_wayback_piece, lonlat),
    [WB_LAST] = STORE_COL(CELL, struct store_wayback_piece, last_inspected),
};

int
store_wayback_from(const PGresult *res, struct store_wayback_from *f)
{
	memset(f, 0, sizeof *f);
	if (!store_result_decode(res, 0, STORE_COLS(wayback_from_cols), f))
		return 0;
	f->has_crew = !PQgetisnull(res, 0, WB_CREW_LON);
	return 1;
}

int
store_wayback_row(const PGresult *res, int i, struct store_wayback_piece *p)
{
	if (!store_result_has_row(res, i, WB_COLUMNS))
		return 0;
	memset(p, 0, sizeof *p);
	if (PQgetisnull(res, i, WB_ID))
		return 2;
	return store_result_decode(res, i, STORE_COLS(wayback_piece_cols), p);
}

void
store_intervals_row(PGresult *res, int i, struct store_interval *v)
{
	v->kind = PQgetvalue(res, i, 0);
	v->class_ = PQgetvalue(res, i, 1);
	v->days = store_result_cell_int(res, i, 2);
}

int
store_intervals_list(
    struct db *db, struct store_interval **v, size_t *n, char **cause)
{
	struct db_wait w = {0};
	struct store_interval row;
	PGresult *res;
	int i;

	*v = NULL;
	*n = 0;
	store_intervals_load(db, db_wait_cb, &w);
	if (db_wait(db, &w, &res, cause) != 0)
		return -1;
	*v = xcalloc((size_t)PQntuples(res) + 1, sizeof **v);
	for (i = 0; i < PQntuples(res); i++) {
		store_intervals_row(res, i, &row);
		(*v)[i].kind = xstrdup(row.kind);
		(*v)[i].class_ = xstrdup(row.class_);
		(*v)[i].days = row.days;
	}
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return 0;
}

void
store_intervals_free(struct store_interval *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)v[i].kind);
		free((char *)v[i].class_);
	}
	free(v);
}

int
store_network_put_sync(struct db *db, const struct store_network_import *im,
    struct store_network_saved *out, char **cause)
{
	struct db_wait w = {0};
	PGresult *res;

	store_network_put(db, im, db_wait_cb, &w);
	if (db_wait(db, &w, &res, cause) != 0)
		return -1;
	out->saved = store_result_cell_ll(res, 0, 0);
	out->km = store_result_cell_f8(res, 0, 1);
	out->removed = store_result_cell_ll(res, 0, 2);
	PQclear(res);
	return 0;
}

int
store_patrol_replay_sync(struct db *db, const char *crew_code, double start,
    double end, const char *actor, long long *id, char **cause)
{
	struct db_wait w = {0};
	PGresult *res;
	int found;

	store_patrol_replay(db, crew_code, start, end, actor, db_wait_cb, &w);
	if (db_wait(db, &w, &res, cause) != 0)
		return -1;
	found = PQntuples(res) == 1;
	if (found)
		*id = store_result_cell_ll(res, 0, 0);
	PQclear(res);
	if (!found) {
		*cause = xasprintf("no crew %s", crew_code);
		return -1;
	}
	return 0;
}

void
store_track_counts_row(PGresult *res, struct store_track_counts *c)
{
	c->stored = store_result_cell_ll(res, 0, 0);
	c->patrol_exists = store_result_cell_bool(res, 0, 1);
	c->duplicates = store_result_cell_ll(res, 0, 2);
	c->conflicts = store_result_cell_ll(res, 0, 3);
}

int
store_track_put_sync(struct db *db, long long patrol, const char *json,
    struct store_track_counts *c, char **cause)
{
	struct db_wait w = {0};
	PGresult *res;

	store_track_put(db, patrol, json, db_wait_cb, &w);
	if (db_wait(db, &w, &res, cause) != 0)
		return -1;
	store_track_counts_row(res, c);
	PQclear(res);
	return 0;
}

void
store_export_due_q(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT to_char(now() - interval '7 days', 'IYYY-\"W\"IW'),"
	    " extract(isodow FROM now()) = 1 AND extract(hour FROM now()) >= 6"
	    " AND NOT EXISTS (SELECT 1 FROM coverage_exports WHERE week ="
	    " to_char(now() - interval '7 days', 'IYYY-\"W\"IW') AND"
	    " ward_code = '' AND format = 'png')",
	    0, NULL, cb, arg);
}

int
store_export_due_row(PGresult *res, struct store_export_due *d)
{
	if (PQntuples(res) != 1)
		return -1;
	d->week = PQgetvalue(res, 0, 0);
	d->due = store_result_cell_bool(res, 0, 1);
	return 0;
}

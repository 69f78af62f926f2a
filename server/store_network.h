/*
 * SQL for the patrol network (schema/0010): pieces, import log, patrol
 * intervals, patrols and their track points, inspections, kept exports.
 */
#ifndef PATROL_STORE_NETWORK_H
#define PATROL_STORE_NETWORK_H

#include <libpq-fe.h>

#include "compiler.h"
#include "db.h"

struct store_network_import {
	const char *kind, *source, *crs, *actor;
	/* [{ref, seq, class, name, ward_code, interval_days, length_m,
	 *   lonlat, plane}] */
	const char *pieces_json;
	const char *credit; /* "osm", "gsi", "mlit_rivers" or NULL */
	int features, used, skipped, partial, missing_nodes, outside_area;
};

/* Rows (kind, class, days); read them with store_intervals_row. */
void store_intervals_load(struct db *, db_cb, void *);
/* One patrol_intervals row; the strings point into the PGresult. */
struct store_interval {
	const char *kind;
	const char *class_; /* "*": the kind's default */
	int days;
};
void store_intervals_row(PGresult *, int i, struct store_interval *);
/*
 * patrolctl: every interval, copied (store_intervals_free frees them).
 */
int store_intervals_list(struct db *, struct store_interval **v, size_t *n,
    char **cause) PATROL_MUSTCHECK;
void store_intervals_free(struct store_interval *, size_t n);
/* One row: pieces saved, km, pieces removed. */
void store_network_put(
    struct db *, const struct store_network_import *, db_cb, void *);
struct store_network_saved {
	long long saved;   /* pieces inserted or updated */
	double km;         /* their length */
	long long removed; /* pieces the new file no longer has */
};
/* patrolctl: store_network_put, waited for and decoded. */
int store_network_put_sync(struct db *, const struct store_network_import *,
    struct store_network_saved *, char **cause) PATROL_MUSTCHECK;
/* Rows (id, plane as a text array); read them with store_pieces_row. */
void store_pieces_load(struct db *, db_cb, void *);
/*
 * Row i: 1 with *id and *plane ("{e0,n0,...}", lives as long as the
 * result), 0 past the last row.
 */
int store_pieces_row(
    const PGresult *, int i, long long *id, const char **plane);
/*
 * The road network for travel times (roads.c): rows (last road import's
 * id, plane as a text array) of every road piece; store_roads_version:
 * one row, that id alone (0: none). A network import NOTIFYs
 * STORE_NETWORK_CHANNEL with its kind.
 */
#define STORE_NETWORK_CHANNEL "patrol_network"
void store_roads_load(struct db *, db_cb, void *);
void store_roads_version(struct db *, db_cb, void *);
/* Either query's import id (0: none, or no row). */
long long store_roads_import_row(PGresult *);
/* store_roads_load's i-th piece's plane text, or NULL past the last. */
const char *store_roads_plane_row(PGresult *, int i);
/*
 * Rows (track key, epoch, easting, northing, lon, lat) of an ISO week
 * "2026-W47"; easting/northing NULL where the caller must project. Read
 * them with store_track_row.
 */
void store_track_load(struct db *, const char *week, db_cb, void *);
struct store_track_fix {
	long long track; /* a patrol id, or below 0 for handheld fixes */
	double at;       /* epoch seconds */
	int projected;   /* e, n are set; else project lon, lat */
	double e, n, lon, lat;
};
/* Row i: 1 with *f, 0 past the last row. */
int store_track_row(const PGresult *, int i, struct store_track_fix *f);
/*
 * The week's measurements [{piece, track, at (epoch s), share}] with the
 * distance they were measured at; they replace the week's earlier ones.
 */
void store_inspections_put(struct db *, const char *week, double distance_m,
    const char *json, db_cb, void *);
/*
 * Rows per piece (id, kind, class, name, ward_code, length_m,
 * interval_days, lonlat, state, due, last_inspected, due_at, week start,
 * week end, best share measured in the week, credit) for the week,
 * optionally one ward; inspected means a measurement with at least
 * `share` (0..1). Read them with store_week_status_row.
 */
void store_week_status(struct db *, const char *week, const char *ward,
    double share, db_cb, void *);
/* A row of store_week_status; strings live as long as the result. */
struct store_week_piece {
	long long id;
	const char *kind, *klass;
	const char *name, *ward_code; /* NULL when unknown */
	double length_m;
	int interval_days;
	const char *lonlat; /* JSON [[lon, lat], ...] */
	const char *state;  /* "inspected", "overdue" or "not_due" */
	int due;
	const char *last_inspected, *due_at; /* ISO times, or NULL */
	const char *week_start, *week_end;   /* ISO times */
	double best_share;
	const char *credit; /* NULL when none */
};
/* Row i: 1 with *p, 0 past the last row. */
int store_week_status_row(const PGresult *, int i, struct store_week_piece *p);
/*
 * One row (id), or none for an unknown crew: read it with
 * store_result_ll (as store_patrol_stop's).
 */
void store_patrol_start(struct db *, long long crew, const char *kind,
    const char *actor, db_cb, void *);
/* A finished patrol from a recorded trace; no row for an unknown crew. */
void store_patrol_replay(struct db *, const char *crew_code, double start,
    double end, const char *actor, db_cb, void *);
/*
 * patrolctl: store_patrol_replay, waited for; *id is the new patrol. An
 * unknown crew is refused with a cause naming it.
 */
int store_patrol_replay_sync(struct db *, const char *crew_code, double start,
    double end, const char *actor, long long *id,
    char **cause) PATROL_MUSTCHECK;
void store_patrol_stop(struct db *, long long id, db_cb, void *);
/*
 * The crew a patrol belongs to, one column (store_result_ll); no row for
 * an unknown patrol.
 */
void store_patrol_crew(struct db *, long long id, db_cb, void *);
/*
 * [{at (epoch s, ms kept), lon, lat, e, n}]; one row: stored, patrol
 * exists, duplicates (same time and position as a fix kept), conflicts
 * (same time, another position: refused).
 */
void store_track_put(
    struct db *, long long patrol, const char *json, db_cb, void *);
/* store_track_put's row. */
struct store_track_counts {
	long long stored;     /* new fixes */
	int patrol_exists;    /* 0: no such patrol, nothing stored */
	long long duplicates; /* same time and place as a fix kept */
	long long conflicts;  /* same time, other place: refused */
};
void store_track_counts_row(PGresult *, struct store_track_counts *);
/* patrolctl: store_track_put, waited for and decoded. */
int store_track_put_sync(struct db *, long long patrol, const char *json,
    struct store_track_counts *, char **cause) PATROL_MUSTCHECK;
/*
 * The weekly archive's question (archive.c): last ISO week in the
 * session's zone, and whether its archive is due (Monday 06:00 or later
 * and its PNG not kept yet). One row; read it with store_export_due_row.
 */
void store_export_due_q(struct db *, db_cb, void *);
struct store_export_due {
	const char *week; /* "2026-W49"; points into the PGresult */
	int due;
};
int store_export_due_row(PGresult *, struct store_export_due *);
/*
 * Rows (crew lon, lat, office lon, lat, then an overdue piece: id, kind,
 * class, name, ward_code, length_m, plane, lonlat, last inspected), one
 * row with NULL piece columns when nothing is overdue; no row for an
 * unknown crew. Read them with store_wayback_from and store_wayback_row.
 */
void store_wayback_candidates(
    struct db *, long long crew, double share, db_cb, void *);
struct store_wayback_from {
	int has_crew; /* the crew has a last fix: */
	double crew_lon, crew_lat;
	double office_lon, office_lat; /* 0 when the crew has no office */
};
/* 1 with *f from the first row, or 0 when the crew is unknown. */
int store_wayback_from(const PGresult *, struct store_wayback_from *f);
/* An overdue piece; strings live as long as the result. */
struct store_wayback_piece {
	long long id;
	const char *kind, *klass;
	const char *name, *ward_code; /* NULL when unknown */
	double length_m;
	const char *plane;          /* "{e0,n0,...}", projected metres */
	const char *lonlat;         /* JSON [[lon, lat], ...] */
	const char *last_inspected; /* NULL: never */
};
/*
 * Row i: 1 with *p, 2 for the row that names no piece (nothing overdue),
 * 0 past the last row.
 */
int store_wayback_row(const PGresult *, int i, struct store_wayback_piece *p);
/* One row (base64 body, store_result_text), or none. */
void store_export_get(struct db *, const char *week, const char *ward,
    const char *format, db_cb, void *);
void store_export_put(struct db *, const char *week, const char *ward,
    const char *format, const char *base64, db_cb, void *);

#endif

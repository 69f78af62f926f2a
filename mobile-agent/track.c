/*
 * The GPS track: fixes are kept one by one as they come (a crash loses at
 * most the one being written), thinned to the track interval, and cut
 * into delta-coded pieces (proto/track_codec.c) when a batch is built or
 * a patrol ends. A piece becomes an ordinary outbox item with its own
 * client id, so it reaches the server exactly once like everything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define TRACK_PIECE_MAX     3600 /* an hour at 1 Hz: about 25 kB */
#define TRACK_CLOCK_JUMP_MS (3600 * 1000LL)

int
track_record(struct agent *a, const struct gps_fix *f)
{
	long long last = outbox_get_int(a, "track_last_ms", 0);
	long long every = outbox_get_int(a, "track_interval_s", 5) * 1000;
	sqlite3_stmt *st;
	char *session, *cause;
	int rc = -1;

	/* A clock set back by an hour (a new replay, a reset) starts over. */
	if (f->t_ms < last + every && f->t_ms > last - TRACK_CLOCK_JUMP_MS)
		return 0;
	if (outbox_begin(a, &cause) != 0) {
		agent_log(a, "track: %s", cause);
		free(cause);
		return -1;
	}
	session = outbox_get(a, "patrol_session");
	if (sqlite3_prepare_v2(a->db,
	        "INSERT OR IGNORE INTO fixes (t_ms, lat_e6, lon_e6, session)"
	        " VALUES (?, ?, ?, ?)",
	        -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, f->t_ms);
	sqlite3_bind_int(st, 2, track_e6(f->lat));
	sqlite3_bind_int(st, 3, track_e6(f->lon));
	if (session != NULL)
		sqlite3_bind_text(st, 4, session, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	if (sqlite3_step(st) == SQLITE_DONE &&
	    outbox_set_int(a, "track_last_ms", f->t_ms) == 0 &&
	    outbox_commit(a, &cause) == 0)
		rc = 1;
	sqlite3_finalize(st);
out:
	if (rc != 1)
		outbox_rollback(a);
	free(session);
	return rc;
}

int
track_last(struct agent *a, int64_t max_age_ms, struct gps_fix *f)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(a->db,
	        "SELECT t_ms, lat_e6, lon_e6 FROM fixes ORDER BY t_ms DESC"
	        " LIMIT 1",
	        -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		f->t_ms = sqlite3_column_int64(st, 0);
		f->lat = sqlite3_column_int(st, 1) / 1e6;
		f->lon = sqlite3_column_int(st, 2) / 1e6;
		rc = agent_now_ms() - f->t_ms <= max_age_ms ? 1 : 0;
	}
	sqlite3_finalize(st);
	if (rc == 0) {
		/* Flushed already: the newest kept position is in state. */
		f->t_ms = outbox_get_int(a, "last_fix_ms", 0);
		f->lat = outbox_get_int(a, "last_fix_lat_e6", 0) / 1e6;
		f->lon = outbox_get_int(a, "last_fix_lon_e6", 0) / 1e6;
		rc = f->t_ms > 0 && agent_now_ms() - f->t_ms <= max_age_ms;
	}
	return rc;
}

/* One piece: the fixes from the oldest on, of one patrol (or none). */
static int
track_piece(struct agent *a, char **cause)
{
	Patrol__Sync__V1__TrackPiece m = PATROL__SYNC__V1__TRACK_PIECE__INIT;
	struct track_fix *fix;
	sqlite3_stmt *st;
	char cid[33], *session = NULL;
	uint8_t *buf;
	size_t n = 0, len;
	int64_t *dt;
	int32_t *dlat, *dlon;
	int rc = -1;

	if (sqlite3_prepare_v2(a->db,
	        "SELECT t_ms, lat_e6, lon_e6, session FROM fixes"
	        " ORDER BY t_ms LIMIT ?",
	        -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int(st, 1, TRACK_PIECE_MAX);
	fix = agent_alloc(TRACK_PIECE_MAX * sizeof *fix);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 3);

		if (n == 0 && s != NULL)
			session = agent_strdup(s);
		else if (n > 0 && (s == NULL) != (session == NULL))
			break;
		else if (n > 0 && s != NULL && strcmp(s, session) != 0)
			break;
		fix[n].t_ms = sqlite3_column_int64(st, 0);
		fix[n].lat_e6 = sqlite3_column_int(st, 1);
		fix[n].lon_e6 = sqlite3_column_int(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	if (n == 0) {
		free(fix);
		return 0;
	}
	dt = agent_alloc(n * sizeof *dt);
	dlat = agent_alloc(n * sizeof *dlat);
	dlon = agent_alloc(n * sizeof *dlon);
	track_encode(fix, n, dt, dlat, dlon);
	agent_random_id(cid, 16);
	m.client_id = cid;
	m.session_id = session;
	m.n_dt_ms = m.n_dlat_e6 = m.n_dlon_e6 = n;
	m.dt_ms = dt;
	m.dlat_e6 = dlat;
	m.dlon_e6 = dlon;
	len = patrol__sync__v1__track_piece__get_packed_size(&m);
	buf = agent_alloc(len);
	patrol__sync__v1__track_piece__pack(&m, buf);
	agent_log(a, "track piece of %zu fixes, %zu bytes (%.1f per fix)", n,
	    len, (double)len / (double)n);
	if (outbox_add(a, "track", NULL, cid, 0, buf, len) != 0 ||
	    sqlite3_prepare_v2(a->db,
	        "DELETE FROM fixes WHERE t_ms BETWEEN ? AND ?", -1, &st,
	        NULL) != SQLITE_OK)
		goto free;
	sqlite3_bind_int64(st, 1, fix[0].t_ms);
	sqlite3_bind_int64(st, 2, fix[n - 1].t_ms);
	if (sqlite3_step(st) == SQLITE_DONE &&
	    outbox_set_int(a, "last_fix_ms", fix[n - 1].t_ms) == 0 &&
	    outbox_set_int(a, "last_fix_lat_e6", fix[n - 1].lat_e6) == 0 &&
	    outbox_set_int(a, "last_fix_lon_e6", fix[n - 1].lon_e6) == 0)
		rc = 1;
	sqlite3_finalize(st);
free:
	free(buf);
	free(dt);
	free(dlat);
	free(dlon);
	free(fix);
	free(session);
	if (rc == 1)
		return 1;
dberr:
	*cause = agent_strdup(sqlite3_errmsg(a->db));
	return -1;
}

int
track_flush(struct agent *a, char **cause)
{
	int rc;

	/* Inside the caller's transaction. */
	while ((rc = track_piece(a, cause)) == 1)
		;
	return rc;
}

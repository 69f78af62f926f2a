/*
 * The GPS track: fixes are thinned to the track interval and kept, by the
 * command line one by one as they come (a crash loses at most the one
 * being written), by serve a few seconds' worth per commit (track_keep:
 * a crash loses those seconds, and the screen's taps do not wait behind
 * a commit per fix); they are cut
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
track_due(struct agent *a, int64_t last_ms, int64_t t_ms)
{
	long long every = outbox_get_int(a, "track_interval_s", 5) * 1000;

	/* A clock set back by an hour (a new replay, a reset) starts over. */
	return !(
	    t_ms < last_ms + every && t_ms > last_ms - TRACK_CLOCK_JUMP_MS);
}

int
track_keep(struct agent *a, const struct gps_fix *f, size_t n,
    const char *session, char **cause)
{
	struct store_fix_row row;
	size_t i;

	if (n == 0)
		return 0;
	if (outbox_begin(a, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		row.t_ms = f[i].t_ms;
		row.lat_e6 = track_e6(f[i].lat);
		row.lon_e6 = track_e6(f[i].lon);
		row.session = session;
		if (store_fixes_add(a, &row) != 0)
			goto fail;
	}
	if (outbox_set_int(a, "track_last_ms", f[n - 1].t_ms) == 0 &&
	    outbox_commit(a, cause) == 0)
		return 0;
fail:
	if (*cause == NULL)
		*cause = outbox_errmsg(a);
	outbox_rollback(a);
	return -1;
}

int
track_record(struct agent *a, const struct gps_fix *f)
{
	char *session, *cause = NULL;
	int rc;

	if (!track_due(a, outbox_get_int(a, "track_last_ms", 0), f->t_ms))
		return 0;
	session = outbox_get(a, "patrol_session");
	rc = track_keep(a, f, 1, session, &cause) == 0 ? 1 : -1;
	if (rc < 0)
		agent_log(a, "track: %s", cause);
	free(cause);
	free(session);
	return rc;
}

int
track_last(struct agent *a, int64_t max_age_ms, struct gps_fix *f)
{
	struct store_fix_row row;
	int rc;

	if ((rc = store_fixes_newest(a, &row)) < 0)
		return -1;
	if (rc == 1) {
		f->t_ms = row.t_ms;
		f->lat = row.lat_e6 / 1e6;
		f->lon = row.lon_e6 / 1e6;
		rc = agent_now_ms() - f->t_ms <= max_age_ms ? 1 : 0;
	}
	if (rc == 0) {
		/* Flushed already: the newest kept position is in state. */
		f->t_ms = outbox_get_int(a, "last_fix_ms", 0);
		f->lat = outbox_get_int(a, "last_fix_lat_e6", 0) / 1e6;
		f->lon = outbox_get_int(a, "last_fix_lon_e6", 0) / 1e6;
		rc = f->t_ms > 0 && agent_now_ms() - f->t_ms <= max_age_ms;
	}
	return rc;
}

/* The fixes of one piece, as they are read (oldest first). */
struct track_read {
	struct track_fix *fix;
	size_t n;
	char *session;
};

/* Takes a fix unless it belongs to another patrol (or to none): 1 stops. */
static int
track_read_cb(const struct store_fix_row *f, void *arg)
{
	struct track_read *r = arg;
	const char *s = f->session;

	if (r->n == 0 && s != NULL)
		r->session = xstrdup(s);
	else if (r->n > 0 && (s == NULL) != (r->session == NULL))
		return 1;
	else if (r->n > 0 && s != NULL && strcmp(s, r->session) != 0)
		return 1;
	r->fix[r->n].t_ms = f->t_ms;
	r->fix[r->n].lat_e6 = f->lat_e6;
	r->fix[r->n].lon_e6 = f->lon_e6;
	r->n++;
	return 0;
}

/* One piece: the fixes from the oldest on, of one patrol (or none). */
static int
track_piece(struct agent *a, char **cause)
{
	Patrol__Sync__V1__TrackPiece m = PATROL__SYNC__V1__TRACK_PIECE__INIT;
	struct track_read r = {0};
	struct track_fix *fix;
	char cid[33];
	uint8_t *buf;
	size_t n, len;
	int64_t *dt;
	int32_t *dlat, *dlon;
	int rc = -1;

	r.fix = xcalloc(1, TRACK_PIECE_MAX * sizeof *r.fix);
	if (store_fixes_oldest(a, TRACK_PIECE_MAX, track_read_cb, &r) != 0) {
		free(r.fix);
		goto dberr;
	}
	fix = r.fix;
	n = r.n;
	if (n == 0) {
		free(fix);
		return 0;
	}
	dt = xcalloc(1, n * sizeof *dt);
	dlat = xcalloc(1, n * sizeof *dlat);
	dlon = xcalloc(1, n * sizeof *dlon);
	track_encode(fix, n, dt, dlat, dlon);
	agent_random_id(cid, 16);
	m.client_id = cid;
	m.session_id = r.session;
	m.n_dt_ms = m.n_dlat_e6 = m.n_dlon_e6 = n;
	m.dt_ms = dt;
	m.dlat_e6 = dlat;
	m.dlon_e6 = dlon;
	len = patrol__sync__v1__track_piece__get_packed_size(&m);
	buf = xcalloc(1, len);
	patrol__sync__v1__track_piece__pack(&m, buf);
	agent_log(a, "track piece of %zu fixes, %zu bytes (%.1f per fix)", n,
	    len, (double)len / (double)n);
	if (outbox_add(a, "track", NULL, cid, 0, buf, len) == 0 &&
	    store_fixes_delete(a, fix[0].t_ms, fix[n - 1].t_ms) == 0 &&
	    outbox_set_int(a, "last_fix_ms", fix[n - 1].t_ms) == 0 &&
	    outbox_set_int(a, "last_fix_lat_e6", fix[n - 1].lat_e6) == 0 &&
	    outbox_set_int(a, "last_fix_lon_e6", fix[n - 1].lon_e6) == 0)
		rc = 1;
	free(buf);
	free(dt);
	free(dlat);
	free(dlon);
	free(fix);
	free(r.session);
	if (rc == 1)
		return 1;
dberr:
	*cause = outbox_errmsg(a);
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

void
track_flush_last(struct agent *a)
{
	char *cause = NULL;

	if (outbox_begin(a, &cause) == 0 &&
	    (track_flush(a, &cause) != 0 || outbox_commit(a, &cause) != 0))
		outbox_rollback(a);
	if (cause != NULL)
		fprintf(stderr,
		    "patrol-agent: fixes left for the next start: %s\n", cause);
	free(cause);
}

/*
 * The GPS track of "patrol-agent serve", on the loop: gpsd's socket read a
 * few fixes per turn, or an NMEA log replayed at its own pace by a timer.
 * Every fix kept is written through track.c; the current patrol's fixes
 * are also held here for the screen's map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "serve_int.h"

static void serve_gps_open(struct serve *);

const int32_t *
serve_track(struct serve *s, size_t *n)
{
	*n = s->ntrack;
	return s->track;
}

void
serve_track_reset(struct serve *s)
{
	s->ntrack = 0;
}

void
serve_fixes_flush(struct serve *s)
{
	char *cause = NULL;

	if (s->keep_timer != NULL)
		evtimer_del(s->keep_timer);
	if (s->nkeep == 0)
		return;
	if (track_keep(s->a, s->keep, s->nkeep, s->keep_session, &cause) != 0)
		agent_log(s->a, "track: %zu fixes not kept: %s", s->nkeep,
		    cause != NULL ? cause : "failed");
	free(cause);
	s->nkeep = 0;
	free(s->keep_session);
	s->keep_session = NULL;
}

void
serve_keep_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	serve_fixes_flush(arg);
}

/* Whether two patrol sessions (NULL: none) are the same. */
static int
serve_same_session(const char *x, const char *y)
{
	return x == NULL || y == NULL ? x == y : strcmp(x, y) == 0;
}

/*
 * A fix: the newest position at once; kept, when due, with the fixes held
 * until SERVE_KEEP_MS has passed or SERVE_KEEP_MAX are held (one commit,
 * one fsync, for them all).
 */
static void
serve_fix(struct serve *s, const struct gps_fix *f)
{
	struct timeval tv = serve_tv(SERVE_KEEP_MS);
	char *sess;
	size_t i;

	s->fix = *f;
	s->has_fix = 1;
	if (!track_due(s->a, s->last_kept_ms, f->t_ms))
		return;
	sess = outbox_get(s->a, "patrol_session");
	/* A patrol started or stopped: the held fixes are the last one's. */
	if (s->nkeep > 0 && !serve_same_session(sess, s->keep_session))
		serve_fixes_flush(s);
	if (s->keep == NULL)
		s->keep = xcalloc(1, SERVE_KEEP_MAX * sizeof *s->keep);
	s->keep[s->nkeep++] = *f;
	free(s->keep_session);
	s->keep_session = sess;
	s->last_kept_ms = f->t_ms;
	if (s->nkeep == SERVE_KEEP_MAX)
		serve_fixes_flush(s);
	else if (!evtimer_pending(s->keep_timer, NULL))
		evtimer_add(s->keep_timer, &tv);
	if (sess == NULL)
		return;
	if (s->track == NULL)
		s->track = xcalloc(1, SERVE_TRACK_MAX * 2 * sizeof *s->track);
	if (s->ntrack == SERVE_TRACK_MAX) {
		/* A very long patrol: every other fix, to stay bounded. */
		for (i = 0; i < SERVE_TRACK_MAX / 2; i++) {
			s->track[2 * i] = s->track[4 * i];
			s->track[2 * i + 1] = s->track[4 * i + 1];
		}
		s->ntrack = SERVE_TRACK_MAX / 2;
	}
	s->track[2 * s->ntrack] = track_e6(f->lat);
	s->track[2 * s->ntrack + 1] = track_e6(f->lon);
	s->ntrack++;
}

static void
serve_gps_lost(struct serve *s, char *cause)
{
	struct timeval tv = serve_tv(SERVE_GPSD_RETRY_MS);

	agent_log(s->a, "gps: %s", cause != NULL ? cause : "lost");
	free(cause);
	if (s->gps_ev != NULL)
		event_free(s->gps_ev);
	s->gps_ev = NULL;
	gps_src_close(s->src);
	s->src = NULL;
	if (s->nmea == NULL)
		evtimer_add(s->gps_timer, &tv); /* gpsd: try again */
}

/*
 * gpsd's socket is readable: the fixes it holds, a few at a time. Each
 * kept fix is a commit (an fsync), so a backlog (gpsd back after a gap, a
 * replay) is taken SERVE_GPSD_BURST fixes per turn of the loop, and the
 * screen's requests waiting meanwhile are answered in between.
 */
static void
serve_gpsd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct serve *s = arg;
	struct gps_fix f;
	char *cause = NULL;
	int r, n = 0;

	(void)fd;
	(void)what;
	while ((r = gps_src_next(s->src, 0, &f, &cause)) == 1) {
		serve_fix(s, &f);
		if (++n == SERVE_GPSD_BURST) {
			/* More may be held by libgps, not on the socket:
			 * come back after the loop's other ready events. */
			event_active(s->gps_ev, EV_READ, 0);
			return;
		}
	}
	if (r < 0)
		serve_gps_lost(s, cause);
}

/* NMEA replay: the held fix is due; read the next and wait its gap. */
static void
serve_nmea_cb(evutil_socket_t fd, short what, void *arg)
{
	struct serve *s = arg;
	struct timeval tv;
	struct gps_fix f;
	char *cause = NULL;
	int64_t gap;

	(void)fd;
	(void)what;
	if (s->src == NULL) {
		serve_gps_open(s);
		return;
	}
	if (s->has_held)
		serve_fix(s, &s->held);
	s->has_held = 0;
	if (gps_src_next(s->src, 0, &f, &cause) != 1) {
		serve_gps_lost(s, cause);
		return;
	}
	gap = s->speed > 0 && s->prev_t > 0
	    ? (int64_t)((double)(f.t_ms - s->prev_t) / s->speed)
	    : 0;
	if (gap < 0)
		gap = 0;
	if (gap > SERVE_PACE_MAX_MS)
		gap = SERVE_PACE_MAX_MS;
	s->prev_t = f.t_ms;
	s->held = f;
	s->has_held = 1;
	tv = serve_tv(gap);
	evtimer_add(s->gps_timer, &tv);
}

static void
serve_gps_open(struct serve *s)
{
	struct timeval tv = {0, 0};
	char *cause = NULL;

	if (s->nmea != NULL) {
		/* Paced here, on the loop: the source itself never sleeps. */
		if ((s->src = gps_src_open_nmea(s->nmea, 0, &cause)) == NULL) {
			fprintf(stderr, "patrol-agent: serve: %s\n", cause);
			free(cause);
			return;
		}
		evtimer_add(s->gps_timer, &tv);
		return;
	}
	s->src = gps_src_open_addr(s->gpsd, &cause);
	if (s->src == NULL) {
		serve_gps_lost(s, cause);
		return;
	}
	s->gps_ev = event_new(s->base, gps_src_fd(s->src), EV_READ | EV_PERSIST,
	    serve_gpsd_cb, s);
	event_add(s->gps_ev, NULL);
}

void
serve_gps_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct serve *s = arg;

	if (s->nmea != NULL) {
		serve_nmea_cb(fd, what, arg);
		return;
	}
	serve_gps_open(s);
}

/* ---- HTTP ------------------------------------------------------------- */

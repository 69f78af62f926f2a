/*
 * serve's private parts, shared by its files: serve.c (start, bind, stop),
 * serve_sync.c (the sync worker and its schedule), serve_gps.c (the GPS
 * track on the loop) and serve_http.c (the screen's HTTP front: token,
 * host check, the interface's files, Leaflet, tiles). The screen's JSON
 * API is screen*.c, which calls back through struct screen_host.
 */
#ifndef SERVE_INT_H
#define SERVE_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/time.h>

#include <event2/util.h>

#include "agent.h"

#define SERVE_BACKOFF_BASE_MS 1000
#define SERVE_GPSD_RETRY_MS   30000
#define SERVE_GPSD_BURST      8 /* fixes read per turn of the loop */
#define SERVE_PACE_MAX_MS     5000
#define SERVE_TRACK_MAX       20000       /* fixes shown; older ones thinned */
#define SERVE_BODY_MAX        (512 << 10) /* photos come in parts */
#define SERVE_COOKIE          "patrol_screen"
#define SERVE_WAYBACK_MS      (5 * 60 * 1000)
#define SERVE_STACK           (1 << 20)
#define SERVE_KEEP_MS         10000 /* fixes held at most, then one commit */
#define SERVE_KEEP_MAX        128

struct serve {
	struct agent *a;
	struct event_base *base;
	struct evhttp *http;
	char token[65];
	char host[96]; /* "127.0.0.1:PORT" as the browser sends it */
	char *leaflet;
	/* The sync worker. */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int want, want_wayback, stopping, busy, last_rc;
	int wake[2];
	struct event *wake_ev, *sync_timer;
	int failures, revoked;
	int64_t backoff_max_ms, next_sync_ms;
	/* GPS. */
	const char *gpsd, *nmea;
	double speed;
	struct gps_src *src;
	struct event *gps_ev, *gps_timer;
	struct gps_fix held; /* an NMEA fix waiting for its time */
	int has_held, has_fix;
	struct gps_fix fix;
	int64_t prev_t;
	/* Fixes due for keeping, held for one commit (serve_fixes_flush). */
	struct gps_fix *keep;
	size_t nkeep;
	char *keep_session;
	int64_t last_kept_ms;
	struct event *keep_timer;
	/* The current patrol's kept fixes (lat, lon pairs in 1e-6 deg). */
	int32_t *track;
	size_t ntrack;
	struct event *sig_ev[2];
	struct screen_host screen; /* the calls below, for the screen */
};

static inline struct timeval
serve_tv(int64_t ms)
{
	struct timeval tv = {
	    (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	return tv;
}

/* serve_sync.c: asks the worker for a sync now. */
void serve_sync_soon(struct serve *, int with_wayback);
/* serve_gps.c: what the loop knows; the patrol's track; the held fixes
 * kept now (also at exit). */
void serve_live_get(struct serve *, struct serve_live *);
const int32_t *serve_track(struct serve *, size_t *n);
void serve_track_reset(struct serve *);
void serve_fixes_flush(struct serve *);

/* serve_sync.c: the worker thread (it opens its own connection). */
void *serve_worker(void *);
void serve_sync_timer_cb(evutil_socket_t, short, void *);
/* The worker's pipe: a sync ended; when the next one is. */
void serve_wake_cb(evutil_socket_t, short, void *);

/* serve_gps.c: the timer that opens the source, or paces an NMEA replay. */
void serve_gps_timer_cb(evutil_socket_t, short, void *);
/* The held fixes' time is up: they are kept. */
void serve_keep_timer_cb(evutil_socket_t, short, void *);

/* serve_http.c: every request to the screen (host, token, then route). */
struct evhttp_request;
void serve_request_cb(struct evhttp_request *, void *);

#endif

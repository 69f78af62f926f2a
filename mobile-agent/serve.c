/*
 * patrol-agent serve: the handheld's daemon with a screen. One libevent
 * loop records the GPS track (gpsd's socket, or an NMEA log paced by a
 * timer), schedules syncs with back-off, and serves the crew's screen
 * (ui/, compiled in) and its JSON API (screen.c) on a loopback address.
 *
 * The sync itself runs in a worker thread with its own SQLite connection:
 * sync.c is a sequence of blocking HTTP exchanges (batch, apply, photo
 * chunks that resume) shared with the command line's "sync", and making
 * it a state machine on non-blocking sockets would restate the exactly-once
 * logic in a second shape. The worker only ever touches its own
 * connection; it tells the loop it finished through a pipe. WAL lets the
 * screen read and write the outbox while a sync runs: the sync's write
 * transactions are short and never span a network exchange.
 *
 * Another app on the device must not drive the screen: the address is
 * loopback only, and every request needs the token made at this start
 * (in the URL once, then an HttpOnly SameSite=Strict cookie). The Host
 * header must name the loopback address too (no DNS rebinding).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "agent.h"

#define SERVE_BACKOFF_BASE_MS 1000
#define SERVE_GPSD_RETRY_MS   30000
#define SERVE_GPSD_BURST      8 /* fixes read per turn of the loop */
#define SERVE_PACE_MAX_MS     5000
#define SERVE_TRACK_MAX       20000 /* fixes shown; older ones thinned */
#define SERVE_BODY_MAX        (24 << 20)
#define SERVE_COOKIE          "patrol_screen"
#define SERVE_WAYBACK_MS      (5 * 60 * 1000)
#define SERVE_STACK           (1 << 20)

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
	/* The current patrol's kept fixes (lat, lon pairs in 1e-6 deg). */
	int32_t *track;
	size_t ntrack;
	struct event *sig_ev[2];
};

static struct timeval
serve_tv(int64_t ms)
{
	struct timeval tv = {
	    (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	return tv;
}

/* ---- Sync worker ------------------------------------------------------ */

static void
serve_wayback_store(struct agent *w)
{
	struct gps_fix f;
	char *json = NULL, *cause = NULL;
	int has = track_last(w, 10 * 60 * 1000, &f) == 1;

	if (sync_wayback_fetch(w, has, f.lat, f.lon, &json, &cause) == 0) {
		outbox_set(w, "wayback_json", json);
		outbox_set_int(w, "wayback_ms", agent_now_ms());
	} else
		agent_log(w, "wayback: %s", cause != NULL ? cause : "failed");
	free(json);
	free(cause);
}

static void *
serve_worker(void *arg)
{
	struct serve *s = arg;
	struct agent w = {.dir = s->a->dir, .verbose = s->a->verbose};
	char *cause = NULL, c = 's';
	int rc, wayback;

	if (outbox_open(&w, &cause) != 0) {
		fprintf(
		    stderr, "patrol-agent: serve: sync worker: %s\n", cause);
		free(cause);
		outbox_close(&w);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->want && !s->stopping)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stopping) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		s->want = 0;
		wayback = s->want_wayback;
		s->want_wayback = 0;
		s->busy = 1;
		pthread_mutex_unlock(&s->mu);
		rc = sync_run(&w);
		if (rc == 0 &&
		    (wayback ||
		        agent_now_ms() - outbox_get_int(&w, "wayback_ms", 0) >
		            SERVE_WAYBACK_MS))
			serve_wayback_store(&w);
		pthread_mutex_lock(&s->mu);
		s->busy = 0;
		s->last_rc = rc;
		pthread_mutex_unlock(&s->mu);
		if (write(s->wake[1], &c, 1) != 1)
			fprintf(stderr, "patrol-agent: serve: wake: %s\n",
			    strerror(errno));
	}
	outbox_close(&w);
	return NULL;
}

void
serve_sync_soon(struct serve *s, int with_wayback)
{
	if (s->revoked)
		return;
	pthread_mutex_lock(&s->mu);
	s->want = 1;
	s->want_wayback |= with_wayback;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	evtimer_del(s->sync_timer);
}

static void
serve_sync_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	serve_sync_soon(arg, 0);
}

/* A sync ended: when the next one is. */
static void
serve_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct serve *s = arg;
	struct timeval tv;
	char buf[16];
	int64_t wait;
	int rc, busy;

	(void)what;
	if (read(fd, buf, sizeof buf) <= 0)
		return;
	pthread_mutex_lock(&s->mu);
	rc = s->last_rc;
	busy = s->busy || s->want;
	pthread_mutex_unlock(&s->mu);
	if (busy)
		return; /* another round was asked for meanwhile */
	if (rc == AGENT_EXIT_REVOKED) {
		s->revoked = 1; /* personal data wiped; nothing more to do */
		s->next_sync_ms = 0;
		return;
	}
	if (rc == 0) {
		s->failures = 0;
		wait = outbox_get_int(s->a, "sync_interval_s", 30) * 1000;
	} else if (rc == AGENT_EXIT_USAGE)
		wait = 30000; /* not enrolled yet */
	else
		wait = agent_backoff_ms(
		    ++s->failures, SERVE_BACKOFF_BASE_MS, s->backoff_max_ms);
	s->next_sync_ms = agent_now_ms() + wait;
	tv = serve_tv(wait);
	evtimer_add(s->sync_timer, &tv);
}

void
serve_live_get(struct serve *s, struct serve_live *l)
{
	memset(l, 0, sizeof *l);
	pthread_mutex_lock(&s->mu);
	l->syncing = s->busy || s->want;
	pthread_mutex_unlock(&s->mu);
	l->failures = s->failures;
	l->revoked = s->revoked;
	l->next_sync_ms = l->syncing ? 0 : s->next_sync_ms;
	l->has_fix = s->has_fix;
	l->fix = s->fix;
	l->gps = s->nmea != NULL ? "nmea" : s->gpsd != NULL ? "gpsd" : "none";
}

/* ---- GPS -------------------------------------------------------------- */

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

static void
serve_fix(struct serve *s, const struct gps_fix *f)
{
	char *sess;
	size_t i;

	s->fix = *f;
	s->has_fix = 1;
	if (track_record(s->a, f) != 1)
		return;
	if ((sess = outbox_get(s->a, "patrol_session")) == NULL)
		return;
	free(sess);
	if (s->track == NULL)
		s->track = agent_alloc(SERVE_TRACK_MAX * 2 * sizeof *s->track);
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

static void
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

static void
serve_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data: blob:; "
	    "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
}

static void
serve_refuse(struct evhttp_request *req, int code, const char *why)
{
	struct evbuffer *b = evbuffer_new();

	serve_headers(req, "text/html; charset=utf-8");
	evbuffer_add_printf(b,
	    "<!doctype html><html lang=ja><meta charset=utf-8>"
	    "<title>開けません</title><p>%s</p></html>\n",
	    why);
	evhttp_send_reply(req, code, "Forbidden", b);
	evbuffer_free(b);
}

/* The token in the cookie, or in ?t= (the first load): 1 when right. */
static int
serve_token_ok(struct serve *s, struct evhttp_request *req, int *from_url)
{
	const char *c, *p, *q;
	struct evkeyvalq args;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	size_t n = strlen(s->token);
	int ok = 0;

	*from_url = 0;
	c = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	for (p = c; p != NULL && (p = strstr(p, SERVE_COOKIE "=")) != NULL;
	     p++) {
		if (p != c && p[-1] != ' ' && p[-1] != ';')
			continue;
		p += strlen(SERVE_COOKIE "=");
		if (strcspn(p, "; ") == n && sodium_memcmp(p, s->token, n) == 0)
			return 1;
	}
	if ((q = evhttp_uri_get_query(u)) == NULL)
		return 0;
	memset(&args, 0, sizeof args);
	if (evhttp_parse_query_str(q, &args) == 0 &&
	    (p = evhttp_find_header(&args, "t")) != NULL && strlen(p) == n &&
	    sodium_memcmp(p, s->token, n) == 0) {
		ok = 1;
		*from_url = 1;
	}
	evhttp_clear_headers(&args);
	return ok;
}

static void
serve_ui(struct evhttp_request *req, const char *path)
{
	struct evbuffer *b;
	const struct ui_file *f;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (f = ui_files; f->path != NULL; f++) {
		if (strcmp(f->path, path) == 0)
			break;
	}
	if (f->path == NULL) {
		serve_refuse(req, 404, "ありません (not found)");
		return;
	}
	b = evbuffer_new();
	serve_headers(req, f->type);
	evbuffer_add_reference(b, f->data, f->len, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* Leaflet's own files, from the npm package: nothing else below it. */
static void
serve_leaflet(struct serve *s, struct evhttp_request *req, const char *name)
{
	static const char *const ok[] = {"leaflet.js", "leaflet.css",
	    "images/marker-icon.png", "images/marker-shadow.png",
	    "images/marker-icon-2x.png", "images/layers.png", NULL};
	struct evbuffer *b;
	const char *type;
	char *path;
	int fd, i;

	for (i = 0; ok[i] != NULL && strcmp(ok[i], name) != 0; i++)
		;
	if (ok[i] == NULL) {
		serve_refuse(req, 404, "ありません (not found)");
		return;
	}
	path = agent_printf("%s/%s", s->leaflet, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1) {
		serve_refuse(
		    req, 404, "地図の部品がありません (Leaflet missing)");
		return;
	}
	type = strstr(name, ".js") ? "text/javascript; charset=utf-8"
	    : strstr(name, ".css") ? "text/css; charset=utf-8"
	                           : "image/png";
	b = evbuffer_new();
	serve_headers(req, type);
	evbuffer_add_file(b, fd, 0, -1); /* takes fd */
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* GET /tiles/Z/X/Y.png: a map tile fetched by "tiles fetch", or 404. */
static void
serve_tile(struct serve *s, struct evhttp_request *req, const char *name)
{
	struct evbuffer *b;
	unsigned z, x, y;
	char *path;
	int fd, n = 0;

	if (sscanf(name, "%2u/%7u/%7u%n", &z, &x, &y, &n) != 3 ||
	    strcmp(name + n, ".png") != 0 || z > 19 || x >= (1u << z) ||
	    y >= (1u << z)) {
		serve_refuse(req, 404, "ありません (not found)");
		return;
	}
	path = agent_printf("%s/tiles/%u/%u/%u.png", s->a->dir, z, x, y);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1) {
		serve_refuse(req, 404, "この場所の地図は端末にありません");
		return;
	}
	b = evbuffer_new();
	serve_headers(req, "image/png");
	evbuffer_add_file(b, fd, 0, -1); /* takes fd */
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
serve_request_cb(struct evhttp_request *req, void *arg)
{
	struct serve *s = arg;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = evhttp_uri_get_path(u), *host;
	char *cookie;
	int from_url;

	host =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	if (host == NULL || strcmp(host, s->host) != 0) {
		serve_refuse(req, 403,
		    "この画面は端末の中からだけ開けます (wrong host)");
		return;
	}
	if (!serve_token_ok(s, req, &from_url)) {
		serve_refuse(req, 403,
		    "合言葉がありません。patrol-agent serve が表示した URL "
		    "から開いてください (no token)");
		return;
	}
	if (path == NULL || *path == '\0')
		path = "/";
	if (from_url) {
		/* Once: the cookie, and a URL without the token. */
		cookie = agent_printf(SERVE_COOKIE "=%s; Path=/; HttpOnly; "
		                                   "SameSite=Strict",
		    s->token);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Set-Cookie", cookie);
		free(cookie);
		evhttp_add_header(
		    evhttp_request_get_output_headers(req), "Location", path);
		serve_headers(req, "text/plain; charset=utf-8");
		evhttp_send_reply(req, 303, "See Other", NULL);
		return;
	}
	if (strncmp(path, "/api/", 5) == 0)
		screen_api(s, s->a, req, path + 4);
	else if (strncmp(path, "/vendor/leaflet/", 16) == 0)
		serve_leaflet(s, req, path + 16);
	else if (strncmp(path, "/tiles/", 7) == 0 &&
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET)
		serve_tile(s, req, path + 7);
	else if (evhttp_request_get_command(req) == EVHTTP_REQ_GET)
		serve_ui(req, path);
	else
		serve_refuse(req, 405, "method not allowed");
}

/* "127.0.0.1:PORT", "[::1]:PORT", "localhost:PORT": loopback only. */
static int
serve_listen_parse(const char *v, char *addr, size_t len, int *port)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *colon = strrchr(v, ':');
	char *end;
	long p;

	if (colon == NULL || (size_t)(colon - v) >= len)
		return -1;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535)
		return -1;
	*port = (int)p;
	if (v[0] == '[' && colon > v && colon[-1] == ']')
		snprintf(addr, len, "%.*s", (int)(colon - v - 2), v + 1);
	else
		snprintf(addr, len, "%.*s", (int)(colon - v), v);
	if (strcmp(addr, "localhost") == 0)
		snprintf(addr, len, "127.0.0.1");
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127 ? 0 : -1;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ? 0 : -1;
	return -1;
}

static int
serve_bind(struct serve *s, const char *listen)
{
	struct evhttp_bound_socket *h;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char addr[64];
	int port, v6;

	if (serve_listen_parse(listen, addr, sizeof addr, &port) != 0) {
		fprintf(stderr,
		    "patrol-agent: serve: --listen %s: give a loopback "
		    "address and port (127.0.0.1:PORT or [::1]:PORT): the "
		    "screen is for this device only\n",
		    listen);
		return AGENT_EXIT_USAGE;
	}
	if ((h = evhttp_bind_socket_with_handle(
	         s->http, addr, (ev_uint16_t)port)) == NULL) {
		fprintf(stderr,
		    "patrol-agent: serve: cannot listen on %s: %s\n", listen,
		    strerror(errno));
		return AGENT_EXIT_FAIL;
	}
	if (getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&ss,
	        &sl) == 0)
		port = ntohs(ss.ss_family == AF_INET6
		        ? ((struct sockaddr_in6 *)&ss)->sin6_port
		        : ((struct sockaddr_in *)&ss)->sin_port);
	v6 = strchr(addr, ':') != NULL;
	snprintf(s->host, sizeof s->host, "%s%s%s:%d", v6 ? "[" : "", addr,
	    v6 ? "]" : "", port);
	return 0;
}

/* The screen's address with its token: printed, and kept for a kiosk. */
static void
serve_announce(struct serve *s)
{
	char *url = agent_printf("http://%s/?t=%s", s->host, s->token);
	char *path = agent_path(s->a, "screen.url");
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fprintf(f, "%s\n", url);
		fclose(f);
	}
	printf("OK screen at %s\n", url);
	fflush(stdout);
	free(path);
	free(url);
}

static void
serve_signal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct serve *s = arg;

	(void)fd;
	(void)what;
	event_base_loopexit(s->base, NULL);
}

static void
serve_usage(void)
{
	fprintf(stderr,
	    "usage: patrol-agent serve [--listen 127.0.0.1:PORT] "
	    "[--gpsd HOST:PORT | --nmea FILE [--speed N] | --no-gps] "
	    "[--backoff-max SECONDS] [--leaflet DIR]\n");
}

static void
serve_fini(struct serve *s)
{
	char *cause = NULL;
	int i;

	if (s->thread) {
		pthread_mutex_lock(&s->mu);
		s->stopping = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	for (i = 0; i < 2; i++) {
		if (s->sig_ev[i] != NULL)
			event_free(s->sig_ev[i]);
	}
	if (s->gps_ev != NULL)
		event_free(s->gps_ev);
	if (s->gps_timer != NULL)
		event_free(s->gps_timer);
	if (s->wake_ev != NULL)
		event_free(s->wake_ev);
	if (s->sync_timer != NULL)
		event_free(s->sync_timer);
	gps_src_close(s->src);
	if (s->http != NULL)
		evhttp_free(s->http);
	if (s->base != NULL)
		event_base_free(s->base);
	if (s->wake[0] != -1) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	/* A last flush of the fixes into the outbox, which survives. */
	if (outbox_begin(s->a, &cause) == 0) {
		if (track_flush(s->a, &cause) == 0)
			outbox_commit(s->a, &cause);
		else
			outbox_rollback(s->a);
	}
	free(cause);
	free(s->track);
	free(s->leaflet);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
}

int
serve_main(struct agent *a, int argc, char **argv)
{
	struct agent_opt o[] = {{.name = "listen"}, {.name = "gpsd"},
	    {.name = "nmea"}, {.name = "speed"}, {.name = "no-gps", .flag = 1},
	    {.name = "backoff-max"}, {.name = "leaflet"}, {.name = NULL}};
	struct serve s = {.a = a, .wake = {-1, -1}};
	struct timeval now = {0, 0};
	const char *vendor;
	pthread_attr_t attr;
	int rc = AGENT_EXIT_FAIL;

	if (agent_args("serve", argc, argv, o, NULL, 0) != 0 ||
	    (o[1].value != NULL && o[2].value != NULL)) {
		serve_usage();
		return AGENT_EXIT_USAGE;
	}
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	s.nmea = o[2].value;
	s.gpsd = o[4].value != NULL || s.nmea != NULL
	    ? NULL
	    : (o[1].value != NULL ? o[1].value : "localhost:2947");
	s.speed = o[3].value != NULL ? atof(o[3].value) : 1;
	s.backoff_max_ms =
	    (o[5].value != NULL ? atol(o[5].value) : 300) * (int64_t)1000;
	if (s.backoff_max_ms < SERVE_BACKOFF_BASE_MS)
		s.backoff_max_ms = SERVE_BACKOFF_BASE_MS;
	/* As patrold finds it: the option, the environment, the install. */
	if (o[6].value != NULL)
		s.leaflet = agent_strdup(o[6].value);
	else if ((vendor = getenv("PATROL_VENDOR_DIR")) != NULL &&
	    *vendor != '\0')
		s.leaflet = agent_printf("%s/leaflet/dist", vendor);
	else
		s.leaflet = agent_strdup(PATROL_VENDOR_DIR "/leaflet/dist");
	agent_random_id(s.token, 32);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A day-long process on a small device: one malloc arena for both
	 * threads, and photo-sized buffers given back to the system when
	 * freed instead of kept in the heap.
	 */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, 64 << 10);
	mallopt(M_TRIM_THRESHOLD, 256 << 10);
	screen_photos_clean(a);
	if ((s.base = event_base_new()) == NULL ||
	    (s.http = evhttp_new(s.base)) == NULL ||
	    pipe2(s.wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		fprintf(stderr, "patrol-agent: serve: cannot start the loop\n");
		goto out;
	}
	evhttp_set_max_body_size(s.http, SERVE_BODY_MAX);
	evhttp_set_timeout(s.http, 60);
	evhttp_set_allowed_methods(
	    s.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(s.http, serve_request_cb, &s);
	if ((rc = serve_bind(
	         &s, o[0].value != NULL ? o[0].value : "127.0.0.1:8377")) != 0)
		goto out;
	rc = AGENT_EXIT_FAIL;
	s.wake_ev = event_new(
	    s.base, s.wake[0], EV_READ | EV_PERSIST, serve_wake_cb, &s);
	s.sync_timer = evtimer_new(s.base, serve_sync_timer_cb, &s);
	s.gps_timer = evtimer_new(s.base, serve_gps_timer_cb, &s);
	s.sig_ev[0] = evsignal_new(s.base, SIGINT, serve_signal_cb, &s);
	s.sig_ev[1] = evsignal_new(s.base, SIGTERM, serve_signal_cb, &s);
	event_add(s.wake_ev, NULL);
	event_add(s.sig_ev[0], NULL);
	event_add(s.sig_ev[1], NULL);
	/* HTTP and OpenSSL need far less than the default 8 MB. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SERVE_STACK);
	rc = pthread_create(&s.thread, &attr, serve_worker, &s);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		rc = AGENT_EXIT_FAIL;
		fprintf(stderr, "patrol-agent: serve: no sync thread\n");
		s.thread = 0;
		goto out;
	}
	if (s.nmea != NULL || s.gpsd != NULL)
		evtimer_add(s.gps_timer, &now);
	serve_sync_soon(&s, 1);
	serve_announce(&s);
	event_base_dispatch(s.base);
	rc = s.revoked ? AGENT_EXIT_REVOKED : 0;
out:
	serve_fini(&s);
	return rc;
}

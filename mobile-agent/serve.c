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
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "serve_int.h"

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
	char *url = xasprintf("http://%s/?t=%s", s->host, s->token);
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
serve_fini(struct serve *s)
{
	int i;

	if (s->thread) {
		pthread_mutex_lock(&s->mu);
		s->stopping = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	serve_fixes_flush(s); /* before the last flush below */
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
	if (s->keep_timer != NULL)
		event_free(s->keep_timer);
	gps_src_close(s->src);
	if (s->http != NULL)
		evhttp_free(s->http);
	if (s->base != NULL)
		event_base_free(s->base);
	if (s->wake[0] != -1) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	track_flush_last(s->a);
	free(s->track);
	free(s->keep);
	free(s->leaflet);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
}

/*
 * The options into s: the GPS source, the back-off and where Leaflet is
 * (the option, the environment, the install, as patrold finds it).
 */
static void
serve_options(struct serve *s, const struct args_opt *o)
{
	const char *vendor;

	s->nmea = o[2].value;
	s->gpsd = o[4].value != NULL || s->nmea != NULL
	    ? NULL
	    : (o[1].value != NULL ? o[1].value : "localhost:2947");
	s->speed = o[3].value != NULL ? atof(o[3].value) : 1;
	s->backoff_max_ms =
	    (o[5].value != NULL ? atol(o[5].value) : 300) * (int64_t)1000;
	if (s->backoff_max_ms < SERVE_BACKOFF_BASE_MS)
		s->backoff_max_ms = SERVE_BACKOFF_BASE_MS;
	if (o[6].value != NULL)
		s->leaflet = xstrdup(o[6].value);
	else if ((vendor = getenv("PATROL_VENDOR_DIR")) != NULL &&
	    *vendor != '\0')
		s->leaflet = xasprintf("%s/leaflet/dist", vendor);
	else
		s->leaflet = xstrdup(PATROL_VENDOR_DIR "/leaflet/dist");
}

/*
 * The loop and the screen's HTTP server on listen: 0, or an exit code
 * after saying why.
 */
static int
serve_http_start(struct serve *s, const char *listen)
{
	if ((s->base = event_base_new()) == NULL ||
	    (s->http = evhttp_new(s->base)) == NULL ||
	    pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		fprintf(stderr, "patrol-agent: serve: cannot start the loop\n");
		return AGENT_EXIT_FAIL;
	}
	evhttp_set_max_body_size(s->http, SERVE_BODY_MAX);
	evhttp_set_timeout(s->http, 60);
	evhttp_set_allowed_methods(
	    s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(s->http, serve_request_cb, s);
	return serve_bind(s, listen);
}

/* The worker's wake-up pipe, the timers and the signals, on the loop. */
static void
serve_events_add(struct serve *s)
{
	s->wake_ev = event_new(
	    s->base, s->wake[0], EV_READ | EV_PERSIST, serve_wake_cb, s);
	s->sync_timer = evtimer_new(s->base, serve_sync_timer_cb, s);
	s->gps_timer = evtimer_new(s->base, serve_gps_timer_cb, s);
	s->keep_timer = evtimer_new(s->base, serve_keep_timer_cb, s);
	s->last_kept_ms = outbox_get_int(s->a, "track_last_ms", 0);
	s->sig_ev[0] = evsignal_new(s->base, SIGINT, serve_signal_cb, s);
	s->sig_ev[1] = evsignal_new(s->base, SIGTERM, serve_signal_cb, s);
	event_add(s->wake_ev, NULL);
	event_add(s->sig_ev[0], NULL);
	event_add(s->sig_ev[1], NULL);
}

/* The sync worker, on a small stack: HTTP and OpenSSL need far less than
 * the default 8 MB. */
static int
serve_worker_start(struct serve *s)
{
	pthread_attr_t attr;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SERVE_STACK);
	rc = pthread_create(&s->thread, &attr, serve_worker, s);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		fprintf(stderr, "patrol-agent: serve: no sync thread\n");
		s->thread = 0;
		return AGENT_EXIT_FAIL;
	}
	return 0;
}

int
serve_main(struct agent *a, int argc, char **argv)
{
	struct args_opt o[] = {{.name = "listen"}, {.name = "gpsd"},
	    {.name = "nmea"}, {.name = "speed"}, {.name = "no-gps", .flag = 1},
	    {.name = "backoff-max"}, {.name = "leaflet"}, {.name = NULL}};
	struct serve s = {.a = a,
	    .wake = {-1, -1},
	    .screen = {.serve = &s,
	        .sync_soon = serve_sync_soon,
	        .live_get = serve_live_get,
	        .track = serve_track,
	        .track_reset = serve_track_reset,
	        .fixes_flush = serve_fixes_flush}};
	struct timeval now = {0, 0};
	const char *listen;
	int rc;

	if (agent_args("serve", argc, argv, o, NULL, 0) != 0 ||
	    (o[1].value != NULL && o[2].value != NULL))
		return agent_usage(a, "serve");
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	serve_options(&s, o);
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
	listen = o[0].value != NULL ? o[0].value : "127.0.0.1:8377";
	if ((rc = serve_http_start(&s, listen)) != 0)
		goto out;
	serve_events_add(&s);
	if ((rc = serve_worker_start(&s)) != 0)
		goto out;
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

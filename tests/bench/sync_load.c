/*
 * sync_load: N simulated handhelds syncing against patrold as fast as it
 * answers (closed loop, one request in flight per agent, each on its own
 * keep-alive connection), or each every I ms (-i, with jitter: a fleet
 * syncing on a schedule). Every sync is a new batch carrying one track
 * piece of F fixes (F 0: a sync that only fetches). Prints the syncs and
 * fixes per second after a warm-up, the latency percentiles and errors.
 *
 *   sync_load -p PORT -n AGENTS -t SECONDS [-f FIXES] [-w WARMUP_S] [-i MS]
 *
 * Agent i presents the token "pt_bench" + i as 38 digits; sync_bench.sh
 * makes the devices with those tokens' hashes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "sync_v1.pb-c.h"
#include "track_codec.h"

struct load;

struct agent {
	struct load *l;
	int id;
	struct evhttp_connection *conn;
	char token[64];
	unsigned long seq;
	uint64_t cursor;
	int64_t t_ms;
	struct timespec sent;
};

struct load {
	struct event_base *base;
	int port, nagents, fixes, interval_ms;
	int measuring, stopping;
	char run_id[32]; /* this run's: its pid and start time (µs) */
	unsigned long ok, errors, fixes_ok;
	double *lat_ms;
	size_t nlat, caplat;
	struct agent *agents;
};

static double
load_elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static void load_send(struct agent *);

static void
load_later_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct agent *a = arg;

	(void)fd;
	(void)ev;
	if (!a->l->stopping)
		load_send(a);
}

/*
 * The next sync: at once, or after the interval, give or take half. The
 * first one of each agent falls anywhere in the first interval, so the
 * fleet offers n / interval syncs a second from the start. (It used to
 * wait half an interval to one and a half: with 30 s syncs no agent synced
 * in the first 15 s, and a 15 s stage measured a fraction of the offer.)
 */
static void
load_next(struct agent *a, int first)
{
	struct load *l = a->l;
	struct timeval tv;
	long ms;

	if (l->interval_ms <= 0) {
		load_send(a);
		return;
	}
	if (first)
		ms = random() % l->interval_ms;
	else
		ms = l->interval_ms / 2 + random() % (l->interval_ms + 1);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_base_once(l->base, -1, EV_TIMEOUT, load_later_cb, a, &tv);
}

static void
load_done_cb(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	struct load *l = a->l;
	Patrol__Sync__V1__SyncResponse *r;
	struct evbuffer *in;
	unsigned char *body;
	size_t len;
	double ms = load_elapsed_ms(&a->sent);

	if (req == NULL || evhttp_request_get_response_code(req) != 200) {
		if (l->measuring)
			l->errors++;
	} else {
		in = evhttp_request_get_input_buffer(req);
		len = evbuffer_get_length(in);
		body = evbuffer_pullup(in, (ev_ssize_t)len);
		if ((r = patrol__sync__v1__sync_response__unpack(
		         NULL, len, body)) != NULL) {
			a->cursor = r->cursor;
			patrol__sync__v1__sync_response__free_unpacked(r, NULL);
		}
		if (l->measuring) {
			l->ok++;
			l->fixes_ok += (unsigned long)l->fixes;
			if (l->nlat == l->caplat) {
				l->caplat = l->caplat ? l->caplat * 2 : 65536;
				l->lat_ms = realloc(
				    l->lat_ms, l->caplat * sizeof *l->lat_ms);
				if (l->lat_ms == NULL)
					abort();
			}
			l->lat_ms[l->nlat++] = ms;
		}
	}
	if (!l->stopping)
		load_next(a, 0);
}

/* One batch: a track piece of F fixes near Tama, one second apart. */
static uint8_t *
load_batch(struct agent *a, size_t *len)
{
	Patrol__Sync__V1__SyncRequest r = PATROL__SYNC__V1__SYNC_REQUEST__INIT;
	Patrol__Sync__V1__TrackPiece t = PATROL__SYNC__V1__TRACK_PIECE__INIT;
	Patrol__Sync__V1__TrackPiece *tp = &t;
	struct track_fix *f = NULL;
	char batch[48], cid[56]; /* ids: at most 64 bytes (sync.h) */
	int64_t *dt = NULL;
	int32_t *dlat = NULL, *dlon = NULL;
	uint8_t *buf;
	int i, n = a->l->fixes;

	/* Unique across runs: two runs in one second must not share ids. */
	snprintf(batch, sizeof batch, "bench-%d-%lu-%s", a->id, a->seq,
	    a->l->run_id);
	r.batch_id = batch;
	r.has_cursor = 1;
	r.cursor = a->cursor;
	if (n > 0) {
		f = calloc((size_t)n, sizeof *f);
		dt = calloc((size_t)n, sizeof *dt);
		dlat = calloc((size_t)n, sizeof *dlat);
		dlon = calloc((size_t)n, sizeof *dlon);
		if (f == NULL || dt == NULL || dlat == NULL || dlon == NULL)
			abort();
		for (i = 0; i < n; i++) {
			a->t_ms += 1000;
			f[i].t_ms = a->t_ms;
			f[i].lat_e6 =
			    35605000 + (int32_t)(a->seq % 1000) * 7 + i;
			f[i].lon_e6 = 139560000 - i * 9;
		}
		track_encode(f, (size_t)n, dt, dlat, dlon);
		snprintf(cid, sizeof cid, "t%s", batch);
		t.client_id = cid;
		t.n_dt_ms = t.n_dlat_e6 = t.n_dlon_e6 = (size_t)n;
		t.dt_ms = dt;
		t.dlat_e6 = dlat;
		t.dlon_e6 = dlon;
		r.n_tracks = 1;
		r.tracks = &tp;
	}
	*len = patrol__sync__v1__sync_request__get_packed_size(&r);
	if ((buf = malloc(*len + 1)) == NULL)
		abort();
	patrol__sync__v1__sync_request__pack(&r, buf);
	free(f);
	free(dt);
	free(dlat);
	free(dlon);
	return buf;
}

static void
load_send(struct agent *a)
{
	struct evhttp_request *req;
	struct evkeyvalq *h;
	char auth[96];
	uint8_t *body;
	size_t len;

	a->seq++;
	body = load_batch(a, &len);
	req = evhttp_request_new(load_done_cb, a);
	h = evhttp_request_get_output_headers(req);
	snprintf(auth, sizeof auth, "Bearer %s", a->token);
	evhttp_add_header(h, "Host", "127.0.0.1");
	evhttp_add_header(h, "Content-Type", "application/x-protobuf");
	evhttp_add_header(h, "Authorization", auth);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	free(body);
	clock_gettime(CLOCK_MONOTONIC, &a->sent);
	if (evhttp_make_request(
	        a->conn, req, EVHTTP_REQ_POST, "/agent/v1/sync") != 0) {
		a->l->errors++;
		a->l->stopping = 1;
	}
}

static void
load_measure_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	((struct load *)arg)->measuring = 1;
}

static void
load_stop_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct load *l = arg;

	(void)fd;
	(void)ev;
	l->measuring = 0;
	l->stopping = 1;
	event_base_loopbreak(l->base);
}

static int
load_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double
load_pct(struct load *l, double p)
{
	size_t i;

	if (l->nlat == 0)
		return 0;
	i = (size_t)(p / 100 * (double)(l->nlat - 1) + 0.5);
	return l->lat_ms[i];
}

int
main(int argc, char **argv)
{
	struct load l = {0};
	struct timeval warm = {2, 0}, run = {10, 0};
	struct timespec now;
	struct event *ev_measure, *ev_stop;
	int c, i, secs = 10, warmup = 2;

	l.port = 0;
	l.nagents = 16;
	l.fixes = 6;
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(l.run_id, sizeof l.run_id, "%lx%llx", (long)getpid(),
	    (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000);
	while ((c = getopt(argc, argv, "p:n:t:f:w:i:")) != -1) {
		switch (c) {
		case 'p':
			l.port = atoi(optarg);
			break;
		case 'n':
			l.nagents = atoi(optarg);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		case 'f':
			l.fixes = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 'i':
			l.interval_ms = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (l.port <= 0 || l.nagents <= 0 || secs <= 0 || l.fixes < 0 ||
	    warmup < 0)
		goto usage;
	warm.tv_sec = warmup;
	run.tv_sec = warmup + secs;
	l.base = event_base_new();
	l.agents = calloc((size_t)l.nagents, sizeof *l.agents);
	if (l.base == NULL || l.agents == NULL)
		abort();
	for (i = 0; i < l.nagents; i++) {
		struct agent *a = &l.agents[i];

		a->l = &l;
		a->id = i;
		/* Devices of earlier runs saw these times: start after them. */
		a->t_ms = (int64_t)time(NULL) * 1000 + (int64_t)i * 100000000;
		snprintf(a->token, sizeof a->token, "pt_bench%038d", i);
		a->conn = evhttp_connection_base_new(
		    l.base, NULL, "127.0.0.1", (unsigned short)l.port);
		evhttp_connection_set_timeout(a->conn, 120);
		load_next(a, 1); /* spread the first syncs too */
	}
	ev_measure = evtimer_new(l.base, load_measure_cb, &l);
	ev_stop = evtimer_new(l.base, load_stop_cb, &l);
	evtimer_add(ev_measure, &warm);
	evtimer_add(ev_stop, &run);
	event_base_dispatch(l.base);
	qsort(l.lat_ms, l.nlat, sizeof *l.lat_ms, load_cmp);
	printf("agents=%d fixes_per_sync=%d seconds=%d syncs=%lu errors=%lu "
	       "sync_rate=%.1f fix_rate=%.1f p50_ms=%.2f p99_ms=%.2f "
	       "max_ms=%.2f\n",
	    l.nagents, l.fixes, secs, l.ok, l.errors, (double)l.ok / secs,
	    (double)l.fixes_ok / secs, load_pct(&l, 50), load_pct(&l, 99),
	    l.nlat > 0 ? l.lat_ms[l.nlat - 1] : 0.0);
	for (i = 0; i < l.nagents; i++)
		evhttp_connection_free(l.agents[i].conn);
	event_free(ev_measure);
	event_free(ev_stop);
	event_base_free(l.base);
	free(l.agents);
	free(l.lat_ms);
	return l.errors > 0 && l.ok == 0 ? 1 : 0;
usage:
	fprintf(stderr,
	    "usage: sync_load -p PORT -n AGENTS -t SECONDS "
	    "[-f FIXES] [-w WARMUP_S] [-i MS]\n");
	return 2;
}

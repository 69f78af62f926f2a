/*
 * pool_bench: SELECT 1 throughput through our pool (db_query), to set
 * against pgbench on the same cluster. Once every connection is up it keeps
 * K queries in flight on N connections for T seconds (or until Q have been
 * sent), waits for the last answers and prints queries/s.
 *
 *   pool_bench [-c conns] [-k in_flight] [-t seconds] [-n queries] conninfo
 *
 * It also holds the pool to its contract, since a fast wrong pool is no
 * use: one callback per query, DB_OK with the value "1", and nothing left
 * busy or queued at the end. Any breach, any failed query, or no progress
 * for 10 s exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench.h"
#include "db.h"
#include "log.h"

#define BENCH_CONNECT_WAIT_S 10
#define BENCH_STALL_S        10

struct bench_slot {
	struct bench *b;
	int pending; /* a query of this slot awaits its callback */
};

struct bench {
	struct event_base *base;
	struct db *db;
	int conns, in_flight;
	unsigned long max_queries; /* 0: stop after seconds */
	struct bench_slot *slots;
	int outstanding, stopping, broken;
	unsigned long sent, done, failed, wrong, extra, last_done;
	int seconds, waited_ms, stalled_s;
	double start, end;
	struct db_stats st; /* taken before db_free */
	struct event *ev_wait, *ev_stop, *ev_watch;
};

static void bench_send(struct bench_slot *);

static void
bench_query_cb(struct db_result *r, void *arg)
{
	struct bench_slot *s = arg;
	struct bench *b = s->b;

	if (!s->pending) {
		/* A second callback for one query: the pool broke its word. */
		b->extra++;
		return;
	}
	s->pending = 0;
	b->outstanding--;
	b->done++;
	if (r->status != DB_OK) {
		/*
		 * The run is void; stop rather than send again at once, which
		 * while the pool is down fails at once, forever: the pool's
		 * deferred callbacks then starve every timer of the loop.
		 */
		if (b->failed++ == 0)
			fprintf(stderr, "pool_bench: status %d: %s\n",
			    (int)r->status, r->error != NULL ? r->error : "");
		b->stopping = 1;
	} else if (r->res == NULL || PQntuples(r->res) != 1 ||
	    strcmp(PQgetvalue(r->res, 0, 0), "1") != 0)
		b->wrong++;
	if (b->max_queries != 0 && b->sent >= b->max_queries)
		b->stopping = 1;
	if (!b->stopping)
		bench_send(s);
	else if (b->outstanding == 0) {
		b->end = bench_clock_s(CLOCK_MONOTONIC);
		event_base_loopexit(b->base, NULL);
	}
}

static void
bench_send(struct bench_slot *s)
{
	struct bench *b = s->b;

	s->pending = 1;
	b->outstanding++;
	b->sent++;
	db_query(b->db, "SELECT 1", 0, NULL, bench_query_cb, s);
}

static void
bench_stop_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bench *b = arg;

	(void)fd;
	(void)ev;
	b->stopping = 1;
}

static void
bench_watch_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bench *b = arg;
	struct db_stats st;

	(void)fd;
	(void)ev;
	if (b->done != b->last_done) {
		b->last_done = b->done;
		b->stalled_s = 0;
		return;
	}
	if (++b->stalled_s < BENCH_STALL_S)
		return;
	/* The pool's own timeouts should have answered long ago: a hang. */
	db_stats(b->db, &st);
	fprintf(stderr,
	    "pool_bench: no answer for %d s: outstanding=%d "
	    "connections=%d busy=%d waiting=%d\n",
	    BENCH_STALL_S, b->outstanding, st.connections, st.busy, st.waiting);
	b->broken = 1;
	event_base_loopbreak(b->base);
}

/* Measures from the moment every connection is up, not from connecting. */
static void
bench_wait_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct bench *b = arg;
	struct timeval tv = {0, 10000};
	struct db_stats st;
	int i;

	(void)fd;
	(void)ev;
	db_stats(b->db, &st);
	if (st.connections < b->conns) {
		if ((b->waited_ms += 10) >= BENCH_CONNECT_WAIT_S * 1000) {
			fprintf(stderr,
			    "pool_bench: %d of %d connections up "
			    "after %d s: %s\n",
			    st.connections, b->conns, BENCH_CONNECT_WAIT_S,
			    db_last_error(b->db) != NULL ? db_last_error(b->db)
			                                 : "no error");
			b->broken = 1;
			event_base_loopbreak(b->base);
		} else
			evtimer_add(b->ev_wait, &tv);
		return;
	}
	b->start = bench_clock_s(CLOCK_MONOTONIC);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	event_add(b->ev_watch, &tv);
	if (b->max_queries == 0) {
		tv.tv_sec = b->seconds;
		evtimer_add(b->ev_stop, &tv);
	}
	for (i = 0; i < b->in_flight; i++) {
		if (b->max_queries != 0 && b->sent >= b->max_queries)
			break;
		bench_send(&b->slots[i]);
	}
}

/* After db_free: a callback it delivered late counts as extra. */
static int
bench_check(struct bench *b)
{
	const struct db_stats *st = &b->st;

	if (b->extra != 0 || b->done != b->sent || st->queries != b->sent ||
	    st->busy != 0 || st->waiting != 0 || b->failed != 0 ||
	    b->wrong != 0) {
		fprintf(stderr,
		    "pool_bench: run void: sent=%lu "
		    "callbacks=%lu extra=%lu failed=%lu wrong=%lu "
		    "pool_queries=%lu busy=%d waiting=%d\n",
		    b->sent, b->done, b->extra, b->failed, b->wrong,
		    st->queries, st->busy, st->waiting);
		return -1;
	}
	return 0;
}

static void
bench_usage(void)
{
	fprintf(stderr,
	    "usage: pool_bench [-c conns] [-k in_flight] "
	    "[-t seconds] [-n queries] conninfo\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench b;
	struct db_config dbc;
	int ch, i, rc;

	memset(&b, 0, sizeof b);
	b.conns = b.in_flight = 4;
	b.seconds = 5;
	while ((ch = getopt(argc, argv, "c:k:t:n:")) != -1) {
		switch (ch) {
		case 'c':
			b.conns = atoi(optarg);
			break;
		case 'k':
			b.in_flight = atoi(optarg);
			break;
		case 't':
			b.seconds = atoi(optarg);
			break;
		case 'n':
			b.max_queries = strtoul(optarg, NULL, 10);
			break;
		default:
			bench_usage();
		}
	}
	if (optind != argc - 1 || b.conns < 1 || b.conns > 64 ||
	    b.in_flight < 1 || b.seconds < 1)
		bench_usage();
	log_init(LOG_LEVEL_WARN, stderr);

	/* The defaults of patrold, with room in the queue for every query. */
	memset(&dbc, 0, sizeof dbc);
	dbc.conninfo = argv[optind];
	dbc.pool_size = b.conns;
	dbc.connect_timeout_ms = 3000;
	dbc.statement_timeout_ms = 5000;
	dbc.queue_max = b.in_flight + 1;
	dbc.queue_timeout_ms = 2000;

	b.base = event_base_new();
	b.slots = calloc((size_t)b.in_flight, sizeof *b.slots);
	if (b.base == NULL || b.slots == NULL) {
		fprintf(stderr, "pool_bench: out of memory\n");
		return 1;
	}
	b.db = db_new(b.base, &dbc);
	for (i = 0; i < b.in_flight; i++)
		b.slots[i].b = &b;
	b.ev_wait = evtimer_new(b.base, bench_wait_cb, &b);
	b.ev_watch = event_new(b.base, -1, EV_PERSIST, bench_watch_cb, &b);
	b.ev_stop = evtimer_new(b.base, bench_stop_cb, &b);
	event_active(b.ev_wait, EV_TIMEOUT, 0);
	event_base_dispatch(b.base);

	db_stats(b.db, &b.st);
	event_free(b.ev_wait);
	event_free(b.ev_watch);
	event_free(b.ev_stop);
	db_free(b.db);
	event_base_free(b.base);
	free(b.slots);
	rc = 1;
	if (!b.broken && bench_check(&b) == 0) {
		printf("pool_bench: conns=%d in_flight=%d queries=%lu "
		       "seconds=%.3f qps=%.1f\n",
		    b.conns, b.in_flight, b.done, b.end - b.start,
		    (double)b.done / (b.end - b.start));
		rc = 0;
	}
	return rc;
}

/*
 * Reads from a hot standby (issue 19). Every DB_READ_POLL_MS the primary's
 * WAL position and the replica's replay position are read; the replica is
 * usable while its last answer is recent and it has replayed what the
 * primary had written max_lag_ms ago. Sessions that wrote are remembered
 * with the primary's position after their write (pending while a write is
 * in flight) until the replica has replayed it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>

#include "db_int.h"
#include "log.h"
#include "xmalloc.h"

#define DB_READ_POLL_MS  100
#define DB_READ_STALE_MS 1000 /* no answer from the replica for this long */
#define DB_READ_SAMPLES  128  /* primary positions remembered */
#define DB_READ_SESSIONS 8192

struct db_read_session {
	unsigned long long key; /* 0: free */
	int pending;            /* writes in flight */
	unsigned long long lsn; /* to be replayed first */
};

struct db_read {
	struct db *primary, *replica;
	int max_lag_ms;
	struct event *ev_poll;
	int polling_p, polling_r;
	double replica_seen_ms; /* last answer from the replica */
	unsigned long long replayed;
	struct {
		double at_ms;
		unsigned long long lsn;
	} samples[DB_READ_SAMPLES];
	int nsamples, next_sample;
	int usable;
	unsigned long long floor; /* evicted sessions' positions */
	struct db_read_session sessions[DB_READ_SESSIONS];
	unsigned long n_replica, n_primary, n_fallbacks;
};

static double
db_read_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* "16/B374D848" -> 0x16B374D848; 0 when not a position. */
static unsigned long long
db_read_lsn(const char *s)
{
	unsigned long hi, lo;

	if (s == NULL || sscanf(s, "%lX/%lX", &hi, &lo) != 2)
		return 0;
	return ((unsigned long long)hi << 32) | (lo & 0xffffffffUL);
}

static struct db_read_session *
db_read_session(struct db_read *rd, unsigned long long key, int add)
{
	size_t i, h = (size_t)(key * 0x9E3779B97F4A7C15ULL) % DB_READ_SESSIONS;
	struct db_read_session *s;

	if (key == 0)
		key = 1;
	for (i = 0; i < DB_READ_SESSIONS; i++) {
		s = &rd->sessions[(h + i) % DB_READ_SESSIONS];
		if (s->key == key)
			return s;
		if (s->key == 0 && add) {
			s->key = key;
			s->pending = 0;
			s->lsn = 0;
			return s;
		}
		if (s->key == 0)
			return NULL;
	}
	if (!add)
		return NULL;
	/* Full: forget one settled session, its position kept for all. */
	for (i = 0; i < DB_READ_SESSIONS; i++) {
		s = &rd->sessions[(h + i) % DB_READ_SESSIONS];
		if (s->pending == 0) {
			if (s->lsn > rd->floor)
				rd->floor = s->lsn;
			s->key = key;
			s->lsn = 0;
			return s;
		}
	}
	return NULL;
}

/* Drops the sessions whose writes the replica has replayed (rehashing
 * what follows each in its probe run). */
static void
db_read_sweep(struct db_read *rd)
{
	struct db_read_session keep[DB_READ_SESSIONS], *s;
	int i, n = 0, any = 0;

	for (i = 0; i < DB_READ_SESSIONS; i++) {
		s = &rd->sessions[i];
		if (s->key == 0)
			continue;
		if (s->pending == 0 && s->lsn <= rd->replayed)
			any = 1;
		else
			keep[n++] = *s;
	}
	if (!any)
		return;
	memset(rd->sessions, 0, sizeof rd->sessions);
	for (i = 0; i < n; i++)
		*db_read_session(rd, keep[i].key, 1) = keep[i];
}

/*
 * Whether a replica's answer is to be asked of the primary instead: no
 * connection, a deadline, or a standby's own refusal: a write (25006), a
 * conflict with recovery (40001), shutting down (57...), a lost connection
 * (08...), or an error without a code.
 */
static int
db_read_again(const struct db_result *r)
{
	if (r->status == DB_UNAVAILABLE || r->status == DB_TIMEOUT)
		return 1;
	if (r->status != DB_ERROR)
		return 0;
	return r->sqlstate == NULL || strcmp(r->sqlstate, "25006") == 0 ||
	    strcmp(r->sqlstate, "40001") == 0 ||
	    strncmp(r->sqlstate, "57", 2) == 0 ||
	    strncmp(r->sqlstate, "08", 2) == 0;
}

static int
db_read_route(struct db *db, const struct db_scope *sc)
{
	struct db_read *rd = db->rd;
	struct db_read_session *s;
	int ok = rd->usable;

	if (ok &&
	    (rd->floor > rd->replayed ||
	        db_read_now_ms() - rd->replica_seen_ms > DB_READ_STALE_MS))
		ok = 0;
	if (ok && (s = db_read_session(rd, sc->key, 0)) != NULL &&
	    (s->pending > 0 || s->lsn > rd->replayed))
		ok = 0; /* read your own writes */
	if (ok)
		rd->n_replica++;
	else
		rd->n_primary++;
	return ok;
}

/* Where a new query goes: the replica if its scope may read there. */
struct db *
db_read_target(struct db *db, struct db_query *q)
{
	if (!q->scope.read || db->rd == NULL || !db_read_route(db, &q->scope))
		return db;
	q->primary = db;
	return db->rd->replica;
}

/*
 * A query answered by the replica: when the replica could not, it is
 * queued again on the primary and 1 returned; else 0 (deliver r).
 */
int
db_read_retry(struct db_query *q, const struct db_result *r)
{
	struct db *p = q->primary;

	if (p == NULL || p->freeing || !db_read_again(r))
		return 0;
	if (p->rd != NULL)
		p->rd->n_fallbacks++;
	PQclear(q->res);
	q->res = NULL;
	free(q->error);
	q->error = NULL;
	if (q->ev_timeout != NULL)
		event_free(q->ev_timeout);
	q->ev_timeout = NULL;
	q->primary = NULL;
	db_enqueue(p, q);
	return 1;
}

static void
db_read_update(struct db_read *rd)
{
	double now = db_read_now_ms(), want = now - rd->max_lag_ms;
	unsigned long long due = 0;
	int i, usable;

	/* The newest primary position at least max_lag_ms old. */
	for (i = 0; i < rd->nsamples; i++)
		if (rd->samples[i].at_ms <= want && rd->samples[i].lsn > due)
			due = rd->samples[i].lsn;
	usable = now - rd->replica_seen_ms <= DB_READ_STALE_MS &&
	    rd->replayed >= due && rd->replayed != 0;
	if (usable != rd->usable)
		log_info("event=read_replica_%s replayed=%llX",
		    usable ? "used" : "avoided", rd->replayed);
	rd->usable = usable;
	db_read_sweep(rd);
}

static void
db_read_primary_cb(struct db_result *r, void *arg)
{
	struct db_read *rd = arg;
	unsigned long long lsn;

	rd->polling_p = 0;
	if (r->status != DB_OK || PQntuples(r->res) != 1)
		return;
	lsn = db_read_lsn(PQgetvalue(r->res, 0, 0));
	rd->samples[rd->next_sample].at_ms = db_read_now_ms();
	rd->samples[rd->next_sample].lsn = lsn;
	rd->next_sample = (rd->next_sample + 1) % DB_READ_SAMPLES;
	if (rd->nsamples < DB_READ_SAMPLES)
		rd->nsamples++;
	db_read_update(rd);
}

static void
db_read_replica_cb(struct db_result *r, void *arg)
{
	struct db_read *rd = arg;

	rd->polling_r = 0;
	if (r->status == DB_OK && PQntuples(r->res) == 1 &&
	    strcmp(PQgetvalue(r->res, 0, 1), "t") == 0) {
		rd->replayed = db_read_lsn(PQgetvalue(r->res, 0, 0));
		rd->replica_seen_ms = db_read_now_ms();
	}
	db_read_update(rd);
}

static void
db_read_poll_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_read *rd = arg;

	(void)fd;
	(void)ev;
	if (!rd->polling_p) {
		rd->polling_p = 1;
		db_query(rd->primary, "SELECT pg_current_wal_lsn()::text", 0,
		    NULL, db_read_primary_cb, rd);
	}
	if (!rd->polling_r) {
		rd->polling_r = 1;
		db_query(rd->replica,
		    "SELECT pg_last_wal_replay_lsn()::text,"
		    " pg_is_in_recovery()",
		    0, NULL, db_read_replica_cb, rd);
	}
	if (!rd->polling_p && !rd->polling_r)
		db_read_update(rd);
}

void
db_set_replica(struct db *primary, struct db *replica, int max_lag_ms)
{
	struct db_read *rd = xcalloc(1, sizeof *rd);
	struct timeval tv = {0, DB_READ_POLL_MS * 1000};

	rd->primary = primary;
	rd->replica = replica;
	rd->max_lag_ms = max_lag_ms;
	rd->replica_seen_ms = -1e18;
	rd->ev_poll =
	    event_new(primary->base, -1, EV_PERSIST, db_read_poll_cb, rd);
	event_add(rd->ev_poll, &tv);
	primary->rd = rd;
	db_read_poll_cb(-1, 0, rd);
}

void
db_read_free(struct db_read *rd)
{
	event_free(rd->ev_poll);
	/* Its queries in flight are answered (and not run again) here. The
	 * caller frees rd once the primary's queries holding it are answered.
	 */
	db_free(rd->replica);
	rd->replica = NULL;
}

void
db_write_begin(struct db *db, unsigned long long key)
{
	struct db_read_session *s;

	if (db->rd == NULL)
		return;
	if ((s = db_read_session(db->rd, key, 1)) == NULL) {
		/* Every slot has a write in flight: all reads wait. */
		db->rd->floor = ~0ULL;
		return;
	}
	s->pending++;
}

struct db_read_write {
	struct db *db; /* the primary: outlives its queries' callbacks */
	unsigned long long key;
};

static void
db_read_written_cb(struct db_result *r, void *arg)
{
	struct db_read_write *w = arg;
	struct db_read *rd = w->db->rd;
	struct db_read_session *s;
	unsigned long long lsn = ~0ULL;

	if (rd != NULL && !w->db->freeing) {
		if (r->status == DB_OK && PQntuples(r->res) == 1)
			lsn = db_read_lsn(PQgetvalue(r->res, 0, 0));
		if ((s = db_read_session(rd, w->key, 0)) != NULL) {
			if (s->pending > 0)
				s->pending--;
			/* Unknown position: not before the next one known. */
			if (lsn == ~0ULL && rd->nsamples > 0)
				lsn = rd->samples[(rd->next_sample +
				                      DB_READ_SAMPLES - 1) %
				            DB_READ_SAMPLES]
				          .lsn +
				    1;
			if (lsn > s->lsn)
				s->lsn = lsn;
		}
	}
	free(w);
}

void
db_write_end(struct db *db, unsigned long long key)
{
	struct db_read_write *w;

	if (db->rd == NULL || db->freeing)
		return;
	w = xcalloc(1, sizeof *w);
	w->db = db;
	w->key = key;
	db_query(db, "SELECT pg_current_wal_lsn()::text", 0, NULL,
	    db_read_written_cb, w);
}

void
db_read_stats(struct db *db, struct db_read_stats *st)
{
	struct db_read *rd = db->rd;
	unsigned long long last;

	memset(st, 0, sizeof *st);
	if (rd == NULL)
		return;
	st->configured = 1;
	st->usable = rd->usable;
	st->replica = rd->n_replica;
	st->primary = rd->n_primary;
	st->fallbacks = rd->n_fallbacks;
	if (rd->nsamples > 0) {
		last = rd->samples[(rd->next_sample + DB_READ_SAMPLES - 1) %
		             DB_READ_SAMPLES]
		           .lsn;
		st->lag_bytes =
		    last > rd->replayed ? (long long)(last - rd->replayed) : 0;
	}
}

/*
 * The sync worker of "patrol-agent serve" (see serve.c's comment for why
 * a thread): it runs sync.c's blocking exchanges on its own SQLite
 * connection when asked, fetches the way-back suggestions now and then,
 * and tells the loop through a pipe that it finished, so the loop can
 * schedule the next sync with back-off.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "serve_int.h"

static void
serve_wayback_store(struct agent *w)
{
	struct gps_fix f;
	char *json = NULL, *cause = NULL;
	int has = track_last(w, 10 * 60 * 1000, &f) == 1;

	/* The fetch says why it failed in cause; a write, the database. */
	if (sync_wayback_fetch(w, has, f.lat, f.lon, &json, &cause) != 0 ||
	    outbox_set(w, "wayback_json", json) != 0 ||
	    outbox_set_int(w, "wayback_ms", agent_now_ms()) != 0) {
		if (cause == NULL && json != NULL)
			cause = outbox_errmsg(w);
		agent_log(w, "wayback: %s", cause != NULL ? cause : "failed");
	}
	free(json);
	free(cause);
}

void *
serve_worker(void *arg)
{
	struct serve *s = arg;
	struct agent w = {.dir = s->a->dir, .verbose = s->a->verbose};
	char *cause = NULL, c = 's';
	int rc, wayback;

	if (outbox_open(&w, &cause) != 0 || outbox_relax(&w, &cause) != 0) {
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

void
serve_sync_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	serve_sync_soon(arg, 0);
}

/* A sync ended: when the next one is. */
void
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

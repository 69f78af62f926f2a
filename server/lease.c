/*
 * The timers' leases; see lease.h. The held set is known locally, so a
 * timer's tick costs no query: a lease counts as held until two thirds of
 * its time after the heartbeat that renewed it was SENT (the database dates
 * the lease later than that), so two instances never both believe they
 * hold one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "lease.h"
#include "log.h"
#include "store_timers.h"

static const char *const lease_names[LEASE_COUNT] = {
    "escalate", "archive", "retention", "planner"};

/* The timer's and the claim's argument is the app; ev NULL: stopped. */
static struct {
	struct event *ev;
	char holder[128];
	int busy;
	struct timespec sent; /* of the heartbeat in flight */
	struct timespec valid_until[LEASE_COUNT];
	int held[LEASE_COUNT];
	void (*on_take[LEASE_COUNT])(void *);
	void *on_take_arg[LEASE_COUNT];
} lease;

static double
lease_ts(const struct timespec *t)
{
	return (double)t->tv_sec + t->tv_nsec / 1e9;
}

static double
lease_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return lease_ts(&t);
}

int
lease_held(enum lease_name n)
{
	return lease.held[n] && lease_now() < lease_ts(&lease.valid_until[n]);
}

void
lease_on_take(enum lease_name n, void (*cb)(void *), void *arg)
{
	lease.on_take[n] = cb;
	lease.on_take_arg[n] = arg;
}

const char *
lease_holder(void)
{
	return lease.holder;
}

static void
lease_claimed_cb(struct db_result *r, void *arg)
{
	struct app *app = arg;
	int now[LEASE_COUNT] = {0}, i, n;
	const char *name;
	double ms;

	lease.busy = 0;
	if (lease.ev == NULL)
		return; /* stopping */
	if (r->status != DB_OK) {
		/* Held leases run out on their own (lease_held). */
		log_warnx("event=lease_renew_failed error=%s", log_q(r->error));
		return;
	}
	for (i = 0; (name = store_timers_claim_row(r->res, i)) != NULL; i++)
		for (n = 0; n < LEASE_COUNT; n++)
			if (strcmp(name, lease_names[n]) == 0)
				now[n] = 1;
	ms = app->cfg->timer_lease_ms * 2.0 / 3.0;
	for (n = 0; n < LEASE_COUNT; n++) {
		int was = lease_held(n);

		lease.held[n] = now[n];
		if (now[n]) {
			lease.valid_until[n] = lease.sent;
			lease.valid_until[n].tv_sec += (time_t)(ms / 1000);
			lease.valid_until[n].tv_nsec +=
			    (long)((ms - (time_t)(ms / 1000) * 1000.0) * 1e6);
			if (lease.valid_until[n].tv_nsec >= 1000000000L) {
				lease.valid_until[n].tv_sec++;
				lease.valid_until[n].tv_nsec -= 1000000000L;
			}
		}
		if (now[n] && !was) {
			log_info("event=lease_taken timer=%s holder=%s",
			    lease_names[n], log_q(lease.holder));
			if (lease.on_take[n] != NULL)
				lease.on_take[n](lease.on_take_arg[n]);
		} else if (!now[n] && was)
			log_warnx("event=lease_lost timer=%s", lease_names[n]);
	}
}

static void
lease_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct app *app = arg;
	char names[128];
	int n;
	size_t off = 0;

	(void)fd;
	(void)ev;
	if (lease.busy || app->stopping)
		return;
	lease.busy = 1;
	names[off++] = '{';
	for (n = 0; n < LEASE_COUNT; n++)
		off += (size_t)snprintf(names + off, sizeof names - off, "%s%s",
		    n ? "," : "", lease_names[n]);
	snprintf(names + off, sizeof names - off, "}");
	clock_gettime(CLOCK_MONOTONIC, &lease.sent);
	store_timers_claim(app->db, lease.holder, names,
	    app->cfg->timer_lease_ms, lease_claimed_cb, app);
}

void
lease_start(struct app *a)
{
	struct timeval tv;
	char host[64];
	int ms = a->cfg->timer_lease_ms / 3;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(lease.holder, sizeof lease.holder, "%s:%ld:%08x", host,
	    (long)getpid(), (unsigned)randombytes_random());
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	lease.ev = event_new(a->base, -1, EV_PERSIST, lease_tick_cb, a);
	event_add(lease.ev, &tv);
	lease_tick_cb(-1, 0, a);
}

void
lease_stop(struct app *a)
{
	struct db_wait w = {0};
	char *cause;
	int n, any = 0;

	if (lease.ev == NULL)
		return; /* never started */
	event_free(lease.ev);
	lease.ev = NULL;
	for (n = 0; n < LEASE_COUNT; n++)
		any |= lease.held[n];
	if (any) {
		store_timers_release(a->db, lease.holder, db_wait_cb, &w);
		if (db_wait(a->db, &w, NULL, &cause) != 0) {
			log_warnx("event=lease_release_failed error=%s",
			    log_q(cause));
			free(cause);
		} else
			log_info("event=lease_released holder=%s",
			    log_q(lease.holder));
	}
	memset(&lease, 0, sizeof lease);
}

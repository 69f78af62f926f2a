/*
 * Wakes every instance's listeners after events were recorded (issue 19).
 * patrold's sessions do not NOTIFY inside the transaction that records an
 * event (schema/0280: that would serialise every commit through
 * PostgreSQL's notify lock); the pool reports each such statement once it
 * has committed (db_on_deferred) and this module NOTIFYs the channel in a
 * statement of its own. Bursts coalesce: at most one NOTIFY is in flight,
 * sent EVENTS_WAKE_MS after the first report; reports that come while it
 * is in flight get one more, sent after it. So every committed event is
 * followed by a NOTIFY sent after its commit, as before.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "app.h"
#include "db.h"
#include "events_wake.h"
#include "log.h"
#include "store_timers.h"
#include "xmalloc.h"

#define EVENTS_WAKE_MS 2

struct events_wake {
	struct db *db;
	struct event *ev;
	char *channel;
	int busy;  /* a NOTIFY in flight */
	int again; /* reported meanwhile: one more after it */
};

static void events_wake_send(struct events_wake *);

static void
events_wake_done_cb(struct db_result *r, void *arg)
{
	struct events_wake *w = arg;

	w->busy = 0;
	if (r->status != DB_OK)
		/* The feed's keep-alive tick and the planner's minute catch up.
		 */
		log_warnx("event=events_wake_failed error=%s", log_q(r->error));
	if (w->again) {
		w->again = 0;
		events_wake_send(w);
	}
}

static void
events_wake_send(struct events_wake *w)
{
	w->busy = 1;
	store_timers_notify(w->db, w->channel, events_wake_done_cb, w);
}

static void
events_wake_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct events_wake *w = arg;

	(void)fd;
	(void)ev;
	if (w->busy)
		w->again = 1;
	else
		events_wake_send(w);
}

static void
events_wake_deferred_cb(const char *channel, void *arg)
{
	struct events_wake *w = arg;
	struct timeval tv = {0, EVENTS_WAKE_MS * 1000};

	if (strcmp(channel, w->channel) != 0) {
		log_warnx("event=events_wake_unknown_channel channel=%s",
		    log_q(channel));
		return;
	}
	if (w->busy)
		w->again = 1;
	else if (!evtimer_pending(w->ev, NULL))
		evtimer_add(w->ev, &tv);
}

struct events_wake *
events_wake_start(struct event_base *base, struct db *db)
{
	struct events_wake *w = xcalloc(1, sizeof *w);

	w->db = db;
	w->channel = xstrdup("patrol_events");
	w->ev = evtimer_new(base, events_wake_timer_cb, w);
	db_on_deferred(db, events_wake_deferred_cb, w);
	return w;
}

void
events_wake_stop(struct events_wake *w)
{
	if (w == NULL)
		return;
	event_free(w->ev);
	free(w->channel);
	free(w);
}

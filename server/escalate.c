/*
 * Escalation: an assignment not accepted within its category's accept time
 * goes back to the top of the queue with an "escalate" event. A timer asks
 * the database; with several patrold processes only the holder of the
 * escalation lease asks (lease.h), and SKIP LOCKED in the statement would
 * still make every request escalate once.
 *
 * The same tick returns hand-overs nobody confirmed in time to the queue
 * (issue 16), with the same guarantee.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "lease.h"
#include "log.h"
#include "store_handover.h"
#include "store_requests.h"
#include "store_result.h"

/* The timer's argument is the app. */
static struct {
	struct event *ev;
	int busy;
	int returning;
} esc;

static void
escalate_done_cb(struct db_result *r, void *arg)
{
	(void)arg;
	esc.busy = 0;
	if (r->status != DB_OK)
		log_warnx(
		    "event=escalation_check_failed error=%s", log_q(r->error));
	else if (store_result_rows(r->res) > 0)
		log_info("event=escalated count=%d", store_result_rows(r->res));
}

static void
escalate_returned_cb(struct db_result *r, void *arg)
{
	(void)arg;
	esc.returning = 0;
	if (r->status != DB_OK)
		log_warnx("event=handover_return_check_failed error=%s",
		    log_q(r->error));
	else if (store_result_rows(r->res) > 0)
		log_info("event=handovers_returned count=%d",
		    store_result_rows(r->res));
}

static void
escalate_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct app *app = arg;

	(void)fd;
	(void)ev;
	if (!lease_held(LEASE_ESCALATE))
		return; /* another instance runs it (lease.h) */
	if (!esc.returning) {
		esc.returning = 1;
		store_handover_return_due(app->db, escalate_returned_cb, NULL);
	}
	if (esc.busy)
		return;
	esc.busy = 1;
	store_escalate_due(app->db, escalate_done_cb, NULL);
}

void
escalate_start(struct app *a)
{
	struct timeval tv;

	tv.tv_sec = a->cfg->escalation_check_ms / 1000;
	tv.tv_usec = (a->cfg->escalation_check_ms % 1000) * 1000;
	esc.ev = event_new(a->base, -1, EV_PERSIST, escalate_tick_cb, a);
	event_add(esc.ev, &tv);
}

void
escalate_stop(void)
{
	if (esc.ev != NULL)
		event_free(esc.ev);
	esc.ev = NULL;
}

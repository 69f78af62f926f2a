/*
 * Business gauges on /metrics (issue 18): what the office watches, next to
 * the process metrics. The samples come from one SQL function per scrape
 * (schema/functions/metrics_business.sql); the current week's coverage
 * share is computed in the background every metrics_coverage_s seconds, since a
 * coverage run reads every track of the week.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <libpq-fe.h>

#include "app.h"
#include "config.h"
#include "coverage.h"
#include "coverage_week.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "store_ops.h"
#include "store_result.h"
#include "xmalloc.h"

#define COVERAGE_KINDS 4
static const char *metrics_kinds[COVERAGE_KINDS] = {
    "all", "road", "river", "park"};

struct metrics_coverage {
	struct app *app;
	struct event *ev;
	int running;
	int have;
	char week[16];
	double km_due[COVERAGE_KINDS], km_on_time[COVERAGE_KINDS];
	time_t computed_at;
};

static const struct {
	const char *name, *help;
} metrics_help[] = {
    {"patrol_requests_open", "Open requests, by state and priority."},
    {"patrol_callbacks",
        "Call-backs promised and not made: due (not yet) "
        "or overdue."},
    {"patrol_crews",
        "Crews by state: busy (a job in hand), available, "
        "break, off_duty."},
    {"patrol_device_sync_age_seconds",
        "Seconds since each enrolled handheld last synced."},
    {"patrol_unsynced_oldest_seconds",
        "Age of the oldest item waiting for a sync (0: none), by kind."},
};

static const char *
metrics_help_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof metrics_help / sizeof *metrics_help; i++) {
		if (strcmp(metrics_help[i].name, name) == 0)
			return metrics_help[i].help;
	}
	return "Business gauge.";
}

void
metrics_business_render(
    struct evbuffer *b, PGresult *res, const struct metrics_coverage *cov)
{
	struct store_metric m;
	const char *last = "";
	int i, k;

	evbuffer_add_printf(b,
	    "# HELP patrol_business_up 1 when the business gauges below "
	    "could be read from the database.\n"
	    "# TYPE patrol_business_up gauge\n"
	    "patrol_business_up %d\n",
	    res != NULL);
	for (i = 0; store_ops_metrics_row(res, i, &m); i++) {
		if (strcmp(m.name, last) != 0)
			evbuffer_add_printf(b,
			    "# HELP %s %s\n# TYPE %s gauge\n", m.name,
			    metrics_help_of(m.name), m.name);
		last = m.name;
		evbuffer_add_printf(
		    b, "%s{%s} %s\n", m.name, m.labels, m.value);
	}
	if (cov == NULL || !cov->have)
		return;
	evbuffer_add_printf(b,
	    "# HELP patrol_coverage_week_share Share of the length due this "
	    "week that was inspected on time, by network kind.\n"
	    "# TYPE patrol_coverage_week_share gauge\n");
	for (k = 0; k < COVERAGE_KINDS; k++) {
		if (cov->km_due[k] > 0)
			evbuffer_add_printf(b,
			    "patrol_coverage_week_share{week=\"%s\",kind=\"%"
			    "s\"} "
			    "%.4f\n",
			    cov->week, metrics_kinds[k],
			    cov->km_on_time[k] / cov->km_due[k]);
	}
	evbuffer_add_printf(b,
	    "# HELP patrol_coverage_week_due_km Length due this week, by "
	    "network kind.\n"
	    "# TYPE patrol_coverage_week_due_km gauge\n");
	for (k = 0; k < COVERAGE_KINDS; k++)
		evbuffer_add_printf(b,
		    "patrol_coverage_week_due_km{week=\"%s\",kind=\"%s\"} "
		    "%.3f\n",
		    cov->week, metrics_kinds[k], cov->km_due[k]);
	evbuffer_add_printf(b,
	    "# HELP patrol_coverage_computed_timestamp_seconds When the "
	    "coverage gauges were computed.\n"
	    "# TYPE patrol_coverage_computed_timestamp_seconds gauge\n"
	    "patrol_coverage_computed_timestamp_seconds %lld\n",
	    (long long)cov->computed_at);
}

static void
metrics_coverage_report_cb(
    struct coverage_report *rep, const char *error, void *arg)
{
	struct metrics_coverage *m = arg;
	size_t i;
	int k;

	m->running = 0;
	if (rep == NULL) {
		log_warnx(
		    "event=metrics_coverage_failed error=%s", log_q(error));
		return;
	}
	for (k = 0; k < COVERAGE_KINDS; k++)
		m->km_due[k] = m->km_on_time[k] = 0;
	for (i = 0; i < rep->nsummary; i++) {
		const struct report_summary *s = &rep->summary[i];

		for (k = 1; k < COVERAGE_KINDS; k++) {
			if (s->kind != NULL &&
			    strcmp(s->kind, metrics_kinds[k]) == 0) {
				m->km_due[k] += s->km_due;
				m->km_on_time[k] += s->km_on_time;
			}
		}
		m->km_due[0] += s->km_due;
		m->km_on_time[0] += s->km_on_time;
	}
	snprintf(m->week, sizeof m->week, "%s", rep->week);
	m->computed_at = time(NULL);
	m->have = 1;
	report_free(rep);
}

static void
metrics_coverage_week_cb(struct db_result *r, void *arg)
{
	struct metrics_coverage *m = arg;
	struct coverage_params params;
	char week[16];

	if (r->status != DB_OK) {
		m->running = 0;
		log_warnx(
		    "event=metrics_coverage_failed error=%s", log_q(r->error));
		return;
	}
	snprintf(week, sizeof week, "%s",
	    store_result_text(r->res) ? store_result_text(r->res) : "");
	coverage_week_params(m->app->cfg, &params);
	/* No ward set: names are not needed, and a reload may replace it. */
	coverage_week_run(m->app->db, week, NULL, NULL, m->app->cfg->crs,
	    &params, metrics_coverage_report_cb, m);
}

static void
metrics_coverage_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct metrics_coverage *m = arg;
	struct timeval tv = {m->app->cfg->metrics_coverage_s, 0};

	(void)fd;
	(void)ev;
	evtimer_add(m->ev, &tv);
	if (m->running || m->app->stopping)
		return;
	m->running = 1;
	store_ops_current_week_q(m->app->db, metrics_coverage_week_cb, m);
}

struct metrics_coverage *
metrics_coverage_start(struct app *a)
{
	struct metrics_coverage *m = xcalloc(1, sizeof *m);
	/* The first after one period too: a short-lived server adds none. */
	struct timeval tv = {a->cfg->metrics_coverage_s, 0};

	m->app = a;
	m->ev = evtimer_new(a->base, metrics_coverage_tick_cb, m);
	evtimer_add(m->ev, &tv);
	return m;
}

void
metrics_coverage_stop(struct metrics_coverage *m)
{
	if (m == NULL)
		return;
	event_free(m->ev);
	free(m);
}

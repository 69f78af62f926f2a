/*
 * The crews' day plans inside patrold: the plan of one crew from its
 * input, and the live re-planning after each change (see planner.h).
 * Distances: shortest paths on the imported road network (roads.h) where
 * both ends of a drive are near a road, else straight line in the
 * projected CRS x the detour factor; each stop and plan says which.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "api.h"
#include "app.h"
#include "config.h"
#include "db.h"
#include "geo.h"
#include "lease.h"
#include "log.h"
#include "plan.h"
#include "planner.h"
#include "roads.h"
#include "store_plan.h"
#include "store_requests.h"
#include "store_result.h"
#include "store_timers.h"
#include "xmalloc.h"

json_t *
planner_time(double now, double minutes)
{
	char buf[32];
	time_t t = (time_t)llround(now + minutes * 60);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static void
plan_reason(json_t *a, const char *code, const char *ja, const char *en)
{
	json_array_append_new(a,
	    json_pack(
	        "{s:s,s:s,s:s}", "code", code, "text_ja", ja, "text", en));
}

const char *
planner_travel_by(enum plan_travel t)
{
	return t == PLAN_TRAVEL_ROAD    ? "road_network"
	    : t == PLAN_TRAVEL_STRAIGHT ? "straight_line_x_detour"
	                                : NULL;
}

void
planner_distances(
    json_t *o, const struct rank_params *p, int road, int straight)
{
	char ja[160], en[160];
	const char *code;

	if (road > 0 && straight == 0) {
		code = "road_network";
		snprintf(ja, sizeof ja, "道路網で計算");
		snprintf(en, sizeof en, "shortest paths on the road network");
	} else if (road > 0) {
		code = "mixed";
		snprintf(ja, sizeof ja,
		    "道路網で計算（道路から離れた%d件は直線距離×迂回係数%.2g）",
		    straight, p->detour);
		snprintf(en, sizeof en,
		    "road network (%d drive(s) off the roads: straight line x "
		    "detour %.2g)",
		    straight, p->detour);
	} else {
		code = "straight_line_x_detour";
		snprintf(ja, sizeof ja, "直線距離×迂回係数%.2g%s", p->detour,
		    p->net == NULL     ? "（道路網の取り込みなし）"
		        : straight > 0 ? "（道路から離れているため）"
		                       : "");
		snprintf(en, sizeof en, "straight line x detour %.2g%s",
		    p->detour,
		    p->net == NULL     ? " (no road network imported)"
		        : straight > 0 ? " (off the road network)"
		                       : "");
	}
	json_object_set_new(o, "distances", json_string(code));
	json_object_set_new(o, "distances_ja", json_string(ja));
	json_object_set_new(o, "distances_en", json_string(en));
}

/* The reasons a dispatcher reads beside each stop, Japanese first. */
static json_t *
plan_reasons(
    const struct plan_job *j, double shift_end, const struct rank_params *p)
{
	json_t *a = json_array();
	char ja[200], en[200];

	if (p->net != NULL && j->travel_by == PLAN_TRAVEL_STRAIGHT)
		plan_reason(a, "off_network",
		    "道路から離れているため直線距離×迂回係数で計算",
		    "off the road network: straight line x detour");

	if (j->fixed == PLAN_ON_SITE)
		plan_reason(a, "on_site", "現場で作業中", "on site now");
	else if (j->fixed == PLAN_EN_ROUTE)
		plan_reason(a, "en_route", "移動中", "on its way");
	else if (j->fixed == PLAN_PINNED) {
		snprintf(ja, sizeof ja, "指令員が%d番目に固定", j->pin);
		snprintf(en, sizeof en, "pinned at place %d by a dispatcher",
		    j->pin);
		plan_reason(a, "pinned", ja, en);
	}
	if (j->start > j->arrive + 0.5) {
		snprintf(ja, sizeof ja, "住民の都合の時間まで%ld分待ち",
		    lround(j->start - j->arrive));
		snprintf(en, sizeof en,
		    "waits %ld min for the resident's window",
		    lround(j->start - j->arrive));
		plan_reason(a, "waits", ja, en);
	}
	if (j->window_to < 1e8 && j->arrive > j->window_to + 0.5) {
		snprintf(ja, sizeof ja,
		    "約束の時間帯に%ld分遅れる見込み（先に%d件、移動%ld分）",
		    lround(j->arrive - j->window_to), j->order - 1,
		    lround(j->travel));
		snprintf(en, sizeof en,
		    "promised window missed by about %ld min (%d job(s) "
		    "first, %ld min travel)",
		    lround(j->arrive - j->window_to), j->order - 1,
		    lround(j->travel));
		plan_reason(a, "window_late", ja, en);
	} else if (j->window_to < 1e8) {
		plan_reason(a, "window_kept", "約束の時間帯に間に合う",
		    "within the promised window");
	}
	if (j->due_is_make_safe && j->late > 0.5) {
		snprintf(ja, sizeof ja,
		    "安全確保の期限に%ld分遅れる見込み（先に%d件）",
		    lround(j->late), j->order - 1);
		snprintf(en, sizeof en,
		    "make-safe deadline missed by about %ld min (%d job(s) "
		    "first)",
		    lround(j->late), j->order - 1);
		plan_reason(a, "make_safe_late", ja, en);
	}
	if (j->break_before > 0) {
		snprintf(ja, sizeof ja, "休憩（%ld分）の後に向かう",
		    lround(j->break_before));
		snprintf(en, sizeof en, "after the crew's %ld-minute break",
		    lround(j->break_before));
		plan_reason(a, "after_break", ja, en);
	}
	if (j->after_shift && j->break_before > 0 &&
	    j->finish - j->break_before <= shift_end + 0.5)
		plan_reason(a, "after_shift",
		    "休憩をはさむため勤務終了までに終わらない（残業）",
		    "cannot finish before the shift ends because of the break "
		    "(overtime)");
	else if (j->after_shift)
		plan_reason(a, "after_shift", "勤務終了後になる（残業）",
		    "after the shift ends (overtime)");
	return a;
}

static void
planner_store_cb(struct db_result *r, void *arg)
{
	(void)arg;
	if (r->status != DB_OK)
		log_warnx("plan expected=store_failed error=\"%s\"",
		    r->error != NULL ? r->error : "");
}

double
planner_num(json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

int
planner_job(struct plan_job *q, json_t *job)
{
	const char *state = json_string_value(json_object_get(job, "state"));
	double to = planner_num(job, "to_min", 1e9);
	double ms = planner_num(job, "make_safe_min", 1e9);
	char *cause;
	int rc = 0;

	if (geo_to_plane(planner_num(job, "lon", 0), planner_num(job, "lat", 0),
	        &q->e, &q->n, &cause) != 0) {
		free(cause);
		q->e = q->n = 0;
		rc = -1;
	}
	q->work = planner_num(job, "work_min", 45);
	q->ready = fmax(planner_num(job, "from_min", 0), 0);
	q->priority = (int)planner_num(job, "priority", 3);
	q->window_to = to;
	q->due = to < ms ? to : ms;
	q->due_is_make_safe = ms < to;
	q->pin = (int)planner_num(job, "pin", 0);
	q->fixed = PLAN_FREE;
	if (state != NULL && strcmp(state, "on_site") == 0)
		q->fixed = PLAN_ON_SITE;
	else if (state != NULL && strcmp(state, "en_route") == 0)
		q->fixed = PLAN_EN_ROUTE;
	else if (q->pin > 0)
		q->fixed = PLAN_PINNED;
	return rc;
}

int
planner_break(json_t *crew, struct plan_break *brk)
{
	json_t *b = json_object_get(crew, "break");

	if (!json_is_object(b))
		return 0;
	brk->from = planner_num(b, "from_min", 0);
	brk->to = planner_num(b, "to_min", 0);
	brk->len = planner_num(b, "len", 0);
	return 1;
}

/*
 * A planned job as the plan's JSON shows it (src: the job's input; slack:
 * how much the window told to residents widens).
 */
static json_t *
planner_stop_json(const struct plan_job *q, json_t *src, double now,
    double slack, double shift_end, const struct rank_params *p)
{
	json_t *o;

	o = json_pack("{s:I,s:i,s:O,s:O,s:O,s:O,s:o,s:o,s:o,s:o,s:o,"
	              "s:f,s:f,s:b,s:f,s:b,s:o}",
	    "request_id", q->id, "order", q->order, "state",
	    json_object_get(src, "state"), "category",
	    json_object_get(src, "category"), "name_ja",
	    json_object_get(src, "name_ja"), "name_en",
	    json_object_get(src, "name_en"), "arrive_at",
	    planner_time(now, q->arrive), "start_at",
	    planner_time(now, q->start), "finish_at",
	    planner_time(now, q->finish), "expected_from",
	    planner_time(now, q->arrive), "expected_to",
	    planner_time(now, q->arrive + slack), "travel_minutes",
	    round(q->travel * 10) / 10, "work_minutes", round(q->work),
	    "pinned", q->fixed == PLAN_PINNED, "late_minutes", round(q->late),
	    "after_shift", q->after_shift, "reasons",
	    plan_reasons(q, shift_end, p));
	json_object_set_new(o, "travel_by",
	    planner_travel_by(q->travel_by) != NULL
	        ? json_string(planner_travel_by(q->travel_by))
	        : json_null());
	json_object_set(o, "lat", json_object_get(src, "lat"));
	json_object_set(o, "lon", json_object_get(src, "lon"));
	json_object_set_new(o, "window_to",
	    q->window_to < 1e8 ? planner_time(now, q->window_to) : json_null());
	return o;
}

struct rank_params
planner_params(const struct app *app)
{
	struct rank_params p = {.speed_kmh = app->cfg->speed_kmh,
	    .detour = app->cfg->detour_pct / 100.0,
	    .net = roads_net(app->roads)};

	return p;
}

json_t *
planner_build(const struct rank_params *pp, json_t *input, json_t **expected)
{
	struct rank_params p = *pp;
	struct plan_break brk = {0, 0, 0, -1e9};
	json_t *crew, *pos, *jobs, *job, *stops, *exp, *o, *bj, *bo;
	struct plan_job *pj;
	double now, e, n, shift_end;
	char *cause;
	size_t i, nj = 0;
	int road = 0, straight = 0;

	now = planner_num(input, "now", 0);
	crew = json_object_get(input, "crew");
	pos = json_object_get(json_object_get(crew, "day"), "position");
	if (geo_to_plane(planner_num(pos, "lon", 0), planner_num(pos, "lat", 0),
	        &e, &n, &cause) != 0) {
		free(cause);
		e = n = 0;
	}
	shift_end = planner_num(crew, "shift_end_min", 1e6);
	jobs = json_object_get(input, "jobs");
	pj = xcalloc(json_array_size(jobs) + 1, sizeof *pj);
	json_array_foreach(jobs, i, job)
	{
		if (planner_job(&pj[nj], job) == 0)
			pj[nj++].id =
			    json_integer_value(json_object_get(job, "id"));
	}
	/* The crew's break: jobs and drives are planned around it. */
	bj = json_object_get(crew, "break");
	if (planner_break(crew, &brk))
		p.brk = &brk;
	plan_crew_day(e, n, shift_end, pj, (int)nj, &p);
	stops = json_array();
	exp = json_array();
	for (i = 0; i < nj; i++) {
		struct plan_job *q = &pj[i];
		json_t *src = NULL;
		size_t k;
		/* The window told to residents widens with the wait. */
		double slack = fmax(15, q->arrive * 0.25);

		json_array_foreach(jobs, k, job)
		{
			if (json_integer_value(json_object_get(job, "id")) ==
			    q->id)
				src = job;
		}
		json_array_append_new(stops,
		    planner_stop_json(q, src, now, slack, shift_end, &p));
		road += q->travel_by == PLAN_TRAVEL_ROAD;
		straight += q->travel_by == PLAN_TRAVEL_STRAIGHT;
		json_array_append_new(exp,
		    json_pack("{s:I,s:f,s:f}", "id", q->id, "from",
		        now + q->arrive * 60, "to",
		        now + (q->arrive + slack) * 60));
	}
	free(pj);
	*expected = exp;
	/* Where the break falls in this day (null: after the last job). */
	bo = json_is_object(bj)
	    ? json_pack("{s:O,s:O,s:i,s:o,s:o}", "start",
	          json_object_get(bj, "start"), "end",
	          json_object_get(bj, "end"), "minutes", (int)brk.len,
	          "start_at",
	          brk.start > -1e8 ? planner_time(now, brk.start) : json_null(),
	          "end_at",
	          brk.start > -1e8 ? planner_time(now, brk.start + brk.len)
	                           : json_null())
	    : json_null();
	o = json_pack("{s:O,s:O,s:O,s:O,s:O,s:o,s:f,s:i,s:o,s:o}", "crew_id",
	    json_object_get(crew, "id"), "code", json_object_get(crew, "code"),
	    "name", json_object_get(crew, "name"), "office_id",
	    json_object_get(crew, "office"), "day",
	    json_object_get(crew, "day"), "computed_at", planner_time(now, 0),
	    "detour", p.detour, "speed_kmh", (int)p.speed_kmh, "stops", stops,
	    "break", bo);
	planner_distances(o, &p, road, straight);
	return o;
}

/*
 * Live re-planning. One pass at a time: the crews touched since the last
 * event seen (or, every minute, every crew with open jobs) are planned,
 * their expected windows stored, and a "plan" event sent for each plan
 * whose order or expected times (to the minute) changed.
 */
#define PLANNER_DEBOUNCE_MS 50
#define PLANNER_PERIOD_S    60
#define PLANNER_MAX_CREWS   4096 /* remembered plan digests */

/*
 * The app goes to every timer, notification and query callback as its
 * argument; running is 0 once planner_stop() ran.
 */
static struct {
	int running;
	struct event *ev_soon, *ev_period;
	long long last; /* last event id seen; -1 unknown */
	int busy, again, all;
	struct {
		long long crew;
		uint64_t digest;
	} seen[PLANNER_MAX_CREWS];
	int nseen;
} planner;

static void planner_pass(struct app *);

static uint64_t
planner_digest(json_t *stops)
{
	uint64_t h = 1469598103934665603ULL;
	json_t *s;
	size_t i;
	const char *t;
	char buf[96];

	json_array_foreach(stops, i, s)
	{
		t = json_string_value(json_object_get(s, "expected_from"));
		/* To the minute: seconds drifting is no change. */
		snprintf(buf, sizeof buf, "%lld/%lld/%.16s;",
		    (long long)json_integer_value(
		        json_object_get(s, "request_id")),
		    (long long)json_integer_value(json_object_get(s, "order")),
		    t != NULL ? t : "");
		for (t = buf; *t != '\0'; t++)
			h = (h ^ (unsigned char)*t) * 1099511628211ULL;
	}
	return h;
}

/* 1 if the crew's plan differs from the one last sent. */
static int
planner_changed(long long crew, uint64_t d)
{
	int i;

	for (i = 0; i < planner.nseen; i++) {
		if (planner.seen[i].crew == crew) {
			if (planner.seen[i].digest == d)
				return 0;
			planner.seen[i].digest = d;
			return 1;
		}
	}
	if (planner.nseen < PLANNER_MAX_CREWS) {
		planner.seen[planner.nseen].crew = crew;
		planner.seen[planner.nseen++].digest = d;
	}
	return 1;
}

static void
planner_done(struct app *app)
{
	planner.busy = 0;
	if (!planner.running)
		return; /* stopping */
	if (planner.again) {
		planner.again = 0;
		planner_pass(app);
	}
}

static void
planner_announced_cb(struct db_result *r, void *arg)
{
	(void)arg;
	if (r->status != DB_OK)
		log_warnx(
		    "event=plan_announce_failed error=%s", log_q(r->error));
}

/*
 * Only the planner lease's holder plans (lease.h); every instance's viewers
 * get its plan events through NOTIFY (planner_plan_notify_cb). NOTIFY takes
 * under 8000 bytes: a larger plan (some 50 stops) is sent to this
 * instance's viewers only, and said so in the log.
 */
static void
planner_announce(struct app *app, const char *text)
{
	if (strlen(text) >= 7900) {
		log_warnx(
		    "event=plan_event_local_only bytes=%zu", strlen(text));
		api_events_broadcast("plan", text);
		return;
	}
	store_timers_announce_plan(app->db, text, planner_announced_cb, NULL);
}

static void
planner_plan_notify_cb(const char *channel, const char *payload, void *arg)
{
	(void)channel;
	(void)arg;
	if (planner.running && payload != NULL && *payload != '\0')
		api_events_broadcast("plan", payload);
}

static void
planner_inputs_cb(struct db_result *r, void *arg)
{
	struct app *app = arg;
	struct rank_params p = planner_params(app);
	json_t *all, *in, *plan, *exp, *brief, *s, *st;
	size_t i, k;
	char *text;

	if (!planner.running) {
		planner_done(app);
		return;
	}
	if (r->status != DB_OK || (all = api_result_json(r)) == NULL) {
		if (r->status != DB_OK)
			log_warnx(
			    "event=replan_failed error=%s", log_q(r->error));
		planner_done(app);
		return;
	}
	json_array_foreach(all, i, in)
	{
		plan = planner_build(&p, in, &exp);
		text = json_dumps(exp, JSON_COMPACT);
		store_plan_expected(app->db, text, planner_store_cb, NULL);
		free(text);
		json_decref(exp);
		st = json_object_get(plan, "stops");
		if (planner_changed(
		        json_integer_value(json_object_get(plan, "crew_id")),
		        planner_digest(st))) {
			/* Small enough for every screen: ids, order, times. */
			brief = json_array();
			json_array_foreach(st, k, s)
			{
				json_array_append_new(brief,
				    json_pack("{s:O,s:O,s:O,s:O,s:O}",
				        "request_id",
				        json_object_get(s, "request_id"),
				        "order", json_object_get(s, "order"),
				        "expected_from",
				        json_object_get(s, "expected_from"),
				        "expected_to",
				        json_object_get(s, "expected_to"),
				        "late_minutes",
				        json_object_get(s, "late_minutes")));
			}
			s = json_pack("{s:O,s:O,s:O,s:o,s:O}", "crew_id",
			    json_object_get(plan, "crew_id"), "office_id",
			    json_object_get(plan, "office_id"), "computed_at",
			    json_object_get(plan, "computed_at"), "stops",
			    brief, "break", json_object_get(plan, "break"));
			text = json_dumps(s, JSON_COMPACT);
			planner_announce(app, text);
			free(text);
			json_decref(s);
		}
		json_decref(plan);
	}
	json_decref(all);
	planner_done(app);
}

static void
planner_crews_cb(struct db_result *r, void *arg)
{
	struct app *app = arg;
	const char *crews;

	if (r->status != DB_OK ||
	    !store_plan_crews_row(r->res, &planner.last, &crews)) {
		if (r->status != DB_OK)
			log_warnx(
			    "event=replan_failed error=%s", log_q(r->error));
		planner_done(app);
		return;
	}
	/* Stopped meanwhile (app_stop): no new query on a closing pool. */
	if (!planner.running || strcmp(crews, "{}") == 0) {
		planner_done(app);
		return;
	}
	store_plan_inputs(app->db, crews, 0, planner_inputs_cb, app);
}

static void
planner_last_cb(struct db_result *r, void *arg)
{
	struct app *app = arg;

	if (r->status == DB_OK && store_result_rows(r->res) == 1) {
		/* NULL (the safe id not known yet) counts as 0. */
		planner.last = store_result_ll(r->res, 0);
		/* Started: every crew's day is planned now, not in a minute. */
		planner.all = 1;
		planner.again = 1;
	}
	planner_done(app);
}

static void
planner_pass(struct app *app)
{
	if (!lease_held(LEASE_PLANNER))
		return; /* another instance plans */
	if (planner.busy) {
		planner.again = 1;
		return;
	}
	planner.busy = 1;
	if (planner.last < 0)
		store_events_last(app->db, planner_last_cb, app);
	else if (planner.all) {
		planner.all = 0;
		store_plan_busy_crews(app->db, planner_crews_cb, app);
	} else
		store_plan_touched(
		    app->db, planner.last, planner_crews_cb, app);
}

static void
planner_soon_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	planner_pass(arg);
}

static void
planner_period_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	/* Time passes and crews move: every plan is redone now and then. */
	planner.all = 1;
	planner_pass(arg);
}

static void
planner_notify_cb(const char *channel, const char *payload, void *arg)
{
	struct timeval tv = {0, PLANNER_DEBOUNCE_MS * 1000};

	(void)channel;
	(void)payload;
	(void)arg;
	if (!planner.running)
		return;
	/* A burst of events (a re-plan accepted) makes one pass. */
	if (!evtimer_pending(planner.ev_soon, NULL))
		evtimer_add(planner.ev_soon, &tv);
}

/* A crew's break changed: every day is redone (a pass is cheap). */
static void
planner_crews_notify_cb(const char *channel, const char *payload, void *arg)
{
	planner.all = 1;
	planner_notify_cb(channel, payload, arg);
}

/* The road network changed: every day is measured anew. */
static void
planner_roads_changed(void *arg)
{
	if (!planner.running)
		return;
	planner.all = 1;
	planner_pass(arg);
}

/* This instance now plans: every plan is redone and announced once. */
static void
planner_taken(void *arg)
{
	if (!planner.running)
		return;
	planner.nseen = 0;
	planner.all = 1;
	planner.again = 1;
	planner_pass(arg);
}

void
planner_start(struct app *a)
{
	struct timeval tv = {PLANNER_PERIOD_S, 0};
	char *cause;

	planner.running = 1;
	planner.last = -1;
	planner.ev_soon = evtimer_new(a->base, planner_soon_cb, a);
	planner.ev_period =
	    event_new(a->base, -1, EV_PERSIST, planner_period_cb, a);
	evtimer_add(planner.ev_period, &tv);
	if (db_listen(
	        a->db, "patrol_events", planner_notify_cb, NULL, &cause) != 0)
		fatalx("event=planner_listen_failed reason=%s", log_q(cause));
	if (db_listen(a->db, STORE_PLAN_CHANNEL, planner_plan_notify_cb, NULL,
	        &cause) != 0)
		fatalx("event=planner_listen_failed reason=%s", log_q(cause));
	if (db_listen(a->db, STORE_CREWS_CHANNEL, planner_crews_notify_cb, NULL,
	        &cause) != 0)
		fatalx("event=planner_listen_failed reason=%s", log_q(cause));
	lease_on_take(LEASE_PLANNER, planner_taken, a);
	roads_on_change(a->roads, planner_roads_changed, a);
	planner_pass(a);
}

void
planner_stop(void)
{
	if (planner.ev_soon != NULL)
		event_free(planner.ev_soon);
	if (planner.ev_period != NULL)
		event_free(planner.ev_period);
	planner.ev_soon = planner.ev_period = NULL;
	planner.running = 0;
}

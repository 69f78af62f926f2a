/*
 * GET /api/v1/offices/{id}/replan: the day planner's proposal for a whole
 * office (issue 15): every crew on shift with its fixed jobs in front (on
 * site, en route, pinned), the rest of its jobs and the office's waiting
 * requests given to crews and ordered by the VRPTW solver (skills as
 * compatibility, windows, make-safe deadlines, shift ends). Nothing
 * changes until the dispatcher accepts: the answer lists the changes as
 * the assign/reassign actions that carry them out (and undo them).
 * ?moves=1 lets assigned jobs change crew; by default only waiting
 * requests are given out and each crew's own jobs are reordered.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "geo.h"
#include "http.h"
#include "log.h"
#include "plan.h"
#include "planner.h"
#include "store_plan.h"
#include "xmalloc.h"

#define REPLAN_ITERATIONS 1500 /* ~10 ms for 50 jobs and 8 crews */
#define REPLAN_TIME_MS    15
#define REPLAN_MAX_SETS   32 /* distinct skill sets as mask bits */

struct replan_sets {
	json_t *set[REPLAN_MAX_SETS];
	int n;
};

/* The mask bit of a category's skill set (any of them qualifies). */
static uint32_t
replan_set_bit(struct replan_sets *s, json_t *skills)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (json_equal(s->set[i], skills))
			return 1u << i;
	if (s->n == REPLAN_MAX_SETS)
		return 0; /* beyond the mask: not checked */
	s->set[s->n] = skills;
	return 1u << s->n++;
}

static uint32_t
replan_crew_mask(const struct replan_sets *s, json_t *crew_skills)
{
	uint32_t m = 0;
	json_t *a, *b;
	size_t i, k;
	int v;

	for (v = 0; v < s->n; v++) {
		json_array_foreach(s->set[v], i, a)
		{
			json_array_foreach(crew_skills, k, b)
			{
				if (json_equal(a, b))
					m |= 1u << v;
			}
		}
	}
	return m;
}

static void
replan_place(json_t *o, double *e, double *n)
{
	char *cause;

	if (geo_to_plane(planner_num(o, "lon", 0), planner_num(o, "lat", 0), e,
	        n, &cause) != 0) {
		free(cause);
		*e = *n = 0;
	}
}

/* A job with its id; one off the plane is measured from 0, 0. */
static void
replan_job(struct plan_job *q, json_t *job)
{
	(void)planner_job(q, job);
	q->id = json_integer_value(json_object_get(job, "id"));
}

static json_t *
replan_stop(const struct plan_job *q, double now, json_t *src)
{
	const char *by = planner_travel_by(q->travel_by);

	return json_pack("{s:I,s:i,s:O,s:O,s:o,s:o,s:f,s:b,s:b,s:f,s:o}",
	    "request_id", q->id, "order", q->order, "category",
	    json_object_get(src, "category"), "name_ja",
	    json_object_get(src, "name_ja"), "arrive_at",
	    planner_time(now, q->arrive), "finish_at",
	    planner_time(now, q->finish), "late_minutes", round(q->late),
	    "after_shift", q->after_shift, "fixed", q->fixed != PLAN_FREE,
	    "break_before_minutes", round(q->break_before), "travel_by",
	    by != NULL ? json_string(by) : json_null());
}

/*
 * The re-plan's working set, shared by its steps. src holds each job's
 * JSON: the fixed ones at [0, nfx) in fx's order, the movable ones at
 * [cap, cap + nmv) in mv's.
 */
struct replan {
	json_t *in, *crews;
	const struct rank_params *p;
	struct replan_sets sets;
	struct plan_crew *pc;
	struct plan_job *mv, *fx;
	json_t **src;
	size_t nc, nmv, nfx, cap;
	double now;
	int road, straight; /* legs measured on the roads, in a straight line */
};

/* One crew from the input: its day, break and fixed and movable jobs. */
static void
replan_load_crew(struct replan *r, size_t i, json_t *c, int moves)
{
	json_t *crew = json_object_get(c, "crew"), *job;
	struct plan_crew *pc = &r->pc[i];
	size_t k;

	replan_place(json_object_get(json_object_get(crew, "day"), "position"),
	    &pc->e, &pc->n);
	pc->shift_end = planner_num(crew, "shift_end_min", 1e6);
	(void)planner_break(crew, &pc->brk);
	pc->jobs = &r->fx[r->nfx];
	json_array_foreach(json_object_get(c, "jobs"), k, job)
	{
		struct plan_job q = {0};

		replan_job(&q, job);
		q.skills =
		    replan_set_bit(&r->sets, json_object_get(job, "skills"));
		q.crew = (int)i;
		if (q.fixed != PLAN_FREE) {
			r->src[r->nfx] = job;
			r->fx[r->nfx++] = q;
			pc->nfixed++;
		} else {
			q.stays = !moves;
			r->src[r->cap + r->nmv] = job;
			r->mv[r->nmv++] = q;
		}
	}
}

/* The input's crews and queue into r: each crew's fixed jobs in front. */
static void
replan_load(struct replan *r, int moves)
{
	json_t *queue = json_object_get(r->in, "queue"), *c, *job;
	size_t i, k;

	json_array_foreach(r->crews, i, c) r->cap +=
	    json_array_size(json_object_get(c, "jobs"));
	r->cap += json_array_size(queue) + 1;
	r->mv = xcalloc(r->cap, sizeof *r->mv);
	r->fx = xcalloc(r->cap, sizeof *r->fx);
	r->src = xcalloc(r->cap * 2, sizeof *r->src);
	r->pc = xcalloc(r->nc + 1, sizeof *r->pc);
	/* Each crew's fixed jobs stay in front; the rest may be moved. */
	json_array_foreach(r->crews, i, c) replan_load_crew(r, i, c, moves);
	json_array_foreach(queue, k, job)
	{
		struct plan_job q = {0};

		replan_job(&q, job);
		q.skills =
		    replan_set_bit(&r->sets, json_object_get(job, "skills"));
		q.crew = -1;
		q.fixed = PLAN_FREE;
		r->src[r->cap + r->nmv] = job;
		r->mv[r->nmv++] = q;
	}
	json_array_foreach(r->crews, i, c) r->pc[i].skills = replan_crew_mask(
	    &r->sets, json_object_get(json_object_get(c, "crew"), "skills"));
}

/* Fixed jobs come in their order: on site, en route, pins. */
static void
replan_sort_fixed(struct replan *r)
{
	struct plan_crew *pc = r->pc;
	json_t **src = r->src;
	struct plan_job *fx = r->fx;
	size_t k;
	int v, m;

	for (v = 0; v < (int)r->nc; v++) {
		for (m = 1; m < pc[v].nfixed; m++) {
			for (k = (size_t)m; k > 0 &&
			     (pc[v].jobs[k].fixed < pc[v].jobs[k - 1].fixed ||
			         (pc[v].jobs[k].fixed ==
			                 pc[v].jobs[k - 1].fixed &&
			             pc[v].jobs[k].pin <
			                 pc[v].jobs[k - 1].pin));
			     k--) {
				struct plan_job t = pc[v].jobs[k];
				json_t *ts = src[&pc[v].jobs[k] - fx];

				pc[v].jobs[k] = pc[v].jobs[k - 1];
				src[&pc[v].jobs[k] - fx] =
				    src[&pc[v].jobs[k - 1] - fx];
				pc[v].jobs[k - 1] = t;
				src[&pc[v].jobs[k - 1] - fx] = ts;
			}
		}
	}
}

/*
 * Plans the movable jobs over the crews; what moved goes to *changes,
 * what no crew can take (it stays where it was) to *unplanned.
 */
static void
replan_assign(struct replan *r, json_t **changes, json_t **unplanned)
{
	struct plan_job *mv = r->mv;
	json_t *crews = r->crews;
	int *old = xcalloc(r->nmv + 1, sizeof *old);
	size_t i;

	for (i = 0; i < r->nmv; i++)
		old[i] = mv[i].crew;
	plan_office(r->pc, (int)r->nc, mv, (int)r->nmv, r->p, REPLAN_ITERATIONS,
	    REPLAN_TIME_MS);
	*changes = json_array();
	*unplanned = json_array();
	for (i = 0; i < r->nmv; i++) {
		json_t *from = old[i] >= 0
		    ? json_object_get(
		          json_object_get(
		              json_array_get(crews, old[i]), "crew"),
		          "id")
		    : NULL;

		if (mv[i].order == 0) {
			/* Kept where it is, or still waiting. */
			json_array_append_new(*unplanned,
			    json_pack("{s:I,s:s,s:s}", "request_id", mv[i].id,
			        "text_ja",
			        "時間帯・期限・勤務時間内に入る班があり"
			        "ません",
			        "text",
			        "no crew can keep its window, deadline "
			        "and shift"));
			mv[i].crew = old[i];
			mv[i].order = 1000000;
			continue;
		}
		if (mv[i].crew == old[i])
			continue;
		json_array_append_new(*changes,
		    json_pack("{s:I,s:s,s:O,s:O,s:O,s:O}", "request_id",
		        mv[i].id, "action", old[i] < 0 ? "assign" : "reassign",
		        "crew_id",
		        json_object_get(
		            json_object_get(
		                json_array_get(crews, mv[i].crew), "crew"),
		            "id"),
		        "from_crew_id", from != NULL ? from : json_null(),
		        "version",
		        json_object_get(r->src[r->cap + i], "version"),
		        "category",
		        json_object_get(r->src[r->cap + i], "category")));
	}
	free(old);
}

/* Crew i's day as proposed, timed along its new order (day: room). */
static json_t *
replan_day(struct replan *r, size_t i, json_t *crew, struct plan_job *day)
{
	struct plan_crew *pc = &r->pc[i];
	struct plan_job *mv = r->mv;
	json_t *stops = json_array(), *o;
	json_t **dsrc = xcalloc(r->cap, sizeof *dsrc);
	struct rank_params cp;
	size_t k;
	int m, nd = 0;

	for (m = 0; m < pc->nfixed; m++) {
		dsrc[nd] = r->src[&pc->jobs[m] - r->fx];
		day[nd++] = pc->jobs[m];
	}
	for (;;) {
		int best = -1;

		for (k = 0; k < r->nmv; k++)
			if (mv[k].crew == (int)i && mv[k].order > 0 &&
			    (best < 0 || mv[k].order < mv[best].order))
				best = (int)k;
		if (best < 0)
			break;
		dsrc[nd] = r->src[r->cap + best];
		day[nd++] = mv[best];
		mv[best].order = -mv[best].order; /* taken */
	}
	/* Timed as its own day is, around its break. */
	cp = *r->p;
	cp.brk = pc->brk.len > 0 ? &pc->brk : NULL;
	plan_times(pc->e, pc->n, pc->shift_end, day, nd, &cp);
	for (m = 0; m < nd; m++) {
		json_array_append_new(
		    stops, replan_stop(&day[m], r->now, dsrc[m]));
		r->road += day[m].travel_by == PLAN_TRAVEL_ROAD;
		r->straight += day[m].travel_by == PLAN_TRAVEL_STRAIGHT;
	}
	o = json_pack("{s:O,s:O,s:O,s:o,s:o}", "crew_id",
	    json_object_get(crew, "id"), "code", json_object_get(crew, "code"),
	    "name", json_object_get(crew, "name"), "stops", stops,
	    "break_start_at",
	    cp.brk != NULL && cp.brk->start > -1e8
	        ? planner_time(r->now, cp.brk->start)
	        : json_null());
	free(dsrc);
	return o;
}

/* The proposal, from store_plan_office's JSON. */
static json_t *
replan_build(json_t *in, int moves, const struct rank_params *p)
{
	struct replan r = {0};
	json_t *changes, *unplanned, *cs, *c, *out;
	struct plan_job *day;
	size_t i;

	r.in = in;
	r.crews = json_object_get(in, "crews");
	r.p = p;
	r.nc = json_array_size(r.crews);
	r.now = planner_num(in, "now", 0);
	replan_load(&r, moves);
	replan_sort_fixed(&r);
	replan_assign(&r, &changes, &unplanned);
	/* Each crew's day as proposed, timed along its new order. */
	cs = json_array();
	day = xcalloc(r.cap, sizeof *day);
	json_array_foreach(r.crews, i, c) json_array_append_new(
	    cs, replan_day(&r, i, json_object_get(c, "crew"), day));
	out = json_pack("{s:O,s:o,s:o,s:o,s:o}", "office",
	    json_object_get(in, "office"), "computed_at",
	    planner_time(r.now, 0), "crews", cs, "changes", changes,
	    "unplanned", unplanned);
	planner_distances(out, p, r.road, r.straight);
	free(day);
	free(r.mv);
	free(r.fx);
	free(r.src);
	free(r.pc);
	return out;
}

static void
replan_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *app = http_req_owner(req);
	struct rank_params p = planner_params(app);
	const char *moves = http_req_query(req, "moves");
	json_t *j;

	if ((j = api_result_row(req, r, "replan", "office")) == NULL)
		goto out;
	api_reply(req, 200,
	    replan_build(j, moves != NULL && strcmp(moves, "1") == 0, &p));
	json_decref(j);
out:
	http_req_unref(req);
}

static void
replan_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const char *moves = http_req_query(req, "moves");
	long long id;

	if (api_path_id(req, 0, &id) != 0)
		return;
	if (moves != NULL && strcmp(moves, "0") != 0 &&
	    strcmp(moves, "1") != 0) {
		api_error(
		    req, 400, "invalid_value", "moves", "moves must be 0 or 1");
		return;
	}
	http_req_ref(req);
	store_plan_office(app->db, id, replan_cb, req);
}

const struct http_route api_replan_routes[] = {
    {"offices.replan", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_STAFF),
        "/api/v1/offices/{}/replan", 0, 0, replan_get, NULL},
    {0},
};

/*
 * GET /api/v1/requests/{id}/recommendations: eligible crews, best first,
 * each with the reasons a dispatcher needs to trust the order. The
 * database filters (skill, shift, duty) and gives each crew's day in
 * order; ranking happens here, in the projected CRS, by the cost of
 * inserting the job at its best place in each crew's day (issue 15):
 * windows it would break, arrival plus the delay to the crew's other
 * jobs; the only crew of an office with a skill the job does not need is
 * spared when another crew arrives by the make-safe deadline.
 */
#include <math.h>
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
#include "glossary.h"
#include "http.h"
#include "plan.h"
#include "planner.h"
#include "rank.h"
#include "store_requests.h"
#include "xmalloc.h"

/*
 * Where a crew is: its day's position (a fresh fix, else the last job
 * site it reported, else an older fix, else its office), as
 * crew_day_state says.
 */
static int
recommend_position(json_t *crew, double *e, double *n)
{
	json_t *pos = json_object_get(json_object_get(crew, "day"), "position");
	char *cause;

	if (geo_to_plane(planner_num(pos, "lon", 0), planner_num(pos, "lat", 0),
	        e, n, &cause) != 0) {
		free(cause);
		return -1;
	}
	return 0;
}

static void
recommend_reason(
    json_t *a, const char *code, json_t *value, const char *ja, const char *en)
{
	json_array_append_new(a,
	    json_pack("{s:s,s:o,s:s,s:s}", "code", code, "value", value,
	        "text_ja", ja, "text", en));
}

/* How far the crew is, and from what (its GPS, its last site, its office). */
static void
recommend_reason_distance(
    json_t *reasons, const struct rank_crew *c, const char *src, double age)
{
	char ja[200], en[200];

	if (src != NULL && strcmp(src, "gps") == 0) {
		snprintf(ja, sizeof ja, "GPSの位置（%.0f分前）から %.1f km",
		    fmax(age, 0), c->distance_m / 1000);
		snprintf(en, sizeof en,
		    "%.1f km from its GPS fix (%.0f min ago)",
		    c->distance_m / 1000, fmax(age, 0));
	} else if (src != NULL && strcmp(src, "job_site") == 0) {
		snprintf(ja, sizeof ja,
		    "最後に報告した現場（%.0f分前）から %.1f km", fmax(age, 0),
		    c->distance_m / 1000);
		snprintf(en, sizeof en,
		    "%.1f km from the last site it reported (%.0f min ago)",
		    c->distance_m / 1000, fmax(age, 0));
	} else {
		snprintf(
		    ja, sizeof ja, "事務所から %.1f km", c->distance_m / 1000);
		snprintf(en, sizeof en, "%.1f km from its office",
		    c->distance_m / 1000);
	}
	recommend_reason(
	    reasons, "distance", json_real(round(c->distance_m)), ja, en);
}

/* How the drive was measured (issue 15 item 6). */
static void
recommend_reason_travel(json_t *reasons, const struct rank_crew *c)
{
	char ja[200], en[200];

	if (c->travel_by == PLAN_TRAVEL_ROAD) {
		snprintf(ja, sizeof ja, "道路網で計算：移動%.0f分",
		    c->travel_minutes);
		snprintf(en, sizeof en, "%.0f min drive on the road network",
		    c->travel_minutes);
	} else {
		snprintf(ja, sizeof ja, "直線距離×迂回係数：移動%.0f分",
		    c->travel_minutes);
		snprintf(en, sizeof en,
		    "%.0f min drive (straight line x detour)",
		    c->travel_minutes);
	}
	recommend_reason(reasons, "travel",
	    json_string(c->travel_by == PLAN_TRAVEL_ROAD
	            ? "road_network"
	            : "straight_line_x_detour"),
	    ja, en);
}

/*
 * A crew kept free for its office's only crew with a skill: the skill by its
 * glossary name (道路, not road); the value is the skill's code.
 */
static void
recommend_reason_scarce(json_t *reasons, const char *skill)
{
	const struct glossary_entry *g;
	char key[64], ja[200], en[200];

	if (skill == NULL)
		skill = "";
	snprintf(key, sizeof key, "skill.%s", skill);
	g = glossary_find(key);
	snprintf(ja, sizeof ja,
	    "この事務所で「%"
	    "s」の技能を持つ唯一の班のため温存（他の班が間に合う）",
	    g != NULL ? g->ja : skill);
	snprintf(en, sizeof en,
	    "kept free: the only crew of its office with %s, and another crew "
	    "arrives in time",
	    g != NULL ? g->en : skill);
	recommend_reason(reasons, "scarce_skill", json_string(skill), ja, en);
}

/* The reasons, in words, Japanese first (text_ja) and English (text). */
static json_t *
recommend_reasons(const struct rank_crew *c)
{
	json_t *crew = c->data, *office = json_object_get(crew, "office");
	json_t *pos = json_object_get(json_object_get(crew, "day"), "position");
	const char *src = json_string_value(json_object_get(pos, "source"));
	double age = planner_num(pos, "age_s", -1) / 60;
	json_t *reasons = json_array();
	char ja[200], en[200];

	recommend_reason_distance(reasons, c, src, age);
	recommend_reason_travel(reasons, c);
	snprintf(ja, sizeof ja, "%d件目に入れると約%ld分後に到着",
	    c->insert_at + 1, lround(c->eta_minutes));
	snprintf(en, sizeof en,
	    "as job %d of its day, arrives in about %ld min", c->insert_at + 1,
	    lround(c->eta_minutes));
	recommend_reason(
	    reasons, "eta", json_real(round(c->eta_minutes * 10) / 10), ja, en);
	if (c->queue == 0) {
		snprintf(ja, sizeof ja, "他の作業なし");
		snprintf(en, sizeof en, "no other jobs");
	} else {
		snprintf(ja, sizeof ja, "他の%d件が合計約%ld分遅れる", c->queue,
		    lround(c->delay_minutes));
		snprintf(en, sizeof en,
		    "delays its %d other job(s) by about %ld min in all",
		    c->queue, lround(c->delay_minutes));
	}
	recommend_reason(reasons, "queue", json_integer(c->queue), ja, en);
	if (c->broken > 0) {
		snprintf(ja, sizeof ja, "約束の時間帯・期限を%d件守れなくなる",
		    c->broken);
		snprintf(en, sizeof en,
		    "breaks %d promised window(s) or deadline(s)", c->broken);
		recommend_reason(
		    reasons, "broken_windows", json_integer(c->broken), ja, en);
	}
	if (c->break_before > 0) {
		json_t *b = json_object_get(crew, "break");

		snprintf(ja, sizeof ja, "休憩（%s〜%s内の%ld分）の後に到着",
		    json_string_value(json_object_get(b, "start")),
		    json_string_value(json_object_get(b, "end")),
		    lround(c->break_before));
		snprintf(en, sizeof en,
		    "arrives after its %ld-minute break (within %s-%s)",
		    lround(c->break_before),
		    json_string_value(json_object_get(b, "start")),
		    json_string_value(json_object_get(b, "end")));
		recommend_reason(
		    reasons, "after_break", json_real(c->break_before), ja, en);
	}
	if (c->after_shift) {
		int brk = c->break_before > 0;

		recommend_reason(reasons, "after_shift", json_true(),
		    brk ? "休憩をはさむため勤務終了までに終わらない"
		        : "勤務終了までに終わらない",
		    brk ? "cannot finish before its shift ends because of "
		          "its break"
		        : "cannot finish before its shift ends");
	}
	if (c->spared)
		recommend_reason_scarce(reasons,
		    json_string_value(
		        json_array_get(json_object_get(crew, "rare"), 0)));
	if (c->cross_ward) {
		snprintf(ja, sizeof ja, "他区の事務所（%s）",
		    json_string_value(json_object_get(office, "name_ja")));
		snprintf(en, sizeof en, "from another ward's office (%s)",
		    json_string_value(json_object_get(office, "name_en")));
		recommend_reason(reasons, "cross_ward", json_true(), ja, en);
	}
	return reasons;
}

static json_t *
recommend_entry(const struct rank_crew *c, int rank)
{
	json_t *crew = c->data;
	const char *src = json_string_value(json_object_get(
	    json_object_get(json_object_get(crew, "day"), "position"),
	    "source"));

	return json_pack("{s:i,s:O,s:f,s:f,s:f,s:i,s:f,s:b,s:s,s:i,s:f,s:i,"
	                 "s:b,s:o,s:s}",
	    "rank", rank, "crew", crew, "distance_m", round(c->distance_m),
	    "travel_minutes", round(c->travel_minutes * 10) / 10, "eta_minutes",
	    round(c->eta_minutes * 10) / 10, "queue", c->queue, "busy_minutes",
	    round(c->busy_minutes), "cross_ward", c->cross_ward, "position",
	    src != NULL && strcmp(src, "gps") == 0            ? "gps"
	        : src != NULL && strcmp(src, "job_site") == 0 ? "job_site"
	                                                      : "office",
	    "insert_at", c->insert_at, "delay_minutes", round(c->delay_minutes),
	    "broken_windows", c->broken, "spared", c->spared, "reasons",
	    recommend_reasons(c), "travel_by",
	    c->travel_by == PLAN_TRAVEL_ROAD ? "road_network"
	                                     : "straight_line_x_detour");
}

static void
recommend_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *a = http_req_owner(req);
	struct rank_params p = planner_params(a);
	struct plan_job add = {0};
	struct rank_crew *rc;
	json_t *j, *rq, *crews, *crew, *out, *job;
	size_t i, k, n = 0;

	if ((j = api_result_row(req, r, "recommendations", "request")) == NULL)
		goto out;
	rq = json_object_get(j, "request");
	crews = json_object_get(j, "crews");
	/* A job off the plane is measured from 0, 0, as the crews' are. */
	(void)planner_job(&add, rq);
	p.job = &add;
	/* Another crew at the site by the make-safe deadline spares the
	 * one crew with a rare skill. */
	p.in_time = planner_num(rq, "make_safe_min", 0);
	rc = xcalloc(json_array_size(crews) + 1, sizeof *rc);
	json_array_foreach(crews, i, crew)
	{
		json_t *jobs = json_object_get(crew, "jobs");

		if (recommend_position(crew, &rc[n].easting, &rc[n].northing) !=
		    0)
			continue; /* nowhere we can measure from */
		rc[n].id = json_integer_value(json_object_get(crew, "id"));
		rc[n].busy_minutes =
		    json_number_value(json_object_get(crew, "busy_minutes"));
		rc[n].queue =
		    (int)json_integer_value(json_object_get(crew, "queue"));
		rc[n].cross_ward =
		    !json_is_true(json_object_get(crew, "home_ward"));
		rc[n].shift_end = planner_num(crew, "shift_end_min", 1e6);
		/* Its break: the new job is placed around it. */
		(void)planner_break(crew, &rc[n].brk);
		rc[n].scarce =
		    json_array_size(json_object_get(crew, "rare")) > 0;
		rc[n].njobs = (int)json_array_size(jobs);
		rc[n].jobs = xcalloc(rc[n].njobs + 1, sizeof *rc[n].jobs);
		json_array_foreach(jobs, k, job)
		{
			(void)planner_job(&rc[n].jobs[k], job);
		}
		json_object_del(crew, "home_ward");
		json_object_del(crew, "busy_minutes");
		json_object_del(crew, "queue");
		json_object_del(crew, "jobs");
		rc[n].data = crew;
		n++;
	}
	rank_crews(json_number_value(json_object_get(rq, "easting")),
	    json_number_value(json_object_get(rq, "northing")), rc, n, &p);
	out = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(out, recommend_entry(&rc[i], (int)i + 1));
		free(rc[i].jobs);
	}
	api_reply(req, 200,
	    json_pack("{s:I,s:O,s:O,s:o}", "request_id",
	        json_integer_value(json_object_get(rq, "id")), "state",
	        json_object_get(rq, "state"), "skills",
	        json_object_get(rq, "skills"), "crews", out));
	free(rc);
	json_decref(j);
out:
	http_req_unref(req);
}

static void
recommend_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	long long id;

	if (api_path_id(req, 0, &id) != 0)
		return;
	http_req_ref(req);
	store_recommend_candidates(
	    app->db, id, app->cfg->timezone, recommend_cb, req);
}

const struct http_route api_recommend_routes[] = {
    {"requests.recommendations",
        EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_VIEWER),
        "/api/v1/requests/{}/recommendations", 0, 0, recommend_get, NULL},
    {0},
};

/*
 * The seasonal outlook (issue 17): GET /api/v1/outlook?category=CODE
 * [&ward=CODE] answers the weekly counts of the last five years, the weeks
 * ahead as outlook.c expects them, the peak and the crews it needs, with
 * the model said in words; GET /api/v1/outlook/chart.png draws the same.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "outlook.h"
#include "outlook_chart.h"
#include "store_insights.h"
#include "xmalloc.h"

#define OUTLOOK_HORIZON 52
#define OUTLOOK_DAYS    5 /* working days a week */

struct outlook_job {
	struct http_req *req;
	int png;
	int en;
	char *category, *ward;
};

static void
outlook_job_free(struct outlook_job *j)
{
	http_req_unref(j->req);
	free(j->category);
	free(j->ward);
	free(j);
}

/* "YYYY-MM-DD" plus days, into out. */
static void
outlook_date_add(const char *date, long days, char out[16])
{
	struct tm tm = {0};
	time_t t;

	if (sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) !=
	    3) {
		snprintf(out, 16, "?");
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	t = timegm(&tm) + days * 86400;
	gmtime_r(&t, &tm);
	snprintf(out, 16, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
	    (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
}

struct outlook_calc {
	struct outlook_in in;
	struct outlook_out out;
	int *counts;
	char start[16], current[16];
	double per_crew_day;
	int measured_throughput;
	char *text_ja, *text_en;
	char *name_ja, *name_en, *ward_name;
};

static void
outlook_calc_free(struct outlook_calc *c)
{
	outlook_out_free(&c->out);
	free(c->counts);
	free(c->text_ja);
	free(c->text_en);
	free(c->name_ja);
	free(c->name_en);
	free(c->ward_name);
}

/* The model's input from store_outlook_weeks()'s object o: the dates, the
 * names, the weekly counts and the crews' throughput, measured or
 * default_per_day. */
static int
outlook_calc_read(
    json_t *o, int default_per_day, struct outlook_calc *c, char **cause)
{
	const char *start = json_string_value(json_object_get(o, "start"));
	const char *cur = json_string_value(json_object_get(o, "current"));
	json_t *counts = json_object_get(o, "counts"), *pcd, *kn;
	size_t i, nweeks = 261; /* 260 back and the current */
	json_int_t k;

	if (start == NULL || cur == NULL) {
		*cause = xstrdup("outlook: no dates from the database");
		return -1;
	}
	c->name_ja = xstrdup(json_is_string(json_object_get(o, "name_ja"))
	        ? json_string_value(json_object_get(o, "name_ja"))
	        : "");
	c->name_en = xstrdup(json_is_string(json_object_get(o, "name_en"))
	        ? json_string_value(json_object_get(o, "name_en"))
	        : "");
	c->ward_name = json_is_string(json_object_get(o, "ward_name"))
	    ? xstrdup(json_string_value(json_object_get(o, "ward_name")))
	    : NULL;
	snprintf(c->start, sizeof c->start, "%.10s", start);
	snprintf(c->current, sizeof c->current, "%.10s", cur);
	c->counts = xcalloc(nweeks, sizeof *c->counts);
	json_array_foreach(counts, i, kn)
	{
		k = json_integer_value(json_array_get(kn, 0));
		if (k >= 0 && (size_t)k < nweeks)
			c->counts[k] =
			    (int)json_integer_value(json_array_get(kn, 1));
	}
	pcd = json_object_get(o, "per_crew_day");
	c->measured_throughput =
	    json_is_number(pcd) && json_number_value(pcd) > 0;
	c->per_crew_day =
	    c->measured_throughput ? json_number_value(pcd) : default_per_day;
	c->in.counts = c->counts;
	c->in.nweeks = nweeks;
	k = json_integer_value(json_object_get(o, "first_week"));
	c->in.first_week = k < 0      ? 0
	    : k >= (json_int_t)nweeks ? nweeks - 1
	                              : (size_t)k;
	c->in.year_weeks =
	    (size_t)json_integer_value(json_object_get(o, "year_weeks"));
	c->in.horizon = OUTLOOK_HORIZON;
	c->in.per_crew_day = c->per_crew_day;
	c->in.days_per_week = OUTLOOK_DAYS;
	return 0;
}

/* The model in words, Japanese and English, with its peak week. */
static void
outlook_calc_explain(struct outlook_calc *c)
{
	char peak[16];

	if (c->out.peak >= 0)
		outlook_date_add(c->current, 7 * (c->out.peak + 1), peak);
	else
		snprintf(peak, sizeof peak, "-");
	c->text_ja =
	    xasprintf("見込み＝過去%d年の同じ週の平均×今年の傾向%.2f（%s）。"
	              "ピークは%sの週で約%.0f件、1班1日%.1f件（%s）・週%"
	              "d日として%d班が必要。",
	        c->out.past_years, c->out.trend,
	        c->out.trend_measured
	            ? (c->out.trend_clamped
	                      ? "今年これまでの件数÷過去の同時期の平均、"
	                        "上下限で制限"
	                      : "今年これまでの件数÷過去の同時期の平均")
	            : "比べる過去の同時期が少ないため1.0",
	        peak, c->out.peak_expected, c->per_crew_day,
	        c->measured_throughput ? "過去1年の実績" : "既定値",
	        OUTLOOK_DAYS, c->out.crews_needed);
	c->text_en = xasprintf(
	    "Expected = average of the same week in the past %d year(s) x this "
	    "year's trend %.2f (%s). Peak: the week of %s, about %.0f jobs; at "
	    "%.1f jobs per crew-day (%s) and %d days a week that needs %d "
	    "crew(s).",
	    c->out.past_years, c->out.trend,
	    c->out.trend_measured
	        ? "this year so far / the same weeks in past years"
	        : "too little past data to compare, so 1.0",
	    peak, c->out.peak_expected, c->per_crew_day,
	    c->measured_throughput ? "last year's record" : "the default",
	    OUTLOOK_DAYS, c->out.crews_needed);
}

/* From store_outlook_weeks()'s object to the model's result. */
static int
outlook_calc_run(
    json_t *o, int default_per_day, struct outlook_calc *c, char **cause)
{
	memset(c, 0, sizeof *c);
	if (outlook_calc_read(o, default_per_day, c, cause) != 0 ||
	    outlook_compute(&c->in, &c->out, cause) != 0)
		return -1;
	outlook_calc_explain(c);
	return 0;
}

static json_t *
outlook_json(struct outlook_job *j, struct outlook_calc *c)
{
	json_t *hist = json_array(), *ahead = json_array();
	char d[16];
	size_t k;

	for (k = c->in.first_week; k < c->in.nweeks; k++) {
		outlook_date_add(c->start, (long)(7 * k), d);
		json_array_append_new(hist,
		    json_pack("{s:s,s:i,s:o,s:b}", "week", d, "count",
		        c->counts[k], "past_average",
		        c->out.baseline[k] >= 0 ? json_real(c->out.baseline[k])
		                                : json_null(),
		        "current", k + 1 == c->in.nweeks));
	}
	for (k = 0; k < c->in.horizon; k++) {
		outlook_date_add(c->current, (long)(7 * (k + 1)), d);
		json_array_append_new(ahead,
		    json_pack("{s:s,s:o}", "week", d, "expected",
		        c->out.expected[k] >= 0
		            ? json_real(round(c->out.expected[k] * 10) / 10)
		            : json_null()));
	}
	if (c->out.peak >= 0)
		outlook_date_add(c->current, 7 * (c->out.peak + 1), d);
	return json_pack("{s:s,s:s,s:s,s:o,s:s,s:{s:s,s:f,s:b,s:b,s:f,s:f,s:i,"
	                 "s:f,s:b,s:i,s:s,s:s},"
	                 "s:o,s:o,s:o}",
	    "category", j->category, "name_ja", c->name_ja, "name_en",
	    c->name_en, "ward",
	    j->ward != NULL ? json_string(j->ward) : json_null(),
	    "current_week", c->current, "model", "rule",
	    "same week in past years x this year's trend", "trend",
	    c->out.trend, "trend_measured", c->out.trend_measured,
	    "trend_clamped", c->out.trend_clamped, "this_year_to_date",
	    c->out.actual_to_date, "past_average_to_date",
	    c->out.baseline_to_date, "past_years", c->out.past_years,
	    "per_crew_day", c->per_crew_day, "per_crew_day_measured",
	    c->measured_throughput, "days_per_week", OUTLOOK_DAYS,
	    "explanation_ja", c->text_ja, "explanation_en", c->text_en, "peak",
	    c->out.peak >= 0 ? json_pack("{s:s,s:f,s:i}", "week", d, "expected",
	                           round(c->out.peak_expected * 10) / 10,
	                           "crews_needed", c->out.crews_needed)
	                     : json_null(),
	    "history", hist, "ahead", ahead);
}

/* 52 weeks back and 52 ahead as a PNG. */
static void
outlook_reply_png(struct outlook_job *j, struct outlook_calc *c)
{
	enum { BACK = 52 };
	size_t n = BACK + c->in.horizon, i, k;
	double *actual = xcalloc(n, sizeof *actual),
	       *base = xcalloc(n, sizeof *base), *exp = xcalloc(n, sizeof *exp);
	const char **labels = xcalloc(n, sizeof *labels);
	char(*lab)[16] = xcalloc(n, sizeof *lab), d[16], *title_ja, *title_en;
	struct outlook_chart ch = {0};
	struct evbuffer *b;
	unsigned char *png;
	size_t len;
	char *cause;
	int m, prev = 0;

	for (i = 0; i < n; i++) {
		k = c->in.nweeks - BACK + i; /* index in the model's weeks */
		if (i < BACK) {
			actual[i] = k >= c->in.first_week ? c->counts[k] : 0;
			exp[i] = -1;
		} else {
			actual[i] = -1;
			exp[i] = c->out.expected[i - BACK];
		}
		base[i] = c->out.baseline[k];
		outlook_date_add(c->start, (long)(7 * k), d);
		m = atoi(d + 5);
		if (m != prev) {
			snprintf(lab[i], sizeof lab[i],
			    m == 1 ? "%.4s/%d" : "%.0s%d", d, m);
			labels[i] = lab[i];
		}
		prev = m;
	}
	title_ja = xasprintf("%s 週別件数と見通し（%s）", c->name_ja,
	    c->ward_name != NULL ? c->ward_name : "全区");
	title_en = xasprintf("%s: weekly requests and outlook (%s)", c->name_en,
	    c->ward_name != NULL ? c->ward_name : "all wards");
	ch.title_ja = j->en ? title_en : title_ja;
	ch.title_en = title_en;
	ch.nweeks = n;
	ch.actual = actual;
	ch.baseline = base;
	ch.expected = exp;
	ch.labels = labels;
	ch.peak = c->out.peak >= 0 ? BACK + c->out.peak : -1;
	ch.note_ja = j->en ? c->text_en : c->text_ja;
	ch.note_en = c->text_en;
	if (outlook_chart_png(&ch, &png, &len, &cause) != 0) {
		api_error(j->req, 500, "internal", NULL, "%s", cause);
		free(cause);
	} else {
		b = evbuffer_new();
		evbuffer_add(b, png, len);
		free(png);
		http_req_set_header(j->req, "Cache-Control", "no-store");
		http_reply(j->req, 200, "image/png", b); /* takes b */
	}
	free(title_ja);
	free(title_en);
	free(actual);
	free(base);
	free(exp);
	free(labels);
	free(lab);
}

static void
outlook_weeks_cb(struct db_result *r, void *arg)
{
	struct outlook_job *j = arg;
	struct app *app = http_req_owner(j->req);
	struct outlook_calc c;
	json_t *o;
	char *cause;

	memset(&c, 0, sizeof c);
	if (r->status != DB_OK) {
		api_db_error(j->req, r, "outlook");
		outlook_job_free(j);
		return;
	}
	o = api_result_json(r);
	if (o == NULL ||
	    outlook_calc_run(o, app->cfg->outlook_per_crew_day, &c, &cause) !=
	        0) {
		api_error(j->req, 500, "internal", NULL, "%s",
		    o == NULL ? "no outlook" : cause);
		if (o != NULL)
			free(cause);
		json_decref(o);
		outlook_calc_free(&c);
		outlook_job_free(j);
		return;
	}
	if (!json_is_true(json_object_get(o, "known"))) {
		api_error(j->req, 422, "unknown_category", "category",
		    "no such category: %s", j->category);
		json_decref(o);
		outlook_calc_free(&c);
		outlook_job_free(j);
		return;
	}
	json_decref(o);
	if (j->png)
		outlook_reply_png(j, &c);
	else
		api_reply(j->req, 200, outlook_json(j, &c));
	outlook_calc_free(&c);
	outlook_job_free(j);
}

static void
outlook_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const char *lang = http_req_query(req, "lang");
	const char *cat;
	struct outlook_job *j;
	char *ward;

	if ((cat = api_query_category(req)) == NULL ||
	    api_query_ward(req, &ward) != 0)
		return;
	j = xcalloc(1, sizeof *j);
	j->req = req;
	http_req_ref(req);
	j->png = http_req_route_arg(req) != NULL;
	j->en = lang != NULL && strcmp(lang, "en") == 0;
	j->category = xstrdup(cat);
	j->ward = ward;
	store_outlook_weeks(app->db, j->category, j->ward, app->cfg->timezone,
	    outlook_weeks_cb, j);
}

static int outlook_png_flag = 1;

const struct http_route api_outlook_routes[] = {
    {"outlook", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/outlook",
        0, 0, outlook_get, NULL},
    {"outlook.chart", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/outlook/chart.png", 0, 0, outlook_get, &outlook_png_flag},
    {0},
};

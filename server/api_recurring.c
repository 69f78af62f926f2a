/*
 * Recurring sites and the pre-season notices (issue 17).
 *
 * GET /api/v1/recurring?category=CODE[&ward|&office][&lat&lon]: the sites
 * where requests of the category came back in two or more seasons, for
 * everyone (no personal data). GET /api/v1/notices?category=CODE: the
 * consenting callers of those sites, for staff only and audited, as JSON,
 * CSV (Accept: text/csv or format=csv) for mail merge, or printable HTML
 * letters (format=html). POST /api/v1/notices/sent records one sent.
 * GET /api/v1/consent: the consent text intake reads out and records.
 *
 * The clustering is recurring.c's; this file only fetches and answers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
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
#include "recurring.h"
#include "store_insights.h"
#include "store_result.h"
#include "xmalloc.h"

#define RECURRING_SITES_MAX 300

enum rec_kind { REC_SITES, REC_NOTICES };
enum rec_format { REC_JSON, REC_CSV, REC_HTML };

struct rec_job {
	struct http_req *req;
	struct auth_user user;
	enum rec_kind kind;
	enum rec_format format;
	char *category, *ward, *office;
	int has_point;
	double e, n;
	int season;
	struct recurring_site *sites;
	size_t nsites, total_sites, npoints;
	long long *ids; /* request id of each point */
	json_t *details;
};

static void
rec_free(struct rec_job *j)
{
	http_req_unref(j->req);
	recurring_sites_free(j->sites, j->total_sites);
	free(j->ids);
	free(j->category);
	free(j->ward);
	free(j->office);
	json_decref(j->details);
	free(j);
}

/* "{1,2,3}" of the request ids of the first nsites sites. */
static char *
rec_ids_text(struct rec_job *j)
{
	struct evbuffer *b = evbuffer_new();
	size_t i, k;
	char *s;
	int first = 1;

	evbuffer_add(b, "{", 1);
	for (i = 0; i < j->nsites; i++) {
		for (k = 0; k < j->sites[i].count; k++) {
			evbuffer_add_printf(b, "%s%lld", first ? "" : ",",
			    j->ids[j->sites[i].members[k]]);
			first = 0;
		}
	}
	evbuffer_add(b, "}", 2);
	s = xstrdup((const char *)evbuffer_pullup(b, -1));
	evbuffer_free(b);
	return s;
}

/* The site (index) a request id belongs to, or -1. */
static long
rec_site_of(struct rec_job *j, long long id)
{
	size_t i, k;

	for (i = 0; i < j->nsites; i++) {
		for (k = 0; k < j->sites[i].count; k++) {
			if (j->ids[j->sites[i].members[k]] == id)
				return (long)i;
		}
	}
	return -1;
}

static json_t *
rec_detail(struct rec_job *j, long long id)
{
	size_t i;
	json_t *d;

	json_array_foreach(j->details, i, d)
	{
		if (json_integer_value(json_object_get(d, "id")) == id)
			return d;
	}
	return NULL;
}

/* 「2025年8月（#123）」: the month a request came in, for the summary. */
static char *
rec_when(json_t *d)
{
	const char *at = json_string_value(json_object_get(d, "created_at"));
	int y = 0, m = 0;

	if (at == NULL || sscanf(at, "%d-%d", &y, &m) != 2)
		return xstrdup("");
	return xasprintf("%04d-%02d (#%lld)", y, m,
	    (long long)json_integer_value(json_object_get(d, "id")));
}

/* One site as JSON: its requests (oldest first) and a sentence. */
static json_t *
rec_site_json(struct rec_job *j, size_t i)
{
	struct recurring_site *s = &j->sites[i];
	json_t *reqs = json_array(), *d, *last = NULL, *out;
	double lat = 0, lon = 0;
	size_t k, nll = 0;
	char *when, *text_ja, *text_en;

	for (k = 0; k < s->count; k++) {
		if ((d = rec_detail(j, j->ids[s->members[k]])) == NULL)
			continue;
		json_array_append(reqs, d);
		lat += json_number_value(json_object_get(d, "lat"));
		lon += json_number_value(json_object_get(d, "lon"));
		nll++;
		last = d;
	}
	when = last != NULL ? rec_when(last) : xstrdup("");
	text_ja = xasprintf("%d年間で%zu件、同じ場所で繰り返し（最終 %s）",
	    s->seasons, s->count, when);
	text_en = xasprintf("%zu requests at the same place over %d seasons "
	                    "(last %s)",
	    s->count, s->seasons, when);
	free(when);
	out = json_pack("{s:I,s:I,s:i,s:i,s:i,s:f,s:f,s:s,s:s,s:o,s:O*}",
	    "site", (json_int_t)j->ids[s->members[0]], "count",
	    (json_int_t)s->count, "seasons", s->seasons, "first_season",
	    s->first_season, "last_season", s->last_season, "lat",
	    nll > 0 ? lat / nll : 0.0, "lon", nll > 0 ? lon / nll : 0.0,
	    "summary_ja", text_ja, "summary_en", text_en, "requests", reqs,
	    "last", last);
	free(text_ja);
	free(text_en);
	return out;
}

static void
rec_reply_sites(struct rec_job *j)
{
	struct app *app = http_req_owner(j->req);
	json_t *sites = json_array();
	size_t i;

	for (i = 0; i < j->nsites; i++)
		json_array_append_new(sites, rec_site_json(j, i));
	api_reply(j->req, 200,
	    json_pack("{s:s,s:i,s:i,s:I,s:I,s:I,s:o}", "category", j->category,
	        "radius_m", app->cfg->recurring_radius_m, "min_seasons", 2,
	        "requests", (json_int_t)j->npoints, "sites_total",
	        (json_int_t)j->total_sites, "sites_shown",
	        (json_int_t)j->nsites, "sites", sites));
}

/* The letter's text for one caller, Japanese first. */
static char *
rec_letter(struct rec_job *j, json_t *c, json_t *site)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const char *place = json_string_value(json_object_get(c, "place"));
	const char *cat = json_string_value(json_object_get(c, "category_ja"));
	const char *cat_en =
	    json_string_value(json_object_get(c, "category_en"));
	const char *at = json_string_value(json_object_get(c, "requested_at"));
	int y = 0, m = 0;

	if (at != NULL && sscanf(at, "%d-%d", &y, &m) != 2)
		y = m = 0;
	return xasprintf(
	    "%s 様\n\n"
	    "%d年%d月に「%s」での%sについてご相談をいただき、ありがとうござい"
	    "ました。この場所では%lld年にわたり同じご相談があり、%d年のシーズン"
	    "も同じことが起きるおそれがあります。見つけたら、小さいうちに早めに"
	    "区役所までご連絡ください。\n"
	    "（このご案内は、ご相談の際に今後のご連絡に同意いただいた方にだけお"
	    "送りしています。）\n\n"
	    "Dear %s, in %d-%02d you asked us about %s at \"%s\". The same "
	    "has happened there in %lld seasons and may happen again in %d: "
	    "please call the ward office early. (Sent only to residents who "
	    "agreed to be contacted.)",
	    name != NULL ? name : "ご担当者", y, m, place != NULL ? place : "",
	    cat != NULL ? cat : "",
	    (long long)json_integer_value(json_object_get(site, "seasons")),
	    j->season, name != NULL ? name : "resident", y, m,
	    cat_en != NULL ? cat_en : "", place != NULL ? place : "",
	    (long long)json_integer_value(json_object_get(site, "seasons")),
	    j->season);
}

/* CSV field: quoted, quotes doubled; a leading =+-@ cannot start a formula. */
static void
rec_csv_field(struct evbuffer *b, const char *s, int last)
{
	evbuffer_add(b, "\"", 1);
	if (s != NULL && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		evbuffer_add(b, "'", 1);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"')
			evbuffer_add(b, "\"\"", 2);
		else
			evbuffer_add(b, s, 1);
	}
	evbuffer_add(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
}

/* One CSV row per caller; "#" marks a number column. */
static void
rec_notices_csv_row(struct evbuffer *b, json_t *c)
{
	static const char *const cols[] = {"#caller_id", "name", "address",
	    "phone", "place", "ward_name", "#request_id", "#site", "#seasons",
	    "requested_at", "consent_at", "sent_at", "letter"};
	const size_t n = sizeof cols / sizeof cols[0];
	char num[32];
	size_t k;

	for (k = 0; k < n; k++) {
		if (cols[k][0] == '#') {
			snprintf(num, sizeof num, "%lld",
			    (long long)json_integer_value(
			        json_object_get(c, cols[k] + 1)));
			rec_csv_field(b, num, k == n - 1);
		} else
			rec_csv_field(b,
			    json_string_value(json_object_get(c, cols[k])),
			    k == n - 1);
	}
}

static void
rec_notices_csv(struct rec_job *j, json_t *list)
{
	struct evbuffer *b = evbuffer_new();
	char disp[128];
	json_t *c;
	size_t i;

	/* A BOM so that spreadsheet programs read the UTF-8. */
	evbuffer_add_printf(b,
	    "\xEF\xBB\xBF"
	    "caller_id,name,address,phone,place,ward,"
	    "request_id,site,seasons,requested_at,"
	    "consent_at,sent_at,letter\r\n");
	json_array_foreach(list, i, c) rec_notices_csv_row(b, c);
	snprintf(disp, sizeof disp,
	    "attachment; filename=\"notices-%s-%d.csv\"", j->category,
	    j->season);
	http_req_set_header(j->req, "Content-Disposition", disp);
	/* http_reply takes b. */
	http_reply(j->req, 200, "text/csv; charset=utf-8", b);
}

/* The letters to print, one page each. */
static void
rec_notices_html(struct rec_job *j, json_t *list)
{
	struct evbuffer *b = evbuffer_new();
	json_t *c;
	size_t i;

	evbuffer_add_printf(b,
	    "<!doctype html><html lang=\"ja\"><head><meta "
	    "charset=\"utf-8\"><title>事前のご案内 / Pre-season "
	    "notices</title><style>body{font-family:sans-serif}"
	    "article{page-break-after:always;padding:2em;max-width:"
	    "40em}address{font-style:normal;margin-bottom:2em}"
	    "@media screen{article{border-bottom:1px dashed #999}}"
	    "</style></head><body>");
	if (json_array_size(list) == 0)
		evbuffer_add_printf(b,
		    "<p>同意のある対象者はいません。/ "
		    "No consenting residents.</p>");
	json_array_foreach(list, i, c)
	{
		evbuffer_add_printf(b, "<article><address>");
		http_html_escape(
		    b, json_string_value(json_object_get(c, "address")), 1);
		evbuffer_add_printf(b, "<br>");
		http_html_escape(
		    b, json_string_value(json_object_get(c, "name")), 1);
		evbuffer_add_printf(b, " 様</address><p>");
		http_html_escape(
		    b, json_string_value(json_object_get(c, "letter")), 1);
		evbuffer_add_printf(b, "</p></article>");
	}
	evbuffer_add_printf(b, "</body></html>");
	http_reply(j->req, 200, "text/html; charset=utf-8", b);
}

static void
rec_reply_notices(struct rec_job *j, json_t *callers)
{
	struct app *app = http_req_owner(j->req);
	json_t *c, *site, *sites = json_array(), *list = json_array();
	size_t i;
	long si;
	char *letter;

	for (i = 0; i < j->nsites; i++)
		json_array_append_new(sites, rec_site_json(j, i));
	json_array_foreach(callers, i, c)
	{
		si = rec_site_of(
		    j, json_integer_value(json_object_get(c, "request_id")));
		if (si < 0)
			continue;
		site = json_array_get(sites, (size_t)si);
		letter = rec_letter(j, c, site);
		json_object_set_new(c, "letter", json_string(letter));
		json_object_set(c, "site", json_object_get(site, "site"));
		json_object_set(c, "seasons", json_object_get(site, "seasons"));
		free(letter);
		json_array_append(list, c);
	}
	if (j->format == REC_JSON) {
		json_decref(sites);
		api_reply(j->req, 200,
		    json_pack("{s:s,s:i,s:i,s:I,s:o}", "category", j->category,
		        "season", j->season, "retention_days",
		        app->cfg->personal_retention_days, "sites",
		        (json_int_t)j->nsites, "notices", list));
		return;
	}
	if (j->format == REC_CSV)
		rec_notices_csv(j, list);
	else
		rec_notices_html(j, list);
	json_decref(list);
	json_decref(sites);
}

static void
rec_callers_cb(struct db_result *r, void *arg)
{
	struct rec_job *j = arg;
	json_t *callers;

	if (r->status != DB_OK)
		api_db_error(j->req, r, "notices.callers");
	else if ((callers = api_result_json(r)) == NULL)
		api_error(j->req, 500, "internal", NULL, "no notice list");
	else {
		rec_reply_notices(j, callers);
		json_decref(callers);
	}
	rec_free(j);
}

static void
rec_details_cb(struct db_result *r, void *arg)
{
	struct rec_job *j = arg;
	struct app *app = http_req_owner(j->req);
	char *ids;

	if (r->status != DB_OK) {
		api_db_error(j->req, r, "recurring.details");
		rec_free(j);
		return;
	}
	if ((j->details = api_result_json(r)) == NULL) {
		api_error(j->req, 422, "unknown_category", "category",
		    "no such category: %s", j->category);
		rec_free(j);
		return;
	}
	if (j->kind == REC_SITES) {
		rec_reply_sites(j);
		rec_free(j);
		return;
	}
	ids = rec_ids_text(j);
	store_notice_callers(app->db, j->category, ids,
	    app->cfg->personal_retention_days, j->season, j->user.name,
	    rec_callers_cb, j);
	free(ids);
}

/* Keeps the sites with a request within the radius of the point. */
static void
rec_keep_near(
    struct app *app, struct rec_job *j, const struct recurring_point *p)
{
	double r = app->cfg->recurring_radius_m;
	size_t i, k, kept = 0;
	struct recurring_site tmp;

	for (i = 0; i < j->total_sites; i++) {
		for (k = 0; k < j->sites[i].count; k++) {
			const struct recurring_point *q =
			    &p[j->sites[i].members[k]];

			if (hypot(q->e - j->e, q->n - j->n) <= r)
				break;
		}
		if (k == j->sites[i].count)
			continue;
		tmp = j->sites[kept];
		j->sites[kept++] = j->sites[i];
		j->sites[i] = tmp;
	}
	j->nsites = kept;
}

static void
rec_points_cb(struct db_result *r, void *arg)
{
	struct rec_job *j = arg;
	struct app *app = http_req_owner(j->req);
	struct recurring_point *p;
	int *label, nc, row, n;
	char *ids;

	if (r->status != DB_OK) {
		api_db_error(j->req, r, "recurring.points");
		rec_free(j);
		return;
	}
	n = store_result_rows(r->res);
	p = xcalloc((size_t)n + 1, sizeof *p);
	label = xcalloc((size_t)n + 1, sizeof *label);
	j->ids = xcalloc((size_t)n + 1, sizeof *j->ids);
	for (row = 0; row < n; row++)
		store_recurring_point_row(r->res, row, &j->ids[row], &p[row]);
	j->npoints = (size_t)n;
	nc = recurring_cluster(
	    p, (size_t)n, app->cfg->recurring_radius_m, label);
	j->total_sites = recurring_sites(p, (size_t)n, label, nc, 2, &j->sites);
	j->nsites = j->total_sites;
	if (j->has_point)
		rec_keep_near(app, j, p);
	if (j->kind == REC_SITES && j->nsites > RECURRING_SITES_MAX)
		j->nsites = RECURRING_SITES_MAX;
	free(p);
	free(label);
	ids = rec_ids_text(j);
	store_recurring_details(app->db, j->category, ids, rec_details_cb, j);
	free(ids);
}

/* The query's category, ward/office and point; NULL after a 4xx. */
static struct rec_job *
rec_job_new(
    struct http_req *req, const struct auth_user *user, enum rec_kind kind)
{
	const char *cat;
	const char *ward = http_req_query(req, "ward");
	const char *office = http_req_query(req, "office");
	struct rec_job *j;
	double lo, la;
	int has;

	if ((cat = api_query_category(req)) == NULL)
		return NULL;
	if ((ward != NULL && strlen(ward) > 40) ||
	    (office != NULL && strlen(office) > 40)) {
		api_error(req, 400, "invalid_value",
		    ward != NULL ? "ward" : "office",
		    "ward and office are codes of at most 40 characters");
		return NULL;
	}
	j = xcalloc(1, sizeof *j);
	j->req = req;
	http_req_ref(req);
	j->user = *user;
	j->kind = kind;
	j->category = xstrdup(cat);
	j->ward = ward != NULL && *ward != '\0' ? xstrdup(ward) : NULL;
	j->office = office != NULL && *office != '\0' ? xstrdup(office) : NULL;
	if ((has = api_query_point(req, &lo, &la, &j->e, &j->n)) < 0) {
		rec_free(j);
		return NULL;
	}
	j->has_point = has;
	return j;
}

static void
recurring_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct auth_user *user = auth_user_of(req);
	struct rec_job *j;

	if ((j = rec_job_new(req, user, REC_SITES)) == NULL)
		return;
	store_recurring_points(app->db, j->category, j->ward, j->office,
	    app->cfg->timezone, rec_points_cb, j);
}

/* The coming season: this year until October, next year from November. */
static int
rec_default_season(void)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	return tm.tm_year + 1900 + (tm.tm_mon >= 10);
}

static void
notices_get(struct http_req *req)
{
	const struct auth_user *user = auth_user_of(req);
	struct app *app = http_req_owner(req);
	const char *season = http_req_query(req, "season");
	const char *format = http_req_query(req, "format");
	const char *accept = http_req_header(req, "Accept");
	enum rec_format f = REC_JSON;
	struct rec_job *j;
	char *end;
	long y = 0;

	if (format != NULL && strcmp(format, "csv") == 0)
		f = REC_CSV;
	else if (format != NULL && strcmp(format, "html") == 0)
		f = REC_HTML;
	else if (format != NULL && strcmp(format, "json") != 0) {
		api_error(req, 400, "invalid_value", "format",
		    "format must be json, csv or html");
		return;
	} else if (format == NULL && accept != NULL &&
	    strstr(accept, "text/csv") != NULL)
		f = REC_CSV;
	if (season != NULL) {
		y = strtol(season, &end, 10);
		if (*season == '\0' || *end != '\0' || y < 2000 || y > 2100) {
			api_error(req, 400, "invalid_value", "season",
			    "season must be a year, 2000..2100");
			return;
		}
	}
	if ((j = rec_job_new(req, user, REC_NOTICES)) == NULL)
		return;
	j->format = f;
	j->season = season != NULL ? (int)y : rec_default_season();
	store_recurring_points(app->db, j->category, j->ward, j->office,
	    app->cfg->timezone, rec_points_cb, j);
}

static void
sent_done_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;

	if (r->status == DB_ERROR && r->sqlstate != NULL &&
	    strcmp(r->sqlstate, "23505") == 0)
		api_error(req, 409, "already_sent", "caller_id",
		    "a notice was already recorded for this caller and season");
	else if (r->status != DB_OK)
		api_db_error(req, r, "notices.send");
	else if (store_result_text(r->res) == NULL)
		api_error(req, 422, "not_listable", "caller_id",
		    "this caller did not consent, is past the retention "
		    "period, or did not call about that request");
	else
		api_reply_text(req, 201, store_result_text(r->res));
	http_req_unref(req);
}

static const char *const sent_keys[] = {
    "caller_id", "request_id", "season", "method", NULL};

static void
notices_sent(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct auth_user *user = auth_user_of(req);
	long long caller, request;
	double season;
	const char *method;
	json_t *body;

	if ((body = api_body(req)) == NULL)
		return;
	if (api_only_keys(req, body, sent_keys) != 0 ||
	    api_id(req, body, "caller_id", 1, &caller) != 0 ||
	    api_id(req, body, "request_id", 1, &request) != 0 ||
	    api_num(req, body, "season", 1, &season, NULL) != 0 ||
	    api_str(req, body, "method", 1, 10, &method) != 0)
		goto out;
	if (season != floor(season) || season < 2000 || season > 2100) {
		api_error(req, 422, "invalid_value", "season",
		    "season must be a year, 2000..2100");
		goto out;
	}
	if (strcmp(method, "letter") != 0 && strcmp(method, "email") != 0 &&
	    strcmp(method, "phone") != 0) {
		api_error(req, 422, "invalid_value", "method",
		    "method must be letter, email or phone");
		goto out;
	}
	http_req_ref(req);
	store_notice_send(app->db, caller, request, (int)season, method,
	    app->cfg->personal_retention_days, user->name, sent_done_cb, req);
out:
	json_decref(body);
}

static void
consent_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	api_reply(req, 200, json_pack("{s:s}", "text", app->cfg->consent_text));
}

const struct http_route api_recurring_routes[] = {
    {"recurring", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/recurring", 0, 0, recurring_get, NULL},
    /* Names and addresses: only the roles that handle personal data. */
    {"notices", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_PERSONAL_DATA),
        "/api/v1/notices", 0, 0, notices_get, NULL},
    {"notices.sent", EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_PERSONAL_DATA),
        "/api/v1/notices/sent", 4096, 0, notices_sent, NULL},
    {"consent", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY), "/api/v1/consent",
        0, 0, consent_get, NULL},
    {0},
};

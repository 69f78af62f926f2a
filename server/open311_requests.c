/*
 * The public views of Open311: GET requests, requests/{id} and the
 * mySociety servicerequestupdates. The database gives our own terms
 * (store_open311.c); what a resident may see of them is decided here:
 *
 * Everything here is public: no GET needs a key. So nothing shows a caller
 * (callers is not even read), updates say fixed sentences rather than
 * staff notes (open311_status.c), and reports that did not come through
 * Open311 (phone calls, counter visits, patrols) show neither their
 * description nor their address (the ward instead) and their point only
 * to 3 decimals, about 100 m: those may be someone's home, and the caller
 * did not publish them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api.h"
#include "app.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "open311.h"
#include "open311_reply.h"
#include "store_open311.h"
#include "xmalloc.h"

#define OPEN311_DAYS    90   /* the spec's default and longest range */
#define OPEN311_LIMIT   1000 /* the spec's default number of results */
#define OPEN311_MAX_IDS 200

/* What one event says, in the locale (caller frees). */
static char *
open311_event_text(
    json_t *ev, const struct open311_status *st, const char *locale)
{
	int en = strcmp(locale, "en") == 0;
	const char *text = en ? st->text_en : st->text_ja;
	const char *oname = json_string_value(
	    json_object_get(ev, en ? "outcome_en" : "outcome_ja"));

	/* An outcome not in the table: say its name, which is ours too. */
	if (st->outcome == NULL && strcmp(st->kind, "done") == 0 &&
	    oname != NULL)
		return xasprintf(en ? "%s: %s" : "%s（%s）", text, oname);
	return xstrdup(text);
}

static const struct open311_status *
open311_event_status(json_t *ev)
{
	const char *kind = json_string_value(json_object_get(ev, "kind"));

	return kind != NULL
	    ? open311_status_find(
	          kind, json_string_value(json_object_get(ev, "outcome")))
	    : NULL;
}

static json_t *
open311_status_code(json_t *ev)
{
	const char *kind = json_string_value(json_object_get(ev, "kind"));
	const char *outcome = json_string_value(json_object_get(ev, "outcome"));

	if (outcome != NULL)
		return json_sprintf("%s:%s", kind, outcome);
	return json_string(kind);
}

static json_t *
open311_id(json_t *v)
{
	if (!json_is_integer(v))
		return json_null();
	return json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
}

static int
open311_str_ok(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0';
}

/* A string member as it is, or null when absent or empty. */
static json_t *
open311_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

static json_t *
open311_notes(json_t *events, const char *locale)
{
	const struct open311_status *st;
	json_t *notes = json_array(), *ev;
	size_t i;
	char *text;

	json_array_foreach(events, i, ev)
	{
		if ((st = open311_event_status(ev)) == NULL)
			continue;
		text = open311_event_text(ev, st, locale);
		json_array_append_new(notes,
		    json_pack("{s:O,s:s,s:s,s:s,s:o}", "datetime",
		        json_object_get(ev, "at"), "summary", text, "type",
		        strcmp(st->kind, "created") == 0 ? "opened"
		            : st->closed                 ? "closed"
		                                         : "activity",
		        "status", st->status, "external_status_code",
		        open311_status_code(ev)));
		free(text);
	}
	return notes;
}

/* One of our requests as the spec's request (see the top of the file). */
static json_t *
open311_request(json_t *row, const char *locale, int extensions)
{
	const char *channel =
	    json_string_value(json_object_get(row, "channel"));
	const char *state = json_string_value(json_object_get(row, "state"));
	int own = channel != NULL && strcmp(channel, "open311") == 0;
	json_t *events = json_object_get(row, "events"), *last, *o;
	const struct open311_status *st;
	enum lc_state lc;
	double lat, lon;
	char *notes = NULL;
	int open;

	open = state != NULL && lifecycle_state_parse(state, &lc) == 0 &&
	    lifecycle_is_open(lc);
	last = json_array_get(events, json_array_size(events) - 1);
	if (last != NULL && (st = open311_event_status(last)) != NULL)
		notes = open311_event_text(last, st, locale);
	lat = json_number_value(json_object_get(row, "lat"));
	lon = json_number_value(json_object_get(row, "lon"));
	if (!own) {
		lat = round(lat * 1000) / 1000;
		lon = round(lon * 1000) / 1000;
	}
	o = json_pack("{s:o,s:s,s:o,s:s,s:O?,s:o,s:o,s:n,s:O?,s:O?,s:o,s:o,"
	              "s:n,s:n,s:f,s:f,s:o}",
	    "service_request_id", open311_id(json_object_get(row, "id")),
	    "status", open ? "open" : "closed", "status_notes",
	    notes != NULL ? json_string(notes) : json_null(), "service_name",
	    open311_name(row, locale), "service_code",
	    json_object_get(row, "code"), "description",
	    own ? open311_str(row, "description") : json_null(),
	    "agency_responsible",
	    open311_str(
	        row, strcmp(locale, "en") == 0 ? "office_en" : "office_ja"),
	    "service_notice", "requested_datetime",
	    json_object_get(row, "requested"), "updated_datetime",
	    json_object_get(row, "updated"), "expected_datetime",
	    open ? open311_str(row, "expected") : json_null(), "address",
	    own && open311_str_ok(row, "address") ? open311_str(row, "address")
	                                          : open311_str(row, "ward"),
	    "address_id", "zipcode", "lat", lat, "long", lon, "media_url",
	    own ? open311_str(row, "media_url") : json_null());
	free(notes);
	if (o == NULL)
		return NULL;
	if (extensions) {
		json_t *parent = json_object_get(row, "parent_id");
		int merged = state != NULL && strcmp(state, "merged") == 0;

		json_object_set_new(o, "extended_attributes",
		    json_pack("{s:s?,s:o,s:o,s:o}", "channel", channel, "ward",
		        open311_str(row, "ward"), "duplicate",
		        merged ? open311_id(parent) : json_null(),
		        "parent_service_request_id", open311_id(parent)));
		json_object_set_new(o, "notes", open311_notes(events, locale));
	}
	return o;
}

static int
open311_id_ok(const char *s)
{
	size_t len = strlen(s);

	return len >= 1 && len <= 15 && s[0] != '0' &&
	    strspn(s, "0123456789") == len;
}

/*
 * A comma list as an SQL array literal "{a,b}" of the items ok() takes;
 * the others cannot match anything and are left out. -1 past max items.
 */
static int
open311_list(const char *s, int (*ok)(const char *), int max, char **out)
{
	char *copy, *tok, *save, *t, *next;
	int n = 0;

	*out = xstrdup("{");
	copy = xstrdup(s);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		for (t = tok + strlen(tok); t > tok && t[-1] == ' '; t--)
			t[-1] = '\0';
		if (!ok(tok))
			continue;
		if (++n > max) {
			free(copy);
			free(*out);
			*out = NULL;
			return -1;
		}
		next = xasprintf("%s%s%s", *out, n > 1 ? "," : "", tok);
		free(*out);
		*out = next;
	}
	free(copy);
	next = xasprintf("%s}", *out);
	free(*out);
	*out = next;
	return 0;
}

/* The parameters of a search, read from the query string. */
struct open311_search {
	struct store_open311_query q;
	char start[40], end[40], after[40], before[40];
	char states[160];
	char *ids, *services;
};

static void
open311_search_free(struct open311_search *s)
{
	free(s->ids);
	free(s->services);
}

static int
open311_int_param(struct http_req *req, enum open311_format fmt,
    const char *name, int def, int min, int max, int *out)
{
	const char *s = http_req_query(req, name);
	char *end;
	long v;

	*out = def;
	if (s == NULL)
		return 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		open311_error(req, fmt, 400, "%s: a whole number %d to %d",
		    name, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int
open311_date_param(struct http_req *req, enum open311_format fmt,
    const char *name, char *buf, const char **out)
{
	const char *s = http_req_query(req, name);

	*out = NULL;
	if (s == NULL || *s == '\0')
		return 0;
	if (open311_date_parse(s, buf, 40) != 0) {
		open311_error(req, fmt, 400,
		    "%s: not a date and time such as "
		    "2026-07-01T09:00:00+09:00",
		    name);
		return -1;
	}
	*out = buf;
	return 0;
}

/* The states of status=open,closed as an SQL array literal. */
static int
open311_states(
    struct http_req *req, enum open311_format fmt, char *out, size_t len)
{
	const char *s = http_req_query(req, "status");
	int want_open = 0, want_closed = 0, i;
	char *copy, *tok, *save;
	size_t n;

	if (s == NULL || *s == '\0')
		return 1;
	copy = xstrdup(s);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcasecmp(tok, "open") == 0)
			want_open = 1;
		else if (strcasecmp(tok, "closed") == 0)
			want_closed = 1;
		else {
			free(copy);
			open311_error(req, fmt, 400,
			    "status: open, closed or both (comma-separated)");
			return -1;
		}
	}
	free(copy);
	n = (size_t)snprintf(out, len, "{");
	for (i = 0; i < LC_NSTATES; i++) {
		if (lifecycle_is_open((enum lc_state)i) ? want_open
		                                        : want_closed)
			n += (size_t)snprintf(out + n, len - n, "%s%s",
			    n > 1 ? "," : "",
			    lifecycle_state_name((enum lc_state)i));
	}
	snprintf(out + n, len - n, "}");
	return 0;
}

static int
open311_search_read(struct http_req *req, enum open311_format fmt,
    struct open311_search *s, int updates)
{
	struct store_open311_query *q = &s->q;
	const char *v;
	int page, size, rc;

	memset(s, 0, sizeof *s);
	q->window_days = OPEN311_DAYS;
	if (open311_int_param(req, fmt, "page_size", OPEN311_LIMIT, 1,
	        OPEN311_LIMIT, &size) != 0 ||
	    open311_int_param(req, fmt, "page", 1, 1, 1000000, &page) != 0 ||
	    open311_date_param(req, fmt, "start_date", s->start, &q->start) !=
	        0 ||
	    open311_date_param(req, fmt, "end_date", s->end, &q->end) != 0)
		return -1;
	q->limit = size;
	q->offset = (page - 1) * size;
	if ((v = http_req_query(req, "service_request_id")) != NULL &&
	    open311_list(v, open311_id_ok, OPEN311_MAX_IDS, &s->ids) != 0) {
		open311_error(req, fmt, 400,
		    "service_request_id: at most %d ids", OPEN311_MAX_IDS);
		return -1;
	}
	q->ids = s->ids;
	if (updates) {
		q->kinds = open311_status_kinds_sql(0);
		q->default_window = q->start == NULL && q->end == NULL;
		return 0;
	}
	if (open311_date_param(
	        req, fmt, "updated_after", s->after, &q->updated_after) != 0 ||
	    open311_date_param(
	        req, fmt, "updated_before", s->before, &q->updated_before) != 0)
		return -1;
	if ((v = http_req_query(req, "service_code")) != NULL &&
	    open311_list(v, open311_code_ok, OPEN311_MAX_IDS, &s->services) !=
	        0) {
		open311_error(req, fmt, 400, "service_code: at most %d codes",
		    OPEN311_MAX_IDS);
		return -1;
	}
	q->services = s->services;
	if ((rc = open311_states(req, fmt, s->states, sizeof s->states)) < 0)
		return -1;
	q->states = rc == 0 ? s->states : NULL;
	q->default_window = q->start == NULL && q->end == NULL &&
	    q->updated_after == NULL && q->updated_before == NULL;
	q->kinds = open311_status_kinds_sql(1);
	v = http_req_query(req, "extensions");
	q->all_events =
	    v != NULL && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
	return 0;
}

/*
 * The result of a query over a date range (the caller's), or NULL after
 * answering the failure (what) or a range the database refused.
 */
static json_t *
open311_range_result(
    struct open311_get *g, struct db_result *r, const char *what)
{
	const char *e;
	json_t *j;

	if (r->status != DB_OK) {
		open311_db_error(g->req, g->fmt, r, what);
		return NULL;
	}
	if ((j = api_result_json(r)) == NULL) {
		open311_error(g->req, g->fmt, 500, "no result");
		return NULL;
	}
	if ((e = json_string_value(json_object_get(j, "error"))) == NULL)
		return j;
	if (strcmp(e, "order") == 0)
		open311_error(g->req, g->fmt, 400,
		    "end_date: before start_date (or updated_before before "
		    "updated_after)");
	else
		open311_error(g->req, g->fmt, 400,
		    "start_date: a range (to end_date, or updated_after to "
		    "updated_before) may span at most %d days",
		    OPEN311_DAYS);
	json_decref(j);
	return NULL;
}

static void
open311_requests_cb(struct db_result *r, void *arg)
{
	struct open311_get *g = arg;
	json_t *j, *rows, *row, *list, *o;
	size_t i;

	if ((j = open311_range_result(g, r, "open311.requests")) == NULL)
		goto out;
	rows = json_object_get(j, "requests");
	if (g->name != NULL && json_array_size(rows) == 0) {
		open311_error(
		    g->req, g->fmt, 404, "service_request_id: no such request");
		json_decref(j);
		goto out;
	}
	list = json_array();
	json_array_foreach(rows, i, row)
	{
		if ((o = open311_request(row, g->locale, g->extensions)) !=
		    NULL)
			json_array_append_new(list, o);
	}
	json_decref(j);
	open311_reply(g->req, g->fmt, 200, list, "service_requests", "request");
out:
	open311_get_free(g);
}

void
open311_requests_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	enum open311_format fmt;
	struct open311_search s;
	struct open311_get *g;

	if (open311_get_format(req, &fmt) != 0)
		return;
	if (open311_search_read(req, fmt, &s, 0) != 0) {
		open311_search_free(&s);
		return;
	}
	g = open311_get_new(req, fmt);
	g->extensions = s.q.all_events;
	store_open311_requests(app->db, &s.q, open311_requests_cb, g);
	open311_search_free(&s);
}

void
open311_request_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	enum open311_format fmt;
	struct store_open311_query q = {0};
	struct open311_get *g;
	const char *ext = http_req_query(req, "extensions");
	char *id, ids[32];

	if ((id = open311_get_name(req, &fmt)) == NULL)
		return;
	if (!open311_id_ok(id)) {
		open311_error(
		    req, fmt, 404, "service_request_id: no such request");
		free(id);
		return;
	}
	snprintf(ids, sizeof ids, "{%s}", id);
	g = open311_get_new(req, fmt);
	g->name = id;
	g->extensions = ext != NULL &&
	    (strcasecmp(ext, "true") == 0 || strcmp(ext, "1") == 0);
	q.ids = ids;
	q.window_days = OPEN311_DAYS;
	q.limit = 1;
	q.kinds = open311_status_kinds_sql(1);
	q.all_events = g->extensions;
	store_open311_requests(app->db, &q, open311_requests_cb, g);
}

static void
open311_updates_cb(struct db_result *r, void *arg)
{
	struct open311_get *g = arg;
	const struct open311_status *st;
	json_t *j, *ev, *list, *u;
	size_t i;
	char *text;

	if ((j = open311_range_result(g, r, "open311.updates")) == NULL)
		goto out;
	list = json_array();
	json_array_foreach(json_object_get(j, "updates"), i, ev)
	{
		if ((st = open311_event_status(ev)) == NULL)
			continue;
		text = open311_event_text(ev, st, g->locale);
		u = json_pack("{s:O,s:o,s:s,s:O,s:s,s:n,s:o}", "update_id",
		    json_object_get(ev, "update_id"), "service_request_id",
		    open311_id(json_object_get(ev, "request_id")), "status",
		    st->status, "updated_datetime", json_object_get(ev, "at"),
		    "description", text, "media_url", "external_status_code",
		    open311_status_code(ev));
		if (u != NULL && open311_str_ok(ev, "client_ref"))
			json_object_set(u, "fixmystreet_id",
			    json_object_get(ev, "client_ref"));
		if (u != NULL)
			json_array_append_new(list, u);
		free(text);
	}
	json_decref(j);
	open311_reply(g->req, g->fmt, 200, list, "service_request_updates",
	    "request_update");
out:
	open311_get_free(g);
}

static void
open311_updates_run(struct http_req *req, enum open311_format fmt)
{
	struct app *app = http_req_owner(req);
	struct open311_search s;

	if (open311_search_read(req, fmt, &s, 1) != 0) {
		open311_search_free(&s);
		return;
	}
	store_open311_updates(
	    app->db, &s.q, open311_updates_cb, open311_get_new(req, fmt));
	open311_search_free(&s);
}

static void
open311_updates_key_cb(
    struct http_req *req, long long key_id, const char *name, void *arg)
{
	enum open311_format *fmt = arg;

	(void)key_id;
	if (name != NULL)
		open311_updates_run(req, *fmt);
	free(fmt);
}

void
open311_updates_get(struct http_req *req)
{
	enum open311_format fmt, *f;
	const char *key = http_req_query(req, "api_key");

	if (open311_get_format(req, &fmt) != 0)
		return;
	/*
	 * Updates are public, but FixMyStreet sends its key here too: a key
	 * that is sent must be good, so a misconfigured client finds out.
	 */
	if (key == NULL) {
		open311_updates_run(req, fmt);
		return;
	}
	f = xmalloc(sizeof *f);
	*f = fmt;
	open311_key_check(req, fmt, key, open311_updates_key_cb, f);
}

/*
 * POST requests. A report from an app goes
 * through the same intake as a phone call: the category's questions
 * (intake_check_answers), the point and the service area (geo), the ward
 * (wards_find), duplicates and priority (store_request_create) with
 * channel "open311". Then what only Open311 has: the client, the e-mail
 * (with the caller, like the name and phone), photos sent as "media" parts,
 * and an event telling the dispatcher who sent it and what it may
 * duplicate. Steps run one after another through their callbacks; a post
 * owns its form, which the handlers read field by field.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api.h"
#include "app.h"
#include "idempotency.h"
#include "config.h"
#include "db.h"
#include "field_limits.h"
#include "addr.h"
#include "geo.h"
#include "geocoder.h"
#include "http.h"
#include "image.h"
#include "intake.h"
#include "log.h"
#include "open311.h"
#include "open311_reply.h"
#include "open311_post.h"
#include "outside.h"
#include "photos.h"
#include "store_open311.h"
#include "store_requests.h"
#include "utf8.h"
#include "wards.h"
#include "xmalloc.h"

/*
 * Our extension: window_from and window_to, when the resident is in (ISO
 * 8601 times, either end open), as the JSON API takes them.
 */
static int
post_window(struct post *p)
{
	const char *from, *to, *field;
	char *cause;

	if (open311_post_text(p, "window_from", 40, &from) != 0 ||
	    open311_post_text(p, "window_to", 40, &to) != 0)
		return -1;
	if (intake_check_window(from, to, time(NULL), &field, &cause) != 0) {
		open311_error(p->req, p->fmt, 400, "%s: %s", field, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* POST requests: the reply, after the steps below */

static void
post_reply(struct post *p)
{
	int en = strcmp(p->locale, "en") == 0;
	char id[24], *notice, *out, *t;

	snprintf(id, sizeof id, "%lld", p->id);
	if (en)
		notice = xasprintf("Received as report %lld.%s", p->id,
		    p->ndups > 0 ? " The same problem has been reported "
		                   "nearby and is being dealt with."
		                 : "");
	else
		notice = xasprintf("受付番号 %lld で受け付けました。%s", p->id,
		    p->ndups > 0 ? "近くで同じ内容の通報を受けており、"
		                   "対応を進めています。"
		                 : "");
	/* Over the city line: the resident learns it may be passed on. */
	if (p->outside != NULL) {
		out = outside_notice(p->outside, en);
		t = xasprintf("%s%s", notice, out);
		free(notice);
		free(out);
		notice = t;
	}
	/* 200, not 201: the spec shows none, and clients test for 200. */
	open311_reply(p->req, p->fmt, 200,
	    json_pack("[{s:s,s:s,s:n}]", "service_request_id", id,
	        "service_notice", notice, "account_id"),
	    "service_requests", "request");
	free(notice);
	open311_post_free(p);
}

static void post_next_photo(struct post *);

static void
post_photo_cb(struct db_result *r, void *arg)
{
	struct post *p = arg;

	/* The request stands without it; open311_post_free removes the file. */
	if (!store_request_photo_added(r))
		log_error("event=open311_photo_link_failed request=%lld "
		          "error=%s",
		    p->id, log_q(r->error));
	else
		p->photos[p->photo_next].linked = 1;
	p->photo_next++;
	post_next_photo(p);
}

static void
post_next_photo(struct post *p)
{
	struct app *app = http_req_owner(p->req);
	struct post_photo *ph;

	if (p->photo_next == p->nphotos) {
		post_reply(p);
		return;
	}
	ph = &p->photos[p->photo_next];
	store_request_photo_add(app->db, p->id, ph->sha256, ph->bytes, ph->type,
	    p->actor, 0, post_photo_cb, p);
}

static void
post_received_cb(struct db_result *r, void *arg)
{
	struct post *p = arg;

	/*
	 * The request is in the queue already: answer with its id even if
	 * the extras were lost, or the client would send it again.
	 */
	if (r->status != DB_OK)
		log_error("event=open311_received_failed request=%lld "
		          "sqlstate=%s error=%s",
		    p->id, r->sqlstate != NULL ? r->sqlstate : "-",
		    log_q(r->error));
	post_next_photo(p);
}

static void
post_created_cb(struct db_result *r, void *arg)
{
	struct post *p = arg;
	struct app *app = http_req_owner(p->req);
	struct store_open311_received x = {0};
	json_t *j, *dups, *d;
	size_t i;

	if (r->status != DB_OK) {
		open311_db_error(p->req, p->fmt, r, "open311.create");
		open311_post_free(p);
		return;
	}
	if ((j = api_result_json(r)) == NULL) {
		open311_error(
		    p->req, p->fmt, 404, "service_code: no such service");
		open311_post_free(p);
		return;
	}
	p->id = json_integer_value(json_object_get(j, "id"));
	dups = json_array();
	json_array_foreach(json_object_get(j, "duplicates"), i, d)
	{
		json_array_append(dups, json_object_get(d, "id"));
	}
	p->ndups = (int)json_array_size(dups);
	p->duplicates = json_dumps(dups, JSON_COMPACT);
	json_decref(dups);
	json_decref(j);
	log_info("event=open311_request request=%lld client=%s duplicates=%d "
	         "photos=%d",
	    p->id, p->client, p->ndups, p->nphotos);
	x.request_id = p->id;
	x.key_id = p->key_id;
	x.actor = p->actor;
	x.client = p->client;
	x.media_url = open311_post_get(p, "media_url");
	x.client_ref = p->client_ref;
	x.email = open311_post_get(p, "email");
	x.duplicates = p->duplicates;
	x.photos = p->nphotos;
	store_open311_received(app->db, &x, post_received_cb, p);
}

/* Stores the photos given as media parts; -1 after answering 500. */
static int
post_store_photos(struct post *p)
{
	struct app *app = http_req_owner(p->req);
	const struct open311_field *f;
	struct post_photo *ph;
	size_t i;

	for (i = 0; i < p->form.n; i++) {
		f = &p->form.fields[i];
		if ((strcmp(f->name, "media") != 0 &&
		        strcmp(f->name, "media[]") != 0) ||
		    f->len == 0)
			continue;
		ph = &p->photos[p->nphotos++];
		ph->bytes = f->len;
		ph->type = image_sniff(f->value, f->len);
		if (photos_store(app->cfg->photo_dir, f->value, f->len,
		        ph->sha256, &ph->created) != 0) {
			open311_error(p->req, p->fmt, 500,
			    "media: cannot store the photo");
			return -1;
		}
	}
	return 0;
}

static void
post_category_cb(struct db_result *r, void *arg)
{
	struct post *p = arg;
	struct app *a = http_req_owner(p->req);
	struct store_new_request n = {0};
	json_t *cat, *answers;
	char *field, *cause;
	int priority;

	if (r->status != DB_OK) {
		open311_db_error(p->req, p->fmt, r, "open311.category");
		goto fail;
	}
	if ((cat = api_result_json(r)) == NULL) {
		open311_error(
		    p->req, p->fmt, 404, "service_code: no such service");
		goto fail;
	}
	if ((answers = open311_post_answers(p, cat)) == NULL) {
		json_decref(cat);
		goto fail;
	}
	if (intake_check_answers(cat, answers, &priority, &field, &cause) !=
	    0) {
		/* intake names answers.CODE; the client sent attribute[CODE].
		 */
		open311_error(p->req, p->fmt, 400, "attribute[%s]: %s",
		    strncmp(field, "answers.", 8) == 0 ? field + 8 : field,
		    cause);
		free(field);
		free(cause);
		json_decref(answers);
		json_decref(cat);
		goto fail;
	}
	json_decref(cat);
	p->answers = json_dumps(answers, JSON_COMPACT);
	json_decref(answers);
	if (post_store_photos(p) != 0)
		goto fail;
	n.category = open311_post_get(p, "service_code");
	n.channel = "open311";
	n.lon = p->lon;
	n.lat = p->lat;
	n.easting = p->easting;
	n.northing = p->northing;
	n.address = open311_post_get(p, "address_string");
	n.ward_code = p->ward_code;
	n.description = open311_post_get(p, "description");
	n.answers_json = p->answers;
	n.priority = priority;
	n.actor = p->actor;
	n.caller_name = p->caller_name;
	n.caller_phone = open311_post_get(p, "phone");
	if (p->level != NULL) {
		n.location_text = n.address;
		n.location_level = p->level;
	}
	n.window_from = open311_post_get(p, "window_from");
	n.window_to = open311_post_get(p, "window_to");
	n.dup_radius_m = a->cfg->dup_radius_m;
	n.dup_window_h = a->cfg->dup_window_h;
	store_request_create(a->db, &n, post_created_cb, p);
	return;
fail:
	open311_post_free(p);
}

/*
 * The point: lat and long (FixMyStreet sends 6 decimals). A point outside
 * the service area names the coordinate that is out.
 */
static int
post_location(struct post *p)
{
	struct app *app = http_req_owner(p->req);
	const struct config *cfg = app->cfg;
	const char *lat, *lon, *other;
	char *cause;

	/* Whatever the client sent: an address_string must be text. */
	if (open311_post_text(p, "address_string", LIMIT_ADDRESS, &other) != 0)
		return -1;
	if (open311_post_text(p, "lat", 40, &lat) != 0 ||
	    open311_post_text(p, "long", 40, &lon) != 0)
		return -1;
	if (lat == NULL && lon == NULL) {
		other = open311_post_get(p, "address_string");
		if (other != NULL && *other != '\0')
			return 1; /* placed by its address (post_geocode_cb) */
		if (open311_post_get(p, "address_id") != NULL)
			open311_error(p->req, p->fmt, 400,
			    "lat: required; this endpoint places reports by "
			    "lat and long or address_string, not by "
			    "address_id");
		else
			open311_error(p->req, p->fmt, 400,
			    "lat: required (a location: lat and long, or "
			    "address_string)");
		return -1;
	}
	if (lat == NULL || lon == NULL) {
		open311_error(p->req, p->fmt, 400, "%s: required with %s",
		    lat == NULL ? "lat" : "long", lat == NULL ? "long" : "lat");
		return -1;
	}
	if (geo_parse_lonlat(lon, lat, &p->lon, &p->lat, &cause) != 0) {
		if (strncmp(cause, "lat", 3) == 0)
			open311_error(p->req, p->fmt, 400, "lat: %s", cause);
		else if (strncmp(cause, "lon", 3) == 0)
			open311_error(
			    p->req, p->fmt, 400, "long: %s", cause + 3);
		else
			open311_error(p->req, p->fmt, 400, "%s: %s",
			    p->lat < cfg->area_lat_min ||
			            p->lat > cfg->area_lat_max
			        ? "lat"
			        : "long",
			    cause);
		free(cause);
		return -1;
	}
	if (geo_to_plane(p->lon, p->lat, &p->easting, &p->northing, &cause) !=
	    0) {
		open311_error(p->req, p->fmt, 400, "lat: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Photos: pictures of at most photo_max_bytes, a few per report. */
static int
post_check_media(struct post *p)
{
	struct app *app = http_req_owner(p->req);
	const struct open311_field *f;
	size_t i;
	int n = 0;

	for (i = 0; i < p->form.n; i++) {
		f = &p->form.fields[i];
		if ((strcmp(f->name, "media") != 0 &&
		        strcmp(f->name, "media[]") != 0) ||
		    f->len == 0)
			continue;
		if (f->len > (size_t)app->cfg->photo_max_bytes) {
			open311_error(p->req, p->fmt, 413,
			    "%s: a photo may be at most %d bytes", f->name,
			    app->cfg->photo_max_bytes);
			return -1;
		}
		if (image_sniff(f->value, f->len) == NULL) {
			open311_error(p->req, p->fmt, 400,
			    "%s: not a JPEG, PNG or WebP image", f->name);
			return -1;
		}
		if (++n > POST_MAX_PHOTOS) {
			open311_error(p->req, p->fmt, 400,
			    "%s: at most %d photos", f->name, POST_MAX_PHOTOS);
			return -1;
		}
	}
	return 0;
}

/* The point is known: its ward, then the category. */
static void
post_placed(struct post *p)
{
	struct app *app = http_req_owner(p->req);
	const struct ward *w;

	if (app->wards != NULL &&
	    (w = wards_find(app->wards, p->lon, p->lat)) != NULL)
		p->ward_code = xstrdup(w->code);
	else
		p->outside = outside_describe(app->wards, p->lon, p->lat);
	store_category_get(
	    app->db, open311_post_get(p, "service_code"), post_category_cb, p);
}

/*
 * A report with only address_string: placed when the address names a
 * town (or block) exactly. A near spelling or a bare place name is not
 * enough here: no person confirms a resident's report before a crew
 * drives out, so it is refused with what was understood.
 */
static void
post_geocode_cb(const struct addr_index *idx, void *arg)
{
	struct post *p = arg;
	const char *text = open311_post_get(p, "address_string");
	struct addr_result r = {0};
	char *cause;

	if (idx == NULL) {
		open311_error(p->req, p->fmt, 503,
		    "address_string: addresses cannot be looked up now; send "
		    "lat and long");
		goto fail;
	}
	addr_search(idx, text, NULL, 2, &r);
	if (r.n == 0 || r.c[0].match != ADDR_MATCH_EXACT) {
		open311_error(p->req, p->fmt, 400,
		    "address_string: cannot be placed%s%s%s; send lat and "
		    "long, or an address with its town (町丁目) name",
		    r.n > 0 ? " (did you mean " : "",
		    r.n > 0 ? r.c[0].label : "", r.n > 0 ? "?)" : "");
		goto fail;
	}
	if (r.n > 1 && r.c[1].match == ADDR_MATCH_EXACT &&
	    r.c[1].score == r.c[0].score) {
		open311_error(p->req, p->fmt, 400,
		    "address_string: names more than one place (%s, %s); add "
		    "the city or ward",
		    r.c[0].label, r.c[1].label);
		goto fail;
	}
	p->lat = r.c[0].lat;
	p->lon = r.c[0].lon;
	p->level = r.c[0].level == ADDR_LEVEL_BLOCK ? "block" : "town";
	if (geo_check_wgs84(p->lon, p->lat, &cause) != 0 ||
	    geo_to_plane(p->lon, p->lat, &p->easting, &p->northing, &cause) !=
	        0) {
		open311_error(p->req, p->fmt, 400,
		    "address_string: %s is outside the service area",
		    r.c[0].label);
		free(cause);
		goto fail;
	}
	addr_result_free(&r);
	post_placed(p);
	return;
fail:
	addr_result_free(&r);
	open311_post_free(p);
}

static void
post_request_go(void *arg)
{
	struct post *p = arg;
	const char *code, *s, *first, *last;
	int located;
	size_t i;

	if (open311_post_text(p, "service_code", 40, &code) != 0)
		goto fail;
	if (code == NULL) {
		open311_error(p->req, p->fmt, 400, "service_code: required");
		goto fail;
	}
	if (!open311_code_ok(code)) {
		open311_error(
		    p->req, p->fmt, 404, "service_code: no such service");
		goto fail;
	}
	if ((located = post_location(p)) < 0 ||
	    open311_post_text(p, "description", LIMIT_DESCRIPTION, &s) != 0 ||
	    open311_post_text(p, "address_string", LIMIT_ADDRESS, &s) != 0 ||
	    open311_post_text(p, "first_name", 100, &first) != 0 ||
	    open311_post_text(p, "last_name", 100, &last) != 0 ||
	    open311_post_text(p, "phone", LIMIT_PHONE, &s) != 0 ||
	    open311_post_text(p, "email", 254, &s) != 0 ||
	    open311_post_url(p, "media_url", &s) != 0 ||
	    post_check_media(p) != 0 || post_window(p) != 0)
		goto fail;
	/* Fields that must be text even though they are not kept. */
	for (i = 0; i < p->form.n; i++) {
		const struct open311_field *f = &p->form.fields[i];

		if (strncmp(f->name, "attribute[", 10) != 0 &&
		    strcmp(f->name, "media") != 0 &&
		    strcmp(f->name, "media[]") != 0 &&
		    !open311_text_ok(f->value, f->len)) {
			open311_error(p->req, p->fmt, 400,
			    "%s: not valid UTF-8 text", f->name);
			goto fail;
		}
	}
	/*
	 * FixMyStreet splits a name at its first space: first_name then
	 * last_name. Joined the same way, a Japanese name comes back in the
	 * order the resident wrote it (family name first).
	 */
	if (first != NULL || last != NULL)
		p->caller_name = xasprintf("%s%s%s", first != NULL ? first : "",
		    first != NULL && last != NULL ? " " : "",
		    last != NULL ? last : "");
	if (located == 1)
		geocoder_with_index(((struct app *)http_req_owner(p->req))->db,
		    post_geocode_cb, p);
	else
		post_placed(p);
	return;
fail:
	open311_post_free(p);
}

static void
post_stop(void *arg)
{
	open311_post_free(arg);
}

/* The key is the client: its Idempotency-Keys are its own. */
static void
post_request_keyed(struct post *p)
{
	struct app *app = http_req_owner(p->req);
	char scope[40];

	snprintf(scope, sizeof scope, "open311:%lld", p->key_id);
	idem_begin(app, p->req, scope, post_request_go, post_stop, p);
}

void
open311_post_request(struct http_req *req, enum open311_format fmt)
{
	open311_post_start(req, fmt, post_request_keyed);
}

/*
 * Open311 GeoReport v2 under /open311/v2/, for residents' apps (the
 * FixMyStreet family, city apps): the routes, the two formats and the
 * spec's errors, client keys, discovery, services and service definitions.
 * The suffix (.xml or .json) decides the format of the reply and of its
 * errors. Requests and updates are in open311_requests.c (GET) and
 * open311_post.c (POST), a level below; what every handler shares (the
 * reply, its errors, formats, keys) is in open311_reply.c, below them all.
 * open311.h lists the files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "open311.h"
#include "store_open311.h"
#include "store_requests.h"
#include "utf8.h"
#include "xmalloc.h"

#define OPEN311_SPEC "http://wiki.open311.org/GeoReport_v2"
/* When this endpoint's behaviour last changed (discovery's changeset). */
#define OPEN311_CHANGESET  "2026-11-21T00:00:00+09:00"
#define OPEN311_POST_MAX   (100 << 20) /* http_max_body decides */
#define OPEN311_UPDATE_MAX (256 * 1024)

/* GET discovery */

static void
open311_discovery(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	enum open311_format fmt;
	const char *host = http_req_header(req, "Host");
	char *url;

	if (open311_get_format(req, &fmt) != 0)
		return;
	/* Behind a proxy the Host header is what the client used. */
	url = xasprintf("http://%s/open311/v2",
	    host != NULL && utf8_valid(host) && strlen(host) < 200
	        ? host
	        : "localhost");
	open311_reply(req, fmt, 200,
	    json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s,s:[s,s]}]}",
	        "changeset", OPEN311_CHANGESET, "contact",
	        app->cfg->open311_contact, "key_service",
	        "API keys are issued by the ward office (patrolctl open311 key "
	        "add)",
	        "endpoints", "specification", OPEN311_SPEC, "url", url,
	        "changeset", OPEN311_CHANGESET, "type", "production", "formats",
	        "text/xml", "application/json"),
	    "discovery", "item");
	free(url);
}

/* GET services */

static void
open311_services_cb(struct db_result *r, void *arg)
{
	struct open311_get *g = arg;
	json_t *all, *cat, *list, *skills, *sk;
	size_t i, k;
	char *keywords;
	const char *s;

	if (r->status != DB_OK) {
		open311_db_error(g->req, g->fmt, r, "open311.services");
		goto out;
	}
	all = api_result_json(r);
	list = json_array();
	json_array_foreach(all, i, cat)
	{
		skills = json_object_get(cat, "skills");
		keywords = xstrdup("");
		json_array_foreach(skills, k, sk)
		{
			char *next = xasprintf("%s%s%s", keywords,
			    k > 0 ? ", " : "", json_string_value(sk));

			free(keywords);
			keywords = next;
		}
		s = json_string_value(json_array_get(skills, 0));
		json_array_append_new(list,
		    json_pack("{s:O,s:s,s:s,s:b,s:s,s:s,s:s}", "service_code",
		        json_object_get(cat, "code"), "service_name",
		        open311_name(cat, g->locale), "description",
		        open311_name(cat, g->locale), "metadata",
		        json_array_size(json_object_get(cat, "questions")) > 0,
		        "type", "realtime", "keywords", keywords, "group",
		        s != NULL ? s : ""));
		free(keywords);
	}
	json_decref(all);
	open311_reply(g->req, g->fmt, 200, list, "services", "service");
out:
	open311_get_free(g);
}

static void
open311_services(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	enum open311_format fmt;

	if (open311_get_format(req, &fmt) != 0)
		return;
	store_open311_services(
	    app->db, open311_services_cb, open311_get_new(req, fmt));
}

/* GET services/{code} */

static void
open311_service_cb(struct db_result *r, void *arg)
{
	struct open311_get *g = arg;
	json_t *cat, *attrs, *q, *a, *values, *v;
	const char *type;
	size_t i, k;

	if (r->status != DB_OK) {
		open311_db_error(g->req, g->fmt, r, "open311.service");
		goto out;
	}
	if ((cat = api_result_json(r)) == NULL) {
		open311_error(
		    g->req, g->fmt, 404, "service_code: no such service");
		goto out;
	}
	attrs = json_array();
	json_array_foreach(json_object_get(cat, "questions"), i, q)
	{
		type = json_string_value(json_object_get(q, "datatype"));
		if (type == NULL)
			type = "string";
		a = json_pack("{s:b,s:O,s:s,s:b,s:n,s:I,s:s}", "variable", 1,
		    "code", json_object_get(q, "code"), "datatype", type,
		    "required", json_is_true(json_object_get(q, "required")),
		    "datatype_description", "order", (json_int_t)(i + 1),
		    "description", open311_name(q, g->locale));
		if (strstr(type, "list") != NULL) {
			values = json_array();
			json_array_foreach(json_object_get(q, "values"), k, v)
			{
				json_array_append_new(values,
				    json_pack("{s:O,s:s}", "key",
				        json_object_get(v, "key"), "name",
				        open311_name(v, g->locale)));
			}
			json_object_set_new(a, "values", values);
		}
		json_array_append_new(attrs, a);
	}
	open311_reply(g->req, g->fmt, 200,
	    json_pack("{s:O,s:o}", "service_code", json_object_get(cat, "code"),
	        "attributes", attrs),
	    "service_definition", "item");
	json_decref(cat);
out:
	open311_get_free(g);
}

static void
open311_service(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	enum open311_format fmt;
	struct open311_get *g;
	char *code;

	if ((code = open311_get_name(req, &fmt)) == NULL)
		return;
	if (!open311_code_ok(code)) {
		open311_error(req, fmt, 404, "service_code: no such service");
		free(code);
		return;
	}
	g = open311_get_new(req, fmt);
	g->name = code;
	store_category_get(app->db, code, open311_service_cb, g);
}

static void
open311_token_get(struct http_req *req)
{
	enum open311_format fmt;
	char *token;

	if ((token = open311_get_name(req, &fmt)) == NULL)
		return;
	/* Intake is never deferred here: every POST answers with an id. */
	open311_error(req, fmt, 404,
	    "token: no such token (this endpoint answers "
	    "service_request_id at once and issues no tokens)");
	free(token);
}

static void
open311_requests_post(struct http_req *req)
{
	enum open311_format fmt;

	if (open311_suffix(req, &fmt) == 0)
		open311_post_request(req, fmt);
}

static void
open311_updates_post(struct http_req *req)
{
	enum open311_format fmt;

	if (open311_suffix(req, &fmt) == 0)
		open311_post_update(req, fmt);
}

static void
open311_unknown(struct http_req *req)
{
	const char *path = http_req_path(req);
	size_t len = strlen(path);

	open311_error(req,
	    len > 5 && strcmp(path + len - 5, ".json") == 0 ? OPEN311_JSON
	                                                    : OPEN311_XML,
	    404, "no such resource");
}

const struct http_route open311_routes[] = {
    {"open311.discovery", EVHTTP_REQ_GET, "/open311/v2/discovery.{}", 0, 0,
        open311_discovery, NULL},
    {"open311.services", EVHTTP_REQ_GET, "/open311/v2/services.{}", 0, 0,
        open311_services, NULL},
    {"open311.service", EVHTTP_REQ_GET, "/open311/v2/services/{}", 0, 0,
        open311_service, NULL},
    {"open311.requests", EVHTTP_REQ_GET, "/open311/v2/requests.{}", 0, 0,
        open311_requests_get, NULL},
    {"open311.requests.post", EVHTTP_REQ_POST | HTTP_ROUTE_KEYED,
        "/open311/v2/requests.{}", OPEN311_POST_MAX, 60000,
        open311_requests_post, NULL},
    {"open311.request", EVHTTP_REQ_GET, "/open311/v2/requests/{}", 0, 0,
        open311_request_get, NULL},
    {"open311.tokens", EVHTTP_REQ_GET, "/open311/v2/tokens/{}", 0, 0,
        open311_token_get, NULL},
    {"open311.updates", EVHTTP_REQ_GET, "/open311/v2/servicerequestupdates.{}",
        0, 0, open311_updates_get, NULL},
    {"open311.updates.post", EVHTTP_REQ_POST | HTTP_ROUTE_KEYED,
        "/open311/v2/servicerequestupdates.{}", OPEN311_UPDATE_MAX, 0,
        open311_updates_post, NULL},
    /* Anything else under the base: the spec's 404, not ours. */
    {"open311.unknown", EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/open311/v2/*", 0, 0,
        open311_unknown, NULL},
    {0},
};

void
open311_start(struct app *a)
{
	const char *l = a->cfg->open311_locale;

	if (strcmp(l, "ja") != 0 && strcmp(l, "en") != 0)
		log_warnx("event=open311_locale_unknown locale=%s using=%s",
		    log_q(l), open311_locale(a->cfg, NULL));
}

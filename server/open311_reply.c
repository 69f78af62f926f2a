/*
 * What every Open311 handler shares (open311.c's discovery and services,
 * open311_requests.c, open311_post*.c): the reply in either format, the
 * spec's errors, the format from the path, the jurisdiction, client keys,
 * a GET's state and the names of things by locale. It calls none of the
 * handlers, so calls between the open311 files run one way: down to here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "open311_codec.h"
#include "open311_reply.h"
#include "store_open311.h"
#include "xmalloc.h"

#define OPEN311_XML_TYPE  "text/xml; charset=utf-8"
#define OPEN311_JSON_TYPE "application/json; charset=utf-8"

void
open311_reply(struct http_req *req, enum open311_format fmt, int status,
    json_t *doc, const char *root, const char *item)
{
	struct evbuffer *b;
	char *s;
	size_t len;

	if (fmt == OPEN311_JSON) {
		s = json_dumps(doc,
		    JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY);
		len = s != NULL ? strlen(s) : 0;
	} else
		s = open311_xml_write(doc, root, item, &len);
	json_decref(doc);
	if (s == NULL) {
		http_reply_text(req, 500, "text/plain; charset=utf-8",
		    "cannot write the reply\n");
		return;
	}
	b = evbuffer_new();
	evbuffer_add(b, s, len);
	free(s);
	http_reply(req, status,
	    fmt == OPEN311_JSON ? OPEN311_JSON_TYPE : OPEN311_XML_TYPE, b);
}

void
open311_error(struct http_req *req, enum open311_format fmt, int status,
    const char *fmt_s, ...)
{
	va_list ap;
	char *msg;
	json_t *d;

	va_start(ap, fmt_s);
	msg = xvasprintf(fmt_s, ap);
	va_end(ap);
	/* A description may quote input: jansson refuses invalid UTF-8. */
	if ((d = json_stringn(msg, strlen(msg))) == NULL)
		d = json_string("the request is malformed");
	open311_reply(req, fmt, status,
	    json_pack("[{s:i,s:o}]", "code", status, "description", d),
	    "errors", "error");
	free(msg);
}

void
open311_db_error(struct http_req *req, enum open311_format fmt,
    const struct db_result *r, const char *what)
{
	const char *detail = NULL;

	switch (api_db_fault(req, r, what, &detail)) {
	case API_DB_UNAVAILABLE:
		open311_error(
		    req, fmt, 503, "the service is not available; try again");
		break;
	case API_DB_VALUE:
		open311_error(req, fmt, 400, "invalid value: %s", detail);
		break;
	default:
		open311_error(req, fmt, 500, "internal error (%s)", what);
	}
}

const char *
open311_locale(const struct config *cfg, const char *param)
{
	const char *l = param != NULL ? param : cfg->open311_locale;

	return l != NULL && strncasecmp(l, "en", 2) == 0 ? "en" : "ja";
}

int
open311_jurisdiction_ok(
    struct http_req *req, enum open311_format fmt, const char *given)
{
	struct app *app = http_req_owner(req);
	const char *want = app->cfg->open311_jurisdiction;

	/* Only a server of several jurisdictions needs it (the spec). */
	if (want == NULL || *want == '\0' || given == NULL ||
	    strcmp(given, want) == 0)
		return 0;
	open311_error(req, fmt, 404, "jurisdiction_id: no such jurisdiction");
	return -1;
}

/* What "requests.xml" or "xml" is asking for; -1 for anything else. */
static int
open311_format_parse(const char *s, enum open311_format *fmt)
{
	if (s != NULL && strcmp(s, "xml") == 0)
		*fmt = OPEN311_XML;
	else if (s != NULL && strcmp(s, "json") == 0)
		*fmt = OPEN311_JSON;
	else
		return -1;
	return 0;
}

/*
 * Splits "wasp_nest.xml" into the name (caller frees) and the format. An
 * unknown suffix answers 404 in XML, the spec's mandatory format.
 */
static char *
open311_split(struct http_req *req, const char *seg, enum open311_format *fmt)
{
	const char *dot = seg != NULL ? strrchr(seg, '.') : NULL;

	*fmt = OPEN311_XML;
	if (dot == NULL || dot == seg ||
	    open311_format_parse(dot + 1, fmt) != 0) {
		open311_error(req, OPEN311_XML, 404,
		    "no such resource: the path ends in .xml or .json");
		return NULL;
	}
	return xstrndup(seg, (size_t)(dot - seg));
}

int
open311_suffix(struct http_req *req, enum open311_format *fmt)
{
	if (open311_format_parse(http_req_param(req, 0), fmt) == 0)
		return 0;
	open311_error(req, OPEN311_XML, 404,
	    "no such resource: the path ends in .xml or .json");
	return -1;
}

int
open311_get_format(struct http_req *req, enum open311_format *fmt)
{
	if (open311_suffix(req, fmt) != 0 ||
	    open311_jurisdiction_ok(
	        req, *fmt, http_req_query(req, "jurisdiction_id")) != 0)
		return -1;
	return 0;
}

char *
open311_get_name(struct http_req *req, enum open311_format *fmt)
{
	char *name;

	if ((name = open311_split(req, http_req_param(req, 0), fmt)) == NULL)
		return NULL;
	if (open311_jurisdiction_ok(
	        req, *fmt, http_req_query(req, "jurisdiction_id")) != 0) {
		free(name);
		return NULL;
	}
	return name;
}

struct open311_key_check {
	struct http_req *req;
	enum open311_format fmt;
	open311_key_cb cb;
	void *arg;
};

static void
open311_key_lookup_cb(struct db_result *r, void *arg)
{
	struct open311_key_check *k = arg;
	const char *name;
	long long id;

	if (r->status != DB_OK) {
		open311_db_error(k->req, k->fmt, r, "open311.key");
		k->cb(k->req, 0, NULL, k->arg);
	} else if (!store_open311_key_lookup_row(r->res, &id, &name)) {
		open311_error(k->req, k->fmt, 403, "api_key: not a valid key");
		k->cb(k->req, 0, NULL, k->arg);
	} else
		k->cb(k->req, id, name, k->arg);
	http_req_unref(k->req);
	free(k);
}

void
open311_key_check(struct http_req *req, enum open311_format fmt,
    const char *api_key, open311_key_cb cb, void *arg)
{
	struct app *app = http_req_owner(req);
	struct open311_key_check *k;
	char hash[65];

	/* Ours are 46 characters; anything much longer costs no query. */
	if (api_key == NULL || *api_key == '\0' || strlen(api_key) > 200) {
		open311_error(req, fmt, 403, "api_key: %s",
		    api_key == NULL || *api_key == '\0' ? "required"
		                                        : "not a valid key");
		cb(req, 0, NULL, arg);
		return;
	}
	auth_token_hash(api_key, hash);
	k = xcalloc(1, sizeof *k);
	k->req = req;
	k->fmt = fmt;
	k->cb = cb;
	k->arg = arg;
	http_req_ref(req);
	store_open311_key_lookup(app->db, hash, open311_key_lookup_cb, k);
}

struct open311_get *
open311_get_new(struct http_req *req, enum open311_format fmt)
{
	struct open311_get *g = xcalloc(1, sizeof *g);

	g->req = req;
	g->fmt = fmt;
	g->locale = open311_locale(((struct app *)http_req_owner(req))->cfg,
	    http_req_query(req, "locale"));
	http_req_ref(req);
	return g;
}

void
open311_get_free(struct open311_get *g)
{
	http_req_unref(g->req);
	free(g->name);
	free(g);
}

const char *
open311_name(json_t *o, const char *locale)
{
	const char *s = json_string_value(json_object_get(
	    o, strcmp(locale, "en") == 0 ? "name_en" : "name_ja"));

	return s != NULL ? s : "";
}

int
open311_code_ok(const char *s)
{
	size_t len = strlen(s);

	return len >= 1 && len <= 40 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

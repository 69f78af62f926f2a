#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "addrlist.h"
#include "api.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "field_limits.h"
#include "geo.h"
#include "http.h"
#include "log.h"
#include "store_result.h"
#include "utf8.h"
#include "xmalloc.h"

#define JSON_TYPE "application/json; charset=utf-8"

void
api_reply(struct http_req *req, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));

	api_reply_text(req, status, s != NULL ? s : "null");
	free(s);
	json_decref(j);
}

void
api_reply_text(struct http_req *req, int status, const char *json)
{
	http_reply_text(req, status, JSON_TYPE, json);
}

static void api_error_v(struct http_req *, int, const char *, const char *,
    json_t *, const char *, va_list) __attribute__((format(printf, 6, 0)));

static void
api_error_v(struct http_req *req, int status, const char *code,
    const char *field, json_t *extra, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);

	api_reply(req, status, http_error_body(code, field, msg, extra));
	free(msg);
}

void
api_error(struct http_req *req, int status, const char *code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	api_error_v(req, status, code, field, NULL, fmt, ap);
	va_end(ap);
}

void
api_error_extra(struct http_req *req, int status, const char *code,
    const char *field, json_t *extra, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	api_error_v(req, status, code, field, extra, fmt, ap);
	va_end(ap);
}

enum api_db_fault
api_db_fault(struct http_req *req, const struct db_result *r, const char *what,
    const char **detail)
{
	if (r->status == DB_UNAVAILABLE || r->status == DB_TIMEOUT) {
		http_req_set_header(req, "Retry-After", "2");
		return API_DB_UNAVAILABLE;
	}
	/* Class 22: a value PostgreSQL could not take (a date out of range). */
	if (r->sqlstate != NULL && strncmp(r->sqlstate, "22", 2) == 0) {
		*detail = r->error != NULL ? r->error : "data exception";
		return API_DB_VALUE;
	}
	log_error("event=db_error what=%s sqlstate=%s error=%s", what,
	    r->sqlstate != NULL ? r->sqlstate : "-", log_q(r->error));
	return API_DB_INTERNAL;
}

void
api_db_error(struct http_req *req, const struct db_result *r, const char *what)
{
	const char *detail = NULL;

	switch (api_db_fault(req, r, what, &detail)) {
	case API_DB_UNAVAILABLE:
		api_error(req, 503, "unavailable", NULL,
		    "the database is not available; try again");
		break;
	case API_DB_VALUE:
		api_error(req, 422, "invalid_value", NULL, "invalid value: %s",
		    detail);
		break;
	default:
		api_error(
		    req, 500, "internal", NULL, "internal error (%s)", what);
	}
}

void
api_db_warn_cb(struct db_result *r, void *event)
{
	if (r->status != DB_OK)
		log_warnx(
		    "event=%s error=%s", (const char *)event, log_q(r->error));
}

void
api_client_addr(
    const struct app *a, struct http_req *req, char *out, size_t outlen)
{
	addrlist_client(a->trusted_proxies, http_req_peer(req),
	    http_req_header(req, "X-Forwarded-For"), out, outlen);
}

int
api_json_type(const char *ct)
{
	/* "application/json" alone or with parameters, not "...jsonx". */
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	ct += 16;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

json_t *
api_body(struct http_req *req)
{
	const char *ct = http_req_header(req, "Content-Type");
	json_error_t err;
	const char *body;
	size_t len;
	json_t *j;

	if (!api_json_type(ct)) {
		api_error(req, 415, "unsupported_media_type", NULL,
		    "send the body as application/json");
		return NULL;
	}
	body = http_req_body(req, &len);
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		api_error(req, 400, "malformed_json", NULL,
		    "malformed JSON at line %d, column %d: %s", err.line,
		    err.column, err.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		api_error(req, 400, "malformed_json", NULL,
		    "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* 1 when s is one of names (NULL-terminated), else 0. */
static int
api_name_in(const char *const *names, const char *s)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], s) == 0)
			return 1;
	}
	return 0;
}

int
api_only_keys(struct http_req *req, json_t *obj, const char *const *keys)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
	{
		if (!api_name_in(keys, k)) {
			api_error(req, 400, "unknown_field", k,
			    "unknown field '%s'", k);
			return -1;
		}
	}
	return 0;
}

int
api_one_of(struct http_req *req, const char *key, const char *s,
    const char *const *names, const char *message)
{
	if (s == NULL || api_name_in(names, s))
		return 0;
	api_error(req, 422, "invalid_value", key, "%s", message);
	return -1;
}

int
api_db_failed(struct http_req *req, const struct db_result *r, const char *what,
    void (*answer)(struct http_req *, const struct db_result *, const char *))
{
	if (http_req_done(req))
		return 1;
	if (r->status != DB_OK) {
		answer(req, r, what);
		return 1;
	}
	return 0;
}

/*
 * The member key of obj, or NULL when absent or null: then *rc is 0, or -1
 * after a 422 if it was required.
 */
static json_t *
api_member(
    struct http_req *req, json_t *obj, const char *key, int required, int *rc)
{
	json_t *v = json_object_get(obj, key);

	*rc = 0;
	if (v != NULL && !json_is_null(v))
		return v;
	if (required) {
		api_error(
		    req, 422, "missing_field", key, "%s is required", key);
		*rc = -1;
	}
	return NULL;
}

int
api_str(struct http_req *req, json_t *obj, const char *key, int required,
    size_t maxchars, const char **out)
{
	json_t *v;
	char *msg;
	int rc;

	*out = NULL;
	if ((v = api_member(req, obj, key, required, &rc)) == NULL)
		return rc;
	if (!json_is_string(v)) {
		api_error(
		    req, 422, "wrong_type", key, "%s must be a string", key);
		return -1;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		api_error(req, 422, "invalid_text", key,
		    "%s contains a NUL character", key);
		return -1;
	}
	if ((msg = field_too_long(key, json_string_value(v), maxchars)) !=
	    NULL) {
		api_error(req, 422, "too_long", key, "%s", msg);
		free(msg);
		return -1;
	}
	*out = json_string_value(v);
	if (required && **out == '\0') {
		api_error(req, 422, "missing_field", key, "%s is empty", key);
		return -1;
	}
	return 0;
}

int
api_num(struct http_req *req, json_t *obj, const char *key, int required,
    double *out, int *present)
{
	json_t *v;
	int rc;

	if (present != NULL)
		*present = 0;
	if ((v = api_member(req, obj, key, required, &rc)) == NULL)
		return rc;
	if (!json_is_number(v)) {
		api_error(
		    req, 422, "wrong_type", key, "%s must be a number", key);
		return -1;
	}
	*out = json_number_value(v);
	if (present != NULL)
		*present = 1;
	return 0;
}

int
api_id(struct http_req *req, json_t *obj, const char *key, int required,
    long long *out)
{
	json_t *v;
	int rc;

	*out = 0;
	if ((v = api_member(req, obj, key, required, &rc)) == NULL)
		return rc;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > (1LL << 53)) {
		api_error(req, 422, "wrong_type", key,
		    "%s must be a positive whole number", key);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

int
api_path_id(struct http_req *req, int param, long long *out)
{
	const char *s = http_req_param(req, param);
	char *end;

	*out = s != NULL ? strtoll(s, &end, 10) : 0;
	if (s == NULL || *s < '1' || *s > '9' || *end != '\0' ||
	    strlen(s) > 15) {
		api_error(req, 404, "not_found", NULL, "no such resource");
		return -1;
	}
	return 0;
}

void
api_reply_row(struct http_req *req, const struct db_result *r, const char *what)
{
	const char *text;

	if (r->status != DB_OK)
		api_db_error(req, r, what);
	else if ((text = store_result_text(r->res)) == NULL)
		api_error(req, 404, "not_found", NULL, "no such %s", what);
	else
		api_reply_text(req, 200, text);
}

struct api_row {
	struct http_req *req;
	const char *what;
};

void *
api_reply_row_arg(struct http_req *req, const char *what)
{
	struct api_row *x = xmalloc(sizeof *x);

	x->req = req;
	x->what = what;
	http_req_ref(req);
	return x;
}

void
api_reply_row_cb(struct db_result *r, void *arg)
{
	struct api_row *x = arg;

	api_reply_row(x->req, r, x->what);
	http_req_unref(x->req);
	free(x);
}

json_t *
api_result_json(const struct db_result *r)
{
	return store_result_json(r->res);
}

json_t *
api_result_row(struct http_req *req, const struct db_result *r,
    const char *what, const char *noun)
{
	json_t *j;

	if (r->status != DB_OK) {
		api_db_error(req, r, what);
		return NULL;
	}
	if ((j = api_result_json(r)) == NULL)
		api_error(req, 404, "not_found", NULL, "no such %s", noun);
	return j;
}

static int
api_digits(const char **p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
	}
	*p += n;
	return 0;
}

int
api_is_iso8601(const char *s)
{
	const char *p = s;

	/* YYYY-MM-DDTHH:MM */
	if (api_digits(&p, 4) || *p++ != '-' || api_digits(&p, 2) ||
	    *p++ != '-' || api_digits(&p, 2) || (*p != 'T' && *p != ' ') ||
	    (p++, api_digits(&p, 2)) || *p++ != ':' || api_digits(&p, 2))
		return 0;
	if (*p == ':') {
		p++;
		if (api_digits(&p, 2))
			return 0;
		if (*p == '.') {
			p++;
			if (api_digits(&p, 1))
				return 0;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if (*p == 'Z')
		return p[1] == '\0';
	if (*p != '+' && *p != '-')
		return 0;
	p++;
	if (api_digits(&p, 2))
		return 0;
	if (*p == ':')
		p++;
	if (api_digits(&p, 2))
		return 0;
	return *p == '\0';
}

int
api_crew_refused(struct http_req *req, const struct auth_user *user,
    long long crew, const char *what)
{
	if (auth_may_act_for_crew(user, crew))
		return 0;
	log_info("event=auth_denied status=403 reason=other_crew "
	         "user_id=%lld crew_id=%lld",
	    user->id, crew);
	if (user->crew_id == 0)
		api_error(req, 403, "no_crew", NULL,
		    "your user belongs to no crew, so it may not act on %s; an "
		    "administrator binds it with: patrolctl user crew NAME "
		    "--crew CODE",
		    what);
	else
		api_error(req, 403, "not_your_crew", NULL,
		    "%s is not your crew's: a crew user may act only for its "
		    "own crew",
		    what);
	return 1;
}

const char *
api_query_category(struct http_req *req)
{
	const char *cat = http_req_query(req, "category");

	if (cat == NULL || *cat == '\0' || strlen(cat) > 40) {
		api_error(req, 400, "missing_field", "category",
		    "category is required (a category code, e.g. wasp_nest)");
		return NULL;
	}
	return cat;
}

int
api_query_ward(struct http_req *req, char **out)
{
	const char *ward = http_req_query(req, "ward");

	*out = NULL;
	if (ward != NULL && strlen(ward) > 40) {
		api_error(req, 400, "invalid_value", "ward",
		    "ward is a code of at most 40 characters");
		return -1;
	}
	if (ward != NULL && *ward != '\0')
		*out = xstrdup(ward);
	return 0;
}

void
api_location_error(struct http_req *req, int status, char *cause)
{
	api_error(req, status, "invalid_location",
	    strncmp(cause, "lon", 3) == 0 ? "lon" : "lat", "%s", cause);
	free(cause);
}

int
api_query_point(
    struct http_req *req, double *lon, double *lat, double *e, double *n)
{
	const char *lat_q = http_req_query(req, "lat");
	const char *lon_q = http_req_query(req, "lon");
	char *cause;

	if (lat_q == NULL && lon_q == NULL)
		return 0;
	if (geo_parse_lonlat(lon_q, lat_q, lon, lat, &cause) != 0 ||
	    (e != NULL && geo_to_plane(*lon, *lat, e, n, &cause) != 0)) {
		api_location_error(req, 422, cause);
		return -1;
	}
	return 1;
}

int
api_body_point(struct http_req *req, int has_lat, int has_lon, double lon,
    double lat, double *e, double *n)
{
	char *cause;

	if (has_lat != has_lon) {
		api_error(req, 422, "missing_field", has_lat ? "lon" : "lat",
		    "a position needs both lat and lon");
		return -1;
	}
	if (!has_lat)
		return 0;
	if (geo_to_plane(lon, lat, e, n, &cause) != 0) {
		api_location_error(req, 422, cause);
		return -1;
	}
	return 1;
}

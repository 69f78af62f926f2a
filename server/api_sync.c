/*
 * POST /agent/v1/enroll and POST /agent/v1/sync. A sync is one round trip:
 * the whole batch in one statement, sync_apply(), which is one transaction
 * and finds the device by its token itself (a batch with findings first
 * fetches the categories, to check them by intake.c's rules). The
 * acknowledgement is sent only after it committed; if the reply is lost
 * the agent sends the same batch again and gets the same acknowledgement.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>
#include <sodium.h>

#include "api.h"
#include "api_routes.h"
#include "api_sync.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "log.h"
#include "store_result.h"
#include "store_sync.h"
#include "sync.h"
#include "utf8.h"
#include "xmalloc.h"

#define SYNC_BODY_MAX   (4 << 20) /* checked before anything is unpacked */
#define ENROLL_BODY_MAX 4096
#define PHOTO_CHUNK     (1 << 20)

static char *sync_rules; /* lifecycle_json(), once */

struct sync_call {
	struct http_req *req;
	sync_request *msg;
	char token_hash[65];
	long long device_id; /* 0: sync_apply() finds it by the token */
	json_t *categories;  /* sent back when the agent wants them */
	json_t *places;      /* ... with the places around its office */
};

static void
api_sync_reply(struct http_req *req, int status, uint8_t *buf, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, buf, len);
	free(buf);
	http_reply(req, status, API_SYNC_TYPE, b);
}

void
api_sync_error(struct http_req *req, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	uint8_t *buf;
	size_t len;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	buf = sync_error_pack(code, field, msg, &len);
	free(msg);
	api_sync_reply(req, status, buf, len);
}

void
api_sync_unauthorized(struct http_req *req, const char *why)
{
	log_info("event=agent_denied status=401 reason=%s", why);
	http_req_set_header(req, "WWW-Authenticate",
	    "Bearer realm=\"patrol-agent\", error=\"invalid_token\"");
	api_sync_error(req, 401, "unauthorized", NULL,
	    "this device is not enrolled or was revoked");
}

int
api_sync_token_hash(struct http_req *req, char hash[65])
{
	char token[AUTH_TOKEN_LEN + 1];

	if (auth_bearer_parse(http_req_header(req, "Authorization"), token) !=
	    0) {
		api_sync_unauthorized(req, "no_token");
		return -1;
	}
	auth_token_hash(token, hash);
	sodium_memzero(token, sizeof token);
	return 0;
}

static int
api_sync_content_type(struct http_req *req)
{
	const char *t = http_req_header(req, "Content-Type");

	if (t == NULL ||
	    strncasecmp(t, API_SYNC_TYPE, sizeof API_SYNC_TYPE - 1) != 0) {
		api_sync_error(req, 415, "unsupported_media_type", NULL,
		    "send %s", API_SYNC_TYPE);
		return -1;
	}
	return 0;
}

void
api_sync_unavailable(struct http_req *req)
{
	http_req_set_header(req, "Retry-After", "2");
	api_sync_error(req, 503, "unavailable", NULL,
	    "the database is not available; try again");
}

/* 503 for an unavailable database, else 500 (logged once, here). */
static void
api_sync_db_error(
    struct http_req *req, const struct db_result *r, const char *what)
{
	if (r->status == DB_ERROR) {
		log_error("event=db_error what=%s sqlstate=%s error=%s", what,
		    log_q(r->sqlstate), log_q(r->error));
		api_sync_error(req, 500, "internal", NULL, "internal error");
		return;
	}
	log_warnx(
	    "event=db_unavailable what=%s error=%s", what, log_q(r->error));
	api_sync_unavailable(req);
}

static void
api_sync_settings(struct app *app, struct sync_settings *s)
{
	s->track_interval_s = (unsigned)app->cfg->agent_track_interval_s;
	s->sync_interval_s = (unsigned)app->cfg->agent_sync_interval_s;
	s->photo_chunk_bytes = PHOTO_CHUNK;
	s->photo_max_bytes = (unsigned)app->cfg->photo_max_bytes;
	s->time_zone = app->cfg->timezone;
	s->photo_resize_bytes = (unsigned)app->cfg->agent_photo_resize_bytes;
	s->lifecycle_json = sync_rules;
}

/* ---- Sync ------------------------------------------------------------- */

static void
sync_call_free(struct sync_call *c)
{
	sync_request_free(c->msg);
	json_decref(c->categories);
	json_decref(c->places);
	http_req_unref(c->req);
	free(c);
}

static void
sync_applied_cb(struct db_result *r, void *arg)
{
	struct sync_call *c = arg;
	struct app *app = http_req_owner(c->req);
	struct sync_settings st;
	json_t *res = NULL;
	uint8_t *buf;
	size_t len;

	/* A late answer: the deadline answered; the agent will retry. */
	if (api_db_failed(c->req, r, "sync.apply", api_sync_db_error))
		goto out;
	if (store_result_rows(r->res) != 1 ||
	    (res = store_result_json(r->res)) == NULL) {
		log_error("event=sync_bad_result");
		api_sync_error(c->req, 500, "internal", NULL, "internal error");
		goto out;
	}
	if (json_is_true(json_object_get(res, "unauthorized"))) {
		api_sync_unauthorized(c->req, "revoked");
		goto out;
	}
	if (json_is_true(json_object_get(res, "batch_conflict"))) {
		log_warnx("event=sync_batch_conflict device_id=%lld",
		    (long long)json_integer_value(
		        json_object_get(res, "device_id")));
		api_sync_error(c->req, 409, "batch_conflict", "batch_id",
		    "this batch id was used for other content; use a new one");
		goto out;
	}
	api_sync_settings(app, &st);
	if (c->categories != NULL)
		json_object_set(res, "categories", c->categories);
	/*
	 * The life cycle rides with the categories (first sync, then daily)
	 * and the enrollment: not 3 KB on every sync.
	 */
	if (!c->msg->has_want_categories || !c->msg->want_categories)
		st.lifecycle_json = NULL;
	if (c->places != NULL)
		json_object_set(res, "places", c->places);
	buf = sync_response_pack(res, c->msg->batch_id, &st, &len);
	log_info("event=sync device_id=%lld crew=%s items=%zu replayed=%d "
	         "cursor=%lld assignments=%zu cancellations=%zu bytes_in=%zu "
	         "bytes_out=%zu",
	    (long long)json_integer_value(json_object_get(res, "device_id")),
	    log_q(json_string_value(json_object_get(res, "crew"))),
	    json_array_size(json_object_get(res, "acks")),
	    json_is_true(json_object_get(res, "replayed")),
	    (long long)json_integer_value(json_object_get(res, "cursor")),
	    json_array_size(json_object_get(res, "assignments")),
	    json_array_size(json_object_get(res, "cancellations")),
	    patrol__sync__v1__sync_request__get_packed_size(c->msg), len);
	api_sync_reply(c->req, 200, buf, len);
out:
	json_decref(res);
	sync_call_free(c);
}

/*
 * Whether a batch needs the life cycle's rules: only its status and result
 * items do, and the rules are 4 KB of JSON PostgreSQL would otherwise read
 * in every sync (most carry only GPS fixes).
 */
static int
sync_batch_needs_rules(json_t *batch)
{
	json_t *item;
	const char *kind;
	size_t i;

	json_array_foreach(json_object_get(batch, "items"), i, item)
	{
		kind = json_string_value(json_object_get(item, "kind"));
		if (kind != NULL &&
		    (strcmp(kind, "status") == 0 ||
		        strcmp(kind, "result") == 0))
			return 1;
	}
	return 0;
}

/* Turns the request into the batch for the database and applies it. */
static void
sync_apply_start(struct sync_call *c, json_t *categories)
{
	struct app *app = http_req_owner(c->req);
	struct sync_ctx ctx = {0};
	struct timeval tv;
	json_t *batch;
	const char *rules;
	char *text;

	ctx.categories = categories;
	ctx.wards = app->wards;
	gettimeofday(&tv, NULL);
	ctx.now_ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	batch = sync_batch_json(c->msg, &ctx);
	text = json_dumps(batch, JSON_COMPACT);
	rules = sync_batch_needs_rules(batch) ? sync_rules : NULL;
	json_decref(batch);
	if (text == NULL) { /* sync.c only makes valid JSON: a bug */
		log_error("event=sync_batch_unprintable");
		api_sync_error(c->req, 500, "internal", NULL, "internal error");
		sync_call_free(c);
		return;
	}
	store_sync_apply(app->db, c->token_hash, c->device_id, text, rules,
	    sync_applied_cb, c);
	free(text);
}

/* Findings first need the categories, to be checked by intake.c's rules. */
static void
sync_device_cb(struct db_result *r, void *arg)
{
	struct sync_call *c = arg;
	struct store_sync_device dev;
	json_t *categories = NULL;

	if (api_db_failed(c->req, r, "sync.device", api_sync_db_error))
		goto fail;
	if (!store_sync_device_row(r->res, &dev)) {
		api_sync_unauthorized(c->req, "unknown_token");
		goto fail;
	}
	c->device_id = dev.id;
	if (dev.categories != NULL)
		categories = json_loads(dev.categories, 0, NULL);
	if (c->msg->has_want_categories && c->msg->want_categories) {
		c->categories = json_incref(categories);
		if (dev.places != NULL)
			c->places = json_loads(dev.places, 0, NULL);
	}
	sync_apply_start(c, categories);
	json_decref(categories);
	return;
fail:
	sync_call_free(c);
}

static void
sync_post(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	struct sync_call *c;
	sync_request *msg;
	const char *body;
	char hash[65], *field, *cause;
	size_t len;

	if (api_sync_content_type(req) != 0 ||
	    api_sync_token_hash(req, hash) != 0)
		return;
	body = http_req_body(req, &len);
	if ((msg = sync_request_decode(body, len, &cause)) == NULL) {
		api_sync_error(req, 400, "malformed", NULL, "%s", cause);
		free(cause);
		return;
	}
	if (sync_request_check(
	        msg, app->cfg->photo_max_bytes, &field, &cause) != 0) {
		api_sync_error(req, 422, "invalid_batch", field, "%s", cause);
		free(field);
		free(cause);
		sync_request_free(msg);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->req = req;
	c->msg = msg;
	memcpy(c->token_hash, hash, sizeof c->token_hash);
	http_req_ref(req);
	/* Findings are checked against the categories; a handheld may ask. */
	if (sync_request_findings(msg) > 0 ||
	    (msg->has_want_categories && msg->want_categories))
		store_sync_device(app->db, hash, 1, sync_device_cb, c);
	else
		sync_apply_start(c, NULL); /* it finds the device itself */
}

/* ---- Enrollment ------------------------------------------------------- */

static int
api_sync_text_ok(const char *s, size_t max)
{
	return utf8_valid(s) && utf8_len(s) <= max;
}

struct enroll_call {
	struct http_req *req;
	char token[64];
};

static void
enroll_done_cb(struct db_result *r, void *arg)
{
	struct enroll_call *e = arg;
	struct app *app = http_req_owner(e->req);
	Patrol__Sync__V1__EnrollResponse m =
	    PATROL__SYNC__V1__ENROLL_RESPONSE__INIT;
	Patrol__Sync__V1__Settings s = PATROL__SYNC__V1__SETTINGS__INIT;
	struct sync_settings st;
	json_t *j = NULL;
	uint8_t *buf;
	size_t len;

	if (api_db_failed(e->req, r, "device.enroll", api_sync_db_error))
		goto out;
	if (store_result_rows(r->res) != 1 ||
	    (j = store_result_json(r->res)) == NULL) {
		log_info("event=enroll_denied reason=bad_code");
		api_sync_error(e->req, 403, "invalid_code", "code",
		    "the code is unknown, already used or expired; ask for a "
		    "new one");
		goto out;
	}
	api_sync_settings(app, &st);
	s.has_track_interval_s = s.has_sync_interval_s = 1;
	s.has_photo_chunk_bytes = s.has_photo_max_bytes = 1;
	s.track_interval_s = st.track_interval_s;
	s.sync_interval_s = st.sync_interval_s;
	s.photo_chunk_bytes = st.photo_chunk_bytes;
	s.photo_max_bytes = st.photo_max_bytes;
	s.time_zone = (char *)st.time_zone;
	s.has_photo_resize_bytes = st.photo_resize_bytes > 0;
	s.photo_resize_bytes = st.photo_resize_bytes;
	s.lifecycle_json = (char *)st.lifecycle_json;
	m.device_token = e->token;
	m.device_id = json_integer_value(json_object_get(j, "device_id"));
	m.crew_code =
	    (char *)json_string_value(json_object_get(j, "crew_code"));
	m.crew_name =
	    (char *)json_string_value(json_object_get(j, "crew_name"));
	m.settings = &s;
	len = patrol__sync__v1__enroll_response__get_packed_size(&m);
	buf = xmalloc(len + 1);
	patrol__sync__v1__enroll_response__pack(&m, buf);
	log_info("event=device_enrolled device_id=%lld crew=%s",
	    (long long)m.device_id, m.crew_code);
	api_sync_reply(e->req, 201, buf, len);
out:
	json_decref(j);
	sodium_memzero(e->token, sizeof e->token);
	http_req_unref(e->req);
	free(e);
}

static void
enroll_post(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	Patrol__Sync__V1__EnrollRequest *m;
	struct enroll_call *e;
	const char *body, *version = NULL, *label;
	char code[SYNC_CODE_LEN + 1], code_hash[65], token_hash[65];
	size_t len;

	if (api_sync_content_type(req) != 0)
		return;
	body = http_req_body(req, &len);
	m = patrol__sync__v1__enroll_request__unpack(
	    NULL, len, (const uint8_t *)body);
	if (m == NULL) {
		api_sync_error(req, 400, "malformed", NULL,
		    "the body is not an EnrollRequest");
		return;
	}
	label = m->label;
	if (m->hello != NULL)
		version = m->hello->agent_version;
	if (sync_code_normalize(m->code, code) != 0) {
		api_sync_error(req, 422, "invalid_code", "code",
		    "a code is 10 letters and digits, e.g. ABCDE-FGH23");
		goto out;
	}
	if ((label != NULL && !api_sync_text_ok(label, 100)) ||
	    (version != NULL && !api_sync_text_ok(version, 40))) {
		api_sync_error(req, 422, "invalid_value", "label",
		    "label and agent_version are short UTF-8 text");
		goto out;
	}
	auth_token_hash(code, code_hash);
	e = xcalloc(1, sizeof *e);
	e->req = req;
	auth_token_new(e->token, sizeof e->token, token_hash);
	http_req_ref(req);
	store_sync_enroll(
	    app->db, code_hash, token_hash, label, version, enroll_done_cb, e);
out:
	sodium_memzero(code, sizeof code);
	patrol__sync__v1__enroll_request__free_unpacked(m, NULL);
}

const struct http_route api_sync_routes[] = {
    {"agent.enroll", EVHTTP_REQ_POST | HTTP_ROUTE_PUBLIC, "/agent/v1/enroll",
        ENROLL_BODY_MAX, 0, enroll_post, NULL},
    {"agent.sync", EVHTTP_REQ_POST, "/agent/v1/sync", SYNC_BODY_MAX, 0,
        sync_post, NULL},
    {0},
};

void
api_sync_start(void)
{
	json_t *rules;
	if (sync_rules == NULL) {
		rules = lifecycle_json(role_name);
		sync_rules = json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(rules);
	}
}

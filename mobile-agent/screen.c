/*
 * The screen's JSON API (under /api/, behind serve.c's loopback and token
 * checks). Reads come from the agent's own database, so the screen works
 * with no network at all; every action goes through the same jobs.c
 * functions as the command line, which write the outbox durably before
 * the answer, and then asks the worker for a sync. What is not yet
 * acknowledged is marked pending, so the screen shows 「送信待ち」.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "agent.h"

#define SCREEN_JSON_MAX  (256 << 10)
#define SCREEN_PHOTO_TAG ".screen-"

/*
 * When the request being answered reached screen_api(): each answer says
 * how long the agent worked on it (Server-Timing: app;dur=ms), so the
 * benchmark can tell the agent's own time (SQLite, fsync) from the time
 * the request waited to be read (the loop busy, the machine loaded).
 */
static struct timespec screen_t0;

static void
screen_reply(struct evhttp_request *req, int code, json_t *j)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	char *s = json_dumps(j, JSON_COMPACT), timing[48];
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(timing, sizeof timing, "app;dur=%.2f",
	    (double)(t1.tv_sec - screen_t0.tv_sec) * 1e3 +
	        (double)(t1.tv_nsec - screen_t0.tv_nsec) / 1e6);
	evhttp_add_header(h, "Server-Timing", timing);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (s != NULL)
		evbuffer_add(b, s, strlen(s));
	evhttp_send_reply(req, code, code < 300 ? "OK" : "Refused", b);
	evbuffer_free(b);
	free(s);
	json_decref(j);
}

/* {"error": {"message": words for the crew, "detail": the cause}} */
static void
screen_error(struct evhttp_request *req, int code, const char *message,
    const char *detail)
{
	screen_reply(req, code,
	    json_pack("{s:{s:s,s:s?}}", "error", "message", message, "detail",
	        detail));
}

static json_t *
screen_body(struct evhttp_request *req)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	const char *type = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Type");

	/* JSON only: a plain form from another page cannot post here. */
	if (len > SCREEN_JSON_MAX || type == NULL ||
	    strncmp(type, "application/json", 16) != 0)
		return NULL;
	return json_loadb((const char *)evbuffer_pullup(b, -1), len, 0, NULL);
}

static const char *
screen_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : NULL;
}

/* A store row's text: null when not set. */
static json_t *
screen_text(const char *s)
{
	return s == NULL ? json_null() : json_string(s);
}

static json_t *
screen_state_json(struct agent *a, const char *key)
{
	char *v = outbox_get(a, key);
	json_t *j = v != NULL ? json_loads(v, 0, NULL) : NULL;

	free(v);
	return j != NULL ? j : json_null();
}

static json_t *
screen_state_str(struct agent *a, const char *key)
{
	char *v = outbox_get(a, key);
	json_t *j = v != NULL ? json_string(v) : json_null();

	free(v);
	return j != NULL ? j : json_null();
}

static double
screen_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double p = M_PI / 180, dlat = (lat2 - lat1) * p,
	       dlon = (lon2 - lon1) * p;
	double h = sin(dlat / 2) * sin(dlat / 2) +
	    cos(lat1 * p) * cos(lat2 * p) * sin(dlon / 2) * sin(dlon / 2);

	return 6371000 * 2 * atan2(sqrt(h), sqrt(1 - h));
}

/* ---- State ------------------------------------------------------------ */

static int
screen_refused_cb(const struct store_outbox_row *r, void *arg)
{
	json_array_append_new(arg,
	    json_pack("{s:o,s:I,s:o,s:o,s:I}", "what", screen_text(r->what),
	        "job", (json_int_t)r->request_id, "status",
	        screen_text(r->status), "message",
	        screen_text(r->message != NULL ? r->message : ""), "acked_ms",
	        (json_int_t)r->acked_ms));
	return 0;
}

static json_t *
screen_refused(struct agent *a)
{
	json_t *arr = json_array();

	store_outbox_refused(a, screen_refused_cb, arr);
	return arr;
}

/*
 * The server's life cycle from the last sync (lifecycle.c's table), for
 * the screen's buttons; null before the first sync.
 */
static json_t *
screen_lifecycle(struct agent *a)
{
	char *text = outbox_get(a, "lifecycle");
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;

	free(text);
	return j != NULL ? j : json_null();
}

static void
screen_state(struct serve *s, struct agent *a, struct evhttp_request *req)
{
	struct serve_live l;
	json_t *j, *pos = json_null();
	char *sess = outbox_get(a, "patrol_session"), *server;

	serve_live_get(s, &l);
	if (l.has_fix)
		pos = json_pack("{s:f,s:f,s:I}", "lat", l.fix.lat, "lon",
		    l.fix.lon, "t_ms", (json_int_t)l.fix.t_ms);
	server = outbox_get(a, "server");
	j = json_pack("{s:o,s:o,s:I,s:o,s:b,s:b,s:I,s:I,s:I,s:o,s:b,s:i,"
	              "s:I,s:o,s:I,s:o,s:s,s:b,s:o,s:o}",
	    "crew", screen_state_str(a, "crew_code"), "crew_name",
	    screen_state_str(a, "crew_name"), "device_id",
	    (json_int_t)outbox_get_int(a, "device_id", 0), "server",
	    server != NULL ? json_string(server) : json_null(), "enrolled",
	    server != NULL && outbox_get_int(a, "device_id", 0) > 0, "revoked",
	    l.revoked, "pending", (json_int_t)outbox_pending(a),
	    "photos_pending", (json_int_t)store_photos_pending(a),
	    "last_sync_ms", (json_int_t)outbox_get_int(a, "last_sync_ms", 0),
	    "last_error", screen_state_str(a, "last_error"), "syncing",
	    l.syncing, "failures", l.failures, "next_sync_ms",
	    (json_int_t)l.next_sync_ms, "time_zone",
	    screen_state_str(a, "time_zone"), "now_ms",
	    (json_int_t)agent_now_ms(), "position", pos, "gps", l.gps, "patrol",
	    sess != NULL, "refused", screen_refused(a), "lifecycle",
	    screen_lifecycle(a));
	free(sess);
	free(server);
	/* Map tiles on the device (tiles.c), and whose they are. */
	json_object_set_new(j, "tiles", json_boolean(tiles_any(a)));
	json_object_set_new(
	    j, "tiles_credit", screen_state_str(a, "tiles_credit"));
	screen_reply(req, 200, j);
}

/* ---- A place's name ---------------------------------------------------- */

/*
 * GET /api/place?lat=&lon= (or the GPS fix without them): the nearest
 * town or block the device knows (place.c), for the finding's address
 * field, which the crew can change.
 */
static void
screen_place(struct serve *s, struct agent *a, struct evhttp_request *req)
{
	const char *q =
	    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq kv;
	const char *vlat, *vlon;
	struct serve_live l;
	double lat = 0, lon = 0;
	char *end1 = NULL, *end2 = NULL, *name;
	int have = 0;

	TAILQ_INIT(&kv);
	if (q != NULL && evhttp_parse_query_str(q, &kv) == 0 &&
	    (vlat = evhttp_find_header(&kv, "lat")) != NULL &&
	    (vlon = evhttp_find_header(&kv, "lon")) != NULL) {
		lat = strtod(vlat, &end1);
		lon = strtod(vlon, &end2);
		if (end1 == vlat || *end1 != '\0' || end2 == vlon ||
		    *end2 != '\0' || !(lat >= -90 && lat <= 90) ||
		    !(lon >= -180 && lon <= 180)) {
			evhttp_clear_headers(&kv);
			screen_error(req, 400, "位置の指定が正しくありません",
			    "lat and lon must be degrees");
			return;
		}
		have = 1;
	}
	evhttp_clear_headers(&kv);
	if (!have) {
		serve_live_get(s, &l);
		if (l.has_fix) {
			lat = l.fix.lat;
			lon = l.fix.lon;
			have = 1;
		}
	}
	name = have ? place_near(a, lat, lon) : NULL;
	screen_reply(req, 200,
	    json_pack("{s:s?,s:o,s:o}", "name", name, "lat",
	        have ? json_real(lat) : json_null(), "lon",
	        have ? json_real(lon) : json_null()));
	free(name);
}

/* ---- Jobs ------------------------------------------------------------- */

static json_t *
screen_int_if(int has, long long v)
{
	return has ? json_integer((json_int_t)v) : json_null();
}

/* What screen_jobs_cb needs. */
struct screen_jobs {
	struct serve_live live;
	json_t *arr;
};

static int
screen_jobs_cb(const struct store_job_row *r, void *arg)
{
	struct screen_jobs *c = arg;
	json_t *d;

	d = r->has_pos && c->live.has_fix
	    ? json_real(round(screen_distance_m(
	          c->live.fix.lat, c->live.fix.lon, r->lat, r->lon)))
	    : json_null();
	json_array_append_new(c->arr,
	    json_pack("{s:I,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o,s:I,s:o,s:"
	              "o,s:o,s:o}",
	        "id", (json_int_t)r->id, "state", screen_text(r->state),
	        "category", screen_text(r->category), "category_name_ja",
	        screen_text(
	            r->category_name != NULL ? r->category_name : r->category),
	        "category_name_en", screen_text(r->category_name_en),
	        "priority", r->priority, "lat",
	        r->has_pos ? json_real(r->lat) : json_null(), "lon",
	        r->has_pos ? json_real(r->lon) : json_null(), "address",
	        screen_text(r->address != NULL ? r->address : ""), "due",
	        screen_text(r->due != NULL ? r->due : ""), "pending",
	        (json_int_t)r->pending, "distance_m", d, "plan_pos",
	        screen_int_if(r->has_plan_pos, r->plan_pos), "expected_from_ms",
	        screen_int_if(r->has_from, r->from_ms), "expected_to_ms",
	        screen_int_if(r->has_to, r->to_ms)));
	return 0;
}

static void
screen_jobs(struct serve *s, struct agent *a, struct evhttp_request *req)
{
	struct screen_jobs c;
	char *err;

	serve_live_get(s, &c.live);
	c.arr = json_array();
	/*
	 * Open first, in the crew's day plan's order (plan.c); jobs the plan
	 * does not hold after them, by priority and the time promised.
	 */
	if (store_jobs_planned(a, screen_jobs_cb, &c) < 0) {
		json_decref(c.arr);
		err = outbox_errmsg(a);
		screen_error(req, 500, "端末のデータベースが読めません", err);
		free(err);
		return;
	}
	screen_reply(req, 200, json_pack("{s:o}", "jobs", c.arr));
}

static int
screen_history_cb(const struct store_outbox_row *r, void *arg)
{
	json_array_append_new(arg,
	    json_pack("{s:o,s:I,s:o,s:b,s:o,s:o,s:o}", "what",
	        screen_text(r->what), "created_ms", (json_int_t)r->created_ms,
	        "acked_ms", screen_int_if(r->acked, r->acked_ms), "pending",
	        !r->acked, "status", screen_text(r->status), "message",
	        screen_text(r->message), "request_id",
	        screen_int_if(r->has_ack_request_id, r->ack_request_id)));
	return 0;
}

/* The device's own record of what it sent about a job, or for patrols. */
static json_t *
screen_history(struct agent *a, long long id)
{
	json_t *arr = json_array();

	store_outbox_history(a, id, screen_history_cb, arr);
	return arr;
}

/* "code\tname_ja\tname_en\n" lines into [{code, name_ja, name_en}]. */
static json_t *
screen_outcomes(const char *text)
{
	json_t *arr = json_array();
	char *copy = agent_strdup(text), *line, *save = NULL, *f[3], *t;
	int i;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		for (i = 0, t = line; i < 3; i++) {
			f[i] = t;
			if (t != NULL && (t = strchr(t, '\t')) != NULL)
				*t++ = '\0';
		}
		json_array_append_new(arr,
		    json_pack("{s:s,s:s?,s:s?}", "code", f[0], "name_ja", f[1],
		        "name_en", f[2]));
	}
	free(copy);
	return arr;
}

/* The category's questions (from the categories the sync brought). */
static json_t *
screen_questions(struct agent *a, const char *code)
{
	json_t *cats = screen_state_json(a, "categories_json"), *c, *q;
	size_t i;

	json_array_foreach(cats, i, c)
	{
		if (json_is_string(json_object_get(c, "code")) &&
		    strcmp(json_string_value(json_object_get(c, "code")),
		        code) == 0) {
			q = json_incref(json_object_get(c, "questions"));
			json_decref(cats);
			return q != NULL ? q : json_array();
		}
	}
	json_decref(cats);
	return json_array();
}

/* What screen_job_cb fills. */
struct screen_job {
	struct agent *a;
	json_t *j;
};

static int
screen_job_cb(const struct store_job_row *r, void *arg)
{
	struct screen_job *c = arg;
	json_t *ans;

	ans = r->answers == NULL ? NULL : json_loads(r->answers, 0, NULL);
	c->j = json_pack("{s:I,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o,s:o,"
	                 "s:o,s:o,s:o}",
	    "id", (json_int_t)r->id, "state", screen_text(r->state), "category",
	    screen_text(r->category), "category_name_ja",
	    screen_text(
	        r->category_name != NULL ? r->category_name : r->category),
	    "category_name_en", screen_text(r->category_name_en), "priority",
	    r->priority, "lat", r->has_pos ? json_real(r->lat) : json_null(),
	    "lon", r->has_pos ? json_real(r->lon) : json_null(), "address",
	    screen_text(r->address != NULL ? r->address : ""), "description",
	    screen_text(r->description != NULL ? r->description : ""), "due",
	    screen_text(r->due != NULL ? r->due : ""), "answers",
	    ans != NULL ? ans : json_object(), "outcomes",
	    screen_outcomes(r->outcomes), "questions",
	    screen_questions(c->a, r->category));
	return 0;
}

static int
screen_caller_cb(const struct store_caller_row *r, void *arg)
{
	json_array_append_new(arg,
	    json_pack("{s:o,s:o}", "name", screen_text(r->name), "phone",
	        screen_text(r->phone)));
	return 0;
}

static void
screen_job(struct agent *a, struct evhttp_request *req, long long id)
{
	struct screen_job c = {a, NULL};
	json_t *callers;
	char *err;

	if (store_jobs_get(a, id, screen_job_cb, &c) < 0) {
		err = outbox_errmsg(a);
		screen_error(req, 500, "端末のデータベースが読めません", err);
		free(err);
		return;
	}
	if (c.j == NULL) {
		screen_error(req, 404, "この案件は端末にありません", NULL);
		return;
	}
	/* Who to contact: only while the job is open (deleted when closed). */
	callers = json_array();
	store_jobs_callers(a, id, screen_caller_cb, callers);
	json_object_set_new(c.j, "callers", callers);
	json_object_set_new(c.j, "history", screen_history(a, id));
	screen_reply(req, 200, c.j);
}

/* ---- Actions ---------------------------------------------------------- */

static char *
screen_photo_path(struct agent *a, const char *id)
{
	size_t i;

	if (id == NULL || strlen(id) != 32)
		return NULL;
	for (i = 0; i < 32; i++) {
		if (strchr("0123456789abcdef", id[i]) == NULL)
			return NULL;
	}
	return agent_printf("%s/photos/" SCREEN_PHOTO_TAG "%s", a->dir, id);
}

void
screen_photos_clean(struct agent *a)
{
	char *dir = agent_path(a, "photos"), *p;
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, SCREEN_PHOTO_TAG,
		        strlen(SCREEN_PHOTO_TAG)) != 0)
			continue;
		p = agent_printf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
}

/*
 * A photo from the camera: scaled down, hashed and kept durably now
 * (outbox_photo_keep: the two fsyncs a photo costs), under an id of this
 * screen's (a link to photos/SHA) until its form is sent; the form's tap
 * then only commits. Nothing is recorded yet: a photo never sent with a
 * form is no evidence of anything (the files go at the next start).
 */
static void
screen_photo_put(struct agent *a, struct evhttp_request *req)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b), kept;
	char id[33], sha[65], *path, *cause = NULL, *durable;
	const char *type;
	int fd;

	if (len == 0) {
		screen_error(req, 422, "写真が空です", "empty body");
		return;
	}
	agent_random_id(id, 16);
	path = screen_photo_path(a, id);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1) {
		screen_error(req, 500, "写真を保存できません", strerror(errno));
		free(path);
		return;
	}
	while (evbuffer_get_length(b) > 0) {
		if (evbuffer_write(b, fd) <= 0) {
			close(fd);
			unlink(path);
			free(path);
			screen_error(
			    req, 500, "写真を保存できません", strerror(errno));
			return;
		}
	}
	close(fd);
	if (outbox_photo_keep(a, path, sha, &type, &kept, &cause) != 0) {
		unlink(path);
		free(path);
		screen_error(req, 422, "写真を保存できません", cause);
		free(cause);
		return;
	}
	/* The screen's name for it now reads the kept (scaled) photo. */
	durable = agent_printf("%s/photos/%s", a->dir, sha);
	if (unlink(path) != 0 || link(durable, path) != 0) {
		screen_error(req, 500, "写真を保存できません", strerror(errno));
		free(durable);
		free(path);
		return;
	}
	free(durable);
	free(path);
	screen_reply(req, 201,
	    json_pack("{s:s,s:I}", "photo", id, "bytes", (json_int_t)kept));
}

/*
 * The form's answers ({code: value}) and photos ([id]) into rec; the
 * strings live in *keep (free with screen_rec_free).
 */
struct screen_rec {
	struct jobs_rec rec;
	const char *answers[AGENT_ARGS_MAX], *photos[AGENT_ARGS_MAX];
	char *owned[2 * AGENT_ARGS_MAX];
	int nowned;
};

static void
screen_rec_free(struct screen_rec *r, int used)
{
	int i;

	for (i = 0; i < r->nowned; i++) {
		/* Photos were copied under their hash when used. */
		if (used && i >= r->rec.nanswers)
			unlink(r->owned[i]);
		free(r->owned[i]);
	}
}

static int
screen_rec_fill(
    struct agent *a, json_t *body, struct screen_rec *r, const char **why)
{
	json_t *ans = json_object_get(body, "answers"), *v, *photos;
	const char *k;
	char *path;
	size_t i;

	memset(r, 0, sizeof *r);
	r->rec.note = screen_str(body, "note");
	r->rec.reason = screen_str(body, "reason");
	r->rec.outcome = screen_str(body, "outcome");
	r->rec.category = screen_str(body, "category");
	r->rec.address = screen_str(body, "address");
	if (json_is_number(json_object_get(body, "lat")) &&
	    json_is_number(json_object_get(body, "lon"))) {
		r->rec.has_pos = 1;
		r->rec.lat = json_number_value(json_object_get(body, "lat"));
		r->rec.lon = json_number_value(json_object_get(body, "lon"));
	}
	json_object_foreach(ans, k, v)
	{
		if (!json_is_string(v) || *json_string_value(v) == '\0')
			continue;
		if (r->rec.nanswers == AGENT_ARGS_MAX) {
			*why = "too many answers";
			return -1;
		}
		r->owned[r->nowned] =
		    agent_printf("%s=%s", k, json_string_value(v));
		r->answers[r->rec.nanswers++] = r->owned[r->nowned++];
	}
	photos = json_object_get(body, "photos");
	json_array_foreach(photos, i, v)
	{
		if (r->rec.nphotos == AGENT_ARGS_MAX ||
		    (path = screen_photo_path(a, json_string_value(v))) ==
		        NULL) {
			*why = "bad photo id";
			return -1;
		}
		if (access(path, R_OK) != 0) {
			free(path);
			*why = "the photo is gone (taken before a restart?)";
			return -1;
		}
		r->owned[r->nowned++] = path;
		r->photos[r->rec.nphotos++] = path;
	}
	r->rec.answers = r->answers;
	r->rec.photos = r->photos;
	return 0;
}

/* The outcome of an action: recorded (to send) or refused, in words. */
static void
screen_done(struct serve *s, struct agent *a, struct evhttp_request *req,
    int rc, char *cause)
{
	if (rc != 0) {
		screen_error(req, 409, "記録できませんでした", cause);
		free(cause);
		return;
	}
	serve_sync_soon(s, 0);
	screen_reply(req, 200,
	    json_pack("{s:b,s:I}", "recorded", 1, "pending",
	        (json_int_t)outbox_pending(a)));
}

static void
screen_job_action(struct serve *s, struct agent *a, struct evhttp_request *req,
    long long id, const char *what)
{
	struct screen_rec r;
	json_t *body = screen_body(req);
	const char *why = NULL, *action;
	char *cause = NULL;
	int rc;

	if (body == NULL) {
		screen_error(req, 400, "送られた内容が読めません", "JSON body");
		return;
	}
	if (screen_rec_fill(a, body, &r, &why) != 0) {
		screen_rec_free(&r, 0);
		json_decref(body);
		screen_error(req, 422, "送られた内容が読めません", why);
		return;
	}
	r.rec.id = id;
	if (strcmp(what, "done") == 0)
		rc = jobs_record_done(a, &r.rec, &cause);
	else if ((action = screen_str(body, "action")) == NULL) {
		rc = -1;
		cause = agent_strdup("no action given");
	} else
		rc = jobs_record_step(a, action, &r.rec, &cause);
	screen_rec_free(&r, rc == 0);
	json_decref(body);
	screen_done(s, a, req, rc, cause);
}

static void
screen_finding(struct serve *s, struct agent *a, struct evhttp_request *req)
{
	struct screen_rec r;
	json_t *body = screen_body(req);
	const char *why = NULL;
	char *cause = NULL;
	int rc;

	if (body == NULL) {
		screen_error(req, 400, "送られた内容が読めません", "JSON body");
		return;
	}
	if (screen_rec_fill(a, body, &r, &why) != 0) {
		screen_rec_free(&r, 0);
		json_decref(body);
		screen_error(req, 422, "送られた内容が読めません", why);
		return;
	}
	rc = jobs_record_finding(a, &r.rec, &cause);
	screen_rec_free(&r, rc == 0);
	json_decref(body);
	screen_done(s, a, req, rc, cause);
}

/* Start (optionally on chosen way-back pieces) or stop a patrol. */
static void
screen_patrol_mark(
    struct serve *s, struct agent *a, struct evhttp_request *req, int wayback)
{
	json_t *body = screen_body(req), *v;
	int64_t pieces[AGENT_ARGS_MAX];
	const char *action;
	char *cause = NULL;
	size_t n = 0, i;
	int start, rc;

	if (body == NULL) {
		screen_error(req, 400, "送られた内容が読めません", "JSON body");
		return;
	}
	action = wayback ? "start" : screen_str(body, "action");
	json_array_foreach(json_object_get(body, "pieces"), i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    n == AGENT_ARGS_MAX) {
			json_decref(body);
			screen_error(req, 422, "区間の指定が読めません",
			    "pieces: at most 20 piece ids");
			return;
		}
		pieces[n++] = json_integer_value(v);
	}
	start = action != NULL ? strcmp(action, "start") == 0 : -1;
	if (action != NULL && !start && strcmp(action, "stop") != 0)
		start = -1;
	json_decref(body); /* action was in it */
	if (start < 0 || (wayback && n == 0)) {
		screen_error(req, 422, "送られた内容が読めません",
		    wayback ? "choose pieces" : "action: start or stop");
		return;
	}
	rc = jobs_patrol_mark(a, start, pieces, n, &cause);
	if (rc == 0 && start)
		serve_track_reset(s);
	screen_done(s, a, req, rc, cause);
}

static void
screen_patrol(struct serve *s, struct agent *a, struct evhttp_request *req)
{
	const int32_t *t;
	size_t n, i;
	json_t *pts = json_array();
	char *sess = outbox_get(a, "patrol_session");

	t = serve_track(s, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(pts,
		    json_pack("[f,f]", t[2 * i] / 1e6, t[2 * i + 1] / 1e6));
	screen_reply(req, 200,
	    json_pack("{s:b,s:o,s:o,s:o}", "running", sess != NULL, "points",
	        pts, "history", screen_history(a, 0), "categories",
	        screen_state_json(a, "categories_json")));
	free(sess);
}

static void
screen_wayback(struct agent *a, struct evhttp_request *req)
{
	json_t *j = screen_state_json(a, "wayback_json");

	if (!json_is_object(j)) {
		json_decref(j);
		j = json_pack("{s:[]}", "pieces");
	}
	json_object_set_new(
	    j, "fetched_ms", json_integer(outbox_get_int(a, "wayback_ms", 0)));
	screen_reply(req, 200, j);
}

static long long
screen_job_id(const char *p, const char **rest)
{
	char *end;
	long long id = strtoll(p, &end, 10);

	*rest = end;
	return end != p && id > 0 ? id : -1;
}

void
screen_api(struct serve *s, struct agent *a, struct evhttp_request *req,
    const char *path)
{
	int post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	const char *rest;
	long long id;

	clock_gettime(CLOCK_MONOTONIC, &screen_t0);
	if (!post && strcmp(path, "/state") == 0)
		screen_state(s, a, req);
	else if (!post && strcmp(path, "/jobs") == 0)
		screen_jobs(s, a, req);
	else if (!post && strcmp(path, "/place") == 0)
		screen_place(s, a, req);
	else if (strncmp(path, "/jobs/", 6) == 0 &&
	    (id = screen_job_id(path + 6, &rest)) > 0) {
		if (!post && *rest == '\0')
			screen_job(a, req, id);
		else if (post && strcmp(rest, "/step") == 0)
			screen_job_action(s, a, req, id, "step");
		else if (post && strcmp(rest, "/done") == 0)
			screen_job_action(s, a, req, id, "done");
		else
			screen_error(req, 404, "ありません", path);
	} else if (post && strcmp(path, "/photos") == 0)
		screen_photo_put(a, req);
	else if (post && strcmp(path, "/findings") == 0)
		screen_finding(s, a, req);
	else if (!post && strcmp(path, "/patrol") == 0)
		screen_patrol(s, a, req);
	else if (post && strcmp(path, "/patrol") == 0)
		screen_patrol_mark(s, a, req, 0);
	else if (!post && strcmp(path, "/wayback") == 0)
		screen_wayback(a, req);
	else if (post && strcmp(path, "/wayback/take") == 0)
		screen_patrol_mark(s, a, req, 1);
	else if (post && strcmp(path, "/wayback/refresh") == 0) {
		serve_sync_soon(s, 1);
		screen_reply(req, 202, json_pack("{s:b}", "asked", 1));
	} else if (post && strcmp(path, "/sync") == 0) {
		serve_sync_soon(s, 0);
		screen_reply(req, 202, json_pack("{s:b}", "asked", 1));
	} else
		screen_error(req, 404, "ありません", path);
}

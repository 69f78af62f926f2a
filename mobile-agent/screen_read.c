/*
 * What the screen shows, read from the agent's own database (so it works
 * with no network): the state line, the place's name, today's jobs in the
 * crew's order, a job with its history, the patrol's track, the way back.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "field_limits.h"
#include "screen_int.h"

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

static json_t *screen_outcomes(const char *);

static int
screen_job_outcomes_cb(const struct store_job_row *r, void *arg)
{
	json_t **outcomes = arg;

	*outcomes = screen_outcomes(r->outcomes);
	return 0;
}

/*
 * Each entry of a list of refused records or photos gets its job's
 * outcomes, so that the status screen names a result (完了：巣なし) as the
 * job's screen does; none when the job is no longer on the handheld.
 */
static json_t *
screen_with_outcomes(struct agent *a, json_t *arr)
{
	json_t *e, *o;
	size_t i;

	json_array_foreach(arr, i, e)
	{
		o = NULL;
		if (json_integer_value(json_object_get(e, "job")) > 0 &&
		    store_jobs_get(a,
		        json_integer_value(json_object_get(e, "job")),
		        screen_job_outcomes_cb, &o) < 0)
			o = NULL;
		json_object_set_new(
		    e, "outcomes", o != NULL ? o : json_array());
	}
	return arr;
}

/* NULL when the store cannot be read, as the other lists below. */
static json_t *
screen_refused(struct agent *a)
{
	json_t *arr = json_array();

	if (store_outbox_refused(a, screen_refused_cb, arr) < 0) {
		json_decref(arr);
		return NULL;
	}
	return screen_with_outcomes(a, arr);
}

static int
screen_photo_refused_cb(const struct store_photo_row *r, void *arg)
{
	json_array_append_new(arg,
	    json_pack("{s:s,s:I,s:o,s:o}", "sha256", r->sha256, "job",
	        (json_int_t)r->request_id, "what", screen_text(r->what),
	        "reason", screen_text(r->failed)));
	return 0;
}

/*
 * Photos the server refused for good (sync_photo.c gave them up): job
 * id's, or with id 0 the last ten of all.
 */
static json_t *
screen_photos_refused(struct agent *a, long long id)
{
	json_t *arr = json_array();

	if (store_photos_given_up(a, id, screen_photo_refused_cb, arr) < 0) {
		json_decref(arr);
		return NULL;
	}
	return screen_with_outcomes(a, arr);
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

void
screen_state(
    const struct screen_host *h, struct agent *a, struct evhttp_request *req)
{
	struct serve_live l;
	json_t *j, *pos = json_null(), *refused, *photos;
	char *sess, *server;

	refused = screen_refused(a);
	photos = screen_photos_refused(a, 0);
	if (refused == NULL || photos == NULL) {
		json_decref(refused);
		json_decref(photos);
		screen_db_error(a, req);
		return;
	}
	sess = outbox_get(a, "patrol_session");
	h->live_get(h->serve, &l);
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
	    sess != NULL, "refused", refused, "lifecycle", screen_lifecycle(a));
	free(sess);
	free(server);
	/* Map tiles on the device (tiles.c), and whose they are. */
	json_object_set_new(j, "tiles", json_boolean(tiles_any(a)));
	json_object_set_new(j, "photos_refused", photos);
	json_object_set_new(
	    j, "tiles_credit", screen_state_str(a, "tiles_credit"));
	/* What the server takes (field_limits.h), for the forms' maxlength. */
	json_object_set_new(j, "limits",
	    json_pack("{s:i,s:i,s:i,s:i}", "note", LIMIT_NOTE, "reason",
	        LIMIT_REASON, "description", LIMIT_DESCRIPTION, "address",
	        LIMIT_ADDRESS));
	screen_reply(req, 200, j);
}

/* ---- A place's name ---------------------------------------------------- */

/*
 * GET /api/place?lat=&lon= (or the GPS fix without them): the nearest
 * town or block the device knows (place.c), for the finding's address
 * field, which the crew can change.
 */
void
screen_place(
    const struct screen_host *h, struct agent *a, struct evhttp_request *req)
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
		h->live_get(h->serve, &l);
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

void
screen_jobs(
    const struct screen_host *h, struct agent *a, struct evhttp_request *req)
{
	struct screen_jobs c;

	h->live_get(h->serve, &c.live);
	c.arr = json_array();
	/*
	 * Open first, in the crew's day plan's order (plan.c); jobs the plan
	 * does not hold after them, by priority and the time promised.
	 */
	if (store_jobs_planned(a, screen_jobs_cb, &c) < 0) {
		json_decref(c.arr);
		screen_db_error(a, req);
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

	if (store_outbox_history(a, id, screen_history_cb, arr) < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* "code\tname_ja\tname_en\n" lines into [{code, name_ja, name_en}]. */
static json_t *
screen_outcomes(const char *text)
{
	json_t *arr = json_array();
	char *copy = xstrdup(text), *line, *save = NULL, *f[3], *t;
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

void
screen_job(struct agent *a, struct evhttp_request *req, long long id)
{
	struct screen_job c = {a, NULL};
	json_t *callers;

	if (store_jobs_get(a, id, screen_job_cb, &c) < 0) {
		screen_db_error(a, req);
		return;
	}
	if (c.j == NULL) {
		screen_error(req, 404, "この案件は端末にありません", NULL);
		return;
	}
	/* Who to contact: only while the job is open (deleted when closed). */
	callers = json_array();
	json_object_set_new(c.j, "callers", callers);
	if (store_jobs_callers(a, id, screen_caller_cb, callers) < 0 ||
	    json_object_set_new(c.j, "history", screen_history(a, id)) != 0 ||
	    json_object_set_new(
	        c.j, "photos_refused", screen_photos_refused(a, id)) != 0) {
		json_decref(c.j);
		screen_db_error(a, req);
		return;
	}
	screen_reply(req, 200, c.j);
}

/* ---- Patrol and the way back ----------------------------------------- */

void
screen_patrol(
    const struct screen_host *h, struct agent *a, struct evhttp_request *req)
{
	const int32_t *t;
	size_t n, i;
	json_t *pts, *history = screen_history(a, 0);
	char *sess;

	if (history == NULL) {
		screen_db_error(a, req);
		return;
	}
	pts = json_array();
	sess = outbox_get(a, "patrol_session");
	t = h->track(h->serve, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(pts,
		    json_pack("[f,f]", t[2 * i] / 1e6, t[2 * i + 1] / 1e6));
	screen_reply(req, 200,
	    json_pack("{s:b,s:o,s:o,s:o}", "running", sess != NULL, "points",
	        pts, "history", history, "categories",
	        screen_state_json(a, "categories_json")));
	free(sess);
}

void
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

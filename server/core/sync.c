/*
 * Sync requests in, batches for the database out (replies are packed in
 * sync_reply.c), and the enrollment codes. Whole-batch problems (ids,
 * sizes) refuse the batch: the agent builds batches, so they are bugs. One
 * item's problem refuses only that item, with the field named in its ack, so
 * one bad finding never holds back a crew's results.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "geo.h"
#include "intake.h"
#include "log.h"
#include "field_limits.h"
#include "lifecycle.h"
#include "role.h"
#include "sync.h"
#include "track_codec.h"
#include "utf8.h"
#include "wards.h"
#include "xmalloc.h"

#define SYNC_PIECES_MAX 100 /* way-back pieces chosen for one patrol */

#define SYNC_TIME_MIN_MS 946684800000LL /* 2000-01-01: older is a bad clock */
#define SYNC_DAY_MS      86400000LL

/* The steps a crew takes, as life-cycle actions; done is a JobResult. */
static int
sync_id_ok(const char *s)
{
	size_t len;

	if (s == NULL || (len = strlen(s)) == 0 || len > SYNC_ID_MAX)
		return 0;
	return strspn(s,
	           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	           "0123456789_.:-") == len;
}

static int
sync_sha256_ok(const char *s)
{
	return s != NULL && strlen(s) == 64 &&
	    strspn(s, "0123456789abcdef") == 64;
}

sync_request *
sync_request_decode(const void *buf, size_t len, char **cause)
{
	sync_request *r;

	r = patrol__sync__v1__sync_request__unpack(NULL, len, buf);
	if (r == NULL)
		*cause = xstrdup("the body is not a SyncRequest");
	return r;
}

void
sync_request_free(sync_request *r)
{
	if (r != NULL)
		patrol__sync__v1__sync_request__free_unpacked(r, NULL);
}

size_t
sync_request_findings(const sync_request *r)
{
	return r->n_findings;
}

/* Every client id of the batch, to check for repeats. */
static int
sync_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
sync_fail(char **field, char **cause, const char *f, const char *msg)
{
	*field = xstrdup(f);
	*cause = xstrdup(msg);
	return -1;
}

/* The photos the batch announces: each sum, size and media type. */
static int
sync_photos_check(
    const sync_request *r, long long photo_max, char **field, char **cause)
{
	size_t i;

	if (r->n_photos > SYNC_PHOTOS_MAX)
		return sync_fail(field, cause, "photos",
		    "a batch may announce at most 200 photos");
	for (i = 0; i < r->n_photos; i++) {
		const char *t = r->photos[i]->content_type;

		if (!sync_sha256_ok(r->photos[i]->sha256))
			return sync_fail(field, cause, "photos.sha256",
			    "a photo's sha256 must be 64 lower-case hex "
			    "digits");
		if (r->photos[i]->bytes == 0 ||
		    r->photos[i]->bytes > (uint64_t)photo_max)
			return sync_fail(field, cause, "photos.bytes",
			    "a photo is larger than this server takes");
		if (t != NULL &&
		    (strlen(t) > 64 ||
		        strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789/+.-") !=
		            strlen(t)))
			return sync_fail(field, cause, "photos.content_type",
			    "content_type is not a media type");
	}
	return 0;
}

/* The tracks' and patrols' session ids, and the batch's number of fixes. */
static int
sync_sessions_check(const sync_request *r, char **field, char **cause)
{
	size_t i, fixes = 0;

	for (i = 0; i < r->n_tracks; i++) {
		fixes += r->tracks[i]->n_dt_ms;
		if (r->tracks[i]->session_id != NULL &&
		    !sync_id_ok(r->tracks[i]->session_id))
			return sync_fail(field, cause, "tracks.session_id",
			    "a session_id must be 1 to 64 letters, digits or "
			    "_.:-");
	}
	if (fixes > SYNC_FIXES_MAX)
		return sync_fail(field, cause, "tracks",
		    "a batch may hold at most 200000 fixes");
	for (i = 0; i < r->n_patrols; i++) {
		if (!sync_id_ok(r->patrols[i]->session_id))
			return sync_fail(field, cause, "patrols.session_id",
			    "a session_id must be 1 to 64 letters, digits or "
			    "_.:-");
	}
	return 0;
}

/* The client id of each of the batch's n items: well formed, none twice. */
static int
sync_client_ids_check(
    const sync_request *r, size_t n, char **field, char **cause)
{
	const char **ids;
	size_t i, k = 0;
	int rc = -1;

	ids = xreallocarray(NULL, n + 1, sizeof *ids);
	for (i = 0; i < r->n_status_changes; i++)
		ids[k++] = r->status_changes[i]->client_id;
	for (i = 0; i < r->n_results; i++)
		ids[k++] = r->results[i]->client_id;
	for (i = 0; i < r->n_findings; i++)
		ids[k++] = r->findings[i]->client_id;
	for (i = 0; i < r->n_patrols; i++)
		ids[k++] = r->patrols[i]->client_id;
	for (i = 0; i < r->n_tracks; i++)
		ids[k++] = r->tracks[i]->client_id;
	for (i = 0; i < k; i++) {
		if (!sync_id_ok(ids[i])) {
			sync_fail(field, cause, "client_id",
			    "a client_id must be 1 to 64 letters, digits or "
			    "_.:-");
			goto out;
		}
	}
	qsort(ids, k, sizeof *ids, sync_cmp_str);
	for (i = 1; i < k; i++) {
		if (strcmp(ids[i - 1], ids[i]) == 0) {
			sync_fail(field, cause, "client_id",
			    "a client_id appears twice in the batch");
			goto out;
		}
	}
	rc = 0;
out:
	free(ids);
	return rc;
}

int
sync_request_check(
    const sync_request *r, long long photo_max, char **field, char **cause)
{
	size_t n;

	if (!sync_id_ok(r->batch_id))
		return sync_fail(field, cause, "batch_id",
		    "batch_id must be 1 to 64 letters, digits or _.:-");
	n = r->n_status_changes + r->n_results + r->n_findings + r->n_patrols +
	    r->n_tracks;
	if (n > SYNC_ITEMS_MAX)
		return sync_fail(field, cause, "batch_id",
		    "a batch may hold at most 2000 items; send several");
	if (sync_photos_check(r, photo_max, field, cause) != 0 ||
	    sync_sessions_check(r, field, cause) != 0)
		return -1;
	return sync_client_ids_check(r, n, field, cause);
}

void
sync_request_hash(const sync_request *r, char hex[65])
{
	sync_request c = *r;
	unsigned char h[crypto_hash_sha256_BYTES];
	uint8_t *buf;
	size_t len;

	/* Only what the crew recorded: a retry may carry a newer cursor. */
	c.has_cursor = 0;
	c.cursor = 0;
	c.hello = NULL;
	c.n_photos = 0;
	c.photos = NULL;
	len = patrol__sync__v1__sync_request__get_packed_size(&c);
	buf = xmalloc(len + 1);
	patrol__sync__v1__sync_request__pack(&c, buf);
	crypto_hash_sha256(h, buf, len);
	sodium_bin2hex(hex, 65, h, sizeof h);
	free(buf);
}

/* ---- Items ------------------------------------------------------------ */

struct sync_item {
	uint64_t seq;
	size_t order; /* position in the request, to keep ties stable */
	json_t *j;
};

struct sync_refusal {
	const char *field;
	char *message; /* owned */
};

static int
sync_item_cmp(const void *a, const void *b)
{
	const struct sync_item *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int sync_refuse(struct sync_refusal *f, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
sync_refuse(struct sync_refusal *f, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	f->field = field;
	f->message = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

/* A text field: valid UTF-8 of at most max characters. */
static int
sync_text(struct sync_refusal *f, const char *field, const char *s, size_t max,
    int required)
{
	char *msg;

	if (s == NULL || *s == '\0') {
		if (required)
			return sync_refuse(f, field, "%s is required", field);
		return 0;
	}
	if (!utf8_valid(s))
		return sync_refuse(f, field, "%s is not valid UTF-8", field);
	if ((msg = field_too_long(field, s, max)) != NULL) {
		sync_refuse(f, field, "%s", msg);
		free(msg);
		return -1;
	}
	return 0;
}

static void
sync_set_text(json_t *j, const char *key, const char *s)
{
	if (s != NULL && *s != '\0')
		json_object_set_new(j, key, json_string(s));
}

/* A device time, kept only when the clock looks right. */
static void
sync_set_ms(
    json_t *j, const char *key, const struct sync_ctx *ctx, int has, int64_t ms)
{
	if (has && ms >= SYNC_TIME_MIN_MS && ms <= ctx->now_ms + SYNC_DAY_MS)
		json_object_set_new(j, key, json_integer(ms));
}

static int
sync_position(
    struct sync_refusal *f, json_t *j, const Patrol__Sync__V1__Position *p)
{
	if (p == NULL)
		return 0;
	if (!isfinite(p->lat) || !isfinite(p->lon) || fabs(p->lat) > 90 ||
	    fabs(p->lon) > 180)
		return sync_refuse(f, "position",
		    "position must be WGS84 degrees: lat -90..90, lon "
		    "-180..180");
	json_object_set_new(j, "lat", json_real(p->lat));
	json_object_set_new(j, "lon", json_real(p->lon));
	return 0;
}

static int
sync_photos(struct sync_refusal *f, json_t *j, char **sha, size_t n)
{
	json_t *a;
	size_t i;

	if (n > SYNC_ITEM_PHOTOS)
		return sync_refuse(f, "photo_sha256",
		    "an item may name at most %d photos", SYNC_ITEM_PHOTOS);
	a = json_array();
	for (i = 0; i < n; i++) {
		if (!sync_sha256_ok(sha[i])) {
			json_decref(a);
			return sync_refuse(f, "photo_sha256",
			    "a photo_sha256 must be 64 lower-case hex digits");
		}
		json_array_append_new(a, json_string(sha[i]));
	}
	json_object_set_new(j, "photos", a);
	return 0;
}

/* Answers as intake takes them: {code: text | number | [values]}. */
static int
sync_answers(struct sync_refusal *f, json_t **out,
    Patrol__Sync__V1__Answer **ans, size_t n)
{
	json_t *o = json_object(), *v;
	size_t i, k;

	*out = o;
	if (n > 100)
		return sync_refuse(f, "answers", "at most 100 answers");
	for (i = 0; i < n; i++) {
		const Patrol__Sync__V1__Answer *a = ans[i];

		if (sync_text(f, "answers.code", a->code, 40, 1) != 0)
			return -1;
		if (a->n_values > 0) {
			if (a->n_values > 50)
				return sync_refuse(f, "answers.values",
				    "at most 50 values per answer");
			v = json_array();
			for (k = 0; k < a->n_values; k++) {
				if (sync_text(f, "answers.values", a->values[k],
				        200, 1) != 0) {
					json_decref(v);
					return -1;
				}
				json_array_append_new(
				    v, json_string(a->values[k]));
			}
		} else if (a->has_number) {
			if (!isfinite(a->number))
				return sync_refuse(f, "answers.number",
				    "a number answer must be finite");
			v = json_real(a->number);
		} else if (a->text != NULL) {
			if (sync_text(f, "answers.text", a->text, LIMIT_ANSWER,
			        0) != 0)
				return -1;
			v = json_string(a->text);
		} else
			continue;
		json_object_set_new(o, a->code, v);
	}
	return 0;
}

/* The life-cycle fields an item carries (LC_F_*). */
static unsigned
sync_fields(const char *reason, const char *outcome, const char *note,
    const void *position)
{
	return (reason != NULL && *reason != '\0' ? LC_F_REASON : 0) |
	    (outcome != NULL && *outcome != '\0' ? LC_F_OUTCOME : 0) |
	    (note != NULL && *note != '\0' ? LC_F_NOTE : 0) |
	    (position != NULL ? LC_F_POSITION : 0);
}

/* lifecycle_check() for a crew, the state left to sync_apply (SQL). */
static int
sync_lifecycle(struct sync_refusal *f, const char *action, unsigned fields)
{
	struct lc_verdict v;

	/* The verdict names the step: only text JSON can carry. */
	if (action == NULL || !utf8_valid(action) || strlen(action) > 40)
		return sync_refuse(f, "action", "not a step of the life cycle");
	if (lifecycle_check(action, LC_ANY_STATE, AUTH_CREW, fields, &v) == 0)
		return 0;
	return sync_refuse(
	    f, v.field != NULL ? v.field : "action", "%s", v.message);
}

static int
sync_status_item(struct sync_refusal *f, json_t *j,
    const Patrol__Sync__V1__StatusChange *s, const struct sync_ctx *ctx)
{
	/* A result carries answers and photos: it has its own message. */
	if (s->action != NULL && strcmp(s->action, "done") == 0)
		return sync_refuse(f, "action", "done is a JobResult");
	if (sync_lifecycle(f, s->action,
	        sync_fields(s->reason, NULL, s->note, s->position)) != 0)
		return -1;
	if (s->request_id <= 0)
		return sync_refuse(f, "request_id", "no such request");
	if (sync_text(f, "reason", s->reason, LIMIT_REASON, 0) != 0 ||
	    sync_text(f, "note", s->note, LIMIT_NOTE, 0) != 0 ||
	    sync_position(f, j, s->position) != 0)
		return -1;
	json_object_set_new(j, "kind", json_string("status"));
	json_object_set_new(j, "request_id", json_integer(s->request_id));
	json_object_set_new(j, "action", json_string(s->action));
	sync_set_text(j, "reason", s->reason);
	sync_set_text(j, "note", s->note);
	sync_set_ms(
	    j, "device_ms", ctx, s->has_device_time_ms, s->device_time_ms);
	return 0;
}

static int
sync_result_item(struct sync_refusal *f, json_t *j,
    const Patrol__Sync__V1__JobResult *r, const struct sync_ctx *ctx)
{
	json_t *answers;

	if (sync_lifecycle(f, "done",
	        sync_fields(NULL, r->outcome, r->note, r->position)) != 0)
		return -1;
	if (r->request_id <= 0)
		return sync_refuse(f, "request_id", "no such request");
	if (sync_text(f, "outcome", r->outcome, LIMIT_OUTCOME, 1) != 0 ||
	    sync_text(f, "note", r->note, LIMIT_NOTE, 0) != 0 ||
	    sync_position(f, j, r->position) != 0 ||
	    sync_photos(f, j, r->photo_sha256, r->n_photo_sha256) != 0)
		return -1;
	if (sync_answers(f, &answers, r->answers, r->n_answers) != 0) {
		json_decref(answers);
		return -1;
	}
	json_object_set_new(j, "answers", answers);
	json_object_set_new(j, "kind", json_string("result"));
	json_object_set_new(j, "request_id", json_integer(r->request_id));
	json_object_set_new(j, "outcome", json_string(r->outcome));
	sync_set_text(j, "note", r->note);
	sync_set_ms(j, "started_ms", ctx, r->has_started_ms, r->started_ms);
	sync_set_ms(j, "finished_ms", ctx, r->has_finished_ms, r->finished_ms);
	return 0;
}

static int
sync_finding_item(struct sync_refusal *f, json_t *j,
    const Patrol__Sync__V1__Finding *x, const struct sync_ctx *ctx)
{
	const struct ward *w;
	json_t *cat, *answers;
	double e, n;
	char *field, *cause;
	int prio;

	cat = ctx->categories != NULL && x->category != NULL
	    ? json_object_get(ctx->categories, x->category)
	    : NULL;
	if (cat == NULL)
		return sync_refuse(f, "category", "no such category");
	if (!isfinite(x->position->lat) || !isfinite(x->position->lon))
		return sync_refuse(f, "position", "position is not a number");
	if (geo_to_plane(x->position->lon, x->position->lat, &e, &n, &cause) !=
	    0) {
		sync_refuse(f, "position", "%s", cause);
		free(cause);
		return -1;
	}
	if (sync_text(f, "note", x->note, LIMIT_DESCRIPTION, 0) != 0 ||
	    sync_text(f, "address", x->address, LIMIT_ADDRESS, 0) != 0 ||
	    sync_photos(f, j, x->photo_sha256, x->n_photo_sha256) != 0)
		return -1;
	if (sync_answers(f, &answers, x->answers, x->n_answers) != 0) {
		json_decref(answers);
		return -1;
	}
	/* The same rules as a phone call's (intake.c). */
	if (intake_check_answers(cat, answers, &prio, &field, &cause) != 0) {
		json_decref(answers);
		sync_refuse(f, "answers", "%s", cause);
		f->field = "answers";
		free(field);
		free(cause);
		return -1;
	}
	json_object_set_new(j, "answers", answers);
	json_object_set_new(j, "kind", json_string("finding"));
	json_object_set_new(j, "category", json_string(x->category));
	json_object_set_new(j, "lat", json_real(x->position->lat));
	json_object_set_new(j, "lon", json_real(x->position->lon));
	json_object_set_new(j, "easting", json_real(e));
	json_object_set_new(j, "northing", json_real(n));
	json_object_set_new(j, "priority", json_integer(prio));
	if (ctx->wards != NULL &&
	    (w = wards_find(ctx->wards, x->position->lon, x->position->lat)) !=
	        NULL)
		json_object_set_new(j, "ward_code", json_string(w->code));
	sync_set_text(j, "description", x->note);
	sync_set_text(j, "address", x->address);
	sync_set_ms(
	    j, "device_ms", ctx, x->has_device_time_ms, x->device_time_ms);
	return 0;
}

static int
sync_patrol_item(struct sync_refusal *f, json_t *j,
    const Patrol__Sync__V1__PatrolMark *p, const struct sync_ctx *ctx)
{
	if (p->kind != PATROL__SYNC__V1__PATROL_MARK__KIND__START &&
	    p->kind != PATROL__SYNC__V1__PATROL_MARK__KIND__STOP)
		return sync_refuse(f, "kind", "kind must be START or STOP");
	if (sync_position(f, j, p->position) != 0)
		return -1;
	json_object_set_new(j, "kind", json_string("patrol"));
	json_object_set_new(j, "mark",
	    json_string(p->kind == PATROL__SYNC__V1__PATROL_MARK__KIND__START
	            ? "start"
	            : "stop"));
	json_object_set_new(j, "session", json_string(p->session_id));
	if (p->n_piece_ids > 0) {
		json_t *ids = json_array();
		size_t i;

		if (p->kind != PATROL__SYNC__V1__PATROL_MARK__KIND__START ||
		    p->n_piece_ids > SYNC_PIECES_MAX) {
			json_decref(ids);
			return sync_refuse(f, "piece_ids",
			    "piece_ids: at most 100, on a START mark only");
		}
		for (i = 0; i < p->n_piece_ids; i++)
			json_array_append_new(
			    ids, json_integer(p->piece_ids[i]));
		json_object_set_new(j, "pieces", ids);
	}
	sync_set_ms(
	    j, "device_ms", ctx, p->has_device_time_ms, p->device_time_ms);
	return 0;
}

/* Array literals ({1,2,3}) are far cheaper for PostgreSQL than JSON arrays. */
static json_t *
sync_array_literal(const struct track_fix *fix, size_t n, int what)
{
	json_t *j;
	char *buf;
	size_t len, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("event=open_memstream_failed");
	for (i = 0; i < n; i++) {
		fputc(i == 0 ? '{' : ',', f);
		if (what == 0)
			fprintf(f, "%lld", (long long)fix[i].t_ms);
		else
			fprintf(f, "%.6f",
			    (what == 1 ? fix[i].lat_e6 : fix[i].lon_e6) / 1e6);
	}
	fputc('}', f);
	fclose(f);
	j = json_string(buf);
	free(buf);
	return j;
}

static int
sync_track_item(
    struct sync_refusal *f, json_t *j, const Patrol__Sync__V1__TrackPiece *t)
{
	struct track_fix *fix;
	size_t n = t->n_dt_ms;
	double lon, lat;
	char *cause;

	if (n == 0 || t->n_dlat_e6 != n || t->n_dlon_e6 != n)
		return sync_refuse(f, "dt_ms",
		    "a track piece needs as many dt_ms, dlat_e6 and dlon_e6 "
		    "values, at least one");
	fix = xreallocarray(NULL, n, sizeof *fix);
	if (track_decode(t->dt_ms, t->dlat_e6, t->dlon_e6, n, fix) != 0) {
		free(fix);
		return sync_refuse(f, "dlat_e6",
		    "the track leaves the range of times or positions");
	}
	json_object_set_new(j, "kind", json_string("track"));
	json_object_set_new(j, "t", sync_array_literal(fix, n, 0));
	json_object_set_new(j, "lat", sync_array_literal(fix, n, 1));
	json_object_set_new(j, "lon", sync_array_literal(fix, n, 2));
	if (t->session_id != NULL)
		json_object_set_new(j, "session", json_string(t->session_id));
	/* The crew's position for dispatch: the newest fix, if in the area. */
	lat = fix[n - 1].lat_e6 / 1e6;
	lon = fix[n - 1].lon_e6 / 1e6;
	if (geo_check_wgs84(lon, lat, &cause) == 0) {
		json_object_set_new(j, "last_t", json_integer(fix[n - 1].t_ms));
		json_object_set_new(j, "last_lat", json_real(lat));
		json_object_set_new(j, "last_lon", json_real(lon));
	} else
		free(cause);
	free(fix);
	return 0;
}

static void
sync_item_set(struct sync_item *it, uint64_t seq, size_t order,
    const char *client_id, json_t *j, int rc, struct sync_refusal *f)
{
	if (rc != 0) {
		json_decref(j);
		j = json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s}}", "kind",
		    "refused", "client_id", client_id, "ack", "client_id",
		    client_id, "status", "rejected", "message", f->message,
		    "field", f->field);
		free(f->message);
		f->message = NULL;
	} else
		json_object_set_new(j, "client_id", json_string(client_id));
	it->seq = seq;
	it->order = order;
	it->j = j;
}

json_t *
sync_batch_json(const sync_request *r, const struct sync_ctx *ctx)
{
	struct sync_refusal f = {NULL, NULL};
	struct sync_item *it;
	json_t *b, *items, *photos, *j;
	const char *version = NULL;
	char hex[65];
	size_t n, k = 0, i;
	int rc;

	n = r->n_status_changes + r->n_results + r->n_findings + r->n_patrols +
	    r->n_tracks;
	it = xreallocarray(NULL, n + 1, sizeof *it);
	for (i = 0; i < r->n_status_changes; i++, k++) {
		j = json_object();
		rc = sync_status_item(&f, j, r->status_changes[i], ctx);
		sync_item_set(&it[k], r->status_changes[i]->seq, k,
		    r->status_changes[i]->client_id, j, rc, &f);
	}
	for (i = 0; i < r->n_results; i++, k++) {
		j = json_object();
		rc = sync_result_item(&f, j, r->results[i], ctx);
		sync_item_set(&it[k], r->results[i]->seq, k,
		    r->results[i]->client_id, j, rc, &f);
	}
	for (i = 0; i < r->n_findings; i++, k++) {
		j = json_object();
		rc = sync_finding_item(&f, j, r->findings[i], ctx);
		sync_item_set(&it[k], r->findings[i]->seq, k,
		    r->findings[i]->client_id, j, rc, &f);
	}
	for (i = 0; i < r->n_patrols; i++, k++) {
		j = json_object();
		rc = sync_patrol_item(&f, j, r->patrols[i], ctx);
		sync_item_set(&it[k], r->patrols[i]->seq, k,
		    r->patrols[i]->client_id, j, rc, &f);
	}
	for (i = 0; i < r->n_tracks; i++, k++) {
		j = json_object();
		rc = sync_track_item(&f, j, r->tracks[i]);
		sync_item_set(&it[k], r->tracks[i]->seq, k,
		    r->tracks[i]->client_id, j, rc, &f);
	}
	/* In the order the crew did things: accept before done. */
	qsort(it, k, sizeof *it, sync_item_cmp);
	items = json_array();
	for (i = 0; i < k; i++)
		json_array_append_new(items, it[i].j);
	free(it);

	photos = json_array();
	for (i = 0; i < r->n_photos; i++) {
		j = json_pack("{s:s,s:I}", "sha256", r->photos[i]->sha256,
		    "bytes", (json_int_t)r->photos[i]->bytes);
		if (r->photos[i]->content_type != NULL)
			json_object_set_new(
			    j, "type", json_string(r->photos[i]->content_type));
		json_array_append_new(photos, j);
	}
	if (r->hello != NULL && r->hello->agent_version != NULL &&
	    utf8_valid(r->hello->agent_version) &&
	    strlen(r->hello->agent_version) <= 40)
		version = r->hello->agent_version;
	sync_request_hash(r, hex);
	b = json_pack("{s:s,s:s,s:I,s:o,s:o}", "batch_id", r->batch_id,
	    "sha256", hex, "cursor",
	    (json_int_t)(r->has_cursor && r->cursor <= INT64_MAX ? r->cursor
	                                                         : 0),
	    "items", items, "photos", photos);
	if (version != NULL)
		json_object_set_new(b, "version", json_string(version));
	return b;
}

/* ---- Enrollment codes ------------------------------------------------- */

static const char sync_code_alphabet[] = "ABCDEFGHJKMNPQRSTVWXYZ23456789";

void
sync_code_new(char out[SYNC_CODE_LEN + 2])
{
	size_t n = sizeof sync_code_alphabet - 1;
	int i, k = 0;

	if (sodium_init() < 0)
		fatalx("event=sodium_init_failed");
	for (i = 0; i < SYNC_CODE_LEN; i++) {
		if (i == SYNC_CODE_LEN / 2)
			out[k++] = '-';
		out[k++] = sync_code_alphabet[randombytes_uniform((uint32_t)n)];
	}
	out[k] = '\0';
}

int
sync_code_normalize(const char *in, char out[SYNC_CODE_LEN + 1])
{
	size_t k = 0;
	char c;

	for (; *in != '\0'; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		c = *in >= 'a' && *in <= 'z' ? (char)(*in - 'a' + 'A') : *in;
		if (k == SYNC_CODE_LEN || strchr(sync_code_alphabet, c) == NULL)
			return -1;
		out[k++] = c;
	}
	out[k] = '\0';
	return k == SYNC_CODE_LEN ? 0 : -1;
}

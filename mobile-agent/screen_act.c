/*
 * What a tap records: a photo kept as it arrives, a job's step or its
 * end, a finding, a patrol started or stopped. Each goes through the same
 * jobs.c function as the command line, which writes the outbox durably
 * before the answer, and then the worker is asked for a sync.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "screen_int.h"

#define SCREEN_PHOTO_TAG ".screen-"
#define SCREEN_PART_TAG  ".part-" /* a photo whose parts are arriving */

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
	return xasprintf("%s/photos/" SCREEN_PHOTO_TAG "%s", a->dir, id);
}

void
screen_photos_clean(struct agent *a)
{
	static const char *const tags[] = {SCREEN_PHOTO_TAG, SCREEN_PART_TAG};

	outbox_photos_remove(a, tags, 2);
}

/* The id's file while its parts arrive: not usable by a form yet. */
static char *
screen_part_path(struct agent *a, const char *id)
{
	char *p = screen_photo_path(a, id), *s;

	if (p == NULL)
		return NULL;
	s = xasprintf("%s/photos/" SCREEN_PART_TAG "%s", a->dir, id);
	free(p);
	return s;
}

/* ?offset=N&last=1: where the part goes, and whether it ends the photo
 * (none: the whole photo at once). 0, or -1 when not numbers. */
static int
screen_part_query(struct evhttp_request *req, long long *offset, int *last)
{
	const char *q =
	    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	const char *v;
	struct evkeyvalq kv;
	char *end;
	int rc = 0;

	*offset = 0;
	*last = 1;
	if (q == NULL)
		return 0;
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(q, &kv) != 0)
		rc = -1;
	else if ((v = evhttp_find_header(&kv, "offset")) != NULL) {
		*offset = strtoll(v, &end, 10);
		*last = (v = evhttp_find_header(&kv, "last")) != NULL &&
		    strcmp(v, "1") == 0;
		if (*end != '\0' || *offset < 0 || *offset > AGENT_PHOTO_MAX)
			rc = -1;
	}
	evhttp_clear_headers(&kv);
	return rc;
}

/* The whole photo is in: kept, and the screen's id names the kept file. */
static void
screen_photo_keep(struct agent *a, struct evhttp_request *req, const char *id,
    const char *part)
{
	char sha[65], *path = screen_photo_path(a, id), *cause = NULL, *durable;
	const char *type;
	size_t kept;

	if (outbox_photo_keep(a, part, sha, &type, &kept, &cause) != 0) {
		unlink(part);
		free(path);
		screen_error(req, 422, "写真を保存できません", cause);
		free(cause);
		return;
	}
	unlink(part);
	/* The screen's name for it now reads the kept (scaled) photo. */
	durable = xasprintf("%s/photos/%s", a->dir, sha);
	if (link(durable, path) != 0) {
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
 * A photo from the camera, sent in parts so that the agent never holds
 * more than one (the screen sends 256 kB at a time: POST /photos?offset=0
 * for the first, /photos/ID?offset=N for the next, last=1 on the last;
 * a photo in one request needs no query). The parts are appended to a
 * file; with the last the photo is scaled down, hashed and kept durably
 * (outbox_photo_keep: the two fsyncs a photo costs, streamed), under an
 * id of this screen's (a link to photos/SHA) until its form is sent; the
 * form's tap then only commits. Nothing is recorded yet: a photo never
 * sent with a form is no evidence of anything (the files go at the next
 * start).
 */
void
screen_photo_put(struct agent *a, struct evhttp_request *req, const char *id)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(b);
	char fresh[33], *part;
	long long offset;
	struct stat st;
	int fd, last;

	if (screen_part_query(req, &offset, &last) != 0 ||
	    (id == NULL && offset != 0)) {
		screen_error(req, 400, "写真の送り方が正しくありません",
		    "offset: a number, 0 for a new photo");
		return;
	}
	if (len == 0 || (unsigned long long)offset + len > AGENT_PHOTO_MAX) {
		screen_error(req, len == 0 ? 422 : 413,
		    len == 0 ? "写真が空です" : "写真が大きすぎます",
		    len == 0 ? "empty body" : "over 100 MB");
		return;
	}
	if (id == NULL) {
		agent_random_id(fresh, 16);
		id = fresh;
	}
	if ((part = screen_part_path(a, id)) == NULL) {
		screen_error(req, 404, "この写真はありません", "bad photo id");
		return;
	}
	fd = open(part,
	    O_WRONLY | O_APPEND | O_CLOEXEC |
	        (id == fresh ? O_CREAT | O_EXCL : 0),
	    0600);
	if (fd == -1 || fstat(fd, &st) != 0) {
		screen_error(req, fd == -1 && errno == ENOENT ? 404 : 500,
		    "写真を保存できません", strerror(errno));
		goto out;
	}
	/* A part sent twice (a retry) or one missing: the screen starts over.
	 */
	if (st.st_size != offset) {
		screen_error(req, 409, "写真の続きが合いません",
		    "offset is not the bytes received");
		goto out;
	}
	while (evbuffer_get_length(b) > 0) {
		if (evbuffer_write(b, fd) <= 0) {
			screen_error(
			    req, 500, "写真を保存できません", strerror(errno));
			unlink(part);
			goto out;
		}
	}
	close(fd);
	fd = -1;
	if (last)
		screen_photo_keep(a, req, id, part);
	else
		screen_reply(req, 202,
		    json_pack("{s:s,s:I}", "photo", id, "received",
		        (json_int_t)(offset + (long long)len)));
out:
	if (fd != -1)
		close(fd);
	free(part);
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
		    xasprintf("%s=%s", k, json_string_value(v));
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
screen_done(const struct screen_host *h, struct agent *a,
    struct evhttp_request *req, int rc, char *cause)
{
	if (rc != 0) {
		screen_error(req, 409, "記録できませんでした", cause);
		free(cause);
		return;
	}
	h->sync_soon(h->serve, 0);
	screen_reply(req, 200,
	    json_pack("{s:b,s:I}", "recorded", 1, "pending",
	        (json_int_t)outbox_pending(a)));
}

/* The form recorded by what: "done", "finding" or a step (the action). */
static int
screen_record_what(struct agent *a, json_t *body, const char *what,
    const struct jobs_rec *rec, char **cause)
{
	const char *action;

	if (strcmp(what, "done") == 0)
		return jobs_record_done(a, rec, cause);
	if (strcmp(what, "finding") == 0)
		return jobs_record_finding(a, rec, cause);
	if ((action = screen_str(body, "action")) == NULL) {
		*cause = xstrdup("no action given");
		return -1;
	}
	return jobs_record_step(a, action, rec, cause);
}

void
screen_record(const struct screen_host *h, struct agent *a,
    struct evhttp_request *req, long long id, const char *what)
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
	r.rec.id = id;
	rc = screen_record_what(a, body, what, &r.rec, &cause);
	screen_rec_free(&r, rc == 0);
	json_decref(body);
	screen_done(h, a, req, rc, cause);
}

/* Start (optionally on chosen way-back pieces) or stop a patrol. */
void
screen_patrol_mark(const struct screen_host *h, struct agent *a,
    struct evhttp_request *req, int wayback)
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
	h->fixes_flush(h->serve); /* the fixes so far are the last patrol's */
	rc = jobs_patrol_mark(a, start, pieces, n, &cause);
	if (rc == 0 && start)
		h->track_reset(h->serve);
	screen_done(h, a, req, rc, cause);
}

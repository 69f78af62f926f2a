/*
 * The screen's JSON API (under /api/, behind serve.c's loopback and token
 * checks). Reads come from the agent's own database, so the screen works
 * with no network at all; every action goes through the same jobs.c
 * functions as the command line, which write the outbox durably before
 * the answer, and then asks the worker for a sync. What is not yet
 * acknowledged is marked pending, so the screen shows 「送信待ち」.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "screen_int.h"

#define SCREEN_JSON_MAX (256 << 10)

/*
 * When the request being answered reached screen_api(): each answer says
 * how long the agent worked on it (Server-Timing: app;dur=ms), so the
 * benchmark can tell the agent's own time (SQLite, fsync) from the time
 * the request waited to be read (the loop busy, the machine loaded).
 */
static struct timespec screen_t0;

void
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
void
screen_error(struct evhttp_request *req, int code, const char *message,
    const char *detail)
{
	screen_reply(req, code,
	    json_pack("{s:{s:s,s:s?}}", "error", "message", message, "detail",
	        detail));
}

void
screen_db_error(struct agent *a, struct evhttp_request *req)
{
	char *err = outbox_errmsg(a);

	screen_error(req, 500, "端末のデータベースが読めません", err);
	free(err);
}

json_t *
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

const char *
screen_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : NULL;
}

/* A store row's text: null when not set. */
json_t *
screen_text(const char *s)
{
	return s == NULL ? json_null() : json_string(s);
}

json_t *
screen_state_json(struct agent *a, const char *key)
{
	char *v = outbox_get(a, key);
	json_t *j = v != NULL ? json_loads(v, 0, NULL) : NULL;

	free(v);
	return j != NULL ? j : json_null();
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
screen_api(const struct screen_host *h, struct agent *a,
    struct evhttp_request *req, const char *path)
{
	int post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	const char *rest;
	long long id;

	clock_gettime(CLOCK_MONOTONIC, &screen_t0);
	if (!post && strcmp(path, "/state") == 0)
		screen_state(h, a, req);
	else if (!post && strcmp(path, "/jobs") == 0)
		screen_jobs(h, a, req);
	else if (!post && strcmp(path, "/place") == 0)
		screen_place(h, a, req);
	else if (strncmp(path, "/jobs/", 6) == 0 &&
	    (id = screen_job_id(path + 6, &rest)) > 0) {
		if (!post && *rest == '\0')
			screen_job(a, req, id);
		else if (post && strcmp(rest, "/step") == 0)
			screen_record(h, a, req, id, "step");
		else if (post && strcmp(rest, "/done") == 0)
			screen_record(h, a, req, id, "done");
		else
			screen_error(req, 404, "ありません", path);
	} else if (post && strcmp(path, "/photos") == 0)
		screen_photo_put(a, req, NULL);
	else if (post && strncmp(path, "/photos/", 8) == 0)
		screen_photo_put(a, req, path + 8);
	else if (post && strcmp(path, "/findings") == 0)
		screen_record(h, a, req, 0, "finding");
	else if (!post && strcmp(path, "/patrol") == 0)
		screen_patrol(h, a, req);
	else if (post && strcmp(path, "/patrol") == 0)
		screen_patrol_mark(h, a, req, 0);
	else if (!post && strcmp(path, "/wayback") == 0)
		screen_wayback(a, req);
	else if (post && strcmp(path, "/wayback/take") == 0)
		screen_patrol_mark(h, a, req, 1);
	else if (post && strcmp(path, "/wayback/refresh") == 0) {
		h->sync_soon(h->serve, 1);
		screen_reply(req, 202, json_pack("{s:b}", "asked", 1));
	} else if (post && strcmp(path, "/sync") == 0) {
		h->sync_soon(h->serve, 0);
		screen_reply(req, 202, json_pack("{s:b}", "asked", 1));
	} else
		screen_error(req, 404, "ありません", path);
}

/*
 * The screen's JSON API, shared by its files: screen.c (the answer and
 * body helpers, and the routes), screen_read.c (what the screen shows:
 * state, jobs, a job, the patrol, the way back) and screen_act.c (what a
 * tap records: photos, steps, done, findings, patrols).
 */
#ifndef SCREEN_INT_H
#define SCREEN_INT_H

#include <jansson.h>

#include "agent.h"

/* The answer: j (taken) as JSON, with the agent's own time in it. */
void screen_reply(struct evhttp_request *, int code, json_t *j);
/* {"error": {"message": words for the crew, "detail": the cause}} */
void screen_error(
    struct evhttp_request *, int code, const char *message, const char *detail);
/* 500: the device's database could not be read (outbox_errmsg says why). */
void screen_db_error(struct agent *, struct evhttp_request *);
/* The request's JSON body (caller decrefs), NULL when not JSON. */
json_t *screen_body(struct evhttp_request *);
/* A non-empty string member, or NULL. */
const char *screen_str(json_t *, const char *key);
/* A store row's text: null when not set. */
json_t *screen_text(const char *);
/* A state value holding JSON, parsed; null when unset. */
json_t *screen_state_json(struct agent *, const char *key);

/* screen_read.c */
void screen_state(
    const struct screen_host *, struct agent *, struct evhttp_request *);
void screen_place(
    const struct screen_host *, struct agent *, struct evhttp_request *);
void screen_jobs(
    const struct screen_host *, struct agent *, struct evhttp_request *);
void screen_job(struct agent *, struct evhttp_request *, long long id);
void screen_patrol(
    const struct screen_host *, struct agent *, struct evhttp_request *);
void screen_wayback(struct agent *, struct evhttp_request *);

/* screen_act.c */
/* POST /photos (id NULL) or /photos/ID: a photo, or a part of one. */
void screen_photo_put(struct agent *, struct evhttp_request *, const char *id);
/*
 * A form the crew sent: POST /jobs/ID/step or /done (what "step" or
 * "done"), or /findings (what "finding", id 0).
 */
void screen_record(const struct screen_host *, struct agent *,
    struct evhttp_request *, long long id, const char *what);
/* Start (optionally on chosen way-back pieces) or stop a patrol. */
void screen_patrol_mark(const struct screen_host *, struct agent *,
    struct evhttp_request *, int wayback);

#endif

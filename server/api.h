/*
 * JSON API conventions shared by every api_*.c: bodies are JSON objects,
 * replies are JSON, errors are {"error":{"code","message","field"}}.
 * The readers reply themselves on bad input and return -1, so a handler
 * just returns when one fails.
 */
#ifndef PATROL_API_H
#define PATROL_API_H

#include "compiler.h"

#include <stddef.h>

#include <jansson.h>

struct http_req;
struct db_result;

struct app;
/*
 * The client's address (textual) into out: the peer, or, when the peer is
 * one of trusted_proxies, the address its X-Forwarded-For vouches for.
 */
void api_client_addr(
    const struct app *, struct http_req *, char *out, size_t outlen);
/* 1 when a Content-Type names JSON ("application/json", parameters allowed). */
int api_json_type(const char *ct);
/* The request body as a JSON object, or NULL after replying 400/415. */
json_t *api_body(struct http_req *);
/* Answers with the JSON value (reference stolen). */
void api_reply(struct http_req *, int status, json_t *);
/* Answers with JSON text produced by the database. */
void api_reply_text(struct http_req *, int status, const char *json);
/*
 * Answers the error body of http_error_body() (http.h), the one shape of
 * every error: code, message (printf-style), field (NULL: none).
 */
void api_error(struct http_req *, int status, const char *code,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The same with more members (extra: an object, stolen, may be NULL). */
void api_error_extra(struct http_req *, int status, const char *code,
    const char *field, json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/*
 * What a failed query means for its reply, for api_db_error and
 * open311_db_error: API_DB_UNAVAILABLE, the database is down or too slow
 * (503; Retry-After is set here); API_DB_VALUE, a value PostgreSQL could
 * not take (SQLSTATE class 22, a date out of range: the client's), with
 * *detail its message; API_DB_INTERNAL, anything else (500; logged here as
 * event=db_error).
 */
enum api_db_fault { API_DB_UNAVAILABLE, API_DB_VALUE, API_DB_INTERNAL };
enum api_db_fault api_db_fault(struct http_req *, const struct db_result *,
    const char *what, const char **detail);
/*
 * 503 for an unavailable database, 422 for a value it could not take, 500
 * for anything else (api_db_fault).
 */
void api_db_error(
    struct http_req *, const struct db_result *, const char *what);
/*
 * The start of a query's callback whose request may have been answered
 * by its deadline meanwhile: 1 when there is nothing left to answer (the
 * request is done, or the query failed and was answered by answer, e.g.
 * api_db_error), else 0.
 */
PATROL_MUSTCHECK int api_db_failed(struct http_req *, const struct db_result *,
    const char *what,
    void (*answer)(struct http_req *, const struct db_result *, const char *));
/*
 * The callback for a write no reply waits for (an audit row, a sweep):
 * logs a failure as "event=EVENT error=..."; arg is EVENT, a literal.
 */
void api_db_warn_cb(struct db_result *, void *event);

/* 400 naming the first key of obj that is not in keys (NULL-terminated). */
PATROL_MUSTCHECK int api_only_keys(
    struct http_req *, json_t *obj, const char *const *keys);
/*
 * Reads a string member: absent or null leaves *out NULL (422 if required);
 * a wrong type is 422; longer than maxchars characters is 422.
 */
PATROL_MUSTCHECK int api_str(struct http_req *, json_t *obj, const char *key,
    int required, size_t maxchars, const char **out);
/*
 * A value that must be one of names (NULL-terminated): NULL or one of them
 * is 0; anything else is 422 invalid_value naming key, with message, and
 * -1.
 */
PATROL_MUSTCHECK int api_one_of(struct http_req *, const char *key,
    const char *s, const char *const *names, const char *message);
/* A number member (integer or real); *present says if it was there. */
PATROL_MUSTCHECK int api_num(struct http_req *, json_t *obj, const char *key,
    int required, double *out, int *present);
/* A whole-number member, 1 .. 2^53. */
PATROL_MUSTCHECK int api_id(struct http_req *, json_t *obj, const char *key,
    int required, long long *out);
/* A path segment that must be a positive id; 404 otherwise. */
PATROL_MUSTCHECK int api_path_id(struct http_req *, int param, long long *out);
/*
 * The query's category, a code of at most 40 characters; NULL after
 * answering 400 missing_field when it is absent, empty or longer.
 */
const char *api_query_category(struct http_req *);
/*
 * The query's ward, a code of at most 40 characters: *out a copy, or NULL
 * when absent or empty; -1 after answering 400 invalid_value when longer.
 */
PATROL_MUSTCHECK int api_query_ward(struct http_req *, char **out);
/*
 * Answers STATUS invalid_location for a failed geo_parse_lonlat or
 * geo_to_plane, naming the field (lon or lat) its cause begins with;
 * frees cause.
 */
void api_location_error(struct http_req *, int status, char *cause);
/*
 * The point of the query's ?lat&lon, both or neither: 0 for neither, 1
 * with it in *lon, *lat (and, when e is not NULL, its plane coordinates in
 * *e, *n), -1 after a 422 invalid_location.
 */
PATROL_MUSTCHECK int api_query_point(
    struct http_req *, double *lon, double *lat, double *e, double *n);
/*
 * A position of a body's lat and lon members (as api_num read them), both
 * or neither: 0 for neither, 1 with its plane coordinates in *e, *n, -1
 * after a 422 (missing_field, or invalid_location).
 */
PATROL_MUSTCHECK int api_body_point(struct http_req *, int has_lat, int has_lon,
    double lon, double lat, double *e, double *n);
/*
 * 1 for an ISO 8601 date-time with a zone ("2026-07-01T15:00:00+09:00",
 * seconds and fractions optional, "Z" accepted), else 0.
 */
int api_is_iso8601(const char *);
/*
 * Answers 200 with the JSON text in the result's first column, 404 "no
 * such WHAT" when there is no row, or as api_db_error on failure.
 */
void api_reply_row(
    struct http_req *, const struct db_result *, const char *what);
/*
 * For a route whose reply is that row: api_reply_row_arg takes a reference
 * on req and returns the arg to pass with api_reply_row_cb to the store_*
 * call; the callback answers as api_reply_row(req, r, what), drops the
 * reference and frees the arg. what is kept, not copied (a literal).
 */
void *api_reply_row_arg(struct http_req *, const char *what);
void api_reply_row_cb(struct db_result *, void *arg);
/* The first row's first column, parsed as JSON; NULL if none. */
json_t *api_result_json(const struct db_result *);
/*
 * The same for a handler that goes on with the row (the caller owns it):
 * NULL after answering as api_db_error(what) on failure, or 404 "no such
 * NOUN" when there is no row.
 */
json_t *api_result_row(struct http_req *, const struct db_result *,
    const char *what, const char *noun);

struct auth_user;
/*
 * A crew user acts only for its own crew; staff for any (they record for
 * crews that report by phone). When user may not act for crew (0: the
 * object belongs to no crew), answers 403 not_your_crew, or no_crew for
 * a crew user bound to none, naming what ("request 12's photos"), and
 * returns 1; else 0. Built on auth_may_act_for_crew.
 */
int api_crew_refused(struct http_req *, const struct auth_user *,
    long long crew, const char *what);

#endif

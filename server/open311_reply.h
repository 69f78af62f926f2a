/*
 * What every Open311 handler shares, in open311_reply.c: the reply in
 * either format, the spec's errors, the format from the path, the
 * jurisdiction, client keys, a GET's state, names by locale. The handlers
 * (open311.c, open311_requests.c, open311_post*.c) call down to it; it
 * calls none of them.
 */
#ifndef PATROL_OPEN311_REPLY_H
#define PATROL_OPEN311_REPLY_H

#include <jansson.h>

struct app;
struct config;
struct db_result;
struct http_req;

enum open311_format {
	OPEN311_XML,
	OPEN311_JSON,
};

/*
 * Answers with doc (reference stolen) in the format: JSON as it is, XML as
 * <root> with an array's items named item (see open311_xml_write).
 */
void open311_reply(struct http_req *, enum open311_format, int status,
    json_t *doc, const char *root, const char *item);
/*
 * Answers errors/error/{code, description} with the HTTP status as the
 * code. The description starts with the field it is about, if any.
 */
void open311_error(struct http_req *, enum open311_format, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* 503 or 500 (logged) for a failed query, as an Open311 error. */
void open311_db_error(struct http_req *, enum open311_format,
    const struct db_result *, const char *what);
/* "ja" or "en": the locale parameter, else the configured one. */
const char *open311_locale(const struct config *, const char *param);
/*
 * Checks jurisdiction_id (when one is configured) and returns 0, or answers
 * 404 and returns -1.
 */
int open311_jurisdiction_ok(
    struct http_req *, enum open311_format, const char *given);

/* What a GET handler keeps while its query runs. */
struct open311_get {
	struct http_req *req;
	enum open311_format fmt;
	const char *locale;
	int extensions;
	char *name; /* a path's resource name, or NULL */
};

/* Takes a reference on req; open311_get_free drops it. */
struct open311_get *open311_get_new(struct http_req *, enum open311_format);
void open311_get_free(struct open311_get *);
/* name_ja or name_en of a category, question or value by the locale. */
const char *open311_name(json_t *, const char *locale);
/* 1 for a category code as our categories spell them. */
int open311_code_ok(const char *);
/*
 * The route's "{}" suffix (xml or json) as a format; 0, or -1 after
 * answering 404 in XML, the spec's mandatory format.
 */
int open311_suffix(struct http_req *, enum open311_format *);
/*
 * A GET's start: the route's "{}" suffix as a format, then the query's
 * jurisdiction_id; 0, or -1 after answering 404 (an unknown suffix in XML,
 * the spec's mandatory format).
 */
int open311_get_format(struct http_req *, enum open311_format *);
/*
 * The same for a GET of one thing, the route's "{}" a name and a suffix
 * ("wasp_nest.xml"): the name (caller frees), or NULL after answering 404.
 */
char *open311_get_name(struct http_req *, enum open311_format *);

typedef void (*open311_key_cb)(
    struct http_req *, long long key_id, const char *key_name, void *arg);
/*
 * Looks up an api_key (hashed, as stored) and calls cb with the client
 * application. For a missing, unknown or revoked key (or a failed query)
 * it answers 403 (or 5xx) itself and calls cb with key_name NULL, so cb
 * always runs and can free arg. Holds a reference on req until cb returns.
 */
void open311_key_check(struct http_req *, enum open311_format,
    const char *api_key, open311_key_cb, void *arg);

#endif

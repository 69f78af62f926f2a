/*
 * One Open311 POST (requests or servicerequestupdates) while it is being
 * handled: the form it owns, the client its key names, and what POST
 * requests works out step by step. Shared by open311_post.c (the form and
 * the key), open311_post_request.c, open311_post_answers.c and
 * open311_post_update.c; nothing outside them uses it.
 */
#ifndef PATROL_OPEN311_POST_H
#define PATROL_OPEN311_POST_H

#include <stddef.h>

#include <jansson.h>

#include "http.h"
#include "open311.h"

#define POST_MAX_PHOTOS 10

struct post_photo {
	char sha256[65];
	size_t bytes;
	const char *type;
	int created; /* this post made the file */
	int linked;  /* a row names it */
};

struct post {
	struct http_req *req;
	enum open311_format fmt;
	struct open311_form form;
	const char *locale;
	long long key_id;
	void (*then)(struct post *); /* open311_post_start's */
	char *client, *actor;
	/* POST requests */
	double lon, lat, easting, northing;
	const char *level; /* from address_string, or NULL: lat and long */
	char *ward_code;
	json_t *outside; /* outside every ward: what to tell, or NULL */
	char *answers;
	char *caller_name;
	char *client_ref;
	char *duplicates;
	int ndups;
	struct post_photo photos[POST_MAX_PHOTOS];
	int nphotos, photo_next;
	long long id;
};

/*
 * Starts a POST: a post owning the form (holding a reference on req), the
 * form parsed and checked for what needs no key, then the api_key. With
 * the client known (key_id, client, actor) it calls then(p), which owns p
 * from there; when a check fails it has answered and freed p itself.
 */
void open311_post_start(
    struct http_req *, enum open311_format, void (*then)(struct post *));
/* Frees the post, discarding photos it stored that no row names. */
void open311_post_free(struct post *);
/* A field's value, or NULL when absent or empty. */
const char *open311_post_get(struct post *, const char *name);
/*
 * A text field: valid UTF-8 without control characters, at most max
 * characters; *out NULL when absent or empty. -1 after answering 400.
 */
int open311_post_text(
    struct post *, const char *name, size_t max, const char **out);
/* The same for an http(s) URL (stored for staff, never fetched). */
int open311_post_url(struct post *, const char *name, const char **out);
/*
 * The attribute fields as intake's answers, typed by the category's
 * questions (open311_post_answers.c). NULL after answering 400.
 */
json_t *open311_post_answers(struct post *, json_t *cat);

#endif

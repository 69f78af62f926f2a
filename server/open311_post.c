/*
 * Open311 POSTs (requests and servicerequestupdates): what both do first.
 * The form is parsed and checked for what needs no key (duplicate fields,
 * the jurisdiction, the locale), text fields are read with their limits,
 * and the client is taken from its key. POST requests goes on in
 * open311_post_request.c, POST servicerequestupdates in
 * open311_post_update.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "config.h"
#include "http.h"
#include "open311.h"
#include "open311_reply.h"
#include "open311_post.h"
#include "photos.h"
#include "utf8.h"
#include "xmalloc.h"

static struct post *
open311_post_new(struct http_req *req, enum open311_format fmt)
{
	struct post *p = xcalloc(1, sizeof *p);

	p->req = req;
	p->fmt = fmt;
	http_req_ref(req);
	return p;
}

void
open311_post_free(struct post *p)
{
	struct app *app = http_req_owner(p->req);
	int i;

	/* A failed report, or a photo whose link failed: no orphan files. */
	for (i = 0; i < p->nphotos; i++) {
		if (p->photos[i].created && !p->photos[i].linked)
			photos_discard(
			    app->cfg->photo_dir, p->photos[i].sha256);
	}
	http_req_unref(p->req);
	open311_form_free(&p->form);
	free(p->client);
	free(p->actor);
	free(p->ward_code);
	json_decref(p->outside);
	free(p->answers);
	free(p->caller_name);
	free(p->client_ref);
	free(p->duplicates);
	free(p);
}

/* A field's value, or NULL when absent or empty. */
const char *
open311_post_get(struct post *p, const char *name)
{
	const struct open311_field *f = open311_form_get(&p->form, name);

	return f != NULL && f->len > 0 ? f->value : NULL;
}

/*
 * A text field: valid UTF-8 without control characters, at most max
 * characters; *out NULL when absent or empty. Answers 400 naming it.
 */
int
open311_post_text(
    struct post *p, const char *name, size_t max, const char **out)
{
	const struct open311_field *f = open311_form_get(&p->form, name);

	*out = NULL;
	if (f == NULL || f->len == 0)
		return 0;
	if (f->filename != NULL || !open311_text_ok(f->value, f->len)) {
		open311_error(p->req, p->fmt, 400,
		    "%s: not valid UTF-8 text (or holds control characters)",
		    name);
		return -1;
	}
	if (utf8_len(f->value) > max) {
		open311_error(p->req, p->fmt, 400,
		    "%s: longer than %zu characters", name, max);
		return -1;
	}
	*out = f->value;
	return 0;
}

int
open311_post_url(struct post *p, const char *name, const char **out)
{
	if (open311_post_text(p, name, 2000, out) != 0)
		return -1;
	/* Stored as text for staff to follow; never fetched from here. */
	if (*out != NULL && strncasecmp(*out, "http://", 7) != 0 &&
	    strncasecmp(*out, "https://", 8) != 0) {
		open311_error(
		    p->req, p->fmt, 400, "%s: not an http or https URL", name);
		return -1;
	}
	return 0;
}

/* Parses the form and checks what needs no key; -1 after answering. */
static int
open311_post_read(struct post *p)
{
	const char *body, *dup, *jur;
	char *cause;
	size_t len;

	body = http_req_body(p->req, &len);
	if (open311_form_parse(&p->form,
	        http_req_header(p->req, "Content-Type"), body, len,
	        &cause) != 0) {
		open311_error(p->req, p->fmt, 400, "%s", cause);
		free(cause);
		return -1;
	}
	if ((dup = open311_form_duplicate(&p->form)) != NULL) {
		open311_error(
		    p->req, p->fmt, 400, "%s: given more than once", dup);
		return -1;
	}
	if (open311_post_text(p, "jurisdiction_id", 200, &jur) != 0)
		return -1;
	if (jur == NULL)
		jur = http_req_query(p->req, "jurisdiction_id");
	if (open311_jurisdiction_ok(p->req, p->fmt, jur) != 0)
		return -1;
	p->locale = open311_locale(((struct app *)http_req_owner(p->req))->cfg,
	    open311_post_get(p, "locale") != NULL
	        ? open311_post_get(p, "locale")
	        : http_req_query(p->req, "locale"));
	return 0;
}

/* The api_key field, or the query's. */
static const char *
open311_post_api_key(struct post *p)
{
	const char *k = open311_post_get(p, "api_key");

	return k != NULL ? k : http_req_query(p->req, "api_key");
}

/* The client the key named: its id, name and actor ("open311:NAME"). */
static void
open311_post_keyed(
    struct http_req *req, long long key_id, const char *name, void *arg)
{
	struct post *p = arg;

	(void)req;
	if (name == NULL) {
		open311_post_free(p);
		return;
	}
	p->key_id = key_id;
	p->client = xstrdup(name);
	p->actor = xasprintf("open311:%s", name);
	p->then(p);
}

void
open311_post_start(
    struct http_req *req, enum open311_format fmt, void (*then)(struct post *))
{
	struct post *p = open311_post_new(req, fmt);

	if (open311_post_read(p) != 0) {
		open311_post_free(p);
		return;
	}
	p->then = then;
	open311_key_check(
	    req, fmt, open311_post_api_key(p), open311_post_keyed, p);
}

/*
 * POST servicerequestupdates: a resident's comment on a request, stored
 * as a "resident_comment" event (the same id again when the client sends
 * the same update twice). Names and e-mail are not kept.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "db.h"
#include "field_limits.h"
#include "http.h"
#include "log.h"
#include "open311.h"
#include "open311_reply.h"
#include "open311_post.h"
#include "store_open311.h"

static void
post_comment_cb(struct db_result *r, void *arg)
{
	struct post *p = arg;
	const char *id;

	if (r->status != DB_OK)
		open311_db_error(p->req, p->fmt, r, "open311.comment");
	else if ((id = store_open311_comment_id(r)) == NULL)
		open311_error(
		    p->req, p->fmt, 404, "service_request_id: no such request");
	else {
		log_info("event=open311_comment request=%s event=%s client=%s",
		    open311_post_get(p, "service_request_id"), id, p->client);
		open311_reply(p->req, p->fmt, 200,
		    json_pack("[{s:s}]", "update_id", id),
		    "service_request_updates", "request_update");
	}
	open311_post_free(p);
}

static void
post_update_keyed(struct post *p)
{
	struct app *app = http_req_owner(p->req);
	struct store_open311_comment c = {0};
	const char *id, *status, *at, *s;
	char status_l[41], when[40];
	size_t i;

	if (open311_post_text(p, "service_request_id", 20, &id) != 0 ||
	    open311_post_text(p, "description", LIMIT_DESCRIPTION, &c.text) !=
	        0 ||
	    open311_post_text(p, "update_id", 100, &c.client_update_id) != 0 ||
	    open311_post_text(p, "status", 40, &status) != 0 ||
	    open311_post_text(p, "updated_datetime", 40, &at) != 0 ||
	    open311_post_text(p, "first_name", 100, &s) != 0 ||
	    open311_post_text(p, "last_name", 100, &s) != 0 ||
	    open311_post_text(p, "email", 254, &s) != 0 ||
	    open311_post_url(p, "media_url", &c.media_url) != 0)
		goto fail;
	if (id == NULL) {
		open311_error(
		    p->req, p->fmt, 400, "service_request_id: required");
		goto fail;
	}
	if (strlen(id) > 15 || strspn(id, "0123456789") != strlen(id) ||
	    *id == '0') {
		open311_error(
		    p->req, p->fmt, 404, "service_request_id: no such request");
		goto fail;
	}
	if (c.text == NULL && c.media_url == NULL) {
		open311_error(p->req, p->fmt, 400, "description: required");
		goto fail;
	}
	if (at != NULL) {
		if (open311_date_parse(at, when, sizeof when) != 0) {
			open311_error(p->req, p->fmt, 400,
			    "updated_datetime: not a date and time such as "
			    "2026-07-01T09:00:00+09:00");
			goto fail;
		}
		c.client_at = when;
	}
	if (status != NULL) {
		/* FixMyStreet sends OPEN or CLOSED. */
		for (i = 0; status[i] != '\0' && i < sizeof status_l - 1; i++)
			status_l[i] = (char)tolower((unsigned char)status[i]);
		status_l[i] = '\0';
		c.status = status_l;
	}
	/*
	 * Names and e-mail are not kept: the comment is the resident's
	 * words for the dispatcher, and events hold no personal data.
	 */
	c.request_id = strtoll(id, NULL, 10);
	c.actor = p->actor;
	c.client = p->client;
	store_open311_comment(app->db, &c, post_comment_cb, p);
	return;
fail:
	open311_post_free(p);
}

void
open311_post_update(struct http_req *req, enum open311_format fmt)
{
	open311_post_start(req, fmt, post_update_keyed);
}

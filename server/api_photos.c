/*
 * Photos of a request: POST /api/v1/requests/{id}/photos takes one image
 * as the raw body (a phone call's follow-up e-mail, a counter scan; crews'
 * photos come through the agents' resumable upload), GET /api/v1/photos/
 * {sha256} gives it back. Stored by content hash before the database
 * hears of it, so a row never points at a missing file; a file this upload
 * made is removed again when its row fails (issue 10: no orphan files).
 * A crew user adds photos only to its own crew's requests (403
 * not_your_crew, checked before any file is written).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "api_routes.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "image.h"
#include "log.h"
#include "photos.h"
#include "store_requests.h"
#include "store_result.h"
#include "xmalloc.h"

#define PHOTOS_ROUTE_MAX (100 << 20) /* the route's cap; config decides */

/*
 * An upload on its way to its row: the file goes again if the row fails.
 * A crew user's (bound to its crew, issue 10) first has the request's crew
 * checked, before any file is written; the row is then added only while
 * that crew still holds the request.
 */
struct photo_post {
	struct http_req *req;
	const struct auth_user *user;
	long long id, crew;
	const char *body, *type;
	size_t len;
	char hex[65];
	int created;
};

static void
photo_post_free(struct photo_post *pp)
{
	http_req_unref(pp->req);
	free(pp);
}

static void
photo_added_cb(struct db_result *r, void *arg)
{
	struct photo_post *pp = arg;
	struct app *app = http_req_owner(pp->req);
	char what[64];

	if (store_request_photo_added(r))
		api_reply_text(pp->req, 201, store_result_text(r->res));
	else {
		/* No such request, or the database failed: no orphan file. */
		if (pp->created)
			photos_discard(app->cfg->photo_dir, pp->hex);
		if (r->status == DB_OK && pp->crew > 0) {
			/* Handed to another crew since the check. */
			snprintf(what, sizeof what, "request %lld", pp->id);
			(void)api_crew_refused(pp->req, pp->user, 0, what);
		} else
			api_reply_row(pp->req, r, "request");
	}
	photo_post_free(pp);
}

static void
photo_store(struct photo_post *pp)
{
	struct app *app = http_req_owner(pp->req);

	if (photos_store(app->cfg->photo_dir, pp->body, pp->len, pp->hex,
	        &pp->created) != 0) {
		api_error(
		    pp->req, 500, "internal", NULL, "cannot store the photo");
		photo_post_free(pp);
		return;
	}
	store_request_photo_add(app->db, pp->id, pp->hex, pp->len, pp->type,
	    pp->user->name, pp->crew, photo_added_cb, pp);
}

static void
photo_crew_cb(struct db_result *r, void *arg)
{
	struct photo_post *pp = arg;
	long long crew_id;
	char what[64];

	if (http_req_done(pp->req))
		photo_post_free(pp);
	else if (r->status != DB_OK ||
	    !store_request_crew_row(r->res, &crew_id)) {
		api_reply_row(pp->req, r, "request");
		photo_post_free(pp);
	} else {
		snprintf(what, sizeof what, "request %lld", pp->id);
		if (api_crew_refused(pp->req, pp->user, crew_id, what))
			photo_post_free(pp);
		else
			photo_store(pp);
	}
}

static void
photo_post(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const struct auth_user *user = auth_user_of(req);
	struct photo_post *pp;
	const char *body, *type;
	long long id;
	size_t len;

	if (api_path_id(req, 0, &id) != 0)
		return;
	body = http_req_body(req, &len);
	if (len == 0) {
		api_error(req, 400, "missing_body", NULL,
		    "send the photo as the request body");
		return;
	}
	if (len > (size_t)app->cfg->photo_max_bytes) {
		api_error(req, 413, "photo_too_large", NULL,
		    "a photo may be at most %d bytes",
		    app->cfg->photo_max_bytes);
		return;
	}
	if ((type = image_sniff(body, len)) == NULL) {
		api_error(req, 415, "not_an_image", NULL,
		    "the body is not a JPEG, PNG or WebP image");
		return;
	}
	pp = xcalloc(1, sizeof *pp);
	pp->req = req;
	http_req_ref(req);
	pp->user = user;
	pp->id = id;
	pp->body = body;
	pp->len = len;
	pp->type = type;
	if (user->role & AUTH_STAFF) {
		photo_store(pp);
		return;
	}
	pp->crew = user->crew_id;
	store_request_crew(app->db, id, photo_crew_cb, pp);
}

static void
photo_get_cb(struct db_result *r, void *arg)
{
	struct http_req *req = arg;
	struct app *app = http_req_owner(req);
	const char *type;
	char *path;

	if (r->status != DB_OK)
		api_db_error(req, r, "photo.get");
	else if ((type = store_result_text(r->res)) == NULL)
		api_error(req, 404, "not_found", NULL, "no such photo");
	else {
		path = photos_path(app->cfg->photo_dir, http_req_param(req, 0));
		if (http_reply_file(
		        req, path, type, app->cfg->photo_max_bytes) != 0) {
			log_error("event=photo_missing sha256=%s",
			    http_req_param(req, 0));
			api_error(req, 500, "internal", NULL,
			    "the photo's file is missing");
		}
		free(path);
	}
	http_req_unref(req);
}

static void
photo_get(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	const char *hex = http_req_param(req, 0);
	char *path;

	if ((path = photos_path(app->cfg->photo_dir, hex)) == NULL) {
		api_error(req, 404, "not_found", NULL, "no such photo");
		return;
	}
	free(path);
	http_req_ref(req);
	store_photo_get(app->db, hex, photo_get_cb, req);
}

const struct http_route api_photos_routes[] = {
    {"requests.photos",
        EVHTTP_REQ_POST | HTTP_ROUTE_ROLES(AUTH_STAFF | AUTH_CREW),
        "/api/v1/requests/{}/photos", PHOTOS_ROUTE_MAX, 60000, photo_post,
        NULL},
    {"photos.get", EVHTTP_REQ_GET | HTTP_ROUTE_ROLES(AUTH_ANY),
        "/api/v1/photos/{}", 0, 0, photo_get, NULL},
    {0},
};

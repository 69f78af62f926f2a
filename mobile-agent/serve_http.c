/*
 * The screen's HTTP front: the Host header must name the loopback address
 * (no DNS rebinding) and every request must hold this start's token (in
 * the URL once, then an HttpOnly SameSite=Strict cookie); then /api/ goes
 * to screen.c, and the interface's files (compiled in), Leaflet's (from
 * the npm package) and the device's map tiles are served from here.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "serve_int.h"

static void
serve_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data: blob:; "
	    "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
}

static void
serve_refuse(struct evhttp_request *req, int code, const char *why)
{
	struct evbuffer *b = evbuffer_new();

	serve_headers(req, "text/html; charset=utf-8");
	evbuffer_add_printf(b,
	    "<!doctype html><html lang=ja><meta charset=utf-8>"
	    "<title>開けません</title><p>%s</p></html>\n",
	    why);
	evhttp_send_reply(req, code, "Forbidden", b);
	evbuffer_free(b);
}

/* The token in the cookie, or in ?t= (the first load): 1 when right. */
static int
serve_token_ok(struct serve *s, struct evhttp_request *req, int *from_url)
{
	const char *c, *p, *q;
	struct evkeyvalq args;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	size_t n = strlen(s->token);
	int ok = 0;

	*from_url = 0;
	c = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	for (p = c; p != NULL && (p = strstr(p, SERVE_COOKIE "=")) != NULL;
	     p++) {
		if (p != c && p[-1] != ' ' && p[-1] != ';')
			continue;
		p += strlen(SERVE_COOKIE "=");
		if (strcspn(p, "; ") == n && sodium_memcmp(p, s->token, n) == 0)
			return 1;
	}
	if ((q = evhttp_uri_get_query(u)) == NULL)
		return 0;
	memset(&args, 0, sizeof args);
	if (evhttp_parse_query_str(q, &args) == 0 &&
	    (p = evhttp_find_header(&args, "t")) != NULL && strlen(p) == n &&
	    sodium_memcmp(p, s->token, n) == 0) {
		ok = 1;
		*from_url = 1;
	}
	evhttp_clear_headers(&args);
	return ok;
}

static void
serve_ui(struct evhttp_request *req, const char *path)
{
	struct evbuffer *b;
	const struct ui_file *f;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (f = ui_files; f->path != NULL; f++) {
		if (strcmp(f->path, path) == 0)
			break;
	}
	if (f->path == NULL) {
		serve_refuse(req, 404, "ありません (not found)");
		return;
	}
	b = evbuffer_new();
	serve_headers(req, f->type);
	evbuffer_add_reference(b, f->data, f->len, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* Leaflet's own files, from the npm package: nothing else below it. */
static void
serve_leaflet(struct serve *s, struct evhttp_request *req, const char *name)
{
	static const char *const ok[] = {"leaflet.js", "leaflet.css",
	    "images/marker-icon.png", "images/marker-shadow.png",
	    "images/marker-icon-2x.png", "images/layers.png", NULL};
	struct evbuffer *b;
	const char *type;
	char *path;
	int fd, i;

	for (i = 0; ok[i] != NULL && strcmp(ok[i], name) != 0; i++)
		;
	if (ok[i] == NULL) {
		serve_refuse(req, 404, "ありません (not found)");
		return;
	}
	path = xasprintf("%s/%s", s->leaflet, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1) {
		serve_refuse(
		    req, 404, "地図の部品がありません (Leaflet missing)");
		return;
	}
	type = strstr(name, ".js") ? "text/javascript; charset=utf-8"
	    : strstr(name, ".css") ? "text/css; charset=utf-8"
	                           : "image/png";
	b = evbuffer_new();
	serve_headers(req, type);
	evbuffer_add_file(b, fd, 0, -1); /* takes fd */
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* GET /tiles/Z/X/Y.png: a map tile fetched by "tiles fetch", or 404. */
static void
serve_tile(struct serve *s, struct evhttp_request *req, const char *name)
{
	struct evbuffer *b;
	unsigned z, x, y;
	char *path;
	int fd, n = 0;

	if (sscanf(name, "%2u/%7u/%7u%n", &z, &x, &y, &n) != 3 ||
	    strcmp(name + n, ".png") != 0 || z > 19 || x >= (1u << z) ||
	    y >= (1u << z)) {
		serve_refuse(req, 404, "ありません (not found)");
		return;
	}
	path = xasprintf("%s/tiles/%u/%u/%u.png", s->a->dir, z, x, y);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1) {
		serve_refuse(req, 404, "この場所の地図は端末にありません");
		return;
	}
	b = evbuffer_new();
	serve_headers(req, "image/png");
	evbuffer_add_file(b, fd, 0, -1); /* takes fd */
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

void
serve_request_cb(struct evhttp_request *req, void *arg)
{
	struct serve *s = arg;
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = evhttp_uri_get_path(u), *host;
	char *cookie;
	int from_url;

	host =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	if (host == NULL || strcmp(host, s->host) != 0) {
		serve_refuse(req, 403,
		    "この画面は端末の中からだけ開けます (wrong host)");
		return;
	}
	if (!serve_token_ok(s, req, &from_url)) {
		serve_refuse(req, 403,
		    "合言葉がありません。patrol-agent serve が表示した URL "
		    "から開いてください (no token)");
		return;
	}
	if (path == NULL || *path == '\0')
		path = "/";
	if (from_url) {
		/* Once: the cookie, and a URL without the token. */
		cookie = xasprintf(SERVE_COOKIE "=%s; Path=/; HttpOnly; "
		                                "SameSite=Strict",
		    s->token);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Set-Cookie", cookie);
		free(cookie);
		evhttp_add_header(
		    evhttp_request_get_output_headers(req), "Location", path);
		serve_headers(req, "text/plain; charset=utf-8");
		evhttp_send_reply(req, 303, "See Other", NULL);
		return;
	}
	if (strncmp(path, "/api/", 5) == 0)
		screen_api(&s->screen, s->a, req, path + 4);
	else if (strncmp(path, "/vendor/leaflet/", 16) == 0)
		serve_leaflet(s, req, path + 16);
	else if (strncmp(path, "/tiles/", 7) == 0 &&
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET)
		serve_tile(s, req, path + 7);
	else if (evhttp_request_get_command(req) == EVHTTP_REQ_GET)
		serve_ui(req, path);
	else
		serve_refuse(req, 405, "method not allowed");
}

/*
 * The console's files, served from console_dir: "/" is index.html and
 * "/console/<file>" anything below it; "/vendor/leaflet/<file>" is
 * Leaflet's dist/ folder below vendor_dir (npm). Paths are checked before
 * any file is opened: no "..", no hidden files, a plain character set.
 * Every file goes with a Content-Security-Policy that allows scripts,
 * styles and connections to this server only, and images from here and
 * the map tile host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api_routes.h"
#include "app.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

#define STATIC_MAX_FILE (16 << 20)

static char *static_csp;

static const struct {
	const char *ext;
	const char *type;
} static_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"}, {".svg", "image/svg+xml"},
    {".png", "image/png"}, {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".map", "application/json; charset=utf-8"}, /* Leaflet's source maps */
};

static int
static_path_ok(const char *p)
{
	const char *c;

	if (*p == '\0' || strlen(p) > 200)
		return 0;
	for (c = p; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		        (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
		        *c == '-' || *c == '/'))
			return 0;
		/* Every segment must start with a plain character. */
		if ((c == p || c[-1] == '/') && (*c == '.' || *c == '/'))
			return 0;
	}
	return c[-1] != '/';
}

/*
 * The tile host as a CSP source: scheme and host of tile_url, with a
 * Leaflet "{s}" subdomain as a wildcard. config.c has refused URLs with
 * spaces, quotes, ';' or ','.
 */
static char *
static_tile_source(const char *url)
{
	const char *host, *end;
	char *src, *s;

	if (*url == '\0' || (host = strstr(url, "://")) == NULL)
		return xstrdup("");
	host += 3;
	end = host + strcspn(host, "/?#");
	src = xasprintf(" %.*s", (int)(end - url), url);
	if ((s = strstr(src, "{s}")) != NULL) {
		*s = '*';
		memmove(s + 1, s + 3, strlen(s + 3) + 1);
	}
	if (strchr(src, '{') != NULL) { /* another template in the host */
		free(src);
		return xstrdup("");
	}
	return src;
}

static void
static_serve_from(struct http_req *req, const char *dir, const char *rel)
{
	const char *type = NULL, *dot;
	size_t i;
	char *path;
	int rc;

	if (!static_path_ok(rel)) {
		http_reply_error(req, 404, "not_found", "no such file");
		return;
	}
	dot = strrchr(rel, '.');
	for (i = 0;
	     dot != NULL && i < sizeof static_types / sizeof static_types[0];
	     i++) {
		if (strcmp(dot, static_types[i].ext) == 0)
			type = static_types[i].type;
	}
	if (type == NULL) {
		http_reply_error(req, 404, "not_found", "no such file");
		return;
	}
	path = xasprintf("%s/%s", dir, rel);
	http_req_set_header(req, "Content-Security-Policy", static_csp);
	http_req_set_header(req, "Referrer-Policy", "same-origin");
	http_req_set_header(req, "X-Frame-Options", "DENY");
	rc = http_reply_file(req, path, type, STATIC_MAX_FILE);
	free(path);
	if (rc != 0)
		http_reply_error(req, 404, "not_found", "no such file");
}

static void
static_serve(struct http_req *req, const char *rel)
{
	struct app *app = http_req_owner(req);
	static_serve_from(req, app->cfg->console_dir, rel);
}

static void
static_vendor_leaflet(struct http_req *req)
{
	struct app *app = http_req_owner(req);
	char *dir = xasprintf("%s/leaflet/dist", app->cfg->vendor_dir);

	static_serve_from(req, dir, http_req_rest(req));
	free(dir);
}

static void
static_index(struct http_req *req)
{
	static_serve(req, "index.html");
}

static void
static_file(struct http_req *req)
{
	static_serve(req, http_req_rest(req));
}

const struct http_route static_routes[] = {
    {"console", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/", 0, 5000, static_index,
        NULL},
    {"console", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/console/*", 0, 5000,
        static_file, NULL},
    {"vendor", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/vendor/leaflet/*", 0, 5000,
        static_vendor_leaflet, NULL},
    {0},
};

void
static_start(struct app *a)
{
	char *tiles = static_tile_source(a->cfg->tile_url);
	free(static_csp);
	static_csp = xasprintf("default-src 'self'; script-src 'self'; "
	                       "style-src 'self'; img-src 'self' data:%s; "
	                       "connect-src 'self'; font-src 'self'; "
	                       "object-src 'none'; base-uri 'none'; "
	                       "form-action 'self'; frame-ancestors 'none'",
	    tiles);
	free(tiles);
}

void
static_unregister(void)
{
	free(static_csp);
	static_csp = NULL;
}

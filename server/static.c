/*
 * The console's files, served from console_dir: "/" is index.html and
 * "/console/<file>" anything below it. Paths are checked before any file
 * is opened: no "..", no hidden files, a plain character set.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "app.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

#define STATIC_MAX_FILE (16 << 20)

static struct app *static_app;

static const struct {
	const char *ext;
	const char *type;
} static_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
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

static void
static_serve(struct http_req *req, const char *rel)
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
	path = xasprintf("%s/%s", static_app->cfg->console_dir, rel);
	rc = http_reply_file(req, path, type, STATIC_MAX_FILE);
	free(path);
	if (rc != 0)
		http_reply_error(req, 404, "not_found", "no such file");
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

static const struct http_route static_routes[] = {
    {"console", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/", 0, 5000, static_index,
        NULL},
    {"console", EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, "/console/*", 0, 5000,
        static_file, NULL},
};

void
static_register(struct app *a)
{
	static_app = a;
	http_add_routes(a->http, static_routes,
	    sizeof static_routes / sizeof static_routes[0]);
}

/* Matching a request's path against the route tables. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "http_int.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

/*
 * Matches a raw path against a pattern; fills params with the "{}"
 * segments (still encoded). Returns 1 on a match.
 */
static int
http_match(const char *pat, const char *path, char **params, const char **rest)
{
	const char *seg;
	int n = 0;

	while (*pat != '\0') {
		if (pat[0] == '*' && pat[1] == '\0') {
			*rest = path;
			return 1;
		}
		if (pat[0] == '{' && pat[1] == '}') {
			seg = path;
			while (*path != '/' && *path != '\0')
				path++;
			if (path == seg || n == HTTP_MAX_PARAMS)
				return 0;
			params[n++] = xstrndup(seg, (size_t)(path - seg));
			pat += 2;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return *path == '\0';
}

static void
http_params_clear(char **params)
{
	int i;

	for (i = 0; i < HTTP_MAX_PARAMS; i++) {
		free(params[i]);
		params[i] = NULL;
	}
}

/*
 * The first route for method and path (encoded); *allowed collects the
 * methods of every route the path matches. With keep not NULL the found
 * route's "{}" parameters go there (the caller frees them) and its rest
 * to *keep_rest.
 */
static const struct http_route *
http_route_walk(struct http_server *s, int method, const char *path,
    int *allowed, char **keep, const char **keep_rest)
{
	const struct http_route *rt;
	char *params[HTTP_MAX_PARAMS] = {0};
	const char *rest = NULL;
	int t;
	size_t i;

	*allowed = 0;
	for (t = 0; t < s->ntable; t++) {
		for (i = 0; i < s->ntables[t]; i++) {
			rt = &s->tables[t][i];
			if (!http_match(rt->path, path, params, &rest)) {
				http_params_clear(params);
				continue;
			}
			*allowed |= rt->methods;
			if ((rt->methods & method) != 0 && keep != NULL) {
				memcpy(keep, params, sizeof params);
				*keep_rest = rest;
				return rt;
			}
			http_params_clear(params);
			if ((rt->methods & method) != 0)
				return rt;
		}
	}
	return NULL;
}

const struct http_route *
http_route_find(struct http_server *s, struct http_req *r, int *allowed)
{
	return http_route_walk(s, (int)evhttp_request_get_command(r->ev),
	    r->path, allowed, r->params, &r->rest);
}

/* The route for method and path (encoded), for the gate. */
const struct http_route *
http_route_lookup(
    struct http_server *s, int method, const char *path, int *allowed)
{
	return http_route_walk(s, method, path, allowed, NULL, NULL);
}

/* 1 when every '%' starts a two-digit hex escape (evhttp keeps "%zz"). */
static int
http_escapes_valid(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s != '%')
			continue;
		if (!isxdigit((unsigned char)s[1]) ||
		    !isxdigit((unsigned char)s[2]))
			return 0;
		s += 2;
	}
	return 1;
}

int
http_route_decode(struct http_req *r)
{
	size_t len;
	char *d;
	int i;

	for (i = 0; i < HTTP_MAX_PARAMS && r->params[i] != NULL; i++) {
		if (!http_escapes_valid(r->params[i]))
			return -1;
		d = evhttp_uridecode(r->params[i], 0, &len);
		if (d == NULL)
			return -1;
		if (strlen(d) != len) { /* %00 inside */
			free(d);
			return -1;
		}
		free(r->params[i]);
		r->params[i] = d;
	}
	return 0;
}

/* A request: its lifetime (references) and what handlers read from it. */
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

double
http_elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void
http_req_free(struct http_req *r)
{
	int i;

	if (r->entered && r->srv->hooks.done != NULL)
		r->srv->hooks.done(r->hook_word, r->srv->hooks.arg);
	if (r->ev_deadline != NULL)
		event_free(r->ev_deadline);
	for (i = 0; i < HTTP_MAX_PARAMS; i++)
		free(r->params[i]);
	if (r->query_parsed)
		evhttp_clear_headers(&r->query);
	free(r->path);
	if (r->body_mapped)
		munmap(r->body, r->body_len + 1);
	else
		free(r->body);
	free(r->user);
	free(r);
}

void
http_req_ref(struct http_req *r)
{
	r->refs++;
}

void
http_req_unref(struct http_req *r)
{
	if (--r->refs > 0)
		return;
	if (!r->replied) {
		/* A handler that forgot to answer is a bug; never hang. */
		log_error("event=http_no_reply route=%s", r->route_name);
		http_reply_error(r, 500, "internal", "no reply was produced");
	}
	http_req_free(r);
}

void
http_req_on_reply(struct http_req *r, http_reply_hook hook, void *arg)
{
	r->on_reply = hook;
	r->reply_arg = arg;
}

int
http_req_done(struct http_req *r)
{
	return r->replied;
}

enum evhttp_cmd_type
http_req_method(struct http_req *r)
{
	return evhttp_request_get_command(r->ev);
}

const char *
http_req_path(struct http_req *r)
{
	return r->path;
}

const char *
http_req_param(struct http_req *r, int n)
{
	return n >= 0 && n < HTTP_MAX_PARAMS ? r->params[n] : NULL;
}

const char *
http_req_rest(struct http_req *r)
{
	return r->rest;
}

const char *
http_req_query(struct http_req *r, const char *key)
{
	const char *q;

	if (!r->query_parsed) {
		TAILQ_INIT(&r->query);
		r->query_parsed = 1;
		q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->ev));
		if (q != NULL && evhttp_parse_query_str(q, &r->query) != 0)
			evhttp_clear_headers(&r->query);
	}
	return evhttp_find_header(&r->query, key);
}

const char *
http_req_header(struct http_req *r, const char *key)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), key);
}

const char *
http_req_peer(struct http_req *r)
{
	struct evhttp_connection *evcon;
	char *addr = NULL;
	ev_uint16_t port;

	if (r->ev == NULL ||
	    (evcon = evhttp_request_get_connection(r->ev)) == NULL)
		return "";
	evhttp_connection_get_peer(evcon, &addr, &port);
	return addr != NULL ? addr : "";
}

const char *
http_req_body(struct http_req *r, size_t *len)
{
	if (len != NULL)
		*len = r->body_len;
	return r->body;
}

http_handler
http_req_handler(struct http_req *r)
{
	return r->route->handler;
}

void
http_req_set_user(struct http_req *r, void *user)
{
	free(r->user);
	r->user = user;
}

const void *
http_req_user(struct http_req *r)
{
	return r->user;
}

void *
http_req_route_arg(struct http_req *r)
{
	return r->route->arg;
}

void *
http_req_owner(struct http_req *r)
{
	return r->owner;
}

void
http_req_set_header(struct http_req *r, const char *key, const char *value)
{
	if (r->ev != NULL)
		evhttp_add_header(
		    evhttp_request_get_output_headers(r->ev), key, value);
}

const char *
http_req_route_name(struct http_req *r)
{
	return r->route_name;
}

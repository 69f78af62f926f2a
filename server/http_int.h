/*
 * The HTTP server's private parts, shared by its files (not for handlers:
 * they use http.h). http.c: the server, its listeners, the gate's
 * admission and the request's way to its handler; http_req.c: a
 * request's lifetime and what handlers read from it; http_route.c:
 * matching a path against the route tables; http_reply.c: replies,
 * error bodies and streams.
 */
#ifndef PATROL_HTTP_INT_H
#define PATROL_HTTP_INT_H

#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "http_gate.h"

#define HTTP_MAX_LISTENERS 4
#define HTTP_DRAIN_WRITE_S 2

struct http_server {
	struct event_base *base;
	struct evhttp *evh;
	struct http_config cfg;
	const struct http_route *tables[32];
	size_t ntables[32];
	int ntable;
	struct evhttp_bound_socket *socks[HTTP_MAX_LISTENERS];
	int nsocks;
	int port;
	struct http_gate *gate;
	struct bufferevent *(*bevcb)(struct event_base *, void *);
	void *bevcb_arg;
	char *hsts; /* Strict-Transport-Security value, or NULL */
	int in_flight;
	int writing; /* replies handed to evhttp, not yet fully sent */
	int draining;
	TAILQ_HEAD(, http_req) streams;
	void (*drain_done)(void *);
	void *drain_arg;
	struct event *ev_drain;
	struct http_hooks hooks;
};

struct http_req {
	struct http_server *srv;
	/* srv's owner, copied: a callback may outlive the server. */
	void *owner;
	struct evhttp_request *ev;
	const struct http_route *route;
	const char *route_name;
	struct timespec start;
	int refs;
	int replied;
	int entered; /* hooks.enter ran: hooks.done runs at the end */
	unsigned long long hook_word; /* what enter returned, for done */
	struct event *ev_deadline;
	char *path;
	char *params[HTTP_MAX_PARAMS];
	const char *rest;
	struct evkeyvalq query;
	int query_parsed;
	char *body;
	size_t body_len;
	int body_mapped; /* body is a map of a spool file */
	/* Streaming replies only. */
	int streaming;
	http_stream_close_cb on_close;
	void *close_arg;
	struct http_gate_conn *gate; /* tells us when the client goes */
	TAILQ_ENTRY(http_req) stream_entry;
	http_reply_hook on_reply;
	void *reply_arg;
	/* The reply on_reply holds until http_reply_release. */
	int held_code;
	char *held_type; /* NULL: none */
	struct evbuffer *held_body;
	void *user; /* the guard's caller (http_req_set_user) */
};

/* http.c */
/* Ends the drain when nothing is in flight and every reply is written. */
void http_drain_check(struct http_server *);

/* http_req.c */
/* Seconds since start (CLOCK_MONOTONIC). */
double http_elapsed(const struct timespec *start);

/* http_route.c */
/*
 * The route for r's method and path; fills r's params (still encoded) and
 * rest. NULL when none: *allowed has the methods the path would take.
 */
const struct http_route *http_route_find(
    struct http_server *, struct http_req *, int *allowed);
/* The same for a method and an encoded path (the gate asks), no params. */
const struct http_route *http_route_lookup(
    struct http_server *, int method, const char *path, int *allowed);
/* Decodes r's params in place: -1 on a bad escape or %00. */
int http_route_decode(struct http_req *);

#endif

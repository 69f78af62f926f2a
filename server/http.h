/*
 * HTTP: evhttp with a route table. Every route has a body size limit and a
 * deadline; every reply goes through http_reply(), which also feeds the
 * metrics and the in-flight count used to drain on shutdown.
 *
 * A request (struct http_req) lives until it has been answered and every
 * reference is dropped. A handler that answers later (after a database
 * round trip) takes a reference with http_req_ref() and drops it in its
 * callback with http_req_unref(). Only the first reply counts: after a
 * deadline 504, a late reply is dropped quietly.
 */
#ifndef PATROL_HTTP_H
#define PATROL_HTTP_H

#include <stddef.h>

#include <event2/http.h>

#include "compiler.h"

struct event_base;
struct evbuffer;
struct http_server;
struct http_req;

typedef void (*http_handler)(struct http_req *);

#define HTTP_MAX_PARAMS 4

struct http_route {
	const char *name; /* metrics label */
	int methods;      /* EVHTTP_REQ_GET | ... */
	/*
	 * Exact path; "{}" matches one segment (see http_req_param); a final
	 * "*" matches any rest (see http_req_rest).
	 */
	const char *path;
	size_t max_body;
	int timeout_ms; /* 0: the default deadline; -1: none (streams) */
	http_handler handler;
	void *arg; /* for the handler: http_req_route_arg() */
};

/*
 * Flags or-ed into http_route.methods (above every EVHTTP_REQ_*). Without
 * HTTP_ROUTE_PUBLIC or HTTP_ROUTE_KEYED, a request with a body must carry
 * credentials of a well-formed shape (http_config.credentials) or it is
 * answered 401 from its head, before its body is read. HTTP_ROUTE_KEYED
 * (Open311 POSTs): the key may be in the body, as the spec has it, so the
 * body is read first; a large one goes to the spool on disk, never to
 * memory, within http_spool_max_mb.
 */
#define HTTP_ROUTE_PUBLIC (1 << 24)
#define HTTP_ROUTE_KEYED  (1 << 25)
/*
 * The roles (role.h's five bits) a route needs, or-ed into methods too:
 * only callers with one of them reach the handler; http_config.guard
 * checks them first and answers 401/403 itself (issue 12: roles in the
 * route table, not in a wrapper in each file).
 */
#define HTTP_ROUTE_ROLES_SHIFT  26
#define HTTP_ROUTE_ROLES(roles) ((roles) << HTTP_ROUTE_ROLES_SHIFT)
#define HTTP_ROUTE_ROLES_OF(methods)                                           \
	(((methods) >> HTTP_ROUTE_ROLES_SHIFT) & 0x1f)

struct http_config {
	int timeout_s; /* connection read/write timeout */
	size_t max_body;
	/* The gate (http_gate.h): caps, deadlines, the spool. */
	int max_connections;
	int max_per_address;
	int header_timeout_s;
	int request_timeout_s;
	int body_min_rate;
	size_t spool_max;
	const char *spool_dir;
	/* 1 when the headers hold credentials worth a look (auth.c). */
	int (*credentials)(const char *authorization, const char *cookie);
	/*
	 * For routes with roles: authenticates, keeps the caller on the
	 * request (http_req_set_user) and calls http_req_handler(req)(req), or
	 * answers 401/403 itself (auth_guard). Without one such routes get 500.
	 */
	void (*guard)(struct http_req *, int roles, void *arg);
	void *guard_arg;
	/*
	 * What the handlers serve (patrold: its struct app), handed to each
	 * through http_req_owner(): handlers find their owner through the
	 * request, not through file-level globals (issue 12 item 5).
	 */
	void *owner;
};

struct http_server *http_new(struct event_base *, const struct http_config *);
void http_free(struct http_server *);
/* Binds and listens; port 0 takes any free port. -1 with *cause. */
PATROL_MUSTCHECK int http_listen(
    struct http_server *, const char *address, int port, char **cause);
/* The port actually bound by the last http_listen. */
int http_port(struct http_server *);
/*
 * HTTPS (issue 4): cb makes each new connection's bufferevent, e.g. a TLS
 * one (tls.c). Call before http_listen.
 */
struct bufferevent;
void http_set_bevcb(struct http_server *,
    struct bufferevent *(*cb)(struct event_base *, void *), void *arg);
/*
 * With HTTPS: every reply carries Strict-Transport-Security: max-age=N
 * (0: none).
 */
void http_set_hsts(struct http_server *, int max_age_s);
/* Adds routes; the table must outlive the server. */
void http_add_routes(struct http_server *, const struct http_route *, size_t);
/* The same for a table that ends with a row whose name is NULL. */
void http_add_route_list(struct http_server *, const struct http_route *);

/*
 * Called around every routed request (issue 19: which database serves it):
 * enter just before its handler runs, leave when the handler returns, done
 * when the request is over (answered). enter and done go together.
 */
struct http_hooks {
	/* Its return value is given to done (the request is gone by then). */
	unsigned long long (*enter)(struct http_req *, void *);
	void (*leave)(struct http_req *, void *);
	void (*done)(unsigned long long, void *);
	void *arg;
};
void http_set_hooks(struct http_server *, const struct http_hooks *);
/* The route's name (metrics label), or NULL before it is routed. */
const char *http_req_route_name(struct http_req *);
/*
 * Stops accepting connections and answers new requests on open ones with
 * 503; calls done(arg) once no request is in flight (maybe at once).
 */
void http_drain(struct http_server *, void (*done)(void *), void *arg);
int http_in_flight(struct http_server *);

void http_req_ref(struct http_req *);
void http_req_unref(struct http_req *);
/* 1 once the request has been answered (or timed out). */
int http_req_done(struct http_req *);
enum evhttp_cmd_type http_req_method(struct http_req *);
const char *http_req_path(struct http_req *);
/* The n-th "{}" segment of the route, percent-decoded. */
const char *http_req_param(struct http_req *, int n);
/* What the route's final "*" matched (no leading '/'). */
const char *http_req_rest(struct http_req *);
/* A decoded query-string parameter, or NULL. */
const char *http_req_query(struct http_req *, const char *key);
const char *http_req_header(struct http_req *, const char *key);
/* The client's address as text ("127.0.0.1", "::1"), or "" if unknown. */
const char *http_req_peer(struct http_req *);
/*
 * The request body (NUL-terminated, kept with the request): in memory up
 * to HTTP_GATE_MEM_BODY bytes, else a read-only map of its spool file.
 */
const char *http_req_body(struct http_req *, size_t *len);
void *http_req_route_arg(struct http_req *);
/*
 * http_config.owner of the server the request came to; still valid in a
 * callback that holds the request after http_free().
 */
void *http_req_owner(struct http_req *);
/* The route's handler (for the guard to call once it let the caller in). */
http_handler http_req_handler(struct http_req *);
/* Keeps the authenticated caller (malloc'd; freed with the request). */
void http_req_set_user(struct http_req *, void *user);
/* What http_req_set_user kept, or NULL. */
const void *http_req_user(struct http_req *);
void http_req_set_header(struct http_req *, const char *key, const char *value);

/*
 * Called once, instead of sending the reply, with its status, content
 * type (may be NULL) and body (may be NULL; read it, do not drain it). The
 * reply is held, unseen by the client, until the hook (at once or from a
 * later callback) calls http_reply_release: what the hook records about
 * the answer is recorded before anyone can act on it. One hook per
 * request; for the idempotency store (idempotency.c).
 */
typedef void (*http_reply_hook)(struct http_req *, int status,
    const char *content_type, struct evbuffer *body, void *arg);
void http_req_on_reply(struct http_req *, http_reply_hook, void *arg);
/* Sends the reply the hook holds; the request may be gone on return. */
void http_reply_release(struct http_req *);

/* Answers with body (may be NULL); the buffer's contents are taken. */
void http_reply(struct http_req *, int code, const char *content_type,
    struct evbuffer *body);
/*
 * Answers 200 with a regular file of at most max bytes, sent from the
 * kernel's page cache. -1 (nothing sent) when it cannot be opened, is not
 * a regular file or is larger: the caller answers that its own way.
 */
PATROL_MUSTCHECK int http_reply_file(
    struct http_req *, const char *path, const char *content_type, long max);
void http_reply_text(
    struct http_req *, int code, const char *content_type, const char *text);
/*
 * The one shape of every error body, built here and nowhere else (the
 * JSON API's api_error and the HTTP layer's http_reply_error use it):
 *   {"error":{"code":CODE,"message":...[,"field":FIELD][,extra...]}}
 * code is a stable word (e.g. "invalid_lat"); message names the problem
 * for a person and may quote client input: if it is not UTF-8 it is
 * replaced by a note saying so. field (NULL: none) names the member at
 * fault. extra (NULL: none) is an object whose members are added, e.g.
 * "current_state" for a refused action; its reference is stolen. Returns a
 * new reference (never NULL).
 */
struct json_t *http_error_body(const char *code, const char *field,
    const char *message, struct json_t *extra);
/* Answers http_error_body(code, NULL, message, NULL). */
void http_reply_error(struct http_req *, int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Streaming replies (Server-Sent Events): http_stream_start sends the
 * status and headers; http_stream_send writes a chunk. The stream ends by
 * http_stream_end, by the client going away, or by a drain; in every case
 * on_close(req, arg) runs exactly once, and the request must not be used
 * after it returns. A stream route should have timeout_ms -1 (no deadline).
 */
typedef void (*http_stream_close_cb)(struct http_req *, void *);
void http_stream_start(struct http_req *, const char *content_type,
    http_stream_close_cb, void *arg);
/*
 * -1 once the stream is closed. Not a result to act on: on_close has run
 * (or runs) for that, so it is not PATROL_MUSTCHECK.
 */
int http_stream_send(struct http_req *, const char *data, size_t len);
/*
 * Ends a stream by closing its connection at once, whatever is still
 * unsent (a client that stopped reading); on_close runs as for the rest.
 */
void http_stream_abort(struct http_req *);
/* Bytes sent on the stream that the client has not taken yet. */
size_t http_stream_pending(struct http_req *);
void http_stream_end(struct http_req *);

/*
 * Adds s to b as HTML text: < > & " ' escaped; with br, newlines as <br>.
 * NULL adds nothing.
 */
void http_html_escape(struct evbuffer *, const char *s, int br);

/* log_libevent.c: routes libevent's internal messages into the log. */
void log_route_libevent(void);

#endif

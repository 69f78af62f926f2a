/*
 * The gate in front of evhttp (issue 10): every connection's bytes are
 * taken out of its input buffer as the socket adds them (an evbuffer
 * callback runs before evhttp's read callback); the gate reads a
 * request's head itself and has it judged
 * (route, method, body limit, credentials) before a byte of its body is
 * kept. evhttp only ever sees whole requests:
 *
 *  - a body up to HTTP_GATE_MEM_BODY bytes is held in the connection's
 *    input buffer until it is complete, then handed over with its head;
 *  - a larger body is written to an unlinked temporary file as it comes
 *    (the spool); evhttp gets the head with "Content-Length: 0" and the
 *    request takes the file (http_gate_body_take);
 *  - a refused request (404/405 from the head alone, or 401, 408, 411,
 *    413, 431, 503 from the gate) reaches evhttp as a head without a body,
 *    which http.c answers with the gate's verdict; the rest of what the
 *    client sends is read and thrown away (so a client that sends its
 *    body before reading sees the answer, not a reset) and the connection
 *    is closed when that body is over or 2 s after the refusal.
 *
 * The gate also keeps the connection caps (total and per address), the
 * whole-request deadline and the minimum body rate, and its own counts of
 * what it refused. Internal to http.c.
 */
#ifndef PATROL_HTTP_GATE_H
#define PATROL_HTTP_GATE_H

#include <stddef.h>

struct bufferevent;
struct event_base;
struct http_gate;
struct http_gate_conn;
struct evhttp_connection;

/* Bodies up to this size stay in memory; larger ones go to the spool. */
#define HTTP_GATE_MEM_BODY (64 * 1024)
/* A request head (request line and headers) is at most this long. */
#define HTTP_GATE_HEAD_MAX (32 * 1024)

/* What the gate learnt from a request's head. */
struct http_gate_head {
	int method;        /* EVHTTP_REQ_*, 0 when not one of ours */
	const char *path;  /* the target's path, still percent-encoded */
	const char *query; /* after '?', or NULL */
	long long content_length;
	const char *authorization; /* header values, or NULL */
	const char *cookie;
};

enum http_gate_action {
	HTTP_GATE_PASS,  /* read the body (memory or spool) and hand it over */
	HTTP_GATE_CLOSE, /* hand over the head only; http.c answers; close */
	HTTP_GATE_REFUSE /* answer status/code/message; close */
};

struct http_gate_verdict {
	enum http_gate_action action;
	size_t max_body; /* PASS: the route's limit */
	int status;
	const char *code;
	char message[200];
};

/* http.c's judgement of a head; fills v. */
typedef void (*http_gate_judge_cb)(
    const struct http_gate_head *, struct http_gate_verdict *v, void *arg);

struct http_gate_config {
	int max_connections;
	int max_per_address;
	int header_timeout_s;  /* a head must be complete within this */
	int request_timeout_s; /* head and body, whatever the rate */
	int body_min_rate;     /* bytes/s over the body, after a grace */
	size_t spool_max;      /* bytes of bodies on disk at once */
	const char *spool_dir;
};

struct http_gate *http_gate_new(struct event_base *,
    const struct http_gate_config *, http_gate_judge_cb, void *arg);
void http_gate_free(struct http_gate *);
/*
 * Puts the gate on a new connection's bufferevent (from evhttp's bevcb):
 * it watches the input buffer, and learns of the connection's end through
 * evhttp's close callback, which is therefore the gate's alone (see
 * http_gate_on_close).
 */
void http_gate_watch(struct http_gate *, struct bufferevent *);
/* The gate's state of an evhttp connection, or NULL. */
struct http_gate_conn *http_gate_conn_of(
    struct http_gate *, struct evhttp_connection *);
/* cb(arg) runs when the connection goes (once; NULL to clear). */
void http_gate_on_close(struct http_gate_conn *, void (*cb)(void *), void *);
/*
 * Called once per request evhttp hands to http.c, in order. Returns 1 with
 * the verdict when the gate refused this request; 0 otherwise.
 */
int http_gate_next(struct http_gate_conn *, const struct http_gate_verdict **);
/*
 * The spooled body of the request just announced by http_gate_next: 0 with
 * an open file (positioned at 0, len bytes, then one NUL byte) that the
 * caller now owns; -1 when the body was not spooled.
 */
int http_gate_body_take(struct http_gate_conn *, int *fd, size_t *len);
/* Bytes written and not yet taken by the client (ours and the kernel's). */
size_t http_gate_pending(struct bufferevent *);
/* Connections open now. */
int http_gate_connections(struct http_gate *);

#endif

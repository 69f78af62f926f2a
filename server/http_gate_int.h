/*
 * The gate's private parts, shared by its files (http.c uses http_gate.h).
 * http_gate.c: connections, their caps and timers, handing bytes to
 * evhttp, refusals; http_gate_head.c: reading an HTTP/1.1 head;
 * http_gate_body.c: what a judged head leads to (a body in memory, one
 * spooled to a file, or a refusal).
 */
#ifndef PATROL_HTTP_GATE_INT_H
#define PATROL_HTTP_GATE_INT_H

#include <arpa/inet.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "http_gate.h"

enum gate_state {
	GATE_HEAD,    /* waiting for a head */
	GATE_BODY,    /* head judged; waiting for a small body in memory */
	GATE_SPOOL,   /* writing a large body to the spool */
	GATE_DISCARD, /* refused: everything else is thrown away */
};

struct http_gate {
	struct event_base *base;
	struct http_gate_config cfg;
	char *spool_dir;
	http_gate_judge_cb judge;
	void *judge_arg;
	int nconn;
	size_t spooled; /* bytes reserved by spooling bodies */
	TAILQ_HEAD(, http_gate_conn) conns;
};

struct http_gate_conn {
	struct http_gate *g;
	struct bufferevent *bev; /* evhttp's */
	struct evhttp_connection *evcon;
	struct evbuffer *hold; /* what the client sent, not handed over yet */
	int busy;              /* moving bytes: ignore our own buffer events */
	int paused;            /* evhttp has enough to chew on */
	void (*on_close)(void *);
	void *on_close_arg;
	char addr[INET6_ADDRSTRLEN];
	int admitted; /* the caps were checked */
	enum gate_state state;
	int reading; /* a request has begun and is not handed over */
	struct timespec start, body_start;
	size_t head_len;
	size_t body_len; /* of the request being read */
	size_t body_got;
	/* The spool of the request being read. */
	int spool_fd;
	size_t spool_reserved;
	char *spool_head; /* the head handed over when the body is in */
	size_t spool_head_len;
	/* The spooled body of request number ready_seq, until taken. */
	int ready_fd;
	size_t ready_len;
	size_t ready_reserved;
	unsigned ready_seq;
	/* A refusal, answered as request number refusal_seq. */
	int refused;
	unsigned refusal_seq;
	struct http_gate_verdict refusal;
	unsigned handed;   /* requests handed to evhttp */
	unsigned seen;     /* requests http.c has been told about */
	unsigned seen_now; /* the number of the request told last */
	struct event *ev_tick;
	struct event *ev_adopt;
	struct event *ev_close;
	/* GATE_DISCARD: body bytes still to throw away, and since when. */
	size_t discard_left;
	struct timespec refused_at;
	TAILQ_ENTRY(http_gate_conn) entry;
};

/* http_gate.c */
/* Hands n bytes (from src, else from data) over to evhttp. */
void gate_hand(
    struct http_gate_conn *, struct evbuffer *src, size_t n, const void *data);
/* The request being read is over: its timer stops. */
void gate_request_over(struct http_gate_conn *);
/* Throws away what the client sent after a refusal. */
void gate_drop(struct http_gate_conn *, struct evbuffer *src);
/* From now on everything the client sends is thrown away. */
void gate_discard(struct http_gate_conn *);
/*
 * Refuses the request being read (or the connection): evhttp gets a head
 * that http.c answers with the refusal, and nothing else from this
 * connection.
 */
void gate_refuse(struct http_gate_conn *, int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void gate_refuse_verdict(
    struct http_gate_conn *, const struct http_gate_verdict *);

/* http_gate_head.c */
/*
 * Parses a head (NUL-terminated copy in buf, changed in place). 0, or -1
 * with *why. Leaves the flags the gate itself needs in *te and *expect.
 */
int gate_parse(
    char *buf, struct http_gate_head *, int *te, int *expect, const char **why);
/*
 * The head handed over instead of the client's (caller frees): the same
 * request line and headers without Content-Length, Transfer-Encoding,
 * Expect and Connection, then "Content-Length: 0" and, when close_after,
 * "Connection: close".
 */
char *gate_rewrite(
    const char *head, size_t len, int close_after, size_t *outlen);
/* The end of the head in src, or 0 when it is not all there. */
size_t gate_head_end(struct evbuffer *src);

/* http_gate_body.c */
/* A head is complete in src (head_len bytes): judge it and act. */
void gate_head(struct http_gate_conn *, struct evbuffer *src, size_t head_len);
/* Writes what src holds of the spooled body; hands it over when whole. */
void gate_spool(struct http_gate_conn *, struct evbuffer *src);
/* The spool of the request being read is closed and its room given back. */
void gate_spool_close(struct http_gate_conn *);

#endif

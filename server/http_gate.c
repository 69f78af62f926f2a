#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "http_gate_int.h"
#include "log.h"
#include "xmalloc.h"

#define GATE_TICK_S       1
#define GATE_RATE_GRACE_S 5
/*
 * After a refusal the rest of the body is read and thrown away, so the
 * client (which may be sending it before it reads) sees the answer rather
 * than a reset; the connection closes when the body is over, or this long
 * after the refusal, whichever comes first.
 */
#define GATE_LINGER_S 2
/* Whole requests handed to evhttp and not yet read by it, at most. */
#define GATE_HANDED_MAX (1024 * 1024)

static const char gate_refused_head[] =
    "GET /.refused HTTP/1.1\r\nHost: refused\r\n\r\n";

static double
gate_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/*
 * Hands bytes to evhttp (its input buffer). A socket bufferevent keeps
 * the end of its input frozen except while it reads: thaw it for us.
 */
void
gate_hand(
    struct http_gate_conn *c, struct evbuffer *src, size_t n, const void *data)
{
	struct evbuffer *dst = bufferevent_get_input(c->bev);
	int busy = c->busy, rc;

	c->busy = 1;
	rc = src != NULL ? evbuffer_remove_buffer(src, dst, n) < 0
	                 : evbuffer_add(dst, data, n);
	if (rc != 0) {
		evbuffer_unfreeze(dst, 0);
		if (src != NULL)
			evbuffer_remove_buffer(src, dst, n);
		else
			evbuffer_add(dst, data, n);
		evbuffer_freeze(dst, 0);
	}
	c->busy = busy;
}

void
gate_request_over(struct http_gate_conn *c)
{
	c->reading = 0;
	evtimer_del(c->ev_tick);
}

/* Throws away what the client sent after a refusal. */
void
gate_drop(struct http_gate_conn *c, struct evbuffer *src)
{
	size_t n = evbuffer_get_length(src);

	evbuffer_drain(src, n);
	if (n == 0)
		return;
	c->discard_left = n < c->discard_left ? c->discard_left - n : 0;
	if (c->discard_left == 0)
		event_active(c->ev_close, 0, 0);
}

/* From now on everything the client sends is thrown away. */
void
gate_discard(struct http_gate_conn *c)
{
	struct timeval tick = {GATE_TICK_S, 0};

	c->state = GATE_DISCARD;
	c->reading = 0;
	c->discard_left =
	    c->body_len > c->body_got ? c->body_len - c->body_got : 0;
	clock_gettime(CLOCK_MONOTONIC, &c->refused_at);
	evtimer_add(c->ev_tick, &tick);
	if (c->discard_left == 0)
		event_active(c->ev_close, 0, 0);
}

/*
 * Refuses the request being read (or the connection): evhttp gets a head
 * that http.c answers with v, and nothing else from this connection.
 */
void
gate_refuse(struct http_gate_conn *c, int status, const char *code,
    const char *fmt, ...)
{
	struct evbuffer *src = c->hold;
	va_list ap;

	if (c->state == GATE_DISCARD)
		return;
	c->refused = 1;
	c->refusal_seq = c->handed++;
	c->refusal.action = HTTP_GATE_REFUSE;
	c->refusal.status = status;
	c->refusal.code = code;
	va_start(ap, fmt);
	vsnprintf(c->refusal.message, sizeof c->refusal.message, fmt, ap);
	va_end(ap);
	log_info("event=http_refused status=%d code=%s", status, code);
	gate_spool_close(c);
	gate_discard(c);
	gate_hand(c, NULL, sizeof gate_refused_head - 1, gate_refused_head);
	gate_drop(c, src);
}

void
gate_refuse_verdict(struct http_gate_conn *c, const struct http_gate_verdict *v)
{
	gate_refuse(c, v->status, v->code, "%s", v->message);
}

/*
 * Closes a refused connection once its answer is out and its body is
 * over (or the linger is up). evhttp frees it; gate_closed_cb follows.
 */
static void
gate_close_check(struct http_gate_conn *c)
{
	double t = gate_since(&c->refused_at);
	size_t out = evbuffer_get_length(bufferevent_get_output(c->bev));

	/*
	 * Not before evhttp has passed the refusal on (and so answered every
	 * request before it): one may still be waiting for the database.
	 */
	if (c->evcon == NULL || c->seen != c->handed)
		return;
	if (out > 0 && t < GATE_LINGER_S + c->g->cfg.header_timeout_s)
		return; /* the answer is still being written */
	if (c->discard_left > 0 && t < GATE_LINGER_S)
		return;
	evhttp_connection_free(c->evcon); /* frees c */
}

static void
gate_close_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	gate_close_check(arg);
}

static void
gate_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_gate_conn *c = arg;
	struct http_gate *g = c->g;
	double t, tb;

	(void)fd;
	(void)ev;
	if (c->state == GATE_DISCARD) {
		gate_close_check(c);
		return;
	}
	if (!c->reading)
		return;
	t = gate_since(&c->start);
	if (c->state == GATE_HEAD && t > g->cfg.header_timeout_s)
		gate_refuse(c, 408, "request_timeout",
		    "the request head did not arrive within %d s",
		    g->cfg.header_timeout_s);
	else if (c->state != GATE_HEAD && t > g->cfg.request_timeout_s)
		gate_refuse(c, 408, "request_timeout",
		    "the request did not arrive within %d s",
		    g->cfg.request_timeout_s);
	else if (c->state != GATE_HEAD &&
	    (tb = gate_since(&c->body_start)) > GATE_RATE_GRACE_S &&
	    (double)c->body_got < tb * g->cfg.body_min_rate)
		gate_refuse(c, 408, "request_timeout",
		    "the request body came slower than %d bytes/s",
		    g->cfg.body_min_rate);
	else
		return;
	/* The refusal's head is in evhttp's buffer: have it read. */
	bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
}

/* Checks the caps when the connection's first byte comes. */
static void
gate_admit(struct http_gate_conn *c)
{
	struct http_gate *g = c->g;
	struct http_gate_conn *o;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	int same = 0;

	c->admitted = 1;
	if (fd != -1 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET,
			    &((struct sockaddr_in *)&ss)->sin_addr, c->addr,
			    sizeof c->addr);
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6,
			    &((struct sockaddr_in6 *)&ss)->sin6_addr, c->addr,
			    sizeof c->addr);
	}
	if (g->nconn > g->cfg.max_connections) {
		gate_refuse(c, 503, "too_many_connections",
		    "the server has %d connections open, its limit; try again "
		    "later",
		    g->cfg.max_connections);
		return;
	}
	if (c->addr[0] == '\0')
		return;
	TAILQ_FOREACH(o, &g->conns, entry)
	{
		if (o->admitted && strcmp(o->addr, c->addr) == 0)
			same++;
	}
	if (same > g->cfg.max_per_address)
		gate_refuse(c, 503, "too_many_connections",
		    "this address has %d connections open, the limit; close "
		    "some or try again later",
		    g->cfg.max_per_address);
}

/*
 * Moves what the client sent through the state machine: whole requests
 * go to evhttp's input (dst), the rest stays in c->hold or the spool.
 */
static void
gate_process(struct http_gate_conn *c)
{
	struct evbuffer *src = c->hold;
	struct evbuffer *dst = bufferevent_get_input(c->bev);
	struct timeval tick = {GATE_TICK_S, 0};
	size_t len, end;
	unsigned char *p;

	c->busy = 1;
	c->paused = 0;
	for (;;) {
		len = evbuffer_get_length(src);
		if (c->state == GATE_DISCARD) {
			gate_drop(c, src);
			break;
		}
		if (c->state == GATE_SPOOL) {
			gate_spool(c, src);
			if (c->state == GATE_SPOOL)
				break;
			continue;
		}
		if (c->state == GATE_BODY) {
			c->body_got = len - c->head_len;
			if (len < c->head_len + c->body_len)
				break;
			gate_hand(c, src, c->head_len + c->body_len, NULL);
			c->handed++;
			c->state = GATE_HEAD;
			gate_request_over(c);
			continue;
		}
		/* GATE_HEAD: blank lines between requests are allowed. */
		while (len > 0 && (p = evbuffer_pullup(src, 1)) != NULL &&
		    (*p == '\r' || *p == '\n')) {
			evbuffer_drain(src, 1);
			len--;
		}
		if (len == 0)
			break;
		/*
		 * evhttp has whole requests enough to chew on: stop reading
		 * until it has taken some (it reads again after each reply).
		 */
		if (evbuffer_get_length(dst) > GATE_HANDED_MAX) {
			c->paused = 1;
			bufferevent_disable(c->bev, EV_READ);
			break;
		}
		if (!c->reading) {
			c->reading = 1;
			clock_gettime(CLOCK_MONOTONIC, &c->start);
			evtimer_add(c->ev_tick, &tick);
		}
		/* The head's end not here yet: wait, unless it is too long. */
		if ((end = gate_head_end(src)) == 0 &&
		    len <= HTTP_GATE_HEAD_MAX)
			break;
		if (end == 0 || end > HTTP_GATE_HEAD_MAX) {
			gate_refuse(c, 431, "headers_too_large",
			    "the request head is over %d bytes",
			    HTTP_GATE_HEAD_MAX);
			continue;
		}
		gate_head(c, src, end);
	}
	c->busy = 0;
}

/*
 * Every change of the connection's input buffer. Bytes the socket just
 * added (at the end) are taken into c->hold before evhttp's read callback
 * runs; when evhttp takes requests out, a paused connection goes on.
 */
static void
gate_input_cb(
    struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct http_gate_conn *c = arg;
	struct evbuffer *tmp;
	size_t total, keep;

	if (c->busy)
		return;
	if (info->n_added > 0) {
		c->busy = 1;
		total = evbuffer_get_length(buf);
		keep = total - info->n_added;
		tmp = evbuffer_new();
		evbuffer_remove_buffer(buf, tmp, total);
		evbuffer_remove_buffer(tmp, buf, keep);
		evbuffer_add_buffer(c->hold, tmp);
		evbuffer_free(tmp);
		c->busy = 0;
		gate_process(c);
	} else if (c->paused && info->n_deleted > 0)
		gate_process(c);
}

/* When the connection is gone (evhttp's close callback). */
static void
gate_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_gate_conn *c = arg;
	struct http_gate *g = c->g;

	(void)evcon;
	if (c->on_close != NULL)
		c->on_close(c->on_close_arg);
	evbuffer_remove_cb(bufferevent_get_input(c->bev), gate_input_cb, c);
	gate_spool_close(c);
	if (c->ready_fd != -1) {
		close(c->ready_fd);
		g->spooled -= c->ready_reserved;
	}
	evbuffer_free(c->hold);
	event_free(c->ev_tick);
	event_free(c->ev_adopt);
	event_free(c->ev_close);
	TAILQ_REMOVE(&g->conns, c, entry);
	g->nconn--;
	free(c);
}

/*
 * Right after the accept: evhttp has made its connection by now (its
 * callbacks' argument); learn of its end, then check the caps.
 */
static void
gate_adopt_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_gate_conn *c = arg;
	void *evcon = NULL;

	(void)fd;
	(void)ev;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
	if (evcon == NULL) {
		log_warnx("event=http_gate_no_connection");
		return;
	}
	c->evcon = evcon;
	evhttp_connection_set_closecb(c->evcon, gate_closed_cb, c);
	gate_admit(c);
	if (c->state == GATE_DISCARD)
		bufferevent_trigger(
		    c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
}

struct http_gate *
http_gate_new(struct event_base *base, const struct http_gate_config *cfg,
    http_gate_judge_cb judge, void *arg)
{
	struct http_gate *g = xcalloc(1, sizeof *g);
	const char *dir = cfg->spool_dir;

	g->base = base;
	g->cfg = *cfg;
	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/var/tmp";
	g->spool_dir = xstrdup(dir);
	g->cfg.spool_dir = g->spool_dir;
	g->judge = judge;
	g->judge_arg = arg;
	TAILQ_INIT(&g->conns);
	return g;
}

void
http_gate_free(struct http_gate *g)
{
	if (g == NULL)
		return;
	free(g->spool_dir);
	free(g);
}

void
http_gate_watch(struct http_gate *g, struct bufferevent *bev)
{
	struct http_gate_conn *c = xcalloc(1, sizeof *c);

	c->g = g;
	c->bev = bev;
	c->hold = evbuffer_new();
	c->spool_fd = -1;
	c->ready_fd = -1;
	c->ev_tick = event_new(g->base, -1, EV_PERSIST, gate_tick_cb, c);
	c->ev_adopt = event_new(g->base, -1, 0, gate_adopt_cb, c);
	c->ev_close = event_new(g->base, -1, 0, gate_close_cb, c);
	evbuffer_add_cb(bufferevent_get_input(bev), gate_input_cb, c);
	TAILQ_INSERT_TAIL(&g->conns, c, entry);
	g->nconn++;
	event_active(c->ev_adopt, 0, 0);
}

struct http_gate_conn *
http_gate_conn_of(struct http_gate *g, struct evhttp_connection *evcon)
{
	struct http_gate_conn *c;

	TAILQ_FOREACH(c, &g->conns, entry)
	{
		if (c->evcon == evcon)
			return c;
	}
	return NULL;
}

void
http_gate_on_close(struct http_gate_conn *c, void (*cb)(void *), void *arg)
{
	c->on_close = cb;
	c->on_close_arg = arg;
}

int
http_gate_next(struct http_gate_conn *c, const struct http_gate_verdict **v)
{
	unsigned seq = c->seen++;

	c->seen_now = seq;
	if (c->refused && seq == c->refusal_seq) {
		*v = &c->refusal;
		return 1;
	}
	return 0;
}

int
http_gate_body_take(struct http_gate_conn *c, int *fd, size_t *len)
{
	if (c->ready_fd == -1 || c->ready_seq != c->seen_now)
		return -1;
	*fd = c->ready_fd;
	*len = c->ready_len;
	c->ready_fd = -1;
	c->g->spooled -= c->ready_reserved;
	c->ready_reserved = 0;
	return 0;
}

size_t
http_gate_pending(struct bufferevent *bev)
{
	evutil_socket_t fd = bufferevent_getfd(bev);
	size_t n = evbuffer_get_length(bufferevent_get_output(bev));
	int q;

	/* And what the kernel holds: a silent client fills that first. */
	if (fd != -1 && ioctl(fd, SIOCOUTQ, &q) == 0 && q > 0)
		n += (size_t)q;
	return n;
}

int
http_gate_connections(struct http_gate *g)
{
	return g->nconn;
}

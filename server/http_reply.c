/*
 * Replies: the one way an answer leaves (http_reply), files, text, the
 * one error body, and streamed replies.
 */
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
 * The headers every answer carries, a reply's or a stream's: its
 * Content-Type (NULL: none), Cache-Control no-store unless the route set
 * its own, nosniff, and HSTS when serving HTTPS. Returns the headers.
 */
static struct evkeyvalq *
http_reply_headers(struct http_req *r, const char *content_type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);

	if (content_type != NULL)
		evhttp_add_header(h, "Content-Type", content_type);
	if (evhttp_find_header(h, "Cache-Control") == NULL)
		evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (r->srv->hsts != NULL)
		evhttp_add_header(h, "Strict-Transport-Security", r->srv->hsts);
	return h;
}

/*
 * A reply is queued, not sent, when evhttp_send_reply returns: drain waits
 * until evhttp says the last byte went out. If the client dies mid-write
 * evhttp never says so; the drain timeout covers that.
 */
static void
http_sent_cb(struct evhttp_request *ev, void *arg)
{
	struct http_server *s = arg;

	(void)ev;
	s->writing--;
	http_drain_check(s);
}

static void
http_reply_send(struct http_req *r, int code, const char *content_type,
    struct evbuffer *body)
{
	struct evkeyvalq *h;
	double secs;

	h = http_reply_headers(r, content_type);
	if (r->srv->draining)
		evhttp_add_header(h, "Connection", "close");
	secs = http_elapsed(&r->start);
	metrics_http_observe(r->route_name, code, secs);
	log_debug("event=http route=%s method=%d status=%d ms=%.1f",
	    r->route_name, (int)evhttp_request_get_command(r->ev), code,
	    secs * 1000);
	if (evhttp_request_get_connection(r->ev) != NULL) {
		r->srv->writing++;
		evhttp_request_set_on_complete_cb(r->ev, http_sent_cb, r->srv);
	}
	evhttp_send_reply(r->ev, code, NULL, body);
	if (body != NULL)
		evbuffer_free(body);
	r->ev = NULL; /* evhttp owns (and may have freed) it now */
	r->srv->in_flight--;
	http_drain_check(r->srv);
}

void
http_reply(struct http_req *r, int code, const char *content_type,
    struct evbuffer *body)
{
	http_reply_hook hook = r->on_reply;

	if (r->replied) {
		if (body != NULL)
			evbuffer_free(body);
		return;
	}
	r->replied = 1;
	if (r->ev_deadline != NULL)
		event_del(r->ev_deadline);
	if (hook == NULL) {
		http_reply_send(r, code, content_type, body);
		return;
	}
	/* Held (and the request with it) until http_reply_release. */
	r->on_reply = NULL;
	r->held_code = code;
	r->held_type = content_type != NULL ? xstrdup(content_type) : NULL;
	r->held_body = body;
	r->refs++;
	hook(r, code, r->held_type, body, r->reply_arg);
}

void
http_reply_release(struct http_req *r)
{
	char *type = r->held_type;
	struct evbuffer *body = r->held_body;

	r->held_type = NULL;
	r->held_body = NULL;
	http_reply_send(r, r->held_code, type, body);
	free(type);
	http_req_unref(r);
}

int
http_reply_file(
    struct http_req *r, const char *path, const char *content_type, long max)
{
	struct evbuffer *b;
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > max) {
		close(fd);
		return -1;
	}
	b = evbuffer_new();
	/* evbuffer_add_file owns fd from here, on failure too. */
	if (evbuffer_add_file(b, fd, 0, st.st_size) != 0) {
		evbuffer_free(b);
		log_warnx("event=file_read_failed file=%s", log_q(path));
		http_reply_error(r, 500, "internal", "cannot read file");
		return 0;
	}
	http_req_set_header(r, "Cache-Control", "no-cache");
	http_reply(r, 200, content_type, b);
	return 0;
}

void
http_reply_text(
    struct http_req *r, int code, const char *content_type, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add(b, text, strlen(text));
	http_reply(r, code, content_type, b);
}

json_t *
http_error_body(
    const char *code, const char *field, const char *message, json_t *extra)
{
	json_t *e = json_object(), *m;

	json_object_set_new(e, "code", json_string(code));
	/* jansson refuses invalid UTF-8: messages may echo client input. */
	if ((m = json_stringn(message, strlen(message))) == NULL)
		m = json_string("(message not valid UTF-8)");
	json_object_set_new(e, "message", m);
	if (field != NULL && (m = json_string(field)) != NULL)
		json_object_set_new(e, "field", m);
	if (extra != NULL) {
		/* code, message and field stay as given. */
		json_object_update_missing(e, extra);
		json_decref(extra);
	}
	return json_pack("{s:o}", "error", e);
}

void
http_reply_error(
    struct http_req *r, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg, *s;
	json_t *j;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	j = http_error_body(code, NULL, msg, NULL);
	s = json_dumps(j, JSON_COMPACT);
	http_reply_text(r, status, "application/json; charset=utf-8", s);
	free(s);
	json_decref(j);
	free(msg);
}

/* The one way a stream finishes; on_close runs once, then the request goes. */
static void
http_stream_finish(struct http_req *r, int client_gone)
{
	struct http_server *s = r->srv;
	http_stream_close_cb cb = r->on_close;

	if (!r->streaming)
		return;
	r->streaming = 0;
	TAILQ_REMOVE(&s->streams, r, stream_entry);
	if (r->gate != NULL)
		http_gate_on_close(r->gate, NULL, NULL);
	r->gate = NULL;
	if (!client_gone && r->ev != NULL)
		evhttp_send_reply_end(r->ev);
	r->ev = NULL;
	s->in_flight--;
	metrics_http_observe(r->route_name, 200, http_elapsed(&r->start));
	if (cb != NULL)
		cb(r, r->close_arg);
	http_req_unref(r); /* the stream's own reference */
	http_drain_check(s);
}

static void
http_stream_closed_cb(void *arg)
{
	struct http_req *r = arg;

	/*
	 * A request still on the connection is freed with it right after
	 * this returns: leave it be. One evhttp detached on a failed write
	 * (no connection) is ours to free, which ending the reply does.
	 */
	if (r->ev != NULL && evhttp_request_get_connection(r->ev) == NULL)
		evhttp_send_reply_end(r->ev);
	http_stream_finish(r, 1);
}

void
http_stream_start(struct http_req *r, const char *content_type,
    http_stream_close_cb on_close, void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->ev);

	r->replied = 1;
	if (r->ev_deadline != NULL)
		event_del(r->ev_deadline);
	(void)http_reply_headers(r, content_type);
	r->streaming = 1;
	r->on_close = on_close;
	r->close_arg = arg;
	r->refs++;
	TAILQ_INSERT_TAIL(&r->srv->streams, r, stream_entry);
	if (evcon != NULL &&
	    (r->gate = http_gate_conn_of(r->srv->gate, evcon)) != NULL)
		http_gate_on_close(r->gate, http_stream_closed_cb, r);
	evhttp_send_reply_start(r->ev, 200, NULL);
}

int
http_stream_send(struct http_req *r, const char *data, size_t len)
{
	struct evbuffer *b;

	if (!r->streaming || r->ev == NULL)
		return -1;
	b = evbuffer_new();
	evbuffer_add(b, data, len);
	evhttp_send_reply_chunk(r->ev, b);
	evbuffer_free(b);
	return 0;
}

void
http_stream_abort(struct http_req *r)
{
	struct evhttp_connection *evcon;
	struct linger lg = {1, 0};
	evutil_socket_t fd;

	if (!r->streaming || r->ev == NULL ||
	    (evcon = evhttp_request_get_connection(r->ev)) == NULL) {
		http_stream_end(r);
		return;
	}
	/*
	 * Reset, not a polite close: the unsent rest would otherwise sit in
	 * the kernel for a client that reads nothing. The gate's close
	 * callback then finishes the stream (client gone).
	 */
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	if (fd != -1)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	evhttp_connection_free(evcon);
}

size_t
http_stream_pending(struct http_req *r)
{
	struct evhttp_connection *evcon;

	if (!r->streaming || r->ev == NULL ||
	    (evcon = evhttp_request_get_connection(r->ev)) == NULL)
		return 0;
	return http_gate_pending(evhttp_connection_get_bufferevent(evcon));
}

void
http_stream_end(struct http_req *r)
{
	http_stream_finish(r, 0);
}

void
http_html_escape(struct evbuffer *b, const char *s, int br)
{
	static const char *const entity[256] = {['<'] = "&lt;",
	    ['>'] = "&gt;",
	    ['&'] = "&amp;",
	    ['"'] = "&quot;",
	    ['\''] = "&#39;"};
	const char *e;

	for (; s != NULL && *s != '\0'; s++) {
		if ((e = entity[(unsigned char)*s]) != NULL)
			evbuffer_add(b, e, strlen(e));
		else if (*s == '\n' && br)
			evbuffer_add(b, "<br>", 4);
		else
			evbuffer_add(b, s, 1);
	}
}

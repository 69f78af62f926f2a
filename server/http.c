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

#include "http.h"
#include "http_gate.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

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
	void *user; /* the guard's caller (http_req_set_user) */
};

static double
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

static void
http_drain_check(struct http_server *s)
{
	struct timeval tv = {HTTP_DRAIN_WRITE_S, 0};

	if (!s->draining || s->in_flight != 0 || s->drain_done == NULL)
		return;
	if (s->writing == 0)
		event_active(s->ev_drain, 0, 0);
	else if (!evtimer_pending(s->ev_drain, NULL))
		/*
		 * Every answer is given; some are still being written. evhttp
		 * does not say when a client died mid-write, so wait for the
		 * bytes a little, not for the whole drain timeout.
		 */
		evtimer_add(s->ev_drain, &tv);
}

static void
http_drain_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_server *s = arg;
	void (*done)(void *) = s->drain_done;

	(void)fd;
	(void)ev;
	s->drain_done = NULL;
	if (done != NULL)
		done(s->drain_arg);
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

void
http_reply(struct http_req *r, int code, const char *content_type,
    struct evbuffer *body)
{
	struct evkeyvalq *h;
	double secs;

	if (r->replied) {
		if (body != NULL)
			evbuffer_free(body);
		return;
	}
	r->replied = 1;
	if (r->ev_deadline != NULL)
		event_del(r->ev_deadline);
	if (r->on_reply != NULL) {
		http_reply_hook hook = r->on_reply;

		r->on_reply = NULL;
		hook(r, code, content_type, body, r->reply_arg);
	}
	h = evhttp_request_get_output_headers(r->ev);
	if (content_type != NULL)
		evhttp_add_header(h, "Content-Type", content_type);
	if (evhttp_find_header(h, "Cache-Control") == NULL)
		evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (r->srv->hsts != NULL)
		evhttp_add_header(h, "Strict-Transport-Security", r->srv->hsts);
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

static const struct http_route *
http_find(struct http_server *s, struct http_req *r, int *allowed)
{
	const struct http_route *rt;
	char *params[HTTP_MAX_PARAMS] = {0};
	const char *rest = NULL;
	int t, method = (int)evhttp_request_get_command(r->ev);
	size_t i;

	*allowed = 0;
	for (t = 0; t < s->ntable; t++) {
		for (i = 0; i < s->ntables[t]; i++) {
			rt = &s->tables[t][i];
			if (!http_match(rt->path, r->path, params, &rest)) {
				http_params_clear(params);
				continue;
			}
			*allowed |= rt->methods;
			if ((rt->methods & method) == 0) {
				http_params_clear(params);
				continue;
			}
			memcpy(r->params, params, sizeof params);
			r->rest = rest;
			return rt;
		}
	}
	return NULL;
}

/* The route for method and path (encoded), for the gate. */
static const struct http_route *
http_lookup(struct http_server *s, int method, const char *path, int *allowed)
{
	const struct http_route *rt;
	char *params[HTTP_MAX_PARAMS] = {0};
	const char *rest = NULL;
	int t, hit;
	size_t i;

	*allowed = 0;
	for (t = 0; t < s->ntable; t++) {
		for (i = 0; i < s->ntables[t]; i++) {
			rt = &s->tables[t][i];
			hit = http_match(rt->path, path, params, &rest);
			http_params_clear(params);
			if (!hit)
				continue;
			*allowed |= rt->methods;
			if (rt->methods & method)
				return rt;
		}
	}
	return NULL;
}

/*
 * The gate's question: may this request's body be read? Decided from the
 * head alone, so nobody can make patrold hold a body it will refuse.
 */
static void
http_judge_cb(
    const struct http_gate_head *h, struct http_gate_verdict *v, void *arg)
{
	struct http_server *s = arg;
	const struct http_route *rt;
	size_t limit;
	int allowed;

	if (s->draining || h->method == 0 ||
	    (rt = http_lookup(s, h->method, h->path, &allowed)) == NULL) {
		/* 404, 405 or 503 from the head; the body is not wanted. */
		v->action = h->content_length > 0 || s->draining
		    ? HTTP_GATE_CLOSE
		    : HTTP_GATE_PASS;
		return;
	}
	limit = rt->max_body < s->cfg.max_body ? rt->max_body : s->cfg.max_body;
	v->action = HTTP_GATE_REFUSE;
	if ((unsigned long long)h->content_length > limit) {
		v->status = 413;
		v->code = "body_too_large";
		snprintf(v->message, sizeof v->message,
		    "request body of %lld bytes is over this resource's limit "
		    "of %zu bytes",
		    h->content_length, limit);
		return;
	}
	if (h->content_length > 0 && (rt->methods & HTTP_ROUTE_PUBLIC) == 0 &&
	    (rt->methods & HTTP_ROUTE_KEYED) == 0 &&
	    s->cfg.credentials != NULL &&
	    !s->cfg.credentials(h->authorization, h->cookie)) {
		v->status = 401;
		v->code = "unauthorized";
		snprintf(v->message, sizeof v->message,
		    "this resource needs an API token: send \"Authorization: "
		    "Bearer TOKEN\" (or the console's session) before the "
		    "body");
		return;
	}
	v->action = HTTP_GATE_PASS;
	v->max_body = limit;
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

static int
http_decode_params(struct http_req *r)
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

static void
http_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct http_req *r = arg;

	(void)fd;
	(void)ev;
	log_warnx("event=http_deadline route=%s", r->route_name);
	http_reply_error(
	    r, 504, "timeout", "the request took too long; try again");
}

static void
http_allow_header(struct http_req *r, int allowed)
{
	static const struct {
		int m;
		const char *name;
	} names[] = {{EVHTTP_REQ_GET, "GET"}, {EVHTTP_REQ_HEAD, "HEAD"},
	    {EVHTTP_REQ_POST, "POST"}, {EVHTTP_REQ_PUT, "PUT"},
	    {EVHTTP_REQ_PATCH, "PATCH"}, {EVHTTP_REQ_DELETE, "DELETE"}};
	char buf[64] = "";
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (allowed & names[i].m) {
			if (buf[0] != '\0')
				strcat(buf, ", ");
			strcat(buf, names[i].name);
		}
	}
	http_req_set_header(r, "Allow", buf);
}

static void
http_gen_cb(struct evhttp_request *ev, void *arg)
{
	struct http_server *s = arg;
	struct http_req *r = xcalloc(1, sizeof *r);
	struct evbuffer *in = evhttp_request_get_input_buffer(ev);
	struct evhttp_connection *evcon;
	struct http_gate_conn *gc = NULL;
	const struct http_gate_verdict *refusal;
	const char *path;
	struct timeval tv;
	int allowed, ms, fd;

	r->srv = s;
	r->owner = s->cfg.owner;
	r->ev = ev;
	r->refs = 1;
	r->route_name = "unmatched";
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	s->in_flight++;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(ev));
	r->path = xstrdup(path != NULL && *path != '\0' ? path : "/");
	if ((evcon = evhttp_request_get_connection(ev)) != NULL)
		gc = http_gate_conn_of(s->gate, evcon);
	if (gc != NULL && http_gate_next(gc, &refusal)) {
		r->route_name = "refused";
		if (refusal->status == 401)
			http_req_set_header(
			    r, "WWW-Authenticate", "Bearer realm=\"patrol\"");
		http_reply_error(
		    r, refusal->status, refusal->code, "%s", refusal->message);
		goto out;
	}
	if (s->draining) {
		http_reply_error(
		    r, 503, "shutting_down", "the server is shutting down");
		goto out;
	}
	if ((r->route = http_find(s, r, &allowed)) == NULL) {
		if (allowed != 0) {
			http_allow_header(r, allowed);
			http_reply_error(r, 405, "method_not_allowed",
			    "method not allowed on %s", r->path);
		} else
			http_reply_error(
			    r, 404, "not_found", "no such resource");
		goto out;
	}
	r->route_name = r->route->name;
	if (http_decode_params(r) != 0) {
		http_reply_error(r, 400, "bad_path", "malformed path segment");
		goto out;
	}
	if (gc != NULL && http_gate_body_take(gc, &fd, &r->body_len) == 0) {
		r->body =
		    mmap(NULL, r->body_len + 1, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (r->body == MAP_FAILED) {
			r->body = NULL;
			log_warn("event=http_spool_map_failed");
			http_reply_error(
			    r, 503, "busy", "cannot read the upload now");
			goto out;
		}
		r->body_mapped = 1;
		goto routed;
	}
	r->body_len = evbuffer_get_length(in);
	if (r->body_len > r->route->max_body) {
		http_reply_error(r, 413, "body_too_large",
		    "request body of %zu bytes is over this resource's "
		    "limit of %zu bytes",
		    r->body_len, r->route->max_body);
		goto out;
	}
	r->body = xmalloc(r->body_len + 1);
	evbuffer_remove(in, r->body, r->body_len);
	r->body[r->body_len] = '\0';
routed:
	if (r->route->timeout_ms >= 0) {
		/* A route's own deadline, else http_timeout_s (config). */
		ms = r->route->timeout_ms > 0 ? r->route->timeout_ms
		                              : s->cfg.timeout_s * 1000;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		r->ev_deadline = evtimer_new(s->base, http_deadline_cb, r);
		evtimer_add(r->ev_deadline, &tv);
	}
	if (s->hooks.enter != NULL) {
		r->hook_word = s->hooks.enter(r, s->hooks.arg);
		r->entered = 1;
	}
	/* The guard's query carries the hooks' scope on to the handler. */
	if (HTTP_ROUTE_ROLES_OF(r->route->methods) == 0)
		r->route->handler(r);
	else if (s->cfg.guard != NULL)
		s->cfg.guard(r, HTTP_ROUTE_ROLES_OF(r->route->methods),
		    s->cfg.guard_arg);
	else
		http_reply_error(r, 500, "internal",
		    "this resource needs a role but nothing checks it");
	if (s->hooks.leave != NULL)
		s->hooks.leave(r, s->hooks.arg);
out:
	http_req_unref(r);
}

/* Every connection: the TLS or plain bufferevent, behind the gate. */
static struct bufferevent *
http_bev_cb(struct event_base *base, void *arg)
{
	struct http_server *s = arg;
	struct bufferevent *under;

	if (s->bevcb != NULL)
		under = s->bevcb(base, s->bevcb_arg);
	else
		under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (under != NULL)
		http_gate_watch(s->gate, under);
	return under;
}

struct http_server *
http_new(struct event_base *base, const struct http_config *cfg)
{
	struct http_server *s = xcalloc(1, sizeof *s);
	struct http_gate_config gcfg;

	s->base = base;
	s->cfg = *cfg;
	s->evh = evhttp_new(base);
	evhttp_set_timeout(s->evh, cfg->timeout_s);
	/* The gate hands over larger bodies as files (http_gate.h). */
	evhttp_set_max_body_size(s->evh, HTTP_GATE_MEM_BODY);
	evhttp_set_max_headers_size(s->evh, 64 * 1024);
	gcfg.max_connections = cfg->max_connections;
	gcfg.max_per_address = cfg->max_per_address;
	gcfg.header_timeout_s = cfg->header_timeout_s;
	gcfg.request_timeout_s = cfg->request_timeout_s;
	gcfg.body_min_rate = cfg->body_min_rate;
	gcfg.spool_max = cfg->spool_max;
	gcfg.spool_dir = cfg->spool_dir;
	s->gate = http_gate_new(base, &gcfg, http_judge_cb, s);
	evhttp_set_bevcb(s->evh, http_bev_cb, s);
	evhttp_set_allowed_methods(s->evh,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	        EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	        EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(s->evh, http_gen_cb, s);
	s->ev_drain = event_new(base, -1, 0, http_drain_cb, s);
	TAILQ_INIT(&s->streams);
	return s;
}

void
http_free(struct http_server *s)
{
	if (s == NULL)
		return;
	evhttp_free(s->evh);
	http_gate_free(s->gate); /* after the connections it counts */
	event_free(s->ev_drain);
	free(s->hsts);
	free(s);
}

int
http_listen(struct http_server *s, const char *address, int port, char **cause)
{
	struct evhttp_bound_socket *b;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (s->nsocks == HTTP_MAX_LISTENERS) {
		*cause = xstrdup("too many listeners");
		return -1;
	}
	b = evhttp_bind_socket_with_handle(s->evh, address, (ev_uint16_t)port);
	if (b == NULL) {
		*cause = xasprintf("cannot listen on %s:%d: %s", address, port,
		    strerror(errno));
		return -1;
	}
	s->socks[s->nsocks++] = b;
	if (getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&ss,
	        &len) == 0) {
		if (ss.ss_family == AF_INET)
			s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			s->port =
			    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return 0;
}

int
http_port(struct http_server *s)
{
	return s->port;
}

void
http_set_hsts(struct http_server *s, int max_age_s)
{
	free(s->hsts);
	s->hsts = max_age_s > 0 ? xasprintf("max-age=%d", max_age_s) : NULL;
}

void
http_set_bevcb(struct http_server *s,
    struct bufferevent *(*cb)(struct event_base *, void *), void *arg)
{
	s->bevcb = cb;
	s->bevcb_arg = arg;
}

void
http_add_routes(
    struct http_server *s, const struct http_route *routes, size_t n)
{
	if (s->ntable == (int)(sizeof s->tables / sizeof s->tables[0]))
		fatalx("event=http_too_many_route_tables");
	s->tables[s->ntable] = routes;
	s->ntables[s->ntable++] = n;
}

void
http_drain(struct http_server *s, void (*done)(void *), void *arg)
{
	int i;

	if (!s->draining) {
		s->draining = 1;
		for (i = 0; i < s->nsocks; i++)
			evhttp_del_accept_socket(s->evh, s->socks[i]);
		s->nsocks = 0;
		/* Streams never finish by themselves: end them now. */
		while (!TAILQ_EMPTY(&s->streams))
			http_stream_end(TAILQ_FIRST(&s->streams));
	}
	s->drain_done = done;
	s->drain_arg = arg;
	log_info("event=http_drain in_flight=%d", s->in_flight);
	http_drain_check(s);
}

int
http_in_flight(struct http_server *s)
{
	return s->in_flight;
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
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->ev);

	r->replied = 1;
	if (r->ev_deadline != NULL)
		event_del(r->ev_deadline);
	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (r->srv->hsts != NULL)
		evhttp_add_header(h, "Strict-Transport-Security", r->srv->hsts);
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
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<':
			evbuffer_add(b, "&lt;", 4);
			break;
		case '>':
			evbuffer_add(b, "&gt;", 4);
			break;
		case '&':
			evbuffer_add(b, "&amp;", 5);
			break;
		case '"':
			evbuffer_add(b, "&quot;", 6);
			break;
		case '\'':
			evbuffer_add(b, "&#39;", 5);
			break;
		case '\n':
			if (br) {
				evbuffer_add(b, "<br>", 4);
				break;
			}
			/* FALLTHROUGH */
		default:
			evbuffer_add(b, s, 1);
		}
	}
}

void
http_set_hooks(struct http_server *s, const struct http_hooks *h)
{
	s->hooks = *h;
}

const char *
http_req_route_name(struct http_req *r)
{
	return r->route_name;
}

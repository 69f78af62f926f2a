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

void
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
	    (rt = http_route_lookup(s, h->method, h->path, &allowed)) == NULL) {
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

/* A request as it comes in: not yet routed, one reference (the caller's). */
static struct http_req *
http_gen_new(struct http_server *s, struct evhttp_request *ev)
{
	struct http_req *r = xcalloc(1, sizeof *r);
	const char *path;

	r->srv = s;
	r->owner = s->cfg.owner;
	r->ev = ev;
	r->refs = 1;
	r->route_name = "unmatched";
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	s->in_flight++;
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(ev));
	r->path = xstrdup(path != NULL && *path != '\0' ? path : "/");
	return r;
}

/*
 * The gate's refusal, shutdown, no route, a bad path: answers and returns
 * -1; else r->route is set and 0 returned.
 */
static int
http_gen_admit(
    struct http_server *s, struct http_req *r, struct http_gate_conn *gc)
{
	const struct http_gate_verdict *refusal;
	int allowed;

	if (gc != NULL && http_gate_next(gc, &refusal)) {
		r->route_name = "refused";
		if (refusal->status == 401)
			http_req_set_header(
			    r, "WWW-Authenticate", "Bearer realm=\"patrol\"");
		http_reply_error(
		    r, refusal->status, refusal->code, "%s", refusal->message);
		return -1;
	}
	if (s->draining) {
		http_reply_error(
		    r, 503, "shutting_down", "the server is shutting down");
		return -1;
	}
	if ((r->route = http_route_find(s, r, &allowed)) == NULL) {
		if (allowed != 0) {
			http_allow_header(r, allowed);
			http_reply_error(r, 405, "method_not_allowed",
			    "method not allowed on %s", r->path);
		} else
			http_reply_error(
			    r, 404, "not_found", "no such resource");
		return -1;
	}
	r->route_name = r->route->name;
	if (http_route_decode(r) != 0) {
		http_reply_error(r, 400, "bad_path", "malformed path segment");
		return -1;
	}
	return 0;
}

/*
 * The body: the gate's spool file mapped, or the buffer libevent read,
 * within the route's limit. Answers and returns -1 when it cannot.
 */
static int
http_gen_body(struct http_req *r, struct http_gate_conn *gc)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
	int fd;

	if (gc != NULL && http_gate_body_take(gc, &fd, &r->body_len) == 0) {
		r->body =
		    mmap(NULL, r->body_len + 1, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (r->body == MAP_FAILED) {
			r->body = NULL;
			log_warn("event=http_spool_map_failed");
			http_reply_error(
			    r, 503, "busy", "cannot read the upload now");
			return -1;
		}
		r->body_mapped = 1;
		return 0;
	}
	r->body_len = evbuffer_get_length(in);
	if (r->body_len > r->route->max_body) {
		http_reply_error(r, 413, "body_too_large",
		    "request body of %zu bytes is over this resource's "
		    "limit of %zu bytes",
		    r->body_len, r->route->max_body);
		return -1;
	}
	r->body = xmalloc(r->body_len + 1);
	evbuffer_remove(in, r->body, r->body_len);
	r->body[r->body_len] = '\0';
	return 0;
}

/* A routed request with its body: its deadline, the hooks, the handler. */
static void
http_gen_run(struct http_server *s, struct http_req *r)
{
	struct timeval tv;
	int ms;

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
}

static void
http_gen_cb(struct evhttp_request *ev, void *arg)
{
	struct http_server *s = arg;
	struct http_req *r = http_gen_new(s, ev);
	struct evhttp_connection *evcon;
	struct http_gate_conn *gc = NULL;

	if ((evcon = evhttp_request_get_connection(ev)) != NULL)
		gc = http_gate_conn_of(s->gate, evcon);
	if (http_gen_admit(s, r, gc) == 0 && http_gen_body(r, gc) == 0)
		http_gen_run(s, r);
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
http_add_route_list(struct http_server *s, const struct http_route *routes)
{
	size_t n = 0;

	while (routes[n].name != NULL)
		n++;
	http_add_routes(s, routes, n);
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

void
http_set_hooks(struct http_server *s, const struct http_hooks *h)
{
	s->hooks = *h;
}

/*
 * The agent's HTTP client: libevent's evhttp client (the library that
 * already serves the screen), over a plain socket bufferevent. For
 * https:// it talks plain HTTP to a TLS relay on the same loop, which
 * verifies the server's certificate and name against the system's CAs or
 * a pinned CA file (--ca). TLS is the module patrol-agent-tls.so (tls.c,
 * mbedTLS), loaded at the first https exchange: over http the agent never
 * maps a TLS library.
 *
 * http_exchange() blocks its caller (the command line, or serve's sync
 * worker thread): each exchange runs a private event_base until the
 * answer is in, the connection failed or the exchange's time is up. One
 * exchange per connection, as before: a handheld syncs every few minutes
 * and a kept-alive connection would only hold memory in between.
 *
 * evhttp parses the answer (status, headers, Content-Length, chunked or
 * read-to-close bodies) and bounds it (headers 64 KiB, body max_body);
 * a plain connection that cannot be made is retried by evhttp twice with
 * back-off (0.25 s, then 0.5 s), within the exchange's time. Failed
 * exchanges are retried by the callers' own back-off (run.c, serve.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "agent.h"
#include "module.h"

#define HTTP_HEAD_MAX  (64 << 10) /* status line and headers, at most */
#define HTTP_RETRIES   2          /* connection attempts after the first */
#define HTTP_RETRY_MS  250        /* the first retry's wait, then doubled */
#define HTTP_SHORT_MAX 60         /* a server's address, at most, in words */

/* One exchange's state, shared by its callbacks. */
struct http_call {
	struct event_base *base;
	struct bufferevent *bev;
	const struct tls_module *tls; /* NULL over plain TCP */
	struct tls_conn *relay;
	struct http_resp *r;
	int done;       /* the request callback ran */
	int answered;   /* with an answer (any status) */
	int timed_out;  /* the exchange's time ran out */
	int have_error; /* evhttp said why it failed */
	enum evhttp_request_error error;
};

static void
http_error_cb(enum evhttp_request_error e, void *arg)
{
	struct http_call *c = arg;

	c->error = e;
	c->have_error = 1;
}

/* The answer (or its absence): copies what the caller needs. */
static void
http_done_cb(struct evhttp_request *req, void *arg)
{
	struct http_call *c = arg;
	struct evbuffer *in;
	struct evkeyvalq *h;
	const char *v;
	size_t n;

	c->done = 1;
	event_base_loopbreak(c->base);
	if (req == NULL || evhttp_request_get_response_code(req) == 0)
		return;
	c->answered = 1;
	c->r->status = evhttp_request_get_response_code(req);
	h = evhttp_request_get_input_headers(req);
	if ((v = evhttp_find_header(h, "Upload-Offset")) != NULL)
		c->r->offset = strtoll(v, NULL, 10);
	if ((v = evhttp_find_header(h, "Upload-Complete")) != NULL)
		c->r->complete = v[0] == '1';
	in = evhttp_request_get_input_buffer(req);
	n = in != NULL ? evbuffer_get_length(in) : 0;
	c->r->body = xcalloc(1, n + 1);
	if (n > 0)
		evbuffer_copyout(in, c->r->body, n);
	c->r->body[n] = '\0';
	c->r->len = n;
}

static void
http_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_call *c = arg;

	(void)fd;
	(void)what;
	c->timed_out = 1;
	event_base_loopbreak(c->base);
}

/* Why there was no answer, in words. */
static char *
http_why(struct http_call *c)
{
	char *tls;

	if (c->timed_out)
		return xstrdup("timed out");
	if (c->relay != NULL && (tls = c->tls->why(c->relay)) != NULL)
		return tls;
	if (!c->have_error) /* evhttp gave up connecting */
		return xstrdup("cannot connect: refused, reset or closed "
		               "before an answer");
	switch (c->error) {
	case EVREQ_HTTP_TIMEOUT:
		return xstrdup("timed out");
	case EVREQ_HTTP_EOF:
		return xstrdup("no answer: cannot connect (no such host, "
		               "refused), or reset or closed early");
	case EVREQ_HTTP_INVALID_HEADER:
		return xstrdup("not an HTTP answer (bad status or header)");
	case EVREQ_HTTP_DATA_TOO_LONG:
		return xstrdup("answer too large");
	case EVREQ_HTTP_BUFFER_ERROR:
		return xstrdup("connection failed");
	case EVREQ_HTTP_REQUEST_CANCEL:
		return xstrdup("cancelled");
	}
	return xstrdup("no answer");
}

static enum evhttp_cmd_type
http_method(const char *m)
{
	if (strcmp(m, "POST") == 0)
		return EVHTTP_REQ_POST;
	if (strcmp(m, "HEAD") == 0)
		return EVHTTP_REQ_HEAD;
	if (strcmp(m, "PATCH") == 0)
		return EVHTTP_REQ_PATCH;
	if (strcmp(m, "PUT") == 0)
		return EVHTTP_REQ_PUT;
	if (strcmp(m, "DELETE") == 0)
		return EVHTTP_REQ_DELETE;
	return EVHTTP_REQ_GET;
}

/* "Name: value\r\n" lines into the request's headers; -1 malformed. */
static int
http_add_headers(struct evkeyvalq *h, const char *lines)
{
	char *copy = xstrdup(lines), *line, *save = NULL, *colon, *v;
	int rc = 0;

	for (line = strtok_r(copy, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if ((colon = strchr(line, ':')) == NULL || colon == line) {
			rc = -1;
			break;
		}
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (evhttp_add_header(h, line, v) != 0) {
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* The server's address taken apart: host (no brackets), port, base. */
struct http_url {
	struct evhttp_uri *uri;
	int tls;
	char host[256];
	int port;
	const char *base; /* path prefix, "" when none */
};

static int
http_url_parse(const char *url, struct http_url *u, char **cause)
{
	const char *scheme, *host, *path;
	size_t n;

	memset(u, 0, sizeof *u);
	if ((u->uri = evhttp_uri_parse(url)) == NULL ||
	    (scheme = evhttp_uri_get_scheme(u->uri)) == NULL ||
	    (host = evhttp_uri_get_host(u->uri)) == NULL || *host == '\0' ||
	    evhttp_uri_get_query(u->uri) != NULL ||
	    evhttp_uri_get_fragment(u->uri) != NULL ||
	    evhttp_uri_get_userinfo(u->uri) != NULL) {
		*cause = xasprintf(
		    "%.*s: not a server address", HTTP_SHORT_MAX * 4, url);
		goto bad;
	}
	if (strcasecmp(scheme, "https") == 0)
		u->tls = 1;
	else if (strcasecmp(scheme, "http") != 0) {
		*cause = xasprintf(
		    "%.*s: only http:// and https://", HTTP_SHORT_MAX * 4, url);
		goto bad;
	}
	n = strlen(host);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n >= sizeof u->host) {
		*cause = xasprintf(
		    "%.*s: not a server address", HTTP_SHORT_MAX * 4, url);
		goto bad;
	}
	memcpy(u->host, host, n);
	u->port = evhttp_uri_get_port(u->uri);
	if (u->port <= 0)
		u->port = u->tls ? 443 : 80;
	path = evhttp_uri_get_path(u->uri);
	u->base = path != NULL && strcmp(path, "/") != 0 ? path : "";
	return 0;
bad:
	if (u->uri != NULL)
		evhttp_uri_free(u->uri);
	u->uri = NULL;
	return -1;
}

/*
 * The exchange's loop and its connection to u (through the TLS relay for
 * https), with the exchange's limits: the connection, or NULL with *cause.
 * What it made is in c (base, relay) for the caller to free.
 */
static struct evhttp_connection *
http_connect(struct http_call *c, const struct http_url *u,
    const struct http_req *q, const struct timeval *tv, char **cause)
{
	struct evhttp_connection *evcon;
	struct timeval retry = {0, HTTP_RETRY_MS * 1000};
	int relay_port = 0;

	if ((c->base = event_base_new()) == NULL) {
		*cause = xstrdup("cannot start the event loop");
		return NULL;
	}
	if ((c->bev = bufferevent_socket_new(c->base, -1,
	         BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL) {
		*cause = xstrdup("cannot open a connection");
		return NULL;
	}
	/* https: the plain connection goes to the relay, on loopback. */
	if (u->tls &&
	    ((c->tls = module_tls(cause)) == NULL ||
	        (c->relay = c->tls->open(c->base, c->bev, u->host, u->port,
	             q->ca, &relay_port, cause)) == NULL)) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		return NULL;
	}
	if ((evcon = evhttp_connection_base_bufferevent_new(c->base, NULL,
	         c->bev, u->tls ? "127.0.0.1" : u->host,
	         (unsigned short)(u->tls ? relay_port : u->port))) == NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		*cause = xstrdup("cannot open a connection");
		return NULL;
	}
	evhttp_connection_set_timeout_tv(evcon, tv);
	/* The relay takes one connection: https is not retried here (the
	 * caller's back-off does). */
	if (!u->tls) {
		evhttp_connection_set_retries(evcon, HTTP_RETRIES);
		evhttp_connection_set_initial_retry_tv(evcon, &retry);
	}
	evhttp_connection_set_max_headers_size(evcon, HTTP_HEAD_MAX);
	evhttp_connection_set_max_body_size(evcon, (ev_ssize_t)q->max_body);
	return evcon;
}

/*
 * The request q asks for, with its headers and its body (the caller's
 * bytes, not copied: the exchange ends before http_exchange() returns):
 * NULL with *cause.
 */
static struct evhttp_request *
http_request_make(struct http_call *c, const struct http_url *u,
    const struct http_req *q, enum evhttp_cmd_type method, char **cause)
{
	struct evhttp_request *req;
	struct evkeyvalq *h;
	char *hostport, clen[32];

	if ((req = evhttp_request_new(http_done_cb, c)) == NULL) {
		*cause = xstrdup("cannot make a request");
		return NULL;
	}
	evhttp_request_set_error_cb(req, http_error_cb);
	h = evhttp_request_get_output_headers(req);
	hostport = strchr(u->host, ':') != NULL
	    ? xasprintf("[%s]:%d", u->host, u->port)
	    : xasprintf("%s:%d", u->host, u->port);
	evhttp_add_header(h, "Host", hostport);
	free(hostport);
	evhttp_add_header(h, "User-Agent", "patrol-agent/" AGENT_VERSION);
	evhttp_add_header(h, "Accept", "*/*");
	evhttp_add_header(h, "Connection", "close");
	if (q->headers != NULL && http_add_headers(h, q->headers) != 0) {
		evhttp_request_free(req);
		*cause = xstrdup("bad request header");
		return NULL;
	}
	if (method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD)
		return req;
	snprintf(clen, sizeof clen, "%zu", q->len);
	evhttp_add_header(h, "Content-Length", clen);
	if (q->len > 0 &&
	    evbuffer_add_reference(evhttp_request_get_output_buffer(req),
	        q->body, q->len, NULL, NULL) != 0) {
		evhttp_request_free(req);
		*cause = xstrdup("cannot queue the body");
		return NULL;
	}
	return req;
}

/* Runs the loop until the answer, a failure or the time tv is up. */
static int
http_wait(struct http_call *c, const struct timeval *tv, char **cause)
{
	struct event *deadline;

	if ((deadline = evtimer_new(c->base, http_deadline_cb, c)) == NULL ||
	    evtimer_add(deadline, tv) != 0) {
		if (deadline != NULL)
			event_free(deadline);
		*cause = xstrdup("cannot set the exchange's time limit");
		return -1;
	}
	while (!c->done && !c->timed_out)
		if (event_base_dispatch(c->base) == -1)
			break;
	event_free(deadline);
	return 0;
}

int
http_exchange(const struct http_req *q, struct http_resp *r, char **cause)
{
	struct http_call c = {0};
	struct http_url u;
	struct evhttp_connection *evcon = NULL;
	struct evhttp_request *req;
	struct timeval tv = {q->timeout_s > 0 ? q->timeout_s : 60, 0};
	char *target = NULL, *why;
	enum evhttp_cmd_type method = http_method(q->method);
	int rc = -1;

	memset(r, 0, sizeof *r);
	r->offset = -1;
	if (http_url_parse(q->server, &u, cause) != 0)
		return -1;
	c.r = r;
	if ((evcon = http_connect(&c, &u, q, &tv, cause)) == NULL ||
	    (req = http_request_make(&c, &u, q, method, cause)) == NULL)
		goto fail_cause;
	target = xasprintf("%s%s", u.base, q->path);
	/* On failure evhttp_make_request() frees req itself. */
	if (evhttp_make_request(evcon, req, method, target) != 0) {
		*cause = xstrdup("cannot send the request");
		goto fail_cause;
	}
	if (http_wait(&c, &tv, cause) != 0)
		goto fail_cause;
	if (!c.answered) {
		why = http_why(&c);
		*cause = xasprintf("%s%s: %s", q->server, q->path, why);
		free(why);
		http_resp_free(r);
		goto out;
	}
	rc = 0;
	goto out;
fail_cause:
	why = *cause;
	*cause = xasprintf("%s%s: %s", q->server, q->path, why);
	free(why);
out:
	/* Frees a request still pending (timed out) without calling back;
	 * the bufferevent (and its socket) go with the connection. */
	if (evcon != NULL)
		evhttp_connection_free(evcon);
	if (c.relay != NULL)
		c.tls->close(c.relay);
	if (c.base != NULL)
		event_base_free(c.base);
	free(target);
	evhttp_uri_free(u.uri);
	return rc;
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

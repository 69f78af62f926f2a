/*
 * bare_http: the baseline of the /healthz benchmark. A bare evhttp server
 * that answers GET /healthz with the body a healthy patrold sends, without
 * touching a database, so that patrold/bare shows what our HTTP layer and
 * the SELECT 1 round trip cost.
 *
 *   bare_http PORT
 *
 * Listens on 127.0.0.1 only; SIGTERM or SIGINT stops it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define BARE_BODY "{\"status\":\"ok\",\"database\":\"ok\"}"

static void
bare_healthz_cb(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b;

	(void)arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	/* The same headers as http_reply(): same bytes on the wire. */
	evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	b = evbuffer_new();
	evbuffer_add_reference(b, BARE_BODY, sizeof BARE_BODY - 1, NULL, NULL);
	evhttp_send_reply(req, 200, NULL, b);
	evbuffer_free(b);
}

static void
bare_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *evh;
	struct event *ev_term, *ev_int;
	char *end;
	long port;

	if (argc != 2) {
		fprintf(stderr, "usage: bare_http PORT\n");
		return 2;
	}
	port = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "bare_http: bad port '%s'\n", argv[1]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL) {
		fprintf(stderr, "bare_http: cannot create the event loop\n");
		return 1;
	}
	evh = evhttp_new(base);
	evhttp_set_cb(evh, "/healthz", bare_healthz_cb, NULL);
	if (evhttp_bind_socket(evh, "127.0.0.1", (ev_uint16_t)port) != 0) {
		fprintf(stderr, "bare_http: cannot listen on port %ld\n", port);
		return 1;
	}
	ev_term = evsignal_new(base, SIGTERM, bare_signal_cb, base);
	ev_int = evsignal_new(base, SIGINT, bare_signal_cb, base);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	event_base_dispatch(base);

	event_free(ev_term);
	event_free(ev_int);
	evhttp_free(evh);
	event_base_free(base);
	return 0;
}

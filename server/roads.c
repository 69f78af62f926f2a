/*
 * The road network inside patrold (see roads.h): loads the road pieces
 * with asynchronous queries, builds the graph off nothing but the rows
 * (pure code, core/roadnet.c) and swaps it in.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "app.h"
#include "db.h"
#include "log.h"
#include "roadnet.h"
#include "roads.h"
#include "store_network.h"
#include "xmalloc.h"

#define ROADS_CHECK_S     300 /* a missed NOTIFY is noticed this late */
#define ROADS_DEBOUNCE_MS 200
#define ROADS_MAX_POINTS  4096 /* in one piece: more is not a piece */

struct roads {
	struct app *app;
	struct roadnet *net;
	long long version; /* network_imports id the graph is of; -1 none */
	int loading, again;
	int checking; /* a version query in flight */
	void (*changed)(void *);
	void *changed_arg;
	struct event *ev_check, *ev_soon;
};

struct roadnet *
roads_net(const struct roads *r)
{
	return r != NULL ? r->net : NULL;
}

static void roads_load(struct roads *);

/* "{e0,n0,e1,n1,...}" into xy; returns the points read. */
static size_t
roads_plane(const char *s, double *xy, size_t max)
{
	size_t n = 0;
	char *end;

	if (*s == '{')
		s++;
	while (*s != '\0' && *s != '}' && n < 2 * max) {
		xy[n++] = strtod(s, &end);
		if (end == s)
			return 0; /* not a number: the piece is refused */
		s = end;
		if (*s == ',')
			s++;
	}
	return n / 2;
}

static void
roads_loaded_cb(struct db_result *res, void *arg)
{
	struct roads *r = arg;
	struct roadnet *net;
	struct roadnet_stats st;
	double *xy;
	const char *plane;
	int i, bad = 0;
	size_t n;

	r->loading = 0;
	if (r->app == NULL)
		return; /* stopped meanwhile */
	if (res->status != DB_OK) {
		log_warnx(
		    "event=roads_load_failed error=%s", log_q(res->error));
		goto out;
	}
	if (store_roads_plane_row(res->res, 0) == NULL) {
		/* None imported (or all removed): straight lines. */
		if (r->net != NULL)
			log_info("event=roads_unloaded");
		roadnet_free(r->net);
		r->net = NULL;
		r->version = store_roads_import_row(res->res);
		goto out;
	}
	xy = xreallocarray(NULL, 2 * ROADS_MAX_POINTS, sizeof *xy);
	net = roadnet_new(ROADS_SNAP_M);
	for (i = 0; (plane = store_roads_plane_row(res->res, i)) != NULL; i++) {
		n = roads_plane(plane, xy, ROADS_MAX_POINTS);
		if (n < 2) {
			bad++;
			continue;
		}
		roadnet_add_line(net, xy, n);
	}
	free(xy);
	roadnet_build(net, 0);
	roadnet_free(r->net);
	r->net = net;
	r->version = store_roads_import_row(res->res);
	roadnet_stats(net, &st);
	log_info("event=roads_loaded import=%lld pieces=%d refused=%d "
	         "vertices=%zu edges=%zu parts=%zu km=%.1f",
	    r->version, i, bad, st.vertices, st.edges, st.components, st.km);
	/* Every crew's day is measured anew on the roads. */
	if (r->changed != NULL)
		r->changed(r->changed_arg);
out:
	if (r->again) {
		r->again = 0;
		roads_load(r);
	}
}

static void
roads_load(struct roads *r)
{
	if (r->loading) {
		r->again = 1;
		return;
	}
	r->loading = 1;
	store_roads_load(r->app->db, roads_loaded_cb, r);
}

static void
roads_version_cb(struct db_result *res, void *arg)
{
	struct roads *r = arg;
	long long v;

	r->checking = 0;
	if (r->app == NULL)
		return;
	if (res->status != DB_OK)
		return;
	v = store_roads_import_row(res->res);
	if (v != r->version)
		roads_load(r);
}

static void
roads_check_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct roads *r = arg;

	(void)fd;
	(void)ev;
	if (r->checking || r->loading)
		return;
	r->checking = 1;
	store_roads_version(r->app->db, roads_version_cb, r);
}

static void
roads_soon_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	roads_load(arg);
}

static void
roads_notify_cb(const char *channel, const char *payload, void *arg)
{
	struct roads *r = arg;
	struct timeval tv = {0, ROADS_DEBOUNCE_MS * 1000};

	(void)channel;
	if (r->app == NULL || payload == NULL || strcmp(payload, "road") != 0)
		return;
	/* An import of several files makes one load. */
	if (!evtimer_pending(r->ev_soon, NULL))
		evtimer_add(r->ev_soon, &tv);
}

struct roads *
roads_start(struct app *a)
{
	struct roads *r = xcalloc(1, sizeof *r);
	struct timeval tv = {ROADS_CHECK_S, 0};
	char *cause;

	r->app = a;
	r->version = -1;
	r->ev_soon = evtimer_new(a->base, roads_soon_cb, r);
	r->ev_check = event_new(a->base, -1, EV_PERSIST, roads_check_cb, r);
	evtimer_add(r->ev_check, &tv);
	if (db_listen(
	        a->db, STORE_NETWORK_CHANNEL, roads_notify_cb, r, &cause) != 0)
		fatalx("event=roads_listen_failed reason=%s", log_q(cause));
	roads_load(r);
	return r;
}

void
roads_on_change(struct roads *r, void (*cb)(void *), void *arg)
{
	if (r == NULL)
		return;
	r->changed = cb;
	r->changed_arg = arg;
}

void
roads_free(struct roads *r)
{
	free(r);
}

void
roads_stop(struct roads *r)
{
	if (r == NULL)
		return;
	event_free(r->ev_soon);
	event_free(r->ev_check);
	roadnet_free(r->net);
	r->net = NULL;
	r->app = NULL;
	/* Freed by roads_free, after db_free: queries in flight and the
	 * LISTEN callback may still be answered until then. */
}

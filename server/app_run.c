#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "addrlist.h"
#include "api_routes.h"
#include "app.h"
#include "app_run.h"
#include "geocoder.h"
#include "planner.h"
#include "archive.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "auth_cache.h"
#include "category_cache.h"
#include "events_wake.h"
#include "geo.h"
#include "http.h"
#include "lease.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "photos.h"
#include "read_routes.h"
#include "retention.h"
#include "roads.h"
#include "store_result.h"
#include "store_wards.h"
#include "tls.h"
#include "wards.h"
#include "xmalloc.h"

static void
app_drained_cb(void *arg)
{
	struct app *a = arg;

	log_info("event=drained");
	event_base_loopexit(a->base, NULL);
}

static void
app_drain_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct app *a = arg;

	(void)fd;
	(void)ev;
	log_warnx("event=drain_timeout in_flight=%d", http_in_flight(a->http));
	event_base_loopexit(a->base, NULL);
}

static void
app_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct app *a = arg;
	struct timeval tv = {a->cfg->drain_timeout_s, 0};

	(void)ev;
	if (a->stopping) {
		log_warnx("event=signal sig=%d action=exit_now", (int)sig);
		event_base_loopbreak(a->base);
		return;
	}
	a->stopping = 1;
	log_info("event=signal sig=%d action=drain in_flight=%d", (int)sig,
	    http_in_flight(a->http));
	a->ev_drain_timeout = evtimer_new(a->base, app_drain_timeout_cb, a);
	evtimer_add(a->ev_drain_timeout, &tv);
	http_drain(a->http, app_drained_cb, a);
}

/*
 * Wards: loaded at start-up, reloaded whenever an import notifies
 * wards_changed or the listening connection comes back (a notification
 * may have been missed). One reload at a time; the old set is freed only
 * once the new one is built, and kept if the reload fails. A failed
 * reload is retried with back-off: after a reconnect the listener is
 * often up before the pool, so the first try fails.
 */
#define APP_WARDS_RETRY_MAX_S 32

static void app_wards_reload(struct app *);

static void
app_wards_filled_cb(struct db_result *r, void *arg)
{
	const char *n = store_result_text(r->res);

	(void)arg;
	if (r->status != DB_OK)
		log_warnx("event=wards_fill_failed error=%s", log_q(r->error));
	else
		log_info("event=wards_filled requests=%s", n ? n : "0");
}

/*
 * Requests with no ward, looked up in the set just loaded: one created
 * while an import was being loaded gets its ward now (on its timeline).
 * The set is read here, when the answer comes, so it is the current one.
 */
static void
app_wards_unknown_cb(struct db_result *r, void *arg)
{
	struct app *a = arg;
	const struct ward *w;
	struct store_unplaced u;
	json_t *fill;
	char *s;
	int i;

	if (r->status != DB_OK) {
		log_warnx("event=wards_fill_failed error=%s", log_q(r->error));
		return;
	}
	fill = json_array();
	for (i = 0; a->wards != NULL && store_wards_unknown_row(r->res, i, &u);
	     i++) {
		w = wards_find(a->wards, u.lon, u.lat);
		if (w != NULL)
			json_array_append_new(fill,
			    json_pack("{s:I,s:s}", "id", (json_int_t)u.id,
			        "ward", w->code));
	}
	if (json_array_size(fill) > 0) {
		s = json_dumps(fill, JSON_COMPACT);
		store_wards_fill(a->db, s, app_wards_filled_cb, a);
		free(s);
	} else
		log_info("event=wards_filled requests=0");
	json_decref(fill);
}

static void
app_wards_loaded_cb(struct ward_set *set, const char *error, void *arg)
{
	struct app *a = arg;
	struct timeval tv = {0, 0};

	a->wards_loading = 0;
	if (set == NULL) {
		if (a->wards_retry_s == 0)
			a->wards_retry_s = 1;
		else if (a->wards_retry_s < APP_WARDS_RETRY_MAX_S)
			a->wards_retry_s *= 2;
		tv.tv_sec = a->wards_retry_s;
		log_warnx("event=wards_reload_failed retry_s=%d error=%s",
		    a->wards_retry_s, log_q(error));
		/* The retry also covers changes announced meanwhile. */
		a->wards_again = 0;
		evtimer_add(a->ev_wards_retry, &tv);
		return;
	}
	wards_free(a->wards);
	a->wards = set;
	a->wards_retry_s = 0;
	evtimer_del(a->ev_wards_retry);
	log_info("event=wards_loaded wards=%zu", wards_count(set));
	store_wards_unknown(a->db, app_wards_unknown_cb, a);
	/* A change announced while this load ran may not be in it. */
	if (a->wards_again)
		app_wards_reload(a);
}

static void
app_wards_reload(struct app *a)
{
	if (a->wards_loading) {
		a->wards_again = 1;
		return;
	}
	a->wards_loading = 1;
	a->wards_again = 0;
	store_wards_load(a->db, app_wards_loaded_cb, a);
}

static void
app_wards_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	app_wards_reload(arg);
}

static void
app_wards_changed_cb(const char *channel, const char *payload, void *arg)
{
	(void)channel;
	(void)payload; /* NULL after a reconnect: reload all the same */
	app_wards_reload(arg);
}

static int
app_wards_start(struct app *a, char **cause)
{
	char *why;

	if (store_wards_load_sync(a->db, &a->wards, &why) != 0) {
		*cause = xasprintf("cannot load the wards: %s", why);
		free(why);
		return -1;
	}
	log_info("event=wards_loaded wards=%zu", wards_count(a->wards));
	store_wards_unknown(a->db, app_wards_unknown_cb, a);
	a->ev_wards_retry = evtimer_new(a->base, app_wards_retry_cb, a);
	return db_listen(
	    a->db, STORE_WARDS_CHANNEL, app_wards_changed_cb, a, cause);
}

/* HTTPS when a certificate and key are configured (issue 4). */
static int
app_tls_start(struct app *a, char **cause)
{
	const struct config *cfg = a->cfg;

	if (*cfg->tls_cert == '\0' && *cfg->tls_key == '\0')
		return 0;
	if (*cfg->tls_cert == '\0' || *cfg->tls_key == '\0') {
		*cause = xstrdup("tls_cert and tls_key go together");
		return -1;
	}
	if ((a->tls = tls_new(cfg->tls_cert, cfg->tls_key, cause)) == NULL)
		return -1;
	http_set_bevcb(a->http, tls_bev_cb, a->tls);
	http_set_hsts(a->http, cfg->tls_hsts_max_age_s);
	return 0;
}

static void
app_log_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	log_repeat_flush();
}

/* trusted_proxies and metrics_allow, refused at start-up if malformed. */
static int
app_addrlists_start(struct app *a, char **cause)
{
	char *why;

	if ((a->trusted_proxies =
	            addrlist_parse(a->cfg->trusted_proxies, &why)) == NULL) {
		*cause = xasprintf("trusted_proxies: %s", why);
		free(why);
		return -1;
	}
	if ((a->metrics_allow = addrlist_parse(a->cfg->metrics_allow, &why)) ==
	    NULL) {
		*cause = xasprintf("metrics_allow: %s", why);
		free(why);
		return -1;
	}
	return 0;
}

/*
 * Every route group, in the order a request's path is matched: the first
 * route whose path and method fit answers.
 */
static const struct http_route *const app_routes[] = {
    api_ops_routes, api_openapi_routes, api_me_routes, api_wards_routes,
    api_photos_routes, /* before the actions' {}/{} route */
    api_coverage_routes, api_patrols_routes, api_devices_routes,
    api_requests_routes,
    api_handover_routes, /* before the actions' {}/{} route */
    api_workflow_routes, /* so are these */
    api_actions_routes, api_recommend_routes, api_plan_routes,
    api_replan_routes, api_reference_routes, api_geocode_routes,
    api_recurring_routes, api_outlook_routes, api_risk_routes,
    api_events_routes, open311_routes, api_sync_routes, api_sync_photos_routes,
    api_session_routes, api_users_routes, api_console_routes,
    static_routes, /* "/" and the console's files */
};

/* The schema is the one this build expects: no migration pending. */
static int
app_schema_check(struct app *a, char **cause)
{
	char *pending;

	if (migrate_pending(a->db, a->cfg->schema_dir, &pending, cause) != 0) {
		char *why = *cause;

		*cause = xasprintf("cannot check the schema: %s", why);
		free(why);
		return -1;
	}
	if (*pending != '\0') {
		*cause = xasprintf("database has pending migrations: %s; run "
		                   "'patrolctl migrate'",
		    pending);
		free(pending);
		return -1;
	}
	free(pending);
	return 0;
}

/* The HTTP server, with the limits of the configuration. */
static struct http_server *
app_http_new(struct app *a)
{
	const struct config *cfg = a->cfg;
	struct http_config hc = {cfg->http_timeout_s,
	    (size_t)cfg->http_max_body, cfg->http_max_connections,
	    cfg->http_max_connections_per_address, cfg->http_header_timeout_s,
	    cfg->http_request_timeout_s, cfg->http_body_min_rate,
	    (size_t)cfg->http_spool_max_mb << 20, cfg->http_spool_dir,
	    auth_credentials_shape, auth_guard, a, a};

	return http_new(a->base, &hc);
}

/* The route groups' state and the daemon's background work (escalation,
 * the planner, the archive, retention, ...). */
static void
app_workers_start(struct app *a)
{
	api_handover_start(a);
	api_geocode_start(a);
	api_events_start(a);
	open311_start(a);
	api_sync_start();
	lease_start(a);
	read_routes_start(a);
	escalate_start(a);
	a->roads = roads_start(a);
	planner_start(a);
	archive_start(a);
	a->retention = retention_start(a);
	a->metrics_coverage = metrics_coverage_start(a);
	static_start(a);
}

/* Every route, then TLS if configured, then the listening socket. */
static int
app_listen(struct app *a, char **cause)
{
	size_t i;

	for (i = 0; i < sizeof app_routes / sizeof app_routes[0]; i++)
		http_add_route_list(a->http, app_routes[i]);
	if (app_tls_start(a, cause) != 0)
		return -1;
	return http_listen(
	    a->http, a->cfg->listen_address, a->cfg->port, cause);
}

/* SIGTERM and SIGINT stop the loop; the log is flushed every second. */
static void
app_signals_start(struct app *a)
{
	struct timeval one_second = {1, 0};

	a->ev_sigterm = evsignal_new(a->base, SIGTERM, app_signal_cb, a);
	a->ev_sigint = evsignal_new(a->base, SIGINT, app_signal_cb, a);
	evsignal_add(a->ev_sigterm, NULL);
	a->ev_log_flush =
	    event_new(a->base, -1, EV_PERSIST, app_log_flush_cb, a);
	event_add(a->ev_log_flush, &one_second);
	evsignal_add(a->ev_sigint, NULL);
}

int
app_start(struct app *a, struct config *cfg, char **cause)
{
	struct geo_area area = {cfg->area_lon_min, cfg->area_lat_min,
	    cfg->area_lon_max, cfg->area_lat_max};
	struct db_config dbc = {cfg->database_url, cfg->db_pool_size,
	    cfg->db_connect_timeout_ms, cfg->db_statement_timeout_ms,
	    cfg->db_queue_max, cfg->db_queue_timeout_ms, cfg->timezone, 1};

	memset(a, 0, sizeof *a);
	a->cfg = cfg;
	signal(SIGPIPE, SIG_IGN);
	log_route_libevent();
	if ((a->base = event_base_new()) == NULL) {
		*cause = xstrdup("cannot create the event loop");
		return -1;
	}
	if (geo_init(cfg->crs, &area, cause) != 0)
		return -1;
	if (app_addrlists_start(a, cause) != 0)
		return -1;
	a->db = db_new(a->base, &dbc);
	a->events_wake = events_wake_start(a->base, a->db);
	if (app_schema_check(a, cause) != 0)
		return -1;
	if (photos_prepare(cfg->photo_dir, cause) != 0)
		return -1;
	if (app_wards_start(a, cause) != 0)
		return -1;
	if ((a->categories = category_cache_start(a->db, cause)) == NULL)
		return -1;
	if ((a->auth_cache = auth_cache_start(a->db, cfg->auth_cache_entries,
	         cfg->auth_cache_ttl_s, cause)) == NULL)
		return -1;
	a->http = app_http_new(a);
	app_workers_start(a);
	if (app_listen(a, cause) != 0)
		return -1;
	app_signals_start(a);
	log_info("event=listening url=%s://%s:%d/ crs=%s",
	    a->tls != NULL ? "https" : "http", cfg->listen_address,
	    http_port(a->http), cfg->crs);
	return 0;
}

int
app_run(struct app *a)
{
	event_base_dispatch(a->base);
	log_info("event=stopped");
	return 0;
}

void
app_stop(struct app *a)
{
	if (a->ev_sigterm != NULL)
		event_free(a->ev_sigterm);
	if (a->ev_sigint != NULL)
		event_free(a->ev_sigint);
	if (a->ev_drain_timeout != NULL)
		event_free(a->ev_drain_timeout);
	if (a->ev_log_flush != NULL)
		event_free(a->ev_log_flush);
	escalate_stop();
	planner_stop();
	roads_stop(a->roads); /* before db_free: it answers a load */
	archive_stop();
	lease_stop(a);
	api_handover_unregister();
	api_events_unregister();
	geocoder_stop();
	api_session_unregister();
	static_unregister();
	http_free(a->http);
	tls_free(a->tls); /* after the connections that use it */
	addrlist_free(a->trusted_proxies);
	addrlist_free(a->metrics_allow);
	db_free(a->db);
	roads_free(a->roads); /* its callbacks may run until db_free */
	a->roads = NULL;
	/* After db_free: a purge in flight is answered there. */
	retention_stop(a->retention);
	events_wake_stop(a->events_wake);
	category_cache_stop(a->categories); /* after db_free, as above */
	auth_cache_stop(a->auth_cache);     /* after db_free, as above */
	metrics_coverage_stop(a->metrics_coverage);
	/* After db_free: a reload failing there still uses them. */
	if (a->ev_wards_retry != NULL)
		event_free(a->ev_wards_retry);
	wards_free(a->wards);
	geo_fini();
	if (a->base != NULL)
		event_base_free(a->base);
	memset(a, 0, sizeof *a);
}

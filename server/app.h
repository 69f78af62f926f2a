/*
 * patrold as a whole: configuration, the event loop, the database pool,
 * the HTTP server and the signal handling that drains it. main() only
 * loads the configuration and calls app_start / app_run / app_stop.
 */
#ifndef PATROL_APP_H
#define PATROL_APP_H

struct config;
struct event;
struct event_base;
struct db;
struct http_server;
struct ward_set;
struct tls;
struct addrlist;
struct retention;
struct metrics_coverage;
struct roads;

struct app {
	struct config *cfg;
	struct event_base *base;
	struct db *db;
	struct http_server *http;
	struct event *ev_sigterm;
	struct event *ev_sigint;
	struct event *ev_drain_timeout;
	struct event *ev_log_flush; /* held-back log lines reported (log.h) */
	int stopping;

	/* Wards: replaced whole on reload, never NULL once started. */
	struct ward_set *wards;
	int wards_loading; /* a reload is in flight */
	int wards_again;   /* and another was asked for meanwhile */
	int wards_retry_s; /* back-off after a failed reload */
	struct event *ev_wards_retry;

	struct tls *tls; /* HTTPS (tls_cert, tls_key), or NULL */
	/* Proxies whose X-Forwarded-For is believed; who may read /metrics. */
	struct addrlist *trusted_proxies;
	struct addrlist *metrics_allow;

	struct retention *retention; /* the daily purge (retention.c) */
	/* The week's coverage for /metrics (metrics_business.c). */
	struct metrics_coverage *metrics_coverage;
	/* The road network for travel times (roads.c), or none loaded. */
	struct roads *roads;
	/* NOTIFYs patrol_events after commits (events_wake.c). */
	struct events_wake *events_wake;
	/* The categories call intake read, until changed (category_cache.c). */
	struct category_cache *categories;
};

/* Route groups: each api_*.c registers its own table. */
void api_ops_register(struct app *);
void api_openapi_register(struct app *);
void api_me_register(struct app *);
void static_register(struct app *);
void api_wards_register(struct app *);
/* Call intake and dispatch. */
void api_requests_register(struct app *);
void api_actions_register(struct app *);
void api_recommend_register(struct app *);
void api_plan_register(struct app *);
void api_replan_register(struct app *);
void api_reference_register(struct app *);
/* Address and place search (api_geocode.c, issue 13). */
void api_geocode_register(struct app *);
/* Acting before people ask (issue 17). */
void api_recurring_register(struct app *);
void api_outlook_register(struct app *);
void api_risk_register(struct app *);
void api_events_register(struct app *);
void api_photos_register(struct app *);
void api_coverage_register(struct app *);
void api_patrols_register(struct app *);
void api_devices_register(struct app *);
void api_events_unregister(void);
/* Sends a named Server-Sent Event ("plan") to every live-feed client. */
void api_events_broadcast(const char *name, const char *json);
/* The browser console (issue 6): log-in, users, its settings, files. */
void api_session_register(struct app *);
void api_session_unregister(void);
void api_users_register(struct app *);
void api_console_register(struct app *);
void static_unregister(void);
/* The crews' handhelds (issue 4): /agent/v1 (api_sync*.c). */
void api_sync_register(struct app *);
/* Open311 GeoReport v2 for residents' apps (open311.c, issue 7). */
void open311_register(struct app *);
/* Hand-overs and the directory (api_handover.c, issue 16). */
void api_handover_register(struct app *);
void api_handover_unregister(void);
/* Callers added to a request, petition surveys, scripts (api_workflow.c). */
void api_workflow_register(struct app *);
/* The escalation timer (escalate.c). */
void escalate_start(struct app *);
void escalate_stop(void);

#endif

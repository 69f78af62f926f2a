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
	/* What token and session look-ups found, until changed (auth_cache.c). */
	struct auth_cache *auth_cache;
};

/*
 * The route groups' tables are in api_routes.h; these start what some of
 * them need before they serve (app_start calls them, then adds the tables).
 */
/* Address and place search: the geocoder's index (api_geocode.c). */
void api_geocode_start(struct app *);
/* The live feed's listener and timers (api_events.c). */
void api_events_start(struct app *);
void api_events_unregister(void);
/* Sends a named Server-Sent Event ("plan") to every live-feed client. */
void api_events_broadcast(const char *name, const char *json);
/* The browser console (issue 6): its session store, its files' CSP. */
void api_session_unregister(void);
void static_start(struct app *);
void static_unregister(void);
/* The crews' handhelds (issue 4): the life cycle sent with each sync. */
void api_sync_start(void);
/* Open311 GeoReport v2: checks the configured locale. */
void open311_start(struct app *);
/* Hand-overs (api_handover.c, issue 16): the mailer. */
void api_handover_start(struct app *);
void api_handover_unregister(void);
/* The escalation timer (escalate.c). */
void escalate_start(struct app *);
void escalate_stop(void);

#endif

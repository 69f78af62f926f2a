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

struct app {
	struct config *cfg;
	struct event_base *base;
	struct db *db;
	struct http_server *http;
	struct event *ev_sigterm;
	struct event *ev_sigint;
	struct event *ev_drain_timeout;
	int stopping;
};

/* Sets up everything and listens. -1 with *cause on any start-up error. */
int app_start(struct app *, struct config *, char **cause);
/* Runs the loop until a signal has drained the server. */
int app_run(struct app *);
void app_stop(struct app *);

/* Route groups: each api_*.c registers its own table. */
void api_ops_register(struct app *);
void static_register(struct app *);

#endif

/*
 * Reads from a hot standby (issue 19 item 3, option database_read_url):
 * the read-only routes (queue and lists, Open311 GETs, exports, cases,
 * outlook) run their queries on the replica; a session that wrote reads
 * from the primary until the replica has replayed its write; a replica
 * lagging more than database_read_max_lag_ms, or down, is not used.
 */
#ifndef PATROL_READ_ROUTES_H
#define PATROL_READ_ROUTES_H

struct app;
struct evbuffer;

/* Opens the replica's pool and routes; nothing without database_read_url. */
void read_routes_start(struct app *);
/* Whether the route of this name only reads (exposed for the tests). */
int read_routes_is_read(const char *route_name);
/* Prometheus lines for /metrics: which pool served the read routes. */
void read_routes_metrics(struct app *, struct evbuffer *);

#endif

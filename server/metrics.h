/*
 * Process metrics in the Prometheus text exposition format: HTTP requests
 * by route and status, a latency histogram by route, and the database
 * pool's gauges and counters.
 */
#ifndef PATROL_METRICS_H
#define PATROL_METRICS_H

struct evbuffer;
struct db_stats;

/* route must be a string that lives as long as the process. */
void metrics_http_observe(const char *route, int status, double seconds);
/* Appends the whole exposition; db may be NULL. */
void metrics_render(struct evbuffer *, const struct db_stats *db);
void metrics_reset(void);

#endif

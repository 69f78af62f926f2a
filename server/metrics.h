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

/* Business gauges (metrics_business.c, issue 18). */
struct app;
struct metrics_coverage;
struct pg_result; /* libpq's PGresult */
/*
 * Appends patrol_business_up and the rows of metrics_business() (res NULL:
 * the database did not answer), then the week's coverage shares once
 * computed (cov may be NULL).
 */
void metrics_business_render(struct evbuffer *, struct pg_result *res,
    const struct metrics_coverage *cov);
/* patrold: recompute the week's coverage every metrics_coverage_s. */
struct metrics_coverage *metrics_coverage_start(struct app *);
/* After db_free: a run in flight is answered there. */
void metrics_coverage_stop(struct metrics_coverage *);

#endif

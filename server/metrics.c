#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "db.h"
#include "metrics.h"
#include "xmalloc.h"

static const double metrics_buckets[] = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS (sizeof metrics_buckets / sizeof metrics_buckets[0])

struct metrics_count {
	const char *route;
	int status;
	unsigned long n;
};

struct metrics_hist {
	const char *route;
	unsigned long buckets[NBUCKETS];
	unsigned long count;
	double sum;
};

/* Routes and statuses are few (tens): linear search is the right tool. */
static struct metrics_count *counts;
static size_t ncounts;
static struct metrics_hist *hists;
static size_t nhists;

void
metrics_http_observe(const char *route, int status, double seconds)
{
	struct metrics_hist *h = NULL;
	size_t i;

	for (i = 0; i < ncounts; i++) {
		if (counts[i].status == status &&
		    strcmp(counts[i].route, route) == 0)
			break;
	}
	if (i == ncounts) {
		counts = xreallocarray(counts, ++ncounts, sizeof *counts);
		counts[i].route = route;
		counts[i].status = status;
		counts[i].n = 0;
	}
	counts[i].n++;

	for (i = 0; i < nhists; i++) {
		if (strcmp(hists[i].route, route) == 0) {
			h = &hists[i];
			break;
		}
	}
	if (h == NULL) {
		hists = xreallocarray(hists, ++nhists, sizeof *hists);
		h = &hists[nhists - 1];
		memset(h, 0, sizeof *h);
		h->route = route;
	}
	for (i = 0; i < NBUCKETS; i++) {
		if (seconds <= metrics_buckets[i])
			h->buckets[i]++;
	}
	h->count++;
	h->sum += seconds;
}

void
metrics_render(struct evbuffer *b, const struct db_stats *db)
{
	size_t i, j;

	evbuffer_add_printf(b,
	    "# HELP patrol_http_requests_total HTTP requests answered, by "
	    "route and status.\n"
	    "# TYPE patrol_http_requests_total counter\n");
	for (i = 0; i < ncounts; i++)
		evbuffer_add_printf(b,
		    "patrol_http_requests_total{route=\"%s\",code=\"%d\"} "
		    "%lu\n",
		    counts[i].route, counts[i].status, counts[i].n);
	evbuffer_add_printf(b,
	    "# HELP patrol_http_request_duration_seconds Time from request "
	    "to reply, by route.\n"
	    "# TYPE patrol_http_request_duration_seconds histogram\n");
	for (i = 0; i < nhists; i++) {
		for (j = 0; j < NBUCKETS; j++)
			evbuffer_add_printf(b,
			    "patrol_http_request_duration_seconds_bucket{"
			    "route=\"%s\",le=\"%g\"} %lu\n",
			    hists[i].route, metrics_buckets[j],
			    hists[i].buckets[j]);
		evbuffer_add_printf(b,
		    "patrol_http_request_duration_seconds_bucket{route=\"%s\","
		    "le=\"+Inf\"} %lu\n"
		    "patrol_http_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\n"
		    "patrol_http_request_duration_seconds_count{route=\"%s\"} "
		    "%lu\n",
		    hists[i].route, hists[i].count, hists[i].route,
		    hists[i].sum, hists[i].route, hists[i].count);
	}
	if (db == NULL)
		return;
	evbuffer_add_printf(b,
	    "# HELP patrol_db_connections Open, usable pool connections.\n"
	    "# TYPE patrol_db_connections gauge\n"
	    "patrol_db_connections %d\n"
	    "# HELP patrol_db_in_use Pool connections running a query.\n"
	    "# TYPE patrol_db_in_use gauge\n"
	    "patrol_db_in_use %d\n"
	    "# HELP patrol_db_waiting Queries waiting for a connection.\n"
	    "# TYPE patrol_db_waiting gauge\n"
	    "patrol_db_waiting %d\n"
	    "# HELP patrol_db_reconnects_total Connections lost after "
	    "being up.\n"
	    "# TYPE patrol_db_reconnects_total counter\n"
	    "patrol_db_reconnects_total %lu\n"
	    "# HELP patrol_db_queries_total Queries submitted to the pool.\n"
	    "# TYPE patrol_db_queries_total counter\n"
	    "patrol_db_queries_total %lu\n"
	    "# HELP patrol_db_failures_total Queries failed as unavailable "
	    "or timed out.\n"
	    "# TYPE patrol_db_failures_total counter\n"
	    "patrol_db_failures_total %lu\n"
	    "# HELP patrol_db_groups_total Transactions shared by statements "
	    "that waited together (db_query_grouped).\n"
	    "# TYPE patrol_db_groups_total counter\n"
	    "patrol_db_groups_total %lu\n"
	    "# HELP patrol_db_grouped_total Statements run in shared "
	    "transactions.\n"
	    "# TYPE patrol_db_grouped_total counter\n"
	    "patrol_db_grouped_total %lu\n"
	    "# HELP patrol_db_regrouped_total Statements run again alone "
	    "after their group failed.\n"
	    "# TYPE patrol_db_regrouped_total counter\n"
	    "patrol_db_regrouped_total %lu\n",
	    db->connections, db->busy, db->waiting, db->reconnects, db->queries,
	    db->failures, db->groups, db->grouped, db->regrouped);
}

void
metrics_reset(void)
{
	free(counts);
	free(hists);
	counts = NULL;
	hists = NULL;
	ncounts = nhists = 0;
}

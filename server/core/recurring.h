/*
 * Recurring sites (issue 17): requests of one category that lie within a
 * radius of each other form a cluster (single linkage, the same clusters
 * as PostGIS ST_ClusterDBSCAN(eps => radius, minpoints => 2)); a cluster
 * is a recurring site when its requests fall in at least two different
 * seasons (calendar years, local time). Pure: no I/O, no libevent/libpq.
 */
#ifndef PATROL_RECURRING_H
#define PATROL_RECURRING_H

#include <stddef.h>

#include "compiler.h"

struct recurring_point {
	double e, n; /* projected metres */
	int season;  /* calendar year in local time */
};

/*
 * Labels each point: label[i] >= 0 names its cluster (0, 1, ... in the
 * order of each cluster's first point), -1 for a point with no neighbour
 * within radius_m. Returns the number of clusters, or -1 if radius_m is
 * not positive. label must hold n ints. O(n) expected (a grid of radius
 * cells), memory O(n).
 */
PATROL_MUSTCHECK int recurring_cluster(const struct recurring_point *, size_t n,
    double radius_m, int *label) __attribute__((warn_unused_result));

/* One recurring site: the points of a cluster seen in >= 2 seasons. */
struct recurring_site {
	size_t *members; /* indexes into the points, in index order */
	size_t count;
	int seasons; /* distinct seasons */
	int first_season, last_season;
	double e, n; /* centroid */
};

/*
 * The recurring sites among the clusters of label (from
 * recurring_cluster): those whose points span at least min_seasons
 * distinct seasons. Sorted by count, then seasons, descending, then by the
 * first member. *out is set to an array the caller frees with
 * recurring_sites_free. Returns the number of sites.
 */
size_t recurring_sites(const struct recurring_point *, size_t n,
    const int *label, int nclusters, int min_seasons,
    struct recurring_site **out);
void recurring_sites_free(struct recurring_site *, size_t n);

#endif

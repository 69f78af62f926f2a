/*
 * Recurring-site clustering: a hash grid of radius-sized cells; each point
 * is compared with the points of its own and the eight neighbouring cells
 * and joined to them with union-find. Single linkage at radius r with
 * minimum cluster size 2 is exactly DBSCAN with eps r and minpoints 2:
 * every point that has a neighbour is a core point.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recurring.h"
#include "uf.h"
#include "xmalloc.h"

struct grid_cell {
	int64_t gx, gy;
	size_t head; /* first point, chained through next[] */
	int used;
};

static uint64_t
grid_hash(int64_t gx, int64_t gy)
{
	uint64_t h = (uint64_t)gx * 0x9E3779B97F4A7C15ULL ^
	    ((uint64_t)gy + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;

	return h ^ (h >> 29);
}

static struct grid_cell *
grid_slot(struct grid_cell *cells, size_t mask, int64_t gx, int64_t gy)
{
	size_t i = (size_t)grid_hash(gx, gy) & mask;

	while (cells[i].used && (cells[i].gx != gx || cells[i].gy != gy))
		i = (i + 1) & mask;
	return &cells[i];
}

int
recurring_cluster(
    const struct recurring_point *p, size_t n, double radius_m, int *label)
{
	struct grid_cell *cells, *c;
	size_t *parent, *next, *root_label, cap = 16, mask, i, j;
	double r2 = radius_m * radius_m;
	int64_t gx, gy, dx, dy;
	int nclusters = 0;
	char *linked;

	if (!(radius_m > 0) || !isfinite(radius_m))
		return -1;
	if (n == 0)
		return 0;
	while (cap < n * 2)
		cap *= 2;
	mask = cap - 1;
	cells = xcalloc(cap, sizeof *cells);
	parent = xreallocarray(NULL, n, sizeof *parent);
	next = xreallocarray(NULL, n, sizeof *next);
	linked = xcalloc(n, 1);
	for (i = 0; i < n; i++) {
		parent[i] = i;
		gx = (int64_t)floor(p[i].e / radius_m);
		gy = (int64_t)floor(p[i].n / radius_m);
		/* Join to the points already placed in the 3x3 cells. */
		for (dx = -1; dx <= 1; dx++) {
			for (dy = -1; dy <= 1; dy++) {
				c = grid_slot(cells, mask, gx + dx, gy + dy);
				if (!c->used)
					continue;
				for (j = c->head; j != SIZE_MAX; j = next[j]) {
					double ex = p[i].e - p[j].e,
					       ny = p[i].n - p[j].n;

					if (ex * ex + ny * ny <= r2) {
						uf_union(parent, i, j);
						linked[i] = linked[j] = 1;
					}
				}
			}
		}
		c = grid_slot(cells, mask, gx, gy);
		if (!c->used) {
			c->used = 1;
			c->gx = gx;
			c->gy = gy;
			c->head = SIZE_MAX;
		}
		next[i] = c->head;
		c->head = i;
	}
	root_label = next; /* reused: label of each root, SIZE_MAX unset */
	for (i = 0; i < n; i++)
		root_label[i] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		if (!linked[i]) {
			label[i] = -1;
			continue;
		}
		j = uf_find(parent, i);
		if (root_label[j] == SIZE_MAX)
			root_label[j] = (size_t)nclusters++;
		label[i] = (int)root_label[j];
	}
	free(cells);
	free(parent);
	free(next);
	free(linked);
	return nclusters;
}

static int
site_cmp(const void *a, const void *b)
{
	const struct recurring_site *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->seasons != y->seasons)
		return x->seasons > y->seasons ? -1 : 1;
	return x->members[0] < y->members[0] ? -1
	                                     : x->members[0] > y->members[0];
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

size_t
recurring_sites(const struct recurring_point *p, size_t n, const int *label,
    int nclusters, int min_seasons, struct recurring_site **out)
{
	struct recurring_site *all, *s;
	size_t i, k, nsites = 0;
	int *years, ny;

	*out = NULL;
	if (nclusters <= 0)
		return 0;
	all = xcalloc((size_t)nclusters, sizeof *all);
	for (i = 0; i < n; i++) {
		if (label[i] >= 0)
			all[label[i]].count++;
	}
	for (k = 0; k < (size_t)nclusters; k++) {
		all[k].members =
		    xreallocarray(NULL, all[k].count, sizeof(size_t));
		all[k].count = 0;
	}
	for (i = 0; i < n; i++) {
		if (label[i] < 0)
			continue;
		s = &all[label[i]];
		s->members[s->count++] = i;
		s->e += p[i].e;
		s->n += p[i].n;
	}
	for (k = 0; k < (size_t)nclusters; k++) {
		s = &all[k];
		years = xreallocarray(NULL, s->count, sizeof *years);
		for (i = 0; i < s->count; i++)
			years[i] = p[s->members[i]].season;
		qsort(years, s->count, sizeof *years, int_cmp);
		for (ny = 0, i = 0; i < s->count; i++)
			ny += i == 0 || years[i] != years[i - 1];
		s->seasons = ny;
		s->first_season = years[0];
		s->last_season = years[s->count - 1];
		free(years);
		s->e /= (double)s->count;
		s->n /= (double)s->count;
		if (s->seasons >= min_seasons)
			all[nsites++] = *s;
		else
			free(s->members);
	}
	qsort(all, nsites, sizeof *all, site_cmp);
	*out = all;
	return nsites;
}

void
recurring_sites_free(struct recurring_site *s, size_t n)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < n; i++)
		free(s[i].members);
	free(s);
}

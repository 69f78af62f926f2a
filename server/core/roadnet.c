/*
 * Road-network distances: the graph of road lines, snapping and Dijkstra
 * with a cache of shortest-path trees (see roadnet.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roadnet.h"
#include "uf.h"
#include "xmalloc.h"

#define ROADNET_MAX_VERTICES  (1u << 24)
#define ROADNET_MAX_CELLS     (1u << 22)
#define ROADNET_MAX_TREES     4096
#define ROADNET_SNAP_SLOTS    1024 /* remembered snaps, direct-mapped */
#define ROADNET_DEFAULT_CACHE ((size_t)64 << 20)

struct roadnet_edge {
	uint32_t u, v;
	float w;
};

struct roadnet_snapped {
	double e, n;
	int32_t v; /* vertex, or -1 off the network */
	double d;  /* metres to it */
	int used;
};

struct roadnet {
	double snap_m;
	int built;
	/* vertices */
	double *xy;
	uint32_t nv, capv;
	/* place -> vertex while building: open addressing, keys+1 */
	uint64_t *hkey;
	uint32_t *hval;
	size_t hcap;
	/* edges while building, then adjacency (CSR) */
	struct roadnet_edge *ed;
	size_t ne, cape;
	uint32_t *off, *to;
	float *w;
	uint32_t *comp;
	size_t ncomp;
	double km;
	size_t late;
	/* snapping grid */
	double x0, y0, cell;
	uint32_t ncx, ncy;
	uint32_t *cell_off, *cell_v;
	struct roadnet_snapped snaps[ROADNET_SNAP_SLOTS];
	/* shortest-path trees */
	float **tree;       /* per slot: distance to every vertex */
	uint32_t *tree_src; /* per slot */
	uint64_t *tree_tick;
	int32_t *tree_of; /* per vertex: slot, or -1 */
	size_t ntrees, maxtrees, trees_made, hits;
	uint64_t tick;
	/* Dijkstra's heap and work array */
	double *dist;
	struct roadnet_heap {
		double d;
		uint32_t v;
	} * heap;
	size_t heapcap;
};

struct roadnet *
roadnet_new(double snap_m)
{
	struct roadnet *r = xcalloc(1, sizeof *r);

	r->snap_m = snap_m > 1 ? snap_m : 1;
	return r;
}

static uint64_t
roadnet_key(double x, double y)
{
	/* centimetres; 2^31 cm = 21,000 km covers any projected CRS */
	int64_t a = llround(x * 100), b = llround(y * 100);

	return ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
}

static uint64_t
roadnet_mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static void
roadnet_rehash(struct roadnet *r)
{
	size_t cap = r->hcap ? r->hcap * 2 : 1024, i, h;
	uint64_t *k = xcalloc(cap, sizeof *k);
	uint32_t *v = xcalloc(cap, sizeof *v);

	for (i = 0; i < r->hcap; i++) {
		if (r->hkey[i] == 0)
			continue;
		for (h = roadnet_mix(r->hkey[i]) & (cap - 1); k[h] != 0;
		     h = (h + 1) & (cap - 1))
			;
		k[h] = r->hkey[i];
		v[h] = r->hval[i];
	}
	free(r->hkey);
	free(r->hval);
	r->hkey = k;
	r->hval = v;
	r->hcap = cap;
}

/* The vertex at (x, y), made if new; UINT32_MAX when full. */
static uint32_t
roadnet_vertex(struct roadnet *r, double x, double y)
{
	uint64_t key = roadnet_key(x, y);
	size_t h;

	if ((size_t)r->nv * 2 >= r->hcap)
		roadnet_rehash(r);
	for (h = roadnet_mix(key) & (r->hcap - 1); r->hkey[h] != 0;
	     h = (h + 1) & (r->hcap - 1))
		if (r->hkey[h] == key)
			return r->hval[h];
	if (r->nv >= ROADNET_MAX_VERTICES)
		return UINT32_MAX;
	if (r->nv == r->capv) {
		r->capv = r->capv ? r->capv * 2 : 1024;
		r->xy = xreallocarray(r->xy, r->capv, 2 * sizeof *r->xy);
	}
	r->xy[2 * r->nv] = x;
	r->xy[2 * r->nv + 1] = y;
	r->hkey[h] = key;
	r->hval[h] = r->nv;
	return r->nv++;
}

static void
roadnet_edge(struct roadnet *r, uint32_t u, uint32_t v)
{
	double w = hypot(
	    r->xy[2 * v] - r->xy[2 * u], r->xy[2 * v + 1] - r->xy[2 * u + 1]);

	if (r->ne == r->cape) {
		r->cape = r->cape ? r->cape * 2 : 1024;
		r->ed = xreallocarray(r->ed, r->cape, sizeof *r->ed);
	}
	r->ed[r->ne++] = (struct roadnet_edge){u, v, (float)w};
	r->km += w / 1000;
}

/*
 * A segment of a line, cut into steps of at most snap_m / 2 so that every
 * place near the road is near a vertex (places snap to vertices).
 */
static void
roadnet_segment(struct roadnet *r, uint32_t u, uint32_t v)
{
	double x0 = r->xy[2 * u], y0 = r->xy[2 * u + 1];
	double dx = r->xy[2 * v] - x0, dy = r->xy[2 * v + 1] - y0;
	double steps = ceil(hypot(dx, dy) / (r->snap_m / 2));
	uint32_t prev = u, w;
	long i;

	if (steps > 1e5)
		steps = 1e5; /* a segment across a country: coarser */
	for (i = 1; i < (long)steps; i++) {
		w = roadnet_vertex(r, x0 + dx * (double)i / steps,
		    y0 + dy * (double)i / steps);
		if (w == UINT32_MAX)
			break;
		if (w != prev)
			roadnet_edge(r, prev, w);
		prev = w;
	}
	if (v != prev)
		roadnet_edge(r, prev, v);
}

void
roadnet_add_line(struct roadnet *r, const double *xy, size_t npoints)
{
	uint32_t prev = UINT32_MAX, v;
	size_t i;

	if (r->built) {
		r->late++;
		return;
	}
	for (i = 0; i < npoints; i++) {
		if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]) ||
		    fabs(xy[2 * i]) > 1e9 || fabs(xy[2 * i + 1]) > 1e9) {
			prev = UINT32_MAX; /* a break in the line */
			continue;
		}
		v = roadnet_vertex(r, xy[2 * i], xy[2 * i + 1]);
		if (v != UINT32_MAX && prev != UINT32_MAX && v != prev)
			roadnet_segment(r, prev, v);
		prev = v;
	}
}

static void
roadnet_components(struct roadnet *r)
{
	size_t *parent = xreallocarray(NULL, r->nv ? r->nv : 1, sizeof *parent);
	uint32_t *id = xreallocarray(NULL, r->nv ? r->nv : 1, 4), i, a;
	size_t k;

	for (i = 0; i < r->nv; i++) {
		parent[i] = i;
		id[i] = UINT32_MAX;
	}
	for (k = 0; k < r->ne; k++)
		uf_union(parent, r->ed[k].u, r->ed[k].v);
	r->comp = xreallocarray(NULL, r->nv ? r->nv : 1, 4);
	r->ncomp = 0;
	for (i = 0; i < r->nv; i++) {
		a = (uint32_t)uf_find(parent, i);
		if (id[a] == UINT32_MAX)
			id[a] = (uint32_t)r->ncomp++;
		r->comp[i] = id[a];
	}
	free(parent);
	free(id);
}

static void
roadnet_grid(struct roadnet *r)
{
	double x1 = -1e18, y1 = -1e18;
	uint32_t i, c;
	size_t ncells;

	r->x0 = r->y0 = 1e18;
	for (i = 0; i < r->nv; i++) {
		r->x0 = fmin(r->x0, r->xy[2 * i]);
		r->y0 = fmin(r->y0, r->xy[2 * i + 1]);
		x1 = fmax(x1, r->xy[2 * i]);
		y1 = fmax(y1, r->xy[2 * i + 1]);
	}
	if (r->nv == 0)
		r->x0 = r->y0 = x1 = y1 = 0;
	/* Cells of the snapping distance, larger if there would be many. */
	r->cell = r->snap_m;
	while (((x1 - r->x0) / r->cell + 1) * ((y1 - r->y0) / r->cell + 1) >
	    ROADNET_MAX_CELLS)
		r->cell *= 2;
	r->ncx = (uint32_t)((x1 - r->x0) / r->cell) + 1;
	r->ncy = (uint32_t)((y1 - r->y0) / r->cell) + 1;
	ncells = (size_t)r->ncx * r->ncy;
	r->cell_off = xcalloc(ncells + 1, sizeof *r->cell_off);
	r->cell_v = xreallocarray(NULL, r->nv ? r->nv : 1, 4);
	for (i = 0; i < r->nv; i++) {
		c = (uint32_t)((r->xy[2 * i + 1] - r->y0) / r->cell) * r->ncx +
		    (uint32_t)((r->xy[2 * i] - r->x0) / r->cell);
		r->cell_off[c + 1]++;
	}
	for (c = 0; c < ncells; c++)
		r->cell_off[c + 1] += r->cell_off[c];
	{
		uint32_t *fill = xreallocarray(NULL, ncells, 4);

		memcpy(fill, r->cell_off, ncells * 4);
		for (i = 0; i < r->nv; i++) {
			c = (uint32_t)((r->xy[2 * i + 1] - r->y0) / r->cell) *
			        r->ncx +
			    (uint32_t)((r->xy[2 * i] - r->x0) / r->cell);
			r->cell_v[fill[c]++] = i;
		}
		free(fill);
	}
}

void
roadnet_build(struct roadnet *r, size_t cache_bytes)
{
	size_t k, per;
	uint32_t i, *fill;

	if (r->built)
		return;
	r->built = 1;
	free(r->hkey);
	free(r->hval);
	r->hkey = NULL;
	r->hval = NULL;
	r->off = xcalloc((size_t)r->nv + 1, sizeof *r->off);
	r->to = xreallocarray(NULL, 2 * r->ne + 1, sizeof *r->to);
	r->w = xreallocarray(NULL, 2 * r->ne + 1, sizeof *r->w);
	for (k = 0; k < r->ne; k++) {
		r->off[r->ed[k].u + 1]++;
		r->off[r->ed[k].v + 1]++;
	}
	for (i = 0; i < r->nv; i++)
		r->off[i + 1] += r->off[i];
	fill = xreallocarray(NULL, r->nv ? r->nv : 1, sizeof *fill);
	if (r->nv > 0)
		memcpy(fill, r->off, (size_t)r->nv * sizeof *fill);
	for (k = 0; k < r->ne; k++) {
		r->to[fill[r->ed[k].u]] = r->ed[k].v;
		r->w[fill[r->ed[k].u]++] = r->ed[k].w;
		r->to[fill[r->ed[k].v]] = r->ed[k].u;
		r->w[fill[r->ed[k].v]++] = r->ed[k].w;
	}
	free(fill);
	roadnet_components(r);
	free(r->ed);
	r->ed = NULL;
	roadnet_grid(r);
	if (cache_bytes == 0)
		cache_bytes = ROADNET_DEFAULT_CACHE;
	per = ((size_t)r->nv + 1) * sizeof(float);
	r->maxtrees = cache_bytes / per;
	if (r->maxtrees < 4)
		r->maxtrees = 4;
	if (r->maxtrees > ROADNET_MAX_TREES)
		r->maxtrees = ROADNET_MAX_TREES;
	r->tree = xcalloc(r->maxtrees, sizeof *r->tree);
	r->tree_src = xcalloc(r->maxtrees, sizeof *r->tree_src);
	r->tree_tick = xcalloc(r->maxtrees, sizeof *r->tree_tick);
	r->tree_of = xreallocarray(NULL, r->nv ? r->nv : 1, 4);
	for (i = 0; i < r->nv; i++)
		r->tree_of[i] = -1;
	r->dist = xreallocarray(NULL, r->nv ? r->nv : 1, sizeof *r->dist);
}

void
roadnet_free(struct roadnet *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ntrees; i++)
		free(r->tree[i]);
	free(r->tree);
	free(r->tree_src);
	free(r->tree_tick);
	free(r->tree_of);
	free(r->dist);
	free(r->heap);
	free(r->xy);
	free(r->hkey);
	free(r->hval);
	free(r->ed);
	free(r->off);
	free(r->to);
	free(r->w);
	free(r->comp);
	free(r->cell_off);
	free(r->cell_v);
	free(r);
}

void
roadnet_stats(const struct roadnet *r, struct roadnet_stats *s)
{
	s->vertices = r->nv;
	s->edges = r->built ? r->off[r->nv] / 2 : r->ne;
	s->components = r->ncomp;
	s->km = r->km;
	s->late = r->late;
	s->trees = r->trees_made;
	s->cache_hit = r->hits;
}

/* The nearest vertex within snap_m (and its distance), or -1. */
static int32_t
roadnet_nearest(const struct roadnet *r, double e, double n, double *d)
{
	long cx, cy, x, y;
	double best = r->snap_m, dd;
	int32_t v = -1;
	uint32_t k;

	if (!r->built || r->nv == 0 || !isfinite(e) || !isfinite(n))
		return -1;
	cx = (long)floor((e - r->x0) / r->cell);
	cy = (long)floor((n - r->y0) / r->cell);
	if (cx < -1 || cy < -1 || cx > (long)r->ncx || cy > (long)r->ncy)
		return -1; /* more than a cell outside the network */
	for (y = cy - 1; y <= cy + 1; y++) {
		if (y < 0 || y >= (long)r->ncy)
			continue;
		for (x = cx - 1; x <= cx + 1; x++) {
			size_t c = (size_t)y * r->ncx + (size_t)x;

			if (x < 0 || x >= (long)r->ncx)
				continue;
			for (k = r->cell_off[c]; k < r->cell_off[c + 1]; k++) {
				uint32_t u = r->cell_v[k];

				dd = hypot(
				    r->xy[2 * u] - e, r->xy[2 * u + 1] - n);
				if (dd <= best) {
					best = dd;
					v = (int32_t)u;
				}
			}
		}
	}
	*d = best;
	return v;
}

static int32_t
roadnet_snap_v(struct roadnet *r, double e, double n, double *d)
{
	uint64_t a, b;
	struct roadnet_snapped *s;

	memcpy(&a, &e, sizeof a);
	memcpy(&b, &n, sizeof b);
	s = &r->snaps[roadnet_mix(a * 31 + b) % ROADNET_SNAP_SLOTS];
	if (!s->used || s->e != e || s->n != n) {
		s->e = e;
		s->n = n;
		s->d = 0;
		s->v = roadnet_nearest(r, e, n, &s->d);
		s->used = 1;
	}
	*d = s->d;
	return s->v;
}

double
roadnet_snap(struct roadnet *r, double e, double n)
{
	double d;

	return roadnet_snap_v(r, e, n, &d) < 0 ? -1 : d;
}

static void
roadnet_push(struct roadnet *r, size_t *nh, double d, uint32_t v)
{
	size_t i = (*nh)++, p;

	if (*nh > r->heapcap) {
		r->heapcap = r->heapcap ? r->heapcap * 2 : 1024;
		r->heap = xreallocarray(r->heap, r->heapcap, sizeof *r->heap);
	}
	while (i > 0 && r->heap[p = (i - 1) / 2].d > d) {
		r->heap[i] = r->heap[p];
		i = p;
	}
	r->heap[i].d = d;
	r->heap[i].v = v;
}

static struct roadnet_heap
roadnet_pop(struct roadnet *r, size_t *nh)
{
	struct roadnet_heap top = r->heap[0], last = r->heap[--*nh];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < *nh) {
		if (c + 1 < *nh && r->heap[c + 1].d < r->heap[c].d)
			c++;
		if (r->heap[c].d >= last.d)
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (*nh > 0)
		r->heap[i] = last;
	return top;
}

/* The shortest-path tree from src, computed into a cache slot. */
static const float *
roadnet_tree(struct roadnet *r, uint32_t src)
{
	size_t slot, i, nh = 0;
	uint32_t k;
	float *t;

	if (r->tree_of[src] >= 0) {
		slot = (size_t)r->tree_of[src];
		r->tree_tick[slot] = ++r->tick;
		return r->tree[slot];
	}
	if (r->ntrees < r->maxtrees) {
		slot = r->ntrees++;
		r->tree[slot] = xreallocarray(NULL, r->nv, sizeof(float));
	} else {
		/* The tree used longest ago makes room. */
		slot = 0;
		for (i = 1; i < r->ntrees; i++)
			if (r->tree_tick[i] < r->tree_tick[slot])
				slot = i;
		r->tree_of[r->tree_src[slot]] = -1;
	}
	for (k = 0; k < r->nv; k++)
		r->dist[k] = INFINITY;
	r->dist[src] = 0;
	roadnet_push(r, &nh, 0, src);
	while (nh > 0) {
		struct roadnet_heap h = roadnet_pop(r, &nh);

		if (h.d > r->dist[h.v])
			continue; /* a stale entry */
		for (k = r->off[h.v]; k < r->off[h.v + 1]; k++) {
			double nd = h.d + r->w[k];

			if (nd < r->dist[r->to[k]]) {
				r->dist[r->to[k]] = nd;
				roadnet_push(r, &nh, nd, r->to[k]);
			}
		}
	}
	t = r->tree[slot];
	for (k = 0; k < r->nv; k++)
		t[k] = (float)r->dist[k];
	r->tree_src[slot] = src;
	r->tree_of[src] = (int32_t)slot;
	r->tree_tick[slot] = ++r->tick;
	r->trees_made++;
	return t;
}

double
roadnet_distance(struct roadnet *r, double e0, double n0, double e1, double n1)
{
	double d0, d1;
	int32_t a, b;
	const float *t;

	if ((a = roadnet_snap_v(r, e0, n0, &d0)) < 0 ||
	    (b = roadnet_snap_v(r, e1, n1, &d1)) < 0 ||
	    r->comp[a] != r->comp[b])
		return -1;
	if (a == b) /* both beside one vertex: no road between them */
		return hypot(e1 - e0, n1 - n0);
	if (r->tree_of[a] < 0 && r->tree_of[b] >= 0) {
		t = roadnet_tree(r, (uint32_t)b);
		r->hits++;
		return d0 + t[a] + d1;
	}
	if (r->tree_of[a] >= 0)
		r->hits++;
	t = roadnet_tree(r, (uint32_t)a);
	return d0 + t[b] + d1;
}

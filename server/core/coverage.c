#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "geo.h"
#include "xmalloc.h"

#define COVERAGE_CELL 64.0 /* metres: a few track segments per cell */

struct coverage_cell {
	uint64_t key;
	size_t seg;
};

struct coverage_hit {
	long long session;
	size_t sub; /* which segment of the piece */
	double t0, t1;
	double at;
};

void
coverage_params_default(struct coverage_params *p)
{
	p->distance_m = 20;
	p->share = 0.8;
	p->max_speed_ms = 30 / 3.6;
	p->max_gap_s = 60;
	p->max_gap_m = 300;
}

/* Where a + t*dir is within d of c: one interval or none. */
static int
coverage_disc(const double a[2], const double dir[2], const double c[2],
    double d, double *t0, double *t1)
{
	double ax = a[0] - c[0], ay = a[1] - c[1];
	double qa = dir[0] * dir[0] + dir[1] * dir[1];
	double qb = 2 * (dir[0] * ax + dir[1] * ay);
	double qc = ax * ax + ay * ay - d * d, disc, r;

	disc = qb * qb - 4 * qa * qc;
	if (qa == 0 || disc < 0)
		return 0;
	r = sqrt(disc);
	*t0 = (-qb - r) / (2 * qa);
	*t1 = (-qb + r) / (2 * qa);
	return 1;
}

/* Liang-Barsky: narrows [t0, t1] to where lo <= p + t*dp <= hi. */
static int
coverage_slab(double p, double dp, double lo, double hi, double *t0, double *t1)
{
	double ta, tb, s;

	if (dp == 0)
		return p >= lo && p <= hi;
	ta = (lo - p) / dp;
	tb = (hi - p) / dp;
	if (ta > tb) {
		s = ta;
		ta = tb;
		tb = s;
	}
	if (ta > *t0)
		*t0 = ta;
	if (tb < *t1)
		*t1 = tb;
	return *t0 <= *t1;
}

int
coverage_clip(const double a[2], const double b[2], const double q0[2],
    const double q1[2], double d, double *t0, double *t1)
{
	double dir[2] = {b[0] - a[0], b[1] - a[1]};
	double lo = INFINITY, hi = -INFINITY, s0, s1, u[2], len;
	int any = 0;

	/* The capsule is convex: the line meets it in one interval, the
	 * hull of where it meets its two discs and its rectangle. */
	if (coverage_disc(a, dir, q0, d, &s0, &s1)) {
		lo = fmin(lo, s0);
		hi = fmax(hi, s1);
		any = 1;
	}
	if (coverage_disc(a, dir, q1, d, &s0, &s1)) {
		lo = fmin(lo, s0);
		hi = fmax(hi, s1);
		any = 1;
	}
	len = hypot(q1[0] - q0[0], q1[1] - q0[1]);
	if (len > 0) {
		u[0] = (q1[0] - q0[0]) / len;
		u[1] = (q1[1] - q0[1]) / len;
		s0 = -INFINITY;
		s1 = INFINITY;
		/* Along the track segment: 0..len; across it: -d..d. */
		if (coverage_slab((a[0] - q0[0]) * u[0] + (a[1] - q0[1]) * u[1],
		        dir[0] * u[0] + dir[1] * u[1], 0, len, &s0, &s1) &&
		    coverage_slab(
		        -(a[0] - q0[0]) * u[1] + (a[1] - q0[1]) * u[0],
		        -dir[0] * u[1] + dir[1] * u[0], -d, d, &s0, &s1)) {
			lo = fmin(lo, s0);
			hi = fmax(hi, s1);
			any = 1;
		}
	}
	if (!any)
		return 0;
	*t0 = fmax(lo, 0);
	*t1 = fmin(hi, 1);
	return *t0 < *t1;
}

static int
coverage_fix_cmp(const void *x, const void *y)
{
	const struct coverage_fix *a = x, *b = y;

	if (a->session != b->session)
		return a->session < b->session ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

static int
coverage_cell_cmp(const void *x, const void *y)
{
	const struct coverage_cell *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->seg < b->seg ? -1 : a->seg > b->seg;
}

static int
coverage_hit_cmp(const void *x, const void *y)
{
	const struct coverage_hit *a = x, *b = y;

	if (a->session != b->session)
		return a->session < b->session ? -1 : 1;
	if (a->sub != b->sub)
		return a->sub < b->sub ? -1 : 1;
	return a->t0 < b->t0 ? -1 : a->t0 > b->t0;
}

static uint64_t
coverage_key(long ix, long iy)
{
	return (uint64_t)(uint32_t)ix << 32 | (uint32_t)iy;
}

/* May the track count between fixes a and b? (patrol speed, no big gap) */
static int
coverage_joinable(const struct coverage_fix *a, const struct coverage_fix *b,
    const struct coverage_params *p, int *gap)
{
	double dt = b->at - a->at, dist = hypot(b->e - a->e, b->n - a->n);

	*gap = a->session != b->session || dt > p->max_gap_s ||
	    dist > p->max_gap_m;
	if (*gap)
		return 0;
	if (dt <= 0)
		return dist == 0;
	return dist / dt <= p->max_speed_ms;
}

struct coverage_seg *
coverage_segments(const struct coverage_fix *in, size_t n,
    const struct coverage_params *p, size_t *nsegs)
{
	struct coverage_fix *f = xreallocarray(NULL, n + 1, sizeof *f);
	struct coverage_seg *s = xreallocarray(NULL, n + 1, sizeof *s);
	size_t i, k = 0;
	int join_prev = 0, gap_prev = 1, join_next, gap_next;

	if (n > 0)
		memcpy(f, in, n * sizeof *f);
	if (n > 0)
		qsort(f, n, sizeof *f, coverage_fix_cmp);
	for (i = 0; i < n; i++) {
		join_next = 0;
		gap_next = 1;
		if (i + 1 < n)
			join_next =
			    coverage_joinable(&f[i], &f[i + 1], p, &gap_next);
		if (join_next) {
			s[k].q0[0] = f[i].e;
			s[k].q0[1] = f[i].n;
			s[k].q1[0] = f[i + 1].e;
			s[k].q1[1] = f[i + 1].n;
			s[k].session = f[i].session;
			s[k++].at = f[i + 1].at;
		} else if (!join_prev && gap_prev && gap_next) {
			/* A lone fix between real gaps still saw its
			 * surroundings; one dropped for speed did not. */
			s[k].q0[0] = s[k].q1[0] = f[i].e;
			s[k].q0[1] = s[k].q1[1] = f[i].n;
			s[k].session = f[i].session;
			s[k++].at = f[i].at;
		}
		join_prev = join_next;
		gap_prev = gap_next;
	}
	free(f);
	*nsegs = k;
	return s;
}

static struct coverage_cell *
coverage_grid(const struct coverage_seg *s, size_t n, double d, size_t *ncells)
{
	struct coverage_cell *c = NULL;
	size_t k = 0, cap = 0, i;
	long x, y, x0, x1, y0, y1;

	for (i = 0; i < n; i++) {
		x0 = (long)floor(
		    (fmin(s[i].q0[0], s[i].q1[0]) - d) / COVERAGE_CELL);
		x1 = (long)floor(
		    (fmax(s[i].q0[0], s[i].q1[0]) + d) / COVERAGE_CELL);
		y0 = (long)floor(
		    (fmin(s[i].q0[1], s[i].q1[1]) - d) / COVERAGE_CELL);
		y1 = (long)floor(
		    (fmax(s[i].q0[1], s[i].q1[1]) + d) / COVERAGE_CELL);
		for (x = x0; x <= x1; x++) {
			for (y = y0; y <= y1; y++) {
				if (k == cap) {
					cap = cap * 2 + 1024;
					c = xreallocarray(c, cap, sizeof *c);
				}
				c[k].key = coverage_key(x, y);
				c[k++].seg = i;
			}
		}
	}
	if (k > 0)
		qsort(c, k, sizeof *c, coverage_cell_cmp);
	*ncells = k;
	return c;
}

/* The first grid entry of a cell, or ncells. */
static size_t
coverage_find(const struct coverage_cell *c, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct coverage_touches {
	struct coverage_touch *v;
	size_t n, cap;
};

static void
coverage_touch_add(struct coverage_touches *t, size_t piece, long long session,
    double share, double at)
{
	if (t == NULL || share <= 0)
		return;
	if (t->n == t->cap) {
		t->cap = t->cap * 2 + 256;
		t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
	}
	t->v[t->n].piece = piece;
	t->v[t->n].session = session;
	t->v[t->n].share = share > 1 ? 1 : share;
	t->v[t->n++].at = at;
}

/* Sums, per session, the merged covered length of the piece's hits. */
static void
coverage_piece_result(struct coverage_piece *pc, size_t index,
    struct coverage_hit *h, size_t nh, const double *sublen, double length,
    double share, struct coverage_touches *touches)
{
	size_t i = 0, j;
	double covered, end, best = 0;
	double at, when = 0;
	long long best_session = 0;

	if (nh > 0)
		qsort(h, nh, sizeof *h, coverage_hit_cmp);
	while (i < nh) {
		covered = 0;
		at = 0;
		for (j = i; j < nh && h[j].session == h[i].session;) {
			size_t sub = h[j].sub;

			end = -1;
			for (; j < nh && h[j].session == h[i].session &&
			     h[j].sub == sub;
			     j++) {
				double t0 = fmax(h[j].t0, end);

				if (h[j].t1 > t0)
					covered += (h[j].t1 - t0) * sublen[sub];
				end = fmax(end, h[j].t1);
				if (h[j].at > at)
					at = h[j].at;
			}
		}
		coverage_touch_add(
		    touches, index, h[i].session, covered / length, at);
		if (covered / length > best) {
			best = covered / length;
			best_session = h[i].session;
		}
		/* Of the patrols that inspected it, the latest counts. */
		if (covered / length >= share && at > when) {
			when = at;
			pc->session = h[i].session;
		}
		i = j;
	}
	pc->covered_share = best > 1 ? 1 : best;
	pc->inspected_at = when;
	if (when == 0)
		pc->session = best_session;
}

/* The tracks' segments, found by cell; stamp[s] == the current piece
 * segment's serial: s already tried for it. */
struct coverage_index {
	struct coverage_seg *segs;
	struct coverage_cell *grid;
	size_t nsegs, ncells;
	size_t *stamp;
	double d;
};

/* A piece's hits so far, growing. */
struct coverage_hits {
	struct coverage_hit *v;
	size_t n, cap;
};

/* Each track segment within ix->d of the piece's sub-segment a-b (the k-th,
 * serial unique to it), once, appended to hits with the part of a-b it
 * covers. */
static void
coverage_sub_hits(struct coverage_index *ix, const double a[2],
    const double b[2], size_t k, size_t serial, struct coverage_hits *hits)
{
	long x, y, x0, x1, y0, y1;
	double t0, t1;
	size_t c;

	x0 = (long)floor(fmin(a[0], b[0]) / COVERAGE_CELL);
	x1 = (long)floor(fmax(a[0], b[0]) / COVERAGE_CELL);
	y0 = (long)floor(fmin(a[1], b[1]) / COVERAGE_CELL);
	y1 = (long)floor(fmax(a[1], b[1]) / COVERAGE_CELL);
	for (x = x0; x <= x1; x++) {
		for (y = y0; y <= y1; y++) {
			uint64_t key = coverage_key(x, y);

			for (c = coverage_find(ix->grid, ix->ncells, key);
			     c < ix->ncells && ix->grid[c].key == key; c++) {
				struct coverage_seg *s =
				    &ix->segs[ix->grid[c].seg];

				if (ix->stamp[ix->grid[c].seg] == serial)
					continue;
				ix->stamp[ix->grid[c].seg] = serial;
				if (!coverage_clip(
				        a, b, s->q0, s->q1, ix->d, &t0, &t1))
					continue;
				if (hits->n == hits->cap) {
					hits->cap = hits->cap * 2 + 256;
					hits->v = xreallocarray(hits->v,
					    hits->cap, sizeof *hits->v);
				}
				hits->v[hits->n].session = s->session;
				hits->v[hits->n].sub = k;
				hits->v[hits->n].t0 = t0;
				hits->v[hits->n].t1 = t1;
				hits->v[hits->n++].at = s->at;
			}
		}
	}
}

/* The i-th piece's hits, from the first (hits->n reset), and the length of
 * each of its sub-segments into sublen. */
static void
coverage_piece_hits(struct coverage_index *ix, const struct coverage_piece *pc,
    size_t i, double *sublen, struct coverage_hits *hits)
{
	double a[2], b[2];
	size_t k;

	hits->n = 0;
	for (k = 0; k + 1 < pc->npoints; k++) {
		a[0] = pc->xy[2 * k];
		a[1] = pc->xy[2 * k + 1];
		b[0] = pc->xy[2 * k + 2];
		b[1] = pc->xy[2 * k + 3];
		sublen[k] = hypot(b[0] - a[0], b[1] - a[1]);
		if (sublen[k] == 0)
			continue;
		/* The serial is unique per sub-segment. */
		coverage_sub_hits(ix, a, b, k, i * 65536 + k + 1, hits);
	}
}

static size_t
coverage_run(struct coverage_piece *pieces, size_t npieces,
    const struct coverage_fix *fixes, size_t nfixes,
    const struct coverage_params *p, struct coverage_touches *touches)
{
	struct coverage_index ix = {.d = p->distance_m};
	struct coverage_hits hits = {0};
	size_t i, inspected = 0;
	double *sublen = NULL, length;

	ix.segs = coverage_segments(fixes, nfixes, p, &ix.nsegs);
	ix.grid = coverage_grid(ix.segs, ix.nsegs, ix.d, &ix.ncells);
	ix.stamp = xcalloc(ix.nsegs + 1, sizeof *ix.stamp);
	for (i = 0; i < npieces; i++) {
		struct coverage_piece *pc = &pieces[i];

		pc->covered_share = 0;
		pc->inspected_at = 0;
		pc->session = 0;
		length = geo_length(pc->xy, pc->npoints);
		if (pc->npoints < 2 || length <= 0)
			continue;
		sublen = xreallocarray(sublen, pc->npoints, sizeof *sublen);
		coverage_piece_hits(&ix, pc, i, sublen, &hits);
		coverage_piece_result(
		    pc, i, hits.v, hits.n, sublen, length, p->share, touches);
		if (pc->inspected_at != 0)
			inspected++;
	}
	free(ix.stamp);
	free(sublen);
	free(hits.v);
	free(ix.grid);
	free(ix.segs);
	return inspected;
}

size_t
coverage_compute(struct coverage_piece *pieces, size_t npieces,
    const struct coverage_fix *fixes, size_t nfixes,
    const struct coverage_params *p)
{
	return coverage_run(pieces, npieces, fixes, nfixes, p, NULL);
}

size_t
coverage_compute_touches(struct coverage_piece *pieces, size_t npieces,
    const struct coverage_fix *fixes, size_t nfixes,
    const struct coverage_params *p, struct coverage_touch **touches,
    size_t *ntouches)
{
	struct coverage_touches t = {0};
	size_t n = coverage_run(pieces, npieces, fixes, nfixes, p, &t);

	*touches = t.v;
	*ntouches = t.n;
	return n;
}

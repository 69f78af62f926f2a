/*
 * The VRPTW solver: insertion to build, then ruin and recreate (string
 * removals as in Christiaens and Vanden Berghe's SISR, greedy reinsertion
 * with blinks) under simulated annealing on the travel, after a fleet
 * minimisation phase that takes a route away and drives its jobs back in
 * with the same moves, judged by how long each job has stayed out.
 *
 * Each route keeps, per position, the earliest start of service (es) and
 * the latest start that still lets the rest of the route keep its windows
 * (ls), so trying a job between two positions costs O(1).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrptw.h"
#include "xmalloc.h"

#define VR_CBAR       10.0 /* mean jobs removed per ruin */
#define VR_LMAX       10.0 /* longest string removed */
#define VR_BLINK      0.01 /* chance to skip a position when reinserting */
#define VR_NEIGHBORS  64
#define VR_MATRIX_MAX 3000 /* nodes up to which travel is precomputed */
/* Annealing temperatures, in mean legs of travel. */
#define VR_T0          1.0
#define VR_TF          0.01
#define VR_FLEET_SHARE 0.6  /* of the budget for dropping routes */
#define VR_FLEET_TRIES 5000 /* moves per attempt to drop one route */

struct vr_route {
	int n, cap;
	int *seq; /* seq[0] start node, seq[1..n] jobs, seq[n+1] end node */
	double *es, *ls;
	double load, dist;
};

struct vr_sol {
	struct vr_route *r;
	int *route_of, *pos_of; /* per job; -1 when unplanned */
	int *un, nun;           /* unplanned jobs */
	int unw;                /* their weight */
	int used;
	double dist;
};

struct vr_ctx {
	const struct vrptw_problem *p;
	int nj, nv, nn;
	double *ready, *due, *svc, *x, *y, *dem;
	double *tt; /* nn * nn, or NULL */
	int *nb, nnb;
	unsigned char *dirty;
	uint64_t rng;
	int allow_new;
	int *removed, nremoved;
	int *order;
	double *key;
	unsigned char *ruined;
};

static uint64_t
vr_next(struct vr_ctx *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static double
vr_uniform(struct vr_ctx *c)
{
	return (double)(vr_next(c) >> 11) * (1.0 / 9007199254740992.0);
}

static int
vr_rand(struct vr_ctx *c, int n)
{
	return (int)(vr_uniform(c) * n);
}

double
vrptw_travel(const struct vrptw_problem *p, int a, int b)
{
	int nn = p->njobs + 2 * p->nvehicles;
	double ax, ay, bx, by;
	const struct vrptw_vehicle *v;

	if (p->matrix != NULL)
		return p->matrix[(size_t)a * nn + b];
	if (a < p->njobs) {
		ax = p->jobs[a].x;
		ay = p->jobs[a].y;
	} else {
		v = &p->vehicles[(a - p->njobs) / 2];
		ax = (a - p->njobs) % 2 ? v->ex : v->sx;
		ay = (a - p->njobs) % 2 ? v->ey : v->sy;
	}
	if (b < p->njobs) {
		bx = p->jobs[b].x;
		by = p->jobs[b].y;
	} else {
		v = &p->vehicles[(b - p->njobs) / 2];
		bx = (b - p->njobs) % 2 ? v->ex : v->sx;
		by = (b - p->njobs) % 2 ? v->ey : v->sy;
	}
	return hypot(ax - bx, ay - by) * p->time_per_unit;
}

static inline double
vr_t(const struct vr_ctx *c, int a, int b)
{
	if (c->tt != NULL)
		return c->tt[(size_t)a * c->nn + b];
	return vrptw_travel(c->p, a, b);
}

static int
vr_can(const struct vr_ctx *c, int v, int j)
{
	const struct vrptw_job *jb = &c->p->jobs[j];

	if (jb->vehicle >= 0 && jb->vehicle != v)
		return 0;
	return (jb->skills & ~c->p->vehicles[v].skills) == 0;
}

static void
vr_route_grow(struct vr_route *r, int n)
{
	if (n + 2 <= r->cap)
		return;
	r->cap = (n + 2) * 2;
	r->seq = xreallocarray(r->seq, r->cap, sizeof *r->seq);
	r->es = xreallocarray(r->es, r->cap, sizeof *r->es);
	r->ls = xreallocarray(r->ls, r->cap, sizeof *r->ls);
}

/* Recomputes a route's times, load and travel from its sequence. */
static void
vr_route_update(struct vr_ctx *c, struct vr_sol *s, int v)
{
	struct vr_route *r = &s->r[v];
	int k, a, b;
	double t;

	const struct vrptw_vehicle *veh = &c->p->vehicles[v];
	int pending = veh->break_len > 0;
	double at, bs;

	r->load = 0;
	r->dist = 0;
	r->es[0] = c->ready[r->seq[0]];
	for (k = 1; k <= r->n + 1; k++) {
		a = r->seq[k - 1];
		b = r->seq[k];
		t = vr_t(c, a, b);
		r->dist += t;
		at = r->es[k - 1] + c->svc[a];
		if (pending && k <= r->n &&
		    (bs = vrptw_break_at(veh, at, t, c->ready[b], c->svc[b])) >
		        -1e17) {
			at = fmax(at, bs + veh->break_len);
			pending = 0;
		}
		r->es[k] = at + t;
		if (r->es[k] < c->ready[b])
			r->es[k] = c->ready[b];
		if (k <= r->n) {
			r->load += c->dem[b];
			s->route_of[b] = v;
			s->pos_of[b] = k;
		}
	}
	if (c->p->minimise_waiting)
		for (k = 1; k <= r->n; k++)
			r->dist += r->es[k] - r->es[0];
	r->ls[r->n + 1] = c->due[r->seq[r->n + 1]];
	for (k = r->n; k >= 0; k--) {
		a = r->seq[k];
		t = r->ls[k + 1] - vr_t(c, a, r->seq[k + 1]) - c->svc[a];
		r->ls[k] = t < c->due[a] ? t : c->due[a];
	}
}

static void
vr_sol_totals(struct vr_ctx *c, struct vr_sol *s)
{
	int v, i;

	s->used = 0;
	s->dist = 0;
	for (v = 0; v < c->nv; v++) {
		if (s->r[v].n > 0) {
			s->used++;
			s->dist += s->r[v].dist;
		}
	}
	s->unw = 0;
	for (i = 0; i < s->nun; i++)
		s->unw += c->p->jobs[s->un[i]].weight;
}

static void
vr_sol_init(struct vr_ctx *c, struct vr_sol *s)
{
	int v;

	memset(s, 0, sizeof *s);
	s->r = xcalloc(c->nv ? c->nv : 1, sizeof *s->r);
	for (v = 0; v < c->nv; v++) {
		vr_route_grow(&s->r[v], 8);
		s->r[v].seq[0] = c->nj + 2 * v;
		s->r[v].seq[1] = c->nj + 2 * v + 1;
	}
	s->route_of = xcalloc(c->nj ? c->nj : 1, sizeof *s->route_of);
	s->pos_of = xcalloc(c->nj ? c->nj : 1, sizeof *s->pos_of);
	s->un = xcalloc(c->nj ? c->nj : 1, sizeof *s->un);
}

static void
vr_sol_fini(struct vr_ctx *c, struct vr_sol *s)
{
	int v;

	for (v = 0; v < c->nv; v++) {
		free(s->r[v].seq);
		free(s->r[v].es);
		free(s->r[v].ls);
	}
	free(s->r);
	free(s->route_of);
	free(s->pos_of);
	free(s->un);
}

static void
vr_route_copy(struct vr_route *d, const struct vr_route *s)
{
	vr_route_grow(d, s->n);
	d->n = s->n;
	memcpy(d->seq, s->seq, (s->n + 2) * sizeof *s->seq);
	memcpy(d->es, s->es, (s->n + 2) * sizeof *s->es);
	memcpy(d->ls, s->ls, (s->n + 2) * sizeof *s->ls);
	d->load = s->load;
	d->dist = s->dist;
}

/* Copies src into dst; with dirty, only the routes it marks. */
static void
vr_sol_copy(struct vr_ctx *c, struct vr_sol *d, const struct vr_sol *s,
    const unsigned char *dirty)
{
	int v;

	for (v = 0; v < c->nv; v++) {
		if (dirty == NULL || dirty[v])
			vr_route_copy(&d->r[v], &s->r[v]);
	}
	memcpy(d->route_of, s->route_of, c->nj * sizeof *s->route_of);
	memcpy(d->pos_of, s->pos_of, c->nj * sizeof *s->pos_of);
	memcpy(d->un, s->un, s->nun * sizeof *s->un);
	d->nun = s->nun;
	d->unw = s->unw;
	d->used = s->used;
	d->dist = s->dist;
}

/* 1 if a is better than b: unplanned weight, vehicles, then travel. */
static int
vr_better(
    const struct vr_ctx *c, const struct vr_sol *a, const struct vr_sol *b)
{
	if (a->unw != b->unw)
		return a->unw < b->unw;
	if (c->p->minimise_vehicles && a->used != b->used)
		return a->used < b->used;
	return a->dist < b->dist - 1e-9;
}

/* Removes route positions [from, from + len) except [keep, keep + m). */
static void
vr_remove_string(struct vr_ctx *c, struct vr_sol *s, int v, int from, int len,
    int keep, int m)
{
	struct vr_route *r = &s->r[v];
	int k, w = from, j;

	for (k = from; k < from + len; k++) {
		j = r->seq[k];
		if (k >= keep && k < keep + m) {
			r->seq[w++] = j;
			continue;
		}
		s->route_of[j] = -1;
		c->removed[c->nremoved++] = j;
	}
	for (k = from + len; k <= r->n + 1; k++)
		r->seq[w++] = r->seq[k];
	r->n = w - 2;
	c->dirty[v] = 1;
}

static void
vr_ruin(struct vr_ctx *c, struct vr_sol *s)
{
	double lsmax, ksmax, avg;
	int ks, seed, i, j, v, lmax, l, m, start, keep, ruined = 0, nassigned;

	nassigned = c->nj - s->nun;
	if (nassigned == 0 || s->used == 0)
		return;
	avg = (double)nassigned / s->used;
	lsmax = avg < VR_LMAX ? avg : VR_LMAX;
	ksmax = 4.0 * VR_CBAR / (1.0 + lsmax) - 1.0;
	ks = (int)(vr_uniform(c) * ksmax) + 1;
	/* An unplanned seed clears room around itself. */
	seed = vr_rand(c, c->nj);
	memset(c->ruined, 0, c->nv);
	for (i = -1; i < c->nnb && ruined < ks; i++) {
		j = i < 0 ? seed : c->nb[(size_t)seed * c->nnb + i];
		v = s->route_of[j];
		if (v < 0 || c->ruined[v])
			continue;
		lmax = s->r[v].n < lsmax ? s->r[v].n : (int)lsmax;
		l = (int)(vr_uniform(c) * lmax) + 1;
		m = 0;
		if (l < s->r[v].n && vr_uniform(c) < 0.5) {
			/* Split string: keep m jobs in the middle. */
			m = 1;
			while (l + m < s->r[v].n && vr_uniform(c) > 0.01 &&
			    m < s->r[v].n - l)
				m++;
		}
		/* A string of l + m positions holding j, at a random offset. */
		start = s->pos_of[j] - vr_rand(c, l + m);
		if (start < 1)
			start = 1;
		if (start + l + m - 1 > s->r[v].n)
			start = s->r[v].n - (l + m) + 1;
		keep = m > 0 ? start + vr_rand(c, l + 1) : 0;
		vr_remove_string(c, s, v, start, l + m, keep, m);
		c->ruined[v] = 1;
		ruined++;
	}
	for (v = 0; v < c->nv; v++) {
		if (c->ruined[v])
			vr_route_update(c, s, v);
	}
}

static void
vr_sort(struct vr_ctx *c, int *a, int n)
{
	int i, k, j, t;
	double key;
	unsigned choice = (unsigned)vr_rand(c, 13);

	for (i = n - 1; i > 0; i--) {
		k = vr_rand(c, i + 1);
		t = a[i];
		a[i] = a[k];
		a[k] = t;
	}
	if (choice < 4)
		return;
	for (i = 0; i < n; i++) {
		j = a[i];
		if (choice < 8)
			c->key[j] = -c->dem[j];
		else if (choice < 10)
			c->key[j] = -vr_t(c, c->nj, j);
		else if (choice < 11)
			c->key[j] = vr_t(c, c->nj, j);
		else
			c->key[j] = c->due[j] - c->ready[j];
	}
	/* Insertion sort: n is the few jobs of one ruin. */
	for (i = 1; i < n; i++) {
		t = a[i];
		key = c->key[t];
		for (k = i - 1; k >= 0 && c->key[a[k]] > key; k--)
			a[k + 1] = a[k];
		a[k + 1] = t;
	}
}

static void
vr_insert_at(struct vr_ctx *c, struct vr_sol *s, int v, int k, int j)
{
	struct vr_route *r = &s->r[v];

	vr_route_grow(r, r->n + 1);
	memmove(
	    &r->seq[k + 2], &r->seq[k + 1], (r->n + 1 - k) * sizeof *r->seq);
	r->seq[k + 1] = j;
	r->n++;
	c->dirty[v] = 1;
	vr_route_update(c, s, v);
}

double
vrptw_break_at(const struct vrptw_vehicle *v, double t, double leg,
    double ready, double service)
{
	double fin = fmax(t + leg, ready) + service;

	if (v->break_len <= 0)
		return -1e18;
	if (t < v->break_from && fin <= v->break_to - v->break_len)
		return -1e18;
	/* A fixed break already begun ends on time. */
	if (v->break_from < t &&
	    v->break_to - v->break_from <= v->break_len + 0.5)
		return v->break_from;
	return fmax(t, v->break_from);
}

/*
 * With a break the latest starts (ls) do not add up: whether j fits after
 * position k is found by going through the route with it.
 */
static int
vr_fits_break(
    const struct vr_ctx *c, const struct vr_route *r, int v, int k, int j)
{
	const struct vrptw_vehicle *veh = &c->p->vehicles[v];
	double t = r->es[0], at, leg, bs;
	int i, a = r->seq[0], b, pending = 1;

	for (i = 1; i <= r->n + 2; i++) {
		b = i <= k ? r->seq[i] : i == k + 1 ? j : r->seq[i - 1];
		leg = vr_t(c, a, b);
		at = t + c->svc[a];
		if (pending && i <= r->n + 1 &&
		    (bs = vrptw_break_at(
		         veh, at, leg, c->ready[b], c->svc[b])) > -1e17) {
			at = fmax(at, bs + veh->break_len);
			pending = 0;
		}
		t = fmax(at + leg, c->ready[b]);
		if (t > c->due[b] + 1e-9)
			return 0;
		a = b;
	}
	return 1;
}

/* Best place for j: fills *bv, *bk (insert after position bk). */
static double
vr_best_insert(struct vr_ctx *c, struct vr_sol *s, int j, int blink, int *bv,
    int *bk, int want_empty)
{
	double best = DBL_MAX, a, b, d, dj = c->due[j], rj = c->ready[j];
	double sj = c->svc[j];
	struct vr_route *r;
	int v, k, p, q;

	*bv = -1;
	for (v = 0; v < c->nv; v++) {
		r = &s->r[v];
		if ((r->n == 0) != want_empty)
			continue;
		if (r->load + c->dem[j] > c->p->vehicles[v].capacity + 1e-9 ||
		    !vr_can(c, v, j))
			continue;
		for (k = 0; k <= r->n; k++) {
			p = r->seq[k];
			a = r->es[k] + c->svc[p];
			if (a > dj)
				break;
			if (blink && vr_uniform(c) < VR_BLINK)
				continue;
			q = r->seq[k + 1];
			a += vr_t(c, p, j);
			if (a > dj)
				continue;
			if (a < rj)
				a = rj;
			b = a + sj + vr_t(c, j, q);
			if (c->p->vehicles[v].break_len > 0
			        ? !vr_fits_break(c, r, v, k, j)
			        : b > r->ls[k + 1])
				continue;
			d = vr_t(c, p, j) + vr_t(c, j, q) - vr_t(c, p, q);
			if (d < best) {
				best = d;
				*bv = v;
				*bk = k;
			}
		}
		/* Empty vehicles of the Solomon kind are all alike. */
		if (want_empty && *bv >= 0 && c->p->minimise_vehicles)
			break;
	}
	return best;
}

static void
vr_recreate(struct vr_ctx *c, struct vr_sol *s, int blink)
{
	int i, j, v, k;

	for (i = 0; i < s->nun; i++)
		c->removed[c->nremoved++] = s->un[i];
	s->nun = 0;
	vr_sort(c, c->removed, c->nremoved);
	for (i = 0; i < c->nremoved; i++) {
		j = c->removed[i];
		vr_best_insert(c, s, j, blink, &v, &k, 0);
		if (v < 0 && (c->allow_new || !c->p->minimise_vehicles))
			vr_best_insert(c, s, j, 0, &v, &k, 1);
		if (v < 0) {
			s->un[s->nun++] = j;
			s->route_of[j] = -1;
			continue;
		}
		vr_insert_at(c, s, v, k, j);
	}
	c->nremoved = 0;
	vr_sol_totals(c, s);
}

/*
 * The budget is the solving thread's CPU time: "1 s on one core" whatever
 * else the machine runs (a wall-clock budget on a loaded machine is mostly
 * time spent waiting for a core).
 */
static double
vr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
vr_ctx_init(struct vr_ctx *c, const struct vrptw_problem *p, unsigned seed)
{
	int i, j, v, n, k, t;
	double *d;

	memset(c, 0, sizeof *c);
	c->p = p;
	c->nj = p->njobs;
	c->nv = p->nvehicles;
	c->nn = c->nj + 2 * c->nv;
	c->rng =
	    0x9E3779B97F4A7C15ULL ^ ((uint64_t)seed * 0xBF58476D1CE4E5B9ULL);
	if (c->rng == 0)
		c->rng = 1;
	c->ready = xcalloc(c->nn, sizeof *c->ready);
	c->due = xcalloc(c->nn, sizeof *c->due);
	c->svc = xcalloc(c->nn, sizeof *c->svc);
	c->dem = xcalloc(c->nn, sizeof *c->dem);
	for (i = 0; i < c->nj; i++) {
		c->ready[i] = p->jobs[i].ready;
		c->due[i] = p->jobs[i].due;
		c->svc[i] = p->jobs[i].service;
		c->dem[i] = p->jobs[i].demand;
	}
	for (v = 0; v < c->nv; v++) {
		for (k = 0; k < 2; k++) {
			c->ready[c->nj + 2 * v + k] = p->vehicles[v].start;
			c->due[c->nj + 2 * v + k] = p->vehicles[v].end;
		}
	}
	if (c->nn <= VR_MATRIX_MAX) {
		c->tt =
		    xreallocarray(NULL, (size_t)c->nn * c->nn, sizeof *c->tt);
		for (i = 0; i < c->nn; i++)
			for (j = 0; j < c->nn; j++)
				c->tt[(size_t)i * c->nn + j] =
				    vrptw_travel(p, i, j);
	}
	/* Neighbours by travel, nearest first, for the ruin. */
	c->nnb = c->nj - 1 < VR_NEIGHBORS ? c->nj - 1 : VR_NEIGHBORS;
	if (c->nnb < 0)
		c->nnb = 0;
	c->nb = xcalloc((size_t)c->nj * (c->nnb ? c->nnb : 1), sizeof *c->nb);
	d = xcalloc(c->nj ? c->nj : 1, sizeof *d);
	for (i = 0; i < c->nj; i++) {
		int *row = &c->nb[(size_t)i * c->nnb];

		n = 0;
		for (j = 0; j < c->nj; j++) {
			if (j == i)
				continue;
			d[j] = vr_t(c, i, j) + vr_t(c, j, i);
			/* Keep the nnb nearest by insertion into a short list.
			 */
			if (n < c->nnb)
				row[n++] = j;
			else if (d[j] < d[row[n - 1]])
				row[n - 1] = j;
			else
				continue;
			for (k = n - 1; k > 0 && d[row[k]] < d[row[k - 1]];
			     k--) {
				t = row[k];
				row[k] = row[k - 1];
				row[k - 1] = t;
			}
		}
	}
	free(d);
	c->dirty = xcalloc(c->nv ? c->nv : 1, 1);
	c->ruined = xcalloc(c->nv ? c->nv : 1, 1);
	c->removed = xcalloc(c->nj ? c->nj : 1, sizeof *c->removed);
	c->key = xcalloc(c->nj ? c->nj : 1, sizeof *c->key);
}

static void
vr_ctx_fini(struct vr_ctx *c)
{
	free(c->ready);
	free(c->due);
	free(c->svc);
	free(c->dem);
	free(c->tt);
	free(c->nb);
	free(c->dirty);
	free(c->ruined);
	free(c->removed);
	free(c->key);
}

struct vr_clock {
	double t0, limit;
	long maxit, it;
};

/* Fraction of the budget spent, by time or iterations, whichever binds. */
static double
vr_spent(struct vr_clock *k)
{
	double f = 0, g;

	if (k->limit > 0)
		f = (vr_now_ms() - k->t0) / k->limit;
	if (k->maxit > 0) {
		g = (double)k->it / (double)k->maxit;
		if (g > f)
			f = g;
	}
	return f;
}

/* One ruin and recreate of cand (a copy of cur); marks dirty routes. */
static void
vr_step(struct vr_ctx *c, struct vr_sol *cand)
{
	memset(c->dirty, 0, c->nv);
	c->nremoved = 0;
	vr_ruin(c, cand);
	vr_recreate(c, cand, 1);
}

/*
 * Fleet minimisation: take a route away and work its jobs back in with a
 * fixed fleet, accepting a move that leaves fewer jobs out or jobs that
 * have been out less often (SISR's absence counts).
 */
static int
vr_fleet(struct vr_ctx *c, struct vr_sol *best, struct vr_clock *clk,
    double until, long tries, int attempt)
{
	struct vr_sol cur, cand;
	long *absent, it0 = clk->it;
	long sa, sc;
	int v, i, pick, won = 0;

	if (best->unw > 0 || best->used < 2)
		return 0;
	absent = xcalloc(c->nj ? c->nj : 1, sizeof *absent);
	vr_sol_init(c, &cur);
	vr_sol_init(c, &cand);
	c->allow_new = 0;
	{
		vr_sol_copy(c, &cur, best, NULL);
		/* The shortest route first, then a random one. */
		pick = -1;
		for (v = 0; v < c->nv; v++) {
			if (cur.r[v].n == 0)
				continue;
			if (attempt > 0 && vr_rand(c, cur.used) == 0) {
				pick = v;
				break;
			}
			if (pick < 0 || cur.r[v].n < cur.r[pick].n)
				pick = v;
		}
		for (i = 1; i <= cur.r[pick].n; i++) {
			cur.un[cur.nun++] = cur.r[pick].seq[i];
			cur.route_of[cur.r[pick].seq[i]] = -1;
		}
		cur.r[pick].n = 0;
		cur.r[pick].seq[1] = c->nj + 2 * pick + 1;
		vr_route_update(c, &cur, pick);
		vr_sol_totals(c, &cur);
		memset(absent, 0, c->nj * sizeof *absent);
		vr_sol_copy(c, &cand, &cur, NULL);
		while (cur.nun > 0 && clk->it - it0 < tries &&
		    vr_spent(clk) < until) {
			vr_step(c, &cand);
			clk->it++;
			sa = sc = 0;
			for (i = 0; i < cand.nun; i++) {
				absent[cand.un[i]]++;
				sc += absent[cand.un[i]];
			}
			for (i = 0; i < cur.nun; i++)
				sa += absent[cur.un[i]];
			if (cand.nun < cur.nun || sc < sa)
				vr_sol_copy(c, &cur, &cand, c->dirty);
			else
				vr_sol_copy(c, &cand, &cur, c->dirty);
		}
		if (cur.nun == 0) {
			vr_sol_copy(c, best, &cur, NULL);
			won = 1;
		}
	}
	c->allow_new = 1;
	vr_sol_fini(c, &cur);
	vr_sol_fini(c, &cand);
	free(absent);
	return won;
}

/* Simulated annealing over ruin and recreate on the travel. */
static void
vr_anneal(struct vr_ctx *c, struct vr_sol *best, struct vr_clock *clk,
    double from, double until, double t0, double tf)
{
	struct vr_sol cur, cand;
	double temp, f;

	vr_sol_init(c, &cur);
	vr_sol_init(c, &cand);
	vr_sol_copy(c, &cur, best, NULL);
	vr_sol_copy(c, &cand, best, NULL);
	temp = t0;
	while ((f = vr_spent(clk)) < until) {
		if ((clk->it & 63) == 0) {
			f = (f - from) / (until - from);
			temp = t0 * pow(tf / t0, f < 0 ? 0 : f);
		}
		vr_step(c, &cand);
		clk->it++;
		if (vr_better(c, &cand, &cur) ||
		    (cand.unw == cur.unw &&
		        (!c->p->minimise_vehicles || cand.used <= cur.used) &&
		        cand.dist <
		            cur.dist - temp * log(vr_uniform(c) + 1e-300)))
			vr_sol_copy(c, &cur, &cand, c->dirty);
		else
			vr_sol_copy(c, &cand, &cur, c->dirty);
		if (vr_better(c, &cur, best))
			vr_sol_copy(c, best, &cur, NULL);
	}
	vr_sol_fini(c, &cur);
	vr_sol_fini(c, &cand);
}

void
vrptw_solve(const struct vrptw_problem *p, const struct vrptw_params *prm,
    struct vrptw_solution *out)
{
	struct vr_ctx c;
	struct vr_sol best;
	struct vr_clock clk = {0};
	struct vrptw_route *o;
	double total = 0, lb, f, leg;
	int v, i, k, attempt = 0;

	clk.t0 = vr_now_ms();
	clk.limit = prm->time_ms;
	clk.maxit = prm->max_iterations;
	if (clk.limit <= 0 && clk.maxit <= 0)
		clk.maxit = 1;
	vr_ctx_init(&c, p, prm->seed);
	vr_sol_init(&c, &best);
	c.allow_new = 1;
	for (i = 0; i < c.nj; i++) {
		best.route_of[i] = -1;
		c.removed[c.nremoved++] = i;
		total += c.dem[i];
	}
	for (v = 0; v < c.nv; v++)
		vr_route_update(&c, &best, v);
	vr_recreate(&c, &best, 0);
	if (p->minimise_vehicles && c.nj > 0 && c.nv > 0) {
		lb = p->vehicles[0].capacity > 0
		    ? ceil(total / p->vehicles[0].capacity - 1e-9)
		    : 1;
		if (lb < 1)
			lb = 1;
		/*
		 * Attempts to drop a route, each a bounded number of moves,
		 * between short spells of annealing that reshape the routes.
		 */
		while (
		    best.used > lb && (f = vr_spent(&clk)) < VR_FLEET_SHARE) {
			if (vr_fleet(&c, &best, &clk, VR_FLEET_SHARE,
			        VR_FLEET_TRIES, attempt++))
				continue;
			leg = best.dist / (c.nj + best.used);
			vr_anneal(&c, &best, &clk, f, f + 0.05, VR_T0 * leg,
			    VR_T0 * leg / 3);
		}
	}
	if (c.nj > 0) {
		leg = best.dist / (c.nj - best.nun + best.used + 1);
		vr_anneal(&c, &best, &clk, vr_spent(&clk), 1.0, VR_T0 * leg,
		    VR_TF * leg);
	}

	memset(out, 0, sizeof *out);
	out->nvehicles = c.nv;
	out->routes = xcalloc(c.nv ? c.nv : 1, sizeof *out->routes);
	for (v = 0; v < c.nv; v++) {
		o = &out->routes[v];
		o->n = best.r[v].n;
		o->jobs = xcalloc(o->n ? o->n : 1, sizeof *o->jobs);
		o->arrive = xcalloc(o->n ? o->n : 1, sizeof *o->arrive);
		o->start = xcalloc(o->n ? o->n : 1, sizeof *o->start);
		for (k = 0; k < o->n; k++)
			o->jobs[k] = best.r[v].seq[k + 1];
		vrptw_route_eval(p, v, o);
	}
	out->nunplanned = best.nun;
	out->unplanned =
	    xcalloc(best.nun ? best.nun : 1, sizeof *out->unplanned);
	memcpy(out->unplanned, best.un, best.nun * sizeof *best.un);
	out->vehicles_used = best.used;
	/* Travel alone, whatever the objective weighed. */
	out->distance = 0;
	for (v = 0; v < c.nv; v++)
		if (out->routes[v].n > 0)
			out->distance += out->routes[v].distance;
	out->iterations = clk.it;
	out->elapsed_ms = vr_now_ms() - clk.t0;
	vr_sol_fini(&c, &best);
	vr_ctx_fini(&c);
}

int
vrptw_route_eval(const struct vrptw_problem *p, int v, struct vrptw_route *r)
{
	const struct vrptw_vehicle *veh = &p->vehicles[v];
	const struct vrptw_job *jb;
	int k, prev = p->njobs + 2 * v, bad = -1;
	double t = veh->start, prevsvc = 0, leg, bs;

	r->distance = 0;
	r->load = 0;
	r->break_start = -1e18;
	for (k = 0; k < r->n; k++) {
		jb = &p->jobs[r->jobs[k]];
		leg = vrptw_travel(p, prev, r->jobs[k]);
		r->distance += leg;
		t += prevsvc;
		if (r->break_start < -1e17 &&
		    (bs = vrptw_break_at(veh, t, leg, jb->ready, jb->service)) >
		        -1e17) {
			r->break_start = bs;
			t = fmax(t, bs + veh->break_len);
		}
		t += leg;
		r->arrive[k] = t;
		if (t < jb->ready)
			t = jb->ready;
		r->start[k] = t;
		r->load += jb->demand;
		if (bad < 0 &&
		    (t > jb->due + 1e-9 || r->load > veh->capacity + 1e-9 ||
		        (jb->skills & ~veh->skills) != 0))
			bad = k;
		prev = r->jobs[k];
		prevsvc = jb->service;
	}
	leg = vrptw_travel(p, prev, p->njobs + 2 * v + 1);
	r->distance += leg;
	r->back = t + prevsvc + leg;
	if (bad < 0 && r->n > 0 && r->back > veh->end + 1e-9)
		bad = r->n;
	return bad;
}

void
vrptw_solution_free(struct vrptw_solution *s)
{
	int v;

	for (v = 0; v < s->nvehicles; v++) {
		free(s->routes[v].jobs);
		free(s->routes[v].arrive);
		free(s->routes[v].start);
	}
	free(s->routes);
	free(s->unplanned);
	memset(s, 0, sizeof *s);
}

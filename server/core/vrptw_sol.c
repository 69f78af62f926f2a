/*
 * The VRPTW solver's routes and solutions: the context (travel matrix,
 * neighbours), each route's earliest and latest starts, copying and
 * comparing solutions, and the cheapest feasible insertion of a job.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vrptw_int.h"
#include "xmalloc.h"

#define VR_BLINK 0.01 /* chance to skip a position when inserting */

int
vr_can(const struct vr_ctx *c, int v, int j)
{
	const struct vrptw_job *jb = &c->p->jobs[j];

	if (jb->vehicle >= 0 && jb->vehicle != v)
		return 0;
	return (jb->skills & ~c->p->vehicles[v].skills) == 0;
}

void
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
void
vr_route_update(struct vr_ctx *c, struct vr_sol *s, int v)
{
	struct vr_route *r = &s->r[v];
	int k, a, b;
	double t;

	const struct vrptw_vehicle *veh = &c->p->vehicles[v];
	int pending = veh->break_len > 0;
	double at, bs;

	c->work += r->n + 2;
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

void
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

void
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

void
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
void
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
int
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
void
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
double
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
			c->work++;
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

/*
 * The budget is the solving thread's CPU time: "1 s on one core" whatever
 * else the machine runs (a wall-clock budget on a loaded machine is mostly
 * time spent waiting for a core).
 */
double
vr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Whether some vehicle has a break, and whether all vehicles are alike
 * (same places, hours, capacity and skills, straight-line travel): then a
 * route's tail can move to another vehicle and keep its times.
 */
static void
vr_ctx_fleet_kind(struct vr_ctx *c)
{
	const struct vrptw_vehicle *a = &c->p->vehicles[0], *b;
	int v;

	c->alike = c->p->matrix == NULL;
	for (v = 0; v < c->nv; v++) {
		b = &c->p->vehicles[v];
		if (b->break_len > 0)
			c->breaks = 1;
		if (b->sx != a->sx || b->sy != a->sy || b->ex != a->ex ||
		    b->ey != a->ey || b->start != a->start ||
		    b->end != a->end || b->capacity != a->capacity ||
		    b->skills != a->skills)
			c->alike = 0;
	}
	if (c->breaks)
		c->alike = 0;
}

void
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
	if (c->nv > 0)
		vr_ctx_fleet_kind(c);
}

void
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

/* Fraction of the budget spent, by time or iterations, whichever binds. */
double
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
	if (k->maxwork > 0) {
		g = (double)*k->work / (double)k->maxwork;
		if (g > f)
			f = g;
	}
	return f;
}

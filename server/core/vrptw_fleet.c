/*
 * Route elimination by an ejection pool, after Nagata and Bräysy's route
 * minimisation heuristic (2009): take one route away and put its jobs in
 * a pool; take jobs from the pool (last in, first out) and insert each
 * where it fits; when it fits nowhere, count it (its penalty grows each
 * time) and insert it anyway, ejecting up to VR_KMAX jobs from one route
 * so that the route keeps every window and the capacity, choosing the
 * ejection whose jobs' penalties sum least: jobs that keep coming back
 * are the hard ones, and they stop being ejected. The ejected jobs go
 * into the pool, and random feasible moves (relocate, 2-opt*) shake the
 * routes before the next job. The route is gone when the pool is empty.
 *
 * Only for vehicles without breaks: the checks rely on latest starts (ls)
 * adding up along a route, which a break breaks.
 */
#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vrptw_int.h"
#include "xmalloc.h"

#define VR_KMAX    5      /* most jobs ejected to insert one */
#define VR_PERTURB 100    /* random feasible moves after each ejection */
#define VR_NEAR    30     /* neighbours a perturbing move looks at */
#define VR_EJ_WORK 200000 /* search nodes per ejection, at most */

/* The search for the cheapest ejection that lets job j in. */
struct vr_ej {
	const struct vr_route *r;
	const int *pen;
	int *seq;    /* the route with j inserted, both ends included */
	int n, kpos; /* nodes in seq; where j is */
	double cap;  /* the vehicle's capacity */
	double load; /* the route's load with j */
	int cur[VR_KMAX], ncur;
	int best[VR_KMAX], nbest, bestv, bestk, bestp, ties;
	long work;
	struct vr_ctx *c;
	int v;
};

static void
vr_ej_record(struct vr_ej *e, int psum)
{
	if (psum < e->bestp)
		e->ties = 1;
	else if (vr_rand(e->c, ++e->ties) != 0)
		return; /* equal sums: one of them at random (reservoir) */
	e->bestp = psum;
	e->bestv = e->v;
	e->bestk = e->kpos - 1;
	e->nbest = e->ncur;
	memcpy(e->best, e->cur, e->ncur * sizeof *e->cur);
}

/*
 * Goes along seq from node i (last kept node last, its service starting
 * at t), each job either kept (if its window allows) or ejected (while
 * fewer than VR_KMAX are and the penalties stay at most the best sum).
 * Past j, once a kept job starts by its latest start in the old route,
 * the rest of the route holds as it is.
 */
static void
vr_ej_dfs(struct vr_ej *e, int i, int last, double t, int psum, double dem)
{
	struct vr_ctx *c = e->c;
	int node;
	double a;

	for (; i < e->n; i++) {
		if (++e->work > VR_EJ_WORK)
			return;
		node = e->seq[i];
		if (i != e->kpos && i < e->n - 1 && e->ncur < VR_KMAX &&
		    psum + e->pen[node] <= e->bestp) {
			e->cur[e->ncur++] = i;
			vr_ej_dfs(e, i + 1, last, t, psum + e->pen[node],
			    dem + c->dem[node]);
			e->ncur--;
		}
		a = t + c->svc[last] + vr_t(c, last, node);
		if (a < c->ready[node])
			a = c->ready[node];
		if (a > c->due[node] + 1e-9)
			return;
		if (e->load - dem > e->cap + 1e-9) {
			if (i == e->n - 1)
				return;
		} else if (i == e->n - 1 ||
		    (i > e->kpos && a <= e->r->ls[i - 1] + 1e-9)) {
			vr_ej_record(e, psum);
			return;
		}
		last = node;
		t = a;
	}
}

/* Searches every route and place for j; 1 if some ejection lets it in. */
static int
vr_ej_search(
    struct vr_ctx *c, struct vr_sol *s, int j, const int *pen, struct vr_ej *e)
{
	const struct vr_route *r;
	int v, k;

	e->c = c;
	e->pen = pen;
	e->bestp = INT_MAX;
	e->bestv = -1;
	e->ties = 0;
	for (v = 0; v < c->nv; v++) {
		r = &s->r[v];
		if (r->n == 0 || !vr_can(c, v, j))
			continue;
		e->r = r;
		e->v = v;
		e->cap = c->p->vehicles[v].capacity;
		e->load = r->load + c->dem[j];
		e->n = r->n + 3;
		for (k = 0; k <= r->n; k++) {
			memcpy(e->seq, r->seq, (k + 1) * sizeof *e->seq);
			e->seq[k + 1] = j;
			memcpy(&e->seq[k + 2], &r->seq[k + 1],
			    (r->n + 1 - k) * sizeof *e->seq);
			e->kpos = k + 1;
			e->ncur = 0;
			e->work = 0;
			vr_ej_dfs(e, 1, r->seq[0], r->es[0], 0, 0);
			c->work += e->work;
		}
	}
	return e->bestv >= 0;
}

/* Inserts j as the search found, its ejected jobs into the pool. */
static void
vr_ej_apply(struct vr_ctx *c, struct vr_sol *s, int j, struct vr_ej *e)
{
	struct vr_route *r = &s->r[e->bestv];
	int i, w = 0, x, q = 0, n = r->n + 3;

	memcpy(e->seq, r->seq, (e->bestk + 1) * sizeof *e->seq);
	e->seq[e->bestk + 1] = j;
	memcpy(&e->seq[e->bestk + 2], &r->seq[e->bestk + 1],
	    (r->n + 1 - e->bestk) * sizeof *e->seq);
	vr_route_grow(r, r->n + 1);
	for (i = 0; i < n; i++) {
		x = e->seq[i];
		if (q < e->nbest && e->best[q] == i) {
			q++;
			s->route_of[x] = -1;
			s->un[s->nun++] = x;
			continue;
		}
		r->seq[w++] = x;
	}
	r->n = w - 2;
	vr_route_update(c, s, e->bestv);
}

/* 1 if j fits after position k of r, by the latest starts (no break). */
static int
vr_fits(const struct vr_ctx *c, const struct vr_route *r, int k, int j)
{
	int p = r->seq[k], q = r->seq[k + 1];
	double a = r->es[k] + c->svc[p] + vr_t(c, p, j);

	if (a > c->due[j] + 1e-9)
		return 0;
	if (a < c->ready[j])
		a = c->ready[j];
	return a + c->svc[j] + vr_t(c, j, q) <= r->ls[k + 1] + 1e-9;
}

/* Moves job a next to job b (before or after it) in b's route. */
static int
vr_relocate(struct vr_ctx *c, struct vr_sol *s, int a, int b)
{
	int ra = s->route_of[a], rb = s->route_of[b], pa, k, pred, succ;
	struct vr_route *r = &s->r[ra];
	double t;

	if (ra == rb || !vr_can(c, rb, a) ||
	    s->r[rb].load + c->dem[a] > c->p->vehicles[rb].capacity + 1e-9)
		return 0;
	k = s->pos_of[b] - (vr_uniform(c) < 0.5);
	if (!vr_fits(c, &s->r[rb], k, a))
		return 0;
	/* Leaving keeps a's route feasible unless travel is not metric. */
	pa = s->pos_of[a];
	pred = r->seq[pa - 1];
	succ = r->seq[pa + 1];
	t = r->es[pa - 1] + c->svc[pred] + vr_t(c, pred, succ);
	if ((t > c->ready[succ] ? t : c->ready[succ]) > r->ls[pa + 1] + 1e-9)
		return 0;
	memmove(&r->seq[pa], &r->seq[pa + 1], (r->n + 1 - pa) * sizeof *r->seq);
	r->n--;
	vr_route_update(c, s, ra);
	vr_insert_at(c, s, rb, k, a);
	return 1;
}

/*
 * 2-opt* between a's route and b's (alike vehicles only): a's route goes
 * on with b and what follows it, b's route's head with what followed a.
 */
static int
vr_two_opt(struct vr_ctx *c, struct vr_sol *s, int a, int b, int *buf)
{
	int ra = s->route_of[a], rb = s->route_of[b], pa, pb, i, n;
	struct vr_route *x = &s->r[ra], *y = &s->r[rb];
	double t, la = 0, lb = 0, cap = c->p->vehicles[ra].capacity;

	if (ra == rb || !c->alike)
		return 0;
	pa = s->pos_of[a];
	pb = s->pos_of[b];
	t = x->es[pa] + c->svc[a] + vr_t(c, a, b);
	if ((t > c->ready[b] ? t : c->ready[b]) > y->ls[pb] + 1e-9)
		return 0;
	i = y->seq[pb - 1];
	t = y->es[pb - 1] + c->svc[i] + vr_t(c, i, x->seq[pa + 1]);
	if ((t > c->ready[x->seq[pa + 1]] ? t : c->ready[x->seq[pa + 1]]) >
	    x->ls[pa + 1] + 1e-9)
		return 0;
	for (i = 1; i <= pa; i++)
		la += c->dem[x->seq[i]];
	for (i = 1; i < pb; i++)
		lb += c->dem[y->seq[i]];
	if (la + y->load - lb > cap + 1e-9 || lb + x->load - la > cap + 1e-9)
		return 0;
	/* buf: x's tail; then x takes y's tail, y takes buf. */
	n = x->n - pa;
	memcpy(buf, &x->seq[pa + 1], n * sizeof *buf);
	vr_route_grow(x, pa + y->n - pb + 1);
	memcpy(&x->seq[pa + 1], &y->seq[pb], (y->n - pb + 1) * sizeof *buf);
	x->seq[pa + y->n - pb + 2] = c->nj + 2 * ra + 1;
	x->n = pa + y->n - pb + 1;
	vr_route_grow(y, pb - 1 + n);
	memcpy(&y->seq[pb], buf, n * sizeof *buf);
	y->seq[pb + n] = c->nj + 2 * rb + 1;
	y->n = pb - 1 + n;
	vr_route_update(c, s, ra);
	vr_route_update(c, s, rb);
	return 1;
}

/* Random feasible moves, to shake the routes (accepted whatever they
 * cost). */
static void
vr_perturb(struct vr_ctx *c, struct vr_sol *s, int moves, int *buf)
{
	int i, a, b, near = c->nnb < VR_NEAR ? c->nnb : VR_NEAR;

	if (near == 0)
		return;
	c->work += moves;
	for (i = 0; i < moves; i++) {
		a = vr_rand(c, c->nj);
		b = c->nb[(size_t)a * c->nnb + vr_rand(c, near)];
		if (s->route_of[a] < 0 || s->route_of[b] < 0)
			continue;
		if (vr_uniform(c) < 0.5)
			vr_relocate(c, s, a, b);
		else
			vr_two_opt(c, s, a, b, buf);
	}
}

/* Empties one route at random into the pool. */
static void
vr_pool_route(struct vr_ctx *c, struct vr_sol *s)
{
	int v, pick = vr_rand(c, s->used), i;

	for (v = 0; v < c->nv; v++) {
		if (s->r[v].n > 0 && pick-- == 0)
			break;
	}
	for (i = 1; i <= s->r[v].n; i++) {
		s->un[s->nun++] = s->r[v].seq[i];
		s->route_of[s->r[v].seq[i]] = -1;
	}
	s->r[v].n = 0;
	s->r[v].seq[1] = c->nj + 2 * v + 1;
	vr_route_update(c, s, v);
	vr_sol_totals(c, s);
}

/*
 * One attempt to do best's jobs with one route fewer; 1 when the pool
 * emptied (cur then holds the solution).
 */
static int
vr_eliminate_one(struct vr_ctx *c, struct vr_sol *cur, struct vr_clock *clk,
    double until, int *pen, struct vr_ej *e, int *buf)
{
	int i, j, v, k;

	vr_pool_route(c, cur);
	for (i = 0; i < c->nj; i++)
		pen[i] = 1;
	while (cur->nun > 0 && vr_spent(clk) < until) {
		j = cur->un[--cur->nun];
		clk->it++;
		vr_best_insert(c, cur, j, 0, &v, &k, 0);
		if (v >= 0) {
			vr_insert_at(c, cur, v, k, j);
			continue;
		}
		pen[j]++;
		if (vr_ej_search(c, cur, j, pen, e))
			vr_ej_apply(c, cur, j, e);
		else {
			/* Nowhere even with ejections: to the pool's bottom. */
			memmove(
			    &cur->un[1], cur->un, cur->nun * sizeof *cur->un);
			cur->un[0] = j;
			cur->nun++;
		}
		vr_perturb(c, cur, VR_PERTURB, buf);
	}
	vr_sol_totals(c, cur);
	return cur->nun == 0;
}

int
vr_eliminate(struct vr_ctx *c, struct vr_sol *best, struct vr_clock *clk,
    double until, int lb)
{
	struct vr_sol cur;
	struct vr_ej e;
	int *pen, *buf, won = 0;

	if (c->breaks || best->unw > 0 || best->nun > 0)
		return 0;
	vr_sol_init(c, &cur);
	pen = xcalloc(c->nj ? c->nj : 1, sizeof *pen);
	buf = xcalloc(c->nj + 2, sizeof *buf);
	memset(&e, 0, sizeof e);
	e.seq = xcalloc(c->nj + 3, sizeof *e.seq);
	while (best->used > lb && best->used > 1 && vr_spent(clk) < until) {
		vr_sol_copy(c, &cur, best, NULL);
		if (!vr_eliminate_one(c, &cur, clk, until, pen, &e, buf))
			break;
		vr_sol_copy(c, best, &cur, NULL);
		won++;
	}
	free(e.seq);
	free(buf);
	free(pen);
	vr_sol_fini(c, &cur);
	return won;
}

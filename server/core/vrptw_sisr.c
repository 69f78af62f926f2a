/*
 * Ruin and recreate (Christiaens and Vanden Berghe's SISR): string
 * removals around a seed job, greedy reinsertion in a random order with
 * blinks, under simulated annealing on the travel; and SISR's fleet
 * minimisation, which takes a route away and drives its jobs back in with
 * the same moves, judged by how long each job has stayed out (used when a
 * vehicle has a break, where the ejection pool's checks do not hold).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vrptw_int.h"
#include "xmalloc.h"

#define VR_CBAR 10.0 /* mean jobs removed per ruin */
#define VR_LMAX 10.0 /* longest string removed */

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

void
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
int
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
void
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

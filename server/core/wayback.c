/*
 * The way-back ranking, pulled out of the HTTP handler (issue 12) so that
 * it can be tested alone: coverage_clip() tells whether a piece comes
 * within a reach of the way, a bisection finds the smallest such reach,
 * and risk.c's score for the defect reports along the piece divides it.
 */
#include <math.h>
#include <stdlib.h>

#include "coverage.h"
#include "risk.h"
#include "wayback.h"
#include "xmalloc.h"

/* Off the way: the smallest reach that touches the piece, or INFINITY. */
static double
wayback_reach(const struct wayback_piece *p, const double from[2],
    const double to[2], double d)
{
	double best = INFINITY, t0, t1;
	size_t k, n = p->npoints * 2;

	for (k = 0; k + 3 < n; k += 2) {
		double lo = 0, hi = d, mid;
		int j;

		if (!coverage_clip(
		        &p->xy[k], &p->xy[k + 2], from, to, d, &t0, &t1))
			continue;
		for (j = 0; j < 20; j++) {
			mid = (lo + hi) / 2;
			if (coverage_clip(&p->xy[k], &p->xy[k + 2], from, to,
			        mid, &t0, &t1))
				hi = mid;
			else
				lo = mid;
		}
		if (hi < best)
			best = hi;
	}
	return best;
}

static int
wayback_cmp(const void *a, const void *b)
{
	const struct wayback_piece *x = a, *y = b;

	if (x->rank_m != y->rank_m)
		return x->rank_m < y->rank_m ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t
wayback_rank(const double from[2], const double to[2], double within_m,
    struct wayback_piece *p, size_t n, const struct risk_defect *def,
    size_t ndef)
{
	struct risk_result risk;
	struct wayback_piece *kept, *rest;
	size_t i, nk = 0, nr = 0;

	kept = xcalloc(n + 1, sizeof *kept);
	rest = xcalloc(n + 1, sizeof *rest);
	for (i = 0; i < n; i++) {
		p[i].seq = i;
		p[i].off_route_m = wayback_reach(&p[i], from, to, within_m);
		/* Recurring defects raise a piece (risk.c). */
		risk_score(p[i].xy, p[i].npoints, 0, def, ndef, &risk);
		p[i].risk = round(risk.score * 100) / 100;
		p[i].risk_reports = risk.count;
		if (!isfinite(p[i].off_route_m)) {
			p[i].rank_m = INFINITY;
			rest[nr++] = p[i];
			continue;
		}
		p[i].off_route_m = round(p[i].off_route_m);
		p[i].rank_m = round(p[i].off_route_m / (1 + risk.score));
		kept[nk++] = p[i];
	}
	qsort(kept, nk, sizeof *kept, wayback_cmp);
	for (i = 0; i < nk; i++)
		p[i] = kept[i];
	for (i = 0; i < nr; i++)
		p[nk + i] = rest[i];
	free(kept);
	free(rest);
	return nk;
}

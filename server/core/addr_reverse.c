/* The place at a point: the nearest block, else the town around it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr_index_int.h"
#include "xmalloc.h"

/*
 * Near spellings of the town part: the text's start against every town
 * (of the named city, if any), within two edits and 60 % similar.
 */
int
addr_reverse(
    const struct addr_index *x, double lat, double lon, struct addr_place *p)
{
	size_t i, k, best = SIZE_MAX;
	double d, bd = HUGE_VAL, bb = HUGE_VAL;
	const struct block *blk = NULL;
	const struct town *t;

	memset(p, 0, sizeof *p);
	if (x == NULL || !x->built || x->nt == 0)
		return -1;
	for (i = 0; i < x->nt; i++) {
		/* Cheap box test first: 0.1 degree is over 9 km here. */
		if (fabs(x->t[i].lat - lat) > 0.1 ||
		    fabs(x->t[i].lon - lon) > 0.1)
			continue;
		d = addr_distance_m(lat, lon, x->t[i].lat, x->t[i].lon);
		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	if (best == SIZE_MAX)
		return -1;
	t = &x->t[best];
	for (k = 0; k < x->nb; k++) {
		if (x->b[k].town == SIZE_MAX ||
		    fabs(x->b[k].lat - lat) > 0.002 ||
		    fabs(x->b[k].lon - lon) > 0.002)
			continue;
		d = addr_distance_m(lat, lon, x->b[k].lat, x->b[k].lon);
		if (d < 100 && d < bb) {
			bb = d;
			blk = &x->b[k];
		}
	}
	if (blk != NULL)
		t = &x->t[blk->town];
	p->pref = t->pref;
	p->city = t->city;
	p->city_code = t->city_code;
	p->town = t->town;
	p->koaza = t->koaza;
	p->distance_m = blk != NULL ? bb : bd;
	p->block = blk != NULL ? xstrdup(blk->block) : NULL;
	p->label = blk != NULL ? xasprintf("%s%s%s%s", t->city, t->town,
	                             blk->block, blk->jukyo ? "番" : "番地")
	                       : xasprintf("%s%s%s%s", t->city, t->town,
	                             *t->koaza != '\0' ? " " : "", t->koaza);
	return 0;
}

void
addr_place_free(struct addr_place *p)
{
	free(p->block);
	free(p->label);
	memset(p, 0, sizeof *p);
}

/*
 * The town index (see addr.h): towns, cities and blocks added, then built
 * into sorted keys; addr_search.c reads queries against it and
 * addr_reverse.c finds the place at a point. Keys are the normal form of
 * each name (addr_normalize), kept in sorted arrays: a query is read left
 * to right, taking the longest prefecture, city and town name that its
 * normal form starts with; numbers after the town find a block. Nothing
 * is guessed: what is left is returned as unmatched text, and a near
 * spelling is only ever a "fuzzy" candidate.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr_index_int.h"
#include "utf8.h"
#include "xmalloc.h"

struct addr_index *
addr_index_new(void)
{
	return xcalloc(1, sizeof(struct addr_index));
}

void
addr_index_free(struct addr_index *x)
{
	size_t i;

	if (x == NULL)
		return;
	for (i = 0; i < x->nt; i++) {
		free(x->t[i].town);
		free(x->t[i].koaza);
		free(x->t[i].key);
		free(x->t[i].label);
		free(x->t[i].kcp);
	}
	for (i = 0; i < x->nc; i++) {
		free(x->c[i].pref);
		free(x->c[i].city);
		free(x->c[i].code);
	}
	for (i = 0; i < x->nb; i++) {
		free(x->b[i].pref);
		free(x->b[i].city);
		free(x->b[i].tkey);
		free(x->b[i].block);
	}
	for (i = 0; i < x->nck; i++)
		free((char *)x->ck[i].key);
	free(x->bycity);
	free(x->t);
	free(x->c);
	free(x->b);
	free(x->tk);
	free(x->ck);
	free(x);
}

size_t
addr_index_towns(const struct addr_index *x)
{
	return x->nt;
}

size_t
addr_index_blocks(const struct addr_index *x)
{
	return x->nb - x->orphans;
}

size_t
addr_index_orphans(const struct addr_index *x)
{
	return x->orphans;
}

static size_t
addr_city_find(
    struct addr_index *x, const char *pref, const char *city, const char *code)
{
	size_t i;

	/* Rows come grouped by city: look at the last one first. */
	for (i = x->nc; i > 0; i--) {
		if (strcmp(x->c[i - 1].city, city) == 0 &&
		    strcmp(x->c[i - 1].pref, pref) == 0)
			break;
	}
	if (i > 0) {
		if (x->c[i - 1].code == NULL && code != NULL && *code != '\0')
			x->c[i - 1].code = xstrdup(code);
		return i - 1;
	}
	if (x->nc == x->capc) {
		x->capc = x->capc == 0 ? 32 : x->capc * 2;
		x->c = xreallocarray(x->c, x->capc, sizeof *x->c);
	}
	x->c[x->nc].pref = xstrdup(pref);
	x->c[x->nc].city = xstrdup(city);
	x->c[x->nc].code = code != NULL && *code != '\0' ? xstrdup(code) : NULL;
	return x->nc++;
}

/* Code points of a (valid) UTF-8 string. */
uint32_t *
addr_cps(const char *s, size_t *n)
{
	uint32_t *out = xreallocarray(NULL, strlen(s) + 1, sizeof *out);
	size_t k = 0;
	int len;

	/* Valid, so only its end stops this. */
	for (; *s != '\0'; s += len) {
		if ((len = utf8_decode(s, SIZE_MAX, &out[k])) == 0)
			break;
		k++;
	}
	*n = k;
	return out;
}

void
addr_index_add_town(struct addr_index *x, const struct addr_town_row *r)
{
	struct town *t;
	const char *koaza = r->koaza != NULL ? r->koaza : "";
	char *name;

	if (x->nt == x->capt) {
		x->capt = x->capt == 0 ? 256 : x->capt * 2;
		x->t = xreallocarray(x->t, x->capt, sizeof *x->t);
	}
	t = &x->t[x->nt];
	memset(t, 0, sizeof *t);
	t->city_i = addr_city_find(x, r->pref, r->city, r->city_code);
	t->town = xstrdup(r->town);
	t->koaza = xstrdup(koaza);
	name = xasprintf("%s%s", r->town, koaza);
	t->key = addr_normalize(name, NULL);
	free(name);
	if (t->key == NULL)
		t->key = xstrdup("");
	t->kcp = addr_cps(t->key, &t->kn);
	t->label = xasprintf("%s%s%s%s%s", r->pref, r->city, r->town,
	    *koaza != '\0' ? " " : "", koaza);
	t->lat = r->lat;
	t->lon = r->lon;
	x->nt++;
}

void
addr_index_add_block(struct addr_index *x, const struct addr_block_row *r)
{
	struct block *b;

	if (x->nb == x->capb) {
		x->capb = x->capb == 0 ? 256 : x->capb * 2;
		x->b = xreallocarray(x->b, x->capb, sizeof *x->b);
	}
	b = &x->b[x->nb];
	memset(b, 0, sizeof *b);
	b->pref = xstrdup(r->pref);
	b->city = xstrdup(r->city);
	b->tkey = addr_normalize(r->town, NULL);
	b->block = addr_normalize(r->block, NULL);
	if (b->tkey == NULL)
		b->tkey = xstrdup("");
	if (b->block == NULL)
		b->block = xstrdup("");
	b->lat = r->lat;
	b->lon = r->lon;
	b->jukyo = r->jukyo;
	x->nb++;
}

void
addr_index_town_cb(const struct addr_town_row *r, void *index)
{
	addr_index_add_town(index, r);
}

void
addr_index_block_cb(const struct addr_block_row *r, void *index)
{
	addr_index_add_block(index, r);
}

double
addr_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double dp = p2 - p1, dl = (lon2 - lon1) * M_PI / 180;
	double a = sin(dp / 2) * sin(dp / 2) +
	    cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	return 2 * 6371008.8 * atan2(sqrt(a), sqrt(1 - a));
}

static int
addr_key_sort(const void *a, const void *b)
{
	const struct key *ka = a, *kb = b;
	int r = strcmp(ka->key, kb->key);

	if (r != 0)
		return r;
	return ka->id < kb->id ? -1 : ka->id > kb->id;
}

static void
addr_ck_add(struct addr_index *x, char *key, size_t id, int kind)
{
	if (key == NULL || *key == '\0') {
		free(key);
		return;
	}
	if (x->nck == x->capck) {
		x->capck = x->capck == 0 ? 64 : x->capck * 2;
		x->ck = xreallocarray(x->ck, x->capck, sizeof *x->ck);
	}
	x->ck[x->nck].key = key;
	x->ck[x->nck].id = id;
	x->ck[x->nck].kind = kind;
	x->nck++;
}

/* A designated city's ward (川崎市多摩区) is also found as 多摩区 and 川崎市;
 * a town in a district (北足立郡伊奈町) as 伊奈町. */
static void
addr_city_keys(struct addr_index *x, size_t i)
{
	const char *name = x->c[i].city, *shi, *gun;
	char *full = addr_normalize(name, NULL);

	addr_ck_add(x, full, i, 0);
	shi = strstr(name, "市");
	if (shi != NULL && shi[3] != '\0' &&
	    strcmp(name + strlen(name) - 3, "区") == 0) {
		addr_ck_add(x, addr_normalize(shi + 3, NULL), i, 1);
		addr_ck_add(x, xstrndup(name, (size_t)(shi + 3 - name)), i, 2);
	}
	gun = strstr(name, "郡");
	if (gun != NULL && gun[3] != '\0')
		addr_ck_add(x, addr_normalize(gun + 3, NULL), i, 1);
}

struct cell {
	long cx, cy;
	size_t i;
};

static int
addr_cell_sort(const void *a, const void *b)
{
	const struct cell *p = a, *q = b;

	if (p->cx != q->cx)
		return p->cx < q->cx ? -1 : 1;
	if (p->cy != q->cy)
		return p->cy < q->cy ? -1 : 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

static size_t
addr_cell_first(const struct cell *g, size_t n, long cx, long cy)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (g[mid].cx < cx || (g[mid].cx == cx && g[mid].cy < cy))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A town's point stands for its whole area; how far the area reaches is
 * about the distance to the neighbouring towns' points. The radius given
 * is 0.7 of the nearest one (within the 5 x 5 cells around).
 */
static void
addr_town_accuracy(struct addr_index *x)
{
	struct cell *g = xreallocarray(NULL, x->nt + 1, sizeof *g);
	size_t i, j;
	long dx, dy;
	double best, d;

	for (i = 0; i < x->nt; i++) {
		g[i].cx = (long)floor(x->t[i].lon / ADDR_GRID);
		g[i].cy = (long)floor(x->t[i].lat / ADDR_GRID);
		g[i].i = i;
	}
	qsort(g, x->nt, sizeof *g, addr_cell_sort);
	for (i = 0; i < x->nt; i++) {
		struct town *t = &x->t[i];
		long cx = (long)floor(t->lon / ADDR_GRID);
		long cy = (long)floor(t->lat / ADDR_GRID);

		best = HUGE_VAL;
		for (dx = -2; dx <= 2; dx++) {
			for (dy = -2; dy <= 2; dy++) {
				j = addr_cell_first(g, x->nt, cx + dx, cy + dy);
				for (; j < x->nt && g[j].cx == cx + dx &&
				     g[j].cy == cy + dy;
				     j++) {
					if (g[j].i == i)
						continue;
					d = addr_distance_m(t->lat, t->lon,
					    x->t[g[j].i].lat, x->t[g[j].i].lon);
					if (d > 1 && d < best)
						best = d;
				}
			}
		}
		t->acc = best == HUGE_VAL ? ADDR_TOWN_MAX : 0.7 * best;
		if (t->acc < ADDR_TOWN_MIN)
			t->acc = ADDR_TOWN_MIN;
		if (t->acc > ADDR_TOWN_MAX)
			t->acc = ADDR_TOWN_MAX;
		t->acc = round(t->acc / 10) * 10;
	}
	free(g);
}

struct tref {
	const char *pref, *city, *key;
	size_t i;
};

static int
addr_tref_cmp(const void *a, const void *b)
{
	const struct tref *p = a, *q = b;
	int r;

	if ((r = strcmp(p->key, q->key)) != 0 ||
	    (r = strcmp(p->city, q->city)) != 0 ||
	    (r = strcmp(p->pref, q->pref)) != 0)
		return r;
	return 0;
}

static int
addr_block_sort(const void *a, const void *b)
{
	const struct block *p = a, *q = b;

	if (p->town != q->town)
		return p->town < q->town ? -1 : 1;
	return strcmp(p->block, q->block);
}

/* Blocks join their town by (prefecture, city, town key). */
static void
addr_blocks_join(struct addr_index *x)
{
	struct tref *r = xreallocarray(NULL, x->nt + 1, sizeof *r), k, *f;
	size_t i;

	for (i = 0; i < x->nt; i++) {
		r[i].pref = x->c[x->t[i].city_i].pref;
		r[i].city = x->c[x->t[i].city_i].city;
		r[i].key = x->t[i].key;
		r[i].i = i;
	}
	qsort(r, x->nt, sizeof *r, addr_tref_cmp);
	x->orphans = 0;
	for (i = 0; i < x->nb; i++) {
		k.pref = x->b[i].pref;
		k.city = x->b[i].city;
		k.key = x->b[i].tkey;
		f = bsearch(&k, r, x->nt, sizeof *r, addr_tref_cmp);
		x->b[i].town = f != NULL ? f->i : SIZE_MAX;
		if (f == NULL)
			x->orphans++;
	}
	free(r);
	if (x->nb > 1)
		qsort(x->b, x->nb, sizeof *x->b, addr_block_sort);
	for (i = x->nb; i > 0; i--) {
		if (x->b[i - 1].town == SIZE_MAX)
			continue;
		x->t[x->b[i - 1].town].block_first = i - 1;
		x->t[x->b[i - 1].town].block_n++;
	}
}

/* Each city's towns together, for searches within named cities. */
static void
addr_group_by_city(struct addr_index *x)
{
	size_t i, *at = xcalloc(x->nc + 1, sizeof *at);

	x->bycity = xreallocarray(NULL, x->nt + 1, sizeof *x->bycity);
	for (i = 0; i < x->nc; i++)
		x->c[i].n = 0;
	for (i = 0; i < x->nt; i++)
		x->c[x->t[i].city_i].n++;
	for (i = 0; i < x->nc; i++) {
		x->c[i].first = i == 0 ? 0 : x->c[i - 1].first + x->c[i - 1].n;
		at[i] = x->c[i].first;
	}
	for (i = 0; i < x->nt; i++)
		x->bycity[at[x->t[i].city_i]++] = i;
	free(at);
}

void
addr_index_build(struct addr_index *x)
{
	size_t i;

	x->tk = xreallocarray(NULL, x->nt + 1, sizeof *x->tk);
	for (i = 0; i < x->nt; i++) {
		x->tk[i].key = x->t[i].key;
		x->tk[i].id = i;
		x->tk[i].kind = 0;
	}
	x->ntk = x->nt;
	qsort(x->tk, x->ntk, sizeof *x->tk, addr_key_sort);
	for (i = 0; i < x->nc; i++)
		addr_city_keys(x, i);
	if (x->nck > 1)
		qsort(x->ck, x->nck, sizeof *x->ck, addr_key_sort);
	for (i = 0; i < x->nt; i++) {
		x->t[i].pref = x->c[x->t[i].city_i].pref;
		x->t[i].city = x->c[x->t[i].city_i].city;
	}
	addr_town_accuracy(x);
	addr_blocks_join(x);
	addr_group_by_city(x);
	for (i = 0; i < x->nt; i++)
		x->t[i].city_code = x->c[x->t[i].city_i].code;
	x->built = 1;
}

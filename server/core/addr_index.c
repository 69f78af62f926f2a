/*
 * The town index and the search (see addr.h). Keys are the normal form of
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

#include "addr.h"
#include "xmalloc.h"

#define ADDR_KEY_MAX   120  /* bytes of a city or town key tried */
#define ADDR_FUZZY_MAX 40   /* code points of text compared fuzzily */
#define ADDR_BLOCK_ACC 50.0 /* metres: a block's extent around its point */
#define ADDR_TOWN_MIN  150.0
#define ADDR_TOWN_MAX  3000.0
#define ADDR_GRID      0.01 /* degrees: cells for neighbour search */

struct town {
	char *pref, *city, *city_code, *town, *koaza;
	char *key, *label;
	uint32_t *kcp; /* key as code points, for fuzzy matching */
	size_t kn;
	double lat, lon, acc;
	size_t city_i;
	size_t block_first, block_n;
};

struct city {
	char *pref, *city, *code;
	size_t first, n; /* its towns in addr_index.bycity */
};

struct key {
	const char *key;
	size_t id;
	int kind; /* cities: 0 full name, 1 ward alone, 2 city alone */
};

struct block {
	char *pref, *city, *tkey; /* until built: the town it belongs to */
	size_t town;
	char *block; /* normal form of the number */
	double lat, lon;
	int jukyo;
};

struct addr_index {
	struct town *t;
	size_t nt, capt;
	struct city *c;
	size_t nc, capc;
	size_t *bycity; /* town indexes grouped by city */
	struct key *tk, *ck;
	size_t ntk, nck, capck;
	struct block *b;
	size_t nb, capb;
	size_t orphans;
	int built;
};

static const char *const addr_prefs[] = {"北海道", "青森県", "岩手県", "宮城県",
    "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県",
    "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県",
    "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県",
    "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県",
    "沖縄県", NULL};

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
static uint32_t *
addr_cps(const char *s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t *out = xreallocarray(NULL, strlen(s) + 1, sizeof *out);
	size_t k = 0;

	while (*p != '\0') {
		if (*p < 0x80)
			out[k] = *p++;
		else if ((*p & 0xE0) == 0xC0) {
			out[k] = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
			p += 2;
		} else if ((*p & 0xF0) == 0xE0) {
			out[k] = (uint32_t)(p[0] & 0x0F) << 12 |
			    (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
			p += 3;
		} else {
			out[k] = (uint32_t)(p[0] & 0x07) << 18 |
			    (uint32_t)(p[1] & 0x3F) << 12 |
			    (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
			p += 4;
		}
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

/* Order of a key against the first l bytes of s taken as a whole key. */
static int
addr_key_cmp(const char *key, const char *s, size_t l)
{
	int r = strncmp(key, s, l);

	if (r != 0)
		return r;
	return key[l] == '\0' ? 0 : 1;
}

/* First key not below s[0..l) (as a key, or as a prefix when prefix). */
static size_t
addr_lower(const struct key *k, size_t n, const char *s, size_t l, int prefix)
{
	size_t lo = 0, hi = n, mid;
	int r;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		r = prefix ? strncmp(k[mid].key, s, l)
		           : addr_key_cmp(k[mid].key, s, l);
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t
addr_next_cp(const char *s, size_t i)
{
	if (s[i] == '\0')
		return i;
	i++;
	while (((unsigned char)s[i] & 0xC0) == 0x80)
		i++;
	return i;
}

/* Cut points after pos (code point boundaries), longest last. */
static size_t
addr_cuts(const char *s, size_t pos, size_t *cuts, size_t max)
{
	size_t n = 0, i = pos;

	while (s[i] != '\0' && n < max && i - pos < ADDR_KEY_MAX) {
		i = addr_next_cp(s, i);
		cuts[n++] = i;
	}
	return n;
}

struct search {
	const struct addr_index *x;
	const char *s;        /* normal form of the query */
	const size_t *srcoff; /* its bytes to the query's */
	const char *q;        /* the query */
	const struct addr_near *near;
	unsigned char *cityok; /* per city, or NULL: all */
	int city_given;
	struct addr_result *out;
	size_t cap;
};

static void
addr_push(
    struct search *se, size_t ti, enum addr_match m, double score, size_t rest)
{
	const struct town *t = &se->x->t[ti];
	const struct block *b = NULL;
	struct addr_candidate *c;
	const char *s = se->s, *q;
	size_t i, blen = 0, k;

	for (i = 0; i < se->out->n; i++) {
		if (strcmp(se->out->c[i].label, t->label) == 0 ||
		    (se->out->c[i].town == t->town &&
		        se->out->c[i].city == t->city &&
		        se->out->c[i].koaza == t->koaza))
			return;
	}
	/* The first number after the town names its block. */
	if (m == ADDR_MATCH_EXACT && t->block_n > 0) {
		i = rest;
		if (s[i] == '-')
			i++;
		while (s[i + blen] >= '0' && s[i + blen] <= '9')
			blen++;
		for (k = 0; blen > 0 && k < t->block_n; k++) {
			const struct block *bb = &se->x->b[t->block_first + k];

			if (strlen(bb->block) == blen &&
			    strncmp(bb->block, s + i, blen) == 0) {
				b = bb;
				rest = i + blen;
				break;
			}
		}
	}
	if (se->out->n == se->cap) {
		se->cap = se->cap == 0 ? 8 : se->cap * 2;
		se->out->c =
		    xreallocarray(se->out->c, se->cap, sizeof *se->out->c);
	}
	c = &se->out->c[se->out->n++];
	memset(c, 0, sizeof *c);
	c->pref = t->pref;
	c->city = t->city;
	c->city_code = t->city_code;
	c->town = t->town;
	c->koaza = t->koaza;
	c->match = m;
	c->score = score;
	if (b != NULL) {
		c->label = xasprintf(
		    "%s%s%s", t->label, b->block, b->jukyo ? "番" : "番地");
		c->lat = b->lat;
		c->lon = b->lon;
		c->accuracy_m = ADDR_BLOCK_ACC;
		c->level = ADDR_LEVEL_BLOCK;
		c->score += 5;
	} else {
		c->label = xstrdup(t->label);
		c->lat = t->lat;
		c->lon = t->lon;
		c->accuracy_m = t->acc;
		c->level = ADDR_LEVEL_TOWN;
	}
	/* What is left, in the caller's own spelling. */
	while (s[rest] == '-')
		rest++;
	q = se->q + se->srcoff[rest];
	while (*q == ' ' || *q == '-')
		q++;
	if (strncmp(q, "\xe3\x80\x80", 3) == 0) /* ideographic space */
		q += 3;
	c->unmatched = s[rest] == '\0' ? xstrdup("") : xstrdup(q);
	c->distance_m = se->near != NULL
	    ? addr_distance_m(se->near->lat, se->near->lon, c->lat, c->lon)
	    : -1;
}

static int
addr_city_allowed(const struct search *se, size_t city_i)
{
	return se->cityok == NULL || se->cityok[city_i];
}

/* Levenshtein distance of two short code point strings. */
static size_t
addr_lev(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
	size_t row[ADDR_FUZZY_MAX + 2], i, j, prev, tmp, best;

	for (j = 0; j <= m; j++)
		row[j] = j;
	for (i = 1; i <= n; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= m; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[m];
}

/* Byte offset of code point k of s from pos. */
static size_t
addr_cp_offset(const char *s, size_t pos, size_t k)
{
	while (k-- > 0 && s[pos] != '\0')
		pos = addr_next_cp(s, pos);
	return pos;
}

/*
 * Near spellings of the town part: the text's start against every town
 * (of the named city, if any), within two edits and 60 % similar.
 */
/* One town against the text's start: pushed when near enough. */
static void
addr_fuzzy_one(
    struct search *se, size_t pos, const uint32_t *q, size_t qn, size_t i)
{
	const struct town *t = &se->x->t[i];
	size_t lo, hi, l, d, bestd = SIZE_MAX, bestl = 0;
	double sim;

	if (t->kn < 2 || t->kn > ADDR_FUZZY_MAX)
		return;
	lo = t->kn > 1 ? t->kn - 1 : 1;
	hi = t->kn + 1 < qn ? t->kn + 1 : qn;
	for (l = lo; l <= hi; l++) {
		/* A key ending in a number needs the whole number. */
		if (l < qn && q[l] >= '0' && q[l] <= '9' && q[l - 1] >= '0' &&
		    q[l - 1] <= '9')
			continue;
		d = addr_lev(q, l, t->kcp, t->kn);
		if (d < bestd) {
			bestd = d;
			bestl = l;
		}
	}
	if (bestd == 0 || bestd > 2)
		return;
	sim = 1.0 - (double)bestd / (double)t->kn;
	/* Two characters, one wrong: only within a named city. */
	if (sim < 0.6 && !(t->kn == 2 && bestd == 1 && se->city_given))
		return;
	addr_push(se, i, ADDR_MATCH_FUZZY, 60 * sim,
	    addr_cp_offset(se->s, pos, bestl));
}

/*
 * Near spellings of the town part: the text's start against every town
 * (of the named cities, if any), within two edits and 60 % similar.
 */
static void
addr_fuzzy(struct search *se, size_t pos)
{
	const struct addr_index *x = se->x;
	uint32_t *q;
	size_t qn, i, k;

	q = addr_cps(se->s + pos, &qn);
	if (qn > ADDR_FUZZY_MAX)
		qn = ADDR_FUZZY_MAX;
	if (qn >= 2 && se->cityok != NULL) {
		for (k = 0; k < x->nc; k++) {
			if (!se->cityok[k])
				continue;
			for (i = 0; i < x->c[k].n; i++)
				addr_fuzzy_one(se, pos, q, qn,
				    x->bycity[x->c[k].first + i]);
		}
	} else if (qn >= 2) {
		for (i = 0; i < x->nt; i++)
			addr_fuzzy_one(se, pos, q, qn, i);
	}
	free(q);
}

static int
addr_is_digit_at(const char *s, size_t i)
{
	return s[i] >= '0' && s[i] <= '9';
}

/* A kanji or katakana: the name goes on. */
static int
addr_name_goes_on(const char *s, size_t i)
{
	const unsigned char *p = (const unsigned char *)s + i;
	uint32_t c;

	if ((p[0] & 0xF0) != 0xE0)
		return 0;
	c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 |
	    (p[2] & 0x3F);
	return (c >= 0x4E00 && c <= 0x9FFF) || c == 0x3005 ||
	    (c >= 0x30A1 && c <= 0x30FA);
}

/*
 * Exact town names at pos, longest first: 1 when any was found, 2 when
 * the text goes on as a longer name would (then marked partial).
 */
static int
addr_towns_at(struct search *se, size_t pos)
{
	const struct addr_index *x = se->x;
	size_t cuts[64], n, k, j, l, found = 0;
	const char *s = se->s;
	int partial = 0;

	n = addr_cuts(s, pos, cuts, 64);
	for (k = n; k > 0 && found == 0; k--) {
		l = cuts[k - 1] - pos;
		/* 中野島4 is not the start of 中野島41. */
		if (addr_is_digit_at(s, pos + l - 1) &&
		    addr_is_digit_at(s, pos + l))
			continue;
		partial = addr_name_goes_on(s, pos + l);
		j = addr_lower(x->tk, x->ntk, s + pos, l, 0);
		for (;
		     j < x->ntk && addr_key_cmp(x->tk[j].key, s + pos, l) == 0;
		     j++) {
			if (!addr_city_allowed(se, x->t[x->tk[j].id].city_i))
				continue;
			if (partial)
				addr_push(se, x->tk[j].id, ADDR_MATCH_PARTIAL,
				    42, pos + l);
			else
				addr_push(se, x->tk[j].id, ADDR_MATCH_EXACT,
				    100 + (se->city_given ? 10 : 0), pos + l);
			found++;
		}
	}
	return found == 0 ? 0 : partial ? 2 : 1;
}

/* Towns whose name starts with all that is left (typing under way). */
static void
addr_prefixes(struct search *se, size_t pos, size_t limit)
{
	const struct addr_index *x = se->x;
	const char *s = se->s + pos;
	size_t l = strlen(s), j, m = 0;

	if (l == 0)
		return;
	j = addr_lower(x->tk, x->ntk, s, l, 1);
	for (; j < x->ntk && strncmp(x->tk[j].key, s, l) == 0 && m < limit * 4;
	     j++) {
		if (!addr_city_allowed(se, x->t[x->tk[j].id].city_i))
			continue;
		addr_push(se, x->tk[j].id, ADDR_MATCH_PREFIX,
		    60 - 0.1 * (double)strlen(x->tk[j].key), strlen(se->s));
		m++;
	}
}

/* The longest city key at pos, kind filtered; the new position or pos. */
static size_t
addr_city_at(struct search *se, size_t pos, int want_ward)
{
	const struct addr_index *x = se->x;
	size_t cuts[64], n, k, j, l, found, end = pos;
	unsigned char *ok = xcalloc(x->nc + 1, 1);
	int city_only = 0;

	n = addr_cuts(se->s, pos, cuts, 64);
	for (k = n; k > 0; k--) {
		l = cuts[k - 1] - pos;
		found = 0;
		j = addr_lower(x->ck, x->nck, se->s + pos, l, 0);
		for (; j < x->nck &&
		     addr_key_cmp(x->ck[j].key, se->s + pos, l) == 0;
		     j++) {
			if (!addr_city_allowed(se, x->ck[j].id) ||
			    (want_ward && x->ck[j].kind != 1))
				continue;
			ok[x->ck[j].id] = 1;
			city_only = x->ck[j].kind == 2;
			found++;
		}
		if (found > 0) {
			end = pos + l;
			break;
		}
	}
	if (end == pos) {
		free(ok);
		return pos;
	}
	free(se->cityok);
	se->cityok = ok;
	se->city_given = 1;
	if (city_only && !want_ward)
		end = addr_city_at(se, end, 1);
	return end;
}

static size_t
addr_pref_at(struct search *se, size_t pos)
{
	const struct addr_index *x = se->x;
	size_t i, l;

	for (i = 0; addr_prefs[i] != NULL; i++) {
		l = strlen(addr_prefs[i]);
		if (strncmp(se->s + pos, addr_prefs[i], l) != 0)
			continue;
		se->cityok = xcalloc(x->nc + 1, 1);
		for (l = 0; l < x->nc; l++)
			se->cityok[l] =
			    strcmp(x->c[l].pref, addr_prefs[i]) == 0;
		return pos + strlen(addr_prefs[i]);
	}
	return pos;
}

static int
addr_candidate_cmp(const void *a, const void *b)
{
	const struct addr_candidate *p = a, *q = b;

	if (p->score != q->score)
		return p->score > q->score ? -1 : 1;
	if (p->distance_m != q->distance_m)
		return p->distance_m < q->distance_m ? -1 : 1;
	return strcmp(p->label, q->label);
}

void
addr_search(const struct addr_index *x, const char *q,
    const struct addr_near *near, size_t limit, struct addr_result *out)
{
	struct search se = {0};
	size_t *srcoff, pos, i;
	char *s;

	memset(out, 0, sizeof *out);
	if (x == NULL || !x->built || limit == 0 ||
	    strlen(q) > ADDR_QUERY_MAX ||
	    (s = addr_normalize(q, &srcoff)) == NULL)
		return;
	se.x = x;
	se.s = s;
	se.srcoff = srcoff;
	se.q = q;
	se.near = near;
	se.out = out;
	pos = addr_pref_at(&se, 0);
	pos = addr_city_at(&se, pos, 0);
	switch (addr_towns_at(&se, pos)) {
	case 0:
		addr_prefixes(&se, pos, limit);
		if (out->n == 0)
			addr_fuzzy(&se, pos);
		break;
	case 2:
		addr_fuzzy(&se, pos);
		break;
	}
	if (out->n > 1)
		qsort(out->c, out->n, sizeof *out->c, addr_candidate_cmp);
	for (i = limit; i < out->n; i++) {
		free(out->c[i].label);
		free(out->c[i].unmatched);
	}
	if (out->n > limit)
		out->n = limit;
	free(se.cityok);
	free(srcoff);
	free(s);
}

void
addr_result_free(struct addr_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->c[i].label);
		free(r->c[i].unmatched);
	}
	free(r->c);
	memset(r, 0, sizeof *r);
}

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

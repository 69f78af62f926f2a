/*
 * The search (see addr.h): a query is read left to right against the
 * index's sorted keys, taking the longest prefecture, city and town name
 * that its normal form starts with; numbers after the town find a block.
 * A near spelling is only ever a "fuzzy" candidate.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr_index_int.h"
#include "utf8.h"
#include "xmalloc.h"

static const char *const addr_prefs[] = {"北海道", "青森県", "岩手県", "宮城県",
    "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県",
    "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県",
    "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県",
    "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県",
    "沖縄県", NULL};

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
	uint32_t c;

	if (utf8_decode(s + i, SIZE_MAX, &c) != 3)
		return 0;
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

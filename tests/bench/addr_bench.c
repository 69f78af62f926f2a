/*
 * Address search accuracy and speed (issue 13). Every town of the shipped
 * table (data/addresses) is written the ways residents write addresses
 * (variants below), searched, and the first candidate compared with the
 * town: right ward, right town, distance from the town's point. Speed:
 * the time per query against a plain indexed lookup (binary search over
 * the sorted exact town names) measured in the same run, with the two
 * cities alone and again with a synthetic national-size table around them.
 *
 *   addr_bench TOWNS.csv [SYNTHETIC_TOWNS]   (default 190000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "addr.h"
#include "addr_csv.h"
#include "xmalloc.h"

struct town {
	char *pref, *city, *town;
	double lat, lon;
};

static struct town *towns;
static size_t ntowns, captowns;
static int collect = 1; /* remember the towns read (the first file) */
static FILE *dump;      /* ADDR_BENCH_DUMP: variant, truth, our answer */

static void
bench_town_cb(const struct addr_town_row *r, void *arg)
{
	struct addr_index *x = arg;

	addr_index_add_town(x, r);
	if (!collect || (r->koaza != NULL && *r->koaza != '\0'))
		return; /* 小字 rows: the town itself is measured */
	if (ntowns == captowns) {
		captowns = captowns ? captowns * 2 : 2048;
		towns = xreallocarray(towns, captowns, sizeof *towns);
	}
	towns[ntowns].pref = xstrdup(r->pref);
	towns[ntowns].city = xstrdup(r->city);
	towns[ntowns].town = xstrdup(r->town);
	towns[ntowns].lat = r->lat;
	towns[ntowns].lon = r->lon;
	ntowns++;
}

/* Microseconds of this thread's CPU time. */
static double
now_us(void)
{
	return 1e6 * bench_clock_s(CLOCK_THREAD_CPUTIME_ID);
}

/* Full-width form of ASCII digits and '-'. */
static char *
fullwidth(const char *s)
{
	char *o = xmalloc(strlen(s) * 3 + 1), *p = o;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			*p++ = (char)0xEF;
			*p++ = (char)0xBC;
			*p++ = (char)(0x90 + (*s - '0'));
		} else if (*s == '-') {
			memcpy(p, "\xEF\xBC\x8D", 3);
			p += 3;
		} else
			*p++ = *s;
	}
	*p = '\0';
	return o;
}

static const char *const kanji_digits[] = {
    "〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* 中野島四丁目 -> base 中野島, chome 4 (0 when none). */
static int
split_chome(const char *town, char *base, size_t cap)
{
	const char *p = strstr(town, "丁目");
	size_t blen;
	int i, v = 0, unit = 0, d;
	const char *q;

	snprintf(base, cap, "%s", town);
	if (p == NULL || p[6] != '\0')
		return 0;
	/* Walk back over kanji numerals (3 bytes each). */
	q = p;
	while (q - town >= 3) {
		for (i = 0; i < 10; i++)
			if (strncmp(q - 3, kanji_digits[i], 3) == 0)
				break;
		if (i == 10 && strncmp(q - 3, "十", 3) != 0)
			break;
		q -= 3;
	}
	if (q == p)
		return 0;
	for (const char *r = q; r < p; r += 3) {
		if (strncmp(r, "十", 3) == 0) {
			v += (unit == 0 ? 1 : unit) * 10;
			unit = 0;
			continue;
		}
		for (d = 0; d < 10; d++)
			if (strncmp(r, kanji_digits[d], 3) == 0)
				break;
		unit = d;
	}
	v += unit;
	blen = (size_t)(q - town);
	if (blen >= cap)
		blen = cap - 1;
	memcpy(base, town, blen);
	base[blen] = '\0';
	return v;
}

/* The ward alone: 川崎市多摩区 -> 多摩区. */
static const char *
ward_of(const char *city)
{
	const char *p = strstr(city, "市");

	return p != NULL && p[3] != '\0' ? p + 3 : city;
}

/* One kanji of the base replaced by a near one: a typo that is not exact. */
static char *
typo(const char *base)
{
	size_t len = strlen(base), k;
	char *o = xstrdup(base);

	if (len < 6 || (unsigned char)base[0] < 0xE0)
		return NULL;
	/* The last character of the name (not a 大字 prefix). */
	k = len - 3;
	if ((unsigned char)o[k] < 0xE0)
		return NULL;
	/* 口 for the last kanji: a wrong, not a variant, character. */
	memcpy(o + k, strncmp(o + k, "口", 3) == 0 ? "日" : "口", 3);
	return o;
}

enum {
	V_CANON,
	V_DIGITS,
	V_FULLWIDTH,
	V_BANCHI,
	V_BUILDING,
	V_NOCITY,
	V_TOWNONLY,
	V_TYPO,
	V_N
};
static const char *const vnames[V_N] = {"県市区町丁目 (正式)", "算用数字 4-3-1",
    "全角 ４－３－１", "番地・号", "建物名・部屋番号", "市なし (区から)",
    "市区なし (町名から)", "誤字 1文字"};

static char *
variant(int v, const struct town *t)
{
	char base[256], chome[16], *s, *f, *tp;
	int c = split_chome(t->town, base, sizeof base);

	snprintf(chome, sizeof chome, "%d", c);
	switch (v) {
	case V_CANON:
		return xasprintf("%s%s%s", t->pref, t->city, t->town);
	case V_DIGITS:
		return c ? xasprintf("%s%s%s-12-3", t->city, base, chome)
		         : xasprintf("%s%s123-4", t->city, base);
	case V_FULLWIDTH:
		s = c ? xasprintf("%s%s%s-12-3", ward_of(t->city), base, chome)
		      : xasprintf("%s%s123-4", ward_of(t->city), base);
		f = fullwidth(s);
		free(s);
		return f;
	case V_BANCHI:
		return c ? xasprintf("%s%s%s丁目12番3号", t->city, base, chome)
		         : xasprintf("%s%s123番地4", t->city, base);
	case V_BUILDING:
		return c ? xasprintf("%s%s%s-12-3 グリーンハイツ%s 201号室",
		               t->city, base, chome, base)
		         : xasprintf("%s%s123-4 サンハイツ 101", t->city, base);
	case V_NOCITY:
		return c ? xasprintf("%s%s%s-12", ward_of(t->city), base, chome)
		         : xasprintf("%s%s", ward_of(t->city), t->town);
	case V_TOWNONLY:
		return c ? xasprintf("%s%s-12-3", base, chome)
		         : xasprintf("%s", t->town);
	case V_TYPO:
		if ((tp = typo(base)) == NULL)
			return NULL;
		s = c ? xasprintf("%s%s%s丁目", t->city, tp, chome)
		      : xasprintf("%s%s", t->city, tp);
		free(tp);
		return s;
	}
	return NULL;
}

static double
pct(double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	return v[(size_t)(p * (double)(n - 1) + 0.5)];
}

static int
scmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct score {
	size_t n, ward, town, top5, exact_wrong;
	double *dist, *us;
	size_t nd;
};

static void
run(const char *title, struct addr_index *x, int print_accuracy)
{
	struct score sc[V_N];
	char **names = xreallocarray(NULL, ntowns + 1, sizeof *names);
	double *base_us = xreallocarray(NULL, ntowns + 1, sizeof *base_us);
	double *all_us = xreallocarray(NULL, ntowns * V_N + 1, sizeof *all_us);
	size_t i, nall = 0, hits = 0;
	int v;

	memset(sc, 0, sizeof sc);
	for (i = 0; i < ntowns; i++)
		names[i] = addr_normalize(towns[i].town, NULL);
	qsort(names, ntowns, sizeof *names, scmp);
	/* The baseline: a binary search for the exact (normalised) name. */
	for (i = 0; i < ntowns; i++) {
		char *k = addr_normalize(towns[i].town, NULL);
		double t0 = now_us();

		hits += bsearch(&k, names, ntowns, sizeof *names, scmp) != NULL;
		base_us[i] = now_us() - t0;
		free(k);
	}
	for (v = 0; v < V_N; v++) {
		sc[v].dist = xreallocarray(NULL, ntowns + 1, sizeof(double));
		sc[v].us = xreallocarray(NULL, ntowns + 1, sizeof(double));
	}
	for (i = 0; i < ntowns; i++) {
		const struct town *t = &towns[i];

		for (v = 0; v < V_N; v++) {
			struct addr_result r;
			char *q = variant(v, t);
			double t0, us;

			if (q == NULL)
				continue;
			t0 = now_us();
			addr_search(x, q, NULL, 5, &r);
			us = now_us() - t0;
			sc[v].us[sc[v].n] = us;
			all_us[nall++] = us;
			sc[v].n++;
			if (r.n > 0 && strcmp(r.c[0].city, t->city) == 0)
				sc[v].ward++;
			if (r.n > 0 && strcmp(r.c[0].city, t->city) == 0 &&
			    strcmp(r.c[0].town, t->town) == 0 &&
			    *r.c[0].koaza == '\0')
				sc[v].town++;
			else {
				if (r.n > 0 &&
				    r.c[0].match == ADDR_MATCH_EXACT &&
				    v != V_TOWNONLY)
					sc[v].exact_wrong++;
				if (getenv("ADDR_BENCH_MISSES") != NULL)
					printf("miss %d: %s -> %s (%d)\n", v, q,
					    r.n > 0 ? r.c[0].label : "-",
					    r.n > 0 ? (int)r.c[0].match : -1);
			}
			if (dump != NULL)
				fprintf(dump, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", v,
				    q, t->pref, t->city, t->town,
				    r.n > 0 ? r.c[0].city : "",
				    r.n > 0 ? r.c[0].town : "");
			for (size_t k = 0; k < r.n; k++) {
				if (strcmp(r.c[k].city, t->city) == 0 &&
				    strcmp(r.c[k].town, t->town) == 0) {
					sc[v].top5++;
					break;
				}
			}
			if (r.n > 0)
				sc[v].dist[sc[v].nd++] = addr_distance_m(
				    t->lat, t->lon, r.c[0].lat, r.c[0].lon);
			addr_result_free(&r);
			free(q);
		}
	}
	qsort(base_us, ntowns, sizeof *base_us, bench_cmp_double);
	qsort(all_us, nall, sizeof *all_us, bench_cmp_double);
	printf("\n## %s: %zu towns in the index, %zu measured towns\n\n", title,
	    addr_index_towns(x), ntowns);
	if (print_accuracy) {
		printf(
		    "| variant | queries | right ward | right town | in top 5 "
		    "| exact but wrong | distance median m | p90 m |\n");
		printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
	}
	for (v = 0; v < V_N; v++) {
		qsort(sc[v].dist, sc[v].nd, sizeof(double), bench_cmp_double);
		qsort(sc[v].us, sc[v].n, sizeof(double), bench_cmp_double);
		if (print_accuracy && sc[v].n > 0)
			printf("| %s | %zu | %.2f%% | %.2f%% | %.2f%% | %zu | "
			       "%.0f | %.0f |\n",
			    vnames[v], sc[v].n, 100.0 * sc[v].ward / sc[v].n,
			    100.0 * sc[v].town / sc[v].n,
			    100.0 * sc[v].top5 / sc[v].n, sc[v].exact_wrong,
			    pct(sc[v].dist, sc[v].nd, 0.5),
			    pct(sc[v].dist, sc[v].nd, 0.9));
	}
	printf("\n| per query | p50 µs | p99 µs | max µs "
	       "|\n|---|---:|---:|---:|\n");
	printf("| addr_search (all variants, %zu) | %.1f | %.1f | %.1f |\n",
	    nall, pct(all_us, nall, 0.5), pct(all_us, nall, 0.99),
	    all_us[nall - 1]);
	for (v = 0; v < V_N; v++)
		printf("| addr_search, %s | %.1f | %.1f | %.1f |\n", vnames[v],
		    pct(sc[v].us, sc[v].n, 0.5), pct(sc[v].us, sc[v].n, 0.99),
		    sc[v].n ? sc[v].us[sc[v].n - 1] : 0);
	printf("| baseline: exact name, binary search (%zu/%zu found) | %.2f "
	       "| %.2f | %.2f |\n",
	    hits, ntowns, pct(base_us, ntowns, 0.5), pct(base_us, ntowns, 0.99),
	    base_us[ntowns - 1]);
	printf("\nratio p99 addr_search / baseline: %.0fx\n",
	    pct(all_us, nall, 0.99) / fmax(pct(base_us, ntowns, 0.99), 0.01));
	for (v = 0; v < V_N; v++) {
		free(sc[v].dist);
		free(sc[v].us);
	}
	for (i = 0; i < ntowns; i++)
		free(names[i]);
	free(names);
	free(base_us);
	free(all_us);
}

/* Synthetic towns: random two- to four-kanji names in synthetic cities
 * spread over Japan, a third of them with 一..五丁目. */
static void
synthetic(struct addr_index *x, size_t n)
{
	static const char *const k[] = {"山", "川", "田", "野", "原", "島",
	    "木", "本", "上", "下", "中", "大", "小", "東", "西", "南", "北",
	    "宮", "谷", "沢", "松", "竹", "井", "浜", "岡", "新", "高", "平",
	    "森", "林", "石", "坂", "池", "橋", "戸", "寺", "町", "台", "丘",
	    "崎", "津", "湊", "星", "泉", "緑", "桜", "梅", "栄", "富", "幸"};
	size_t nk = sizeof k / sizeof k[0], i, c;
	unsigned s = 12345;
	char city[64], town[64];
	int j, len;

	for (i = 0; i < n; i++) {
		c = i / 100;
		snprintf(city, sizeof city, "合成%s%s市第%zu区", k[c % nk],
		    k[(c / nk) % nk], c);
		town[0] = '\0';
		s = s * 1103515245 + 12345;
		len = 2 + (int)((s >> 16) % 3);
		for (j = 0; j < len; j++) {
			s = s * 1103515245 + 12345;
			strcat(town, k[(s >> 16) % nk]);
		}
		if (i % 3 == 0) {
			strcat(town, kanji_digits[1 + i % 5]);
			strcat(town, "丁目");
		}
		s = s * 1103515245 + 12345;
		{
			struct addr_town_row r = {"合成県", city, NULL, town,
			    NULL, 31.0 + (double)((s >> 8) % 10000) / 1000.0,
			    130.0 + (double)((s >> 4) % 12000) / 1000.0};

			addr_index_add_town(x, &r);
		}
	}
}

int
main(int argc, char **argv)
{
	struct addr_index *x = addr_index_new(), *big = addr_index_new();
	struct addr_csv_stats st;
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 190000;
	char *buf, *cause = NULL;
	double t0;
	long len;
	FILE *f;

	if (argc < 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: addr_bench TOWNS.csv [SYNTHETIC]\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		return 1;
	fclose(f);
	if (addr_csv_parse(buf, (size_t)len, bench_town_cb, addr_index_block_cb,
	        x, &st, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], cause);
		return 1;
	}
	printf("%s: %zu rows, %zu towns, %zu refused (no coordinates)\n",
	    argv[1], st.rows, st.towns, st.skipped);
	addr_csv_stats_free(&st);
	t0 = now_us();
	addr_index_build(x);
	printf("index built in %.1f ms\n", (now_us() - t0) / 1000);
	if (getenv("ADDR_BENCH_DUMP") != NULL &&
	    (dump = fopen(getenv("ADDR_BENCH_DUMP"), "w")) == NULL) {
		perror(getenv("ADDR_BENCH_DUMP"));
		return 1;
	}
	run("Kawasaki and Saitama (shipped table)", x, 1);
	if (dump != NULL) {
		fclose(dump);
		dump = NULL;
	}

	/* The same towns inside a national-size table. */
	collect = 0;
	if (addr_csv_parse(buf, (size_t)len, bench_town_cb, addr_index_block_cb,
	        big, &st, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], cause);
		return 1;
	}
	addr_csv_stats_free(&st);
	synthetic(big, n);
	t0 = now_us();
	addr_index_build(big);
	printf("\nnational-size index (%zu synthetic towns added) built in "
	       "%.0f ms\n",
	    n, (now_us() - t0) / 1000);
	run("National size", big, 1);
	addr_index_free(x);
	addr_index_free(big);
	free(buf);
	return 0;
}

/*
 * "patrolctl demo load"'s past cases (issue 17): two seasons of generated,
 * closed requests across Kawasaki's wards, so that the recurring sites,
 * the outlook, the notices, the patrol risk and the past-case search all
 * have something to show. Deterministic: the same seed gives the same
 * cases relative to the day it is loaded. Everything is labelled demo
 * (created_by 'demo', descriptions starting 「デモ：」, callers named デモ).
 * The wasp season peaks from July to October; some places come back
 * every season (eaves, poles, potholes).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"
#include "ctl.h"
#include "ctl_history.h"
#include "db.h"
#include "geo.h"
#include "store_insights.h"
#include "store_result.h"
#include "wards.h"
#include "xmalloc.h"

#define HISTORY_SEED 0x17C0FFEEULL
#define HISTORY_DAYS 730
#define JST          (9 * 3600)

static uint64_t
hist_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
hist_unit(uint64_t *s)
{
	return (double)(hist_next(s) >> 11) / 9007199254740992.0;
}

/* Poisson-distributed count with mean m (small m). */
static int
hist_poisson(uint64_t *s, double m)
{
	double l = exp(-m), p = 1;
	int k = 0;

	do {
		k++;
		p *= hist_unit(s);
	} while (p > l && k < 1000);
	return k - 1;
}

struct hist_cat {
	const char *code;
	double per_day;      /* city-wide, before the month's factor */
	double month[12];    /* seasonal factor by month */
	const char *crew[2]; /* north (Tama/Asao/Miyamae) and south crews */
	const char *places[4];
	const char *desc[3];
	const char *outcomes[4];
	double share[4]; /* of the outcomes */
	const char *notes[4];
	const char *explained[4]; /* to the caller at the call-back */
	const char *answers;      /* JSON */
};

static const struct hist_cat hist_cats[] = {
    {"wasp_nest", 4.6,
        {.04, .02, .04, .17, .43, .87, 1.5, 2.2, 2.0, .9, .17, .04},
        {"miyamae-wasp-1", "asao-wasp-1"},
        {"住宅の軒下", "庭木の枝", "アパートの階段裏", "物置の中"},
        {"軒下にハチの巣。出入りが多い。", "庭木にハチが飛び回っている。",
            "ベランダ付近にハチ。巣があるか分からない。"},
        {"removed", "no_nest", "not_ours", "revisit"}, {.74, .13, .08, .05},
        {"コガタスズメバチの巣（直径約15cm）を駆除。防護服2名で作業、約30分。",
            "現地確認したが巣なし。樹液に集まるハチを巣と思われた。住民に説明し"
            "安心いただいた。",
            "ミツバチの分蜂と確認。養蜂家の連絡先を案内。",
            "巣が高所で届かず、高所作業車の手配が必要。再訪問とする。"},
        {"巣を駆除しました。戻りバチがしばらく飛ぶことがあると説明。",
            "巣はありませんでした。ハチが樹液に集まっていただけと説明し、また見"
            "かけたら連絡を依頼。",
            "ミツバチのため区では駆除しないこと、養蜂家の連絡先を説明。",
            "後日、高所作業車で伺う日程を調整すると説明。"},
        "{\"nest_height\":\"eaves\",\"location\":\"outdoor\"}"},
    {"road_pothole", 1.2, {1, .9, 1, 1, 1.1, 1.4, 1.3, 1.1, 1.4, 1.2, .9, .9},
        {"tama-road-1", "tama-road-1"},
        {"市道の車道", "交差点付近", "バス停前", "生活道路"},
        {"車道に穴。深さ約8cm。", "舗装がはがれて段差がある。",
            "雨のあと陥没が広がっている。"},
        {"made_safe", "repaired", "contractor", "handed_over"},
        {.35, .45, .15, .05},
        {"常温合材で応急処置。", "舗装補修完了。", "範囲が広く業者手配。",
            "県道のため県の土木事務所へ引継ぎ。"},
        {"応急処置をしたと説明。", "補修が終わったと説明。",
            "業者の工事予定日を説明。", "管理者が県であり引き継いだと説明。"},
        "{\"depth\":\"shallow\"}"},
    {"crow_nest", .6, {.3, .5, 1.5, 3, 3.5, 1.5, .4, .2, .1, .1, .1, .2},
        {"miyamae-wild-1", "miyamae-wild-1"},
        {"電柱の上", "公園の高木", "マンションの植栽", "通学路の街路樹"},
        {"カラスが巣を作り威嚇してくる。", "電柱にカラスの巣。",
            "通行人がカラスに襲われた。"},
        {"removed", "advice", "not_ours", "removed"}, {.5, .3, .2, 0},
        {"巣を撤去（ヒナなし）。", "繁殖期が終わるまで傘をさすよう助言。",
            "電柱のため電力会社へ連絡を案内。", ""},
        {"撤去したと説明。", "ヒナが巣立つまで近づかないよう説明。",
            "電力会社に連絡するよう案内。", ""},
        NULL},
    {"wildlife_capture", .5, {.6, .6, .8, 1, 1.2, 1.2, 1.2, 1.1, 1, 1, .8, .6},
        {"miyamae-wild-1", "miyamae-wild-1"},
        {"住宅の屋根裏", "畑", "庭", "空き家"},
        {"屋根裏で足音。ハクビシンらしい。", "アライグマが畑を荒らす。",
            "庭に動物が住みついた。"},
        {"captured", "trap_set", "advice", "advice"}, {.3, .4, .3, 0},
        {"ハクビシン1頭を捕獲。", "箱わなを設置。", "侵入口をふさぐよう助言。",
            ""},
        {"捕獲したと説明。", "わなの見回り方法を説明。",
            "侵入口をふさぐ方法を説明。", ""},
        "{\"animal\":\"civet\"}"},
    {"road_tree", .3, {.5, .5, .6, .7, .8, 1.2, 1.2, 1.5, 2.5, 1.5, .6, .5},
        {"tama-road-1", "tama-road-1"},
        {"歩道の街路樹", "市道沿いの斜面", "公園の外周", "生活道路"},
        {"枝が張り出して標識が見えない。", "強風で倒木。",
            "枝が車道にかかっている。"},
        {"made_safe", "removed", "contractor", "removed"}, {.3, .5, .2, 0},
        {"枝を切って通行を確保。", "倒木を撤去。", "大径木のため業者手配。",
            ""},
        {"通れるようにしたと説明。", "撤去したと説明。", "業者の作業日を説明。",
            ""},
        "{\"blocking\":\"no\"}"},
    {"river_defect", .25, {.6, .6, .7, .8, 1, 1.4, 1.5, 1.4, 1.8, 1.2, .7, .6},
        {"tama-river-1", "tama-river-1"},
        {"河川敷の柵", "護岸", "水路の取水口", "遊歩道"},
        {"柵が壊れている。", "水路にごみが詰まって水があふれそう。",
            "護岸にひび。"},
        {"made_safe", "repaired", "handed_over", "repaired"}, {.4, .4, .2, 0},
        {"ロープで立入禁止にした。", "柵を補修。", "一級河川のため国へ引継ぎ。",
            ""},
        {"立入禁止にしたと説明。", "補修したと説明。",
            "管理者が国であり引き継いだと説明。", ""},
        NULL},
    {"park_equipment", .3, {.6, .6, .9, 1.2, 1.2, 1, 1.1, 1.2, 1, 1, .9, .6},
        {"tama-road-1", "tama-road-1"},
        {"児童公園のブランコ", "公園のベンチ", "公園の柵", "すべり台"},
        {"ブランコの鎖が切れそう。", "ベンチの板が割れている。",
            "柵が倒れかけている。"},
        {"closed_off", "repaired", "contractor", "repaired"}, {.3, .5, .2, 0},
        {"使用禁止のテープを張った。", "部品を交換して補修。", "業者手配。",
            ""},
        {"使用禁止にしたと説明。", "補修したと説明。", "業者の作業日を説明。",
            ""},
        NULL},
};
#define NCATS (sizeof hist_cats / sizeof hist_cats[0])

/* Recurring places: a category, how many, and the calls per season. */
static const struct {
	size_t cat;
	int sites;
	double per_season;
} hist_recurring[] = {{0, 36, 1.4}, {1, 14, 2.5}, {2, 8, 1.2}, {5, 4, 1.5}};

struct hist_gen {
	uint64_t rng;
	/* Points on the patrol network (rivers), for defects beside it. */
	double *net;
	size_t nnet;
	const struct ward_set *wards;
	size_t nwards;
	time_t today; /* local midnight, as UTC seconds */
	json_t *rows;
	int made;
};

/* A random point inside ward w (by its box, tried until inside). */
static int
hist_point(struct hist_gen *g, size_t w, double *lon, double *lat)
{
	const struct ward *wd = wards_get(g->wards, w), *in;
	int tries;

	for (tries = 0; tries < 200; tries++) {
		*lon = wd->lon_min +
		    hist_unit(&g->rng) * (wd->lon_max - wd->lon_min);
		*lat = wd->lat_min +
		    hist_unit(&g->rng) * (wd->lat_max - wd->lat_min);
		in = wards_find(g->wards, *lon, *lat);
		if (in != NULL && strcmp(in->code, wd->code) == 0)
			return 0;
	}
	return -1;
}

static size_t
hist_pick(struct hist_gen *g, const double *share, size_t n)
{
	double u = hist_unit(&g->rng), acc = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		acc += share[i];
		if (u < acc)
			return i;
	}
	return 0;
}

static const char *const hist_family[] = {"山本", "中島", "石井", "小川",
    "岡田", "後藤", "長谷川", "村上", "近藤", "坂本", "遠藤", "青木"};

/* One closed case on day (days before today), at (lon, lat). */
static void
hist_case(struct hist_gen *g, const struct hist_cat *c, long day, double lon,
    double lat, const char *place, int recurring)
{
	time_t at = g->today - day * 86400 +
	    (time_t)(8 * 3600 + hist_unit(&g->rng) * 10 * 3600) - JST;
	time_t closed = at + (time_t)(1800 + hist_unit(&g->rng) * 30 * 3600);
	size_t o = hist_pick(g, c->share, 4);
	const struct ward *w = wards_find(g->wards, lon, lat);
	double e, n;
	char *cause, *desc, *addr, name[64], phone[32];
	json_t *row;
	int with_caller =
	    strcmp(c->code, "wasp_nest") == 0 || hist_unit(&g->rng) < 0.3;

	if (closed > time(NULL) - 600)
		closed = time(NULL) - 600;
	if (at >= closed || w == NULL ||
	    geo_to_plane(lon, lat, &e, &n, &cause) != 0) {
		if (w != NULL && at < closed)
			free(cause);
		return;
	}
	desc = xasprintf("デモ：%s", c->desc[hist_next(&g->rng) % 3]);
	addr = xasprintf("%s %s%s",
	    w->name + (strncmp(w->name, "神奈川県川崎市", 21) == 0 ? 21 : 0),
	    place, recurring ? "（毎年の地点）" : "");
	snprintf(
	    name, sizeof name, "デモ %s", hist_family[hist_next(&g->rng) % 12]);
	snprintf(phone, sizeof phone, "044-000-%04d",
	    (int)(hist_next(&g->rng) % 10000));
	row = json_pack("{s:s,s:f,s:f,s:f,s:f,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s,"
	                "s:s}",
	    "category", c->code, "lon", lon, "lat", lat, "e", e, "n", n, "ward",
	    w->code, "address", addr, "description", desc, "created",
	    (json_int_t)at, "closed", (json_int_t)closed, "outcome",
	    c->outcomes[o], "note", c->notes[o], "explained", c->explained[o],
	    "crew",
	    c->crew[strcmp(w->code, "14137") == 0 ||
	        strcmp(w->code, "14131") == 0 ||
	        strcmp(w->code, "14132") == 0]);
	if (c->answers != NULL)
		json_object_set_new(
		    row, "answers", json_loads(c->answers, 0, NULL));
	if (with_caller) {
		json_object_set_new(row, "cname", json_string(name));
		json_object_set_new(row, "cphone", json_string(phone));
		json_object_set_new(row, "caddress", json_string(addr));
		/* Most wasp callers agree to be told before next season. */
		json_object_set_new(
		    row, "consent", json_boolean(hist_unit(&g->rng) < 0.6));
	}
	json_array_append_new(g->rows, row);
	free(desc);
	free(addr);
	g->made++;
}

/* The season's factor on a day (days before today). */
static double
hist_month_factor(
    struct hist_gen *g, const struct hist_cat *c, long day, int *year)
{
	time_t t = g->today - day * 86400 + 12 * 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	*year = tm.tm_year + 1900;
	return c->month[tm.tm_mon];
}

/* Scattered cases: each category's expected count a day (by the season,
 * last year a little quieter than this one), anywhere in a ward or, for
 * river defects, along the demo's network. */
static void
hist_scatter(struct hist_gen *g, int this_year)
{
	size_t ci, w;
	long day;
	int k, n, year;
	double lon, lat, f;

	for (ci = 0; ci < NCATS; ci++) {
		for (day = HISTORY_DAYS; day >= 1; day--) {
			f = hist_month_factor(g, &hist_cats[ci], day, &year);
			n = hist_poisson(&g->rng,
			    hist_cats[ci].per_day * f *
			        (year < this_year ? 0.85 : 1.0));
			for (k = 0; k < n; k++) {
				w = hist_next(&g->rng) % g->nwards;
				if (strcmp(hist_cats[ci].code,
				        "river_defect") == 0 &&
				    g->nnet > 0) {
					size_t at =
					    hist_next(&g->rng) % g->nnet;

					lon = g->net[2 * at] +
					    (hist_unit(&g->rng) - 0.5) * 6e-4;
					lat = g->net[2 * at + 1] +
					    (hist_unit(&g->rng) - 0.5) * 5e-4;
				} else if (hist_point(g, w, &lon, &lat) != 0)
					continue;
				hist_case(g, &hist_cats[ci], day, lon, lat,
				    hist_cats[ci]
				        .places[hist_next(&g->rng) % 4],
				    0);
			}
		}
	}
}

/* A day (days before today) of the year in c's season, drawn by the month
 * factors; -1 when 400 draws found none. */
static long
hist_season_day(struct hist_gen *g, const struct hist_cat *c, int year)
{
	int tries, y;
	long day;
	double f;

	for (tries = 0; tries < 400; tries++) {
		day = 1 + (long)(hist_next(&g->rng) % HISTORY_DAYS);
		f = hist_month_factor(g, c, day, &y);
		if (y == year && hist_unit(&g->rng) * 2.2 < f)
			return day;
	}
	return -1;
}

/* Recurring places: the same spot (within a few metres) each season, last
 * year and this one. */
static void
hist_recur(struct hist_gen *g, int this_year)
{
	size_t r, s, w;
	long day;
	int k, n, year;
	double lon, lat;

	for (r = 0; r < sizeof hist_recurring / sizeof hist_recurring[0]; r++) {
		const struct hist_cat *c = &hist_cats[hist_recurring[r].cat];

		for (s = 0; s < (size_t)hist_recurring[r].sites; s++) {
			const char *place = c->places[s % 4];

			w = hist_next(&g->rng) % g->nwards;
			if (strcmp(c->code, "river_defect") == 0 &&
			    g->nnet > 0) {
				/* Beside the river, where a patrol passes. */
				size_t at = hist_next(&g->rng) % g->nnet;

				lon = g->net[2 * at] + 0.0001;
				lat = g->net[2 * at + 1];
			} else if (hist_point(g, w, &lon, &lat) != 0)
				continue;
			for (year = this_year - 1; year <= this_year; year++) {
				n = 1 +
				    hist_poisson(&g->rng,
				        hist_recurring[r].per_season - 1);
				for (k = 0; k < n; k++) {
					if ((day = hist_season_day(
					         g, c, year)) < 0)
						continue;
					hist_case(g, c, day,
					    lon +
					        (hist_unit(&g->rng) - 0.5) *
					            1e-4,
					    lat +
					        (hist_unit(&g->rng) - 0.5) *
					            8e-5,
					    place, 1);
				}
			}
		}
	}
}

static void
hist_generate(struct hist_gen *g)
{
	time_t now = g->today + 12 * 3600;
	struct tm tm;

	gmtime_r(&now, &tm);
	hist_scatter(g, tm.tm_year + 1900);
	hist_recur(g, tm.tm_year + 1900);
}

/*
 * Generates and stores the past cases; prints how many. Needs geo_init()
 * and the demo's crews. 0, or 1 after printing the problem.
 */
int
ctl_history_load(struct ctl *c, const struct ward_set *wards)
{
	struct hist_gen g = {0};
	struct db_wait w = {0};
	PGresult *res;
	char *json, *cause;
	time_t now = time(NULL);
	int i;

	if (wards == NULL || wards_count(wards) == 0) {
		printf("demo load: no wards, so no past cases\n");
		return 0;
	}
	g.rng = HISTORY_SEED;
	g.wards = wards;
	g.nwards = wards_count(wards);
	/* Local (JST) midnight today, in UTC seconds. */
	g.today = (now + JST) / 86400 * 86400;
	g.rows = json_array();
	/* The demo's patrol network, if loaded: one point of each piece. */
	store_demo_network_points(ctl_db(c), db_wait_cb, &w);
	if (db_wait(ctl_db(c), &w, &res, &cause) != 0)
		return ctl_fail("demo load", cause);
	g.nnet = (size_t)store_result_rows(res);
	g.net = xcalloc(g.nnet * 2 + 2, sizeof *g.net);
	for (i = 0; i < (int)g.nnet; i++)
		store_demo_network_point_row(
		    res, i, &g.net[2 * i], &g.net[2 * i + 1]);
	PQclear(res);
	memset(&w, 0, sizeof w);
	hist_generate(&g);
	free(g.net);
	json = json_dumps(g.rows, JSON_COMPACT);
	json_decref(g.rows);
	store_demo_history_put(
	    ctl_db(c), json, c->cfg->consent_text, db_wait_cb, &w);
	free(json);
	if (db_wait(ctl_db(c), &w, &res, &cause) != 0)
		return ctl_fail("demo load", cause);
	printf("demo load: %lld past cases over %d days (labelled demo)\n",
	    store_result_ll(res, 0), HISTORY_DAYS);
	PQclear(res);
	return 0;
}

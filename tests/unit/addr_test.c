/*
 * server/addr_norm.c, addr_index.c and addr_csv.c: the address text that
 * residents give, against the shipped town table of Kawasaki and Saitama
 * (data/addresses) and small MLIT-format files written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "addr_csv.h"
#include "fixture.h"

#define TOWNS PATROL_DATA_DIR "/addresses/geolonia_towns_kawasaki_saitama.csv"

static struct addr_index *idx;

/* 街区 rows of 中野島四丁目 and 登戸 in MLIT's layout (values ours). */
static const char gaiku_csv[] =
    "\"都道府県名\",\"市区町村名\",\"大字・丁目名\",\"小字・通称名\","
    "\"街区符号・地番\",\"座標系番号\",\"Ｘ座標\",\"Ｙ座標\",\"緯度\","
    "\"経度\",\"住居表示フラグ\",\"代表フラグ\",\"更新前履歴フラグ\","
    "\"更新後履歴フラグ\"\r\n"
    "\"神奈川県\",\"川崎市多摩区\",\"中野島四丁目\",\"\",\"3\",\"9\","
    "\"-46000.0\",\"-24000.0\",\"35.632100\",\"139.553200\",\"1\",\"1\","
    "\"0\",\"0\"\r\n"
    "\"神奈川県\",\"川崎市多摩区\",\"中野島四丁目\",\"\",\"3\",\"9\","
    "\"-46001.0\",\"-24001.0\",\"35.632000\",\"139.553000\",\"1\",\"0\","
    "\"0\",\"0\"\r\n"
    "\"神奈川県\",\"川崎市多摩区\",\"登戸\",\"\",\"2100\",\"9\","
    "\"-46500.0\",\"-25000.0\",\"35.621500\",\"139.565000\",\"0\",\"1\","
    "\"0\",\"0\"\r\n"
    "\"神奈川県\",\"川崎市多摩区\",\"登戸\",\"\",\"\",\"9\","
    "\"0\",\"0\",\"35.6\",\"139.5\",\"0\",\"1\",\"0\",\"0\"\r\n"
    "\"神奈川県\",\"川崎市多摩区\",\"架空町\",\"\",\"7\",\"9\","
    "\"0\",\"0\",\"35.6\",\"139.5\",\"1\",\"1\",\"0\",\"0\"\r\n";

static int
setup(void **state)
{
	struct addr_csv_stats st;
	char *buf, *cause = NULL;
	size_t len;

	(void)state;
	idx = addr_index_new();
	buf = fixture_read(TOWNS, &len);
	if (addr_csv_parse(buf, len, addr_index_town_cb, addr_index_block_cb,
	        idx, &st, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", TOWNS, cause);
		return -1;
	}
	free(buf);
	addr_csv_stats_free(&st);
	if (addr_csv_parse(gaiku_csv, strlen(gaiku_csv), addr_index_town_cb,
	        addr_index_block_cb, idx, &st, &cause) != 0) {
		fprintf(stderr, "gaiku: %s\n", cause);
		return -1;
	}
	addr_csv_stats_free(&st);
	addr_index_build(idx);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	addr_index_free(idx);
	return 0;
}

static void
norm_is(const char *in, const char *want)
{
	char *s = addr_normalize(in, NULL);

	assert_non_null(s);
	if (strcmp(s, want) != 0)
		fail_msg("normalize(%s) = %s, want %s", in, s, want);
	free(s);
}

static void
test_normalize(void **state)
{
	(void)state;
	norm_is("中野島４－３－１", "中野島4-3-1");
	norm_is("中野島四丁目3番1号", "中野島4-3-1");
	norm_is("中野島4丁目3-1", "中野島4-3-1");
	norm_is("中野島 4‐3‐1", "中野島4-3-1");
	norm_is("中野島4ー3ー1", "中野島4-3-1");
	norm_is("中野島4−3−1", "中野島4-3-1");
	norm_is("登戸２１００番地", "登戸2100");
	norm_is("宿河原三丁目", "宿河原3");
	norm_is("東三田二十三番地", "東三田23");
	norm_is("梶が谷", "梶ケ谷");
	norm_is("梶ヶ谷", "梶ケ谷");
	norm_is("大字三条町", "三条町");
	norm_is("西区大字中釘", "西区中釘");
	norm_is("ｻﾝﾊｲﾂ", "サンハイツ");
	norm_is("ｶﾞｰﾃﾞﾝ", "ガーデン");
	/* Town names with numerals in them stay as they are. */
	norm_is("一本松", "一本松");
	norm_is("十日市場町", "十日市場町");
	norm_is("一番町", "一番町");
	norm_is("2の3", "2-3");
	assert_null(addr_normalize("\xff\xfe", NULL));
	assert_null(addr_normalize("\xe3\x81", NULL));
}

static struct addr_result
search(const char *q)
{
	struct addr_result r;

	addr_search(idx, q, NULL, 5, &r);
	return r;
}

/* The first candidate is the town, exactly, and what is left is rest. */
static void
first_is(const char *q, const char *label, enum addr_match m, const char *rest)
{
	struct addr_result r = search(q);

	if (r.n == 0)
		fail_msg("%s: no candidate", q);
	if (strcmp(r.c[0].label, label) != 0 || r.c[0].match != m ||
	    (rest != NULL && strcmp(r.c[0].unmatched, rest) != 0))
		fail_msg("%s: got %s (match %d, unmatched '%s'), want %s "
		         "(match %d, '%s')",
		    q, r.c[0].label, r.c[0].match, r.c[0].unmatched, label, m,
		    rest != NULL ? rest : "*");
	addr_result_free(&r);
}

static void
test_spellings(void **state)
{
	(void)state;
	/* The issue's own examples. */
	first_is("多摩区登戸2-1", "神奈川県川崎市多摩区登戸", ADDR_MATCH_EXACT,
	    "2-1");
	first_is("中野島４－３－１", "神奈川県川崎市多摩区中野島四丁目3番",
	    ADDR_MATCH_EXACT, "１");
	first_is("登戸2100番地", "神奈川県川崎市多摩区登戸2100番地",
	    ADDR_MATCH_EXACT, "");
	first_is("宿河原三丁目の公園", "神奈川県川崎市多摩区宿河原三丁目",
	    ADDR_MATCH_EXACT, "の公園");
	/* Prefecture, city and ward each optional. */
	first_is("神奈川県川崎市多摩区中野島四丁目",
	    "神奈川県川崎市多摩区中野島四丁目", ADDR_MATCH_EXACT, "");
	first_is("川崎市多摩区宿河原3丁目", "神奈川県川崎市多摩区宿河原三丁目",
	    ADDR_MATCH_EXACT, "");
	first_is("宿河原 3-5-2", "神奈川県川崎市多摩区宿河原三丁目",
	    ADDR_MATCH_EXACT, "5-2");
	first_is("さいたま市見沼区大字風渡野",
	    "埼玉県さいたま市見沼区大字風渡野", ADDR_MATCH_EXACT, "");
	first_is("見沼区風渡野123", "埼玉県さいたま市見沼区大字風渡野",
	    ADDR_MATCH_EXACT, "123");
	/* ヶ, ケ and が. */
	first_is("高津区梶が谷2-1-3", "神奈川県川崎市高津区梶ケ谷二丁目",
	    ADDR_MATCH_EXACT, "1-3");
	first_is("梶ヶ谷３丁目", "神奈川県川崎市高津区梶ケ谷三丁目",
	    ADDR_MATCH_EXACT, "");
	/* Building and room are kept, not guessed away. */
	first_is("川崎市多摩区登戸２１００番地　サンハイツ101号室",
	    "神奈川県川崎市多摩区登戸2100番地", ADDR_MATCH_EXACT,
	    "サンハイツ101号室");
	first_is("中野島4丁目3番1号 コーポ中野島202",
	    "神奈川県川崎市多摩区中野島四丁目3番", ADDR_MATCH_EXACT,
	    "1号 コーポ中野島202");
}

static void
test_ward_chooses(void **state)
{
	struct addr_result r;

	(void)state;
	/* 梶ケ谷 (no 丁目) is in 宮前区; 梶ケ谷一..六丁目 in 高津区. */
	first_is(
	    "宮前区梶ケ谷", "神奈川県川崎市宮前区梶ケ谷", ADDR_MATCH_EXACT, "");
	/* Two cities' 中央区: the name alone gives Saitama's towns only. */
	r = search("中央区上落合");
	assert_true(r.n >= 1);
	assert_string_equal(r.c[0].city, "さいたま市中央区");
	addr_result_free(&r);
}

static void
test_typing_and_typos(void **state)
{
	struct addr_result r;
	size_t i;

	(void)state;
	/* Partial input: every 中野島 town, none pretending to be exact. */
	r = search("多摩区中野");
	assert_true(r.n >= 2);
	for (i = 0; i < r.n; i++) {
		assert_int_equal(r.c[i].match, ADDR_MATCH_PREFIX);
		assert_non_null(strstr(r.c[i].label, "中野島"));
	}
	addr_result_free(&r);
	/* A wrong kanji: a fuzzy candidate, never an exact one. */
	first_is("多摩区宿河源3丁目", "神奈川県川崎市多摩区宿河原三丁目",
	    ADDR_MATCH_FUZZY, NULL);
	first_is("多摩区中野嶋4-3-1", "神奈川県川崎市多摩区中野島四丁目",
	    ADDR_MATCH_FUZZY, NULL);
	/* The text goes on past a town's name: that town is only partial,
	 * and the near spelling of the longer name comes first. */
	first_is("幸区小向西口1丁目", "神奈川県川崎市幸区小向西町一丁目",
	    ADDR_MATCH_FUZZY, NULL);
	r = search("幸区小向西口1丁目");
	for (i = 0; i < r.n; i++) {
		assert_int_not_equal(r.c[i].match, ADDR_MATCH_EXACT);
		if (strcmp(r.c[i].town, "小向") == 0)
			assert_int_equal(r.c[i].match, ADDR_MATCH_PARTIAL);
	}
	addr_result_free(&r);
	first_is("登戸駅の北口", "神奈川県川崎市多摩区登戸", ADDR_MATCH_PARTIAL,
	    "駅の北口");
	/* A 丁目 that does not exist is not made up. */
	r = search("多摩区宿河原9丁目");
	for (i = 0; i < r.n; i++)
		assert_int_not_equal(r.c[i].match, ADDR_MATCH_EXACT);
	addr_result_free(&r);
	/* Nothing like it: nothing. */
	r = search("ロンドン市ベーカー街221B");
	assert_int_equal(r.n, 0);
	addr_result_free(&r);
	r = search("");
	assert_int_equal(r.n, 0);
	addr_result_free(&r);
}

static void
test_accuracy_and_near(void **state)
{
	struct addr_result r;
	struct addr_near near = {35.62, 139.56};

	(void)state;
	r = search("登戸");
	assert_true(r.n >= 1);
	assert_int_equal(r.c[0].level, ADDR_LEVEL_TOWN);
	assert_true(r.c[0].accuracy_m >= 150 && r.c[0].accuracy_m <= 3000);
	addr_result_free(&r);
	r = search("中野島4-3");
	assert_int_equal(r.c[0].level, ADDR_LEVEL_BLOCK);
	assert_true(r.c[0].accuracy_m <= 60);
	assert_float_equal(r.c[0].lat, 35.6321, 1e-6); /* the 代表 point */
	addr_result_free(&r);
	addr_search(idx, "登戸", &near, 5, &r);
	assert_true(r.c[0].distance_m >= 0 && r.c[0].distance_m < 2000);
	addr_result_free(&r);
}

static void
test_reverse(void **state)
{
	struct addr_place p;

	(void)state;
	/* The 登戸 town point itself. */
	assert_int_equal(addr_reverse(idx, 35.620766, 139.563782, &p), 0);
	assert_string_equal(p.label, "川崎市多摩区登戸");
	addr_place_free(&p);
	assert_int_equal(addr_reverse(idx, 35.62151, 139.56501, &p), 0);
	assert_string_equal(p.label, "川崎市多摩区登戸2100番地");
	addr_place_free(&p);
	/* Far from every town (Sapporo). */
	assert_int_equal(addr_reverse(idx, 43.06, 141.35, &p), -1);
}

static void
test_csv_formats(void **state)
{
	static const char oaza[] =
	    "都道府県コード,都道府県名,市区町村コード,市区町村名,"
	    "大字町丁目コード,大字町丁目名,緯度,経度,原典資料コード,"
	    "大字・字・丁目区分コード\n"
	    "14,神奈川県,14135,川崎市多摩区,141350001,登戸,35.620766,"
	    "139.563782,1,1\n"
	    "14,神奈川県,14135,川崎市多摩区,141350002,中野島四丁目,35.63,"
	    "139.55,1,3\n"
	    "14,神奈川県,14135,川崎市多摩区,141350003,壊れた行,north,"
	    "139.55,1,3\n";
	/* 登戸 and 中野島 in Shift_JIS (CP932), as MLIT ships them. */
	static const char sjis[] =
	    "\x93s\x93\xb9\x95{\x8c\xa7\x83R\x81[\x83h,\x93s\x93\xb9\x95{"
	    "\x8c\xa7"
	    "\x96\xbc,\x8es\x8b\xe6\x92\xac\x91\xba\x83R\x81[\x83h,"
	    "\x8es\x8b\xe6"
	    "\x92\xac\x91\xba\x96\xbc,\x91\xe5\x8e\x9a\x92\xac\x92\x9a\x96\xda"
	    "\x96\xbc,\x88\xdc\x93x,\x8co\x93x\r\n14,\x90_\x93\xde\x90\xec\x8c"
	    "\xa7,14135,\x90\xec\x8d\xe8\x8es\x91\xbd\x96\x80\x8b\xe6,\x93o\x8c"
	    "\xcb,35.62,139.56\r\n";
	struct addr_csv_stats st;
	struct addr_index *x = addr_index_new();
	char *cause = NULL;

	(void)state;
	assert_int_equal(addr_csv_parse(oaza, strlen(oaza), addr_index_town_cb,
	                     addr_index_block_cb, x, &st, &cause),
	    0);
	assert_int_equal(st.format, ADDR_CSV_MLIT_OAZA);
	assert_int_equal(st.rows, 3);
	assert_int_equal(st.towns, 2);
	assert_int_equal(st.skipped, 1);
	assert_non_null(strstr(st.errors[0], "line 4"));
	addr_csv_stats_free(&st);

	assert_int_equal(addr_csv_parse(sjis, strlen(sjis), addr_index_town_cb,
	                     addr_index_block_cb, x, &st, &cause),
	    0);
	assert_int_equal(st.shift_jis, 1);
	assert_int_equal(st.towns, 1);
	addr_csv_stats_free(&st);
	addr_index_build(x);
	assert_int_equal(addr_index_towns(x), 3);
	{
		struct addr_result r;

		addr_search(x, "多摩区登戸", NULL, 5, &r);
		assert_int_equal(r.n, 1);
		assert_string_equal(r.c[0].city_code, "14135");
		addr_result_free(&r);
	}
	addr_index_free(x);

	/* The 街区 file of setup: 代表フラグ 0 and an empty 地番 reported. */
	x = addr_index_new();
	assert_int_equal(
	    addr_csv_parse(gaiku_csv, strlen(gaiku_csv), addr_index_town_cb,
	        addr_index_block_cb, x, &st, &cause),
	    0);
	assert_int_equal(st.format, ADDR_CSV_MLIT_GAIKU);
	assert_int_equal(st.blocks, 3);
	assert_int_equal(st.not_representative, 1);
	assert_int_equal(st.skipped, 1);
	addr_csv_stats_free(&st);
	addr_index_free(x);
	/* setup's index: 架空町 has no town row, its block is an orphan. */
	assert_int_equal(addr_index_orphans(idx), 1);
	assert_int_equal(addr_index_blocks(idx), 2);

	assert_int_equal(
	    addr_csv_parse("a,b,c\n1,2,3\n", 12, addr_index_town_cb,
	        addr_index_block_cb, NULL, &st, &cause),
	    -1);
	assert_non_null(strstr(cause, "unknown header"));
	free(cause);
	assert_int_equal(addr_csv_parse("", 0, addr_index_town_cb,
	                     addr_index_block_cb, NULL, &st, &cause),
	    -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_spellings),
	    cmocka_unit_test(test_ward_chooses),
	    cmocka_unit_test(test_typing_and_typos),
	    cmocka_unit_test(test_accuracy_and_near),
	    cmocka_unit_test(test_reverse),
	    cmocka_unit_test(test_csv_formats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Japanese addresses, offline: normalisation of what residents type
 * (addr_norm.c) and an in-memory index of towns (大字・町丁目) and blocks
 * (街区) that places such text (addr_index.c). Pure code: no I/O, no
 * database; patrold fills the index from addr_towns / addr_blocks.
 */
#ifndef PATROL_ADDR_H
#define PATROL_ADDR_H

#include <stddef.h>

#include "compiler.h"

/* Longest query text taken (bytes); longer input is refused. */
#define ADDR_QUERY_MAX 1000

/*
 * The normal form: full-width letters and digits made half-width, spaces
 * removed, kanji numerals before 丁目/番/号/- made digits, every dash and
 * 丁目/番地/番/号/の between numbers made '-', 大字/字 dropped, ヶ/ケ/が
 * between kanji made ケ, の/ノ/之 between kanji made ノ. The same function
 * gives the keys of the index, so both sides meet. Returns a string the
 * caller frees, or NULL when in is not valid UTF-8. When srcoff is not
 * NULL it gets an array (caller frees) mapping every output byte to the
 * byte of in it came from (one more entry for the end).
 */
char *addr_normalize(const char *in, size_t **srcoff);

/* One town row as read from the database or a CSV file (copied). */
struct addr_town_row {
	const char *pref, *city, *city_code; /* city_code may be NULL */
	const char *town, *koaza;            /* koaza may be NULL or "" */
	double lat, lon;
};

/* One block (街区 or 地番) of a town; jukyo: a 住居表示 area (番, not 番地). */
struct addr_block_row {
	const char *pref, *city, *town;
	const char *block;
	double lat, lon;
	int jukyo;
};

struct addr_index;

struct addr_index *addr_index_new(void);
void addr_index_free(struct addr_index *);
void addr_index_add_town(struct addr_index *, const struct addr_town_row *);
/* A block of a town not added yet is kept and joins when one is added. */
void addr_index_add_block(struct addr_index *, const struct addr_block_row *);
/*
 * addr_index_add_town and _block as addr_csv_parse's callbacks (addr_csv.h),
 * arg the index: a published table parsed straight into an index.
 */
void addr_index_town_cb(const struct addr_town_row *, void *index);
void addr_index_block_cb(const struct addr_block_row *, void *index);
/* Sorts the keys and works out each town's accuracy; call once, last. */
void addr_index_build(struct addr_index *);
size_t addr_index_towns(const struct addr_index *);
size_t addr_index_blocks(const struct addr_index *);
/* Blocks whose town is not in the index (not searchable). */
size_t addr_index_orphans(const struct addr_index *);

enum addr_level { ADDR_LEVEL_BLOCK, ADDR_LEVEL_TOWN };
/*
 * exact: the text names this town; prefix: the text is the start of its
 * name (typing); fuzzy: a near spelling, to be confirmed by a person;
 * partial: the text names this town but goes on as a longer name would
 * (小向西口 names 小向), so it may as well be a misspelt other town.
 */
enum addr_match {
	ADDR_MATCH_EXACT,
	ADDR_MATCH_PREFIX,
	ADDR_MATCH_FUZZY,
	ADDR_MATCH_PARTIAL
};

struct addr_candidate {
	char *label; /* normal form, e.g. 神奈川県川崎市多摩区中野島四丁目3番 */
	const char *pref, *city, *city_code, *town, *koaza; /* the index's */
	double lat, lon;
	double accuracy_m;
	enum addr_level level;
	enum addr_match match;
	char *unmatched;   /* the input's text that was not used, or "" */
	double score;      /* higher is better */
	double distance_m; /* from near, or -1 */
};

struct addr_result {
	struct addr_candidate *c;
	size_t n;
};

struct addr_near {
	double lat, lon;
};

/* Finds up to limit candidates, best first; near (or NULL) breaks ties. */
void addr_search(const struct addr_index *, const char *q,
    const struct addr_near *near, size_t limit, struct addr_result *out);
void addr_result_free(struct addr_result *);

struct addr_place {
	const char *pref, *city, *city_code, *town, *koaza; /* the index's */
	char *block;       /* the nearest block within 100 m, or NULL */
	double distance_m; /* to the town's (or block's) point */
	char *label;       /* e.g. 川崎市多摩区登戸 */
};

/* The nearest town (and block) to a point; -1 when the index is empty. */
PATROL_MUSTCHECK int addr_reverse(
    const struct addr_index *, double lat, double lon, struct addr_place *);
void addr_place_free(struct addr_place *);

/* Metres between two WGS84 points (haversine). */
double addr_distance_m(double lat1, double lon1, double lat2, double lon2);

#endif

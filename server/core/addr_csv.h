/*
 * Address tables as published: geolonia's town CSV (pref,city,town,koaza,
 * lat,lng) and MLIT's 位置参照情報 at 大字・町丁目 and 街区 level, in UTF-8
 * or Shift_JIS (CP932, as MLIT ships them). Pure parsing: rows go to the
 * caller's callbacks; bad rows are counted and the first few described.
 */
#ifndef PATROL_ADDR_CSV_H
#define PATROL_ADDR_CSV_H

#include <stddef.h>

#include "compiler.h"
#include "addr.h"

enum addr_csv_format {
	ADDR_CSV_GEOLONIA,
	ADDR_CSV_MLIT_OAZA,
	ADDR_CSV_MLIT_GAIKU,
};

#define ADDR_CSV_ERRORS 5 /* described bad rows */

struct addr_csv_stats {
	enum addr_csv_format format;
	int shift_jis;                 /* the file was converted from CP932 */
	size_t rows;                   /* data rows read */
	size_t towns, blocks;          /* handed to the callbacks */
	size_t skipped;                /* bad rows */
	size_t not_representative;     /* 街区 rows with 代表フラグ 0 */
	char *errors[ADDR_CSV_ERRORS]; /* "line N: why", caller frees */
};

typedef void (*addr_csv_town_cb)(const struct addr_town_row *, void *arg);
typedef void (*addr_csv_block_cb)(const struct addr_block_row *, void *arg);

/*
 * Parses a whole file. Returns -1 with *cause (caller frees) when it is
 * not one of the formats (the header tells) or cannot be decoded; then
 * no callback has been called.
 */
PATROL_MUSTCHECK int addr_csv_parse(const char *buf, size_t len,
    addr_csv_town_cb, addr_csv_block_cb, void *arg, struct addr_csv_stats *,
    char **cause);
void addr_csv_stats_free(struct addr_csv_stats *);
const char *addr_csv_format_name(enum addr_csv_format);

#endif

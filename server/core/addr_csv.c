/*
 * Reading the address CSV files (see addr_csv.h). The header row names
 * the format; columns are found by name, so extra or reordered columns
 * do no harm. Quoted fields with doubled quotes are understood.
 */
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr_csv.h"
#include "utf8.h"
#include "xmalloc.h"

#define CSV_FIELDS   40
#define CSV_FIELD    400 /* bytes: longer names are refused */
#define CSV_MAX_ROWS 5000000

struct csv {
	const char *p, *end;
	size_t line;
	char *f[CSV_FIELDS];
	size_t nf;
	int too_long;
};

static void
csv_clear(struct csv *c)
{
	size_t i;

	for (i = 0; i < c->nf; i++)
		free(c->f[i]);
	c->nf = 0;
	c->too_long = 0;
}

/* Reads one record; 0 at the end of the buffer. */
static int
csv_next(struct csv *c)
{
	char buf[CSV_FIELD + 1];
	size_t n = 0;
	int quoted = 0, ch;

	csv_clear(c);
	if (c->p >= c->end)
		return 0;
	c->line++;
	for (;;) {
		ch = c->p < c->end ? (unsigned char)*c->p++ : -1;
		if (quoted) {
			if (ch == -1) {
				c->too_long = 1; /* the quote never closes */
				quoted = 0;
			} else if (ch == '"' && c->p < c->end && *c->p == '"') {
				c->p++;
				goto add;
			} else if (ch == '"') {
				quoted = 0;
				continue;
			} else {
				if (ch == '\n')
					c->line++;
				goto add;
			}
		}
		if (ch == '"' && n == 0) {
			quoted = 1;
			continue;
		}
		if (ch == ',' || ch == '\n' || ch == -1) {
			if (n > 0 && buf[n - 1] == '\r')
				n--;
			buf[n] = '\0';
			if (c->nf < CSV_FIELDS)
				c->f[c->nf++] = xstrdup(buf);
			n = 0;
			if (ch != ',')
				break;
			continue;
		}
	add:
		if (n < CSV_FIELD)
			buf[n++] = (char)ch;
		else
			c->too_long = 1;
	}
	return 1;
}

static int
csv_utf8_valid(const char *s, size_t len)
{
	size_t i;
	uint32_t cp;
	int n;

	for (i = 0; i < len; i += (size_t)n) {
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return 0;
	}
	return 1;
}

/* CP932 to UTF-8; NULL with *cause on a byte sequence it cannot map. */
static char *
csv_from_sjis(const char *buf, size_t len, size_t *outlen, char **cause)
{
	iconv_t cd = iconv_open("UTF-8", "CP932");
	size_t cap = len * 3 / 2 + 16, inleft = len, outleft = cap;
	char *out, *in = (char *)(uintptr_t)buf, *o;

	if (cd == (iconv_t)-1) {
		*cause = xstrdup("this system cannot convert Shift_JIS "
		                 "(iconv CP932)");
		return NULL;
	}
	out = xmalloc(cap + 1);
	o = out;
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		*cause = xasprintf(
		    "neither UTF-8 nor Shift_JIS (at byte %zu)", len - inleft);
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*outlen = (size_t)(o - out);
	out[*outlen] = '\0';
	return out;
}

static int
csv_col(const struct csv *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nf; i++) {
		if (strcmp(c->f[i], name) == 0)
			return (int)i;
	}
	return -1;
}

static const char *
csv_get(const struct csv *c, int col)
{
	return col >= 0 && (size_t)col < c->nf ? c->f[col] : NULL;
}

static int
csv_number(const char *s, double lo, double hi, double *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(*v) || *v < lo || *v > hi)
		return -1;
	return 0;
}

const char *
addr_csv_format_name(enum addr_csv_format f)
{
	switch (f) {
	case ADDR_CSV_GEOLONIA:
		return "geolonia";
	case ADDR_CSV_MLIT_OAZA:
		return "mlit_oaza";
	case ADDR_CSV_MLIT_GAIKU:
		return "mlit_gaiku";
	}
	return "?";
}

enum {
	COL_PREF,
	COL_CITY,
	COL_CODE,
	COL_TOWN,
	COL_KOAZA,
	COL_BLOCK,
	COL_LAT,
	COL_LON,
	COL_JUKYO,
	COL_REP,
	COL_N
};

static void
csv_bad(struct addr_csv_stats *st, size_t line, const char *why)
{
	size_t i;

	st->skipped++;
	for (i = 0; i < ADDR_CSV_ERRORS; i++) {
		if (st->errors[i] == NULL) {
			st->errors[i] = xasprintf("line %zu: %s", line, why);
			return;
		}
	}
}

static int
csv_header(struct csv *c, struct addr_csv_stats *st, int *col, char **cause)
{
	static const char *const names[3][COL_N] = {
	    {"pref", "city", NULL, "town", "koaza", NULL, "lat", "lng", NULL,
	        NULL},
	    {"都道府県名", "市区町村名", "市区町村コード", "大字町丁目名", NULL,
	        NULL, "緯度", "経度", NULL, NULL},
	    {"都道府県名", "市区町村名", NULL, "大字・丁目名", "小字・通称名",
	        "街区符号・地番", "緯度", "経度", "住居表示フラグ",
	        "代表フラグ"}};
	int k, i;

	if (c->nf > 0 && strncmp(c->f[0], "\xef\xbb\xbf", 3) == 0)
		memmove(c->f[0], c->f[0] + 3, strlen(c->f[0] + 3) + 1);
	if (csv_col(c, "lng") >= 0)
		k = 0;
	else if (csv_col(c, "大字町丁目名") >= 0)
		k = 1;
	else if (csv_col(c, "街区符号・地番") >= 0)
		k = 2;
	else {
		*cause = xstrdup(
		    "unknown header: expected geolonia (pref,city,town,koaza,"
		    "lat,lng) or MLIT 位置参照情報 (大字町丁目名 or "
		    "街区符号・地番)");
		return -1;
	}
	st->format = (enum addr_csv_format)k;
	for (i = 0; i < COL_N; i++) {
		col[i] = names[k][i] != NULL ? csv_col(c, names[k][i]) : -1;
		if (names[k][i] != NULL && col[i] < 0 && i != COL_KOAZA) {
			*cause = xasprintf("%s file without a %s column",
			    addr_csv_format_name(st->format), names[k][i]);
			return -1;
		}
	}
	return 0;
}

static void
csv_row(struct csv *c, const int *col, addr_csv_town_cb tcb,
    addr_csv_block_cb bcb, void *arg, struct addr_csv_stats *st)
{
	const char *pref = csv_get(c, col[COL_PREF]);
	const char *city = csv_get(c, col[COL_CITY]);
	const char *town = csv_get(c, col[COL_TOWN]);
	const char *rep = csv_get(c, col[COL_REP]);
	const char *jukyo = csv_get(c, col[COL_JUKYO]);
	double lat, lon;

	if (c->too_long) {
		csv_bad(st, c->line, "a field is too long or a quote is open");
		return;
	}
	if (pref == NULL || city == NULL || town == NULL || *pref == '\0' ||
	    *city == '\0' || *town == '\0') {
		csv_bad(st, c->line, "prefecture, city or town is empty");
		return;
	}
	/* Japan, with its remote islands. */
	if (csv_number(csv_get(c, col[COL_LAT]), 20, 46, &lat) != 0 ||
	    csv_number(csv_get(c, col[COL_LON]), 122, 154, &lon) != 0) {
		csv_bad(st, c->line,
		    "latitude or longitude missing or not in "
		    "Japan");
		return;
	}
	if (st->format == ADDR_CSV_MLIT_GAIKU) {
		struct addr_block_row b = {pref, city, town,
		    csv_get(c, col[COL_BLOCK]), lat, lon,
		    jukyo != NULL && strcmp(jukyo, "1") == 0};

		if (rep != NULL && strcmp(rep, "0") == 0) {
			st->not_representative++;
			return;
		}
		if (b.block == NULL || *b.block == '\0') {
			csv_bad(st, c->line, "街区符号・地番 is empty");
			return;
		}
		st->blocks++;
		bcb(&b, arg);
		return;
	}
	{
		struct addr_town_row t = {pref, city, csv_get(c, col[COL_CODE]),
		    town, csv_get(c, col[COL_KOAZA]), lat, lon};

		st->towns++;
		tcb(&t, arg);
	}
}

int
addr_csv_parse(const char *buf, size_t len, addr_csv_town_cb tcb,
    addr_csv_block_cb bcb, void *arg, struct addr_csv_stats *st, char **cause)
{
	struct csv c = {0};
	char *conv = NULL;
	size_t clen;
	int col[COL_N];

	memset(st, 0, sizeof *st);
	*cause = NULL;
	if (!csv_utf8_valid(buf, len)) {
		if ((conv = csv_from_sjis(buf, len, &clen, cause)) == NULL)
			return -1;
		buf = conv;
		len = clen;
		st->shift_jis = 1;
	}
	c.p = buf;
	c.end = buf + len;
	if (!csv_next(&c) || csv_header(&c, st, col, cause) != 0) {
		if (c.nf == 0 && *cause == NULL)
			*cause = xstrdup("empty file");
		csv_clear(&c);
		free(conv);
		return -1;
	}
	while (csv_next(&c)) {
		if (c.nf == 1 && *c.f[0] == '\0')
			continue; /* blank line */
		if (++st->rows > CSV_MAX_ROWS) {
			csv_bad(
			    st, c.line, "too many rows; the rest is not read");
			break;
		}
		csv_row(&c, col, tcb, bcb, arg, st);
	}
	csv_clear(&c);
	free(conv);
	return 0;
}

void
addr_csv_stats_free(struct addr_csv_stats *st)
{
	size_t i;

	for (i = 0; i < ADDR_CSV_ERRORS; i++)
		free(st->errors[i]);
	memset(st, 0, sizeof *st);
}

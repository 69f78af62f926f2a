/*
 * The weekly coverage report as CSV (RFC 4180: CRLF line ends, fields with
 * a comma, a quote or a line break quoted, quotes doubled), two files of
 * one table each so that a spreadsheet or GDAL reads either whole: the
 * pieces (a header row, one row per piece) and the per-ward summary.
 *
 * Japanese first (issue 16): the headers and the words in cells (state,
 * due) are Japanese, from the glossary, unless English is asked for; the
 * English file keeps the machine-readable words (inspected, true) that
 * scripts rely on.
 *
 * It starts with a UTF-8 byte order mark: Excel in a Japanese locale reads
 * a CSV without one as Shift_JIS and garbles every name, and GDAL and
 * Python's utf-8-sig skip it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glossary.h"
#include "export.h"
#include "xmalloc.h"

#define CSV_BOM "\xef\xbb\xbf"
#define CSV_EOL "\r\n"

static const char *csv_piece_header_en =
    "id,kind,class,name,ward_code,length_m,interval_days,state,due,"
    "last_inspected,due_at,best_share";
static const char *csv_piece_header_ja =
    "番号,種別,道路・河川の区分,名称,区コード,延長(m),巡回間隔(日),状態,"
    "今週の" GL_PIECE_DUE_JA ",最終巡回,巡回期限,最大通過率";
static const char *csv_summary_header_en =
    "ward_code,ward_name,kind,class,pieces,due,on_time,overdue,"
    "share_on_time,km,km_due,km_on_time";
static const char *csv_summary_header_ja =
    "区コード,区名,種別,道路・河川の区分,区間数," GL_PIECE_DUE_JA
    "の区間数," GL_PIECE_ON_TIME_JA
    ",期限超過,期限内巡回率,延長(km)," GL_PIECE_DUE_JA
    "の延長(km)," GL_PIECE_ON_TIME_JA "の延長(km)";

/* A piece's state in the file's language. */
static const char *
csv_state(enum report_state state, int en)
{
	if (en)
		return report_state_name(state);
	switch (state) {
	case REPORT_NOT_DUE:
		return GL_PIECE_NOT_DUE_JA;
	case REPORT_INSPECTED:
		return GL_PIECE_INSPECTED_JA;
	case REPORT_OVERDUE:
		return GL_PIECE_OVERDUE_JA;
	}
	return "";
}

/* Writes one field, quoted only when RFC 4180 requires it. */
static void
csv_field(FILE *out, const char *s, int first)
{
	const char *p;

	if (!first)
		fputc(',', out);
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

/*
 * Text that came from outside (OSM names and tags, the ward file): a cell
 * starting with = + - @ is a formula to Excel, and OSM is open to anyone,
 * so such a value gets a leading apostrophe, which Excel shows as text
 * (the OWASP advice for CSV injection).
 */
static void
csv_text(FILE *out, const char *s, int first)
{
	char *t;

	if (s != NULL && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL) {
		t = xasprintf("'%s", s);
		csv_field(out, t, first);
		free(t);
	} else
		csv_field(out, s, first);
}

static void
csv_number(FILE *out, int decimals, double v)
{
	char buf[64];

	/* An empty cell, not "nan", so a spreadsheet sums the column. */
	if (!isfinite(v))
		buf[0] = '\0';
	else
		snprintf(buf, sizeof buf, "%.*f", decimals, v);
	csv_field(out, buf, 0);
}

static void
csv_piece(FILE *out, const struct report_piece *p, int en)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", p->id);
	csv_field(out, buf, 1);
	csv_field(out, p->kind, 0);
	csv_text(out, p->class, 0);
	csv_text(out, p->name, 0);
	csv_field(out, p->ward_code, 0);
	csv_number(out, 1, p->length_m);
	snprintf(buf, sizeof buf, "%d", p->interval_days);
	csv_field(out, buf, 0);
	csv_field(out, csv_state(p->state, en), 0);
	csv_field(out,
	    en ? (p->due ? "true" : "false") : (p->due ? "はい" : "いいえ"), 0);
	csv_field(out, p->last_inspected, 0);
	csv_field(out, p->due_at, 0);
	csv_number(out, 3, p->best_share);
	fputs(CSV_EOL, out);
}

static void
csv_summary(FILE *out, const struct report_summary *s)
{
	char buf[32];

	csv_field(out, s->ward_code, 1);
	csv_text(out, s->ward_name, 0);
	csv_field(out, s->kind, 0);
	csv_text(out, s->class, 0);
	snprintf(buf, sizeof buf, "%d", s->pieces);
	csv_field(out, buf, 0);
	snprintf(buf, sizeof buf, "%d", s->due);
	csv_field(out, buf, 0);
	snprintf(buf, sizeof buf, "%d", s->on_time);
	csv_field(out, buf, 0);
	snprintf(buf, sizeof buf, "%d", s->overdue);
	csv_field(out, buf, 0);
	/* Empty when nothing was due: 0 would read as a failure. */
	if (s->due > 0)
		csv_number(out, 4, (double)s->on_time / s->due);
	else
		csv_field(out, NULL, 0);
	csv_number(out, 3, s->km);
	csv_number(out, 3, s->km_due);
	csv_number(out, 3, s->km_on_time);
	fputs(CSV_EOL, out);
}

static int
csv_done(FILE *out, char **cause)
{
	if (fflush(out) != 0 || ferror(out)) {
		*cause = xstrdup("cannot write the CSV");
		return -1;
	}
	return 0;
}

static int
csv_pieces(const struct coverage_report *r, FILE *out, int en, char **cause)
{
	size_t i;

	fputs(CSV_BOM, out);
	fputs(en ? csv_piece_header_en : csv_piece_header_ja, out);
	fputs(CSV_EOL, out);
	for (i = 0; i < r->npieces; i++)
		csv_piece(out, &r->pieces[i], en);
	return csv_done(out, cause);
}

static int
csv_summaries(const struct coverage_report *r, FILE *out, int en, char **cause)
{
	size_t i;

	fputs(CSV_BOM, out);
	fputs(en ? csv_summary_header_en : csv_summary_header_ja, out);
	fputs(CSV_EOL, out);
	for (i = 0; i < r->nsummary; i++)
		csv_summary(out, &r->summary[i]);
	return csv_done(out, cause);
}

int
export_csv(const struct coverage_report *r, FILE *out, char **cause)
{
	return csv_pieces(r, out, 0, cause);
}

int
export_csv_en(const struct coverage_report *r, FILE *out, char **cause)
{
	return csv_pieces(r, out, 1, cause);
}

int
export_csv_summary(const struct coverage_report *r, FILE *out, char **cause)
{
	return csv_summaries(r, out, 0, cause);
}

int
export_csv_summary_en(const struct coverage_report *r, FILE *out, char **cause)
{
	return csv_summaries(r, out, 1, cause);
}

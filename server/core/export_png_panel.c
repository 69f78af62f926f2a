/*
 * The wall map's frame: the title with the week and the ward, the legend
 * with counts per state, the share of due pieces inspected on time, the
 * same per kind and (city-wide) per ward, and the data credits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export_png.h"
#include "report.h"
#include "wards.h"
#include "xmalloc.h"

/* 12345 as "12,345": counts on a wall are read from across the room. */
static void
png_int(char *buf, size_t size, long long v)
{
	char digits[32];
	size_t n, i, o = 0;

	snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
	n = strlen(digits);
	if (v < 0 && o + 1 < size)
		buf[o++] = '-';
	for (i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

static void
png_km(char *buf, size_t size, double km)
{
	snprintf(buf, size, km < 10 ? "%.2f km" : "%.1f km", km);
}

/* Totals per group (a state, a kind, a ward) for the legend and tables. */
struct png_tally {
	const char *key; /* kind or ward code; NULL: no ward */
	const char *name;
	int pieces, due, on_time, overdue;
	double km;
};

/* Adds a piece or a summary row to the tally with this key. */
static struct png_tally *
png_tally_get(struct png_tally *t, size_t *n, const char *key, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if ((t[i].key == NULL && key == NULL) ||
		    (t[i].key != NULL && key != NULL &&
		        strcmp(t[i].key, key) == 0))
			return &t[i];
	}
	if (*n == PNG_MAX_ROWS)
		return NULL;
	memset(&t[*n], 0, sizeof t[*n]);
	t[*n].key = key;
	t[*n].name = name;
	return &t[(*n)++];
}

/*
 * Per kind or per ward from the summary, which counts on-time the way the
 * report defines it; a report without a summary is tallied from pieces.
 */
static size_t
png_tally(const struct coverage_report *r, int by_ward, struct png_tally *t)
{
	const struct report_summary *s;
	const struct report_piece *p;
	struct png_tally *e;
	size_t i, n = 0;

	for (i = 0; i < r->nsummary; i++) {
		s = &r->summary[i];
		e = by_ward ? png_tally_get(t, &n, s->ward_code, s->ward_name)
		            : png_tally_get(t, &n, s->kind, s->kind);
		if (e == NULL)
			continue;
		e->pieces += s->pieces;
		e->due += s->due;
		e->on_time += s->on_time;
		e->overdue += s->overdue;
		e->km += s->km;
	}
	if (r->nsummary > 0)
		return n;
	for (i = 0; i < r->npieces; i++) {
		p = &r->pieces[i];
		e = by_ward ? png_tally_get(t, &n, p->ward_code, NULL)
		            : png_tally_get(t, &n, p->kind, p->kind);
		if (e == NULL)
			continue;
		e->pieces++;
		e->due += p->due != 0;
		e->on_time += p->due && p->state == REPORT_INSPECTED;
		e->overdue += p->state == REPORT_OVERDUE;
		e->km += p->length_m / 1000;
	}
	return n;
}

/* Roads, rivers, parks as the issue lists them; then others by name. */
static int
png_kind_rank(const char *kind)
{
	static const char *order[] = {"road", "river", "park"};
	size_t i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (kind != NULL && strcmp(kind, order[i]) == 0)
			return (int)i;
	}
	return 3;
}

static int
png_tally_cmp(const void *a, const void *b)
{
	const struct png_tally *x = a, *y = b;
	int rx, ry;

	/* Outside every ward (NULL) goes last. */
	if (x->key == NULL || y->key == NULL)
		return (x->key == NULL) - (y->key == NULL);
	rx = png_kind_rank(x->key);
	ry = png_kind_rank(y->key);
	if (rx != ry)
		return rx - ry;
	return strcmp(x->key, y->key);
}

/* Tallied and sorted: kinds in the usual order, wards by code. */
static size_t
png_tally_sorted(
    const struct coverage_report *r, int by_ward, struct png_tally *t)
{
	const struct ward *w;
	size_t i, n;
	long wi;

	n = png_tally(r, by_ward, t);
	qsort(t, n, sizeof *t, png_tally_cmp);
	for (i = 0; by_ward && i < n; i++) {
		if (t[i].name == NULL &&
		    (wi = export_png_find_ward(r->wards, t[i].key)) >= 0) {
			w = wards_get(r->wards, (size_t)wi);
			t[i].name = w->name;
		}
	}
	return n;
}

static const char *
png_kind_name(const struct png_map *m, const char *kind)
{
	if (kind == NULL)
		return "";
	if (strcmp(kind, "road") == 0)
		return export_png_label(m, "道路", "Roads");
	if (strcmp(kind, "river") == 0)
		return export_png_label(m, "河川", "Rivers");
	if (strcmp(kind, "park") == 0)
		return export_png_label(m, "公園", "Parks");
	return kind;
}

static void
png_share(char *buf, size_t size, int on_time, int due)
{
	if (due > 0)
		snprintf(buf, size, "%.0f%%", 100.0 * on_time / due);
	else
		snprintf(buf, size, "—");
}

/* A table of tallies: name, due, on time, overdue, share. */
static double
png_table(struct png_map *m, double y, const char *title,
    const struct png_tally *t, size_t n, int by_ward)
{
	const double cols[] = {
	    PANEL_X + 168, PANEL_X + 228, PANEL_X + 288, PANEL_X + PANEL_W};
	const char *name;
	char buf[32];
	size_t i;

	export_png_text(m, PANEL_X, y, 19, 1, PNG_LEFT, &export_png_ink, title);
	y += 26;
	export_png_text(m, cols[0], y, 13, 0, PNG_RIGHT, &export_png_muted,
	    export_png_label(m, "期限", "Due"));
	export_png_text(m, cols[1], y, 13, 0, PNG_RIGHT, &export_png_muted,
	    export_png_label(m, "期限内", "On time"));
	export_png_text(m, cols[2], y, 13, 0, PNG_RIGHT, &export_png_muted,
	    export_png_label(m, "超過", "Overdue"));
	export_png_text(m, cols[3], y, 13, 0, PNG_RIGHT, &export_png_muted,
	    export_png_label(m, "率", "Share"));
	for (i = 0; i < n; i++) {
		y += 25;
		/* What does not fit is counted, not silently dropped. */
		if (i + 1 < n && y + 25 > MAP_Y + MAP_H) {
			if (m->ja)
				snprintf(buf, sizeof buf, "ほか %zu 件", n - i);
			else
				snprintf(
				    buf, sizeof buf, "and %zu more", n - i);
			export_png_text(m, PANEL_X, y, 15, 0, PNG_LEFT,
			    &export_png_muted, buf);
			break;
		}
		if (by_ward && t[i].key == NULL)
			name = export_png_label(m, "区域外", "Outside");
		else if (by_ward)
			name = m->ja && t[i].name != NULL
			    ? export_png_short_name(t[i].name)
			    : t[i].key;
		else
			name = png_kind_name(m, t[i].key);
		export_png_text(
		    m, PANEL_X, y, 16, 0, PNG_LEFT, &export_png_ink, name);
		png_int(buf, sizeof buf, t[i].due);
		export_png_text(
		    m, cols[0], y, 16, 0, PNG_RIGHT, &export_png_ink, buf);
		png_int(buf, sizeof buf, t[i].on_time);
		export_png_text(
		    m, cols[1], y, 16, 0, PNG_RIGHT, &export_png_ink, buf);
		png_int(buf, sizeof buf, t[i].overdue);
		export_png_text(m, cols[2], y, 16, 0, PNG_RIGHT,
		    t[i].overdue > 0 ? &export_png_states[REPORT_OVERDUE].rgb
		                     : &export_png_ink,
		    buf);
		png_share(buf, sizeof buf, t[i].on_time, t[i].due);
		export_png_text(
		    m, cols[3], y, 16, 1, PNG_RIGHT, &export_png_ink, buf);
	}
	return y + 20;
}

static double
png_rule_at(struct png_map *m, double y)
{
	export_png_color(m->cr, &export_png_rule);
	cairo_set_line_width(m->cr, 1);
	cairo_move_to(m->cr, PANEL_X, y + 0.5);
	cairo_line_to(m->cr, PANEL_X + PANEL_W, y + 0.5);
	cairo_stroke(m->cr);
	return y + 36;
}

static double
png_legend(struct png_map *m, const struct coverage_report *r, double y)
{
	const struct png_state_style *st;
	char count[32], km[32], line[96];
	double len;
	size_t s, i;
	int n;

	export_png_text(m, PANEL_X, y, 21, 1, PNG_LEFT, &export_png_ink,
	    export_png_label(m, "凡例", "Legend"));
	y += 16;
	/* Most urgent first: that is what the wall map is for. */
	for (s = PNG_NSTATES; s-- > 0;) {
		st = &export_png_states[s];
		n = 0;
		len = 0;
		for (i = 0; i < r->npieces; i++) {
			if (r->pieces[i].state == st->state) {
				n++;
				len += r->pieces[i].length_m;
			}
		}
		y += 46;
		export_png_color(m->cr, &st->rgb);
		cairo_set_line_width(m->cr, st->width * 1.6);
		cairo_set_line_cap(m->cr, CAIRO_LINE_CAP_ROUND);
		cairo_move_to(m->cr, PANEL_X + 4, y - 12);
		cairo_line_to(m->cr, PANEL_X + 46, y - 12);
		cairo_stroke(m->cr);
		export_png_text(m, PANEL_X + 62, y - 6, 18, 0, PNG_LEFT,
		    &export_png_ink, export_png_label(m, st->ja, st->en));
		png_int(count, sizeof count, n);
		png_km(km, sizeof km, len / 1000);
		snprintf(line, sizeof line, "%s %s  %s", count,
		    export_png_label(m, "区間", "pieces"), km);
		export_png_text(m, PANEL_X + 62, y + 14, 14, 0, PNG_LEFT,
		    &export_png_muted, line);
	}
	if (r->wards != NULL) {
		y += 40;
		export_png_color(m->cr, &export_png_ward_line);
		cairo_set_line_width(m->cr, 1.2);
		cairo_move_to(m->cr, PANEL_X + 4, y - 6);
		cairo_line_to(m->cr, PANEL_X + 46, y - 6);
		cairo_stroke(m->cr);
		export_png_text(m, PANEL_X + 62, y, 18, 0, PNG_LEFT,
		    &export_png_ink,
		    export_png_label(m, "区界", "Ward boundary"));
	}
	return y + 30;
}

/* The headline number: due pieces inspected on time, with a bar. */
static double
png_headline(struct png_map *m, const struct coverage_report *r, double y)
{
	char buf[128], due[32], on_time[32];
	double share, w = PANEL_W;
	size_t i;
	int d = 0, o = 0;

	for (i = 0; i < r->nsummary; i++) {
		d += r->summary[i].due;
		o += r->summary[i].on_time;
	}
	for (i = 0; r->nsummary == 0 && i < r->npieces; i++) {
		d += r->pieces[i].due != 0;
		o += r->pieces[i].due && r->pieces[i].state == REPORT_INSPECTED;
	}
	export_png_text(m, PANEL_X, y, 19, 1, PNG_LEFT, &export_png_ink,
	    export_png_label(m, "期限内巡回率", "Inspected on time"));
	y += 52;
	png_share(buf, sizeof buf, o, d);
	export_png_text(m, PANEL_X, y, 46, 1, PNG_LEFT, &export_png_ink, buf);
	y += 28;
	png_int(due, sizeof due, d);
	png_int(on_time, sizeof on_time, o);
	if (m->ja)
		snprintf(buf, sizeof buf, "期限 %s 区間のうち %s 区間", due,
		    on_time);
	else
		snprintf(buf, sizeof buf, "%s of %s pieces due", on_time, due);
	export_png_text(m, PANEL_X, y, 15, 0, PNG_LEFT, &export_png_muted, buf);
	y += 16;
	if (d > 0) {
		share = (double)o / d;
		export_png_color(
		    m->cr, &export_png_states[REPORT_INSPECTED].rgb);
		cairo_rectangle(m->cr, PANEL_X, y, w * share, 14);
		cairo_fill(m->cr);
		export_png_color(m->cr, &export_png_states[REPORT_OVERDUE].rgb);
		cairo_rectangle(
		    m->cr, PANEL_X + w * share, y, w * (1 - share), 14);
		cairo_fill(m->cr);
	}
	return y + 36;
}

void
export_png_panel(struct png_map *m, const struct coverage_report *r)
{
	struct png_tally t[PNG_MAX_ROWS];
	double y = MAP_Y + 24;
	size_t n;

	y = png_legend(m, r, y);
	y = png_rule_at(m, y);
	y = png_headline(m, r, y);
	y = png_rule_at(m, y);
	n = png_tally_sorted(r, 0, t);
	y = png_table(
	    m, y, export_png_label(m, "種別ごと", "By kind"), t, n, 0);
	/* A city-wide map also compares the wards. */
	if (r->ward_code == NULL && (n = png_tally_sorted(r, 1, t)) > 1) {
		y = png_rule_at(m, y);
		png_table(
		    m, y, export_png_label(m, "区ごと", "By ward"), t, n, 1);
	}
}

/*
 * The week's last day for the title. The report's end is exclusive (the
 * next Monday 00:00, as coverage_week's query gives it), so a wall map
 * reading "16 to 23" would claim a day too many.
 */
static void
png_last_day(const char *end, char *buf, size_t size)
{
	struct tm tm;
	time_t t;

	snprintf(buf, size, "%.10s", end != NULL ? end : "");
	memset(&tm, 0, sizeof tm);
	if (end == NULL || strlen(end) < 19 ||
	    sscanf(end, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) !=
	        3 ||
	    strncmp(end + 10, "T00:00:00", 9) != 0)
		return;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday -= 1; /* timegm normalises the 0th of a month */
	tm.tm_hour = 12;
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &tm) == NULL)
		return;
	strftime(buf, size, "%Y-%m-%d", &tm);
}

void
export_png_title(struct png_map *m, const struct coverage_report *r)
{
	const char *ward;
	char *s, km[32], count[32], last[32];
	double len = 0;
	size_t i;

	ward = r->ward_name;
	if (ward == NULL && r->ward_code != NULL && r->wards != NULL) {
		long wi = export_png_find_ward(r->wards, r->ward_code);
		if (wi >= 0)
			ward = wards_get(r->wards, (size_t)wi)->name;
	}
	/* Without Japanese glyphs the code reads better than boxes. */
	if (!m->ja || ward == NULL)
		ward = r->ward_code;
	s = xasprintf("%s %s%s%s",
	    export_png_label(m, "巡回カバレッジ", "Patrol coverage"), r->week,
	    ward != NULL ? "  " : "", ward != NULL ? ward : "");
	export_png_text(m, MAP_X, 62, 36, 1, PNG_LEFT, &export_png_ink, s);
	free(s);

	for (i = 0; i < r->npieces; i++)
		len += r->pieces[i].length_m;
	png_int(count, sizeof count, (long long)r->npieces);
	png_km(km, sizeof km, len / 1000);
	png_last_day(r->end, last, sizeof last);
	s = xasprintf("%s %.10s %s %s    %s %s %s / %s",
	    export_png_label(m, "期間", "Week"),
	    r->start != NULL ? r->start : "", export_png_label(m, "〜", "to"),
	    last, export_png_label(m, "対象", "Network"), count,
	    export_png_label(m, "区間", "pieces"), km);
	export_png_text(m, MAP_X, 94, 17, 0, PNG_LEFT, &export_png_muted, s);
	free(s);
}

/* Whether any piece of the report came from the source. */
static int
export_png_has_credit(const struct coverage_report *r, const char *credit)
{
	size_t i;

	for (i = 0; i < r->npieces; i++) {
		if (r->pieces[i].credit != NULL &&
		    strcmp(r->pieces[i].credit, credit) == 0)
			return 1;
	}
	return 0;
}

/*
 * The licences of the boundary and network data ask for these lines on
 * every map made from them; a source not imported is not named.
 */
void
export_png_credits(struct png_map *m, const struct coverage_report *r)
{
	static const struct {
		const char *credit, *ja, *en;
	} sources[] = {
	    {"osm", "© OpenStreetMap contributors (ODbL)",
	        "(c) OpenStreetMap contributors (ODbL)"},
	    {"gsi", "国土地理院 基盤地図情報",
	        "GSI Fundamental Geospatial Data"},
	    {"mlit_rivers", "国土数値情報（河川データ）（国土交通省）",
	        "MLIT National Land Numerical Information (rivers)"},
	};
	char *s, *t;
	size_t i;
	int en = !m->ja, n = 0;

	/* Without Japanese glyphs, an English credit beats empty boxes. */
	export_png_text(m, MAP_X, CREDIT_Y, 13, 0, PNG_LEFT, &export_png_muted,
	    export_png_label(m,
	        "区界 出典：国土数値情報（行政区域データ）（国土交通省）を加工"
	        "して作成",
	        "Ward boundaries: MLIT National Land Numerical Information "
	        "(administrative areas), processed"));
	s = xstrdup(en ? "Patrol network: " : "巡回網 出典：");
	for (i = 0; i < sizeof sources / sizeof sources[0]; i++) {
		if (!export_png_has_credit(r, sources[i].credit))
			continue;
		t = xasprintf("%s%s%s", s, n++ > 0 ? (en ? ", " : "、") : "",
		    en ? sources[i].en : sources[i].ja);
		free(s);
		s = t;
	}
	if (n > 0)
		export_png_text(m, MAP_X, CREDIT_Y + 20, 13, 0, PNG_LEFT,
		    &export_png_muted, s);
	free(s);
	s = xasprintf("patrold — %s %s",
	    export_png_label(m, "延長の計測", "lengths in"),
	    r->crs != NULL ? r->crs : "");
	export_png_text(m, PANEL_X + PANEL_W, CREDIT_Y, 13, 0, PNG_RIGHT,
	    &export_png_muted, s);
	free(s);
}

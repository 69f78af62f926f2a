/*
 * The outlook chart: grey bars for past weeks, orange for the weeks
 * ahead, a line for the same weeks in past years, the peak marked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "export_png.h"
#include "outlook_chart.h"
#include "xmalloc.h"

#define W      960
#define H      380
#define LEFT   56
#define RIGHT  16
#define TOP    58
#define BOTTOM 84

struct chart_buf {
	unsigned char *p;
	size_t len, cap;
};

static cairo_status_t
chart_write_cb(void *closure, const unsigned char *data, unsigned int len)
{
	struct chart_buf *b = closure;

	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

static const struct png_rgb past_rgb = {0.55, 0.60, 0.68};
static const struct png_rgb ahead_rgb = {0.93, 0.55, 0.18};
static const struct png_rgb base_rgb = {0.15, 0.35, 0.75};
static const struct png_rgb peak_rgb = {0.80, 0.10, 0.10};

static double
chart_max(const struct outlook_chart *c)
{
	double m = 1;
	size_t i;

	for (i = 0; i < c->nweeks; i++) {
		m = fmax(m, c->actual[i]);
		m = fmax(m, c->baseline[i]);
		m = fmax(m, c->expected[i]);
	}
	return m;
}

/* A round step for about five grid lines. */
static double
chart_step(double max)
{
	double s = pow(10, floor(log10(max / 5)));

	if (max / s > 25)
		s *= 5;
	else if (max / s > 10)
		s *= 2;
	return s < 1 ? 1 : s;
}

/* The model in words, on two lines split after the first sentence. */
static void
chart_note(struct png_map *m, const char *s)
{
	const char *cut = strstr(s, "。");
	size_t n;
	char *first;

	if (cut != NULL)
		n = (size_t)(cut - s) + strlen("。");
	else if ((cut = strstr(s, "). ")) != NULL)
		n = (size_t)(cut - s) + 2;
	else
		n = strlen(s);
	first = xasprintf("%.*s", (int)n, s);
	export_png_text(
	    m, LEFT, H - 22, 11, 0, PNG_LEFT, &export_png_muted, first);
	export_png_text(m, LEFT, H - 7, 11, 0, PNG_LEFT, &export_png_muted,
	    s + n + (s[n] == ' '));
	free(first);
}

/* Where the weeks fall: the top of the value axis, the width of one week's
 * bar and the height of the plot, in pixels. */
struct chart_scale {
	double max, bw, ph;
};

/* Grid lines and the value axis's labels. */
static void
chart_grid(struct png_map *m, const struct chart_scale *s)
{
	cairo_t *cr = m->cr;
	double step = chart_step(s->max), v, y;
	char buf[64];

	cairo_set_line_width(cr, 1);
	for (v = 0; v <= s->max; v += step) {
		y = TOP + s->ph - v / s->max * s->ph;
		export_png_color(cr, &export_png_rule);
		cairo_move_to(cr, LEFT, floor(y) + 0.5);
		cairo_line_to(cr, W - RIGHT, floor(y) + 0.5);
		cairo_stroke(cr);
		snprintf(buf, sizeof buf, "%.0f", v);
		export_png_text(m, LEFT - 6, y + 4, 11, 0, PNG_RIGHT,
		    &export_png_muted, buf);
	}
}

/* A tick under the week at x and its label: "2027/1", the month, and the
 * year under it. */
static void
chart_week_label(
    struct png_map *m, const struct chart_scale *s, double x, const char *label)
{
	cairo_t *cr = m->cr;
	const char *slash = strchr(label, '/');
	char buf[64];

	export_png_color(cr, &export_png_rule);
	cairo_move_to(cr, floor(x) + 0.5, TOP + s->ph);
	cairo_line_to(cr, floor(x) + 0.5, TOP + s->ph + 6);
	cairo_stroke(cr);
	export_png_text(m, x + 2, TOP + s->ph + 18, 11, 0, PNG_LEFT,
	    &export_png_muted, slash != NULL ? slash + 1 : label);
	if (slash != NULL) {
		snprintf(buf, sizeof buf, "%.*s", (int)(slash - label), label);
		export_png_text(m, x + 2, TOP + s->ph + 31, 11, 1, PNG_LEFT,
		    &export_png_ink, buf);
	}
}

/* Today: a dashed line before the week at x, the first one ahead. */
static void
chart_today(struct png_map *m, const struct chart_scale *s, double x)
{
	cairo_t *cr = m->cr;

	export_png_color(cr, &export_png_ink);
	cairo_set_dash(cr, (double[]){4, 3}, 2, 0);
	cairo_move_to(cr, floor(x) + 0.5, TOP - 4);
	cairo_line_to(cr, floor(x) + 0.5, TOP + s->ph);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	export_png_text(m, x + 3, TOP + 6, 11, 0, PNG_LEFT, &export_png_ink,
	    export_png_label(m, "今週", "this week"));
}

/* Each week's bar (the count, or the expected count ahead), its label and
 * the line for today. */
static void
chart_weeks(struct png_map *m, const struct outlook_chart *c,
    const struct chart_scale *s)
{
	cairo_t *cr = m->cr;
	double v, x;
	size_t i;

	for (i = 0; i < c->nweeks; i++) {
		x = LEFT + (double)i * s->bw;
		v = c->actual[i] >= 0 ? c->actual[i] : c->expected[i];
		if (v > 0) {
			export_png_color(
			    cr, c->actual[i] >= 0 ? &past_rgb : &ahead_rgb);
			cairo_rectangle(cr, x + s->bw * 0.1,
			    TOP + s->ph - v / s->max * s->ph, s->bw * 0.8,
			    v / s->max * s->ph);
			cairo_fill(cr);
		}
		if (c->labels[i] != NULL)
			chart_week_label(m, s, x, c->labels[i]);
		if (i > 0 && c->actual[i] < 0 && c->actual[i - 1] >= 0)
			chart_today(m, s, x);
	}
}

/* The same weeks in past years: a line, broken where a week has none. */
static void
chart_baseline(struct png_map *m, const struct outlook_chart *c,
    const struct chart_scale *s)
{
	cairo_t *cr = m->cr;
	double x, y;
	size_t i;
	int started = 0;

	export_png_color(cr, &base_rgb);
	cairo_set_line_width(cr, 2);
	for (i = 0; i < c->nweeks; i++) {
		if (c->baseline[i] < 0) {
			if (started)
				cairo_stroke(cr);
			started = 0;
			continue;
		}
		x = LEFT + ((double)i + 0.5) * s->bw;
		y = TOP + s->ph - c->baseline[i] / s->max * s->ph;
		if (started)
			cairo_line_to(cr, x, y);
		else
			cairo_move_to(cr, x, y);
		started = 1;
	}
	if (started)
		cairo_stroke(cr);
}

/* The peak week ahead, marked with a dot and a word. */
static void
chart_peak(struct png_map *m, const struct outlook_chart *c,
    const struct chart_scale *s)
{
	cairo_t *cr = m->cr;
	double x, y;

	if (c->peak < 0 || (size_t)c->peak >= c->nweeks)
		return;
	x = LEFT + ((double)c->peak + 0.5) * s->bw;
	y = TOP + s->ph - c->expected[c->peak] / s->max * s->ph;
	export_png_color(cr, &peak_rgb);
	cairo_arc(cr, x, y - 6, 4, 0, 2 * M_PI);
	cairo_fill(cr);
	export_png_text(m, x, y - 14, 12, 1, PNG_CENTER, &peak_rgb,
	    export_png_label(m, "ピーク", "peak"));
}

/* The legend in one line, and the model in words under it. */
static void
chart_legend(struct png_map *m, const struct outlook_chart *c)
{
	cairo_t *cr = m->cr;
	double x, y = H - 40;

	export_png_color(cr, &past_rgb);
	cairo_rectangle(cr, LEFT, y - 9, 12, 10);
	cairo_fill(cr);
	x = LEFT + 16 +
	    export_png_text(m, LEFT + 16, y, 12, 0, PNG_LEFT, &export_png_ink,
	        export_png_label(m, "実績", "actual"));
	export_png_color(cr, &ahead_rgb);
	cairo_rectangle(cr, x + 14, y - 9, 12, 10);
	cairo_fill(cr);
	x += 30 +
	    export_png_text(m, x + 30, y, 12, 0, PNG_LEFT, &export_png_ink,
	        export_png_label(m, "見込み", "expected"));
	export_png_color(cr, &base_rgb);
	cairo_move_to(cr, x + 14, y - 4);
	cairo_line_to(cr, x + 30, y - 4);
	cairo_stroke(cr);
	export_png_text(m, x + 34, y, 12, 0, PNG_LEFT, &export_png_ink,
	    export_png_label(
	        m, "過去の年の同じ週の平均", "same week in past years"));
	chart_note(m, export_png_label(m, c->note_ja, c->note_en));
}

static void
chart_draw(struct png_map *m, const void *arg)
{
	const struct outlook_chart *c = arg;
	struct chart_scale s = {chart_max(c) * 1.1,
	    (double)(W - LEFT - RIGHT) / (double)(c->nweeks ? c->nweeks : 1),
	    H - TOP - BOTTOM};

	cairo_set_source_rgb(m->cr, 1, 1, 1);
	cairo_paint(m->cr);
	export_png_text(m, LEFT, 26, 17, 1, PNG_LEFT, &export_png_ink,
	    export_png_label(m, c->title_ja, c->title_en));
	chart_grid(m, &s);
	chart_weeks(m, c, &s);
	chart_baseline(m, c, &s);
	chart_peak(m, c, &s);
	chart_legend(m, c);
}

int
outlook_chart_png(const struct outlook_chart *c, unsigned char **png,
    size_t *len, char **cause)
{
	struct chart_buf b = {0};
	cairo_status_t status;

	status = export_png_render(W, H, chart_draw, c, chart_write_cb, &b);
	if (status != CAIRO_STATUS_SUCCESS) {
		free(b.p);
		*cause = xasprintf("cannot draw the chart: %s",
		    cairo_status_to_string(status));
		return -1;
	}
	*png = b.p;
	*len = b.len;
	return 0;
}

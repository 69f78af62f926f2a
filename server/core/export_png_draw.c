/*
 * What the wall map (export_png.c), its panel (export_png_panel.c) and the
 * outlook chart share: the palette, the font choice and the text helpers.
 * The drawing files call down into this one and never into each other.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "export_png.h"
#include "glossary.h"
#include "report.h"
#include "wards.h"
#include "xmalloc.h"

const struct png_state_style export_png_states[PNG_NSTATES] = {
    [REPORT_NOT_DUE] = {REPORT_NOT_DUE, {0.70, 0.70, 0.70}, 2.0,
        GL_PIECE_NOT_DUE_JA, GL_PIECE_NOT_DUE_EN},
    [REPORT_INSPECTED] = {REPORT_INSPECTED, {0.10, 0.60, 0.31}, 3.4,
        GL_PIECE_INSPECTED_JA, GL_PIECE_INSPECTED_EN},
    [REPORT_OVERDUE] = {REPORT_OVERDUE, {0.84, 0.19, 0.15}, 3.8,
        GL_PIECE_OVERDUE_JA, GL_PIECE_OVERDUE_EN},
};

const struct png_rgb export_png_ink = {0.13, 0.13, 0.13};
const struct png_rgb export_png_muted = {0.42, 0.42, 0.42};
const struct png_rgb export_png_rule = {0.80, 0.80, 0.80};
const struct png_rgb export_png_ward_line = {0.55, 0.55, 0.55};
/* Families tried in order; fontconfig maps each to what is installed. */
static const char *png_families[] = {
    "Noto Sans CJK JP",
    "Source Han Sans JP",
    "IPAexGothic",
    "IPAPGothic", /* proportional Latin reads better than IPAGothic's */
    "IPAGothic",
    "TakaoGothic",
    "VL Gothic",
    "sans-serif",
};
#define NFAMILIES (sizeof png_families / sizeof png_families[0])

const char *
export_png_label(const struct png_map *m, const char *ja, const char *en)
{
	return m->ja ? ja : en;
}

/* Whether the family's font maps every character of s to a real glyph. */
static int
png_family_has(const char *family, const char *s)
{
	cairo_font_face_t *face;
	cairo_scaled_font_t *font;
	cairo_font_options_t *opts;
	cairo_matrix_t size, ctm;
	cairo_glyph_t *glyphs = NULL;
	int i, n = 0, ok = 0;

	face = cairo_toy_font_face_create(
	    family, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_matrix_init_scale(&size, 16, 16);
	cairo_matrix_init_identity(&ctm);
	opts = cairo_font_options_create();
	font = cairo_scaled_font_create(face, &size, &ctm, opts);
	if (cairo_scaled_font_status(font) == CAIRO_STATUS_SUCCESS &&
	    cairo_scaled_font_text_to_glyphs(font, 0, 0, s, -1, &glyphs, &n,
	        NULL, NULL, NULL) == CAIRO_STATUS_SUCCESS) {
		ok = n > 0;
		for (i = 0; i < n; i++) {
			if (glyphs[i].index == 0)
				ok = 0;
		}
		cairo_glyph_free(glyphs);
	}
	cairo_scaled_font_destroy(font);
	cairo_font_options_destroy(opts);
	cairo_font_face_destroy(face);
	return ok;
}

static void
png_pick_font(struct png_map *m)
{
	size_t i;

	for (i = 0; i < NFAMILIES; i++) {
		if (png_family_has(png_families[i], "巡回済期限超過区間")) {
			m->family = png_families[i];
			m->ja = 1;
			return;
		}
	}
	m->family = "sans-serif";
	m->ja = 0;
}

cairo_status_t
export_png_render(int w, int h, void (*draw)(struct png_map *, const void *),
    const void *arg, cairo_write_func_t write, void *closure)
{
	cairo_surface_t *surface;
	cairo_status_t status;
	struct png_map m;

	memset(&m, 0, sizeof m);
	surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	m.cr = cairo_create(surface);
	png_pick_font(&m);
	draw(&m, arg);
	status = cairo_status(m.cr);
	cairo_destroy(m.cr);
	if (status == CAIRO_STATUS_SUCCESS)
		status =
		    cairo_surface_write_to_png_stream(surface, write, closure);
	cairo_surface_destroy(surface);
	return status;
}

void
export_png_color(cairo_t *cr, const struct png_rgb *c)
{
	cairo_set_source_rgb(cr, c->r, c->g, c->b);
}

/* Draws s with its baseline at y; returns its advance in pixels. */
double
export_png_text(struct png_map *m, double x, double y, double size, int bold,
    enum png_align align, const struct png_rgb *c, const char *s)
{
	cairo_text_extents_t ext;

	cairo_select_font_face(m->cr, m->family, CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(m->cr, size);
	cairo_text_extents(m->cr, s, &ext);
	if (align == PNG_CENTER)
		x -= ext.x_advance / 2;
	else if (align == PNG_RIGHT)
		x -= ext.x_advance;
	export_png_color(m->cr, c);
	cairo_move_to(m->cr, x, y);
	cairo_show_text(m->cr, s);
	return ext.x_advance;
}

/*
 * "神奈川県川崎市多摩区" as "多摩区" for labels on the map: after the last
 * 市, else after the prefecture; the title keeps the full name.
 */
const char *
export_png_short_name(const char *name)
{
	static const char *prefs[] = {"都", "道", "府", "県"};
	const char *p, *last = NULL;
	size_t i;

	if (name == NULL)
		return "";
	for (p = name; (p = strstr(p, "市")) != NULL; p += strlen("市"))
		last = p;
	if (last != NULL && last[strlen("市")] != '\0')
		return last + strlen("市");
	for (i = 0; i < sizeof prefs / sizeof prefs[0]; i++) {
		p = strstr(name, prefs[i]);
		/* A prefecture is at most four characters long. */
		if (p != NULL && p - name <= 9 && p[strlen(prefs[i])] != '\0')
			return p + strlen(prefs[i]);
	}
	return name;
}

/* The index of the ward with this code, or -1. */
long
export_png_find_ward(const struct ward_set *wards, const char *code)
{
	const struct ward *w;
	size_t i;

	if (wards == NULL || code == NULL)
		return -1;
	for (i = 0; i < wards_count(wards); i++) {
		w = wards_get(wards, i);
		if (w->code != NULL && strcmp(w->code, code) == 0)
			return (long)i;
	}
	return -1;
}

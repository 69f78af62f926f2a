/*
 * The weekly coverage report as a wall map: a 1600x1200 PNG (A4 landscape
 * proportions) drawn with cairo. The map fits the pieces (and the ward the
 * report is limited to) in a local equirectangular projection, which at
 * city scale keeps shapes and the scale bar true to well under a percent.
 * The legend, tables, title and credits around it are drawn by
 * export_png_panel.c; the palette, fonts and text helpers both use are in
 * export_png_draw.c.
 *
 * Text uses cairo's toy font API through fontconfig, so no font files are
 * named here: the first family that has Japanese glyphs wins, and without
 * one the labels fall back to English rather than print empty boxes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <jansson.h>

#include "export_png.h"
#include "glossary.h"
#include "export.h"
#include "wards.h"
#include "xmalloc.h"

/* Metres per degree of latitude on the GRS80 mean sphere. */
#define PNG_M_PER_DEG (6371008.8 * M_PI / 180.0)
/* A lone short piece still gets some streets around it. */
#define PNG_MIN_EXTENT_M 400.0

static const struct png_rgb png_ward_fill = {0.965, 0.965, 0.95};
/* Around the report's ward, its neighbours step back a little. */
static const struct png_rgb png_ward_other = {0.93, 0.93, 0.915};
static const struct png_rgb png_label_ink = {0.45, 0.45, 0.45};

static void
png_bbox_add(double bb[4], double lon, double lat)
{
	if (!isfinite(lon) || !isfinite(lat))
		return;
	if (lon < bb[0])
		bb[0] = lon;
	if (lat < bb[1])
		bb[1] = lat;
	if (lon > bb[2])
		bb[2] = lon;
	if (lat > bb[3])
		bb[3] = lat;
}

/*
 * Fits the pieces, and the report's ward (or, for a city-wide report, all
 * wards), into the map frame with a margin; with neither, a blank map
 * around 0,0 (the message says there is nothing to show).
 */
static void
png_fit(struct png_map *m, const struct coverage_report *r)
{
	const struct ward *w;
	double bb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
	double wm, hm;
	size_t i, j;
	long wi;

	for (i = 0; i < r->npieces; i++) {
		for (j = 0; j < r->pieces[i].npoints; j++) {
			png_bbox_add(bb, r->pieces[i].lonlat[2 * j],
			    r->pieces[i].lonlat[2 * j + 1]);
		}
	}
	if ((wi = export_png_find_ward(r->wards, r->ward_code)) >= 0) {
		w = wards_get(r->wards, (size_t)wi);
		png_bbox_add(bb, w->lon_min, w->lat_min);
		png_bbox_add(bb, w->lon_max, w->lat_max);
	}
	if (r->ward_code == NULL && r->wards != NULL) {
		for (i = 0; i < wards_count(r->wards); i++) {
			w = wards_get(r->wards, i);
			png_bbox_add(bb, w->lon_min, w->lat_min);
			png_bbox_add(bb, w->lon_max, w->lat_max);
		}
	}
	if (bb[0] > bb[2])
		bb[0] = bb[1] = bb[2] = bb[3] = 0;

	m->lon0 = (bb[0] + bb[2]) / 2;
	m->lat0 = (bb[1] + bb[3]) / 2;
	m->ky = PNG_M_PER_DEG;
	m->kx = PNG_M_PER_DEG * cos(m->lat0 * M_PI / 180.0);
	wm = fmax((bb[2] - bb[0]) * m->kx, PNG_MIN_EXTENT_M);
	hm = fmax((bb[3] - bb[1]) * m->ky, PNG_MIN_EXTENT_M);
	/* 6% of the frame on each side keeps lines off the border. */
	m->scale = fmin(MAP_W * 0.88 / wm, MAP_H * 0.88 / hm);
	m->cx = MAP_X + MAP_W / 2;
	m->cy = MAP_Y + MAP_H / 2;
}

static void
png_project(
    const struct png_map *m, double lon, double lat, double *x, double *y)
{
	*x = m->cx + (lon - m->lon0) * m->kx * m->scale;
	*y = m->cy - (lat - m->lat0) * m->ky * m->scale;
}

/*
 * Adds a GeoJSON ring (closed: the last position repeats the first) to
 * the path; returns its area in square pixels and its centroid, for
 * placing the ward's label.
 */
static double
png_ring(struct png_map *m, json_t *ring, double *cx, double *cy)
{
	json_t *pos;
	double x, y, x0 = 0, y0 = 0, u, v, pu = 0, pv = 0, c;
	double a = 0, su = 0, sv = 0;
	size_t i;

	json_array_foreach(ring, i, pos)
	{
		png_project(m, json_number_value(json_array_get(pos, 0)),
		    json_number_value(json_array_get(pos, 1)), &x, &y);
		if (i == 0) {
			cairo_move_to(m->cr, x, y);
			x0 = x;
			y0 = y;
		} else
			cairo_line_to(m->cr, x, y);
		/* Shoelace terms relative to the first vertex. */
		u = x - x0;
		v = y - y0;
		c = pu * v - u * pv;
		a += c;
		su += (pu + u) * c;
		sv += (pv + v) * c;
		pu = u;
		pv = v;
	}
	cairo_close_path(m->cr);
	if (a == 0)
		return 0;
	*cx = x0 + su / (3 * a);
	*cy = y0 + sv / (3 * a);
	return fabs(a) / 2;
}

struct png_ward_label {
	double x, y;
	const char *name;
};

/*
 * Fills and outlines one ward; the ward the report is about gets a darker,
 * heavier outline. Returns where its label goes: the centroid of its
 * largest part, so Kawasaki ward's islands do not pull it out to sea.
 */
static int
png_ward(struct png_map *m, const struct ward_set *wards, size_t i,
    int selected, struct png_ward_label *label)
{
	json_t *geom, *poly, *ring;
	char *text;
	double area, best = 0, x = 0, y = 0;
	size_t j, k;
	int found = 0;

	if ((text = wards_geometry_json(wards, i)) == NULL)
		return 0;
	geom = json_loads(text, 0, NULL);
	free(text);
	if (geom == NULL)
		return 0;
	cairo_new_path(m->cr);
	json_array_foreach(json_object_get(geom, "coordinates"), j, poly)
	{
		json_array_foreach(poly, k, ring)
		{
			area = png_ring(m, ring, &x, &y);
			if (k == 0 && area > best) {
				best = area;
				label->x = x;
				label->y = y;
				found = 1;
			}
		}
	}
	json_decref(geom);

	cairo_set_fill_rule(m->cr, CAIRO_FILL_RULE_EVEN_ODD);
	export_png_color(m->cr,
	    selected != 0 || m->focus == 0 ? &png_ward_fill : &png_ward_other);
	cairo_fill_preserve(m->cr);
	export_png_color(
	    m->cr, selected ? &export_png_ink : &export_png_ward_line);
	cairo_set_line_width(m->cr, selected ? 2.6 : 1.2);
	cairo_stroke(m->cr);
	label->name = export_png_short_name(wards_get(wards, i)->name);
	return found;
}

/*
 * Draws the wards in view; returns their labels (NULL name: none) for
 * png_ward_labels to put over the pieces.
 */
static struct png_ward_label *
png_wards(struct png_map *m, const struct coverage_report *r, size_t *count)
{
	struct png_ward_label *labels;
	const struct ward *w;
	double x0, y0, x1, y1;
	size_t i, n;
	long sel;

	*count = 0;
	if (r->wards == NULL || (n = wards_count(r->wards)) == 0)
		return NULL;
	sel = export_png_find_ward(r->wards, r->ward_code);
	m->focus = sel >= 0;
	labels = xcalloc(n, sizeof *labels);
	for (i = 0; i < n; i++) {
		w = wards_get(r->wards, i);
		png_project(m, w->lon_min, w->lat_max, &x0, &y0);
		png_project(m, w->lon_max, w->lat_min, &x1, &y1);
		/* Parsing a ward far outside the frame is wasted work. */
		if (x1 < MAP_X || x0 > MAP_X + MAP_W || y1 < MAP_Y ||
		    y0 > MAP_Y + MAP_H) {
			labels[i].name = NULL;
			continue;
		}
		if (!png_ward(m, r->wards, i, (long)i == sel, &labels[i]))
			labels[i].name = NULL;
	}
	*count = n;
	return labels;
}

/*
 * Over the pieces, with a white halo: under them a dense network hides
 * the names, and a faint halo hides less of the lines than a box would.
 */
static void
png_ward_labels(
    struct png_map *m, const struct png_ward_label *labels, size_t n)
{
	cairo_text_extents_t ext;
	size_t i;

	if (!m->ja)
		return; /* without the glyphs, boxes would say nothing */
	cairo_select_font_face(
	    m->cr, m->family, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(m->cr, 24);
	cairo_set_line_join(m->cr, CAIRO_LINE_JOIN_ROUND);
	for (i = 0; i < n; i++) {
		if (labels[i].name == NULL)
			continue;
		cairo_text_extents(m->cr, labels[i].name, &ext);
		cairo_new_path(m->cr);
		cairo_move_to(m->cr, labels[i].x - ext.x_advance / 2,
		    labels[i].y + ext.height / 2);
		cairo_text_path(m->cr, labels[i].name);
		cairo_set_source_rgba(m->cr, 1, 1, 1, 0.8);
		cairo_set_line_width(m->cr, 5);
		cairo_stroke_preserve(m->cr);
		export_png_color(m->cr, &png_label_ink);
		cairo_fill(m->cr);
	}
}

static void
png_pieces(struct png_map *m, const struct coverage_report *r)
{
	const struct png_state_style *st;
	const struct report_piece *p;
	double x, y, thin;
	size_t s, i, j;

	/*
	 * At city scale a 100 m piece is a few pixels long and full-width
	 * lines merge into a blot; thin them down to half.
	 */
	thin = fmin(1.0, fmax(0.5, 100.0 * m->scale / 10.0));
	cairo_set_line_cap(m->cr, CAIRO_LINE_CAP_ROUND);
	cairo_set_line_join(m->cr, CAIRO_LINE_JOIN_ROUND);
	/* Grey first, then green, red on top: overdue must never hide. */
	for (s = 0; s < PNG_NSTATES; s++) {
		st = &export_png_states[s];
		cairo_new_path(m->cr);
		for (i = 0; i < r->npieces; i++) {
			p = &r->pieces[i];
			if (p->state != st->state || p->lonlat == NULL)
				continue;
			for (j = 0; j < p->npoints; j++) {
				png_project(m, p->lonlat[2 * j],
				    p->lonlat[2 * j + 1], &x, &y);
				if (!isfinite(x) || !isfinite(y))
					continue;
				if (j == 0)
					cairo_move_to(m->cr, x, y);
				else
					cairo_line_to(m->cr, x, y);
			}
		}
		export_png_color(m->cr, &st->rgb);
		cairo_set_line_width(m->cr, st->width * thin);
		cairo_stroke(m->cr);
	}
}

/* A bar of a round length (1, 2 or 5 times a power of ten metres). */
static void
png_scale_bar(struct png_map *m)
{
	static const struct png_rgb white = {1, 1, 1};
	char label[32];
	double want, len, unit, px, x, y;

	want = MAP_W * 0.2 / m->scale;
	unit = pow(10, floor(log10(want)));
	if (5 * unit <= want)
		len = 5 * unit;
	else if (2 * unit <= want)
		len = 2 * unit;
	else
		len = unit;
	px = len * m->scale;
	if (len >= 1000)
		snprintf(label, sizeof label, "%g km", len / 1000);
	else
		snprintf(label, sizeof label, "%g m", len);

	x = MAP_X + 24;
	y = MAP_Y + MAP_H - 30;
	cairo_set_source_rgba(m->cr, 1, 1, 1, 0.85);
	cairo_rectangle(m->cr, x - 14, y - 30, px + 50, 52);
	cairo_fill(m->cr);
	/* Two halves, black and white, as on survey maps. */
	cairo_set_line_width(m->cr, 1);
	cairo_rectangle(m->cr, x, y, px / 2, 8);
	export_png_color(m->cr, &export_png_ink);
	cairo_fill_preserve(m->cr);
	cairo_stroke(m->cr);
	cairo_rectangle(m->cr, x + px / 2, y, px / 2, 8);
	export_png_color(m->cr, &white);
	cairo_fill_preserve(m->cr);
	export_png_color(m->cr, &export_png_ink);
	cairo_stroke(m->cr);
	export_png_text(m, x, y - 8, 15, 0, PNG_CENTER, &export_png_ink, "0");
	export_png_text(
	    m, x + px, y - 8, 15, 0, PNG_CENTER, &export_png_ink, label);
}

static void
png_north(struct png_map *m)
{
	double x = MAP_X + MAP_W - 44, y = MAP_Y + 30;

	export_png_color(m->cr, &export_png_ink);
	cairo_move_to(m->cr, x, y + 8);
	cairo_line_to(m->cr, x + 11, y + 46);
	cairo_line_to(m->cr, x, y + 38);
	cairo_line_to(m->cr, x - 11, y + 46);
	cairo_close_path(m->cr);
	cairo_fill(m->cr);
	export_png_text(m, x, y + 2, 18, 1, PNG_CENTER, &export_png_ink, "N");
}

static void
png_map(struct png_map *m, const struct coverage_report *r)
{
	struct png_ward_label *labels;
	size_t n;

	cairo_save(m->cr);
	cairo_rectangle(m->cr, MAP_X, MAP_Y, MAP_W, MAP_H);
	cairo_clip(m->cr);
	labels = png_wards(m, r, &n);
	png_pieces(m, r);
	png_ward_labels(m, labels, n);
	free(labels);
	if (r->npieces == 0) {
		export_png_text(m, m->cx, m->cy, 28, 0, PNG_CENTER,
		    &export_png_muted,
		    export_png_label(m, "この週の対象区間はありません",
		        "No pieces in this report"));
	}
	cairo_restore(m->cr);

	png_scale_bar(m);
	png_north(m);
	cairo_rectangle(m->cr, MAP_X + 0.5, MAP_Y + 0.5, MAP_W - 1, MAP_H - 1);
	export_png_color(m->cr, &export_png_rule);
	cairo_set_line_width(m->cr, 1);
	cairo_stroke(m->cr);
}

static cairo_status_t
png_write_cb(void *closure, const unsigned char *data, unsigned int len)
{
	FILE *out = closure;

	if (fwrite(data, 1, len, out) != len)
		return CAIRO_STATUS_WRITE_ERROR;
	return CAIRO_STATUS_SUCCESS;
}

/* The whole wall map: title, map, panel, credits on white. */
static void
png_draw(struct png_map *m, const void *arg)
{
	const struct coverage_report *r = arg;

	png_fit(m, r);
	cairo_set_source_rgb(m->cr, 1, 1, 1);
	cairo_paint(m->cr);
	export_png_title(m, r);
	png_map(m, r);
	export_png_panel(m, r);
	export_png_credits(m, r);
}

int
export_png(const struct coverage_report *r, FILE *out, char **cause)
{
	cairo_status_t status;

	status =
	    export_png_render(PNG_W, PNG_H, png_draw, r, png_write_cb, out);
	if (status == CAIRO_STATUS_SUCCESS && fflush(out) == 0)
		return 0;
	*cause = xasprintf("cannot draw the PNG: %s",
	    status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(status)
	                                   : "write failed");
	return -1;
}

/*
 * The PNG wall map's parts, private to them: export_png.c draws the map
 * and writes the file, export_png_panel.c the title, legend, tables and
 * credits around it, export_png_draw.c the palette and text helpers both
 * (and outlook_chart.c) use. Calls go one way: map -> panel -> draw.
 */
#ifndef PATROL_EXPORT_PNG_H
#define PATROL_EXPORT_PNG_H

#include <cairo.h>

#include "report.h"

struct ward_set;

#define PNG_W 1600
#define PNG_H 1200

/* The map frame, the panel beside it, the credits under both. */
#define MAP_X    40.0
#define MAP_Y    112.0
#define MAP_W    1140.0
#define MAP_H    1000.0
#define PANEL_X  1212.0
#define PANEL_W  348.0
#define CREDIT_Y 1146.0

/* Wards or kinds tallied; Osaka has 24 wards, the most in Japan. */
#define PNG_MAX_ROWS 32

struct png_rgb {
	double r, g, b;
};

/*
 * The same palette as the KML: green and red differ in lightness too, so
 * they stay apart for red-green colour blindness and in a greyscale copy.
 */
struct png_state_style {
	enum report_state state;
	struct png_rgb rgb;
	double width; /* pixels at street scale */
	const char *ja, *en;
};
#define PNG_NSTATES 3
/*
 * Indexed by enum report_state, whose order is also the drawing order:
 * grey, then green, then red on top, so overdue is never hidden.
 */
extern const struct png_state_style export_png_states[PNG_NSTATES];
extern const struct png_rgb export_png_ink, export_png_muted, export_png_rule,
    export_png_ward_line;

enum png_align { PNG_LEFT, PNG_CENTER, PNG_RIGHT };

struct png_map {
	cairo_t *cr;
	const char *family;
	int ja;    /* the family has Japanese glyphs */
	int focus; /* the report is about one ward that we have */
	/* The projection: pixels = centre + (degrees - origin) * k * scale. */
	double lon0, lat0, kx, ky, scale, cx, cy;
};

/* export_png_draw.c */
const char *export_png_label(
    const struct png_map *, const char *ja, const char *en);
void export_png_color(cairo_t *, const struct png_rgb *);
/*
 * A w x h RGB24 picture (no transparency: the file is smaller) with a
 * Japanese font when one is installed (m->family, m->ja): draw(m, arg)
 * paints it, then it goes out as PNG through write(closure). Returns
 * cairo's status of the whole.
 */
cairo_status_t export_png_render(int w, int h,
    void (*draw)(struct png_map *, const void *), const void *arg,
    cairo_write_func_t write, void *closure);
double export_png_text(struct png_map *, double x, double y, double size,
    int bold, enum png_align, const struct png_rgb *, const char *);
const char *export_png_short_name(const char *);
long export_png_find_ward(const struct ward_set *, const char *code);

/* export_png_panel.c */
void export_png_title(struct png_map *, const struct coverage_report *);
void export_png_panel(struct png_map *, const struct coverage_report *);
void export_png_credits(struct png_map *, const struct coverage_report *);

#endif

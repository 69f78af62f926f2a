/*
 * The outlook as a picture (issue 17): a PNG bar chart drawn with cairo,
 * server-side, so the console needs no charting library.
 */
#ifndef PATROL_OUTLOOK_CHART_H
#define PATROL_OUTLOOK_CHART_H

#include <stddef.h>

#include "compiler.h"

struct outlook_chart {
	const char *title_ja, *title_en;
	/* weeks shown: past ones (actual >= 0), then ahead (actual < 0) */
	size_t nweeks;
	const double *actual;      /* <0: ahead */
	const double *baseline;    /* past-years average, <0 none */
	const double *expected;    /* <0 none */
	const char *const *labels; /* month label at a week, or NULL */
	long peak;                 /* index of the peak week, -1 none */
	const char *note_ja, *note_en;
};

/*
 * Draws the chart; on success *png (caller frees) holds *len bytes.
 * -1 with *cause (caller frees) when cairo fails.
 */
PATROL_MUSTCHECK int outlook_chart_png(const struct outlook_chart *,
    unsigned char **png, size_t *len, char **cause)
    __attribute__((warn_unused_result));

#endif

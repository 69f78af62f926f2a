/*
 * The seasonal outlook (issue 17), a model simple enough to say on screen:
 * a week ahead is expected to see the average of the same week in the past
 * years (52, 104, ... weeks earlier), scaled by this year's trend to date
 * (this year's weeks so far divided by the same weeks' past average). The
 * peak is the week ahead with the most expected; the crews it needs are
 * that week's expected jobs over one crew's jobs per week at the office's
 * throughput. Pure: no I/O, no libevent/libpq.
 */
#ifndef PATROL_OUTLOOK_H
#define PATROL_OUTLOOK_H

#include <stddef.h>

#include "compiler.h"

#define OUTLOOK_YEAR_WEEKS 52
#define OUTLOOK_TREND_MIN  0.25
#define OUTLOOK_TREND_MAX  4.0
/* Below this many past-average jobs the trend is not measured (1.0). */
#define OUTLOOK_TREND_MIN_BASE 5.0

struct outlook_in {
	/*
	 * Jobs per week, oldest first; counts[nweeks - 1] is the current
	 * (unfinished) week. Weeks before first_week had no records at all
	 * (the history had not started) and are not read as zeros.
	 */
	const int *counts;
	size_t nweeks;
	size_t first_week;
	/* Weeks of the current calendar year so far, the current included. */
	size_t year_weeks;
	size_t horizon;      /* weeks ahead to forecast */
	double per_crew_day; /* jobs one crew does in a working day */
	int days_per_week;   /* working days */
};

struct outlook_out {
	double *baseline; /* [nweeks + horizon]: past-years average, <0 none */
	double *expected; /* [horizon]: baseline * trend, <0 no past data */
	double trend;     /* 1.0 when not measured */
	int trend_measured;
	int trend_clamped;
	double actual_to_date, baseline_to_date;
	long peak; /* index into expected, -1 if none */
	double peak_expected;
	int crews_needed;
	int past_years; /* most past years any week ahead averages */
};

/* 0, or -1 with *cause (caller frees) for inputs that make no sense. */
PATROL_MUSTCHECK int outlook_compute(const struct outlook_in *,
    struct outlook_out *, char **cause) __attribute__((warn_unused_result));
void outlook_out_free(struct outlook_out *);

#endif

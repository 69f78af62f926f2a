/*
 * The outlook's arithmetic; see outlook.h for the model in words.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "outlook.h"
#include "xmalloc.h"

/* Average of the weeks 52, 104, ... before k that lie in the history. */
static double
outlook_past_average(const struct outlook_in *in, size_t k, int *years)
{
	double sum = 0;
	int n = 0;
	size_t back;

	/* Only complete weeks: the current one is not over yet. */
	for (back = OUTLOOK_YEAR_WEEKS; back <= k; back += OUTLOOK_YEAR_WEEKS) {
		size_t j = k - back;

		if (j < in->first_week || j + 1 >= in->nweeks)
			continue;
		sum += in->counts[j];
		n++;
	}
	if (years != NULL)
		*years = n;
	return n > 0 ? sum / n : -1;
}

int
outlook_compute(
    const struct outlook_in *in, struct outlook_out *o, char **cause)
{
	size_t k, total, from;
	double perweek;
	int years;

	memset(o, 0, sizeof *o);
	o->peak = -1;
	o->trend = 1.0;
	if (in->nweeks == 0 || in->horizon == 0 || in->horizon > 520 ||
	    in->first_week >= in->nweeks || in->year_weeks == 0 ||
	    in->year_weeks > 53 || !(in->per_crew_day > 0) ||
	    in->days_per_week < 1 || in->days_per_week > 7) {
		*cause = xstrdup("outlook: weeks, horizon, throughput or "
		                 "working days out of range");
		return -1;
	}
	total = in->nweeks + in->horizon;
	o->baseline = xreallocarray(NULL, total, sizeof *o->baseline);
	o->expected = xreallocarray(NULL, in->horizon, sizeof *o->expected);
	for (k = 0; k < total; k++)
		o->baseline[k] = outlook_past_average(in, k, NULL);
	/* This year's complete weeks against their past average. */
	from = in->nweeks > in->year_weeks ? in->nweeks - in->year_weeks : 0;
	for (k = from; k + 1 < in->nweeks; k++) {
		if (k < in->first_week || o->baseline[k] < 0)
			continue;
		o->actual_to_date += in->counts[k];
		o->baseline_to_date += o->baseline[k];
	}
	if (o->baseline_to_date >= OUTLOOK_TREND_MIN_BASE) {
		o->trend_measured = 1;
		o->trend = o->actual_to_date / o->baseline_to_date;
		if (o->trend < OUTLOOK_TREND_MIN ||
		    o->trend > OUTLOOK_TREND_MAX) {
			o->trend_clamped = 1;
			o->trend = o->trend < OUTLOOK_TREND_MIN
			    ? OUTLOOK_TREND_MIN
			    : OUTLOOK_TREND_MAX;
		}
	}
	o->peak_expected = -1;
	for (k = 0; k < in->horizon; k++) {
		size_t at = in->nweeks + k;

		(void)outlook_past_average(in, at, &years);
		if (years > o->past_years)
			o->past_years = years;
		o->expected[k] =
		    o->baseline[at] < 0 ? -1 : o->baseline[at] * o->trend;
		if (o->expected[k] > o->peak_expected && o->expected[k] > 0) {
			o->peak_expected = o->expected[k];
			o->peak = (long)k;
		}
	}
	if (o->peak < 0)
		o->peak_expected = 0;
	perweek = in->per_crew_day * in->days_per_week;
	o->crews_needed = (int)ceil(o->peak_expected / perweek - 1e-9);
	return 0;
}

void
outlook_out_free(struct outlook_out *o)
{
	free(o->baseline);
	free(o->expected);
	o->baseline = o->expected = NULL;
}

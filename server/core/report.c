/*
 * The weekly coverage report's own lifetime and the names of its states,
 * which the writers (export_*.c) put in what they write. Picking a writer
 * by name is export.c's, a level above the writers.
 */
#include <stdlib.h>

#include "report.h"

const char *
report_state_name(enum report_state state)
{
	switch (state) {
	case REPORT_NOT_DUE:
		return "not_due";
	case REPORT_INSPECTED:
		return "inspected";
	case REPORT_OVERDUE:
		return "overdue";
	}
	return "unknown";
}

/*
 * Frees the report and all it owns: coverage_week_run hands each report
 * over allocated, and its callers free it with this alone.
 */
void
report_free(struct coverage_report *r)
{
	struct report_piece *p;
	struct report_summary *s;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->npieces; i++) {
		p = &r->pieces[i];
		free(p->kind);
		free(p->class);
		free(p->name);
		free(p->ward_code);
		free(p->lonlat);
		free(p->last_inspected);
		free(p->due_at);
		free(p->credit);
	}
	free(r->pieces);
	for (i = 0; i < r->nsummary; i++) {
		s = &r->summary[i];
		free(s->ward_code);
		free(s->ward_name);
		free(s->kind);
		free(s->class);
	}
	free(r->summary);
	free(r->ward_code);
	free(r->ward_name);
	free(r->start);
	free(r->end);
	free(r->crs);
	free(r);
}

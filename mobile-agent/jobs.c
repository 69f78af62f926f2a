/*
 * The crew's commands: list and show its jobs, take each step, report
 * findings, start and stop patrols, the way back. They parse the command
 * line and call jobs_record.c, which writes to the outbox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs_int.h"

static int
jobs_parse_id(const char *cmd, const char *s, long long *id)
{
	char *end;

	*id = s != NULL ? strtoll(s, &end, 10) : 0;
	if (s == NULL || *s == '\0' || *end != '\0' || *id < 1) {
		fprintf(stderr,
		    "patrol-agent: %s: give a job number (see "
		    "'patrol-agent jobs')\n",
		    cmd);
		return -1;
	}
	return 0;
}

/* --lat/--lon into rec (1), neither (0), or a mistake (-1). */
static int
jobs_opt_position(
    struct args_opt *lat, struct args_opt *lon, struct jobs_rec *rec)
{
	char *e1, *e2;

	if (lat->value == NULL && lon->value == NULL)
		return 0;
	if (lat->value == NULL || lon->value == NULL)
		return -1;
	rec->lat = strtod(lat->value, &e1);
	rec->lon = strtod(lon->value, &e2);
	if (*e1 != '\0' || *e2 != '\0')
		return -1;
	rec->has_pos = 1;
	return 1;
}

/*
 * The options done and finding share, at the same places in their tables:
 * o[1] --note, o[2] --photo, o[3] --answer.
 */
static void
jobs_opt_form(const struct args_opt *o, struct jobs_rec *rec)
{
	rec->note = o[1].value;
	rec->photos = o[2].values;
	rec->nphotos = o[2].n;
	rec->answers = o[3].values;
	rec->nanswers = o[3].n;
}

static int
jobs_fail(const char *cmd, char *cause)
{
	fprintf(stderr, "patrol-agent: %s: %s\n", cmd,
	    cause != NULL ? cause : "failed");
	free(cause);
	return AGENT_EXIT_FAIL;
}

static int
jobs_step(struct agent *a, const char *cmd, const char *action, int argc,
    char **argv, int needs_reason)
{
	struct args_opt o[] = {{.name = "reason"}, {.name = "note"},
	    {.name = "lat"}, {.name = "lon"}, {.name = NULL}};
	struct jobs_rec rec = {0};
	const char *p[1];
	char *cause = NULL;

	if (agent_args(cmd, argc, argv, o, p, 1) != 1 ||
	    jobs_parse_id(cmd, p[0], &rec.id) != 0 ||
	    (needs_reason && o[0].value == NULL))
		return agent_usage(a, cmd);
	if (jobs_opt_position(&o[2], &o[3], &rec) < 0) {
		fprintf(stderr,
		    "patrol-agent: %s: --lat and --lon are WGS84 "
		    "degrees, both or neither\n",
		    cmd);
		return AGENT_EXIT_USAGE;
	}
	rec.reason = o[0].value;
	rec.note = o[1].value;
	if (jobs_record_step(a, action, &rec, &cause) != 0)
		return jobs_fail(cmd, cause);
	printf(
	    "OK %s job %lld (%lld to send)\n", cmd, rec.id, outbox_pending(a));
	return 0;
}

int
jobs_accept(struct agent *a, int argc, char **argv)
{
	return jobs_step(a, "accept", "accept", argc, argv, 0);
}

int
jobs_reject(struct agent *a, int argc, char **argv)
{
	return jobs_step(a, "reject", "reject", argc, argv, 1);
}

int
jobs_unable(struct agent *a, int argc, char **argv)
{
	return jobs_step(a, "unable", "unable", argc, argv, 1);
}

int
jobs_status(struct agent *a, int argc, char **argv)
{
	if (strcmp(argv[0], "en-route") == 0)
		return jobs_step(
		    a, "status en-route", "en_route", argc - 1, argv + 1, 0);
	if (strcmp(argv[0], "on-site") == 0)
		return jobs_step(
		    a, "status on-site", "on_site", argc - 1, argv + 1, 0);
	/* Any other word or option is named, then the usage. */
	(void)agent_args("status", argc, argv, NULL, NULL, 0);
	return agent_usage(a, "status");
}

int
jobs_done(struct agent *a, int argc, char **argv)
{
	struct args_opt o[] = {{.name = "outcome"}, {.name = "note"},
	    {.name = "photo"}, {.name = "answer"}, {.name = "lat"},
	    {.name = "lon"}, {.name = NULL}};
	struct jobs_rec rec = {0};
	const char *p[1];
	char *cause = NULL;

	if (agent_args("done", argc, argv, o, p, 1) != 1 ||
	    jobs_parse_id("done", p[0], &rec.id) != 0 || o[0].value == NULL)
		return agent_usage(a, "done");
	if (jobs_opt_position(&o[4], &o[5], &rec) < 0) {
		fprintf(stderr,
		    "patrol-agent: done: --lat and --lon are WGS84 "
		    "degrees, both or neither\n");
		return AGENT_EXIT_USAGE;
	}
	rec.outcome = o[0].value;
	jobs_opt_form(o, &rec);
	if (jobs_record_done(a, &rec, &cause) != 0)
		return jobs_fail("done", cause);
	printf("OK done job %lld: %s, %d photo(s) (%lld to send)\n", rec.id,
	    rec.outcome, rec.nphotos, outbox_pending(a));
	return 0;
}

int
jobs_finding(struct agent *a, int argc, char **argv)
{
	struct args_opt o[] = {{.name = "category"}, {.name = "note"},
	    {.name = "photo"}, {.name = "answer"}, {.name = "lat"},
	    {.name = "lon"}, {.name = "address"}, {.name = NULL}};
	struct jobs_rec rec = {0};
	char *cause = NULL;

	if (agent_args("finding", argc, argv, o, NULL, 0) != 0 ||
	    o[0].value == NULL || jobs_opt_position(&o[4], &o[5], &rec) < 0)
		return agent_usage(a, "finding");
	rec.category = o[0].value;
	jobs_opt_form(o, &rec);
	rec.address = o[6].value;
	if (jobs_record_finding(a, &rec, &cause) != 0) {
		if (!rec.has_pos && cause != NULL &&
		    strncmp(cause, "no recent GPS fix", 17) == 0) {
			fprintf(stderr, "patrol-agent: finding: %s\n", cause);
			free(cause);
			return AGENT_EXIT_USAGE;
		}
		return jobs_fail("finding", cause);
	}
	printf("OK finding %s recorded (%lld to send)\n", rec.category,
	    outbox_pending(a));
	return 0;
}

int
jobs_patrol(struct agent *a, int argc, char **argv)
{
	const char *p[1];
	char *cause;
	int start;

	if (agent_args("patrol", argc, argv, NULL, p, 1) != 1 ||
	    (strcmp(p[0], "start") != 0 && strcmp(p[0], "stop") != 0))
		return agent_usage(a, "patrol");
	start = strcmp(p[0], "start") == 0;
	if (jobs_patrol_mark(a, start, NULL, 0, &cause) != 0)
		return jobs_fail("patrol", cause);
	printf("OK patrol %s (%lld to send)\n", p[0], outbox_pending(a));
	return 0;
}

/*
 * The way back: "wayback" lists the overdue pieces near the way to the
 * office (asks the server: needs the link); "wayback take PIECE..." starts
 * a patrol for them, offline like "patrol start"; the pieces go with the
 * start mark so the dispatcher sees what the crew chose.
 */
int
jobs_wayback(struct agent *a, int argc, char **argv)
{
	struct args_opt o[] = {
	    {.name = "lat"}, {.name = "lon"}, {.name = NULL}};
	Patrol__Sync__V1__Position pos;
	const char *p[1 + AGENT_ARGS_MAX] = {NULL};
	struct jobs_rec rec = {0};
	int64_t pieces[AGENT_ARGS_MAX];
	char *cause = NULL, *end;
	int n, has, i;

	if ((n = agent_args("wayback", argc, argv, o, p, 1 + AGENT_ARGS_MAX)) <
	        0 ||
	    (n > 0 &&
	        (strcmp(p[0], "take") != 0 || n < 2 || o[0].value != NULL ||
	            o[1].value != NULL)))
		goto usage;
	if (n >= 2) {
		for (i = 1; i < n; i++) {
			pieces[i - 1] = strtoll(p[i], &end, 10);
			if (*p[i] == '\0' || *end != '\0' ||
			    pieces[i - 1] < 1) {
				fprintf(stderr,
				    "patrol-agent: wayback: give piece numbers "
				    "(see 'patrol-agent wayback')\n");
				return AGENT_EXIT_USAGE;
			}
		}
		if (jobs_patrol_mark(a, 1, pieces, (size_t)(n - 1), &cause) !=
		    0)
			return jobs_fail("wayback", cause);
		printf("OK patrol start for piece(s)");
		for (i = 1; i < n; i++)
			printf(" %s", p[i]);
		printf(" (%lld to send)\n", outbox_pending(a));
		return 0;
	}
	if (jobs_opt_position(&o[0], &o[1], &rec) < 0 ||
	    (has = jobs_position(a, &rec, &pos, &cause)) < 0) {
		free(cause);
		fprintf(stderr,
		    "patrol-agent: wayback: --lat and --lon are "
		    "WGS84 degrees, both or neither\n");
		return AGENT_EXIT_USAGE;
	}
	return sync_wayback(a, has, pos.lat, pos.lon);
usage:
	return agent_usage(a, "wayback");
}

static int
jobs_list_cb(const struct store_job_row *r, void *arg)
{
	const char *place = r->address != NULL && *r->address != '\0'
	    ? r->address
	    : r->description != NULL ? r->description
	                             : "";

	(void)arg;
	printf("%-7lld %-10s %-3d %-18s %.60s\n", r->id, r->state, r->priority,
	    r->category, place);
	return 0;
}

int
jobs_list(struct agent *a, int argc, char **argv)
{
	if (agent_args("jobs", argc, argv, NULL, NULL, 0) != 0)
		return agent_usage(a, "jobs");
	printf("%-7s %-10s %-3s %-18s %s\n", "ID", "STATE", "PRI", "CATEGORY",
	    "PLACE");
	if (store_jobs_list(a, jobs_list_cb, NULL) < 0)
		return jobs_fail("jobs", outbox_errmsg(a));
	return 0;
}

/* An unset text as the command line prints it. */
static const char *
jobs_str(const char *s)
{
	return s != NULL ? s : "";
}

static int
jobs_show_cb(const struct store_job_row *r, void *arg)
{
	(void)arg;
	printf("job %lld: %s\n", r->id, r->state);
	printf("category:  %s %s\n", r->category, jobs_str(r->category_name));
	printf("priority:  %d\n", r->priority);
	printf(
	    "place:     %.6f, %.6f %s\n", r->lat, r->lon, jobs_str(r->address));
	printf("details:   %s\n", jobs_str(r->description));
	printf("make safe: %s\n", jobs_str(r->due));
	printf("answers:   %s\n", jobs_str(r->answers));
	printf("outcomes:\n%s", r->outcomes);
	return 0;
}

static int
jobs_caller_cb(const struct store_caller_row *r, void *arg)
{
	(void)arg;
	printf("caller:    %s %s\n", jobs_str(r->name), jobs_str(r->phone));
	return 0;
}

int
jobs_show(struct agent *a, int argc, char **argv)
{
	const char *p[1];
	long long id;
	int found;

	if (agent_args("show", argc, argv, NULL, p, 1) != 1 ||
	    jobs_parse_id("show", p[0], &id) != 0)
		return agent_usage(a, "show");
	if ((found = store_jobs_get(a, id, jobs_show_cb, NULL)) < 0)
		return jobs_fail("show", outbox_errmsg(a));
	if (!found) {
		fprintf(stderr, "patrol-agent: show: no job %lld\n", id);
		return AGENT_EXIT_FAIL;
	}
	if (store_jobs_callers(a, id, jobs_caller_cb, NULL) < 0)
		return jobs_fail("show", outbox_errmsg(a));
	return 0;
}

/*
 * What a crew does: list and show its jobs, take each step (accept,
 * reject, en route, on site, done, unable), report findings, start and
 * stop patrols. Every step is written to the outbox in one transaction
 * with the job's new local state before "OK" is printed; the server
 * decides for good when the outbox is synced (a step the job no longer
 * allows comes back as a conflict, shown by "status").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent.h"

#define JOBS_FIX_MAX_AGE_MS (2 * 60 * 1000)

/*
 * A step's rule, from the server's life cycle (lifecycle.c's table, kept
 * from the last sync's settings): advice for the crew before the server
 * decides for good. The handheld has no list of its own.
 */
struct jobs_rule {
	char from[200]; /* space-separated states it is possible from */
	char to[32];    /* the job's local state afterwards */
	int closes;     /* the job leaves the crew: its callers are erased */
	int needs_reason;
};

static int
jobs_word_in(const char *word, const char *list)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\0'))
			return 1;
		p += len;
	}
	return 0;
}

static int
jobs_json_has(const json_t *list, const char *word)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
	{
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), word) == 0)
			return 1;
	}
	return 0;
}

static int
jobs_rule_get(
    struct agent *a, const char *action, struct jobs_rule *r, char **cause)
{
	char *text = outbox_get(a, "lifecycle");
	json_t *lc, *act, *v, *closed;
	const char *to;
	size_t i, used = 0;
	int clears;

	memset(r, 0, sizeof *r);
	lc = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (lc == NULL) {
		*cause = agent_strdup("the life cycle is not known yet; run "
		                      "'patrol-agent sync'");
		return -1;
	}
	act = json_object_get(json_object_get(lc, "actions"), action);
	to = json_string_value(json_object_get(act, "to"));
	if (to == NULL ||
	    !jobs_json_has(json_object_get(act, "roles"), "crew")) {
		*cause = agent_printf("no step called %s", action);
		json_decref(lc);
		return -1;
	}
	json_array_foreach(json_object_get(act, "from"), i, v)
	{
		if (json_is_string(v) &&
		    used + strlen(json_string_value(v)) + 2 < sizeof r->from)
			used += (size_t)snprintf(r->from + used,
			    sizeof r->from - used, "%s%s", used > 0 ? " " : "",
			    json_string_value(v));
	}
	clears = json_is_true(json_object_get(act, "clears_crew"));
	closed = json_object_get(json_object_get(lc, "sets"), "closed");
	/* Given back (reject): gone from this crew, whatever comes next. */
	snprintf(r->to, sizeof r->to, "%s", clears ? "rejected" : to);
	r->closes = clears || jobs_json_has(closed, to);
	r->needs_reason =
	    jobs_json_has(json_object_get(act, "needs"), "reason");
	json_decref(lc);
	return 0;
}

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

/* What jobs_get asks for, filled by jobs_get_cb. */
struct jobs_got {
	char *state;
	size_t len;
	char **outcomes;
};

static int
jobs_get_cb(const struct store_job_row *r, void *arg)
{
	struct jobs_got *g = arg;

	snprintf(g->state, g->len, "%s", r->state);
	if (g->outcomes != NULL)
		*g->outcomes = agent_strdup(r->outcomes);
	return 0;
}

/* The job's local state and outcome codes ("code\tname\n" lines). */
static int
jobs_get(
    struct agent *a, long long id, char *state, size_t len, char **outcomes)
{
	struct jobs_got g = {state, len, outcomes};

	return store_jobs_get(a, id, jobs_get_cb, &g);
}

/* --lat/--lon into rec (1), neither (0), or a mistake (-1). */
static int
jobs_opt_position(
    struct agent_opt *lat, struct agent_opt *lon, struct jobs_rec *rec)
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

/* The given position, else the newest GPS fix if it is recent. */
static int
jobs_position(struct agent *a, const struct jobs_rec *rec,
    Patrol__Sync__V1__Position *p, char **cause)
{
	struct gps_fix f;

	patrol__sync__v1__position__init(p);
	if (rec->has_pos) {
		if (!isfinite(rec->lat) || !isfinite(rec->lon) ||
		    fabs(rec->lat) > 90 || fabs(rec->lon) > 180) {
			*cause = agent_strdup("lat and lon are WGS84 degrees");
			return -1;
		}
		p->lat = rec->lat;
		p->lon = rec->lon;
		return 1;
	}
	if (track_last(a, JOBS_FIX_MAX_AGE_MS, &f) == 1) {
		p->lat = f.lat;
		p->lon = f.lon;
		return 1;
	}
	return 0;
}

static int
jobs_fail(const char *cmd, char *cause)
{
	fprintf(stderr, "patrol-agent: %s: %s\n", cmd,
	    cause != NULL ? cause : "failed");
	free(cause);
	return AGENT_EXIT_FAIL;
}

/*
 * Writes the packed item to the outbox and moves the job to its local
 * state, in one transaction: after this returns 0 the step survives a
 * crash or a pulled battery.
 */
static int
jobs_commit(struct agent *a, const char *kind, const char *what,
    const char *client_id, long long id, const uint8_t *buf, size_t len,
    const char *to, int closes, char **cause)
{
	if (outbox_add(a, kind, what, client_id, id, buf, len) != 0 ||
	    (to != NULL && store_jobs_set_state(a, id, to) != 0) ||
	    /* A closed job's personal data leaves the device at once. */
	    (closes && outbox_forget_callers(a, id) != 0)) {
		*cause = outbox_errmsg(a);
		return -1;
	}
	return outbox_commit(a, cause);
}

/* The step's rule, after checking the job allows it here. */
static int
jobs_step_check(struct agent *a, const char *action, long long id,
    struct jobs_rule *rule, char **outcomes, char **cause)
{
	char state[32];
	int found;

	if (jobs_rule_get(a, action, rule, cause) != 0)
		return -1;
	found = jobs_get(a, id, state, sizeof state, outcomes);
	if (found <= 0) {
		*cause = agent_printf("no job %lld on this device; run "
		                      "'patrol-agent sync'",
		    id);
		return -1;
	}
	if (!jobs_word_in(state, rule->from)) {
		*cause = agent_printf("job %lld is %s (possible when: %s)", id,
		    state, rule->from);
		if (outcomes != NULL) {
			free(*outcomes);
			*outcomes = NULL;
		}
		return -1;
	}
	return 0;
}

int
jobs_record_step(struct agent *a, const char *action,
    const struct jobs_rec *rec, char **cause)
{
	Patrol__Sync__V1__StatusChange m =
	    PATROL__SYNC__V1__STATUS_CHANGE__INIT;
	Patrol__Sync__V1__Position pos;
	struct jobs_rule rule;
	char cid[33];
	uint8_t *buf;
	size_t len;
	int has;

	if ((has = jobs_position(a, rec, &pos, cause)) < 0)
		return -1;
	if (jobs_rule_get(a, action, &rule, cause) != 0)
		return -1;
	if (rule.needs_reason &&
	    (rec->reason == NULL || *rec->reason == '\0')) {
		*cause = agent_printf("%s needs a reason", action);
		return -1;
	}
	if (outbox_begin(a, cause) != 0)
		return -1;
	if (jobs_step_check(a, action, rec->id, &rule, NULL, cause) != 0) {
		outbox_rollback(a);
		return -1;
	}
	agent_random_id(cid, 16);
	m.client_id = cid;
	m.request_id = rec->id;
	m.action = (char *)action;
	m.has_device_time_ms = 1;
	m.device_time_ms = agent_now_ms();
	m.position = has ? &pos : NULL;
	m.reason = (char *)rec->reason;
	m.note = (char *)rec->note;
	len = patrol__sync__v1__status_change__get_packed_size(&m);
	buf = agent_alloc(len);
	patrol__sync__v1__status_change__pack(&m, buf);
	if (jobs_commit(a, "status", action, cid, rec->id, buf, len, rule.to,
	        rule.closes, cause) != 0) {
		free(buf);
		outbox_rollback(a);
		return -1;
	}
	free(buf);
	return 0;
}

static int
jobs_step(struct agent *a, const char *cmd, const char *action, int argc,
    char **argv, int needs_reason)
{
	struct agent_opt o[] = {{.name = "reason"}, {.name = "note"},
	    {.name = "lat"}, {.name = "lon"}, {.name = NULL}};
	struct jobs_rec rec = {0};
	const char *p[1];
	char *cause = NULL;

	if (agent_args(cmd, argc, argv, o, p, 1) != 1 ||
	    jobs_parse_id(cmd, p[0], &rec.id) != 0 ||
	    (needs_reason && o[0].value == NULL)) {
		fprintf(stderr, "usage: patrol-agent %s ID%s [--note TEXT]\n",
		    cmd, needs_reason ? " --reason TEXT" : "");
		return AGENT_EXIT_USAGE;
	}
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
	fprintf(stderr, "usage: patrol-agent status [en-route|on-site ID]\n");
	return AGENT_EXIT_USAGE;
}

/* CODE=VALUE answers into Answer messages (text answers). */
static int
jobs_answers(const struct jobs_rec *rec, Patrol__Sync__V1__Answer *ans,
    Patrol__Sync__V1__Answer **ptrs, char **codes, char **cause)
{
	const char *eq, *v;
	int i;

	if (rec->nanswers > AGENT_ARGS_MAX) {
		*cause = agent_strdup("too many answers");
		return -1;
	}
	for (i = 0; i < rec->nanswers; i++) {
		v = rec->answers[i];
		if ((eq = strchr(v, '=')) == NULL || eq == v) {
			*cause =
			    agent_printf("answer '%s' is not CODE=VALUE", v);
			return -1;
		}
		patrol__sync__v1__answer__init(&ans[i]);
		codes[i] = agent_printf("%.*s", (int)(eq - v), v);
		ans[i].code = codes[i];
		ans[i].text = (char *)eq + 1;
		ptrs[i] = &ans[i];
	}
	return 0;
}

/* Copies the photos into the state directory (inside the transaction). */
static int
jobs_photos(struct agent *a, const struct jobs_rec *rec, char sha[][65],
    char **ptrs, char **cause)
{
	int i;

	if (rec->nphotos > AGENT_ARGS_MAX) {
		*cause = agent_strdup("too many photos");
		return -1;
	}
	for (i = 0; i < rec->nphotos; i++) {
		if (outbox_photo_add(a, rec->photos[i], sha[i], cause) != 0)
			return -1;
		ptrs[i] = sha[i];
	}
	return 0;
}

static int
jobs_outcome_ok(const char *outcomes, const char *code)
{
	size_t len = strlen(code);
	const char *p, *nl;

	if (*outcomes == '\0')
		return 1; /* not known here: the server checks */
	for (p = outcomes; p != NULL && *p != '\0';
	     p = (nl = strchr(p, '\n')) != NULL ? nl + 1 : NULL) {
		if (strncmp(p, code, len) == 0 && p[len] == '\t')
			return 1;
	}
	return 0;
}

int
jobs_record_done(struct agent *a, const struct jobs_rec *rec, char **cause)
{
	Patrol__Sync__V1__JobResult m = PATROL__SYNC__V1__JOB_RESULT__INIT;
	Patrol__Sync__V1__Position pos;
	Patrol__Sync__V1__Answer ans[AGENT_ARGS_MAX], *ansp[AGENT_ARGS_MAX];
	char sha[AGENT_ARGS_MAX][65], *shap[AGENT_ARGS_MAX];
	char *codes[AGENT_ARGS_MAX] = {0}, *outcomes = NULL, *what;
	char cid[33];
	uint8_t *buf = NULL;
	size_t len;
	struct jobs_rule rule;
	int has, i, rc = -1;

	if (rec->outcome == NULL || *rec->outcome == '\0') {
		*cause = agent_strdup("choose an outcome");
		return -1;
	}
	if (jobs_answers(rec, ans, ansp, codes, cause) != 0 ||
	    (has = jobs_position(a, rec, &pos, cause)) < 0)
		goto out;
	if (outbox_begin(a, cause) != 0)
		goto out;
	if (jobs_step_check(a, "done", rec->id, &rule, &outcomes, cause) != 0)
		goto rollback;
	if (!jobs_outcome_ok(outcomes, rec->outcome)) {
		*cause = agent_printf("'%s' is not an outcome of job %lld; see "
		                      "'patrol-agent show %lld'",
		    rec->outcome, rec->id, rec->id);
		goto rollback;
	}
	if (jobs_photos(a, rec, sha, shap, cause) != 0)
		goto rollback;
	agent_random_id(cid, 16);
	m.client_id = cid;
	m.request_id = rec->id;
	m.outcome = (char *)rec->outcome;
	m.note = (char *)rec->note;
	m.n_answers = (size_t)rec->nanswers;
	m.answers = ansp;
	m.position = has ? &pos : NULL;
	m.has_finished_ms = 1;
	m.finished_ms = agent_now_ms();
	m.n_photo_sha256 = (size_t)rec->nphotos;
	m.photo_sha256 = shap;
	len = patrol__sync__v1__job_result__get_packed_size(&m);
	buf = agent_alloc(len);
	patrol__sync__v1__job_result__pack(&m, buf);
	what = agent_printf("done:%s", rec->outcome);
	rc = jobs_commit(a, "result", what, cid, rec->id, buf, len, rule.to,
	    rule.closes, cause);
	free(what);
	if (rc != 0) {
		rc = -1;
		goto rollback;
	}
	rc = 0;
	goto out;
rollback:
	outbox_rollback(a);
out:
	for (i = 0; i < AGENT_ARGS_MAX; i++)
		free(codes[i]);
	free(outcomes);
	free(buf);
	return rc;
}

int
jobs_done(struct agent *a, int argc, char **argv)
{
	struct agent_opt o[] = {{.name = "outcome"}, {.name = "note"},
	    {.name = "photo"}, {.name = "answer"}, {.name = "lat"},
	    {.name = "lon"}, {.name = NULL}};
	struct jobs_rec rec = {0};
	const char *p[1];
	char *cause = NULL;

	if (agent_args("done", argc, argv, o, p, 1) != 1 ||
	    jobs_parse_id("done", p[0], &rec.id) != 0 || o[0].value == NULL) {
		fprintf(stderr,
		    "usage: patrol-agent done ID --outcome CODE "
		    "[--note TEXT] [--photo FILE]... [--answer "
		    "CODE=VALUE]...\n");
		return AGENT_EXIT_USAGE;
	}
	if (jobs_opt_position(&o[4], &o[5], &rec) < 0) {
		fprintf(stderr,
		    "patrol-agent: done: --lat and --lon are WGS84 "
		    "degrees, both or neither\n");
		return AGENT_EXIT_USAGE;
	}
	rec.outcome = o[0].value;
	rec.note = o[1].value;
	rec.photos = o[2].values;
	rec.nphotos = o[2].n;
	rec.answers = o[3].values;
	rec.nanswers = o[3].n;
	if (jobs_record_done(a, &rec, &cause) != 0)
		return jobs_fail("done", cause);
	printf("OK done job %lld: %s, %d photo(s) (%lld to send)\n", rec.id,
	    rec.outcome, rec.nphotos, outbox_pending(a));
	return 0;
}

int
jobs_record_finding(struct agent *a, const struct jobs_rec *rec, char **cause)
{
	Patrol__Sync__V1__Finding m = PATROL__SYNC__V1__FINDING__INIT;
	Patrol__Sync__V1__Position pos;
	Patrol__Sync__V1__Answer ans[AGENT_ARGS_MAX], *ansp[AGENT_ARGS_MAX];
	char sha[AGENT_ARGS_MAX][65], *shap[AGENT_ARGS_MAX];
	char *codes[AGENT_ARGS_MAX] = {0}, cid[33], *what;
	uint8_t *buf = NULL;
	size_t len;
	int i, has, rc = -1;

	if (rec->category == NULL || *rec->category == '\0') {
		*cause = agent_strdup("choose a category");
		return -1;
	}
	if (jobs_answers(rec, ans, ansp, codes, cause) != 0 ||
	    (has = jobs_position(a, rec, &pos, cause)) < 0)
		goto out;
	if (has == 0) {
		*cause =
		    agent_strdup("no recent GPS fix: give --lat and --lon");
		goto out;
	}
	if (outbox_begin(a, cause) != 0)
		goto out;
	if (jobs_photos(a, rec, sha, shap, cause) != 0) {
		outbox_rollback(a);
		goto out;
	}
	agent_random_id(cid, 16);
	m.client_id = cid;
	m.category = (char *)rec->category;
	m.position = &pos;
	m.note = (char *)rec->note;
	m.address = (char *)rec->address;
	m.n_answers = (size_t)rec->nanswers;
	m.answers = ansp;
	m.has_device_time_ms = 1;
	m.device_time_ms = agent_now_ms();
	m.n_photo_sha256 = (size_t)rec->nphotos;
	m.photo_sha256 = shap;
	len = patrol__sync__v1__finding__get_packed_size(&m);
	buf = agent_alloc(len);
	patrol__sync__v1__finding__pack(&m, buf);
	what = agent_printf("finding:%s", rec->category);
	i = jobs_commit(a, "finding", what, cid, 0, buf, len, NULL, 0, cause);
	free(what);
	if (i != 0) {
		outbox_rollback(a);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < AGENT_ARGS_MAX; i++)
		free(codes[i]);
	free(buf);
	return rc;
}

int
jobs_finding(struct agent *a, int argc, char **argv)
{
	struct agent_opt o[] = {{.name = "category"}, {.name = "note"},
	    {.name = "photo"}, {.name = "answer"}, {.name = "lat"},
	    {.name = "lon"}, {.name = "address"}, {.name = NULL}};
	struct jobs_rec rec = {0};
	char *cause = NULL;

	if (agent_args("finding", argc, argv, o, NULL, 0) != 0 ||
	    o[0].value == NULL || jobs_opt_position(&o[4], &o[5], &rec) < 0) {
		fprintf(stderr,
		    "usage: patrol-agent finding --category CODE "
		    "[--lat N --lon N] [--note TEXT] [--address "
		    "TEXT] [--photo FILE]... [--answer "
		    "CODE=VALUE]...\n");
		return AGENT_EXIT_USAGE;
	}
	rec.category = o[0].value;
	rec.note = o[1].value;
	rec.photos = o[2].values;
	rec.nphotos = o[2].n;
	rec.answers = o[3].values;
	rec.nanswers = o[3].n;
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
jobs_patrol_mark(struct agent *a, int start, const int64_t *pieces,
    size_t npieces, char **cause)
{
	Patrol__Sync__V1__PatrolMark m = PATROL__SYNC__V1__PATROL_MARK__INIT;
	Patrol__Sync__V1__Position pos;
	struct gps_fix f;
	char cid[33], sess[33], *cur;
	uint8_t *buf;
	size_t len;
	int rc;

	if (outbox_begin(a, cause) != 0)
		return -1;
	cur = outbox_get(a, "patrol_session");
	if ((start && cur != NULL) || (!start && cur == NULL)) {
		*cause = agent_strdup(start ? "a patrol is already running"
		                            : "no patrol is running");
		free(cur);
		outbox_rollback(a);
		return -1;
	}
	if (start) {
		agent_random_id(sess, 16);
		cur = agent_strdup(sess);
	} else if (track_flush(a, cause) != 0) {
		/* The patrol's own fixes go before its end. */
		free(cur);
		outbox_rollback(a);
		return -1;
	}
	agent_random_id(cid, 16);
	m.client_id = cid;
	m.kind = start ? PATROL__SYNC__V1__PATROL_MARK__KIND__START
	               : PATROL__SYNC__V1__PATROL_MARK__KIND__STOP;
	m.session_id = cur;
	m.has_device_time_ms = 1;
	m.device_time_ms = agent_now_ms();
	m.n_piece_ids = npieces;
	m.piece_ids = (int64_t *)pieces;
	if (track_last(a, JOBS_FIX_MAX_AGE_MS, &f) == 1) {
		patrol__sync__v1__position__init(&pos);
		pos.lat = f.lat;
		pos.lon = f.lon;
		m.position = &pos;
	}
	len = patrol__sync__v1__patrol_mark__get_packed_size(&m);
	buf = agent_alloc(len);
	patrol__sync__v1__patrol_mark__pack(&m, buf);
	rc = outbox_set(a, "patrol_session", start ? cur : NULL);
	free(cur);
	if (rc != 0 ||
	    jobs_commit(a, "patrol", start ? "patrol:start" : "patrol:stop",
	        cid, 0, buf, len, NULL, 0, cause) != 0) {
		if (rc != 0)
			*cause = outbox_errmsg(a);
		free(buf);
		outbox_rollback(a);
		return -1;
	}
	free(buf);
	return 0;
}

int
jobs_patrol(struct agent *a, int argc, char **argv)
{
	char *cause;
	int start;

	if (argc != 1 ||
	    (strcmp(argv[0], "start") != 0 && strcmp(argv[0], "stop") != 0)) {
		fprintf(stderr, "usage: patrol-agent patrol start|stop\n");
		return AGENT_EXIT_USAGE;
	}
	start = strcmp(argv[0], "start") == 0;
	if (jobs_patrol_mark(a, start, NULL, 0, &cause) != 0)
		return jobs_fail("patrol", cause);
	printf("OK patrol %s (%lld to send)\n", argv[0], outbox_pending(a));
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
	struct agent_opt o[] = {
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
	fprintf(stderr,
	    "usage: patrol-agent wayback [--lat N --lon N]\n"
	    "       patrol-agent wayback take PIECE_ID...\n");
	return AGENT_EXIT_USAGE;
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
	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: patrol-agent jobs\n");
		return AGENT_EXIT_USAGE;
	}
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
	long long id;
	int found;

	if (argc != 1 || jobs_parse_id("show", argv[0], &id) != 0)
		return AGENT_EXIT_USAGE;
	if ((found = store_jobs_get(a, id, jobs_show_cb, NULL)) < 0)
		return jobs_fail("show", outbox_errmsg(a));
	if (!found) {
		fprintf(stderr, "patrol-agent: show: no job %lld\n", id);
		return AGENT_EXIT_FAIL;
	}
	store_jobs_callers(a, id, jobs_caller_cb, NULL);
	return 0;
}

/*
 * What a crew records: each step (accept, reject, en route, on site, done,
 * unable), findings and patrol marks. Every record is written to the
 * outbox in one transaction with the job's new local state before the
 * caller says "OK"; the server decides for good when the outbox is synced
 * (a step the job no longer allows comes back as a conflict, shown by
 * "status"). The command line (jobs.c) and the screen (screen.c) call
 * these.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field_limits.h"
#include "jobs_int.h"

#define JOBS_FIX_MAX_AGE_MS (2 * 60 * 1000)

/* The given position, else the newest GPS fix if it is recent. */
int
jobs_position(struct agent *a, const struct jobs_rec *rec,
    Patrol__Sync__V1__Position *p, char **cause)
{
	struct gps_fix f;

	patrol__sync__v1__position__init(p);
	if (rec->has_pos) {
		if (!isfinite(rec->lat) || !isfinite(rec->lon) ||
		    fabs(rec->lat) > 90 || fabs(rec->lon) > 180) {
			*cause = xstrdup("lat and lon are WGS84 degrees");
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

/*
 * Each text of rec within its limit, as the server's sync will judge it
 * (note_max: a step's or result's note, or a finding's description): 0, or
 * -1 with *cause, so that nothing too long is recorded only to be refused.
 */
static int
jobs_texts_check(const struct jobs_rec *rec, size_t note_max, char **cause)
{
	if ((*cause = field_too_long("reason", rec->reason, LIMIT_REASON)) !=
	        NULL ||
	    (*cause = field_too_long("note", rec->note, note_max)) != NULL ||
	    (*cause = field_too_long("outcome", rec->outcome, LIMIT_OUTCOME)) !=
	        NULL ||
	    (*cause = field_too_long("address", rec->address, LIMIT_ADDRESS)) !=
	        NULL)
		return -1;
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

	if (jobs_texts_check(rec, LIMIT_NOTE, cause) != 0 ||
	    (has = jobs_position(a, rec, &pos, cause)) < 0)
		return -1;
	if (jobs_rule_get(a, action, &rule, cause) != 0)
		return -1;
	if (rule.needs_reason &&
	    (rec->reason == NULL || *rec->reason == '\0')) {
		*cause = xasprintf("%s needs a reason", action);
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
	buf = xcalloc(1, len);
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

/*
 * What a result and a finding carry besides their own fields: the crew's
 * answers and photos, as their messages point at them, and the position.
 * Zeroed by the caller, read by jobs_form_read and jobs_form_photos,
 * freed by jobs_form_free.
 */
struct jobs_form {
	Patrol__Sync__V1__Answer ans[AGENT_ARGS_MAX], *ansp[AGENT_ARGS_MAX];
	char *codes[AGENT_ARGS_MAX]; /* the answers' codes, allocated */
	char sha[AGENT_ARGS_MAX][65], *shap[AGENT_ARGS_MAX];
	Patrol__Sync__V1__Position pos;
	int has_pos; /* jobs_position's answer */
};

static void
jobs_form_free(struct jobs_form *f)
{
	int i;

	for (i = 0; i < AGENT_ARGS_MAX; i++)
		free(f->codes[i]);
}

/*
 * rec's CODE=VALUE answers into Answer messages (text answers), and its
 * position (jobs_position): 0, or -1 with *cause.
 */
static int
jobs_form_read(struct agent *a, const struct jobs_rec *rec, struct jobs_form *f,
    char **cause)
{
	const char *eq, *v;
	int i;

	if (rec->nanswers > AGENT_ARGS_MAX) {
		*cause = xstrdup("too many answers");
		return -1;
	}
	for (i = 0; i < rec->nanswers; i++) {
		v = rec->answers[i];
		if ((eq = strchr(v, '=')) == NULL || eq == v) {
			*cause = xasprintf("answer '%s' is not CODE=VALUE", v);
			return -1;
		}
		patrol__sync__v1__answer__init(&f->ans[i]);
		if ((*cause = field_too_long(
		         "answers.text", eq + 1, LIMIT_ANSWER)) != NULL)
			return -1;
		f->codes[i] = xasprintf("%.*s", (int)(eq - v), v);
		f->ans[i].code = f->codes[i];
		f->ans[i].text = (char *)eq + 1;
		f->ansp[i] = &f->ans[i];
	}
	f->has_pos = jobs_position(a, rec, &f->pos, cause);
	return f->has_pos < 0 ? -1 : 0;
}

/*
 * Copies the photos into the state directory (inside the transaction),
 * recorded with the step they go with (job id, 0 for a finding).
 */
static int
jobs_form_photos(struct agent *a, const struct jobs_rec *rec, long long id,
    const char *what, struct jobs_form *f, char **cause)
{
	int i;

	if (rec->nphotos > AGENT_ARGS_MAX) {
		*cause = xstrdup("too many photos");
		return -1;
	}
	for (i = 0; i < rec->nphotos; i++) {
		if (outbox_photo_add(
		        a, rec->photos[i], id, what, f->sha[i], cause) != 0)
			return -1;
		f->shap[i] = f->sha[i];
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
	struct jobs_form f = {0};
	char *outcomes = NULL, *what = NULL;
	char cid[33];
	uint8_t *buf = NULL;
	size_t len;
	struct jobs_rule rule;
	int rc = -1;

	if (rec->outcome == NULL || *rec->outcome == '\0') {
		*cause = xstrdup("choose an outcome");
		return -1;
	}
	if (jobs_texts_check(rec, LIMIT_NOTE, cause) != 0 ||
	    jobs_form_read(a, rec, &f, cause) != 0)
		goto out;
	if (outbox_begin(a, cause) != 0)
		goto out;
	if (jobs_step_check(a, "done", rec->id, &rule, &outcomes, cause) != 0)
		goto rollback;
	if (!jobs_outcome_ok(outcomes, rec->outcome)) {
		*cause = xasprintf("'%s' is not an outcome of job %lld; see "
		                   "'patrol-agent show %lld'",
		    rec->outcome, rec->id, rec->id);
		goto rollback;
	}
	what = xasprintf("done:%s", rec->outcome);
	if (jobs_form_photos(a, rec, rec->id, what, &f, cause) != 0)
		goto rollback;
	agent_random_id(cid, 16);
	m.client_id = cid;
	m.request_id = rec->id;
	m.outcome = (char *)rec->outcome;
	m.note = (char *)rec->note;
	m.n_answers = (size_t)rec->nanswers;
	m.answers = f.ansp;
	m.position = f.has_pos ? &f.pos : NULL;
	m.has_finished_ms = 1;
	m.finished_ms = agent_now_ms();
	m.n_photo_sha256 = (size_t)rec->nphotos;
	m.photo_sha256 = f.shap;
	len = patrol__sync__v1__job_result__get_packed_size(&m);
	buf = xcalloc(1, len);
	patrol__sync__v1__job_result__pack(&m, buf);
	rc = jobs_commit(a, "result", what, cid, rec->id, buf, len, rule.to,
	    rule.closes, cause);
	if (rc != 0) {
		rc = -1;
		goto rollback;
	}
	rc = 0;
	goto out;
rollback:
	outbox_rollback(a);
out:
	jobs_form_free(&f);
	free(outcomes);
	free(what);
	free(buf);
	return rc;
}

int
jobs_record_finding(struct agent *a, const struct jobs_rec *rec, char **cause)
{
	Patrol__Sync__V1__Finding m = PATROL__SYNC__V1__FINDING__INIT;
	struct jobs_form f = {0};
	char cid[33], *what = NULL;
	uint8_t *buf = NULL;
	size_t len;
	int rc = -1;

	if (rec->category == NULL || *rec->category == '\0') {
		*cause = xstrdup("choose a category");
		return -1;
	}
	if (jobs_texts_check(rec, LIMIT_DESCRIPTION, cause) != 0 ||
	    jobs_form_read(a, rec, &f, cause) != 0)
		goto out;
	if (f.has_pos == 0) {
		*cause = xstrdup("no recent GPS fix: give --lat and --lon");
		goto out;
	}
	if (outbox_begin(a, cause) != 0)
		goto out;
	what = xasprintf("finding:%s", rec->category);
	if (jobs_form_photos(a, rec, 0, what, &f, cause) != 0) {
		outbox_rollback(a);
		goto out;
	}
	agent_random_id(cid, 16);
	m.client_id = cid;
	m.category = (char *)rec->category;
	m.position = &f.pos;
	m.note = (char *)rec->note;
	m.address = (char *)rec->address;
	m.n_answers = (size_t)rec->nanswers;
	m.answers = f.ansp;
	m.has_device_time_ms = 1;
	m.device_time_ms = agent_now_ms();
	m.n_photo_sha256 = (size_t)rec->nphotos;
	m.photo_sha256 = f.shap;
	len = patrol__sync__v1__finding__get_packed_size(&m);
	buf = xcalloc(1, len);
	patrol__sync__v1__finding__pack(&m, buf);
	if (jobs_commit(a, "finding", what, cid, 0, buf, len, NULL, 0, cause) !=
	    0) {
		outbox_rollback(a);
		goto out;
	}
	rc = 0;
out:
	jobs_form_free(&f);
	free(what);
	free(buf);
	return rc;
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
		*cause = xstrdup(start ? "a patrol is already running"
		                       : "no patrol is running");
		free(cur);
		outbox_rollback(a);
		return -1;
	}
	if (start) {
		agent_random_id(sess, 16);
		cur = xstrdup(sess);
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
	buf = xcalloc(1, len);
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

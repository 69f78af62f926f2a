/*
 * SQL for operations (issue 18): whether a database is empty (restore's
 * precondition), the schema version a backup holds, and the audit row of
 * a backup or restore (both read callers' personal data).
 */
#ifndef PATROL_STORE_OPS_H
#define PATROL_STORE_OPS_H

#include <libpq-fe.h>

#include "db.h"

struct retention_params;

/*
 * *relations: tables, views, sequences and types of the database's own
 * (not an extension's, not the system's); *dbname its name. Caller frees
 * *dbname. -1 with *cause.
 */
int store_ops_contents(
    struct db *, long *relations, char **dbname, char **cause);
/* The newest applied migration ("" when none); caller frees. */
int store_ops_schema_version(struct db *, char **version, char **cause);
/* One audit_log row by actor 'patrolctl'; detail is a JSON object. */
int store_ops_audit(
    struct db *, const char *action, const char *detail, char **cause);

/*
 * /metrics (metrics_business.c): rows of (name, labels in Prometheus
 * syntax, value), ordered by name; and the current ISO week ("2026-W49")
 * in the session's time zone.
 */
void store_ops_metrics_q(struct db *, db_cb, void *arg);
struct store_metric {
	const char *name;
	const char *labels; /* Prometheus syntax, without braces */
	const char *value;  /* as the database wrote it */
};
/* Row i of store_ops_metrics_q: 1 with *m, 0 past the last row. */
int store_ops_metrics_row(const PGresult *, int i, struct store_metric *m);
/* /healthz: the smallest round trip (DB_OK or not; no rows to read). */
void store_ops_ping_q(struct db *, db_cb, void *arg);
/* One row, one column (read it with store_result_text). */
void store_ops_current_week_q(struct db *, db_cb, void *arg);

/* Retention (store_ops_retention.c): schema/functions/retention_*.sql. */
/*
 * retention_purge(): the result is its JSON (counts, or "skipped" with
 * the reason). force: even if a purge finished in the last 20 hours.
 */
void store_ops_purge_q(struct db *, const struct retention_params *,
    const char *actor, int force, db_cb, void *arg);
int store_ops_purge(struct db *, const struct retention_params *,
    const char *actor, int force, char **result, char **cause);
/*
 * For patrolctl retention status: *kinds (kind, due now, next due, kept),
 * *partitions (name, month, rows, drop time, due) and *last (the last
 * purge: time, actor, result; no row before the first). Times are text
 * in the session's time zone. The caller PQclear()s all three. Read them
 * with the three decoders below; strings live as long as the result.
 */
int store_ops_retention_status(struct db *, const struct retention_params *,
    PGresult **kinds, PGresult **partitions, PGresult **last, char **cause);
struct store_retention_kind {
	const char *kind; /* "callers", "fixes", ... */
	const char *due_now;
	const char *next_due; /* "-" when nothing is due later */
	const char *kept;     /* callers: kept for open requests */
};
struct store_retention_partition {
	const char *name;
	const char *month; /* YYYY-MM */
	const char *rows;
	const char *drop_at;
	int due; /* dropped at the next purge */
};
struct store_retention_run {
	const char *finished_at;
	const char *actor;
	const char *removed; /* JSON counts */
};
/* Row i of *kinds / *partitions: 1 with the row, 0 past the last one. */
int store_ops_retention_kind_row(
    const PGresult *, int i, struct store_retention_kind *);
int store_ops_retention_partition_row(
    const PGresult *, int i, struct store_retention_partition *);
/* *last's row: 1 with it, 0 before the first purge. */
int store_ops_retention_last_row(
    const PGresult *, struct store_retention_run *);

#endif

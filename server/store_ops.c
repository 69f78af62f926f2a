#include <stdlib.h>

#include <libpq-fe.h>

#include "db.h"
#include "store_ops.h"
#include "store_result.h"
#include "xmalloc.h"

int
store_ops_contents(struct db *db, long *relations, char **dbname, char **cause)
{
	PGresult *res;

	/* Objects that belong to an extension (pg_depend 'e') do not count. */
	if (db_query_sync(db,
	        "SELECT (SELECT count(*) FROM pg_class c"
	        "  JOIN pg_namespace n ON n.oid = c.relnamespace"
	        "  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
	        "    AND n.nspname NOT LIKE 'pg\\_toast%'"
	        "    AND n.nspname NOT LIKE 'pg\\_temp%'"
	        "    AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
	        "    AND NOT EXISTS (SELECT 1 FROM pg_depend d"
	        "      WHERE d.classid = 'pg_class'::regclass"
	        "        AND d.objid = c.oid AND d.deptype = 'e'))"
	        " + (SELECT count(*) FROM pg_proc p"
	        "  JOIN pg_namespace n ON n.oid = p.pronamespace"
	        "  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
	        "    AND NOT EXISTS (SELECT 1 FROM pg_depend d"
	        "      WHERE d.classid = 'pg_proc'::regclass"
	        "        AND d.objid = p.oid AND d.deptype = 'e')),"
	        " current_database()",
	        0, NULL, &res, cause) != 0)
		return -1;
	*relations = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	*dbname = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

int
store_ops_schema_version(struct db *db, char **version, char **cause)
{
	PGresult *res;

	if (db_query_sync(db,
	        "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL"
	        " THEN '' ELSE (SELECT coalesce(max(version)::text, '')"
	        " FROM schema_migrations) END",
	        0, NULL, &res, cause) != 0)
		return -1;
	*version = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int
store_ops_audit(
    struct db *db, const char *action, const char *detail, char **cause)
{
	const char *p[] = {action, detail};

	return db_query_sync(db,
	    "INSERT INTO audit_log (actor, action, object_type, detail)"
	    " VALUES ('patrolctl', $1, 'database', $2::jsonb)",
	    2, p, NULL, cause);
}

void
store_ops_metrics_q(struct db *db, db_cb cb, void *arg)
{
	db_query(db,
	    "SELECT name, labels, value FROM metrics_business()"
	    " ORDER BY name, labels",
	    0, NULL, cb, arg);
}

static const struct store_col ops_metrics_cols[] = {
    STORE_COL(TEXT, struct store_metric, name),
    STORE_COL(TEXT, struct store_metric, labels),
    STORE_COL(TEXT, struct store_metric, value),
};

int
store_ops_metrics_row(const PGresult *res, int i, struct store_metric *m)
{
	return store_result_decode(res, i, STORE_COLS(ops_metrics_cols), m);
}

void
store_ops_current_week_q(struct db *db, db_cb cb, void *arg)
{
	db_query(db, "SELECT metrics_current_week()", 0, NULL, cb, arg);
}

void
store_ops_ping_q(struct db *db, db_cb cb, void *arg)
{
	db_query(db, "SELECT 1", 0, NULL, cb, arg);
}

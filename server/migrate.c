#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "auth.h"
#include "db.h"
#include "lifecycle.h"
#include "migrate.h"
#include "xmalloc.h"

#define MIGRATE_LOCK_KEY "727301" /* pg_advisory_xact_lock key */
#define MIGRATE_MAX_SIZE (4 << 20)
#define MIGRATE_SHA_HEX  (crypto_hash_sha256_BYTES * 2 + 1)
/* Earlier texts of edited migrations, as sha256sum writes them. */
#define MIGRATE_EDITED "edited.sha256"

struct migration {
	char *name; /* 0001_base.sql, or sync_apply.sql in functions/ */
	char version[5];
	char sha256[MIGRATE_SHA_HEX];
	char *sql;
};

/* One line of edited.sha256: a migration's text before an edit. */
struct migrate_edited {
	char sha256[MIGRATE_SHA_HEX];
	char *name;
};

struct migrate_set {
	struct migration *m; /* numbered, in order */
	size_t n;
	struct migration *f; /* functions/, in name order */
	size_t nf;
	struct migrate_edited *e;
	size_t ne;
};

static int
migrate_name_ok(const char *n)
{
	size_t i, len = strlen(n);

	if (len < 10 || strcmp(n + len - 4, ".sql") != 0 || n[4] != '_')
		return 0;
	for (i = 0; i < 4; i++) {
		if (n[i] < '0' || n[i] > '9')
			return 0;
	}
	/* Names go into the recording statement: keep them plain. */
	for (i = 5; i < len - 4; i++) {
		if (!((n[i] >= 'a' && n[i] <= 'z') ||
		        (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
			return 0;
	}
	return 1;
}

/* functions/ files: lowercase_words.sql, as the function they hold. */
static int
migrate_function_name_ok(const char *n)
{
	size_t i, len = strlen(n);

	if (len < 5 || strcmp(n + len - 4, ".sql") != 0)
		return 0;
	for (i = 0; i < len - 4; i++) {
		if (!((n[i] >= 'a' && n[i] <= 'z') ||
		        (i > 0 && n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
			return 0;
	}
	return 1;
}

/* Appends printf text to *s, a string the caller frees. */
static void __attribute__((format(printf, 2, 3)))
migrate_cat(char **s, const char *fmt, ...)
{
	va_list ap;
	char *add, *t;

	va_start(ap, fmt);
	add = xvasprintf(fmt, ap);
	va_end(ap);
	t = xasprintf("%s%s", *s, add);
	free(*s);
	free(add);
	*s = t;
}

static int
migrate_cmp(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->name,
	    ((const struct migration *)b)->name);
}

static void
migrate_free_list(struct migration *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].sql);
	}
	free(m);
}

static char *
migrate_read(const char *path, size_t *len, char **cause)
{
	FILE *f;
	char *buf;
	long size;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    size > MIGRATE_MAX_SIZE || fseek(f, 0, SEEK_SET) != 0) {
		*cause = xasprintf("%s: cannot size, or over 4 MiB", path);
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)size + 1);
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		*cause = xasprintf("%s: read error", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

/*
 * Reads the .sql files of dir: the numbered migrations (numbered = 1) or
 * the function files of dir/functions (numbered = 0; no such directory is
 * no files), sorted by name, each with its SHA-256.
 */
static int
migrate_load_dir(const char *dir, int numbered, struct migration **out,
    size_t *nout, char **cause)
{
	struct migration *m = NULL;
	unsigned char hash[crypto_hash_sha256_BYTES];
	struct dirent *de;
	size_t n = 0, len, i;
	DIR *d;
	char *path;

	*out = NULL;
	*nout = 0;
	if ((d = opendir(dir)) == NULL) {
		if (!numbered && errno == ENOENT)
			return 0;
		*cause =
		    xasprintf("schema directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (numbered && !migrate_name_ok(de->d_name)) {
			*cause = xasprintf("schema file %s: name must be "
			                   "NNNN_lowercase_words.sql",
			    de->d_name);
			goto fail;
		}
		if (!numbered && !migrate_function_name_ok(de->d_name)) {
			*cause = xasprintf("function file functions/%s: name "
			                   "must be the function's, "
			                   "lowercase_words.sql",
			    de->d_name);
			goto fail;
		}
		m = xreallocarray(m, n + 1, sizeof *m);
		memset(&m[n], 0, sizeof m[n]);
		m[n].name = xstrdup(de->d_name);
		if (numbered)
			memcpy(m[n].version, de->d_name, 4);
		path = xasprintf("%s/%s", dir, de->d_name);
		m[n].sql = migrate_read(path, &len, cause);
		free(path);
		n++;
		if (m[n - 1].sql == NULL)
			goto fail;
		crypto_hash_sha256(hash, (unsigned char *)m[n - 1].sql, len);
		sodium_bin2hex(
		    m[n - 1].sha256, sizeof m[n - 1].sha256, hash, sizeof hash);
	}
	closedir(d);
	if (n > 0)
		qsort(m, n, sizeof *m, migrate_cmp);
	for (i = 1; numbered && i < n; i++) {
		if (strcmp(m[i].version, m[i - 1].version) == 0) {
			*cause = xasprintf("schema files %s and %s share "
			                   "version %s",
			    m[i - 1].name, m[i].name, m[i].version);
			migrate_free_list(m, n);
			return -1;
		}
	}
	*out = m;
	*nout = n;
	return 0;
fail:
	closedir(d);
	migrate_free_list(m, n);
	return -1;
}

/*
 * Reads dir/edited.sha256 (none: no edits): "<sha256>  <file>" lines, each
 * an earlier text of a migration that was edited without changing what it
 * leaves behind (its function bodies moved to functions/). A database that
 * applied that text is taken as having applied the file.
 */
static int
migrate_load_edited(const char *dir, struct migrate_set *s, char **cause)
{
	char *path = xasprintf("%s/%s", dir, MIGRATE_EDITED);
	char *text, *line, *next, *name;
	size_t len, lineno = 0;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		free(path);
		return 0;
	}
	text = migrate_read(path, &len, cause);
	free(path);
	if (text == NULL)
		return -1;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		name = NULL;
		if (strlen(line) > MIGRATE_SHA_HEX + 2 &&
		    strspn(line, "0123456789abcdef") == MIGRATE_SHA_HEX - 1)
			name = line + MIGRATE_SHA_HEX - 1;
		if (name == NULL || strncmp(name, "  ", 2) != 0 ||
		    !migrate_name_ok(name + 2)) {
			*cause = xasprintf("%s line %zu: not \"<sha256>  "
			                   "NNNN_name.sql\"",
			    MIGRATE_EDITED, lineno);
			free(text);
			return -1;
		}
		s->e = xreallocarray(s->e, s->ne + 1, sizeof *s->e);
		memcpy(s->e[s->ne].sha256, line, MIGRATE_SHA_HEX - 1);
		s->e[s->ne].sha256[MIGRATE_SHA_HEX - 1] = '\0';
		s->e[s->ne].name = xstrdup(name + 2);
		s->ne++;
	}
	free(text);
	return 0;
}

static void
migrate_free_set(struct migrate_set *s)
{
	size_t i;

	migrate_free_list(s->m, s->n);
	migrate_free_list(s->f, s->nf);
	for (i = 0; i < s->ne; i++)
		free(s->e[i].name);
	free(s->e);
}

static int
migrate_load(const char *dir, struct migrate_set *s, char **cause)
{
	char *fdir = xasprintf("%s/functions", dir);
	int rc;

	memset(s, 0, sizeof *s);
	rc = migrate_load_dir(dir, 1, &s->m, &s->n, cause);
	if (rc == 0)
		rc = migrate_load_dir(fdir, 0, &s->f, &s->nf, cause);
	if (rc == 0)
		rc = migrate_load_edited(dir, s, cause);
	free(fdir);
	if (rc != 0)
		migrate_free_set(s);
	return rc;
}

/* 1 if checksum is an earlier text of migration name in edited.sha256. */
static int
migrate_edited(
    const struct migrate_set *s, const char *name, const char *checksum)
{
	size_t i;

	for (i = 0; i < s->ne; i++) {
		if (strcmp(s->e[i].name, name) == 0 &&
		    strcmp(s->e[i].sha256, checksum) == 0)
			return 1;
	}
	return 0;
}

/* 1 when the table exists, 0 when not (a new database), -1 with *cause. */
static int
migrate_table_exists(struct db *db, const char *table, char **cause)
{
	const char *p[] = {table};
	PGresult *res;
	int exists;

	if (db_query_sync(db, "SELECT to_regclass($1) IS NOT NULL", 1, p, &res,
	        cause) != 0)
		return -1;
	exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return exists;
}

/*
 * Compares files with the applied list. Sets applied[i] for each file
 * already applied (2: its earlier text, listed in edited.sha256); fails if
 * an applied one changed otherwise or vanished.
 */
static int
migrate_compare(
    struct db *db, const struct migrate_set *s, int *applied, char **cause)
{
	const struct migration *m = s->m;
	PGresult *res;
	int row, rows, rc;
	size_t i, n = s->n;

	if ((rc = migrate_table_exists(db, "schema_migrations", cause)) <= 0)
		return rc;
	if (db_query_sync(db,
	        "SELECT version, name, checksum FROM schema_migrations "
	        "ORDER BY version",
	        0, NULL, &res, cause) != 0)
		return -1;
	rows = PQntuples(res);
	for (row = 0; row < rows; row++) {
		const char *v = PQgetvalue(res, row, 0);
		const char *sum = PQgetvalue(res, row, 2);

		for (i = 0; i < n; i++) {
			if (strcmp(m[i].version, v) == 0)
				break;
		}
		if (i == n) {
			*cause = xasprintf("migration %s (%s) is applied but "
			                   "its file is missing from the "
			                   "schema directory",
			    v, PQgetvalue(res, row, 1));
			PQclear(res);
			return -1;
		}
		if (strcmp(m[i].sha256, sum) == 0)
			applied[i] = 1;
		else if (migrate_edited(s, m[i].name, sum))
			applied[i] = 2;
		else {
			*cause = xasprintf("migration %s changed after it was "
			                   "applied: add a new migration "
			                   "instead of editing it",
			    m[i].name);
			PQclear(res);
			return -1;
		}
	}
	PQclear(res);
	return 0;
}

/*
 * Sets changed[i] for each function file whose text the database has not
 * run yet (schema_functions holds the checksum of each file last run).
 */
static int
migrate_functions_changed(
    struct db *db, const struct migrate_set *s, int *changed, char **cause)
{
	PGresult *res;
	int row, rows, rc;
	size_t i;

	for (i = 0; i < s->nf; i++)
		changed[i] = 1;
	if ((rc = migrate_table_exists(db, "schema_functions", cause)) <= 0)
		return rc;
	if (db_query_sync(db, "SELECT file, checksum FROM schema_functions", 0,
	        NULL, &res, cause) != 0)
		return -1;
	rows = PQntuples(res);
	for (row = 0; row < rows; row++) {
		for (i = 0; i < s->nf; i++) {
			if (strcmp(s->f[i].name, PQgetvalue(res, row, 0)) ==
			        0 &&
			    strcmp(s->f[i].sha256, PQgetvalue(res, row, 1)) ==
			        0)
				changed[i] = 0;
		}
	}
	PQclear(res);
	return 0;
}

/*
 * Runs the changed function files in one transaction and records them.
 * Each file is CREATE OR REPLACE FUNCTION, so running it again is
 * harmless. The first pass does not check SQL-language bodies (a body may
 * call a function of a later file); the second pass, with every function
 * present, checks each body as PostgreSQL normally does.
 */
static int
migrate_functions(struct db *db, const struct migrate_set *s,
    const int *changed, FILE *out, int *count, char **cause)
{
	char *script, *why;
	size_t i;
	int pass, rc = 0;

	*count = 0;
	script = xasprintf("BEGIN;\nSELECT pg_advisory_xact_lock(%s);\n"
	                   "CREATE TABLE IF NOT EXISTS schema_functions ("
	                   " file text PRIMARY KEY,"
	                   " checksum text NOT NULL,"
	                   " applied_at timestamptz NOT NULL DEFAULT now());\n",
	    MIGRATE_LOCK_KEY);
	for (pass = 0; pass < 2; pass++) {
		migrate_cat(&script, "SET LOCAL check_function_bodies = %s;\n",
		    pass == 0 ? "off" : "on");
		for (i = 0; i < s->nf; i++) {
			if (changed[i])
				migrate_cat(&script, "%s\n;\n", s->f[i].sql);
		}
	}
	/* Recorded: the checked file name and a hex digest, no outside text. */
	for (i = 0; i < s->nf; i++) {
		if (!changed[i])
			continue;
		migrate_cat(&script,
		    "INSERT INTO schema_functions (file, checksum) "
		    "VALUES ('%s', '%s') ON CONFLICT (file) DO UPDATE "
		    "SET checksum = EXCLUDED.checksum, "
		    "applied_at = now();\n",
		    s->f[i].name, s->f[i].sha256);
		(*count)++;
	}
	migrate_cat(&script, "COMMIT;");
	if (*count > 0 && db_exec_sync(db, script, &why) != 0) {
		*cause = xasprintf("function files failed: %s", why);
		free(why);
		*count = 0;
		rc = -1;
	}
	free(script);
	for (i = 0; rc == 0 && out != NULL && i < s->nf; i++) {
		if (changed[i])
			fprintf(out, "applied functions/%s\n", s->f[i].name);
	}
	return rc;
}

/*
 * The life cycle as lifecycle.c has it (schema/0110): installed by
 * migrate_apply(), compared by migrate_pending(). Sets *current to 1 when
 * the database has this table; install also writes it.
 */
static int
migrate_lifecycle(struct db *db, int install, int *current, char **cause)
{
	json_t *doc = lifecycle_json(role_name);
	char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	const char *p[] = {s};
	PGresult *res;
	int rc;

	json_decref(doc);
	rc = db_query_sync(db,
	    install ? "SELECT lifecycle_install($1::jsonb)"
	            : "SELECT lifecycle_current($1::jsonb)",
	    1, p, &res, cause);
	free(s);
	if (rc != 0)
		return -1;
	*current = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

static void
migrate_list_add(char **list, const char *prefix, const char *name)
{
	migrate_cat(list, "%s%s%s", **list ? ", " : "", prefix, name);
}

int
migrate_pending(struct db *db, const char *dir, char **pending, char **cause)
{
	struct migrate_set s;
	size_t i;
	int *applied, *changed, rc, current;
	char *list;

	if (migrate_load(dir, &s, cause) != 0)
		return -1;
	applied = xcalloc(s.n + 1, sizeof *applied);
	changed = xcalloc(s.nf + 1, sizeof *changed);
	rc = migrate_compare(db, &s, applied, cause);
	if (rc == 0)
		rc = migrate_functions_changed(db, &s, changed, cause);
	if (rc == 0) {
		list = xstrdup("");
		for (i = 0; i < s.n; i++) {
			if (!applied[i])
				migrate_list_add(&list, "", s.m[i].name);
		}
		for (i = 0; i < s.nf; i++) {
			if (changed[i])
				migrate_list_add(
				    &list, "functions/", s.f[i].name);
		}
		if (*list == '\0' &&
		    (rc = migrate_lifecycle(db, 0, &current, cause)) == 0 &&
		    !current) {
			free(list);
			list =
			    xstrdup("the life cycle of lifecycle.c (changed)");
		}
		if (rc == 0)
			*pending = list;
		else
			free(list);
	}
	free(applied);
	free(changed);
	migrate_free_set(&s);
	return rc;
}

/*
 * Records the text of each migration applied as an earlier text listed in
 * edited.sha256, so that the file as it is now is what the database has.
 */
static int
migrate_rerecord(struct db *db, const struct migrate_set *s, const int *applied,
    FILE *out, char **cause)
{
	char *sql, *why;
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++) {
		if (applied[i] != 2)
			continue;
		sql = xasprintf("UPDATE schema_migrations SET checksum = '%s' "
		                "WHERE version = '%s'",
		    s->m[i].sha256, s->m[i].version);
		rc = db_exec_sync(db, sql, &why);
		free(sql);
		if (rc != 0) {
			*cause = xasprintf("recording edited %s failed: %s",
			    s->m[i].name, why);
			free(why);
			return -1;
		}
		if (out != NULL)
			fprintf(out, "recorded %s as edited (%s)\n",
			    s->m[i].name, MIGRATE_EDITED);
	}
	return 0;
}

int
migrate_apply(struct db *db, const char *dir, FILE *out, char **cause)
{
	struct migrate_set s;
	size_t i;
	int *applied, *changed, rc = 0, count = 0, nfunc = 0, installed = 0;
	char *script, *why;

	if (db_exec_sync(db,
	        "CREATE TABLE IF NOT EXISTS schema_migrations ("
	        " version text PRIMARY KEY,"
	        " name text NOT NULL,"
	        " checksum text NOT NULL,"
	        " applied_at timestamptz NOT NULL DEFAULT now())",
	        cause) != 0)
		return -1;
	if (migrate_load(dir, &s, cause) != 0)
		return -1;
	applied = xcalloc(s.n + 1, sizeof *applied);
	changed = xcalloc(s.nf + 1, sizeof *changed);
	if (migrate_compare(db, &s, applied, cause) != 0 ||
	    migrate_rerecord(db, &s, applied, out, cause) != 0)
		rc = -1;
	for (i = 0; i < s.n && rc == 0; i++) {
		if (applied[i])
			continue;
		/*
		 * One transaction per file, serialised by an advisory lock.
		 * The recording INSERT holds only the checked file name, its
		 * four-digit version and a hex digest: no outside text.
		 */
		script =
		    xasprintf("BEGIN;\n"
		              "SELECT pg_advisory_xact_lock(%s);\n"
		              "%s\n;\n"
		              "INSERT INTO schema_migrations (version, "
		              "name, checksum) VALUES ('%s', '%s', '%s');\n"
		              "COMMIT;",
		        MIGRATE_LOCK_KEY, s.m[i].sql, s.m[i].version,
		        s.m[i].name, s.m[i].sha256);
		if (db_exec_sync(db, script, &why) != 0) {
			*cause = xasprintf(
			    "migration %s failed: %s", s.m[i].name, why);
			free(why);
			rc = -1;
		} else {
			if (out != NULL)
				fprintf(out, "applied %s\n", s.m[i].name);
			count++;
		}
		free(script);
	}
	/* The functions after the tables they read, before the life cycle. */
	if (rc == 0 &&
	    (migrate_functions_changed(db, &s, changed, cause) != 0 ||
	        migrate_functions(db, &s, changed, out, &nfunc, cause) != 0))
		rc = -1;
	if (rc == 0 && migrate_lifecycle(db, 1, &installed, &why) != 0) {
		*cause = xasprintf("installing the life cycle failed: %s", why);
		free(why);
		rc = -1;
	}
	if (rc == 0 && installed && out != NULL)
		fprintf(out, "installed the life cycle of lifecycle.c\n");
	if (rc == 0 && out != NULL) {
		fprintf(out, "%d function file(s) applied\n", nfunc);
		fprintf(
		    out, "%d migration(s) applied, schema is current\n", count);
	}
	free(applied);
	free(changed);
	migrate_free_set(&s);
	return rc;
}

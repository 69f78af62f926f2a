#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "auth.h"
#include "db.h"
#include "lifecycle.h"
#include "migrate.h"
#include "xmalloc.h"

#define MIGRATE_LOCK_KEY "727301" /* pg_advisory_xact_lock key */
#define MIGRATE_MAX_SIZE (4 << 20)

struct migration {
	char *name; /* 0001_base.sql */
	char version[5];
	char sha256[crypto_hash_sha256_BYTES * 2 + 1];
	char *sql;
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

static int
migrate_load(
    const char *dir, struct migration **out, size_t *nout, char **cause)
{
	struct migration *m = NULL;
	unsigned char hash[crypto_hash_sha256_BYTES];
	struct dirent *de;
	size_t n = 0, len, i;
	DIR *d;
	char *path;

	if ((d = opendir(dir)) == NULL) {
		*cause =
		    xasprintf("schema directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (!migrate_name_ok(de->d_name)) {
			*cause = xasprintf("schema file %s: name must be "
			                   "NNNN_lowercase_words.sql",
			    de->d_name);
			goto fail;
		}
		m = xreallocarray(m, n + 1, sizeof *m);
		memset(&m[n], 0, sizeof m[n]);
		m[n].name = xstrdup(de->d_name);
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
	qsort(m, n, sizeof *m, migrate_cmp);
	for (i = 1; i < n; i++) {
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
 * Compares files with the applied list. Sets applied[i] for each file
 * already applied; fails if an applied one changed or vanished.
 */
static int
migrate_compare(
    struct db *db, struct migration *m, size_t n, int *applied, char **cause)
{
	PGresult *res;
	int row, rows;
	size_t i;

	if (db_query_sync(db,
	        "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL,
	        &res, cause) != 0)
		return -1;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		PQclear(res);
		return 0;
	}
	PQclear(res);
	if (db_query_sync(db,
	        "SELECT version, name, checksum FROM schema_migrations "
	        "ORDER BY version",
	        0, NULL, &res, cause) != 0)
		return -1;
	rows = PQntuples(res);
	for (row = 0; row < rows; row++) {
		const char *v = PQgetvalue(res, row, 0);

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
		if (strcmp(m[i].sha256, PQgetvalue(res, row, 2)) != 0) {
			*cause = xasprintf("migration %s changed after it was "
			                   "applied: add a new migration "
			                   "instead of editing it",
			    m[i].name);
			PQclear(res);
			return -1;
		}
		applied[i] = 1;
	}
	PQclear(res);
	return 0;
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

int
migrate_pending(struct db *db, const char *dir, char **pending, char **cause)
{
	struct migration *m;
	size_t n, i;
	int *applied, rc, current;
	char *s, *t;

	if (migrate_load(dir, &m, &n, cause) != 0)
		return -1;
	applied = xcalloc(n + 1, sizeof *applied);
	rc = migrate_compare(db, m, n, applied, cause);
	if (rc == 0) {
		s = xstrdup("");
		for (i = 0; i < n; i++) {
			if (applied[i])
				continue;
			t = xasprintf("%s%s%s", s, *s ? ", " : "", m[i].name);
			free(s);
			s = t;
		}
		if (*s == '\0' &&
		    (rc = migrate_lifecycle(db, 0, &current, cause)) == 0 &&
		    !current) {
			free(s);
			s = xstrdup("the life cycle of lifecycle.c (changed)");
		}
		if (rc == 0)
			*pending = s;
		else
			free(s);
	}
	free(applied);
	migrate_free_list(m, n);
	return rc;
}

int
migrate_apply(struct db *db, const char *dir, FILE *out, char **cause)
{
	struct migration *m;
	size_t n, i;
	int *applied, rc = 0, count = 0, changed = 0;
	char *script, *why;

	if (db_exec_sync(db,
	        "CREATE TABLE IF NOT EXISTS schema_migrations ("
	        " version text PRIMARY KEY,"
	        " name text NOT NULL,"
	        " checksum text NOT NULL,"
	        " applied_at timestamptz NOT NULL DEFAULT now())",
	        cause) != 0)
		return -1;
	if (migrate_load(dir, &m, &n, cause) != 0)
		return -1;
	applied = xcalloc(n + 1, sizeof *applied);
	if (migrate_compare(db, m, n, applied, cause) != 0)
		rc = -1;
	for (i = 0; i < n && rc == 0; i++) {
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
		        MIGRATE_LOCK_KEY, m[i].sql, m[i].version, m[i].name,
		        m[i].sha256);
		if (db_exec_sync(db, script, &why) != 0) {
			*cause = xasprintf(
			    "migration %s failed: %s", m[i].name, why);
			free(why);
			rc = -1;
		} else {
			if (out != NULL)
				fprintf(out, "applied %s\n", m[i].name);
			count++;
		}
		free(script);
	}
	if (rc == 0 && migrate_lifecycle(db, 1, &changed, &why) != 0) {
		*cause = xasprintf("installing the life cycle failed: %s", why);
		free(why);
		rc = -1;
	}
	if (rc == 0 && changed && out != NULL)
		fprintf(out, "installed the life cycle of lifecycle.c\n");
	if (rc == 0 && out != NULL)
		fprintf(
		    out, "%d migration(s) applied, schema is current\n", count);
	free(applied);
	migrate_free_list(m, n);
	return rc;
}

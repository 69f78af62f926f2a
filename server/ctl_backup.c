/*
 * patrolctl backup DIR and restore DIR (issue 18).
 *
 * A backup directory holds database.dump (pg_dump's custom format: one
 * consistent snapshot), photos/ (the photo store, each file under the
 * same relative path), manifest.json (format, time, schema version, and
 * every file with its size and SHA-256) and SHA256SUMS (the same sums for
 * sha256sum -c). The manifest is written last, through a rename, so a
 * backup without one is incomplete and restore refuses it.
 *
 * Photos are copied after the dump: a photo is stored before any row
 * names it and never removed, so every photo the dump names is copied.
 * Unfinished uploads (.partial) are not part of a backup.
 *
 * restore checks every sum first, then refuses a database that has any
 * table, view, sequence or function of its own, or a photo directory with
 * anything in it; only then runs pg_restore (one transaction) and copies
 * the photos, checking each sum again as it writes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "config.h"
#include "ctl.h"
#include "ctl_backup.h"
#include "store_ops.h"
#include "xmalloc.h"

#define BACKUP_FORMAT    "patrol-backup 1"
#define BACKUP_DUMP      "database.dump"
#define BACKUP_PHOTOS    "photos"
#define BACKUP_MANIFEST  "manifest.json"
#define BACKUP_DEPTH_MAX 8

extern char **environ;

/* Runs a program (no shell) and waits; -1 with *cause unless it exits 0. */
static int
backup_spawn(char *const argv[], char **cause)
{
	pid_t pid;
	int rc, status;

	if ((rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ)) !=
	    0) {
		*cause = xasprintf("cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			*cause = xasprintf(
			    "waiting for %s: %s", argv[0], strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*cause = xasprintf("%s failed (%s %d; its messages are above)",
		    argv[0], WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

/*
 * Reads src, hashing it, and writes it to dst (made 0640, fsync'ed) unless
 * dst is NULL. hex gets the SHA-256, *size the length.
 */
static int
backup_copy(const char *src, const char *dst, char hex[65], long long *size,
    char **cause)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES], buf[65536];
	int in, out = -1;
	ssize_t n;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", src, strerror(errno));
		return -1;
	}
	if (dst != NULL &&
	    (out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) ==
	        -1) {
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	crypto_hash_sha256_init(&st);
	*size = 0;
	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf("%s: %s", src, strerror(errno));
			goto fail;
		}
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		*size += n;
		if (out != -1 && write(out, buf, (size_t)n) != n) {
			*cause = xasprintf("%s: %s", dst, strerror(errno));
			goto fail;
		}
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof h);
	close(in);
	if (out != -1 && (fsync(out) != 0 || close(out) != 0)) {
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		return -1;
	}
	return 0;
fail:
	close(in);
	if (out != -1)
		close(out);
	return -1;
}

/* 1 if path is missing or an empty directory, 0 if not, -1 on error. */
static int
backup_dir_empty(const char *path, char **cause)
{
	DIR *d;
	struct dirent *e;
	int empty = 1;

	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT)
			return 1;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

static int
backup_mkdirs(const char *path, char **cause)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) != 0 && errno != EEXIST)
			goto fail;
		*s = '/';
	}
	if (mkdir(p, 0750) != 0 && errno != EEXIST)
		goto fail;
	free(p);
	return 0;
fail:
	*cause = xasprintf("%s: %s", p, strerror(errno));
	free(p);
	return -1;
}

/* Copies the photo store below rel, adding each file to list. */
static int
backup_photos(const char *from, const char *to, const char *rel, int depth,
    json_t *list, char **cause)
{
	char *src = xasprintf("%s%s%s", from, *rel ? "/" : "", rel);
	char *dst = xasprintf("%s%s%s", to, *rel ? "/" : "", rel);
	char hex[65], *r, *s, *t;
	struct dirent *e;
	struct stat sb;
	long long size;
	int rc = 0;
	DIR *d;

	if ((d = opendir(src)) == NULL) {
		if (errno == ENOENT && *rel == '\0')
			goto out; /* no photos yet */
		*cause = xasprintf("%s: %s", src, strerror(errno));
		rc = -1;
		goto out;
	}
	if (mkdir(dst, 0750) != 0 && errno != EEXIST) {
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		rc = -1;
		goto out;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') /* ., .., .partial uploads */
			continue;
		r = xasprintf("%s%s%s", rel, *rel ? "/" : "", e->d_name);
		s = xasprintf("%s/%s", from, r);
		t = xasprintf("%s/%s", to, r);
		if (lstat(s, &sb) != 0) {
			*cause = xasprintf("%s: %s", s, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (depth >= BACKUP_DEPTH_MAX) {
				*cause = xasprintf(
				    "%s: photo store nested too deep", s);
				rc = -1;
			} else
				rc = backup_photos(
				    from, to, r, depth + 1, list, cause);
		} else if (S_ISREG(sb.st_mode)) {
			if ((rc = backup_copy(s, t, hex, &size, cause)) == 0)
				json_array_append_new(list,
				    json_pack("{s:s, s:s, s:I}", "path", r,
				        "sha256", hex, "bytes",
				        (json_int_t)size));
		}
		/* Anything else (a socket, a link) is no photo: skipped. */
		free(r);
		free(s);
		free(t);
	}
	closedir(d);
out:
	free(src);
	free(dst);
	return rc;
}

static int
backup_write_file(const char *path, const char *text, char **cause)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f;
	int rc = -1;

	if ((f = fopen(tmp, "wx")) == NULL) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fputs(text, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		fclose(f);
	} else if (fclose(f) != 0 || rename(tmp, path) != 0)
		*cause = xasprintf("%s: %s", path, strerror(errno));
	else
		rc = 0;
	free(tmp);
	return rc;
}

static char *
backup_sums(json_t *m)
{
	json_t *photos = json_object_get(m, "photos"), *p;
	char *out, *next;
	size_t i;

	out = xasprintf("%s  %s\n",
	    json_string_value(
	        json_object_get(json_object_get(m, "database"), "sha256")),
	    BACKUP_DUMP);
	json_array_foreach(photos, i, p)
	{
		next = xasprintf("%s%s  %s/%s\n", out,
		    json_string_value(json_object_get(p, "sha256")),
		    BACKUP_PHOTOS,
		    json_string_value(json_object_get(p, "path")));
		free(out);
		out = next;
	}
	return out;
}

/* Records action (database.backup or .restore) with detail (taken) in the
 * audit log: a backup reads callers' personal data, a restore replaces it. */
static int
backup_audit(struct ctl *c, const char *action, json_t *detail, char **cause)
{
	char *text = json_dumps(detail, JSON_COMPACT);
	int rc;

	json_decref(detail);
	rc = store_ops_audit(ctl_db(c), action, text, cause);
	free(text);
	return rc;
}

/* pg_dump of the configured database into the file dump. */
static int
backup_dump(struct ctl *c, char *dump, char **cause)
{
	char *pgargv[8];
	int k = 0;

	pgargv[k++] = "pg_dump";
	pgargv[k++] = "--format=custom";
	pgargv[k++] = "--file";
	pgargv[k++] = dump;
	if (*c->cfg->database_url != '\0') {
		pgargv[k++] = "--dbname";
		pgargv[k++] = c->cfg->database_url;
	}
	pgargv[k] = NULL;
	return backup_spawn(pgargv, cause);
}

/* SHA256SUMS, then the manifest (last: a backup without one is
 * incomplete): when the backup began, the dump's sum (hex) and size, and
 * the photos in list. */
static int
backup_manifest_write(const char *dir, time_t now, const char *version,
    const char *hex, long long size, json_t *list, char **cause)
{
	char *text, *sums, *path, created[32];
	json_t *m;
	int rc;

	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	m = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:I}, s:O}", "format",
	    BACKUP_FORMAT, "created", created, "schema_version", version,
	    "database", "path", BACKUP_DUMP, "sha256", hex, "bytes",
	    (json_int_t)size, "photos", list);
	text = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS);
	sums = backup_sums(m);
	path = xasprintf("%s/SHA256SUMS", dir);
	rc = backup_write_file(path, sums, cause);
	free(path);
	path = xasprintf("%s/%s", dir, BACKUP_MANIFEST);
	if (rc == 0)
		rc = backup_write_file(path, text, cause);
	free(path);
	free(sums);
	free(text);
	json_decref(m);
	return rc;
}

int
ctl_backup(struct ctl *c, int argc, char **argv)
{
	const char *pos[1], *dir;
	char *cause, *version, *dump, *photos, hex[65];
	json_t *list;
	long long size;
	time_t now = time(NULL);
	int rc;

	if (ctl_args("backup", argc, argv, NULL, pos, 1) != 1) {
		return ctl_usage(c, "backup");
	}
	dir = pos[0];
	if (sodium_init() < 0)
		return ctl_fail("backup", xstrdup("libsodium failed to start"));
	if ((rc = backup_dir_empty(dir, &cause)) != 1) {
		if (rc == 0)
			cause = xasprintf("%s is not empty: a backup goes into "
			                  "a new or empty directory",
			    dir);
		return ctl_fail("backup", cause);
	}
	if (backup_mkdirs(dir, &cause) != 0)
		return ctl_fail("backup", cause);
	if (store_ops_schema_version(ctl_db(c), &version, &cause) != 0)
		return ctl_fail("backup", cause);
	if (backup_audit(c, "database.backup", json_pack("{s:s}", "dir", dir),
	        &cause) != 0) {
		free(version);
		return ctl_fail("backup", cause);
	}

	dump = xasprintf("%s/%s", dir, BACKUP_DUMP);
	photos = xasprintf("%s/%s", dir, BACKUP_PHOTOS);
	list = json_array();
	rc = -1;
	if (backup_dump(c, dump, &cause) != 0 ||
	    backup_copy(dump, NULL, hex, &size, &cause) != 0 ||
	    backup_photos(c->cfg->photo_dir, photos, "", 0, list, &cause) != 0)
		goto out;
	rc = backup_manifest_write(dir, now, version, hex, size, list, &cause);
	if (rc == 0)
		printf("backup %s: database (schema %s, %lld bytes), %zu "
		       "photos\n",
		    dir, *version ? version : "empty", size,
		    json_array_size(list));
out:
	free(version);
	free(dump);
	free(photos);
	json_decref(list);
	return rc == 0 ? 0 : ctl_fail("backup", cause);
}

/* Reads and checks the manifest and every file's sum. */
static json_t *
restore_check(const char *dir, char **cause)
{
	json_t *m, *db, *photos, *p;
	json_error_t err;
	const char *fmt, *sum, *rel;
	char *path, hex[65];
	long long size;
	size_t i;
	int rc;

	path = xasprintf("%s/%s", dir, BACKUP_MANIFEST);
	m = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	free(path);
	if (m == NULL) {
		*cause = xasprintf("%s has no readable %s (an incomplete "
		                   "backup?): %s",
		    dir, BACKUP_MANIFEST, err.text);
		return NULL;
	}
	fmt = json_string_value(json_object_get(m, "format"));
	db = json_object_get(m, "database");
	photos = json_object_get(m, "photos");
	if (fmt == NULL || strcmp(fmt, BACKUP_FORMAT) != 0 ||
	    !json_is_object(db) || !json_is_array(photos)) {
		*cause = xasprintf("%s/%s is not a '%s' manifest", dir,
		    BACKUP_MANIFEST, BACKUP_FORMAT);
		json_decref(m);
		return NULL;
	}
	/* The database first (index -1), then each photo. */
	for (i = 0, p = db, rc = 0; rc == 0 && p != NULL;
	     p = json_array_get(photos, i++)) {
		rel = json_string_value(json_object_get(p, "path"));
		sum = json_string_value(json_object_get(p, "sha256"));
		if (rel == NULL || sum == NULL || strstr(rel, "..") != NULL ||
		    *rel == '/') {
			*cause = xasprintf(
			    "%s/%s: a bad entry", dir, BACKUP_MANIFEST);
			rc = -1;
			break;
		}
		path = p == db ? xasprintf("%s/%s", dir, rel)
		               : xasprintf("%s/%s/%s", dir, BACKUP_PHOTOS, rel);
		if ((rc = backup_copy(path, NULL, hex, &size, cause)) == 0 &&
		    (strcmp(hex, sum) != 0 ||
		        size !=
		            json_integer_value(json_object_get(p, "bytes")))) {
			*cause =
			    xasprintf("%s does not match its checksum in "
			              "the manifest: the backup is damaged",
			        path);
			rc = -1;
		}
		free(path);
	}
	if (rc != 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static int
restore_photos(const char *dir, const char *to, json_t *photos, char **cause)
{
	json_t *p;
	const char *rel;
	char *src, *dst, *slash, hex[65];
	long long size;
	size_t i;
	int rc = 0;

	json_array_foreach(photos, i, p)
	{
		rel = json_string_value(json_object_get(p, "path"));
		src = xasprintf("%s/%s/%s", dir, BACKUP_PHOTOS, rel);
		dst = xasprintf("%s/%s", to, rel);
		slash = strrchr(dst, '/');
		*slash = '\0';
		rc = backup_mkdirs(dst, cause);
		*slash = '/';
		if (rc == 0)
			rc = backup_copy(src, dst, hex, &size, cause);
		if (rc == 0 &&
		    strcmp(hex,
		        json_string_value(json_object_get(p, "sha256"))) != 0) {
			*cause =
			    xasprintf("%s changed while it was restored", src);
			rc = -1;
		}
		free(src);
		free(dst);
		if (rc != 0)
			break;
	}
	return rc;
}

/* Only into an empty database (dbname, holding relations of its own) and
 * an empty photo directory, and a name the connection string can quote. */
static int
restore_target_check(
    struct ctl *c, const char *dbname, long relations, char **cause)
{
	int rc;

	if (relations != 0) {
		*cause = xasprintf("database %s is not empty (%ld tables, "
		                   "sequences or functions): restore only into "
		                   "a new, empty database",
		    dbname, relations);
		return -1;
	}
	if ((rc = backup_dir_empty(c->cfg->photo_dir, cause)) != 1) {
		if (rc == 0)
			*cause = xasprintf("photo directory %s is not empty: "
			                   "restore only into an empty one",
			    c->cfg->photo_dir);
		return -1;
	}
	if (strpbrk(dbname, "'\\") != NULL) {
		*cause = xasprintf(
		    "database name %s: quote it in database_url", dbname);
		return -1;
	}
	return 0;
}

/* pg_restore of dir's dump into the database, in one transaction. The
 * pool's connection is closed: it would hold nothing pg_restore needs. */
static int
restore_database(
    struct ctl *c, const char *dir, const char *dbname, char **cause)
{
	char *dump, *target, *pgargv[12];
	int k = 0, rc;

	dump = xasprintf("%s/%s", dir, BACKUP_DUMP);
	/* Without database_url, the database libpq's defaults reached. */
	target = *c->cfg->database_url != '\0'
	    ? xstrdup(c->cfg->database_url)
	    : xasprintf("dbname='%s'", dbname);
	pgargv[k++] = "pg_restore";
	pgargv[k++] = "--no-owner";
	pgargv[k++] = "--no-privileges";
	pgargv[k++] = "--exit-on-error";
	pgargv[k++] = "--single-transaction";
	pgargv[k++] = "--dbname";
	pgargv[k++] = target;
	pgargv[k++] = dump;
	pgargv[k] = NULL;
	ctl_close(c);
	rc = backup_spawn(pgargv, cause);
	free(target);
	free(dump);
	return rc;
}

int
ctl_restore(struct ctl *c, int argc, char **argv)
{
	const char *pos[1], *dir;
	char *cause, *dbname;
	json_t *m;
	long relations;

	if (ctl_args("restore", argc, argv, NULL, pos, 1) != 1) {
		return ctl_usage(c, "restore");
	}
	dir = pos[0];
	if (sodium_init() < 0)
		return ctl_fail(
		    "restore", xstrdup("libsodium failed to start"));
	if ((m = restore_check(dir, &cause)) == NULL)
		return ctl_fail("restore", cause);
	if (store_ops_contents(ctl_db(c), &relations, &dbname, &cause) != 0) {
		json_decref(m);
		return ctl_fail("restore", cause);
	}
	if (restore_target_check(c, dbname, relations, &cause) != 0 ||
	    restore_database(c, dir, dbname, &cause) != 0 ||
	    backup_mkdirs(c->cfg->photo_dir, &cause) != 0 ||
	    restore_photos(dir, c->cfg->photo_dir, json_object_get(m, "photos"),
	        &cause) != 0 ||
	    backup_audit(c, "database.restore",
	        json_pack("{s:s, s:O}", "dir", dir, "created",
	            json_object_get(m, "created")),
	        &cause) != 0)
		goto fail;
	printf("restored %s (made %s, schema %s) into database %s and %s: "
	       "%zu photos; run 'patrolctl migrate' if this version has newer "
	       "migrations\n",
	    dir, json_string_value(json_object_get(m, "created")),
	    json_string_value(json_object_get(m, "schema_version")), dbname,
	    c->cfg->photo_dir, json_array_size(json_object_get(m, "photos")));
	free(dbname);
	json_decref(m);
	return 0;
fail:
	free(dbname);
	json_decref(m);
	return ctl_fail("restore", cause);
}

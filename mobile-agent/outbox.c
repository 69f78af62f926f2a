/*
 * The handheld's database: SQLite in WAL mode with synchronous=FULL, so a
 * committed transaction survives the battery being pulled. The outbox
 * holds what the crew recorded, as the packed protobuf item that will be
 * sent, until the server acknowledged it; jobs and their callers are what
 * the last sync brought. secure_delete overwrites deleted personal data in
 * the file instead of leaving it in free pages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "image.h"
#include "store_int.h"

#define OUTBOX_PHOTO_RESIZE (2 << 20)  /* until the server says */
#define OUTBOX_CHUNK        (64 << 10) /* a photo read or written at once */
#define OUTBOX_BUSY_TRIES   15000      /* 1 ms apart: about 15 s */
#define OUTBOX_PHOTO_TMP    ".tmp-"    /* photos/ being written */

static const char outbox_schema[] =
    "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS outbox ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " client_id TEXT UNIQUE NOT NULL,"
    " kind TEXT NOT NULL,"
    " request_id INTEGER,"
    " body BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " batch_id TEXT,"
    " acked_ms INTEGER,"
    " ack_status TEXT,"
    " ack_message TEXT,"
    " ack_request_id INTEGER);"
    "CREATE INDEX IF NOT EXISTS outbox_open ON outbox (batch_id)"
    " WHERE acked_ms IS NULL;"
    "CREATE TABLE IF NOT EXISTS jobs ("
    " request_id INTEGER PRIMARY KEY,"
    " category TEXT NOT NULL,"
    " category_name TEXT,"
    " state TEXT NOT NULL,"
    " lat REAL, lon REAL,"
    " address TEXT, description TEXT,"
    " priority INTEGER, due TEXT,"
    " outcomes TEXT NOT NULL DEFAULT '',"
    " answers TEXT,"
    " updated_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS job_callers ("
    " request_id INTEGER NOT NULL, name TEXT, phone TEXT);"
    "CREATE TABLE IF NOT EXISTS fixes ("
    " t_ms INTEGER PRIMARY KEY,"
    " lat_e6 INTEGER NOT NULL, lon_e6 INTEGER NOT NULL, session TEXT);"
    "CREATE TABLE IF NOT EXISTS photos ("
    " sha256 TEXT PRIMARY KEY,"
    " bytes INTEGER NOT NULL,"
    " content_type TEXT NOT NULL,"
    " announced INTEGER NOT NULL DEFAULT 0,"
    " uploaded INTEGER NOT NULL DEFAULT 0,"
    " failed TEXT);"
    "CREATE TABLE IF NOT EXISTS places ("
    " name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,"
    " block INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS places_lat ON places (lat);";

static int
outbox_exec(struct agent *a, const char *sql, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(a->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xstrdup(err != NULL ? err : sqlite3_errmsg(a->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Adds table.col (a column added after the first release) unless there. */
static int
outbox_add_column(struct agent *a, const char *table, const char *col,
    const char *type, char **cause)
{
	char *sql;
	int rc;

	if (store_db_int(a, 0,
	        "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?",
	        "tt", table, col) > 0)
		return 0;
	sql = xasprintf("ALTER TABLE %s ADD COLUMN %s %s", table, col, type);
	rc = outbox_exec(a, sql, cause);
	free(sql);
	return rc;
}

/*
 * Columns added after the first release: a device keeps its database
 * across upgrades. outbox.what is the step in words for the screen's
 * history ("accept", "done:no_nest"), kept after the body is cleared;
 * jobs.plan_pos and expected_*_ms are the crew's day plan (plan.c);
 * jobs.category_name_en is the category's English name (the screen in
 * English; category_name is the Japanese one); photos.request_id and
 * photos.what name the record a photo went with, so that a photo given
 * up on is shown with its job.
 */
static int
outbox_upgrade(struct agent *a, char **cause)
{
	return outbox_add_column(a, "outbox", "what", "TEXT", cause) != 0 ||
	        outbox_add_column(a, "jobs", "plan_pos", "INTEGER", cause) !=
	            0 ||
	        outbox_add_column(
	            a, "jobs", "expected_from_ms", "INTEGER", cause) != 0 ||
	        outbox_add_column(
	            a, "jobs", "expected_to_ms", "INTEGER", cause) != 0 ||
	        outbox_add_column(
	            a, "jobs", "category_name_en", "TEXT", cause) != 0 ||
	        outbox_add_column(
	            a, "photos", "request_id", "INTEGER", cause) != 0 ||
	        outbox_add_column(a, "photos", "what", "TEXT", cause) != 0
	    ? -1
	    : 0;
}

/*
 * Waiting for the other connection's write lock (the daemon's sync worker
 * and the screen, or a crew's command beside the daemon). SQLite's own
 * busy timeout sleeps 1, 2, 5, 10, 15 ... 100 ms between tries, so a tap
 * that meets a write of a few milliseconds may sleep on for tens of
 * milliseconds after the lock is free. Try again every millisecond
 * instead, for up to 15 s as before.
 */
static int
outbox_busy(void *arg, int tries)
{
	struct timespec ms = {0, 1000 * 1000};

	(void)arg;
	if (tries >= OUTBOX_BUSY_TRIES)
		return 0;
	nanosleep(&ms, NULL);
	return 1;
}

void
outbox_photos_remove(struct agent *a, const char *const *tags, size_t n)
{
	char *dir = agent_path(a, "photos"), *p;
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t i;

	while (d != NULL && (e = readdir(d)) != NULL) {
		for (i = 0; i < n; i++) {
			if (strncmp(e->d_name, tags[i], strlen(tags[i])) == 0)
				break;
		}
		if (i == n)
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
}

/*
 * photos/ opened and locked (flock: LOCK_SH by each photo being kept,
 * LOCK_EX by the sweep), or -1. Closing it unlocks, as does the end of
 * the process, killed or not.
 */
static int
outbox_photos_lock(const char *dir, int op)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	while (fd != -1 && flock(fd, op) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * A process killed while it kept a photo (SIGKILL, the battery pulled)
 * left its photos/.tmp-ID behind, named nowhere: removed at start, when
 * no other process is keeping a photo, else at a later start.
 */
static void
outbox_photos_sweep(struct agent *a, const char *dir)
{
	static const char *const tmp[] = {OUTBOX_PHOTO_TMP};
	int fd = outbox_photos_lock(dir, LOCK_EX | LOCK_NB);

	if (fd == -1)
		return;
	outbox_photos_remove(a, tmp, 1);
	close(fd);
}

int
outbox_open(struct agent *a, char **cause)
{
	char *path, *photos;

	if (mkdir(a->dir, 0700) != 0 && errno != EEXIST) {
		*cause =
		    xasprintf("cannot make %s: %s", a->dir, strerror(errno));
		return -1;
	}
	photos = agent_path(a, "photos");
	if (mkdir(photos, 0700) != 0 && errno != EEXIST) {
		*cause =
		    xasprintf("cannot make %s: %s", photos, strerror(errno));
		free(photos);
		return -1;
	}
	outbox_photos_sweep(a, photos);
	free(photos);
	path = agent_path(a, "agent.db");
	if (sqlite3_open_v2(path, &a->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	        NULL) != SQLITE_OK) {
		*cause = xstrdup(sqlite3_errmsg(a->db));
		free(path);
		return -1;
	}
	free(path);
	sqlite3_busy_handler(a->db, outbox_busy, NULL);
	/* WAL: the daemon and a crew's command may use the file at once. */
	return outbox_exec(a,
	           "PRAGMA journal_mode = WAL;"
	           "PRAGMA synchronous = FULL;"
	           /* A small database: 512 kB of cache, not 2 MB. */
	           "PRAGMA cache_size = -512;"
	           "PRAGMA secure_delete = ON;"
	           "PRAGMA foreign_keys = ON;",
	           cause) == 0 &&
	        outbox_exec(a, outbox_schema, cause) == 0 &&
	        outbox_upgrade(a, cause) == 0
	    ? 0
	    : -1;
}

int
outbox_relax(struct agent *a, char **cause)
{
	/*
	 * NORMAL in WAL mode: a commit is not fsynced itself, the WAL is at
	 * the next FULL commit of another connection or at a checkpoint. A
	 * power cut can lose this connection's last commits, never half of
	 * one. For the sync worker that is safe: what it writes is what the
	 * server has (acknowledgements, jobs, the cursor, uploads' progress)
	 * and the next sync brings it again, exactly once by client ids; and
	 * its fsyncs no longer hold the write lock the crew's taps wait for.
	 */
	return outbox_exec(a, "PRAGMA synchronous = NORMAL", cause);
}

const char *
outbox_sqlite_version(void)
{
	return sqlite3_libversion();
}

char *
outbox_errmsg(struct agent *a)
{
	return xstrdup(sqlite3_errmsg(a->db));
}

void
outbox_close(struct agent *a)
{
	if (a->db != NULL)
		sqlite3_close(a->db);
	a->db = NULL;
}

int
outbox_begin(struct agent *a, char **cause)
{
	/* IMMEDIATE: take the write lock now, not half-way through. */
	return outbox_exec(a, "BEGIN IMMEDIATE", cause);
}

int
outbox_commit(struct agent *a, char **cause)
{
	return outbox_exec(a, "COMMIT", cause);
}

void
outbox_rollback(struct agent *a)
{
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
}

char *
outbox_get(struct agent *a, const char *key)
{
	return store_db_text(
	    a, "SELECT value FROM state WHERE key = ?", "t", key);
}

long long
outbox_get_int(struct agent *a, const char *key, long long def)
{
	char *v = outbox_get(a, key);
	long long n;

	if (v == NULL)
		return def;
	n = strtoll(v, NULL, 10);
	free(v);
	return n;
}

int
outbox_set(struct agent *a, const char *key, const char *value)
{
	if (value == NULL)
		return store_db_run(
		    a, "DELETE FROM state WHERE key = ?", "t", key);
	return store_db_run(a,
	    "INSERT INTO state (key, value) VALUES (?, ?)"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	    "tt", key, value);
}

int
outbox_set_int(struct agent *a, const char *key, long long value)
{
	char v[24];

	snprintf(v, sizeof v, "%lld", value);
	return outbox_set(a, key, v);
}

int
outbox_add(struct agent *a, const char *kind, const char *what,
    const char *client_id, long long request_id, const uint8_t *body,
    size_t len)
{
	return store_db_run(a,
	    "INSERT INTO outbox (client_id, kind, request_id, body,"
	    " created_ms, what) VALUES (?, ?, nullif(?, 0), ?, ?, ?)",
	    "ttIbIt", client_id, kind, request_id > 0 ? request_id : 0,
	    (const void *)body, len, (long long)agent_now_ms(), what);
}

long long
outbox_pending(struct agent *a)
{
	return store_db_int(
	    a, -1, "SELECT count(*) FROM outbox WHERE acked_ms IS NULL", "");
}

int
outbox_forget_callers(struct agent *a, long long request_id)
{
	return store_db_run(
	    a, "DELETE FROM job_callers WHERE request_id = ?", "I", request_id);
}

int
outbox_wipe_personal(struct agent *a, char **cause)
{
	char *token = agent_path(a, "token");

	if (unlink(token) != 0 && errno != ENOENT) {
		*cause =
		    xasprintf("cannot remove %s: %s", token, strerror(errno));
		free(token);
		return -1;
	}
	free(token);
	/*
	 * secure_delete overwrites the rows in the database file; the
	 * checkpoint then empties the WAL, which still held them.
	 */
	if (outbox_exec(a,
	        "BEGIN IMMEDIATE;"
	        "DELETE FROM job_callers;"
	        "DELETE FROM jobs;"
	        "DELETE FROM state WHERE key IN ('device_id', 'crew_code',"
	        " 'crew_name', 'cursor', 'batch_id');"
	        "COMMIT;",
	        cause) != 0)
		return -1;
	return outbox_exec(a, "PRAGMA wal_checkpoint(TRUNCATE)", cause);
}

/* The photo file, opened for reading, with its size checked. */
static FILE *
outbox_photo_open(const char *path, size_t *len, char **cause)
{
	struct stat st;
	FILE *f;

	if ((f = fopen(path, "rbe")) == NULL || fstat(fileno(f), &st) != 0) {
		*cause = xasprintf("cannot read %s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > AGENT_PHOTO_MAX) {
		fclose(f);
		*cause =
		    xasprintf("%s is not a photo of a sensible size", path);
		return NULL;
	}
	*len = (size_t)st.st_size;
	return f;
}

long long
outbox_sha_file(FILE *f, size_t len, char sha[65])
{
	crypto_hash_sha256_state h;
	unsigned char md[crypto_hash_sha256_BYTES];
	unsigned char *buf = xcalloc(1, OUTBOX_CHUNK);
	size_t n, off = 0, i;

	rewind(f);
	crypto_hash_sha256_init(&h);
	while (off < len && (n = fread(buf, 1, OUTBOX_CHUNK, f)) > 0) {
		crypto_hash_sha256_update(&h, buf, n);
		off += n;
	}
	free(buf);
	crypto_hash_sha256_final(&h, md);
	for (i = 0; i < sizeof md; i++)
		snprintf(sha + 2 * i, 3, "%02x", md[i]);
	return ferror(f) ? -1 : (long long)off;
}

/* in's len bytes from its start into out: 0, or -1. */
static int
outbox_copy_file(FILE *in, size_t len, FILE *out, unsigned char *buf)
{
	size_t n, off = 0;

	rewind(in);
	if (fseek(out, 0, SEEK_SET) != 0 || ftruncate(fileno(out), 0) != 0)
		return -1;
	while (off < len && (n = fread(buf, 1, OUTBOX_CHUNK, in)) > 0) {
		if (fwrite(buf, 1, n, out) != n)
			return -1;
		off += n;
	}
	return off == len ? 0 : -1;
}

/* 1 when photos/SHA is a kept photo of len bytes. */
static int
outbox_photo_kept(struct agent *a, const char *sha, size_t len)
{
	char *path = xasprintf("%s/photos/%s", a->dir, sha);
	struct stat st;
	int kept = stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == len;

	free(path);
	return kept;
}

/*
 * What is kept of the photo in (len bytes) into out: scaled down when a
 * JPEG larger than the server asks for (EXIF kept), else as taken. Its
 * size in *bytes.
 */
static int
outbox_photo_write(struct agent *a, const char *file, FILE *in, size_t len,
    const char *type, FILE *out, unsigned char *buf, size_t *bytes)
{
	long long limit =
	    outbox_get_int(a, "photo_resize_bytes", OUTBOX_PHOTO_RESIZE);
	char *why = NULL;
	long size;
	int r = 0;

	if (strcmp(type, "image/jpeg") == 0) {
		rewind(in);
		r = photo_shrink(
		    in, len, limit > 0 ? (size_t)limit : 0, out, &why);
	}
	if (r == 1 && (size = ftell(out)) > 0) {
		agent_log(a, "photo %s scaled down: %zu to %ld bytes", file,
		    len, size);
		*bytes = (size_t)size;
		return 0;
	}
	if (why != NULL) {
		/* Not decodable here: sent as taken, the server judges. */
		agent_log(a, "photo %s kept as taken: %s", file, why);
		free(why);
	}
	*bytes = len;
	return outbox_copy_file(in, len, out, buf);
}

/*
 * Streamed, never held whole: the photo is hashed, scaled or copied into
 * photos/.tmp-ID a chunk at a time, hashed again as kept, fsync'ed and
 * renamed to photos/SHA, and the directory fsync'ed: there, or not at
 * all.
 */
int
outbox_photo_keep(struct agent *a, const char *file, char sha[65],
    const char **type, size_t *bytes, char **cause)
{
	unsigned char head[12], *buf = NULL;
	char id[33], *dir = agent_path(a, "photos"), *tmp = NULL, *path = NULL;
	FILE *in, *out = NULL;
	size_t len, n;
	int dfd = -1, rc = -1;

	if ((in = outbox_photo_open(file, &len, cause)) == NULL) {
		free(dir);
		return -1;
	}
	n = fread(head, 1, sizeof head, in);
	if ((*type = image_sniff(head, n)) == NULL) {
		*cause = xasprintf("%s is not a JPEG, PNG or WebP image", file);
		goto out;
	}
	buf = xcalloc(1, OUTBOX_CHUNK);
	if (outbox_sha_file(in, len, sha) != (long long)len)
		goto io;
	/* Kept already (the screen keeps a photo when it arrives): a kept
	 * photo is named by its own hash; it is not scaled down twice. */
	if (outbox_photo_kept(a, sha, len)) {
		*bytes = len;
		rc = 0;
		goto out;
	}
	/* Locked until the temp file is renamed or removed: a sweep leaves it
	 * alone. Where the file system cannot lock, nothing is swept. */
	dfd = outbox_photos_lock(dir, LOCK_SH);
	agent_random_id(id, 16);
	tmp = xasprintf("%s/" OUTBOX_PHOTO_TMP "%s", dir, id);
	/* A copy of our own: the crew may delete theirs before the sync.
	 * Its name is the hash of what is sent, the copy. */
	if ((out = fopen(tmp, "w+xe")) == NULL ||
	    outbox_photo_write(a, file, in, len, *type, out, buf, bytes) != 0 ||
	    fflush(out) != 0 || fsync(fileno(out)) != 0 ||
	    outbox_sha_file(out, *bytes, sha) != (long long)*bytes)
		goto io;
	path = xasprintf("%s/%s", dir, sha);
	if (rename(tmp, path) != 0)
		goto io;
	if (dfd != -1 ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		fsync(dfd);
	rc = 0;
	goto out;
io:
	*cause = xasprintf("cannot keep the photo: %s", strerror(errno));
	if (tmp != NULL)
		unlink(tmp);
out:
	if (out != NULL)
		fclose(out);
	if (dfd != -1)
		close(dfd);
	fclose(in);
	free(buf);
	free(dir);
	free(tmp);
	free(path);
	return rc;
}

int
outbox_photo_add(struct agent *a, const char *file, long long request_id,
    const char *what, char sha[65], char **cause)
{
	const char *type;
	size_t len;

	if (outbox_photo_keep(a, file, sha, &type, &len, cause) != 0)
		return -1;
	if (store_db_run(a,
	        "INSERT OR IGNORE INTO photos (sha256, bytes, content_type,"
	        " request_id, what) VALUES (?, ?, ?, nullif(?, 0), ?)",
	        "tItIt", sha, (long long)len, type, request_id, what) != 0) {
		*cause = xstrdup(sqlite3_errmsg(a->db));
		return -1;
	}
	return 0;
}

static void
outbox_print_time(const char *label, long long ms)
{
	char buf[64];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		printf("%-14s never\n", label);
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
	printf("%-14s %s\n", label, buf);
}

static int
outbox_report_photo_cb(const struct store_photo_row *r, void *arg)
{
	(void)arg;
	if (r->request_id > 0)
		printf("  写真 %.12s 案件 %lld %s: サーバーが受け付けず / photo"
		       " of job %lld refused by the server: %s\n",
		    r->sha256, r->request_id, r->what != NULL ? r->what : "-",
		    r->request_id, r->failed);
	else
		printf(
		    "  写真 %.12s %s: サーバーが受け付けず / photo refused by"
		    " the server: %s\n",
		    r->sha256, r->what != NULL ? r->what : "-", r->failed);
	return 0;
}

/* "status" alone: the agent's state, read from the database. */
int
outbox_report(struct agent *a)
{
	sqlite3_stmt *st;
	char *v;

	v = outbox_get(a, "crew_code");
	printf("%-14s %s\n", "crew", v != NULL ? v : "(not enrolled)");
	free(v);
	v = outbox_get(a, "server");
	printf("%-14s %s\n", "server", v != NULL ? v : "-");
	free(v);
	printf("%-14s %lld\n", "outbox", outbox_pending(a));
	outbox_print_time("last sync", outbox_get_int(a, "last_sync_ms", 0));
	v = outbox_get(a, "last_error");
	printf("%-14s %s\n", "last error", v != NULL ? v : "-");
	free(v);
	printf("%-14s %lld\n", "cursor", outbox_get_int(a, "cursor", 0));
	if (sqlite3_prepare_v2(a->db,
	        "SELECT (SELECT count(*) FROM photos WHERE uploaded = 0 AND"
	        " failed IS NULL), (SELECT count(*) FROM fixes),"
	        " (SELECT count(*) FROM outbox WHERE ack_status IN"
	        " ('conflict', 'rejected'))",
	        -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		printf("%-14s %lld\n", "photos", sqlite3_column_int64(st, 0));
		printf("%-14s %lld\n", "fixes", sqlite3_column_int64(st, 1));
		printf("%-14s %lld\n", "refused", sqlite3_column_int64(st, 2));
	}
	sqlite3_finalize(st);
	/* What the server refused or kept as a conflict, newest first. */
	if (sqlite3_prepare_v2(a->db,
	        "SELECT client_id, kind, coalesce(request_id, 0), ack_status,"
	        " coalesce(ack_message, '') FROM outbox WHERE ack_status IN"
	        " ('conflict', 'rejected') ORDER BY seq DESC LIMIT 10",
	        -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			printf("  %s %s job %lld: %s (%s)\n",
			    sqlite3_column_text(st, 3),
			    sqlite3_column_text(st, 1),
			    (long long)sqlite3_column_int64(st, 2),
			    sqlite3_column_text(st, 4),
			    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	/* Photos the server refused for good: kept here, never sent again. */
	printf(
	    "%-14s %lld\n", "photos refused", store_photos_given_up_count(a));
	if (store_photos_given_up(a, 0, outbox_report_photo_cb, NULL) < 0) {
		v = outbox_errmsg(a);
		fprintf(stderr, "patrol-agent: status: %s\n", v);
		free(v);
		return AGENT_EXIT_FAIL;
	}
	return 0;
}

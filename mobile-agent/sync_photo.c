/*
 * Photo uploads: each photo goes up in chunks, each upload resuming where
 * the server says its copy ends; a photo the server holds leaves the
 * device.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync_int.h"

#define SYNC_CHUNK_MAX (256 << 10) /* photo upload chunk, at most */

/* 1 when the photo at path still hashes to sha (its name). */
static int
sync_photo_hash_ok(const char *path, const char *sha)
{
	char hex[65];
	FILE *f = fopen(path, "rb");
	long long n;

	if (f == NULL)
		return 0;
	n = outbox_sha_file(f, SIZE_MAX, hex);
	fclose(f);
	return n >= 0 && strcmp(hex, sha) == 0;
}

static void
sync_photo_mark(struct agent *a, const char *sha, const char *failed)
{
	char *path;

	if (store_photos_mark(a, sha, failed) == 0 && failed == NULL) {
		/* Stored on the server: the device's copy may go. */
		path = xasprintf("%s/photos/%s", a->dir, sha);
		unlink(path);
		free(path);
	}
}

/* One photo's upload in progress. */
struct sync_upload {
	struct agent *a;
	const char *server, *ca, *sha;
	char *url, *path;
	long long bytes;
	long long offset; /* where the server's copy ends */
	int restarts;     /* from 0 after a damaged upload */
	int ended;        /* SYNC_PHOTO_STORED or _REFUSED when it did */
};

#define SYNC_PHOTO_STORED  1
#define SYNC_PHOTO_REFUSED 2

static void
sync_photo_stored(struct sync_upload *u)
{
	sync_photo_mark(u->a, u->sha, NULL);
	u->ended = SYNC_PHOTO_STORED;
	agent_log(u->a, "photo %.12s stored", u->sha);
}

/* Given up on for good, why kept on the device (status and the screen). */
static void
sync_photo_refused(struct sync_upload *u, const char *why)
{
	sync_photo_mark(u->a, u->sha, why);
	u->ended = SYNC_PHOTO_REFUSED;
	agent_log(u->a, "photo %.12s refused: %s", u->sha, why);
}

/*
 * Each step below answers 1 to send on from u->offset, or 0 when this
 * photo is finished: *rc 0 when stored (or given up as unfixable, or not
 * announced yet), else an exit code with *cause.
 */

/* Asks (HEAD) where the server's copy ends. */
static int
sync_photo_head(struct sync_upload *u, int *rc, char **cause)
{
	struct sync_resp r;

	if (sync_http(u->a, u->server, u->ca, "HEAD", u->url, NULL, 0, -1, &r,
	        cause) != 0)
		return 0;
	sync_resp_free(&r);
	if (r.status == 401) {
		*rc = sync_revoked(u->a);
		return 0;
	}
	if (r.status == 404) {
		*rc = 0; /* not announced yet: the next sync does */
		return 0;
	}
	if (r.status != 200 || r.offset < 0) {
		*cause = xasprintf("HEAD %s: HTTP %ld", u->url, r.status);
		return 0;
	}
	u->offset = r.offset;
	if (r.complete) {
		sync_photo_stored(u);
		*rc = 0;
		return 0;
	}
	return 1;
}

/* What a chunk's reply (PATCH) means; frees the reply. */
static int
sync_photo_next(
    struct sync_upload *u, struct sync_resp *r, int *rc, char **cause)
{
	if (r->status == 204 || r->status == 200) {
		sync_resp_free(r);
		if (r->complete) {
			sync_photo_stored(u);
			*rc = 0;
			return 0;
		}
		if (r->offset <= u->offset) {
			*cause = xasprintf(
			    "upload of %.12s does not advance", u->sha);
			return 0;
		}
		u->offset = r->offset;
		return 1;
	}
	if (r->status == 409 && r->offset >= 0) {
		u->offset = r->offset; /* the server's word counts */
		sync_resp_free(r);
		return 1;
	}
	if (r->status == 422 && u->restarts++ == 0 &&
	    sync_photo_hash_ok(u->path, u->sha)) {
		u->offset = 0; /* damaged on the way: once more */
		sync_resp_free(r);
		return 1;
	}
	if (r->status == 422 || r->status == 415 || r->status == 413) {
		char *why = sync_http_error(r);

		sync_photo_refused(u, why);
		free(why);
		sync_resp_free(r);
		*rc = 0;
		return 0;
	}
	if (r->status == 401) {
		sync_resp_free(r);
		*rc = sync_revoked(u->a);
		return 0;
	}
	*cause = sync_http_error(r);
	sync_resp_free(r);
	return 0;
}

/*
 * Uploads one photo from where the server's copy ends. 0 when stored (or
 * given up as unfixable, recorded in photos.failed; *ended says which),
 * else an exit code.
 */
static int
sync_photo(struct agent *a, const char *server, const char *ca, const char *sha,
    long long bytes, int *ended, char **cause)
{
	struct sync_upload u = {a, server, ca, sha, NULL, NULL, bytes, 0, 0, 0};
	struct sync_resp r;
	uint8_t *chunk;
	long long chunk_max = outbox_get_int(a, "photo_chunk_bytes", 1 << 20);
	long long n;
	int fd = -1, rc = AGENT_EXIT_FAIL;

	/* Smaller than the server allows: a day-long daemon keeps its peak. */
	if (chunk_max > SYNC_CHUNK_MAX)
		chunk_max = SYNC_CHUNK_MAX;
	u.url = xasprintf("/agent/v1/photos/%s", sha);
	u.path = xasprintf("%s/photos/%s", a->dir, sha);
	chunk = xcalloc(1, (size_t)chunk_max);
	if (!sync_photo_head(&u, &rc, cause))
		goto out;
	if ((fd = open(u.path, O_RDONLY | O_CLOEXEC)) == -1) {
		sync_photo_refused(&u, "the device's copy is missing");
		rc = 0;
		goto out;
	}
	do {
		n = bytes - u.offset < chunk_max ? bytes - u.offset : chunk_max;
		if (n < 0 || pread(fd, chunk, (size_t)n, u.offset) != n) {
			*cause = xasprintf("cannot read %s", u.path);
			break;
		}
		if (sync_http(a, server, ca, "PATCH", u.url, chunk, (size_t)n,
		        u.offset, &r, cause) != 0)
			break;
	} while (sync_photo_next(&u, &r, &rc, cause));
out:
	if (fd != -1)
		close(fd);
	free(chunk);
	free(u.path);
	free(u.url);
	*ended = u.ended;
	return rc;
}

/* The photos to upload, copied out of the store's rows. */
struct sync_uploads {
	char **sha;
	long long *bytes;
	size_t k, nb;
};

static int
sync_photos_cb(const struct store_photo_row *r, void *arg)
{
	struct sync_uploads *u = arg;

	SYNC_APPEND(u->sha, u->k, xstrdup(r->sha256));
	SYNC_APPEND(u->bytes, u->nb, r->bytes);
	return 0;
}

int
sync_photos(struct agent *a, const char *server, const char *ca, int *n,
    int *refused, char **cause)
{
	struct sync_uploads u = {NULL, NULL, 0, 0};
	size_t i;
	int ended, rc = 0;

	if (store_photos_to_upload(a, sync_photos_cb, &u) < 0)
		return AGENT_EXIT_FAIL;
	for (i = 0; i < u.k && rc == 0; i++) {
		ended = 0;
		rc = sync_photo(
		    a, server, ca, u.sha[i], u.bytes[i], &ended, cause);
		*n += ended == SYNC_PHOTO_STORED;
		*refused += ended == SYNC_PHOTO_REFUSED;
	}
	for (i = 0; i < u.k; i++)
		free(u.sha[i]);
	free(u.sha);
	free(u.bytes);
	return rc;
}

static int
sync_photos_forget_cb(const struct store_photo_row *r, void *arg)
{
	struct agent *a = arg;
	char *path = xasprintf("%s/photos/%s", a->dir, r->sha256);

	unlink(path);
	free(path);
	return 0;
}

/*
 * Photos the server holds (uploaded now, or found there already when a
 * reply was lost after the last chunk): the device's copies go.
 */
void
sync_photos_forget(struct agent *a)
{
	char *cause;

	if (store_photos_uploaded(a, sync_photos_forget_cb, a) >= 0 &&
	    store_photos_delete_uploaded(a) == 0)
		return;
	/* Tried again after the next sync; a copy already gone stays gone. */
	cause = outbox_errmsg(a);
	agent_log(a, "photos: the uploaded ones are not forgotten: %s", cause);
	free(cause);
}

/*
 * Resumable photo uploads from the handhelds, in the manner of tus:
 * HEAD (or GET) /agent/v1/photos/{sha256} tells the offset stored so far
 * in Upload-Offset; PATCH with Upload-Offset appends a chunk at exactly
 * that offset (409 and the stored offset otherwise). The chunk that completes
 * the photo has it checked against its SHA-256, stored by content (photos.c)
 * and linked to every request whose result or finding named it. A photo must
 * have been announced in a sync first (its manifest gives the size). Partial
 * files live in photo_dir/.partial, one per device and photo, fsync'ed after
 * every chunk: an offset once reported is never lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/http.h>

#include "api_sync.h"
#include "api_routes.h"
#include "app.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "image.h"
#include "log.h"
#include "photos.h"
#include "store_sync.h"
#include "xmalloc.h"

#define UPLOAD_CHUNK_MAX (2 << 20) /* the agent sends 1 MiB */

struct upload {
	struct http_req *req;
	int patch;
	char sha[65];
	long long device_id;
	long long expected;
	char *partial;
	int created; /* photos_store made the file */
	size_t len;  /* when complete */
	char type[32];
};

static void
upload_free(struct upload *u)
{
	http_req_unref(u->req);
	free(u->partial);
	free(u);
}

static void
upload_offset_header(struct http_req *req, long long offset, long long length)
{
	char v[24];

	snprintf(v, sizeof v, "%lld", offset);
	http_req_set_header(req, "Upload-Offset", v);
	snprintf(v, sizeof v, "%lld", length);
	http_req_set_header(req, "Upload-Length", v);
}

static void
upload_reply_offset(struct upload *u, long long offset, int complete)
{
	upload_offset_header(u->req, offset, u->expected);
	if (complete)
		http_req_set_header(u->req, "Upload-Complete", "1");
	http_reply(u->req, u->patch ? 204 : 200, NULL, NULL);
}

/* The partial file's size; a file longer than announced starts over. */
static long long
upload_partial_size(struct upload *u)
{
	struct stat st;

	if (stat(u->partial, &st) != 0)
		return 0;
	if (st.st_size > u->expected) {
		unlink(u->partial);
		return 0;
	}
	return (long long)st.st_size;
}

static int
upload_mkdirs(struct app *app, char **cause)
{
	const char *dir = app->cfg->photo_dir;
	char *sub = xasprintf("%s/.partial", dir);
	int rc = 0;

	if ((mkdir(dir, 0750) != 0 && errno != EEXIST) ||
	    (mkdir(sub, 0750) != 0 && errno != EEXIST)) {
		*cause = xasprintf("cannot make %s: %s", sub, strerror(errno));
		rc = -1;
	}
	free(sub);
	return rc;
}

static void
upload_stored_cb(struct db_result *r, void *arg)
{
	struct upload *u = arg;
	struct app *app = http_req_owner(u->req);

	if (r->status != DB_OK) {
		/*
		 * The partial file stays, so the agent's retry finishes the
		 * job without sending it again; the stored file goes if this
		 * upload made it (no orphan files, issue 10).
		 */
		log_warnx("event=photo_link_failed sha256=%s error=%s", u->sha,
		    log_q(r->error));
		if (u->created)
			photos_discard(app->cfg->photo_dir, u->sha);
		if (!http_req_done(u->req))
			api_sync_unavailable(u->req);
		upload_free(u);
		return;
	}
	unlink(u->partial);
	log_info("event=photo_uploaded device_id=%lld sha256=%s bytes=%zu",
	    u->device_id, u->sha, u->len);
	if (!http_req_done(u->req))
		upload_reply_offset(u, (long long)u->len, 1);
	upload_free(u);
}

/* The last chunk is in: check the whole photo, store it, link it. */
static void
upload_finish(struct upload *u)
{
	struct app *app = http_req_owner(u->req);
	char hex[65];
	const char *type;
	unsigned char *data;
	ssize_t n;
	size_t len = (size_t)u->expected, off = 0;
	int fd;

	data = xmalloc(len + 1);
	if ((fd = open(u->partial, O_RDONLY | O_CLOEXEC)) == -1)
		goto ioerr;
	while (off < len && (n = read(fd, data + off, len - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (off != len)
		goto ioerr;
	photos_hash(data, len, hex);
	if (strcmp(hex, u->sha) != 0) {
		unlink(u->partial);
		log_warnx("event=photo_checksum_mismatch device_id=%lld "
		          "sha256=%s",
		    u->device_id, u->sha);
		upload_offset_header(u->req, 0, u->expected);
		api_sync_error(u->req, 422, "checksum_mismatch", "sha256",
		    "the uploaded bytes do not have this SHA-256; upload again "
		    "from offset 0");
		goto out;
	}
	if ((type = image_sniff(data, len)) == NULL) {
		unlink(u->partial);
		api_sync_error(u->req, 415, "not_an_image", NULL,
		    "the photo is not a JPEG, PNG or WebP image");
		goto out;
	}
	if (photos_store(app->cfg->photo_dir, data, len, hex, &u->created) !=
	    0) {
		api_sync_error(
		    u->req, 500, "internal", NULL, "cannot store the photo");
		goto out;
	}
	free(data);
	u->len = len;
	snprintf(u->type, sizeof u->type, "%s", type);
	store_sync_photo_stored(
	    app->db, u->sha, len, u->type, upload_stored_cb, u);
	return;
ioerr:
	log_warn("event=photo_partial_read_failed sha256=%s", u->sha);
	api_sync_error(u->req, 500, "internal", NULL, "cannot read the upload");
out:
	free(data);
	upload_free(u);
}

static int
upload_parse_offset(const char *v, long long *out)
{
	char *end;

	if (v == NULL || *v < '0' || *v > '9' || strlen(v) > 15)
		return -1;
	*out = strtoll(v, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/* Appends the chunk at the stored offset; -1 after answering. */
static int
upload_append(struct upload *u, long long offset, const char *body, size_t len,
    long long *now)
{
	struct app *app = http_req_owner(u->req);
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd;
	char *cause;

	if (upload_mkdirs(app, &cause) != 0) {
		log_error("event=photo_partial_failed reason=%s", log_q(cause));
		free(cause);
		goto fail;
	}
	if ((fd = open(u->partial, O_WRONLY | O_CREAT | O_CLOEXEC, 0640)) ==
	    -1) {
		log_warn("event=photo_partial_open_failed sha256=%s", u->sha);
		goto fail;
	}
	/* Two patrold processes, or two requests of one agent: one wins. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		api_sync_error(u->req, 409, "upload_busy", NULL,
		    "another upload of this photo is in progress");
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_size != offset) {
		close(fd);
		upload_offset_header(
		    u->req, (long long)st.st_size, u->expected);
		api_sync_error(u->req, 409, "wrong_offset", "Upload-Offset",
		    "the server holds %lld bytes; continue from there",
		    (long long)st.st_size);
		return -1;
	}
	while (off < len) {
		n = pwrite(
		    fd, body + off, len - off, (off_t)offset + (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	/* Durable before the new offset is reported. */
	if (off != len || fsync(fd) != 0) {
		log_warn("event=photo_partial_write_failed sha256=%s", u->sha);
		if (ftruncate(fd, offset) != 0)
			log_warn("event=photo_partial_truncate_failed");
		close(fd);
		goto fail;
	}
	close(fd);
	*now = offset + (long long)len;
	return 0;
fail:
	api_sync_error(u->req, 500, "internal", NULL, "cannot store the chunk");
	return -1;
}

static void
upload_lookup_cb(struct db_result *r, void *arg)
{
	struct upload *u = arg;
	struct app *app = http_req_owner(u->req);
	struct store_sync_photo ph;
	const char *body;
	long long offset, now;
	size_t len;

	if (http_req_done(u->req))
		goto out;
	if (r->status != DB_OK) {
		api_sync_unavailable(u->req);
		goto out;
	}
	if (!store_sync_photo_lookup_row(r->res, &ph)) {
		api_sync_unauthorized(u->req, "unknown_token");
		goto out;
	}
	u->device_id = ph.device_id;
	if (ph.stored) {
		/* Stored already (by this device or another): done. */
		u->expected = ph.stored_bytes;
		upload_reply_offset(u, u->expected, 1);
		goto out;
	}
	if (!ph.announced) {
		api_sync_error(u->req, 404, "unknown_photo", "sha256",
		    "announce the photo in a sync (PhotoManifest) first");
		goto out;
	}
	u->expected = ph.bytes;
	if (u->expected > app->cfg->photo_max_bytes) {
		api_sync_error(u->req, 413, "photo_too_large", NULL,
		    "a photo may be at most %d bytes",
		    app->cfg->photo_max_bytes);
		goto out;
	}
	u->partial = xasprintf(
	    "%s/.partial/%lld-%s", app->cfg->photo_dir, u->device_id, u->sha);
	if (!u->patch) {
		upload_reply_offset(u, upload_partial_size(u), 0);
		goto out;
	}
	if (upload_parse_offset(
	        http_req_header(u->req, "Upload-Offset"), &offset) != 0) {
		api_sync_error(u->req, 400, "missing_offset", "Upload-Offset",
		    "send Upload-Offset: the stored offset (HEAD tells it)");
		goto out;
	}
	body = http_req_body(u->req, &len);
	if (offset + (long long)len > u->expected) {
		api_sync_error(u->req, 413, "beyond_length", "Upload-Offset",
		    "the chunk ends after the photo's announced %lld bytes",
		    u->expected);
		goto out;
	}
	if (upload_append(u, offset, body, len, &now) != 0)
		goto out;
	if (now < u->expected) {
		upload_reply_offset(u, now, 0);
		goto out;
	}
	upload_finish(u);
	return;
out:
	upload_free(u);
}

static void
upload_start(struct http_req *req, int patch)
{
	struct app *app = http_req_owner(req);
	struct upload *u;
	const char *sha = http_req_param(req, 0);
	char hash[65];

	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
		api_sync_error(req, 404, "not_found", NULL,
		    "a photo is named by its SHA-256 in lower-case hex");
		return;
	}
	if (api_sync_token_hash(req, hash) != 0)
		return;
	u = xcalloc(1, sizeof *u);
	u->req = req;
	u->patch = patch;
	memcpy(u->sha, sha, 65);
	http_req_ref(req);
	store_sync_photo_lookup(app->db, hash, sha, upload_lookup_cb, u);
}

static void
upload_head(struct http_req *req)
{
	upload_start(req, 0);
}

static void
upload_patch(struct http_req *req)
{
	upload_start(req, 1);
}

const struct http_route api_sync_photos_routes[] = {
    /* GET too: some proxies mangle HEAD. Both answer headers only. */
    {"agent.photo_offset", EVHTTP_REQ_HEAD | EVHTTP_REQ_GET,
        "/agent/v1/photos/{}", 0, 0, upload_head, NULL},
    {"agent.photo_append", EVHTTP_REQ_PATCH, "/agent/v1/photos/{}",
        UPLOAD_CHUNK_MAX, 60000, upload_patch, NULL},
    {0},
};

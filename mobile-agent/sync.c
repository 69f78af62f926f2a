/*
 * Talking to patrold (http.c, protobuf). A sync sends the outbox in
 * batches: a batch's items are fixed when it is first built and it keeps
 * its id until the server acknowledged it, so a retry after a lost reply
 * sends the very same batch and gets the very same acknowledgement. Only
 * an acknowledged item leaves the outbox. Then photos go up in chunks,
 * each resuming where the server says it holds. This file is the cycle;
 * sync_int.h lists the files of its parts.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "sync_int.h"

#define SYNC_ROUNDS_MAX 50

/*
 * Keeps the last error for "status" and the screen; says so on stderr when
 * even that cannot be written.
 */
static void
sync_error_keep(struct agent *a, const char *text)
{
	char *cause;

	if (outbox_set(a, "last_error", text) == 0)
		return;
	cause = outbox_errmsg(a);
	fprintf(stderr, "patrol-agent: the error was not kept: %s\n", cause);
	free(cause);
}

/* Revoked: forget the token and every caller's name and phone. */
int
sync_revoked(struct agent *a)
{
	char *cause = NULL;

	if (outbox_wipe_personal(a, &cause) != 0) {
		fprintf(stderr, "patrol-agent: wiping: %s\n", cause);
		free(cause);
	}
	sync_error_keep(a, "device revoked (HTTP 401)");
	fprintf(stderr,
	    "patrol-agent: this device was revoked: personal data "
	    "wiped; enroll it again to continue\n");
	return AGENT_EXIT_REVOKED;
}

/* One batch there and back. *more: items still wait after it. */
static int
sync_round(struct agent *a, const char *server, const char *ca, int *more,
    long long *sent, char **cause)
{
	Patrol__Sync__V1__SyncResponse *resp;
	struct sync_batch b;
	struct sync_resp r;
	char id[40];
	uint8_t *buf;
	size_t len;
	int rc = AGENT_EXIT_FAIL;

	*more = 0;
	if (sync_batch_pick(a, id, cause) != 0)
		return AGENT_EXIT_FAIL;
	if (sync_batch_load(a, id[0] != '\0' ? id : "-", &b, cause) != 0) {
		sync_batch_free(&b);
		return AGENT_EXIT_FAIL;
	}
	b.req.batch_id = id[0] != '\0' ? id : "-";
	len = patrol__sync__v1__sync_request__get_packed_size(&b.req);
	buf = xcalloc(1, len);
	patrol__sync__v1__sync_request__pack(&b.req, buf);
	b.req.batch_id = id;
	agent_log(a, "batch %s: %zu items, %zu bytes", id, b.nitems, len);
	if (sync_http(a, server, ca, "POST", "/agent/v1/sync", buf, len, -1, &r,
	        cause) != 0)
		goto out;
	if (r.status == 401) {
		sync_resp_free(&r);
		rc = sync_revoked(a);
		goto out;
	}
	if (r.status == 409 && id[0] != '\0') {
		/*
		 * The id was spent on other content (a restore from backup?):
		 * the items go again under a new one; their own ids keep them
		 * from being applied twice.
		 */
		sync_resp_free(&r);
		if (store_outbox_batch_reset(a) != 0) {
			*cause = outbox_errmsg(a);
			goto out;
		}
		*more = 1;
		rc = 0;
		goto out;
	}
	if (r.status != 200 ||
	    (resp = patrol__sync__v1__sync_response__unpack(
	         NULL, r.len, r.body)) == NULL) {
		*cause = sync_http_error(&r);
		sync_resp_free(&r);
		goto out;
	}
	sync_resp_free(&r);
	if (sync_apply(a, &b, resp, cause) == 0) {
		*sent += (long long)resp->n_acks;
		*more = id[0] != '\0' && outbox_pending(a) > 0;
		rc = 0;
	}
	patrol__sync__v1__sync_response__free_unpacked(resp, NULL);
out:
	free(buf);
	sync_batch_free(&b);
	return rc;
}

int
sync_run(struct agent *a)
{
	char *server, *ca, *lock, *cause = NULL;
	long long sent = 0;
	int fd, more = 1, round, photos = 0, refused = 0, rc = 0;

	if ((server = outbox_get(a, "server")) == NULL) {
		fprintf(stderr,
		    "patrol-agent: sync: not enrolled: run "
		    "'patrol-agent enroll' first\n");
		return AGENT_EXIT_USAGE;
	}
	ca = outbox_get(a, "ca_file");
	/* One sync at a time per device: the daemon and a crew's command. */
	lock = agent_path(a, "sync.lock");
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    flock(fd, LOCK_EX) != 0) {
		fprintf(stderr, "patrol-agent: sync: cannot lock %s\n", lock);
		rc = AGENT_EXIT_FAIL;
		goto out;
	}
	for (round = 0; more && round < SYNC_ROUNDS_MAX && rc == 0; round++)
		rc = sync_round(a, server, ca, &more, &sent, &cause);
	if (rc == 0)
		rc = sync_photos(a, server, ca, &photos, &refused, &cause);
	if (rc == 0)
		sync_photos_forget(a);
	if (rc == AGENT_EXIT_FAIL) {
		sync_error_keep(a, cause != NULL ? cause : "failed");
		fprintf(stderr, "patrol-agent: sync: %s (%lld to send)\n",
		    cause != NULL ? cause : "failed", outbox_pending(a));
	} else if (rc == 0) {
		printf("OK synced: %lld item(s) acknowledged, %d photo(s) "
		       "uploaded, %lld to send\n",
		    sent, photos, outbox_pending(a));
		if (refused > 0)
			printf("写真 %d 枚をサーバーが受け付けず / %d photo(s) "
			       "refused by the server: see 'patrol-agent "
			       "status'\n",
			    refused, refused);
	}
out:
	if (fd != -1)
		close(fd);
	free(cause);
	free(lock);
	free(server);
	free(ca);
	return rc;
}

/* "sync": everything pending, once. */
int
sync_main(struct agent *a, int argc, char **argv)
{
	if (agent_args("sync", argc, argv, NULL, NULL, 0) != 0)
		return agent_usage(a, "sync");
	return sync_run(a);
}

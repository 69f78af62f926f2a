/*
 * The sync's transport: one HTTP exchange with patrold (http.c) carrying
 * the device token, and an Error reply in words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"

#define SYNC_RESP_MAX (16 << 20)
#define SYNC_TYPE     "application/x-protobuf"

static char *
sync_token(struct agent *a)
{
	char *path = agent_path(a, "token"), buf[128];
	FILE *f = fopen(path, "r");
	char *t = NULL;

	free(path);
	if (f == NULL)
		return NULL;
	if (fgets(buf, sizeof buf, f) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] != '\0')
			t = xstrdup(buf);
	}
	fclose(f);
	return t;
}

static long
sync_timeout_s(void)
{
	const char *v = getenv("PATROL_AGENT_TIMEOUT_S");
	long n = v != NULL ? atol(v) : 0;

	return n > 0 ? n : 60;
}

/* One HTTP exchange (sync_int.h). */
int
sync_http(struct agent *a, const char *server, const char *ca,
    const char *method, const char *path, const uint8_t *body, size_t len,
    long long upload_offset, struct sync_resp *r, char **cause)
{
	struct http_req q = {0};
	char *token = sync_token(a), *auth, *hdr;
	int rc;

	auth = token != NULL ? xasprintf("Authorization: Bearer %s\r\n", token)
	                     : xstrdup("");
	free(token);
	if (upload_offset >= 0)
		hdr = xasprintf("%sUpload-Offset: %lld\r\nContent-Type: "
		                "application/offset+octet-stream\r\n",
		    auth, upload_offset);
	else if (body != NULL)
		hdr = xasprintf("%sContent-Type: " SYNC_TYPE "\r\n", auth);
	else
		hdr = xstrdup(auth);
	free(auth);
	q.server = server;
	q.path = path;
	q.method = method;
	q.headers = hdr;
	q.body = body;
	q.len = body != NULL ? len : 0;
	q.ca = ca;
	q.timeout_s = sync_timeout_s();
	q.max_body = SYNC_RESP_MAX;
	rc = http_exchange(&q, r, cause);
	free(hdr);
	return rc;
}

/* "HTTP 409 batch_conflict: ..." from an Error body, for last_error. */
char *
sync_http_error(struct sync_resp *r)
{
	Patrol__Sync__V1__Error *e;
	char *s;

	e = patrol__sync__v1__error__unpack(NULL, r->len, r->body);
	if (e == NULL)
		return xasprintf("HTTP %ld", r->status);
	s = xasprintf("HTTP %ld %s: %s", r->status, e->code,
	    e->message != NULL ? e->message : "");
	patrol__sync__v1__error__free_unpacked(e, NULL);
	return s;
}

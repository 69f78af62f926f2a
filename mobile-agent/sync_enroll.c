/*
 * Enrolment: "enroll --server URL --code CODE" trades a one-time code for
 * the device token (kept in the state directory, mode 0600, written
 * durably) and the crew's first settings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync_int.h"

static int
sync_write_token(struct agent *a, const char *token, char **cause)
{
	char *path = agent_path(a, "token"), *tmp = agent_path(a, ".token");
	int fd, dfd, rc = -1;
	size_t len = strlen(token);

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	        -1 ||
	    write(fd, token, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		*cause =
		    xasprintf("cannot store the token: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(tmp);
		goto out;
	}
	if ((dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	free(path);
	free(tmp);
	return rc;
}

int
sync_enroll(struct agent *a, const char *server, const char *code,
    const char *ca, const char *label)
{
	Patrol__Sync__V1__EnrollRequest m =
	    PATROL__SYNC__V1__ENROLL_REQUEST__INIT;
	Patrol__Sync__V1__AgentHello hello =
	    PATROL__SYNC__V1__AGENT_HELLO__INIT;
	Patrol__Sync__V1__EnrollResponse *e;
	struct sync_resp r;
	char *base, *cause = NULL, *token;
	uint8_t *buf;
	size_t len;
	int rc = AGENT_EXIT_FAIL;

	base = xstrdup(server);
	while (*base != '\0' && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	hello.agent_version = AGENT_VERSION;
	m.code = (char *)code;
	m.hello = &hello;
	m.label = (char *)label;
	len = patrol__sync__v1__enroll_request__get_packed_size(&m);
	buf = xcalloc(1, len);
	patrol__sync__v1__enroll_request__pack(&m, buf);
	/* A token of an earlier enrollment must not be sent along. */
	token = agent_path(a, "token");
	unlink(token);
	free(token);
	if (sync_http(a, base, ca, "POST", "/agent/v1/enroll", buf, len, -1, &r,
	        &cause) != 0) {
		fprintf(stderr, "patrol-agent: enroll: %s\n", cause);
		goto out;
	}
	if (r.status != 201 ||
	    (e = patrol__sync__v1__enroll_response__unpack(
	         NULL, r.len, r.body)) == NULL) {
		cause = sync_http_error(&r);
		fprintf(stderr, "patrol-agent: enroll: %s\n", cause);
		sync_resp_free(&r);
		goto out;
	}
	sync_resp_free(&r);
	if (sync_write_token(a, e->device_token, &cause) != 0 ||
	    outbox_begin(a, &cause) != 0) {
		fprintf(stderr, "patrol-agent: enroll: %s\n", cause);
		patrol__sync__v1__enroll_response__free_unpacked(e, NULL);
		goto out;
	}
	/* A new device: the server has sent it nothing yet (cursor). */
	if (outbox_set(a, "server", base) != 0 ||
	    outbox_set(a, "ca_file", ca) != 0 ||
	    outbox_set_int(a, "device_id", e->device_id) != 0 ||
	    outbox_set(a, "crew_code", e->crew_code) != 0 ||
	    outbox_set(a, "crew_name", e->crew_name) != 0 ||
	    outbox_set(a, "cursor", NULL) != 0 ||
	    outbox_set(a, "last_error", NULL) != 0 ||
	    sync_settings(a, e->settings) != 0)
		cause = outbox_errmsg(a);
	if (cause != NULL || outbox_commit(a, &cause) != 0) {
		fprintf(stderr, "patrol-agent: enroll: %s\n", cause);
		outbox_rollback(a);
	} else {
		printf("OK enrolled: device %lld of crew %s\n",
		    (long long)e->device_id, e->crew_code);
		rc = 0;
	}
	patrol__sync__v1__enroll_response__free_unpacked(e, NULL);
out:
	free(cause);
	free(buf);
	free(base);
	return rc;
}

/* "enroll --server URL --code CODE [--ca FILE] [--label TEXT]" */
int
sync_enroll_main(struct agent *a, int argc, char **argv)
{
	struct args_opt o[] = {{.name = "server"}, {.name = "code"},
	    {.name = "ca"}, {.name = "label"}, {.name = NULL}};

	if (agent_args("enroll", argc, argv, o, NULL, 0) != 0 ||
	    o[0].value == NULL || o[1].value == NULL)
		return agent_usage(a, "enroll");
	return sync_enroll(a, o[0].value, o[1].value, o[2].value, o[3].value);
}

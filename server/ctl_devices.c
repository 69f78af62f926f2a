/*
 * patrolctl device enroll|list|revoke. An enrollment code is printed once,
 * alone on stdout so scripts can capture it, and only its hash is stored;
 * the crew types it into patrol-agent enroll before it expires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "auth.h"
#include "ctl.h"
#include "ctl_devices.h"
#include "store_sync.h"
#include "sync.h"
#include "xmalloc.h"

int
ctl_devices_enroll(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {
	    {.name = "crew"}, {.name = "ttl-minutes"}, {.name = NULL}};
	char code[SYNC_CODE_LEN + 2], canon[SYNC_CODE_LEN + 1], hash[65];
	char *expires, *cause, *end;
	long ttl = 15;

	if (ctl_args("device enroll", argc, argv, opts, NULL, 0) != 0 ||
	    opts[0].value == NULL) {
		return ctl_usage(c, "device enroll");
	}
	if (opts[1].value != NULL) {
		ttl = strtol(opts[1].value, &end, 10);
		if (*opts[1].value == '\0' || *end != '\0' || ttl < 1 ||
		    ttl > 10080) {
			fprintf(stderr,
			    "patrolctl: device enroll: "
			    "--ttl-minutes must be 1..10080\n");
			return 2;
		}
	}
	sync_code_new(code);
	if (sync_code_normalize(code, canon) != 0)
		return ctl_fail("device enroll", xstrdup("bad code"));
	auth_token_hash(canon, hash);
	if (store_devices_enroll_code(ctl_db(c), opts[0].value, hash, (int)ttl,
	        ctl_actor(), &expires, &cause) != 0)
		return ctl_fail("device enroll", cause);
	printf("%s\n", code);
	fprintf(stderr,
	    "one-time code for crew %s, valid until %s: patrol-agent enroll "
	    "--server URL --code %s\n",
	    opts[0].value, expires, code);
	free(expires);
	return 0;
}

int
ctl_devices_list(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "crew"}, {.name = NULL}};
	struct store_device d;
	PGresult *res;
	char *cause;
	int i;

	if (ctl_args("device list", argc, argv, opts, NULL, 0) != 0) {
		return ctl_usage(c, "device list");
	}
	if (store_devices_list(ctl_db(c), opts[0].value, &res, &cause) != 0)
		return ctl_fail("device list", cause);
	printf("%-6s %-20s %-8s %-16s %-19s %-10s %s\n", "id", "crew",
	    "version", "enrolled", "last sync", "status", "label");
	for (i = 0; store_devices_row(res, i, &d); i++)
		printf("%-6lld %-20s %-8s %-16s %-19s %-10s %s\n", d.id, d.crew,
		    d.agent_version, d.enrolled_at, d.last_sync_at, d.state,
		    d.label);
	PQclear(res);
	return 0;
}

int
ctl_devices_revoke(struct ctl *c, int argc, char **argv)
{
	struct args_opt opts[] = {{.name = "crew"}, {.name = NULL}};
	const char *pos[1];
	char *cause, *end;
	long long id = 0;
	int npos, n;

	npos = ctl_args("device revoke", argc, argv, opts, pos, 1);
	if (npos < 0 || (npos == 1) == (opts[0].value != NULL)) {
		return ctl_usage(c, "device revoke");
	}
	if (npos == 1) {
		id = strtoll(pos[0], &end, 10);
		if (*pos[0] == '\0' || *end != '\0' || id < 1) {
			fprintf(stderr,
			    "patrolctl: device revoke: '%s' is not "
			    "a device id\n",
			    pos[0]);
			return 2;
		}
	}
	if (store_devices_revoke(
	        ctl_db(c), id, opts[0].value, ctl_actor(), &n, &cause) != 0)
		return ctl_fail("device revoke", cause);
	if (n == 0) {
		fprintf(stderr,
		    "patrolctl: device revoke: no active device "
		    "matched\n");
		return 1;
	}
	printf("%d device(s) revoked\n", n);
	return 0;
}

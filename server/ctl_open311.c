/*
 * patrolctl open311 key add|list|revoke: the api_key of each client
 * application (a city app, a FixMyStreet install) that posts reports.
 * A key is printed once, alone on stdout so scripts can capture it; only
 * its SHA-256 is stored, as for API tokens (auth_token_new).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "auth.h"
#include "ctl.h"
#include "ctl_open311.h"
#include "store_open311.h"

static int
ctl_open311_name(struct ctl *c, const char *command, int argc, char **argv,
    const char **name)
{
	if (ctl_args(command, argc, argv, NULL, name, 1) != 1) {
		(void)ctl_usage(c, command);
		return -1;
	}
	if (!ctl_name_ok(*name)) {
		fprintf(stderr,
		    "patrolctl: %s: bad client name '%s': 1 to 63 of a-z, "
		    "0-9, '_', '.' and '-'\n",
		    command, *name);
		return -1;
	}
	return 0;
}

int
ctl_open311_key_add(struct ctl *c, int argc, char **argv)
{
	const char *name;
	char key[64], hash[65], *cause;

	if (ctl_open311_name(c, "open311 key add", argc, argv, &name) != 0)
		return 2;
	auth_token_new(key, sizeof key, hash);
	if (store_open311_key_add(ctl_db(c), name, hash, ctl_actor(), &cause) !=
	    0) {
		sodium_memzero(key, sizeof key);
		return ctl_fail("open311 key add", cause);
	}
	ctl_secret_show(
	    key, sizeof key, "Open311 key created for client", name);
	return 0;
}

int
ctl_open311_key_list(struct ctl *c, int argc, char **argv)
{
	struct store_open311_key k;
	PGresult *res;
	char *cause;
	int i;

	if (ctl_args("open311 key list", argc, argv, NULL, NULL, 0) != 0)
		return ctl_usage(c, "open311 key list");
	if (store_open311_key_list(ctl_db(c), &res, &cause) != 0)
		return ctl_fail("open311 key list", cause);
	printf("%-24s %-25s %-25s %s\n", "CLIENT", "CREATED", "LAST USED",
	    "REVOKED");
	for (i = 0; store_open311_key_list_row(res, i, &k); i++)
		printf("%-24s %-25s %-25s %s\n", k.name, k.created_at,
		    k.last_used_at, k.revoked ? "yes" : "no");
	PQclear(res);
	return 0;
}

int
ctl_open311_key_revoke(struct ctl *c, int argc, char **argv)
{
	const char *name;
	char *cause;

	if (ctl_open311_name(c, "open311 key revoke", argc, argv, &name) != 0)
		return 2;
	if (store_open311_key_revoke(ctl_db(c), name, ctl_actor(), &cause) != 0)
		return ctl_fail("open311 key revoke", cause);
	printf("revoked the Open311 key of client %s\n", name);
	return 0;
}

/*
 * patrolctl's command table and the dispatch over it. The commands
 * themselves live in ctl_*.c; the helpers they share in ctl.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "ctl_addresses.h"
#include "ctl_backup.h"
#include "ctl_retention.h"
#include "ctl_devices.h"
#include "ctl_dispatch.h"
#include "ctl_open311.h"
#include "ctl_plan.h"
#include "ctl_network.h"
#include "ctl_directory.h"
#include "ctl_users.h"
#include "ctl_wards.h"
#include "migrate.h"

static int
ctl_migrate(struct ctl *c, int argc, char **argv)
{
	char *cause;

	if (ctl_args("migrate", argc, argv, NULL, NULL, 0) != 0)
		return ctl_usage(c, "migrate");
	if (migrate_apply(ctl_db(c), c->cfg->schema_dir, stdout, &cause) != 0) {
		fprintf(stderr, "patrolctl: %s\n", cause);
		free(cause);
		return 1;
	}
	return 0;
}

static int
ctl_migrate_status(struct ctl *c, int argc, char **argv)
{
	char *cause, *pending;

	if (ctl_args("migrate status", argc, argv, NULL, NULL, 0) != 0)
		return ctl_usage(c, "migrate status");
	if (migrate_pending(ctl_db(c), c->cfg->schema_dir, &pending, &cause) !=
	    0) {
		fprintf(stderr, "patrolctl: %s\n", cause);
		free(cause);
		return 1;
	}
	if (*pending == '\0')
		printf("schema is current\n");
	else
		printf("pending: %s\n", pending);
	free(pending);
	return 0;
}

static const struct ctl_command ctl_commands[] = {
    {"import wards", "FILE [--name-field name] [--code-field code]",
        "replace the wards with a GeoJSON file's polygons", ctl_wards_import},
    {"wards list", "", "list the wards: code, name, bbox", ctl_wards_list},
    {"user add",
        "NAME --role ROLE [--crew CODE] [--display-name TEXT] "
        "[--password-stdin]",
        "add a user with a role", ctl_users_add},
    {"user list", "", "list users and their roles", ctl_users_list},
    {"user crew", "NAME --crew CODE | NAME --none",
        "bind a crew user to the crew whose jobs it may act on",
        ctl_users_crew},
    {"user disable", "NAME", "disable a user and revoke their tokens",
        ctl_users_disable},
    {"user password", "NAME", "set a user's password from stdin",
        ctl_users_password},
    {"token create", "--user NAME [--label TEXT]",
        "create an API token for a user and print it once",
        ctl_users_token_create},
    {"token revoke", "--user NAME", "revoke all of a user's API tokens",
        ctl_users_token_revoke},
    {"device enroll", "--crew CODE [--ttl-minutes 15]",
        "print a one-time code that enrolls a crew's handheld",
        ctl_devices_enroll},
    {"device list", "[--crew CODE]", "list the crews' handhelds",
        ctl_devices_list},
    {"device revoke", "ID | --crew CODE",
        "revoke a handheld (its next sync gets 401 and wipes it)",
        ctl_devices_revoke},
    {"directory add",
        "NAME --email ADDRESS [--handles TEXT] [--phone PHONE] [--hours TEXT] "
        "[--demo]",
        "add a hand-over recipient (department or outside body)",
        ctl_directory_add},
    {"directory list", "[--removed]", "list the hand-over recipients",
        ctl_directory_list},
    {"directory remove", "ID", "remove a hand-over recipient",
        ctl_directory_remove},
    {"office add",
        "CODE --name-ja TEXT --name-en TEXT --lat N --lon N [--wards "
        "14135,14136] [--skills road,park]",
        "add or update an office", ctl_dispatch_office_add},
    {"crew add",
        "CODE --office CODE --name TEXT --skills wasp,road [--members a,b] "
        "[--shift 08:30-17:15] [--lat N --lon N]",
        "add or update a crew", ctl_dispatch_crew_add},
    {"category list", "", "list the categories", ctl_dispatch_category_list},
    {"category import", "FILE.json",
        "add or update categories from a JSON array (as GET "
        "/api/v1/categories gives)",
        ctl_dispatch_category_import},
    {"import network",
        "FILE --kind road|river|park [--class-field NAME] [--ward CODE]",
        "import patrol network lines (OSM XML or GeoJSON), cut into pieces",
        ctl_network_import},
    {"import addresses", "FILE",
        "replace the towns or blocks of the municipalities in a geolonia or "
        "MLIT 位置参照情報 CSV (UTF-8 or Shift_JIS)",
        ctl_addresses_import},
    {"patrol replay", "FILE.gpx|json --crew CODE [--start ISO-TIME]",
        "store a recorded GPS trace (GPX or JSON) as a patrol",
        ctl_network_replay},
    {"open311 key add", "NAME",
        "create an Open311 api_key for a client app and print it once",
        ctl_open311_key_add},
    {"open311 key list", "", "list the Open311 client apps and their keys",
        ctl_open311_key_list},
    {"open311 key revoke", "NAME", "revoke a client app's Open311 key",
        ctl_open311_key_revoke},
    {"coverage export",
        "--week 2026-W47 --format geojson|kml|csv|summary.csv|png "
        "[--ward CODE] [--locale ja|en] -o FILE",
        "write a week's patrol coverage", ctl_network_export},
    {"coverage archive", "--week 2026-W47",
        "keep a week's exports as the Monday job does", ctl_network_archive},
    {"backup", "DIR",
        "write a consistent backup (database, photos, checksums) into a "
        "new directory",
        ctl_backup},
    {"restore", "DIR",
        "restore a backup into an empty database and photo directory",
        ctl_restore},
    {"retention status", "",
        "what the retention purge removes now and when the next goes",
        ctl_retention_status},
    {"retention run", "",
        "purge now what is past its retention period (patrold does it "
        "daily)",
        ctl_retention_run},
    {"plan solomon", "FILE [--time-ms N] [--seed N]",
        "solve a VRPTW instance in Solomon's format with the day planner",
        ctl_plan_solomon},
    {"plan break", "CREW HH:MM-HH:MM[/MINUTES] | CREW none",
        "set a crew's break (planned between jobs; none: no break)",
        ctl_plan_break},
    {"demo load", "", "fill an empty database with data/demo.json",
        ctl_dispatch_demo_load},
    {"migrate status", "", "list migrations not yet applied",
        ctl_migrate_status},
    {"migrate", "", "apply pending schema migrations", ctl_migrate},
};
static const int ctl_ncommands = sizeof ctl_commands / sizeof ctl_commands[0];

/* How many of argv's words spell the command's name, or 0. */
static int
ctl_match(const char *name, int argc, char **argv)
{
	const char *p = name;
	size_t len;
	int n = 0;

	while (*p != '\0') {
		len = strcspn(p, " ");
		if (n >= argc || strlen(argv[n]) != len ||
		    strncmp(argv[n], p, len) != 0)
			return 0;
		n++;
		p += len;
		while (*p == ' ')
			p++;
	}
	return n;
}

int
ctl_main(struct ctl *c, int argc, char **argv)
{
	int i, n;

	c->commands = ctl_commands;
	c->ncommands = ctl_ncommands;
	/* The table lists longer names first, so "migrate status" wins. */
	for (i = 0; i < ctl_ncommands; i++) {
		if ((n = ctl_match(ctl_commands[i].name, argc, argv)) > 0)
			return ctl_commands[i].run(c, argc - n, argv + n);
	}
	if (argc > 0)
		fprintf(stderr, "patrolctl: unknown command '%s'\n", argv[0]);
	fprintf(stderr,
	    "usage: patrolctl [options] command [arguments]\n"
	    "commands:\n");
	for (i = 0; i < ctl_ncommands; i++)
		fprintf(stderr, "  %-28s %s\n", ctl_commands[i].name,
		    ctl_commands[i].help);
	fprintf(stderr, "options: patrolctl --help\n");
	return 2;
}

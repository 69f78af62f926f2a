/*
 * patrol-agent's main(): global options, the command table and its usage.
 * Each command opens the state directory's database, does one thing and
 * exits; "run" (run.c) and "serve" (serve.c) are the daemons.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "module.h"

static int main_help(struct agent *, int, char **);

/* "status" alone tells the agent's state; with a step it records it. */
static int
main_status(struct agent *a, int argc, char **argv)
{
	if (argc > 0)
		return jobs_status(a, argc, argv);
	return outbox_report(a);
}

static const struct agent_command main_commands[] = {
    {"enroll", sync_enroll_main,
        "--server URL --code CODE [--ca FILE] [--label TEXT]", ""},
    {"jobs", jobs_list, "", "the crew's jobs from the last sync"},
    {"show", jobs_show, "ID", ""},
    {"accept", jobs_accept, "ID [--note TEXT]", ""},
    {"reject", jobs_reject, "ID --reason TEXT [--note TEXT]", ""},
    {"status", main_status, "[en-route|on-site ID [--note TEXT]]",
        "alone: outbox, last sync, last error"},
    {"done", jobs_done,
        "ID --outcome CODE [--note TEXT] [--photo FILE]... "
        "[--answer CODE=VALUE]...",
        ""},
    {"unable", jobs_unable, "ID --reason TEXT [--note TEXT]", ""},
    {"finding", jobs_finding,
        "--category CODE [--lat N --lon N] [--note TEXT] [--address TEXT] "
        "[--photo FILE]... [--answer CODE=VALUE]...",
        ""},
    {"patrol", jobs_patrol, "start|stop", ""},
    {"wayback", jobs_wayback, "[--lat N --lon N] | take PIECE_ID...",
        "overdue pieces on the way back"},
    {"sync", sync_main, "", "send the outbox, fetch jobs, upload photos"},
    {"run", run_main,
        "[--gpsd HOST:PORT | --nmea FILE [--speed N] [--once]] "
        "[--backoff-max SECONDS] [--no-gps]",
        ""},
    {"serve", serve_main,
        "[--listen 127.0.0.1:PORT] [--gpsd HOST:PORT | --nmea FILE "
        "[--speed N] | --no-gps] [--backoff-max SECONDS] [--leaflet DIR]",
        "run, with the crew's screen"},
    {"tiles", tiles_main,
        "fetch --url 'https://HOST/{z}/{x}/{y}.png' --bbox W,S,E,N "
        "[--zoom 12-17] [--max N] [--credit TEXT]",
        "map tiles kept on the device"},
    {"help", main_help, "", ""},
};
#define MAIN_NCOMMANDS (sizeof main_commands / sizeof main_commands[0])

static void
main_usage(FILE *f)
{
	const struct agent_command *c;

	fprintf(f,
	    "usage: patrol-agent [--dir DIR] [-v] COMMAND ...\n"
	    "       patrol-agent version\n"
	    "commands:\n");
	for (c = main_commands; c < main_commands + MAIN_NCOMMANDS; c++)
		fprintf(f, "  %-8s %s%s%s%s%s\n", c->name, c->usage,
		    *c->usage != '\0' && *c->help != '\0' ? " " : "",
		    *c->help != '\0' ? "(" : "", c->help,
		    *c->help != '\0' ? ")" : "");
	fprintf(f, "DIR defaults to $PATROL_AGENT_DIR, else ~/.patrol-agent\n");
}

static int
main_help(struct agent *a, int argc, char **argv)
{
	(void)a;
	(void)argc;
	(void)argv;
	main_usage(stdout);
	return 0;
}

static int
main_version(void)
{
	Patrol__Sync__V1__AgentHello hello =
	    PATROL__SYNC__V1__AGENT_HELLO__INIT;

	const struct tls_module *tls;
	char *cause = NULL;

	hello.agent_version = AGENT_VERSION;
	/* The TLS module is loaded to say its version: only here and for an
	 * https:// server. */
	tls = module_tls(&cause);
	printf("patrol-agent %s (sync protocol v1, hello %zu bytes, "
	       "sqlite %s, TLS %s)\n",
	    AGENT_VERSION,
	    patrol__sync__v1__agent_hello__get_packed_size(&hello),
	    outbox_sqlite_version(), tls != NULL ? tls->version() : cause);
	free(cause);
	return 0;
}

int
main(int argc, char **argv)
{
	struct agent a = {0};
	int verbose = 0;
	const char *dir = getenv("PATROL_AGENT_DIR"), *home;
	char *cause;
	size_t i;
	int rc;

	/* Tokens, personal data and photos: for this user's eyes only. */
	umask(077);
	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "-v") == 0) {
			verbose = 1;
			argc--;
			argv++;
		} else if (strcmp(argv[0], "--dir") == 0 && argc > 1) {
			dir = argv[1];
			argc -= 2;
			argv += 2;
		} else if (strcmp(argv[0], "--help") == 0) {
			main_usage(stdout);
			return 0;
		} else {
			main_usage(stderr);
			return AGENT_EXIT_USAGE;
		}
	}
	if (argc == 0) {
		main_usage(stderr);
		return AGENT_EXIT_USAGE;
	}
	if (strcmp(argv[0], "version") == 0)
		return main_version();
	for (i = 0; i < MAIN_NCOMMANDS; i++) {
		if (strcmp(main_commands[i].name, argv[0]) == 0)
			break;
	}
	if (i == MAIN_NCOMMANDS) {
		fprintf(
		    stderr, "patrol-agent: unknown command '%s'\n", argv[0]);
		main_usage(stderr);
		return AGENT_EXIT_USAGE;
	}
	if (dir != NULL)
		a.dir = xstrdup(dir);
	else if ((home = getenv("HOME")) != NULL)
		a.dir = xasprintf("%s/.patrol-agent", home);
	else
		a.dir = xstrdup(".patrol-agent");
	a.verbose = verbose;
	a.commands = main_commands;
	a.ncommands = MAIN_NCOMMANDS;
	/* A peer that closed mid-write is an error to report, not a kill. */
	signal(SIGPIPE, SIG_IGN);
	if (outbox_open(&a, &cause) != 0) {
		fprintf(stderr, "patrol-agent: cannot open %s: %s\n", a.dir,
		    cause != NULL ? cause : "?");
		free(cause);
		outbox_close(&a);
		free(a.dir);
		return AGENT_EXIT_FAIL;
	}
	rc = main_commands[i].run(&a, argc - 1, argv + 1);
	outbox_close(&a);
	free(a.dir);
	return rc;
}

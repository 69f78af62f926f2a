/*
 * patrol-agent: main, the command table and the helpers every file uses.
 * Each command opens the state directory's database, does one thing and
 * exits; "run" is the daemon (run.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/opensslv.h>
#include <openssl/crypto.h>

#include "agent.h"

static int agent_verbose;

void *
agent_alloc(size_t n)
{
	void *p = calloc(1, n == 0 ? 1 : n);

	if (p == NULL) {
		fprintf(stderr, "patrol-agent: out of memory\n");
		exit(AGENT_EXIT_FAIL);
	}
	return p;
}

char *
agent_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = agent_alloc(len);

	memcpy(p, s, len);
	return p;
}

char *
agent_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1) {
		fprintf(stderr, "patrol-agent: out of memory\n");
		exit(AGENT_EXIT_FAIL);
	}
	return s;
}

void
agent_log(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	(void)a;
	if (!agent_verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "patrol-agent: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

char *
agent_path(struct agent *a, const char *name)
{
	return agent_printf("%s/%s", a->dir, name);
}

void
agent_random_id(char *out, size_t n)
{
	unsigned char b[32];
	size_t i;

	if (n > sizeof b)
		n = sizeof b;
	if (getrandom(b, n, 0) != (ssize_t)n) {
		fprintf(stderr, "patrol-agent: no randomness: %s\n",
		    strerror(errno));
		exit(AGENT_EXIT_FAIL);
	}
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int64_t
agent_backoff_ms(int failures, int64_t base_ms, int64_t max_ms)
{
	int64_t d = base_ms;
	uint32_t r = 0;

	while (--failures > 0 && d < max_ms)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint32_t)rand();
	return d / 2 + (int64_t)(r % (uint32_t)(d / 2 + 1));
}

int64_t
agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
agent_args(const char *cmd, int argc, char **argv, struct agent_opt *opts,
    const char **pos, int npos)
{
	struct agent_opt *o;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			if (n == npos) {
				fprintf(stderr,
				    "patrol-agent: %s: unexpected argument "
				    "'%s'\n",
				    cmd, argv[i]);
				return -1;
			}
			pos[n++] = argv[i];
			continue;
		}
		for (o = opts; o->name != NULL; o++) {
			if (strcmp(o->name, argv[i] + 2) == 0)
				break;
		}
		if (o->name == NULL) {
			fprintf(stderr,
			    "patrol-agent: %s: unknown option '%s'\n", cmd,
			    argv[i]);
			return -1;
		}
		if (o->flag) {
			o->value = "1";
			continue;
		}
		if (i + 1 == argc) {
			fprintf(stderr, "patrol-agent: %s: %s needs a value\n",
			    cmd, argv[i]);
			return -1;
		}
		o->value = argv[++i];
		if (o->n < AGENT_ARGS_MAX)
			o->values[o->n++] = o->value;
		else {
			fprintf(stderr, "patrol-agent: %s: too many %s\n", cmd,
			    argv[i - 1]);
			return -1;
		}
	}
	return n;
}

static int
agent_enroll(struct agent *a, int argc, char **argv)
{
	struct agent_opt o[] = {{.name = "server"}, {.name = "code"},
	    {.name = "ca"}, {.name = "label"}, {.name = NULL}};

	if (agent_args("enroll", argc, argv, o, NULL, 0) != 0 ||
	    o[0].value == NULL || o[1].value == NULL) {
		fprintf(stderr,
		    "usage: patrol-agent enroll --server URL --code "
		    "CODE [--ca FILE] [--label TEXT]\n");
		return AGENT_EXIT_USAGE;
	}
	return sync_enroll(a, o[0].value, o[1].value, o[2].value, o[3].value);
}

static int
agent_sync(struct agent *a, int argc, char **argv)
{
	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: patrol-agent sync\n");
		return AGENT_EXIT_USAGE;
	}
	return sync_run(a);
}

static void
agent_print_time(const char *label, long long ms)
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

/* "status" alone tells the agent's state; with a step it records it. */
static int
agent_status(struct agent *a, int argc, char **argv)
{
	sqlite3_stmt *st;
	char *v;

	if (argc > 0)
		return jobs_status(a, argc, argv);
	v = outbox_get(a, "crew_code");
	printf("%-14s %s\n", "crew", v != NULL ? v : "(not enrolled)");
	free(v);
	v = outbox_get(a, "server");
	printf("%-14s %s\n", "server", v != NULL ? v : "-");
	free(v);
	printf("%-14s %lld\n", "outbox", outbox_pending(a));
	agent_print_time("last sync", outbox_get_int(a, "last_sync_ms", 0));
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
	return 0;
}

static int agent_help(struct agent *, int, char **);

static const struct {
	const char *name;
	int (*run)(struct agent *, int, char **);
	const char *usage;
} agent_commands[] = {
    {"enroll", agent_enroll, "--server URL --code CODE [--ca FILE]"},
    {"jobs", jobs_list, "(the crew's jobs from the last sync)"},
    {"show", jobs_show, "ID"},
    {"accept", jobs_accept, "ID"},
    {"reject", jobs_reject, "ID --reason TEXT"},
    {"status", agent_status,
        "[en-route|on-site ID] (alone: outbox, last sync, last error)"},
    {"done", jobs_done,
        "ID --outcome CODE [--note TEXT] [--photo FILE]... "
        "[--answer CODE=VALUE]..."},
    {"unable", jobs_unable, "ID --reason TEXT"},
    {"finding", jobs_finding,
        "--category CODE [--lat N --lon N] [--note TEXT] [--address TEXT] "
        "[--photo FILE]... [--answer CODE=VALUE]..."},
    {"patrol", jobs_patrol, "start|stop"},
    {"wayback", jobs_wayback,
        "[--lat N --lon N] | take PIECE_ID (overdue pieces on the way back)"},
    {"sync", agent_sync, "(send the outbox, fetch jobs, upload photos)"},
    {"run", run_main, "[--gpsd HOST:PORT | --nmea FILE [--speed N]] [--once]"},
    {"serve", serve_main,
        "[--listen 127.0.0.1:PORT] [--gpsd HOST:PORT | --nmea FILE] "
        "(run, with the crew's screen)"},
    {"tiles", tiles_main,
        "fetch --url 'https://HOST/{z}/{x}/{y}.png' --bbox W,S,E,N "
        "[--zoom 12-17] [--max N] (map tiles kept on the device)"},
    {"help", agent_help, ""},
};
#define AGENT_NCOMMANDS (sizeof agent_commands / sizeof agent_commands[0])

static void
agent_usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: patrol-agent [--dir DIR] [-v] COMMAND ...\n"
	    "       patrol-agent version\n"
	    "commands:\n");
	for (i = 0; i < AGENT_NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", agent_commands[i].name,
		    agent_commands[i].usage);
	fprintf(f, "DIR defaults to $PATROL_AGENT_DIR, else ~/.patrol-agent\n");
}

static int
agent_help(struct agent *a, int argc, char **argv)
{
	(void)a;
	(void)argc;
	(void)argv;
	agent_usage(stdout);
	return 0;
}

static int
agent_version(void)
{
	Patrol__Sync__V1__AgentHello hello =
	    PATROL__SYNC__V1__AGENT_HELLO__INIT;

	hello.agent_version = AGENT_VERSION;
	printf("patrol-agent %s (sync protocol v1, hello %zu bytes, "
	       "sqlite %s, %s)\n",
	    AGENT_VERSION,
	    patrol__sync__v1__agent_hello__get_packed_size(&hello),
	    sqlite3_libversion(), OpenSSL_version(OPENSSL_VERSION));
	return 0;
}

int
main(int argc, char **argv)
{
	struct agent a = {0};
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
			agent_verbose = 1;
			argc--;
			argv++;
		} else if (strcmp(argv[0], "--dir") == 0 && argc > 1) {
			dir = argv[1];
			argc -= 2;
			argv += 2;
		} else if (strcmp(argv[0], "--help") == 0) {
			agent_usage(stdout);
			return 0;
		} else {
			agent_usage(stderr);
			return AGENT_EXIT_USAGE;
		}
	}
	if (argc == 0) {
		agent_usage(stderr);
		return AGENT_EXIT_USAGE;
	}
	if (strcmp(argv[0], "version") == 0)
		return agent_version();
	for (i = 0; i < AGENT_NCOMMANDS; i++) {
		if (strcmp(agent_commands[i].name, argv[0]) == 0)
			break;
	}
	if (i == AGENT_NCOMMANDS) {
		fprintf(
		    stderr, "patrol-agent: unknown command '%s'\n", argv[0]);
		agent_usage(stderr);
		return AGENT_EXIT_USAGE;
	}
	if (dir != NULL)
		a.dir = agent_strdup(dir);
	else if ((home = getenv("HOME")) != NULL)
		a.dir = agent_printf("%s/.patrol-agent", home);
	else
		a.dir = agent_strdup(".patrol-agent");
	a.verbose = agent_verbose;
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
	rc = agent_commands[i].run(&a, argc - 1, argv + 1);
	outbox_close(&a);
	free(a.dir);
	return rc;
}

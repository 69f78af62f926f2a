/*
 * patrol-agent: the crews' handheld program. This is the skeleton the
 * foundation builds; the commands (jobs, accept, done, sync, run, ...)
 * arrive with the handheld-agent issue and say so until then.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "sync_v1.pb-c.h"

#define AGENT_VERSION "0.1.0"

static void
agent_usage(FILE *f)
{
	fprintf(f,
	    "usage: patrol-agent version\n"
	    "       patrol-agent --help\n"
	    "The crew commands (enroll, jobs, accept, done, sync, run) "
	    "are not built yet.\n");
}

int
main(int argc, char **argv)
{
	Patrol__Sync__V1__AgentHello hello =
	    PATROL__SYNC__V1__AGENT_HELLO__INIT;

	if (argc == 2 && strcmp(argv[1], "version") == 0) {
		hello.agent_version = AGENT_VERSION;
		printf("patrol-agent %s (sync protocol v1, hello %zu bytes, "
		       "sqlite %s, %s)\n",
		    AGENT_VERSION,
		    patrol__sync__v1__agent_hello__get_packed_size(&hello),
		    sqlite3_libversion(), curl_version());
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		agent_usage(stdout);
		return 0;
	}
	if (argc >= 2)
		fprintf(
		    stderr, "patrol-agent: '%s' is not built yet\n", argv[1]);
	agent_usage(stderr);
	return 2;
}

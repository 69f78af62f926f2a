/* patrold: the dispatch server. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct config cfg;
	enum log_level level;
	struct app app;
	char *cause = NULL;
	int optind, help;

	config_init(&cfg);
	if (config_load(&cfg, argc, argv, &optind, &help, &cause) != 0) {
		fprintf(stderr, "patrold: %s\n", cause);
		return 2;
	}
	if (help) {
		printf("usage: patrold [options]\n");
		config_usage(stdout);
		return 0;
	}
	if (optind < argc) {
		fprintf(stderr, "patrold: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	log_level_parse(cfg.log_level, &level);
	log_init(level, stderr);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	if (app_start(&app, &cfg, &cause) != 0) {
		/* The log cuts long values; the operator needs all of it. */
		log_error("event=start_failed reason=%s", log_q(cause));
		fprintf(stderr, "patrold: %s\n", cause);
		free(cause);
		app_stop(&app);
		config_free(&cfg);
		return 1;
	}
	app_run(&app);
	app_stop(&app);
	config_free(&cfg);
	return 0;
}

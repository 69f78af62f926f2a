/* patrold: the dispatch server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "app.h"
#include "app_run.h"
#include "config.h"
#include "http.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct config cfg;
	enum log_level level;
	struct app app;
	char *cause = NULL;
	int optind, help;

	/* The packaged example configuration is generated from the table. */
	if (argc == 2 && strcmp(argv[1], "--example-config") == 0) {
		config_example(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	config_init(&cfg);
	if (config_load(&cfg, argc, argv, &optind, &help, &cause) != 0) {
		fprintf(stderr, "patrold: %s\n", cause);
		return 2;
	}
	if (help) {
		printf("usage: patrold [options]\n"
		       "       patrold --example-config   (print a commented "
		       "configuration file)\n");
		config_usage(stdout);
		config_free(&cfg);
		return 0;
	}
	if (optind < argc) {
		fprintf(stderr, "patrold: unexpected argument '%s'\n",
		    argv[optind]);
		return 2;
	}
	log_level_parse(cfg.log_level, &level);
	log_init(level, stderr);
	log_repeat_set(cfg.log_repeat_window_s, cfg.log_repeat_burst);
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
	/*
	 * Under systemd (Type=notify) the unit is started only now, once the
	 * schema is checked and the port is open; elsewhere this does nothing.
	 */
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s port %d",
	    cfg.listen_address, http_port(app.http));
	app_run(&app);
	sd_notify(0, "STOPPING=1");
	app_stop(&app);
	config_free(&cfg);
	return 0;
}

/* patrolctl: the administrator's command line. */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "ctl.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct config cfg;
	struct ctl ctl = {0};
	enum log_level level;
	char *cause = NULL;
	int optind, help, rc;

	config_init(&cfg);
	if (config_load(&cfg, argc, argv, &optind, &help, &cause) != 0) {
		fprintf(stderr, "patrolctl: %s\n", cause);
		return 2;
	}
	if (help) {
		printf("usage: patrolctl [options] command [arguments]\n");
		config_usage(stdout);
		return 0;
	}
	/* Commands print their own results; the log is for problems. */
	log_level_parse(cfg.log_level, &level);
	log_init(level < LOG_LEVEL_WARN ? LOG_LEVEL_WARN : level, stderr);
	ctl.cfg = &cfg;
	rc = ctl_main(&ctl, argc - optind, argv + optind);
	ctl_close(&ctl);
	config_free(&cfg);
	return rc;
}

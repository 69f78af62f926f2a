/*
 * A command that writes its own usage line beside the table:
 * structure.usage_once_refuses runs scripts/usage_once.py on this
 * directory and must fail.
 */
#include <stdio.h>

int
jobs_show(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: patrol-agent "
		                "show ID\n");
		return 2;
	}
	return 0;
}

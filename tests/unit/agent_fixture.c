#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"
#include "agent_fixture.h"

int
agent_fixture_setup(void **state)
{
	struct agent *a = calloc(1, sizeof *a);
	const char *tmp = getenv("TMPDIR");
	char *cause = NULL;

	assert_non_null(a);
	a->dir = malloc(64);
	assert_non_null(a->dir);
	/* A short path: the store's files are named below it. */
	snprintf(a->dir, 64, "%s/agent-test-XXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	assert_non_null(mkdtemp(a->dir));
	if (outbox_open(a, &cause) != 0)
		fail_msg("outbox_open: %s", cause);
	*state = a;
	return 0;
}

int
agent_fixture_teardown(void **state)
{
	struct agent *a = *state;
	char cmd[128];

	outbox_close(a);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", a->dir);
	assert_int_equal(system(cmd), 0);
	free(a->dir);
	free(a);
	return 0;
}

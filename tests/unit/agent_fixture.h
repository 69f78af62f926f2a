/*
 * A handheld's state for the agent's unit tests (tests/unit/agent_fixture.c,
 * linked into each by patrol_agent_unit_test): a new state directory with
 * its SQLite store open, removed after the test. On any failure the calling
 * test fails (cmocka).
 */
#ifndef PATROL_TEST_AGENT_FIXTURE_H
#define PATROL_TEST_AGENT_FIXTURE_H

/*
 * cmocka set-up and tear-down: *state becomes a struct agent * whose dir is
 * a new directory under $TMPDIR (or /tmp) with the outbox open; teardown
 * closes it, removes the directory and frees both.
 */
int agent_fixture_setup(void **state);
int agent_fixture_teardown(void **state);

#endif

/*
 * common/args.c: a command's options and positionals, as patrolctl's and
 * patrol-agent's commands read them, and the words for each mistake.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "args.h"
#include "fixture.h"

/* args_parse on the words given (NULL-ended); *cause NULL when none. */
static int
parse(struct args_opt *opts, const char **pos, int npos, char **cause, ...)
{
	char *argv[64];
	va_list ap;
	int argc = 0;

	va_start(ap, cause);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	*cause = NULL;
	return args_parse(argc, argv, opts, pos, npos, cause);
}

/* The mistake's words, freed. */
static void
expect_cause(char *cause, const char *words)
{
	assert_non_null(cause);
	assert_string_equal(cause, words);
	free(cause);
}

static void
test_every_form_of_an_option(void **state)
{
	struct args_opt o[] = {{.name = "week"}, {.name = "format"},
	    {.name = "o"}, {.name = "ward"}, {.name = NULL}};
	const char *pos[1];
	char *cause;

	(void)state;
	assert_int_equal(parse(o, pos, 1, &cause, "--week", "2026-W47",
	                     "--format=csv", "-o", "out.csv", "FILE", NULL),
	    1);
	assert_null(cause);
	assert_string_equal(o[0].value, "2026-W47");
	assert_string_equal(o[1].value, "csv");
	assert_string_equal(o[2].value, "out.csv");
	assert_null(o[3].value);
	assert_string_equal(pos[0], "FILE");
	/* "--o" is "-o"; a value may begin with a dash. */
	assert_int_equal(
	    parse(o, pos, 0, &cause, "--o", "x", "--ward", "-12", NULL), 0);
	assert_string_equal(o[2].value, "x");
	assert_string_equal(o[3].value, "-12");
	/* A second parse starts from nothing. */
	assert_null(o[0].value);
}

static void
test_positionals_stand_anywhere(void **state)
{
	struct args_opt o[] = {{.name = "crew"}, {.name = NULL}};
	const char *pos[2];
	char *cause;

	(void)state;
	assert_int_equal(
	    parse(o, pos, 2, &cause, "A", "--crew", "c1", "-", NULL), 2);
	assert_string_equal(pos[0], "A");
	assert_string_equal(pos[1], "-"); /* a dash alone is a word */
	assert_string_equal(o[0].value, "c1");
	assert_int_equal(parse(NULL, pos, 2, &cause, NULL), 0);
	assert_int_equal(parse(NULL, pos, 1, &cause, "only", NULL), 1);
}

static void
test_flags_take_no_value(void **state)
{
	struct args_opt o[] = {
	    {.name = "demo", .flag = 1}, {.name = "email"}, {.name = NULL}};
	const char *pos[1];
	char *cause;

	(void)state;
	assert_int_equal(
	    parse(o, pos, 1, &cause, "--demo", "NAME", "--email", "a@b", NULL),
	    1);
	assert_string_equal(o[0].value, "1");
	assert_string_equal(pos[0], "NAME");
	assert_int_equal(parse(o, pos, 1, &cause, "--demo=yes", NULL), -1);
	expect_cause(cause, "unknown option '--demo=yes'");
}

static void
test_repeats_are_kept_in_order(void **state)
{
	struct args_opt o[] = {{.name = "photo"}, {.name = NULL}};
	char *argv[2 * ARGS_MAX + 2], *cause;
	int i;

	(void)state;
	assert_int_equal(parse(o, NULL, 0, &cause, "--photo", "a.jpg",
	                     "--photo=b.jpg", NULL),
	    0);
	assert_int_equal(o[0].n, 2);
	assert_string_equal(o[0].values[0], "a.jpg");
	assert_string_equal(o[0].values[1], "b.jpg");
	assert_string_equal(o[0].value, "b.jpg"); /* the last one */
	for (i = 0; i <= ARGS_MAX; i++) {
		argv[2 * i] = "--photo";
		argv[2 * i + 1] = "p.jpg";
	}
	assert_int_equal(args_parse(2 * ARGS_MAX, argv, o, NULL, 0, &cause), 0);
	assert_int_equal(o[0].n, ARGS_MAX);
	argv[2 * ARGS_MAX] = "--photo=one-more.jpg";
	assert_int_equal(
	    args_parse(2 * ARGS_MAX + 1, argv, o, NULL, 0, &cause), -1);
	expect_cause(cause, "too many --photo");
}

static void
test_each_mistake_is_named_as_typed(void **state)
{
	static const struct {
		const char *argv[3];
		int argc;
		const char *cause;
	} cases[] = {
	    {{"--nope", "x"}, 2, "unknown option '--nope'"},
	    {{"-x"}, 1, "unknown option '-x'"},
	    /* One dash names one letter only. */
	    {{"-role", "x"}, 2, "unknown option '-role'"},
	    {{"--"}, 1, "unknown option '--'"},
	    {{"NAME", "--role"}, 2, "--role needs a value"},
	    {{"-o"}, 1, "-o needs a value"},
	    {{"A", "B"}, 2, "unexpected argument 'B'"},
	};
	struct args_opt o[] = {{.name = "role"}, {.name = "o"}, {.name = NULL}};
	const char *pos[1];
	char *cause;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		assert_int_equal(args_parse(cases[i].argc,
		                     (char **)cases[i].argv, o, pos, 1, &cause),
		    -1);
		expect_cause(cause, cases[i].cause);
	}
	/* A command without options or positionals takes nothing. */
	assert_int_equal(parse(NULL, NULL, 0, &cause, "A", NULL), -1);
	expect_cause(cause, "unexpected argument 'A'");
}

FIXTURE_MAIN(cmocka_unit_test(test_every_form_of_an_option),
    cmocka_unit_test(test_positionals_stand_anywhere),
    cmocka_unit_test(test_flags_take_no_value),
    cmocka_unit_test(test_repeats_are_kept_in_order),
    cmocka_unit_test(test_each_mistake_is_named_as_typed))

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fixture.h"

/* The len bytes of text as a file are refused, the cause naming needle. */
static void
expect_error_len(const char *text, size_t len, const char *needle)
{
	struct config c;
	char *cause = NULL;

	config_init(&c);
	assert_int_equal(
	    config_parse_buffer(&c, text, len, "t.conf", &cause), -1);
	if (cause == NULL || strstr(cause, needle) == NULL)
		fail_msg("'%s' -> '%s', wanted '%s'", text, cause, needle);
	free(cause);
	config_free(&c);
}

static void
expect_error(const char *text, const char *needle)
{
	expect_error_len(text, strlen(text), needle);
}

static void
test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_init(&c);
	assert_string_equal(c.listen_address, "127.0.0.1");
	assert_int_equal(c.port, 8080);
	assert_string_equal(c.crs, "EPSG:6677");
	assert_true(c.area_lon_min < 139.84 && c.area_lon_max > 139.84);
	config_free(&c);
}

static void
test_file_syntax(void **state)
{
	static const char text[] = "# a comment\n"
	                           "\n"
	                           "port = 9090\n"
	                           "  listen_address=0.0.0.0  \n"
	                           "crs = \"EPSG:6676\"\n"
	                           "service_area = 139.4, 35.5, 139.9, 35.7\n"
	                           "db-pool-size = 8";
	struct config c;
	char *cause = NULL;

	(void)state;
	config_init(&c);
	assert_int_equal(
	    config_parse_buffer(&c, text, sizeof text - 1, "t.conf", &cause),
	    0);
	assert_int_equal(c.port, 9090);
	assert_string_equal(c.listen_address, "0.0.0.0");
	assert_string_equal(c.crs, "EPSG:6676");
	assert_int_equal(c.db_pool_size, 8);
	assert_true(c.area_lat_max > 35.69 && c.area_lat_max < 35.71);
	config_free(&c);
}

static void
test_file_errors_name_line_and_option(void **state)
{
	(void)state;
	expect_error(
	    "port = 80\nbogus = 1\n", "t.conf:2: unknown option 'bogus'");
	expect_error("port = eighty\n",
	    "t.conf:1: option port: 'eighty' is not a whole number");
	expect_error(
	    "port = 70000\n", "option port: 70000 is out of range 0..65535");
	expect_error("port = 99999999999999999999\n", "is not a whole number");
	expect_error("just words\n", "t.conf:1: expected 'key = value'");
	expect_error("crs = \"EPSG:6677\n", "unbalanced quote");
	expect_error(
	    "log_level = loud\n", "option log_level: 'loud' is not one of");
	expect_error("service_area = 1,2,3\n", "is not four numbers");
	expect_error("service_area = 140,35,139,36\n", "min < max");
	expect_error("service_area = nan,35,139,36\n", "is not four numbers");
	expect_error("config = other.conf\n", "unknown option 'config'");
}

static void
test_nul_byte_is_refused(void **state)
{
	static const char text[] = "port = 80\0\n";

	(void)state;
	expect_error_len(text, sizeof text - 1, "NUL");
}

/* default < file < environment < flag */
static void
test_precedence(void **state)
{
	char path[] = "/tmp/patrol-config-test.XXXXXX";
	char *argv[] = {"patrold", "--config", path, "--listen-address",
	    "127.0.0.2", "--port=7000", "serve", NULL};
	struct config c;
	char *cause = NULL;
	int fd, optind, help;
	FILE *f;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	fputs("port = 6000\ncrs = EPSG:6676\nlog_level = warn\n", f);
	fclose(f);
	setenv("PATROL_CRS", "EPSG:6675", 1);
	setenv("PATROL_PORT", "6500", 1);
	config_init(&c);
	assert_int_equal(config_load(&c, 7, argv, &optind, &help, &cause), 0);
	assert_int_equal(c.port, 7000);           /* flag */
	assert_string_equal(c.crs, "EPSG:6675");  /* environment */
	assert_string_equal(c.log_level, "warn"); /* file */
	assert_string_equal(c.listen_address, "127.0.0.2");
	assert_int_equal(optind, 6); /* "serve" is the command */
	assert_int_equal(help, 0);
	config_free(&c);

	setenv("PATROL_PORT", "x", 1);
	config_init(&c);
	assert_int_equal(config_load(&c, 1, argv, &optind, &help, &cause), -1);
	assert_non_null(strstr(cause, "environment PATROL_PORT"));
	free(cause);
	config_free(&c);
	unsetenv("PATROL_PORT");
	unsetenv("PATROL_CRS");
	unlink(path);
}

static void
test_flags(void **state)
{
	char *bad[] = {"patrold", "--no-such-flag", "1", NULL};
	char *dangling[] = {"patrold", "--port", NULL};
	char *help[] = {"patrold", "--help", NULL};
	struct config c;
	char *cause = NULL;
	int optind, h;

	(void)state;
	config_init(&c);
	assert_int_equal(config_load(&c, 3, bad, &optind, &h, &cause), -1);
	assert_non_null(strstr(cause, "unknown flag '--no-such-flag'"));
	free(cause);
	assert_int_equal(config_load(&c, 2, dangling, &optind, &h, &cause), -1);
	assert_non_null(strstr(cause, "--port needs a value"));
	free(cause);
	assert_int_equal(config_load(&c, 2, help, &optind, &h, &cause), 0);
	assert_int_equal(h, 1);
	config_free(&c);
}

/*
 * The installed configuration file is read when it exists; a missing one
 * is no error unless it was named (--config or PATROL_CONFIG).
 */
static void
test_config_file_default(void **state)
{
	char *none[] = {"patrolctl", NULL};
	char *named[] = {"patrolctl", "--config", "/nonexistent/p.conf", NULL};
	struct config c;
	char *cause = NULL;
	int optind, help;

	(void)state;
	unsetenv("PATROL_CONFIG");
	config_init(&c);
	assert_string_equal(c.config_file, PATROL_CONFIG_FILE);
	if (access(PATROL_CONFIG_FILE, F_OK) != 0) {
		assert_int_equal(
		    config_load(&c, 1, none, &optind, &help, &cause), 0);
		assert_string_equal(c.config_file, "");
	}
	assert_int_equal(config_load(&c, 3, named, &optind, &help, &cause), -1);
	assert_non_null(strstr(cause, "/nonexistent/p.conf"));
	free(cause);
	setenv("PATROL_CONFIG", "/nonexistent/e.conf", 1);
	assert_int_equal(config_load(&c, 1, none, &optind, &help, &cause), -1);
	assert_non_null(strstr(cause, "/nonexistent/e.conf"));
	free(cause);
	setenv("PATROL_CONFIG", "", 1); /* empty: no file at all */
	assert_int_equal(config_load(&c, 1, none, &optind, &help, &cause), 0);
	unsetenv("PATROL_CONFIG");
	config_free(&c);
}

/* The packaged example: every option but config, commented out. */
static void
test_example_config(void **state)
{
	char *out = fixture_output(config_example);

	(void)state;
	assert_non_null(strstr(out, "\n# database_url = \n"));
	assert_non_null(
	    strstr(out, "\n# photo_dir = " PATROL_STATE_DIR "/photos\n"));
	assert_null(strstr(out, "# config ="));
	free(out);
}

/* --help is generated from the table: every option appears. */
static void
test_usage_lists_every_option(void **state)
{
	char *out = fixture_output(config_usage);

	(void)state;
	assert_non_null(strstr(out, "--database-url"));
	assert_non_null(strstr(out, "env DATABASE_URL"));
	assert_non_null(strstr(out, "--db-statement-timeout-ms"));
	assert_non_null(strstr(out, "default 'EPSG:6677'"));
	free(out);
}

FIXTURE_MAIN(cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_file_syntax),
    cmocka_unit_test(test_file_errors_name_line_and_option),
    cmocka_unit_test(test_nul_byte_is_refused),
    cmocka_unit_test(test_precedence), cmocka_unit_test(test_flags),
    cmocka_unit_test(test_usage_lists_every_option),
    cmocka_unit_test(test_config_file_default),
    cmocka_unit_test(test_example_config))

/*
 * common/image.c: which first bytes make a photo that the server and the
 * handheld accept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "image.h"

static void
test_jpeg_png_webp_are_told_apart(void **state)
{
	static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0};
	static const unsigned char png[] = {
	    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
	static const unsigned char webp[] = {
	    'R', 'I', 'F', 'F', 1, 2, 3, 4, 'W', 'E', 'B', 'P', 'V', 'P'};

	(void)state;
	assert_string_equal(image_sniff(jpeg, sizeof jpeg), "image/jpeg");
	assert_string_equal(image_sniff(png, sizeof png), "image/png");
	assert_string_equal(image_sniff(webp, sizeof webp), "image/webp");
}

static void
test_other_files_are_no_image(void **state)
{
	static const unsigned char gif[] = "GIF89a\1\0\1\0";
	static const unsigned char wav[] = "RIFF\4\3\2\1WAVEfmt ";
	static const unsigned char png_lf[] = "\x89PNG\n\n\x1a\n";

	(void)state;
	assert_null(image_sniff(gif, sizeof gif - 1));
	assert_null(image_sniff(wav, sizeof wav - 1));
	/* A PNG whose line ends were rewritten in transfer is damaged. */
	assert_null(image_sniff(png_lf, sizeof png_lf - 1));
	assert_null(image_sniff("", 0));
}

static void
test_a_short_head_is_no_image(void **state)
{
	static const unsigned char jpeg[] = {0xff, 0xd8, 0xff};
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n'};
	static const unsigned char webp[] = {
	    'R', 'I', 'F', 'F', 1, 2, 3, 4, 'W', 'E', 'B', 'P'};

	(void)state;
	assert_null(image_sniff(jpeg, 2));
	assert_string_equal(image_sniff(jpeg, 3), "image/jpeg");
	assert_null(image_sniff(png, sizeof png));
	assert_null(image_sniff(webp, 11));
	assert_string_equal(image_sniff(webp, 12), "image/webp");
}

FIXTURE_MAIN(cmocka_unit_test(test_jpeg_png_webp_are_told_apart),
    cmocka_unit_test(test_other_files_are_no_image),
    cmocka_unit_test(test_a_short_head_is_no_image))

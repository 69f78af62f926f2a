/*
 * Photos scaled down on the device before they are kept for upload: a
 * phone's 5-10 MB JPEG costs minutes on a weak link. libjpeg's DCT
 * scaling (1/2, 1/4, 1/8) decodes straight to the smaller size one row at
 * a time, read from the file and written to the file as it goes, so
 * memory stays at a row and libjpeg's buffers whatever the photo's size. The
 * long edge never goes below PHOTO_MIN_EDGE pixels and the quality is 90: the
 * photo is evidence. The EXIF block (APP1: the position and time the
 * camera wrote) is copied as it is.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "agent.h"

#ifndef PHOTO_MIN_EDGE /* the fuzz target lowers it to reach the scaling */
#define PHOTO_MIN_EDGE 1600
#endif
#define PHOTO_QUALITY    90
#define PHOTO_MAX_PIXELS (120 * 1000 * 1000) /* bounded time: no bombs */

struct photo_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void
photo_error_exit(j_common_ptr c)
{
	struct photo_err *e = (struct photo_err *)c->err;

	(*c->err->format_message)(c, e->msg);
	longjmp(e->jump, 1);
}

static void
photo_output_message(j_common_ptr c)
{
	(void)c; /* warnings (a truncated file...) are not ours to print */
}

/* libjpeg reports to e: an error jumps back to e->jump, a warning goes. */
static struct jpeg_error_mgr *
photo_err_init(struct photo_err *e)
{
	struct jpeg_error_mgr *m = jpeg_std_error(&e->mgr);

	m->error_exit = photo_error_exit;
	m->output_message = photo_output_message;
	return m;
}

/*
 * The scale (1, 2, 4 or 8) that brings a photo of len bytes near limit: a
 * quarter of the pixels per step, about a quarter of the bytes, the long
 * edge never under PHOTO_MIN_EDGE. 1: as small as evidence allows already.
 */
static unsigned
photo_denom(size_t len, size_t limit, unsigned width, unsigned height)
{
	unsigned edge = width > height ? width : height, denom = 1;

	while (denom < 8 && len / ((size_t)denom * denom) > limit &&
	    edge / (denom * 2) >= PHOTO_MIN_EDGE)
		denom *= 2;
	return denom;
}

/*
 * The smaller photo's encoder, set from the started decoder d and started
 * on out, with the EXIF block (APP1) copied as it is.
 */
static void
photo_compress_start(
    struct jpeg_compress_struct *c, struct jpeg_decompress_struct *d, FILE *out)
{
	jpeg_saved_marker_ptr m;

	c->image_width = d->output_width;
	c->image_height = d->output_height;
	c->input_components = d->output_components;
	c->in_color_space = d->out_color_space;
	jpeg_set_defaults(c);
	jpeg_set_quality(c, PHOTO_QUALITY, TRUE);
	jpeg_stdio_dest(c, out);
	jpeg_start_compress(c, TRUE);
	for (m = d->marker_list; m != NULL; m = m->next) {
		if (m->marker == JPEG_APP0 + 1)
			jpeg_write_marker(
			    c, m->marker, m->data, m->data_length);
	}
}

/* Each row decoded is encoded at once: memory stays at one row. */
static void
photo_copy_rows(struct jpeg_decompress_struct *d,
    struct jpeg_compress_struct *c, unsigned char *row)
{
	JSAMPROW rows[1] = {row};

	while (d->output_scanline < d->output_height) {
		jpeg_read_scanlines(d, rows, 1);
		jpeg_write_scanlines(c, rows, 1);
	}
}

int
photo_shrink(FILE *in, size_t len, size_t limit, FILE *out, char **cause)
{
	struct jpeg_decompress_struct d;
	struct jpeg_compress_struct c;
	struct photo_err de, ce;
	unsigned char *volatile row = NULL;
	long size;
	volatile unsigned denom = 1; /* set after setjmp */

	if (limit == 0 || len <= limit)
		return 0;
	memset(&d, 0, sizeof d);
	memset(&c, 0, sizeof c);
	d.err = photo_err_init(&de);
	c.err = photo_err_init(&ce);
	if (setjmp(de.jump) != 0) {
		*cause = xasprintf("cannot read the JPEG: %s", de.msg);
		goto fail;
	}
	if (setjmp(ce.jump) != 0) {
		*cause = xasprintf("cannot write the JPEG: %s", ce.msg);
		goto fail;
	}
	jpeg_create_decompress(&d);
	jpeg_create_compress(&c);
	jpeg_stdio_src(&d, in);
	jpeg_save_markers(&d, JPEG_APP0 + 1, 0xffff);
	jpeg_read_header(&d, TRUE);
	if ((unsigned long long)d.image_width * d.image_height >
	    PHOTO_MAX_PIXELS) {
		*cause = xasprintf("%ux%u pixels is not a photo", d.image_width,
		    d.image_height);
		goto fail;
	}
	if ((denom = photo_denom(len, limit, d.image_width, d.image_height)) ==
	    1) {
		jpeg_destroy_decompress(&d);
		jpeg_destroy_compress(&c);
		return 0; /* as small as evidence allows already */
	}
	d.scale_num = 1;
	d.scale_denom = denom;
	jpeg_start_decompress(&d);
	photo_compress_start(&c, &d, out);
	row = xcalloc(1, (size_t)d.output_width * d.output_components);
	photo_copy_rows(&d, &c, row);
	jpeg_finish_compress(&c);
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	jpeg_destroy_compress(&c);
	free(row);
	if (fflush(out) != 0 || ferror(out) || (size = ftell(out)) < 0) {
		*cause = xasprintf("cannot write the JPEG");
		return -1;
	}
	return (size_t)size < len ? 1 : 0; /* no smaller: the original goes */
fail:
	jpeg_destroy_decompress(&d);
	jpeg_destroy_compress(&c);
	free(row);
	return -1;
}

/*
 * Writes the sample coverage report in one format, for the GDAL check
 * (export_gdal.py) and for looking at the PNG by eye:
 *
 *	export_dump [-w wards.geojson] [-c ward_code] [-l ja|en] format file
 *
 * Prints the counts the file should hold, "pieces=N summary=M".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "export_sample.h"
#include "export.h"
#include "wards.h"
#include "xmalloc.h"

static struct ward_set *
dump_wards(const char *path)
{
	struct ward_set *set;
	char *buf, *cause = NULL;
	size_t len = 0, n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	buf = xmalloc(1 << 20);
	while ((n = fread(buf + len, 1, (1 << 20), f)) > 0) {
		len += n;
		buf = xreallocarray(buf, len + (1 << 20), 1);
	}
	fclose(f);
	set = wards_parse_geojson(buf, len, "name", "code", &cause);
	free(buf);
	if (set == NULL) {
		fprintf(stderr, "%s: %s\n", path, cause);
		free(cause);
		exit(1);
	}
	return set;
}

int
main(int argc, char **argv)
{
	struct coverage_report *r;
	struct ward_set *wards = NULL;
	const char *code = NULL, *lang = NULL;
	char *cause = NULL;
	FILE *out;
	int ch, rc;

	while ((ch = getopt(argc, argv, "w:c:l:")) != -1) {
		switch (ch) {
		case 'l':
			lang = optarg;
			break;
		case 'w':
			wards = dump_wards(optarg);
			break;
		case 'c':
			code = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;

	r = export_sample_new(wards);
	if (code != NULL) {
		r->ward_code = xstrdup(code);
		if (strcmp(code, "14135") == 0)
			r->ward_name = xstrdup("神奈川県川崎市多摩区");
	}
	if ((out = fopen(argv[optind + 1], "wb")) == NULL) {
		perror(argv[optind + 1]);
		return 1;
	}
	rc = export_write_lang(r, argv[optind], lang, out, &cause);
	if (fclose(out) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "export_dump: %s\n",
		    cause != NULL ? cause : "cannot write");
		free(cause);
		report_free(r);
		return 1;
	}
	printf("pieces=%zu summary=%zu\n", r->npieces, r->nsummary);
	report_free(r);
	if (wards != NULL)
		wards_free(wards);
	/* cairo's font caches live until exit; LeakSanitizer is told so. */
	cairo_debug_reset_static_data();
	return 0;
usage:
	fprintf(stderr,
	    "usage: export_dump [-w wards.geojson] [-c ward_code] "
	    "[-l ja|en] format file\n");
	return 2;
}

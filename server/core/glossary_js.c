/*
 * glossary_js OUT: writes the glossary (glossary.c) as an ES module,
 * `export const GLOSSARY = {"key": ["ja", "en"], ...};`, for the
 * handheld's screen (mobile-agent/ui), which the agent carries inside its
 * binary. Run at build time, so the handheld shows the same words as the
 * console and the exports from the one table, and has them before its
 * first sync. Exit 0, or 1 after a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>

#include "glossary.h"

int
main(int argc, char **argv)
{
	json_t *g;
	char *text;
	FILE *f;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: glossary_js OUT\n");
		return 2;
	}
	g = glossary_json();
	text =
	    g != NULL ? json_dumps(g, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(g);
	if (text == NULL) {
		fprintf(stderr, "glossary_js: cannot encode the glossary\n");
		return 1;
	}
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
	} else {
		fprintf(f,
		    "// Generated from server/core/glossary.c by glossary_js: "
		    "do not edit.\nexport const GLOSSARY = %s;\n",
		    text);
		if (fclose(f) == 0)
			rc = 0;
		else
			perror(argv[1]);
	}
	free(text);
	return rc;
}

/*
 * patrolctl import addresses FILE
 *
 * Reads a geolonia town CSV or an MLIT 位置参照情報 CSV (大字・町丁目 or
 * 街区, UTF-8 or Shift_JIS), checks it whole, then replaces the rows of
 * the municipalities it holds in one transaction; every patrold reloads
 * its index. Counts are printed, and every refused row is counted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "addr.h"
#include "addr_csv.h"
#include "ctl.h"
#include "ctl_addresses.h"
#include "db.h"
#include "store_addresses.h"
#include "store_wait.h"
#include "xmalloc.h"

#define CTL_ADDR_MAX_FILE (1024L << 20)

struct ctl_addr {
	json_t *towns, *blocks;
};

static void
ctl_addr_town_cb(const struct addr_town_row *r, void *arg)
{
	struct ctl_addr *a = arg;
	char *name =
	    xasprintf("%s%s", r->town, r->koaza != NULL ? r->koaza : "");
	char *key = addr_normalize(name, NULL);

	json_array_append_new(a->towns,
	    json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:f, s:f}", "pref",
	        r->pref, "city", r->city, "city_code", r->city_code, "town",
	        r->town, "koaza", r->koaza != NULL ? r->koaza : "", "key",
	        key != NULL ? key : "", "lat", r->lat, "lon", r->lon));
	free(key);
	free(name);
}

static void
ctl_addr_block_cb(const struct addr_block_row *r, void *arg)
{
	struct ctl_addr *a = arg;
	char *key = addr_normalize(r->town, NULL);

	json_array_append_new(a->blocks,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:f, s:f}", "pref",
	        r->pref, "city", r->city, "town", r->town, "key",
	        key != NULL ? key : "", "block", r->block, "jukyo", r->jukyo,
	        "lat", r->lat, "lon", r->lon));
	free(key);
}

int
ctl_addresses_import_file(struct ctl *c, const char *path)
{
	struct ctl_addr a = {json_array(), json_array()};
	struct addr_csv_stats st;
	struct db_wait w = {0};
	char *buf, *cause = NULL, *tj, *bj;
	const char *base;
	size_t len, i;
	json_t *rep;
	int rc = 1;

	if ((buf = ctl_read_file(path, CTL_ADDR_MAX_FILE, &len, &cause)) ==
	    NULL)
		goto out;
	if (addr_csv_parse(buf, len, ctl_addr_town_cb, ctl_addr_block_cb, &a,
	        &st, &cause) != 0) {
		char *why = cause;

		cause = xasprintf("%s: %s", path, why);
		free(why);
		free(buf);
		goto out;
	}
	free(buf);
	if (st.towns + st.blocks == 0) {
		cause = xasprintf("%s: no usable row (%zu read, %zu refused)",
		    path, st.rows, st.skipped);
		addr_csv_stats_free(&st);
		goto out;
	}
	tj = json_dumps(a.towns, JSON_COMPACT);
	bj = json_dumps(a.blocks, JSON_COMPACT);
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	store_addr_import(ctl_db(c), base, addr_csv_format_name(st.format), tj,
	    bj, "patrolctl", db_wait_cb, &w);
	free(tj);
	free(bj);
	if (store_wait_json(ctl_db(c), &w, &rep, &cause) != 0) {
		addr_csv_stats_free(&st);
		goto out;
	}
	printf("imported %s (%s%s): %zu rows read, %lld towns, %lld blocks"
	       " in %zu municipalit%s; replaced %lld old rows\n",
	    base, addr_csv_format_name(st.format),
	    st.shift_jis ? ", Shift_JIS" : "", st.rows,
	    json_integer_value(json_object_get(rep, "towns")),
	    json_integer_value(json_object_get(rep, "blocks")),
	    json_array_size(json_object_get(rep, "municipalities")),
	    json_array_size(json_object_get(rep, "municipalities")) == 1
	        ? "y"
	        : "ies",
	    json_integer_value(json_object_get(rep, "replaced")));
	if (json_integer_value(json_object_get(rep, "towns_added_for_blocks")))
		printf("added %lld towns that only the blocks named\n",
		    json_integer_value(
		        json_object_get(rep, "towns_added_for_blocks")));
	if (json_integer_value(json_object_get(rep, "duplicates")))
		printf("skipped %lld duplicate rows (the first was kept)\n",
		    json_integer_value(json_object_get(rep, "duplicates")));
	if (st.not_representative > 0)
		printf("skipped %zu 街区 rows that are not the block's "
		       "representative point (代表フラグ 0)\n",
		    st.not_representative);
	if (st.skipped > 0) {
		printf("refused %zu bad rows:\n", st.skipped);
		for (i = 0; i < ADDR_CSV_ERRORS && st.errors[i] != NULL; i++)
			printf("  %s\n", st.errors[i]);
	}
	json_decref(rep);
	addr_csv_stats_free(&st);
	rc = 0;
out:
	json_decref(a.towns);
	json_decref(a.blocks);
	if (rc != 0)
		return ctl_fail("import addresses", cause);
	return 0;
}

int
ctl_addresses_import(struct ctl *c, int argc, char **argv)
{
	const char *pos[1];

	if (ctl_args("import addresses", argc, argv, NULL, pos, 1) != 1) {
		return ctl_usage(c, "import addresses");
	}
	return ctl_addresses_import_file(c, pos[0]);
}

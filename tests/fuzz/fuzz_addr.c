/*
 * Address text and address CSV files as they come from outside: any bytes
 * through addr_normalize, a search over a small index, and addr_csv_parse.
 * Whatever is accepted must give offsets inside the input and candidates
 * whose unmatched text is a tail of the query.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "addr_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char towns[] =
    "pref,city,town,koaza,lat,lng\n"
    "神奈川県,川崎市多摩区,登戸,,35.620766,139.563782\n"
    "神奈川県,川崎市多摩区,中野島四丁目,,35.63,139.55\n"
    "神奈川県,川崎市高津区,梶ケ谷二丁目,,35.58943,139.602333\n"
    "埼玉県,さいたま市西区,大字三条町,,35.887092,139.586951\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct addr_index *idx;
	struct addr_csv_stats st;
	struct addr_result r;
	struct addr_index *x;
	size_t *off, i, len, qlen;
	char *q, *s, *cause = NULL;

	if (idx == NULL) {
		idx = addr_index_new();
		if (addr_csv_parse(towns, strlen(towns), addr_index_town_cb,
		        addr_index_block_cb, idx, &st, &cause) != 0)
			abort();
		addr_csv_stats_free(&st);
		addr_index_build(idx);
	}
	q = malloc(size + 1);
	memcpy(q, data, size);
	q[size] = '\0';
	qlen = strlen(q);
	if ((s = addr_normalize(q, &off)) != NULL) {
		len = strlen(s);
		for (i = 0; i <= len; i++) {
			if (off[i] > qlen)
				abort();
		}
		free(off);
		free(s);
	}
	addr_search(idx, q, NULL, 5, &r);
	for (i = 0; i < r.n; i++) {
		len = strlen(r.c[i].unmatched);
		if (len > qlen || strcmp(q + qlen - len, r.c[i].unmatched) != 0)
			abort();
	}
	addr_result_free(&r);
	x = addr_index_new();
	if (addr_csv_parse((const char *)data, size, addr_index_town_cb,
	        addr_index_block_cb, x, &st, &cause) == 0)
		addr_csv_stats_free(&st);
	else
		free(cause);
	addr_index_build(x);
	addr_index_free(x);
	free(q);
	return 0;
}

#include "uf.h"

size_t
uf_find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

void
uf_union(size_t *parent, size_t a, size_t b)
{
	a = uf_find(parent, a);
	b = uf_find(parent, b);
	/* The smaller index roots the set: labels follow input order. */
	if (a < b)
		parent[b] = a;
	else if (b < a)
		parent[a] = b;
}

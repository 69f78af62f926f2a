/*
 * An Open311 POST as multipart/form-data, on arbitrary bytes: the first
 * line is the Content-Type (boundary included), the rest the body. Parts
 * must come out named, NUL-terminated at their length and inside the
 * body's size; every refusal must say why and leave no parts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "open311.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct open311_form f;
	const struct open311_field *x;
	char *ct, *cause = NULL;
	size_t i, total = 0, ctlen;

	if (nl == NULL)
		return 0;
	ctlen = (size_t)(nl - data);
	if ((ct = malloc(ctlen + 1)) == NULL)
		abort();
	memcpy(ct, data, ctlen);
	ct[ctlen] = '\0';
	if (open311_form_parse(
	        &f, ct, (const char *)nl + 1, size - ctlen - 1, &cause) != 0) {
		if (cause == NULL || f.n != 0 || f.fields != NULL)
			abort();
		free(cause);
		free(ct);
		return 0;
	}
	for (i = 0; i < f.n; i++) {
		x = &f.fields[i];
		if (*x->name == '\0' || x->value[x->len] != '\0')
			abort();
		total += x->len;
	}
	if (total > size)
		abort();
	open311_form_free(&f);
	free(ct);
	return 0;
}

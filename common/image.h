/*
 * The image types a photo may have, told from its first bytes: shared by
 * the server (uploads from the console, Open311 and the handhelds) and the
 * handheld (the crew's photos before they go into the outbox), so both
 * accept the same pictures.
 */
#ifndef PATROL_IMAGE_H
#define PATROL_IMAGE_H

#include <stddef.h>

/*
 * The image type of data from its first bytes ("image/jpeg", "image/png",
 * "image/webp"; static strings), or NULL: only pictures are kept. Twelve
 * bytes are enough to tell.
 */
const char *image_sniff(const void *data, size_t len);

#endif

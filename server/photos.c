#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "photos.h"
#include "xmalloc.h"

void
photos_hash(const void *data, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(hex, 65, h, sizeof h);
}

char *
photos_path(const char *dir, const char *hex)
{
	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return NULL;
	return xasprintf("%s/%.2s/%s", dir, hex, hex);
}

static int
photos_mkdir(const char *path, char **cause)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	*cause = xasprintf("cannot make %s: %s", path, strerror(errno));
	return -1;
}

int
photos_prepare(const char *dir, char **cause)
{
	char *path = xstrdup(dir), *p, *sub;
	int rc = -1;

	if (*dir == '\0') {
		*cause = xstrdup("photo_dir is empty");
		goto out;
	}
	/* Each parent in turn, like mkdir -p. */
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (photos_mkdir(path, cause) != 0)
			goto out;
		*p = '/';
	}
	sub = xasprintf("%s/.partial", dir);
	if (photos_mkdir(dir, cause) == 0 && photos_mkdir(sub, cause) == 0) {
		if (access(sub, W_OK | X_OK) != 0)
			*cause = xasprintf(
			    "cannot write in %s: %s", sub, strerror(errno));
		else
			rc = 0;
	}
	free(sub);
out:
	free(path);
	return rc;
}

static int
photos_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
photos_write(const char *dir, const void *data, size_t len, char hex[65],
    int *created, char **cause)
{
	char *sub, *path, *tmp;
	const char *p = data;
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd, rc = -1;

	if (created != NULL)
		*created = 0;
	photos_hash(data, len, hex);
	path = photos_path(dir, hex);
	if (stat(path, &st) == 0 && (size_t)st.st_size == len) {
		free(path);
		return 0; /* content-addressed: already here */
	}
	sub = xasprintf("%s/%.2s", dir, hex);
	tmp = xasprintf("%s/.%s.%ld", sub, hex, (long)getpid());
	if (photos_mkdir(dir, cause) != 0 || photos_mkdir(sub, cause) != 0)
		goto out;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) ==
	    -1) {
		*cause =
		    xasprintf("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	/* Durable before anyone is told it is stored. */
	if (off != len || fsync(fd) != 0) {
		*cause = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) != 0 || photos_fsync_dir(sub) != 0) {
		*cause =
		    xasprintf("cannot store %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
	if (created != NULL)
		*created = 1;
out:
	free(sub);
	free(tmp);
	free(path);
	return rc;
}

int
photos_store(
    const char *dir, const void *data, size_t len, char hex[65], int *created)
{
	char *cause;

	if (photos_write(dir, data, len, hex, created, &cause) == 0)
		return 0;
	log_error("event=photo_store_failed reason=%s", log_q(cause));
	free(cause);
	return -1;
}

void
photos_discard(const char *dir, const char *hex)
{
	char *path = photos_path(dir, hex), *sub;

	if (path == NULL)
		return;
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("event=photo_discard_failed sha256=%s", hex);
	else
		log_info("event=photo_discarded sha256=%s", hex);
	sub = xasprintf("%s/%.2s", dir, hex);
	(void)rmdir(sub); /* only when empty */
	free(sub);
	free(path);
}

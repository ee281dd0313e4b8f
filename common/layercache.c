// SPDX-License-Identifier: GPL-2.0 OR MIT
/* drift common: per-layer scan cache on disk (see layercache.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileid.h"
#include "layercache.h"

static const char lc_magic[8] = { 'D', 'R', 'I', 'F', 'T', 'L', 'C', '\n' };

#define LC_MAX_SIZE	(sizeof(struct drift_lc_header) + DRIFT_LC_PATH_MAX + \
			 (size_t)DRIFT_SET_MAX_ENTRIES * \
			 sizeof(struct drift_file_id) + DRIFT_SHA256_LEN)

void drift_lc_name(const struct drift_lc_key *k, char out[DRIFT_LC_NAME_LEN])
{
	uint8_t md[DRIFT_SHA256_LEN];
	char buf[DRIFT_LC_PATH_MAX + 64];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%c%llu:%llu", k->path, '\0',
		     (unsigned long long)k->dev, (unsigned long long)k->ino);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	if (drift_sha256_mem(buf, (size_t)n, md) != 0)
		memset(md, 0, sizeof(md));
	drift_hex(md, 16, out);
	memcpy(out + 32, ".cache", 7);
}

static int fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

int drift_lc_parse(const void *buf, size_t len, const struct drift_lc_key *k,
		   struct drift_idvec *out, bool *truncated, const char **why)
{
	const unsigned char *p = buf;
	struct drift_lc_header h;
	uint8_t md[DRIFT_SHA256_LEN];
	const struct drift_file_id *ids;
	size_t plen = strlen(k->path), body, i;
	int ret;

	if (len < sizeof(h) + DRIFT_SHA256_LEN || len > LC_MAX_SIZE)
		return fail(why, "size out of range", -EBADMSG);
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, lc_magic, sizeof(lc_magic)))
		return fail(why, "not a drift layer cache", -EBADMSG);
	if (h.version != DRIFT_LC_VERSION)
		return fail(why, "another cache version", -ESTALE);
	if (h.flags & ~(DRIFT_LC_F_HASH | DRIFT_LC_F_TRUNCATED))
		return fail(why, "unknown flags", -EBADMSG);
	if (h.path_len > DRIFT_LC_PATH_MAX || h.count > DRIFT_SET_MAX_ENTRIES)
		return fail(why, "counts out of range", -EBADMSG);
	body = sizeof(h) + h.path_len + h.count * sizeof(struct drift_file_id);
	if (len != body + DRIFT_SHA256_LEN)
		return fail(why, "size does not match the entry count", -EBADMSG);
	if (drift_sha256_mem(p, body, md) != 0)
		return fail(why, "cannot checksum", -EBADMSG);
	if (memcmp(md, p + body, DRIFT_SHA256_LEN))
		return fail(why, "checksum mismatch", -EBADMSG);
	if (h.path_len != plen || memcmp(p + sizeof(h), k->path, plen) ||
	    h.dev != k->dev || h.ino != k->ino ||
	    h.ctime_sec != k->ctime_sec || h.ctime_nsec != k->ctime_nsec)
		return fail(why, "the layer directory changed", -ESTALE);
	if (!!(h.flags & DRIFT_LC_F_HASH) != k->hash)
		return fail(why, "made with another hash setting", -ESTALE);
	ids = (const void *)(p + sizeof(h) + h.path_len);
	for (i = 0; i < h.count; i++) {
		struct drift_file_id id;

		memcpy(&id, ids + i, sizeof(id));
		if ((id.flags & ~__DRIFT_FILE_F_ALL) || id.reserved ||
		    !(id.flags & DRIFT_FILE_F_CTIME) ||
		    !!(id.flags & DRIFT_FILE_F_SHA256) != k->hash)
			return fail(why, "an entry is malformed", -EBADMSG);
	}
	if (h.count) {
		size_t before = out->n;
		struct drift_file_id *tmp = malloc(h.count * sizeof(*tmp));

		if (!tmp)
			return fail(why, "out of memory", -ENOMEM);
		memcpy(tmp, ids, h.count * sizeof(*tmp));
		ret = drift_idvec_append(out, tmp, h.count);
		free(tmp);
		if (ret) {
			out->n = before;
			return fail(why, "too many entries", ret);
		}
	}
	*truncated = !!(h.flags & DRIFT_LC_F_TRUNCATED);
	return 0;
}

/* The directory must be ours and closed to others: it is the trust root. */
static int check_dir(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return -EPERM;
	return 0;
}

int drift_lc_load(const char *dir, const struct drift_lc_key *k,
		  struct drift_idvec *out, bool *truncated, const char **why)
{
	char name[DRIFT_LC_NAME_LEN];
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int dfd = -1, fd = -1, ret;

	if (!k->path || strlen(k->path) > DRIFT_LC_PATH_MAX)
		return fail(why, "layer path too long", -ENAMETOOLONG);
	ret = check_dir(dir);
	if (ret == -ENOENT)
		return fail(why, "no cache directory", ret);
	if (ret)
		return fail(why, "cache directory not owned by us or open to "
			    "others", ret);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return fail(why, "cannot open the cache directory", -errno);
	drift_lc_name(k, name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = fail(why, errno == ENOENT ? "no cache file" :
			   "cannot open the cache file", -errno);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		ret = fail(why, "cannot stat the cache file", -errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 07777) != 0600 || st.st_nlink != 1) {
		ret = fail(why, "cache file not a private regular file of ours",
			   -EPERM);
		goto out;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > LC_MAX_SIZE) {
		ret = fail(why, "cache file too large", -EBADMSG);
		goto out;
	}
	buf = malloc((size_t)st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = fail(why, "out of memory", -ENOMEM);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got,
				  (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail(why, "read error", -errno);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	ret = drift_lc_parse(buf, got, k, out, truncated, why);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	close(dfd);
	return ret;
}

static int mkdir_private(const char *dir)
{
	char parent[PATH_MAX];
	char *slash;

	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return check_dir(dir);
	if (errno != ENOENT || strlen(dir) >= sizeof(parent))
		return -errno;
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -ENOENT;
	*slash = '\0';
	if (mkdir(parent, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return check_dir(dir);
}

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int drift_lc_store(const char *dir, const struct drift_lc_key *k,
		   const struct drift_file_id *ids, size_t n, bool truncated)
{
	struct drift_lc_header h;
	char name[DRIFT_LC_NAME_LEN], tmp[DRIFT_LC_NAME_LEN + 16];
	uint8_t md[DRIFT_SHA256_LEN];
	unsigned char *buf;
	size_t plen, len;
	int dfd, fd, ret;

	if (!k->path || (plen = strlen(k->path)) > DRIFT_LC_PATH_MAX ||
	    n > DRIFT_SET_MAX_ENTRIES)
		return -EINVAL;
	ret = mkdir_private(dir);
	if (ret)
		return ret;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, lc_magic, sizeof(lc_magic));
	h.version = DRIFT_LC_VERSION;
	h.flags = (k->hash ? DRIFT_LC_F_HASH : 0) |
		  (truncated ? DRIFT_LC_F_TRUNCATED : 0);
	h.dev = k->dev;
	h.ino = k->ino;
	h.ctime_sec = k->ctime_sec;
	h.ctime_nsec = k->ctime_nsec;
	h.path_len = (uint32_t)plen;
	h.count = n;
	len = sizeof(h) + plen + n * sizeof(*ids);
	buf = malloc(len + DRIFT_SHA256_LEN);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), k->path, plen);
	if (n)
		memcpy(buf + sizeof(h) + plen, ids, n * sizeof(*ids));
	if (drift_sha256_mem(buf, len, md) != 0) {
		free(buf);
		return -EPROTO;
	}
	memcpy(buf + len, md, sizeof(md));

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		free(buf);
		return ret;
	}
	drift_lc_name(k, name);
	snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = fchmod(fd, 0600) ? -errno : 0;	/* whatever the umask */
	if (!ret)
		ret = write_all(fd, buf, len + DRIFT_SHA256_LEN);
	if (close(fd) != 0 && !ret)
		ret = -errno;
	if (!ret && renameat(dfd, tmp, dfd, name) != 0)
		ret = -errno;
	if (ret)
		unlinkat(dfd, tmp, 0);
out:
	close(dfd);
	free(buf);
	return ret;
}

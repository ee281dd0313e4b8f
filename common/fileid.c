// SPDX-License-Identifier: GPL-2.0 OR MIT
/* drift common: file identity (statx, FS_IOC_GETVERSION, SHA-256). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fileid.h"

#define HASH_CHUNK	(256 * 1024)
#define HASH_TRIES	3

static int do_statx(int fd, struct statx *stx)
{
	memset(stx, 0, sizeof(*stx));
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT,
		  STATX_TYPE | STATX_MODE | STATX_INO | STATX_CTIME | STATX_SIZE,
		  stx) != 0)
		return -1;
	return 0;
}

atomic_ulong drift_hash_progress;

/* size: the file's size if known (a hint to stop early), or -1 */
static int hash_update_fd(EVP_MD_CTX *ctx, int fd, off_t size)
{
	unsigned char *buf = malloc(HASH_CHUNK);
	off_t off = 0;
	int ret = -1;

	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t n = pread(fd, buf, HASH_CHUNK, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			errno = EPROTO;
			goto out;
		}
		off += n;
		atomic_fetch_add_explicit(&drift_hash_progress, 1,
					  memory_order_relaxed);
		/*
		 * At the size statx reported, a short read is the end: saves
		 * the read that would return 0. A file growing meanwhile
		 * changes its size, which the caller compares after.
		 */
		if (size >= 0 && off >= size && n < HASH_CHUNK)
			break;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

static int sha256_fd(int fd, off_t size, uint8_t out[DRIFT_SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ret = -1, err = 0;

	if (!ctx) {
		errno = ENOMEM;
		return -1;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		err = EPROTO;
		goto out;
	}
	if (hash_update_fd(ctx, fd, size) != 0) {
		err = errno;
		goto out;
	}
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 ||
	    len != DRIFT_SHA256_LEN) {
		err = EPROTO;
		goto out;
	}
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	if (ret)
		errno = err;
	return ret;
}

int drift_sha256_fd(int fd, uint8_t out[DRIFT_SHA256_LEN])
{
	return sha256_fd(fd, -1, out);
}

int drift_sha256_mem(const void *data, size_t len,
		     uint8_t out[DRIFT_SHA256_LEN])
{
	unsigned int olen = 0;

	if (EVP_Digest(data, len, out, &olen, EVP_sha256(), NULL) != 1 ||
	    olen != DRIFT_SHA256_LEN) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

void drift_hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

static void fill_from_statx(struct drift_file_id *id, const struct statx *stx)
{
	id->ino = stx->stx_ino;
	id->dev_major = stx->stx_dev_major;
	id->dev_minor = stx->stx_dev_minor;
	id->ctime_sec = stx->stx_ctime.tv_sec;
	id->ctime_nsec = stx->stx_ctime.tv_nsec;
	id->flags |= DRIFT_FILE_F_CTIME;
}

static int same_version(const struct statx *a, const struct statx *b)
{
	return a->stx_ino == b->stx_ino &&
	       a->stx_ctime.tv_sec == b->stx_ctime.tv_sec &&
	       a->stx_ctime.tv_nsec == b->stx_ctime.tv_nsec &&
	       a->stx_size == b->stx_size;
}

int drift_file_id_from_fd(int fd, struct drift_file_id *out,
			  unsigned int flags)
{
	struct drift_file_id id;
	struct statx stx, after;
	int gen, tries;

	memset(out, 0, sizeof(*out));
	if (flags & ~DRIFT_FILEID_ALL) {
		errno = EINVAL;
		return -1;
	}
	memset(&id, 0, sizeof(id));
	if (do_statx(fd, &stx) != 0)
		return -1;
	if ((flags & DRIFT_FILEID_SHA256) && !S_ISREG(stx.stx_mode)) {
		errno = S_ISDIR(stx.stx_mode) ? EISDIR : EINVAL;
		return -1;
	}

	/* O_PATH descriptors and filesystems without generations fail. */
	gen = 0;
	if (ioctl(fd, FS_IOC_GETVERSION, &gen) == 0) {
		id.generation = (uint32_t)gen;
		id.flags |= DRIFT_FILE_F_GENERATION;
	}

	if (flags & DRIFT_FILEID_SHA256) {
		/*
		 * A writer changing the file while we read it would give a
		 * digest of no version of the file: compare ctime and size
		 * around the read and try again.
		 */
		for (tries = 0;; tries++) {
			if (tries == HASH_TRIES) {
				errno = EAGAIN;
				return -1;
			}
			if (sha256_fd(fd, (off_t)stx.stx_size, id.sha256) != 0)
				return -1;
			if (do_statx(fd, &after) != 0)
				return -1;
			if (same_version(&stx, &after))
				break;
			stx = after;
		}
		id.flags |= DRIFT_FILE_F_SHA256;
	}
	fill_from_statx(&id, &stx);
	*out = id;
	return 0;
}

int drift_file_id_from_path(const char *path, struct drift_file_id *out,
			    unsigned int flags)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd, ret, err;

	memset(out, 0, sizeof(*out));
	if (!path || !*path || (flags & ~DRIFT_FILEID_ALL)) {
		errno = !path || (flags & ~DRIFT_FILEID_ALL) ? EINVAL : ENOENT;
		return -1;
	}
	if (flags & DRIFT_FILEID_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	fd = open(path, oflags);
	if (fd < 0 && (errno == EACCES || errno == EPERM) &&
	    !(flags & DRIFT_FILEID_SHA256)) {
		/* An execute-only file: identity without generation. */
		fd = open(path, O_PATH | O_CLOEXEC |
			  (oflags & O_NOFOLLOW));
	}
	if (fd < 0)
		return -1;
	ret = drift_file_id_from_fd(fd, out, flags);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

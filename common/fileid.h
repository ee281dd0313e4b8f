/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drift common: identity of a file (struct drift_file_id, see
 * include/drift_netlink.h) as the kernel module compares it.
 *
 *   dev_major/dev_minor, ino  statx() of the file itself
 *   ctime                     statx(); DRIFT_FILE_F_CTIME is always set
 *   generation                ioctl(FS_IOC_GETVERSION); DRIFT_FILE_F_GENERATION
 *                             only when the filesystem answered it
 *   sha256                    SHA-256 of the content (OpenSSL EVP, streamed),
 *                             only with DRIFT_FILEID_SHA256 in `flags`;
 *                             DRIFT_FILE_F_SHA256 is then set
 *
 * Run it on the file in its layer directory (not through an overlay mount):
 * the kernel compares the identity of the real inode.
 *
 * Both functions return 0, or -1 with errno set (and *out zeroed):
 *   ENOENT, EACCES, ELOOP, ...  from open()/statx()
 *   EINVAL    DRIFT_FILEID_SHA256 asked for something that is not a regular
 *             file, or unknown bits in `flags`
 *   EAGAIN    the file kept changing while it was being hashed
 *   EIO/...   read error, or ENOMEM/EPROTO when libcrypto failed
 */
#ifndef DRIFT_COMMON_FILEID_H
#define DRIFT_COMMON_FILEID_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "drift_netlink.h"

/* `flags` of drift_file_id_from_path() / _from_fd() */
#define DRIFT_FILEID_SHA256	(1U << 0)	/* hash the content */
#define DRIFT_FILEID_NOFOLLOW	(1U << 1)	/* path: do not follow a final symlink (ELOOP) */
#define DRIFT_FILEID_ALL	(DRIFT_FILEID_SHA256 | DRIFT_FILEID_NOFOLLOW)

int drift_file_id_from_path(const char *path, struct drift_file_id *out,
			    unsigned int flags);

/*
 * `fd` must be open for reading when DRIFT_FILEID_SHA256 is given (it is
 * read with pread(): its file offset does not move); an O_PATH descriptor
 * is fine otherwise (no generation then). DRIFT_FILEID_NOFOLLOW is ignored.
 */
int drift_file_id_from_fd(int fd, struct drift_file_id *out,
			  unsigned int flags);

/* SHA-256 of everything readable from `fd` (pread from offset 0). */
int drift_sha256_fd(int fd, uint8_t out[DRIFT_SHA256_LEN]);
/*
 * +1 for every 256 KiB hashed from a file, by any thread: a sign that a
 * long hash is moving (driftd's keepalives to its hooks).
 */
extern atomic_ulong drift_hash_progress;

/* SHA-256 of a memory buffer (0, or -1 with errno). */
int drift_sha256_mem(const void *data, size_t len,
		     uint8_t out[DRIFT_SHA256_LEN]);

/* Lowercase hex of `len` bytes into `out` (2 * len + 1 bytes). */
void drift_hex(const uint8_t *data, size_t len, char *out);

#endif

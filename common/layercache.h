/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drift common: per-layer scan cache on disk (driftd). One file per layer
 * directory, DIR/<id>.cache, holding the identities a scan of that layer
 * found, so that a restarted driftd does not scan (and hash) a layer again.
 *
 * A file is used only if all of these hold, and is otherwise ignored (the
 * caller scans and rewrites it): the directory DIR is a real directory
 * owned by the caller's uid and not writable by group or others; the file
 * is a regular file (not a symlink), owned by the caller's uid, mode 0600,
 * one link, no larger than a full set; its header has the magic, version
 * and exactly the layer's key (path, device, inode, ctime of the layer
 * directory, hashing on or off); its size matches the entry count exactly;
 * every entry has only known flags and a zero reserved field; and its
 * SHA-256 trailer matches everything before it.
 *
 * Why a stale file cannot allow anything: every entry carries its file's
 * ctime, which the kernel compares at exec; a file changed or replaced in
 * the layer since the scan no longer matches its entry (it is then verified
 * by content, or denied). A file added since is missing: denied. The trust
 * boundary is the directory's owner (root): anyone who can write there can
 * also load sets.
 *
 * Format (native byte order; the cache never leaves the host):
 *   struct drift_lc_header, path (path_len bytes, no NUL),
 *   count * struct drift_file_id, SHA-256 of all of the above.
 */
#ifndef DRIFT_COMMON_LAYERCACHE_H
#define DRIFT_COMMON_LAYERCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drift_netlink.h"
#include "walk.h"

#define DRIFT_LC_DEFAULT_DIR	"/var/lib/drift/layers"
#define DRIFT_LC_VERSION	1	/* bump when what a scan includes changes */
#define DRIFT_LC_PATH_MAX	4096

/* What a cache file must match. */
struct drift_lc_key {
	const char *path;		/* layer directory, as scanned */
	uint64_t dev, ino;		/* stat() of the layer directory */
	int64_t ctime_sec;
	uint32_t ctime_nsec;
	bool hash;			/* entries carry SHA-256 */
};

struct drift_lc_header {
	char magic[8];			/* "DRIFTLC\n" */
	uint32_t version;
	uint32_t flags;			/* DRIFT_LC_F_* */
	uint64_t dev, ino;
	int64_t ctime_sec;
	uint32_t ctime_nsec;
	uint32_t path_len;
	uint64_t count;
};
#define DRIFT_LC_F_HASH		(1U << 0)
#define DRIFT_LC_F_TRUNCATED	(1U << 1)	/* the scan hit a limit */

/* File name of a layer's cache: 32 hex digits + ".cache" (+ NUL). */
#define DRIFT_LC_NAME_LEN	39
void drift_lc_name(const struct drift_lc_key *k, char out[DRIFT_LC_NAME_LEN]);

/*
 * Loads the cache of layer `k` from `dir` into `out` (appended) and sets
 * *truncated. Returns 0 on a hit; -ENOENT when there is no file; another
 * -errno when a file exists but is not used (-EPERM: owner, mode or
 * directory; -EBADMSG: content; -ESTALE: another layer or version);
 * `*why` then points to a static English reason. `out` is unchanged
 * unless 0 is returned.
 */
int drift_lc_load(const char *dir, const struct drift_lc_key *k,
		  struct drift_idvec *out, bool *truncated, const char **why);

/*
 * Writes the cache of layer `k` (a temporary file renamed into place,
 * mode 0600). Creates `dir` (and its parent) mode 0700 when missing.
 * Returns 0 or -errno.
 */
int drift_lc_store(const char *dir, const struct drift_lc_key *k,
		   const struct drift_file_id *ids, size_t n, bool truncated);

/* Parses a cache image in memory (exposed for tests). Same returns. */
int drift_lc_parse(const void *buf, size_t len, const struct drift_lc_key *k,
		   struct drift_idvec *out, bool *truncated, const char **why);

#endif

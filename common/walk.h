/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drift common: the one directory walk that builds sets, used by
 * `driftctl set load --from-dir` and by driftd's layer scans, and the
 * growable array of identities both fill.
 *
 * What is in a set (drift_walk_set_files):
 *   - every regular file with at least one execute bit (programs, and
 *     scripts: a #! script is exec'd, so a non-ELF file with an execute bit
 *     stays in the set);
 *   - with DRIFT_WALK_ELF, every regular file without an execute bit whose
 *     first four bytes are the ELF magic (shared libraries, ld.so, Python
 *     extension modules: Debian installs them 0644). These are reported
 *     with map_only set and go into the set flagged DRIFT_FILE_F_MAP_ONLY:
 *     they may be mapped executable, an exec of them is decided as if they
 *     were absent.
 *   Everything else (data, .py sources, symlinks, devices, FIFOs, sockets)
 *   is left out.
 *
 * Safety: nothing a tree's owner controls can steer the walk outside it.
 *   - ROOT itself is opened by path (following symlinks in ROOT: it is the
 *     caller's trusted input); below it every directory is opened relative
 *     to its parent's descriptor, one component at a time, with openat2()
 *     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV |
 *     RESOLVE_NO_MAGICLINKS (kernels without openat2: openat() with
 *     O_NOFOLLOW | O_DIRECTORY), and checked with statx() to be the
 *     directory that was examined (same device and inode);
 *   - entries are examined with statx(AT_SYMLINK_NOFOLLOW): a symlink is
 *     never followed, whatever it points to;
 *   - an entry on another device or another mount than ROOT (a bind mount,
 *     even of the same filesystem: compared by mount id where the kernel
 *     reports one, 5.8+) is not entered nor included; it is reported to
 *     the error callback with EXDEV;
 *   - files are opened (ELF check, hashing) with O_NOFOLLOW | O_NONBLOCK and
 *     re-checked by inode after the open.
 *
 * Limits (exceeding one stops that part of the walk and marks the result
 * truncated; the caller decides whether a partial result is usable):
 *   DRIFT_WALK_MAX_DEPTH    directory levels below ROOT
 *   DRIFT_WALK_MAX_ENTRIES  directory entries examined (all types)
 */
#ifndef DRIFT_COMMON_WALK_H
#define DRIFT_COMMON_WALK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "drift_netlink.h"

#define DRIFT_WALK_MAX_DEPTH	128
#define DRIFT_WALK_MAX_ENTRIES	(16U * 1024 * 1024)

/* drift_walk_opts.flags */
#define DRIFT_WALK_ELF		(1U << 0)	/* also ELF files without x bits */
#define DRIFT_WALK_NO_OPENAT2	(1U << 1)	/* the pre-5.6 path (for tests) */
#define DRIFT_WALK_ALL		(DRIFT_WALK_ELF | DRIFT_WALK_NO_OPENAT2)

/* A file the walk found (valid during the callback only). */
struct drift_walk_file {
	int dirfd;			/* directory that holds it */
	const char *name;		/* its name in dirfd */
	const char *path;		/* ROOT/relative/name, for messages */
	const struct statx *stx;	/* statx(dirfd, name, NOFOLLOW) */
	int fd;				/* open O_RDONLY on it, or -1 */
	bool map_only;			/* ELF without an execute bit */
};

/* Return 0 to go on; a nonzero value stops the walk and is returned. */
typedef int (*drift_walk_file_fn)(const struct drift_walk_file *f, void *arg);
/* A directory or entry that could not be examined, or was not crossed
 * (EXDEV: other mount; ELOOP: too deep; E2BIG: entry limit). */
typedef void (*drift_walk_err_fn)(const char *path, int err, void *arg);

struct drift_walk_opts {
	unsigned int flags;		/* DRIFT_WALK_* */
	unsigned int max_depth;		/* 0: DRIFT_WALK_MAX_DEPTH */
	uint64_t max_entries;		/* 0: DRIFT_WALK_MAX_ENTRIES */
	drift_walk_file_fn file;	/* required */
	drift_walk_err_fn error;	/* may be NULL */
	void *arg;
	atomic_ulong *progress;		/* may be NULL: +1 per directory
					 * entry examined (a caller's sign
					 * that a long walk is moving) */
};

enum drift_walk_limit {
	DRIFT_WALK_COMPLETE = 0,
	DRIFT_WALK_TOO_DEEP,		/* subtrees below max_depth skipped */
	DRIFT_WALK_TOO_MANY,		/* stopped at max_entries */
};

struct drift_walk_result {
	uint64_t entries;		/* directory entries examined */
	uint64_t files;			/* files passed to opts.file */
	uint64_t map_only;		/* ... of which map_only */
	uint64_t errors;		/* passed to opts.error, not counting
					 * crossings and limits */
	uint64_t crossings;		/* other mounts not entered */
	enum drift_walk_limit truncated;
};

/*
 * Walks ROOT. Returns 0 when done (check result->truncated), the nonzero
 * value a callback returned, or -1 with errno when ROOT cannot be walked
 * at all (or on ENOMEM). Reentrant; keeps at most max_depth + 2
 * descriptors open.
 */
int drift_walk_set_files(const char *root, const struct drift_walk_opts *o,
			 struct drift_walk_result *result);

/* English text for a truncation reason ("" for DRIFT_WALK_COMPLETE). */
const char *drift_walk_limit_text(enum drift_walk_limit l);

/*
 * Whether an entry examined with statx() is on the mount of the walk's
 * root: same device, and same mount id when both statx results carry one
 * (STATX_MNT_ID). Exposed for tests.
 */
bool drift_walk_same_mount(const struct statx *root, const struct statx *e);

/* Whether `buf` (len bytes read from a file's start) is an ELF header. */
bool drift_is_elf_magic(const void *buf, size_t len);

/*
 * Identity of a file the walk found (see fileid.h for the fields): dev,
 * ino and ctime from f->stx; generation when the file is open (f->fd, or
 * opened here for hashing); SHA-256 with DRIFT_FILEID_SHA256 (the file is
 * opened O_NOFOLLOW if f->fd is -1 and checked to be the same inode);
 * DRIFT_FILE_F_MAP_ONLY when f->map_only. 0, or -1 with errno.
 */
int drift_file_id_walked(const struct drift_walk_file *f, unsigned int flags,
			 struct drift_file_id *out);

/*
 * Growable array of identities. Push returns 0, -ENOMEM, or -E2BIG past
 * DRIFT_SET_MAX_ENTRIES entries (nothing is added then).
 */
struct drift_idvec {
	struct drift_file_id *v;
	size_t n, cap;
};
#define DRIFT_IDVEC_INIT { NULL, 0, 0 }

int drift_idvec_push(struct drift_idvec *iv, const struct drift_file_id *id);
int drift_idvec_append(struct drift_idvec *iv, const struct drift_file_id *ids,
		       size_t n);
void drift_idvec_free(struct drift_idvec *iv);

#endif

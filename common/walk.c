// SPDX-License-Identifier: GPL-2.0 OR MIT
/* drift common: the set-building directory walk (see walk.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileid.h"
#include "util.h"
#include "walk.h"

#define STX_MASK	(STATX_TYPE | STATX_MODE | STATX_INO | STATX_CTIME | \
			 STATX_SIZE | STATX_MNT_ID)
#define STX_FLAGS	(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | \
			 AT_STATX_SYNC_AS_STAT)

struct walk {
	const struct drift_walk_opts *o;
	struct drift_walk_result *r;
	struct statx root;
	struct drift_buf path;
	unsigned int max_depth;
	uint64_t max_entries;
	int stop;			/* callback's value, or -errno */
	bool no_openat2;
};

const char *drift_walk_limit_text(enum drift_walk_limit l)
{
	switch (l) {
	case DRIFT_WALK_TOO_DEEP:
		return "directories nested deeper than the depth limit were not walked";
	case DRIFT_WALK_TOO_MANY:
		return "the walk stopped at the directory entry limit";
	default:
		return "";
	}
}

bool drift_walk_same_mount(const struct statx *root, const struct statx *e)
{
	if (root->stx_dev_major != e->stx_dev_major ||
	    root->stx_dev_minor != e->stx_dev_minor)
		return false;
	if ((root->stx_mask & STATX_MNT_ID) && (e->stx_mask & STATX_MNT_ID) &&
	    root->stx_mnt_id != e->stx_mnt_id)
		return false;
	return true;
}

bool drift_is_elf_magic(const void *buf, size_t len)
{
	return len >= 4 && memcmp(buf, "\177ELF", 4) == 0;
}

static void report(struct walk *w, int err)
{
	if (err != EXDEV && err != ELOOP && err != E2BIG)
		w->r->errors++;
	if (w->o->error)
		w->o->error(w->path.data, err, w->o->arg);
}

static int open_subdir(struct walk *w, int dirfd, const char *name)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!w->no_openat2) {
		fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		/* ENOSYS before 5.6; EPERM from seccomp profiles that do not
		 * know the call (then the fallback's checks apply). */
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
		w->no_openat2 = true;
	}
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		      O_CLOEXEC);
}

static bool same_inode(const struct statx *a, const struct statx *b)
{
	return a->stx_ino == b->stx_ino &&
	       a->stx_dev_major == b->stx_dev_major &&
	       a->stx_dev_minor == b->stx_dev_minor;
}

/*
 * Opens a regular file found at dirfd/name and, with `verify`, checks it
 * is still it (callers that statx the descriptor anyway compare later).
 */
static int open_file(int dirfd, const char *name, const struct statx *stx,
		     bool verify)
{
	static const int base = O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
				O_NOCTTY | O_CLOEXEC;
	struct statx now;
	int fd;

	fd = openat(dirfd, name, base | O_NOATIME);
	if (fd < 0 && errno == EPERM)	/* O_NOATIME needs ownership */
		fd = openat(dirfd, name, base);
	if (fd < 0)
		return -1;
	if (!verify)
		return fd;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT,
		  STATX_TYPE | STATX_INO, &now) != 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	if (!S_ISREG(now.stx_mode) || !same_inode(&now, stx)) {
		close(fd);
		errno = EAGAIN;		/* replaced while we looked */
		return -1;
	}
	return fd;
}

static int visit_file(struct walk *w, int dirfd, const char *name,
		      const struct statx *stx)
{
	struct drift_walk_file f = {
		.dirfd = dirfd, .name = name, .path = w->path.data,
		.stx = stx, .fd = -1,
	};
	unsigned char magic[4];
	ssize_t n;
	int ret;

	if (!(stx->stx_mode & 0111)) {
		if (!(w->o->flags & DRIFT_WALK_ELF) || stx->stx_size < 4)
			return 0;
		f.fd = open_file(dirfd, name, stx, true);
		if (f.fd < 0) {
			report(w, errno);
			return 0;
		}
		do {
			n = pread(f.fd, magic, sizeof(magic), 0);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			report(w, errno);
			close(f.fd);
			return 0;
		}
		if (!drift_is_elf_magic(magic, (size_t)n)) {
			close(f.fd);
			return 0;
		}
		f.map_only = true;
	}
	w->r->files++;
	if (f.map_only)
		w->r->map_only++;
	ret = w->o->file(&f, w->o->arg);
	if (f.fd >= 0)
		close(f.fd);
	return ret;
}

static int walk_dir(struct walk *w, int fd, unsigned int depth);

static int visit_dir(struct walk *w, int dirfd, const char *name,
		     const struct statx *stx, unsigned int depth)
{
	struct statx now;
	int fd;

	if (depth + 1 > w->max_depth) {
		w->r->truncated = DRIFT_WALK_TOO_DEEP;
		report(w, ELOOP);
		return 0;
	}
	fd = open_subdir(w, dirfd, name);
	if (fd < 0) {
		report(w, errno);	/* EXDEV from RESOLVE_NO_XDEV too */
		if (errno == EXDEV)
			w->r->crossings++;
		return 0;
	}
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STX_MASK,
		  &now) != 0) {
		report(w, errno);
		close(fd);
		return 0;
	}
	if (!same_inode(&now, stx) || !drift_walk_same_mount(&w->root, &now)) {
		/* Replaced, or a mount appeared, between statx and open. */
		w->r->crossings++;
		report(w, EXDEV);
		close(fd);
		return 0;
	}
	return walk_dir(w, fd, depth + 1);	/* takes fd */
}

static int walk_dir(struct walk *w, int fd, unsigned int depth)
{
	size_t base = w->path.len;
	struct dirent *de;
	struct statx stx;
	DIR *d;
	int ret = 0, err;

	d = fdopendir(fd);
	if (!d) {
		report(w, errno);
		close(fd);
		return 0;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				err = errno;
				w->path.len = base;
				w->path.data[base] = '\0';
				report(w, err);
			}
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		w->path.len = base;
		if (drift_buf_putc(&w->path, '/') ||
		    drift_buf_puts(&w->path, de->d_name)) {
			ret = -ENOMEM;
			break;
		}
		if (w->o->progress)
			atomic_fetch_add_explicit(w->o->progress, 1,
						  memory_order_relaxed);
		if (++w->r->entries > w->max_entries) {
			w->r->entries--;
			w->r->truncated = DRIFT_WALK_TOO_MANY;
			report(w, E2BIG);
			ret = 1;	/* stop everything, not an error */
			break;
		}
		/* Symlinks and special files: nothing to stat. */
		if (de->d_type != DT_REG && de->d_type != DT_DIR &&
		    de->d_type != DT_UNKNOWN)
			continue;
		if (statx(dirfd(d), de->d_name, STX_FLAGS, STX_MASK,
			  &stx) != 0) {
			if (errno != ENOENT)	/* removed meanwhile */
				report(w, errno);
			continue;
		}
		if (!S_ISREG(stx.stx_mode) && !S_ISDIR(stx.stx_mode))
			continue;
		if (!drift_walk_same_mount(&w->root, &stx)) {
			w->r->crossings++;
			report(w, EXDEV);
			continue;
		}
		if (S_ISDIR(stx.stx_mode))
			ret = visit_dir(w, dirfd(d), de->d_name, &stx, depth);
		else
			ret = visit_file(w, dirfd(d), de->d_name, &stx);
		if (ret)
			break;
	}
	w->path.len = base;
	w->path.data[base] = '\0';
	closedir(d);
	return ret;
}

int drift_walk_set_files(const char *root, const struct drift_walk_opts *o,
			 struct drift_walk_result *result)
{
	struct walk w = { .o = o, .r = result };
	int fd, ret, err;

	if (result)
		memset(result, 0, sizeof(*result));
	if (!root || !*root || !o || !o->file || !result ||
	    (o->flags & ~DRIFT_WALK_ALL)) {
		errno = EINVAL;
		return -1;
	}
	w.no_openat2 = !!(o->flags & DRIFT_WALK_NO_OPENAT2);
	w.max_depth = o->max_depth ? o->max_depth : DRIFT_WALK_MAX_DEPTH;
	w.max_entries = o->max_entries ? o->max_entries : DRIFT_WALK_MAX_ENTRIES;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STX_MASK,
		  &w.root) != 0 || drift_buf_puts(&w.path, root)) {
		err = errno;
		close(fd);
		drift_buf_free(&w.path);
		errno = err;
		return -1;
	}
	/* "DIR/" walks as "DIR": no double slashes in messages. */
	while (w.path.len > 1 && w.path.data[w.path.len - 1] == '/')
		w.path.data[--w.path.len] = '\0';
	if (w.path.len == 1)
		w.path.len = 0;		/* "/" + "/name" */
	ret = walk_dir(&w, fd, 0);
	drift_buf_free(&w.path);
	if (ret == 1 && result->truncated == DRIFT_WALK_TOO_MANY)
		ret = 0;
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

int drift_file_id_walked(const struct drift_walk_file *f, unsigned int flags,
			 struct drift_file_id *out)
{
	const struct statx *stx = f->stx;
	int fd = f->fd, ret, err;

	memset(out, 0, sizeof(*out));
	if (flags & ~DRIFT_FILEID_SHA256) {
		errno = EINVAL;
		return -1;
	}
	if (fd < 0 && !(flags & DRIFT_FILEID_SHA256)) {
		/* Metadata only: one statx per file, done by the walk. */
		out->ino = stx->stx_ino;
		out->dev_major = stx->stx_dev_major;
		out->dev_minor = stx->stx_dev_minor;
		out->ctime_sec = stx->stx_ctime.tv_sec;
		out->ctime_nsec = stx->stx_ctime.tv_nsec;
		out->flags = DRIFT_FILE_F_CTIME;
		goto done;
	}
	if (fd < 0) {
		/* drift_file_id_from_fd() statx()es it: compared below */
		fd = open_file(f->dirfd, f->name, stx, false);
		if (fd < 0)
			return -1;
	}
	ret = drift_file_id_from_fd(fd, out, flags);
	err = errno;
	if (fd != f->fd)
		close(fd);
	if (ret) {
		errno = err;
		return -1;
	}
	if (out->ino != stx->stx_ino || out->dev_major != stx->stx_dev_major ||
	    out->dev_minor != stx->stx_dev_minor) {
		memset(out, 0, sizeof(*out));
		errno = EAGAIN;
		return -1;
	}
done:
	if (f->map_only)
		out->flags |= DRIFT_FILE_F_MAP_ONLY;
	return 0;
}

int drift_idvec_push(struct drift_idvec *iv, const struct drift_file_id *id)
{
	return drift_idvec_append(iv, id, 1);
}

int drift_idvec_append(struct drift_idvec *iv, const struct drift_file_id *ids,
		       size_t n)
{
	size_t cap;
	struct drift_file_id *v;

	if (n > DRIFT_SET_MAX_ENTRIES || iv->n > DRIFT_SET_MAX_ENTRIES - n)
		return -E2BIG;
	if (iv->n + n > iv->cap) {
		cap = iv->cap ? iv->cap : 1024;
		while (cap < iv->n + n)
			cap *= 2;
		v = realloc(iv->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		iv->v = v;
		iv->cap = cap;
	}
	if (n)
		memcpy(iv->v + iv->n, ids, n * sizeof(*ids));
	iv->n += n;
	return 0;
}

void drift_idvec_free(struct drift_idvec *iv)
{
	free(iv->v);
	iv->v = NULL;
	iv->n = iv->cap = 0;
}

/* driftd: /proc/<pid>/mountinfo parsing, overlayfs layer discovery. */
#ifndef DRIFTD_MOUNTINFO_H
#define DRIFTD_MOUNTINFO_H

#include <stddef.h>

struct mount_entry {
	char *root;		/* field 4: root of the mount in its fs */
	char *mount_point;	/* field 5, unescaped */
	char *fstype;
	char *source;
	char *super_opts;	/* raw (still octal-escaped) */
};

struct overlay_layers {
	char **lower;		/* top-most first, as in lowerdir= */
	size_t nlower;
	char *upper;		/* NULL when read-only overlay */
	char *work;
};

/*
 * Finds the last (top-most) mount whose mount point is MOUNT_POINT in the
 * mountinfo TEXT. Malformed lines are skipped. 0 when found (OUT filled),
 * -1 when not found.
 */
int mountinfo_find(const char *text, size_t len, const char *mount_point,
		   struct mount_entry *out);
void mount_entry_free(struct mount_entry *e);

/* Replaces \NNN octal escapes in place (mountinfo / seq_escape). */
void mountinfo_unescape(char *s);

/*
 * Parses overlayfs super options (as in mountinfo, escaped) into layers.
 * Handles lowerdir=a:b (with "\:" escapes), lowerdir+=, datadir+=,
 * upperdir=, workdir=. 0 on success, -1 with ERR filled.
 */
int overlay_parse_opts(const char *super_opts, struct overlay_layers *out,
		       char *err, size_t errlen);

/*
 * Makes every lower path absolute and canonical: relative entries (podman's
 * "l/SHORTNAME" symlinks, which containers/storage mounts relative to its
 * overlay directory) are resolved against the parent of the upper layer's
 * directory (UPPER = <home>/<layer>/diff -> <home>), or against BASE when
 * given. Then realpath(3). 0 on success, -1 with ERR.
 */
int overlay_resolve(struct overlay_layers *l, const char *base,
		    char *err, size_t errlen);
void overlay_layers_free(struct overlay_layers *l);

/* Reads a whole (proc) file; NUL-terminated; NULL on error (errno set). */
char *read_file_all(const char *path, size_t max, size_t *len);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drift common: driftd's container record, STATE_DIR/containers/<id>.json
 * (docs/driftd.md, "Container records").
 *
 * The one definition of the record's schema: driftd writes records with
 * drift_record_to_json() and reads them back at start-up, driftctl reads
 * them for `containers`, `ct:NAME` and the report; both with
 * drift_record_read(). The directory is root's, but a record is still
 * parsed as untrusted input: bounded size, strings and arrays, every
 * field's JSON type checked (a wrong type refuses the whole record, with a
 * message saying which field), null taken as absent.
 *
 * Keys, in the order driftd writes them (JSON_C_TO_STRING_PLAIN, then a
 * newline), so a record is the same bytes whichever driftd wrote it:
 *   id (string, required), name, pod, namespace, image, cgroup (strings),
 *   cgroup_id (integer > 0, required), set, mode, mode_source, lib_mode,
 *   lib_mode_source, bundle (strings; modes off|audit|enforce), pid,
 *   created (integers), snapshot (boolean), layers, exceptions (arrays of
 *   strings).
 * Records from before library modes have no lib_mode/lib_mode_source.
 */
#ifndef DRIFT_COMMON_RECORD_H
#define DRIFT_COMMON_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json.h>

#define DRIFT_RECORD_MAX_BYTES	(1u << 20)	/* a whole record file */
#define DRIFT_RECORD_ID_MAX	128		/* as OCI ids (daemon/oci.h) */
#define DRIFT_RECORD_STR_MAX	(64u << 10)	/* any other string, in bytes */
#define DRIFT_RECORD_STRV_MAX	4096		/* entries of layers, exceptions */

struct drift_record {
	char *id;
	char *name, *pod, *namespace_, *image;	/* NULL: unknown */
	char *cgroup;			/* relative to the cgroup2 root */
	uint64_t cgroup_id;
	char *set;
	int mode, lib_mode;		/* enum drift_mode; -1: absent */
	char *mode_source, *lib_mode_source;
	char *bundle;
	int pid;
	int64_t created;		/* CLOCK_REALTIME seconds */
	bool snapshot;
	char **layers;			/* lower dirs, or the root for snapshots */
	size_t nlayers;
	char **exceptions;		/* path exceptions */
	size_t nexceptions;
};

/* An empty record: every pointer NULL, modes -1. */
void drift_record_init(struct drift_record *r);
/* Frees every field and leaves R empty (drift_record_init). */
void drift_record_free(struct drift_record *r);

/*
 * The record as a new json-c object (json_object_put() it), keys in the
 * order above; NULL strings are left out. NULL when out of memory.
 */
json_object *drift_record_to_json(const struct drift_record *r);

/*
 * Parses one record from TEXT (LEN bytes: one JSON object, then only white
 * space). 0, or -EPROTO (malformed; ERR says what) or -ENOMEM; R is empty
 * on failure and owned by the caller (drift_record_free()) on success.
 */
int drift_record_parse(const char *text, size_t len, struct drift_record *r,
		       char *err, size_t errlen);

/*
 * Reads the record NAME below the directory DFD (AT_FDCWD: NAME is a
 * path): not following a symbolic link, a regular file of at most
 * DRIFT_RECORD_MAX_BYTES, then drift_record_parse(). 0, or -errno from
 * open (-ENOENT: removed meanwhile), -EINVAL (not a regular file), -EFBIG,
 * -EIO, -EPROTO or -ENOMEM, with ERR saying why.
 */
int drift_record_read(int dfd, const char *name, struct drift_record *r,
		      char *err, size_t errlen);

#endif

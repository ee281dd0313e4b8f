/* driftd: OCI runtime state (hook stdin) and bundle config.json parsing. */
#ifndef DRIFTD_OCI_H
#define DRIFTD_OCI_H

#include <stddef.h>

/*
 * Both inputs are read with a bounded scanner that keeps only what driftd
 * uses (oci_ann_wanted() keys, root, cgroupsPath, mounts) and skips the
 * rest whatever its size or count: a workload's huge or numerous
 * annotations or environment never make a start fail or go unprotected.
 */
#define OCI_MAX_STATE		(16u << 20)	/* hook stdin / request */
#define OCI_MAX_INPUT		(64u << 20)	/* config.json */
#define OCI_MAX_ANN_KEY		1024
#define OCI_MAX_ANN_VALUE	(64u << 10)	/* of a key driftd uses */
#define OCI_MAX_MOUNTS		1024		/* kept from config.json */
#define OCI_ID_MAX		128

struct oci_kv {
	char *key;
	char *value;
};

struct oci_annotations {
	struct oci_kv *kv;		/* only keys oci_ann_wanted() */
	size_t n;
	unsigned dropped;		/* wanted keys skipped: value too long */
	char dropped_key[64];		/* the first of them */
};

struct oci_mount {
	char *destination;
	char *source;			/* may be NULL */
	char *type;			/* may be NULL */
};

struct oci_state {
	char *id;
	char *status;		/* may be NULL */
	int pid;		/* 0 when absent */
	char *bundle;		/* absolute */
	struct oci_annotations ann;
};

struct oci_config {
	char *root_path;	/* as written: absolute or relative to bundle */
	char *cgroups_path;	/* linux.cgroupsPath, may be NULL */
	struct oci_annotations ann;
	struct oci_mount *mounts;
	size_t nmounts;		/* at most OCI_MAX_MOUNTS (first ones) */
};

/* 0 on success; -1 with a message in ERR on bad input. */
int oci_parse_state(const char *buf, size_t len, struct oci_state *out,
		    char *err, size_t errlen);
int oci_parse_config(const char *buf, size_t len, struct oci_config *out,
		     char *err, size_t errlen);
void oci_state_free(struct oci_state *s);
void oci_config_free(struct oci_config *c);

/* 1 for the annotation keys driftd reads (drift.io/, CRI runtime keys). */
int oci_ann_wanted(const char *key);
/* Value of KEY, or NULL. */
const char *oci_ann_get(const struct oci_annotations *a, const char *key);
/* Adds the annotations of SRC that DST does not have. */
void oci_ann_merge(struct oci_annotations *dst, const struct oci_annotations *src);
void oci_ann_free(struct oci_annotations *a);

/* runc's rule for container ids: [A-Za-z0-9_+.-]+, not "." or "..". */
int oci_valid_id(const char *id);

#endif

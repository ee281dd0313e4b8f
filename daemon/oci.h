/* driftd: OCI runtime state (hook stdin) and bundle config.json parsing. */
#ifndef DRIFTD_OCI_H
#define DRIFTD_OCI_H

#include <stddef.h>

#define OCI_MAX_INPUT		(1u << 20)	/* state or config.json */
#define OCI_MAX_ANNOTATIONS	1024
#define OCI_MAX_ANN_KEY		1024
#define OCI_MAX_ANN_VALUE	(64u << 10)
#define OCI_ID_MAX		128

struct oci_kv {
	char *key;
	char *value;
};

struct oci_annotations {
	struct oci_kv *kv;
	size_t n;
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
};

/* 0 on success; -1 with a message in ERR on bad input. */
int oci_parse_state(const char *buf, size_t len, struct oci_state *out,
		    char *err, size_t errlen);
int oci_parse_config(const char *buf, size_t len, struct oci_config *out,
		     char *err, size_t errlen);
void oci_state_free(struct oci_state *s);
void oci_config_free(struct oci_config *c);

/* Value of KEY, or NULL. */
const char *oci_ann_get(const struct oci_annotations *a, const char *key);
/* Adds the annotations of SRC that DST does not have. */
void oci_ann_merge(struct oci_annotations *dst, const struct oci_annotations *src);
void oci_ann_free(struct oci_annotations *a);

/* runc's rule for container ids: [A-Za-z0-9_+.-]+, not "." or "..". */
int oci_valid_id(const char *id);

#endif

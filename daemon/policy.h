/*
 * driftd: per-container policy (exec mode, library mode, exceptions).
 *
 * Authority flows down (docs/driftd.md, "Who can change what"):
 *  1. the node configuration decides: the first matching "rule"/"exempt"
 *     line (namespace, image, image-digest, container name), else the
 *     node's "mode" / "lib-mode";
 *  2. the pod annotations may then only tighten (off -> audit -> enforce):
 *       drift.io/mode: off|audit|enforce
 *       drift.io/lib-mode: off|audit|enforce
 *     loosening is accepted only where an "allow ... loosen" line matches;
 *       drift.io/exceptions: absolute path prefixes (commas or white space)
 *     only where an "allow ... exceptions PREFIX..." line matches, and only
 *     entries at or below one of its prefixes.
 * The container's namespace, name and image come only from sources the
 * workload cannot write (policy_meta_from_annotations: the keys the
 * configured CRI runtime sets itself; containers-storage metadata).
 */
#ifndef DRIFTD_POLICY_H
#define DRIFTD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "oci.h"

#define ANN_MODE	"drift.io/mode"
#define ANN_LIB_MODE	"drift.io/lib-mode"
#define ANN_EXCEPTIONS	"drift.io/exceptions"
/* Display only (events, records) when no trusted source names it. */
#define ANN_IMAGE	"drift.io/image"
#define ANN_NAME	"drift.io/name"

#define POLICY_MAX_DIGESTS	4

struct container_meta {
	const char *name;	/* container name */
	const char *pod;
	const char *namespace_;
	const char *image;
	const char *digests[POLICY_MAX_DIGESTS];	/* "sha256:HEX" */
	size_t ndigests;
};

struct policy_result {
	int mode;		/* enum drift_mode or DRIFTD_MODE_EXEMPT */
	int lib_mode;		/* enum drift_mode */
	char source[192];	/* what decided mode: "default", "FILE:LINE", ... */
	char lib_source[192];
	char **exceptions;	/* path prefixes */
	size_t nexceptions;
	char **warnings;	/* problems found in annotations */
	size_t nwarnings;
	unsigned refused;	/* annotation requests refused by policy */
};

/*
 * Fills META from the annotation keys that the CRI runtime CRI sets itself
 * (see docs/driftd.md, "Trusted metadata"). CRI_NONE: nothing (every key
 * is workload-controlled).
 */
void policy_meta_from_annotations(enum cri_runtime cri,
				  const struct oci_annotations *ann,
				  struct container_meta *meta);

void policy_decide(const struct driftd_config *cfg,
		   const struct container_meta *meta,
		   const struct oci_annotations *ann,
		   struct policy_result *out);
void policy_result_free(struct policy_result *r);

/*
 * Parses a drift.io/exceptions value; entries not at or below one of
 * PREFIXES (NPREFIXES; all absolute paths) are refused with a warning.
 */
void policy_parse_exceptions(const char *value, char *const *prefixes,
			     size_t nprefixes, struct policy_result *out);

/* 1 when PATH is PREFIX or below it (component-wise). */
int policy_path_under(const char *path, size_t len, const char *prefix);

#endif

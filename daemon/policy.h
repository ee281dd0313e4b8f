/*
 * driftd: per-container mode selection.
 *
 * Order: the first matching "rule"/"exempt" line of the configuration
 * (namespace or image pattern) or else the node default mode; then, unless
 * the container is exempt, the pod annotations:
 *   drift.io/mode: off|audit|enforce  ("off" only if annotations-can-disable)
 *   drift.io/exceptions: absolute path prefixes as seen in the container,
 *                        separated by commas or white space ("/opt/tools/"
 *                        = everything below)
 */
#ifndef DRIFTD_POLICY_H
#define DRIFTD_POLICY_H

#include <stddef.h>

#include "config.h"
#include "oci.h"

#define ANN_MODE	"drift.io/mode"
#define ANN_EXCEPTIONS	"drift.io/exceptions"
#define ANN_IMAGE	"drift.io/image"
#define ANN_NAME	"drift.io/name"

struct container_meta {
	const char *name;	/* container name */
	const char *pod;
	const char *namespace_;
	const char *image;
};

struct policy_result {
	int mode;		/* enum drift_mode or DRIFTD_MODE_EXEMPT */
	char source[192];	/* "default", "annotation", "FILE:LINE" */
	char **exceptions;	/* path prefixes */
	size_t nexceptions;
	char **warnings;	/* problems found in annotations */
	size_t nwarnings;
};

/* Fills the fields that the annotations know (Kubernetes CRI keys). */
void policy_meta_from_annotations(const struct oci_annotations *ann,
				  struct container_meta *meta);

void policy_decide(const struct driftd_config *cfg,
		   const struct container_meta *meta,
		   const struct oci_annotations *ann,
		   struct policy_result *out);
void policy_result_free(struct policy_result *r);

/* Parses a drift.io/exceptions value; invalid entries become warnings. */
void policy_parse_exceptions(const char *value, struct policy_result *out);

#endif

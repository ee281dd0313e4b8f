/*
 * driftd: names of the kernel sets driftd creates (pure, unit tested).
 *
 *   drift-img-<32 hex>    an image set: what containers of an image are
 *                         bound to; it includes its layers' sets
 *   drift-layer-<32 hex>  one layer's identities, included by the image
 *                         sets of every image that has the layer
 *   drift-root-<id>       a root snapshot of one container (no overlay)
 *
 * Hex digits are the first 16 bytes of a SHA-256 over what identifies the
 * content: each layer's path and the identity of its directory (device,
 * inode, ctime), as the per-layer cache keys it, and whether files are
 * hashed. Every name fits DRIFT_NAME_MAX with its NUL.
 */
#ifndef DRIFTD_SETNAME_H
#define DRIFTD_SETNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drift_netlink.h"

#define SET_PREFIX_IMAGE	"drift-img-"	/* shared, includes its layers */
#define SET_PREFIX_LAYER	"drift-layer-"	/* shared, one layer */
#define SET_PREFIX_ROOT		"drift-root-"	/* per container, root snapshot */

/* What names a layer (a directory; a host-library file for image names). */
struct setname_layer {
	const char *path;
	uint64_t dev, ino;
	int64_t ctime_sec;
	uint32_t ctime_nsec;
};

/* drift-layer-<hex> of one layer; HASH: its entries carry digests. */
void setname_layer(const struct setname_layer *l, bool hash,
		   char out[DRIFT_NAME_MAX]);
/* drift-img-<hex> of an image's layers (lowerdirs, in order). */
void setname_image(const struct setname_layer *l, size_t n, bool hash,
		   char out[DRIFT_NAME_MAX]);
/* A name driftd made: image, layer or root set. */
bool setname_ours(const char *name);
bool setname_is_layer(const char *name);

#endif

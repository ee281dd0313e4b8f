/* driftd: names of the kernel sets it creates (see setname.h). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setname.h"

static void put_layer(EVP_MD_CTX *ctx, const struct setname_layer *l)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "|%llu:%llu:%lld.%lu|",
		 (unsigned long long)l->dev, (unsigned long long)l->ino,
		 (long long)l->ctime_sec, (unsigned long)l->ctime_nsec);
	EVP_DigestUpdate(ctx, l->path, strlen(l->path) + 1);
	EVP_DigestUpdate(ctx, buf, strlen(buf));
}

/*
 * TAG, then each layer. "e1": ELF files without an execute bit are in
 * (map only); "h1"/"h0": hashing on or off. The image tag is what image
 * set names always hashed, so that they stay the same across versions.
 */
static void name(const char *prefix, const char *tag,
		 const struct setname_layer *l, size_t n, bool hash,
		 char out[DRIFT_NAME_MAX])
{
	unsigned char md[32];
	char hex[65];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		abort();
	EVP_DigestUpdate(ctx, tag, strlen(tag));
	EVP_DigestUpdate(ctx, hash ? "e1h1" : "e1h0", 4);
	for (i = 0; i < n; i++)
		put_layer(ctx, &l[i]);
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(out, DRIFT_NAME_MAX, "%s%s", prefix, hex);
}

void setname_layer(const struct setname_layer *l, bool hash,
		   char out[DRIFT_NAME_MAX])
{
	name(SET_PREFIX_LAYER, "layer:", l, 1, hash, out);
}

void setname_image(const struct setname_layer *l, size_t n, bool hash,
		   char out[DRIFT_NAME_MAX])
{
	name(SET_PREFIX_IMAGE, "", l, n, hash, out);
}

static bool prefixed(const char *name, const char *prefix)
{
	return !strncmp(name, prefix, strlen(prefix));
}

bool setname_is_layer(const char *name)
{
	return prefixed(name, SET_PREFIX_LAYER);
}

bool setname_ours(const char *name)
{
	return prefixed(name, SET_PREFIX_IMAGE) ||
	       prefixed(name, SET_PREFIX_LAYER) ||
	       prefixed(name, SET_PREFIX_ROOT);
}

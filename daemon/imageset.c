/*
 * driftd: the allowlist of an image, from its read-only layers.
 *
 * Every regular file with an execute bit in a lower layer is an entry
 * (identity as statx sees it in the layer directory, plus SHA-256 so that a
 * copied-up but unchanged file still verifies). Layers are cached by
 * (path, dev, ino, ctime of the layer directory); a set is named after the
 * identities of its layers, so every container of an image (same lowerdirs)
 * shares one kernel set, and a set is only uploaded once.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "driftd.h"
#include "fileid.h"
#include "log.h"

#define LAYER_CACHE_MAX	256

struct idvec {
	struct drift_file_id *v;
	size_t n, cap;
};

static void idvec_push(struct idvec *iv, const struct drift_file_id *id)
{
	if (iv->n == iv->cap) {
		iv->cap = iv->cap ? iv->cap * 2 : 256;
		iv->v = realloc(iv->v, iv->cap * sizeof(*iv->v));
		if (!iv->v)
			abort();
	}
	iv->v[iv->n++] = *id;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* nftw has no context argument; driftd is single-threaded. */
static struct {
	struct idvec *iv;
	unsigned flags;
	unsigned errors;
} walk;

static int walk_fn(const char *path, const struct stat *st, int type,
		   struct FTW *ftw)
{
	struct drift_file_id id;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || !(st->st_mode & 0111))
		return 0;
	if (drift_file_id_from_path(path, &id, walk.flags) != 0) {
		if (walk.errors++ < 5)
			log_warn("cannot identify %s: %s", path, strerror(errno));
		return 0;
	}
	idvec_push(walk.iv, &id);
	return 0;
}

static int scan_dir(struct driftd *d, const char *dir, struct idvec *iv)
{
	walk.iv = iv;
	walk.flags = DRIFT_FILEID_NOFOLLOW | (d->cfg.hash ? DRIFT_FILEID_SHA256 : 0);
	walk.errors = 0;
	if (nftw(dir, walk_fn, 64, FTW_PHYS | FTW_MOUNT) != 0)
		return -errno ? -errno : -EIO;
	if (walk.errors)
		log_warn("%s: %u files could not be identified (not allowed)",
			 dir, walk.errors);
	return 0;
}

static struct layer *layer_get(struct driftd *d, const char *path,
			       char *err, size_t errlen)
{
	struct stat st;
	struct layer *l;
	struct idvec iv = { 0 };
	int ret;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "layer %.200s: %s", path,
			 errno ? strerror(errno) : "not a directory");
		return NULL;
	}
	for (l = d->layers; l; l = l->next) {
		if (!strcmp(l->path, path) && l->dev == st.st_dev &&
		    l->ino == st.st_ino && l->ctime_sec == st.st_ctim.tv_sec &&
		    l->ctime_nsec == (uint32_t)st.st_ctim.tv_nsec) {
			l->last_used = ++d->layer_gen;
			d->m.layer_cache_hits++;
			return l;
		}
	}
	ret = scan_dir(d, path, &iv);
	if (ret) {
		free(iv.v);
		snprintf(err, errlen, "scanning layer %.200s: %s", path,
			 strerror(-ret));
		return NULL;
	}
	d->m.layer_scans++;
	l = calloc(1, sizeof(*l));
	if (!l)
		abort();
	l->path = strdup(path);
	if (!l->path)
		abort();
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	l->ctime_sec = st.st_ctim.tv_sec;
	l->ctime_nsec = (uint32_t)st.st_ctim.tv_nsec;
	l->ids = iv.v;
	l->n = iv.n;
	l->last_used = ++d->layer_gen;
	l->next = d->layers;
	d->layers = l;
	log_debug("layer %s: %zu executables", path, l->n);
	return l;
}

void layers_trim(struct driftd *d)
{
	size_t count = 0;
	struct layer **pp, *l;
	uint64_t cutoff;

	for (l = d->layers; l; l = l->next)
		count++;
	if (count <= LAYER_CACHE_MAX)
		return;
	cutoff = d->layer_gen > LAYER_CACHE_MAX ? d->layer_gen - LAYER_CACHE_MAX : 0;
	for (pp = &d->layers; (l = *pp);) {
		if (l->last_used <= cutoff) {
			*pp = l->next;
			free(l->path);
			free(l->ids);
			free(l);
		} else {
			pp = &l->next;
		}
	}
}

struct image_set *imageset_find(struct driftd *d, const char *name)
{
	struct image_set *s;

	for (s = d->sets; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

struct image_set *imageset_adopt(struct driftd *d, const char *name,
				 uint32_t entries)
{
	struct image_set *s = imageset_find(d, name);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->entries = entries;
	s->next = d->sets;
	d->sets = s;
	return s;
}

void imageset_put(struct driftd *d, const char *name)
{
	struct image_set **pp, *s;
	int ret;

	for (pp = &d->sets; (s = *pp); pp = &s->next) {
		if (strcmp(s->name, name))
			continue;
		if (s->users > 0)
			s->users--;
		if (s->users > 0)
			return;
		ret = dk_set_del(d->k, s->name);
		if (ret && ret != -ENOENT)
			log_warn("deleting set %s: %s", s->name, dk_errmsg(d->k));
		else
			log_info("set %s deleted (no container uses it)", s->name);
		*pp = s->next;
		free(s->image);
		free(s);
		return;
	}
}

static int upload(struct driftd *d, const char *name, struct idvec *iv,
		  const char *image, double t0, char *err, size_t errlen)
{
	struct image_set *s;
	uint32_t count = 0;
	int ret;

	ret = dk_set_upload(d->k, name, iv->v, iv->n, &count);
	if (ret) {
		snprintf(err, errlen, "uploading set %s: %s", name, dk_errmsg(d->k));
		return ret;
	}
	d->m.set_uploads++;
	d->m.set_build_seconds += now_s() - t0;
	s = imageset_adopt(d, name, count);
	s->entries = count;
	if (image && !s->image)
		s->image = strdup(image);
	log_info("set %s loaded: %u entries (%s) in %.3f s", name, count,
		 image ? image : "unknown image", now_s() - t0);
	return 0;
}

int imageset_for_layers(struct driftd *d, char **layers, size_t n,
			const char *image, char *set, size_t setlen,
			char *err, size_t errlen)
{
	unsigned char md[32];
	char mdhex[65];
	EVP_MD_CTX *ctx;
	struct stat st;
	struct idvec iv = { 0 };
	double t0 = now_s();
	size_t i, j;
	int ret;

	/* Name: digest of the layers' paths and directory identities. */
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		abort();
	EVP_DigestUpdate(ctx, d->cfg.hash ? "h1" : "h0", 2);
	for (i = 0; i < n; i++) {
		char buf[96];

		if (stat(layers[i], &st) != 0) {
			snprintf(err, errlen, "layer %.200s: %s", layers[i],
				 strerror(errno));
			EVP_MD_CTX_free(ctx);
			return -errno;
		}
		snprintf(buf, sizeof(buf), "|%llu:%llu:%lld.%ld|",
			 (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino,
			 (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
		EVP_DigestUpdate(ctx, layers[i], strlen(layers[i]) + 1);
		EVP_DigestUpdate(ctx, buf, strlen(buf));
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	drift_hex(md, 16, mdhex);
	snprintf(set, setlen, SET_PREFIX_IMAGE "%s", mdhex);

	if (imageset_find(d, set)) {
		d->m.set_reuses++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct layer *l = layer_get(d, layers[i], err, errlen);

		if (!l) {
			free(iv.v);
			return -EIO;
		}
		for (j = 0; j < l->n; j++)
			idvec_push(&iv, &l->ids[j]);
	}
	ret = upload(d, set, &iv, image, t0, err, errlen);
	free(iv.v);
	layers_trim(d);
	return ret;
}

int imageset_for_root(struct driftd *d, const char *root, const char *id,
		      const char *image, char *set, size_t setlen,
		      char *err, size_t errlen)
{
	struct idvec iv = { 0 };
	double t0 = now_s();
	int ret;

	snprintf(set, setlen, SET_PREFIX_ROOT "%s", id);
	if (imageset_find(d, set))
		return 0;
	ret = scan_dir(d, root, &iv);
	if (ret) {
		snprintf(err, errlen, "scanning root %.200s: %s", root,
			 strerror(-ret));
		free(iv.v);
		return ret;
	}
	ret = upload(d, set, &iv, image, t0, err, errlen);
	free(iv.v);
	return ret;
}

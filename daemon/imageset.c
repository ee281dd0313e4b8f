/*
 * driftd: the allowlist of an image, from its read-only layers.
 *
 * Every regular file with an execute bit in a lower layer is an entry, and
 * every ELF file without one, flagged DRIFT_FILE_F_MAP_ONLY (identity as
 * statx sees it in the layer directory, plus SHA-256 so that a copied-up
 * but unchanged file still verifies). The walk is common/walk.c: no
 * symlink is followed and no mount crossed; a scan past its limits binds
 * with what was scanned (image_set.truncated, a warning in the log). Layers are cached by
 * (path, dev, ino, ctime of the layer directory); a set is named after the
 * identities of its layers, so every container of an image (same lowerdirs)
 * shares one kernel set, and a set is only uploaded once.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "driftd.h"
#include "fileid.h"
#include "layercache.h"
#include "log.h"
#include "util.h"
#include "walk.h"

#define LAYER_CACHE_MAX	256
#define SCAN_LOG_MAX	5	/* messages per scan, then a count */

static void push_or_die(struct drift_idvec *iv, const struct drift_file_id *id,
			size_t n)
{
	if (drift_idvec_append(iv, id, n) == -ENOMEM)
		abort();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

atomic_bool imageset_abort;

struct scan {
	struct drift_idvec *iv;
	unsigned int flags;		/* DRIFT_FILEID_SHA256 or 0 */
	unsigned int errors, crossings;
	bool full;			/* DRIFT_SET_MAX_ENTRIES reached */
	bool aborted;			/* imageset_abort */
};

static int scan_file(const struct drift_walk_file *f, void *arg)
{
	struct scan *sc = arg;
	struct drift_file_id id;
	int ret;

	if (atomic_load_explicit(&imageset_abort, memory_order_relaxed)) {
		sc->aborted = true;
		return 1;
	}
	if (drift_file_id_walked(f, sc->flags, &id) != 0) {
		if (sc->errors++ < SCAN_LOG_MAX)
			log_warn("cannot identify %s: %s (not allowed)", f->path,
				 strerror(errno));
		return 0;
	}
	ret = drift_idvec_push(sc->iv, &id);
	if (ret == -ENOMEM)
		abort();
	if (ret) {
		sc->full = true;
		return 1;
	}
	return 0;
}

static void scan_error(const char *path, int err, void *arg)
{
	struct scan *sc = arg;

	if (err == EXDEV) {
		if (sc->crossings++ < SCAN_LOG_MAX)
			log_warn("%s: another mount, not scanned (its files are "
				 "not allowed)", path);
		return;
	}
	if (err == ELOOP || err == E2BIG) {
		log_warn("%s: %s", path, err == ELOOP ?
			 "nested too deep, not scanned" :
			 "directory entry limit reached, scan stopped");
		return;
	}
	if (sc->errors++ < SCAN_LOG_MAX)
		log_warn("%s: %s (not scanned)", path, strerror(err));
}

/*
 * Scans one directory (a layer, or a container's root) into `iv`, hashing
 * each file when `hash`. Called without driftd_lock: it touches nothing
 * but `iv` and the log. Returns 0, -errno when the directory cannot be
 * walked, or -ECANCELED when driftd is stopping. *truncated tells that a
 * walk limit (see walk.h) or the set size limit left files out: the set
 * then holds what was scanned (files left out are denied in enforce mode,
 * never allowed), and the caller is told so.
 */
static int scan_dir(bool hash, const char *dir, struct drift_idvec *iv,
		    bool *truncated)
{
	struct scan sc = {
		.iv = iv,
		.flags = hash ? DRIFT_FILEID_SHA256 : 0,
	};
	struct drift_walk_opts o = {
		.flags = DRIFT_WALK_ELF, .file = scan_file,
		.error = scan_error, .arg = &sc,
	};
	struct drift_walk_result r;
	int ret;

	*truncated = false;
	ret = drift_walk_set_files(dir, &o, &r);
	if (sc.aborted)
		return -ECANCELED;
	if (ret < 0)
		return errno ? -errno : -EIO;
	if (sc.errors)
		log_warn("%s: %u files or directories could not be read (their "
			 "files are not allowed)", dir, sc.errors);
	if (sc.crossings)
		log_warn("%s: %u mount points not crossed", dir, sc.crossings);
	if (r.truncated || sc.full) {
		*truncated = true;
		log_warn("%s: scan truncated: %s; the set holds the %zu files "
			 "scanned (others are denied in enforce mode)", dir,
			 sc.full ? "more files than a set holds" :
			 drift_walk_limit_text(r.truncated), iv->n);
	}
	log_debug("%s: %llu entries, %llu set files (%llu ELF without an "
		  "execute bit)", dir, (unsigned long long)r.entries,
		  (unsigned long long)r.files, (unsigned long long)r.map_only);
	return 0;
}

/*
 * The on-disk scan cache (common/layercache.h): DRIFTD_LAYER_CACHE in the
 * environment names another directory, "off" disables it.
 */
static const char *layer_cache_dir(void)
{
	const char *e = getenv("DRIFTD_LAYER_CACHE");

	if (!e || !*e)
		return DRIFT_LC_DEFAULT_DIR;
	return strcmp(e, "off") ? e : NULL;
}

/*
 * Layers being scanned now, by path (driftd_lock): a second container of a
 * cold image waits for the first one's scan instead of scanning again.
 */
struct scanning {
	struct scanning *next;
	const char *path;
};
static struct scanning *scanning;
static pthread_cond_t scan_done = PTHREAD_COND_INITIALIZER;

static struct drift_lc_key lc_key(const char *path, const struct stat *st,
				  bool hash)
{
	return (struct drift_lc_key){
		.path = path, .dev = st->st_dev, .ino = st->st_ino,
		.ctime_sec = st->st_ctim.tv_sec,
		.ctime_nsec = (uint32_t)st->st_ctim.tv_nsec,
		.hash = hash,
	};
}

static void lc_store(const char *cdir, const struct drift_lc_key *key,
		     const struct drift_idvec *iv, bool truncated)
{
	static atomic_bool warned;
	int ret = drift_lc_store(cdir, key, iv->v, iv->n, truncated);

	/* Once: a read-only /var would say it per layer. */
	if (ret && !atomic_exchange(&warned, true))
		log_warn("layer %s: cannot write the scan cache in %s: %s "
			 "(layers will be scanned again after a restart; "
			 "DRIFTD_LAYER_CACHE=off silences this)", key->path,
			 cdir, strerror(-ret));
}

/*
 * Loads LAYER for a hook, without driftd_lock: from the on-disk cache
 * (its hashed scan first when HASH), else a scan of identities only (fast;
 * the hasher adds the digests later). Fills iv, *truncated, *hashed,
 * *from_disk; 0 or -errno.
 */
static int layer_load(const char *path, const struct stat *st, bool hash,
		      struct drift_idvec *iv, bool *truncated, bool *hashed,
		      bool *from_disk, char *err, size_t errlen)
{
	const char *cdir = layer_cache_dir(), *why = NULL;
	struct drift_lc_key key;
	int ret, pass;

	*from_disk = *hashed = false;
	for (pass = hash ? 0 : 1; cdir && pass < 2; pass++) {
		key = lc_key(path, st, pass == 0);
		ret = drift_lc_load(cdir, &key, iv, truncated, &why);
		if (ret == 0) {
			*from_disk = true;
			*hashed = pass == 0;
			log_info("layer %s: %zu files from the scan cache%s%s",
				 path, iv->n, *hashed ? " (with digests)" : "",
				 *truncated ? " (truncated scan)" : "");
			return 0;
		}
		/* one file per layer: its hashed scan replaces the other */
		if (ret != -ENOENT && pass == 1)
			log_info("layer %s: scan cache not used (%s)", path,
				 why ? why : strerror(-ret));
	}
	log_info("layer %s: scanning", path);
	ret = scan_dir(false, path, iv, truncated);
	if (ret) {
		snprintf(err, errlen, "scanning layer %.200s: %s", path,
			 ret == -ECANCELED ? "driftd is stopping" :
			 strerror(-ret));
		return ret;
	}
	if (cdir) {
		key = lc_key(path, st, false);
		lc_store(cdir, &key, iv, *truncated);
	}
	return 0;
}

/* The cached layer PATH as it is now (same directory identity), or NULL. */
static struct layer *layer_find(struct driftd *d, const char *path,
				const struct stat *st)
{
	struct layer *l;

	for (l = d->layers; l; l = l->next)
		if (!strcmp(l->path, path) && l->dev == st->st_dev &&
		    l->ino == st->st_ino &&
		    l->ctime_sec == st->st_ctim.tv_sec &&
		    l->ctime_nsec == (uint32_t)st->st_ctim.tv_nsec)
			return l;
	return NULL;
}

static void hash_enqueue(const char *path);

/* driftd_lock held; dropped while a layer is scanned or read from disk. */
static struct layer *layer_get(struct driftd *d, const char *path,
			       char *err, size_t errlen)
{
	struct scanning me = { .path = path }, **pp;
	struct stat st;
	struct layer *l;
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	bool truncated = false, from_disk = false, hashed = false;
	bool hash = d->cfg.hash;
	int ret;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "layer %.200s: %s", path,
			 errno ? strerror(errno) : "not a directory");
		return NULL;
	}
again:
	l = layer_find(d, path, &st);
	if (l) {
		l->last_used = ++d->layer_gen;
		d->m.layer_cache_hits++;
		return l;
	}
	for (pp = &scanning; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->path, path)) {
			pthread_cond_wait(&scan_done, &driftd_lock);
			goto again;
		}
	}
	me.next = scanning;
	scanning = &me;
	pthread_mutex_unlock(&driftd_lock);
	ret = layer_load(path, &st, hash, &iv, &truncated, &hashed, &from_disk,
			 err, errlen);
	pthread_mutex_lock(&driftd_lock);
	for (pp = &scanning; *pp != &me; pp = &(*pp)->next)
		;
	*pp = me.next;
	pthread_cond_broadcast(&scan_done);
	if (ret) {
		drift_idvec_free(&iv);
		return NULL;
	}
	if (from_disk)
		d->m.layer_cache_hits++;
	else
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
	l->truncated = truncated;
	l->hashed = hashed;
	l->last_used = ++d->layer_gen;
	l->next = d->layers;
	d->layers = l;
	if (hash && !hashed)
		hash_enqueue(path);
	log_debug("layer %s: %zu files", path, l->n);
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
		drift_strv_free(s->layers, s->nlayers);
		free(s);
		return;
	}
}

/* AGAIN: the same set with its digests added (the hasher). */
static int upload(struct driftd *d, const char *name, struct drift_idvec *iv,
		  bool truncated, const char *image, bool again, double t0,
		  char *err, size_t errlen)
{
	struct image_set *s;
	uint32_t count = 0;
	int ret;

	ret = dk_set_upload(d->k, name, iv->v, iv->n, &count);
	if (ret) {
		snprintf(err, errlen, "uploading set %s: %s", name, dk_errmsg(d->k));
		return ret;
	}
	if (!again) {	/* the hasher counts its own */
		d->m.set_uploads++;
		d->m.set_build_seconds += now_s() - t0;
	}
	s = imageset_adopt(d, name, count);
	s->entries = count;
	s->truncated = truncated;
	if (image && !s->image)
		s->image = strdup(image);
	log_info("set %s %s: %u entries (%s) in %.3f s%s", name,
		 again ? "reloaded with digests" : "loaded", count,
		 image ? image : "unknown image", now_s() - t0,
		 truncated ? " (TRUNCATED: files past the scan limits are "
		 "not allowed)" : "");
	return 0;
}

/*
 * A "layer" that is a regular file: a host library bind-mounted file by
 * file (CDI), see host-library in driftd.conf(5).
 */
static bool host_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int add_file(bool hash, const char *path,
		    struct drift_idvec *iv, char *err, size_t errlen)
{
	struct drift_file_id id;
	int ret;

	if (drift_file_id_from_path(path, &id,
				    hash ? DRIFT_FILEID_SHA256 : 0)) {
		snprintf(err, errlen, "host library %.200s: %s", path,
			 strerror(errno));
		return -errno;
	}
	ret = drift_idvec_push(iv, &id);
	if (ret == -ENOMEM)
		abort();
	if (ret) {
		snprintf(err, errlen, "host library %.200s: the set is full",
			 path);
		return ret;
	}
	return 0;
}

/*
 * Appends the identities of LAYERS to iv: each directory through GET
 * (layer_get(), which may scan, or layer_find() for the hasher, which
 * fails on a layer not in memory), each host-library file by identity.
 * *all_hashed tells whether every part carries digests.
 */
typedef struct layer *(*layer_getter)(struct driftd *d, const char *path,
				       char *err, size_t errlen);

static int collect(struct driftd *d, char **layers, size_t n, const char *image,
		   layer_getter get, struct drift_idvec *iv, bool *truncated,
		   bool *all_hashed, char *err, size_t errlen)
{
	size_t i;
	int ret;

	*truncated = false;
	*all_hashed = true;
	for (i = 0; i < n; i++) {
		struct layer *l;

		if (host_file(layers[i])) {	/* a host-library file */
			ret = add_file(d->cfg.hash, layers[i], iv, err, errlen);
			if (ret)
				return ret;
			continue;
		}
		l = get(d, layers[i], err, errlen);
		if (!l)
			return -EIO;
		*truncated |= l->truncated;
		*all_hashed &= l->hashed;
		if (drift_idvec_append(iv, l->ids, l->n) == -E2BIG) {
			/* Bind with what fits, and say so. */
			size_t room = DRIFT_SET_MAX_ENTRIES - iv->n;

			push_or_die(iv, l->ids, room);
			*truncated = true;
			log_warn("image %s: more than %u files in its layers: "
				 "the set holds the first %u (others are denied "
				 "in enforce mode)", image ? image : "?",
				 DRIFT_SET_MAX_ENTRIES, DRIFT_SET_MAX_ENTRIES);
			break;
		}
	}
	return 0;
}

static struct layer *layer_in_memory(struct driftd *d, const char *path,
				     char *err, size_t errlen)
{
	struct stat st;
	struct layer *l = NULL;

	if (stat(path, &st) == 0)
		l = layer_find(d, path, &st);
	if (!l)
		snprintf(err, errlen, "layer %.200s: no longer in driftd's cache",
			 path);
	return l;
}

int imageset_for_layers(struct driftd *d, char **layers, size_t n,
			const char *image, char *set, size_t setlen,
			char *err, size_t errlen)
{
	unsigned char md[32];
	char mdhex[65];
	EVP_MD_CTX *ctx;
	struct stat st;
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	struct image_set *s;
	bool truncated = false, all_hashed = false;
	double t0 = now_s();
	size_t i;
	int ret;

	/* Name: digest of the layers' paths and directory identities. */
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		abort();
	/* "e": ELF files without an execute bit are in (map only). */
	EVP_DigestUpdate(ctx, d->cfg.hash ? "e1h1" : "e1h0", 4);
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
	ret = collect(d, layers, n, image, layer_get, &iv, &truncated,
		      &all_hashed, err, errlen);
	/* Another container of this image was quicker (layer_get waited). */
	if (!ret && imageset_find(d, set)) {
		d->m.set_reuses++;
	} else if (!ret) {
		ret = upload(d, set, &iv, truncated, image, false, t0, err, errlen);
		s = ret ? NULL : imageset_find(d, set);
		if (s && !s->layers) {
			for (i = 0; i < n; i++)
				drift_strv_push(&s->layers, &s->nlayers, layers[i]);
		}
		if (s && d->cfg.hash && !all_hashed) {
			s->digests_pending = true;
			log_info("set %s: no digests yet (copied-up image files "
				 "are denied until its layers are hashed)", set);
		}
	}
	drift_idvec_free(&iv);
	layers_trim(d);
	return ret;
}

/*
 * The hasher: layers queued by layer_get() are scanned again with SHA-256
 * (without driftd_lock), their cache entries replaced, and every image
 * set whose layers are then all hashed is uploaded again under its name:
 * the kernel swaps the table atomically, and copied-up files of the image
 * verify from then on (denied before, never allowed).
 */
static struct {
	pthread_cond_t cv;
	char **paths;
	size_t n;
	pthread_t thr;
	bool started;
} hasher = { .cv = PTHREAD_COND_INITIALIZER };

static void hash_enqueue(const char *path)
{
	size_t i;

	for (i = 0; i < hasher.n; i++)
		if (!strcmp(hasher.paths[i], path))
			return;
	drift_strv_push(&hasher.paths, &hasher.n, path);
	pthread_cond_signal(&hasher.cv);
}

size_t imageset_hash_queue(void)
{
	return hasher.n;
}

/* Uploads again, with digests, the sets whose layers are all hashed now. */
static void sets_with_digests(struct driftd *d, const char *path)
{
	struct image_set *s;
	char err[512];

	for (s = d->sets; s; s = s->next) {
		struct drift_idvec iv = DRIFT_IDVEC_INIT;
		bool truncated, all_hashed, uses = false;
		size_t i;
		int ret;

		if (!s->digests_pending)
			continue;
		for (i = 0; i < s->nlayers && !uses; i++)
			uses = !strcmp(s->layers[i], path);
		if (!uses)
			continue;
		ret = collect(d, s->layers, s->nlayers, s->image,
			      layer_in_memory, &iv, &truncated, &all_hashed,
			      err, sizeof(err));
		if (!ret && all_hashed) {
			ret = upload(d, s->name, &iv, truncated, s->image,
				     true, now_s(), err, sizeof(err));
			if (!ret) {
				s->digests_pending = false;
				d->m.digest_uploads++;
				log_info("set %s: digests added", s->name);
			}
		}
		if (ret) {
			/* e.g. sealed: copied-up files stay denied */
			d->m.digest_upload_errors++;
			s->digests_pending = false;
			log_warn("set %s: digests not added (%s): copied-up image "
				 "files stay denied", s->name, err);
		}
		drift_idvec_free(&iv);
	}
}

static void *hasher_main(void *arg)
{
	struct driftd *d = arg;
	const char *cdir = layer_cache_dir();

	pthread_mutex_lock(&driftd_lock);
	while (!atomic_load(&imageset_abort)) {
		struct drift_idvec iv = DRIFT_IDVEC_INIT;
		struct drift_lc_key key;
		struct stat st;
		struct layer *l;
		bool truncated = false;
		char *path;
		int ret;

		if (!hasher.n) {
			pthread_cond_wait(&hasher.cv, &driftd_lock);
			continue;
		}
		path = hasher.paths[0];
		memmove(hasher.paths, hasher.paths + 1,
			(hasher.n - 1) * sizeof(*hasher.paths));
		hasher.n--;
		if (stat(path, &st) != 0 || !(l = layer_find(d, path, &st)) ||
		    l->hashed) {
			free(path);
			continue;
		}
		pthread_mutex_unlock(&driftd_lock);
		log_info("layer %s: hashing", path);
		ret = scan_dir(true, path, &iv, &truncated);
		if (!ret && cdir) {
			key = lc_key(path, &st, true);
			lc_store(cdir, &key, &iv, truncated);
		}
		pthread_mutex_lock(&driftd_lock);
		l = ret ? NULL : layer_find(d, path, &st);
		if (ret && ret != -ECANCELED)
			log_warn("layer %s: hashing failed: %s (copied-up files "
				 "of its images stay denied)", path,
				 strerror(-ret));
		if (l) {
			free(l->ids);
			l->ids = iv.v;
			l->n = iv.n;
			l->truncated = truncated;
			l->hashed = true;
			iv = (struct drift_idvec)DRIFT_IDVEC_INIT;
			d->m.layer_hashes++;
			sets_with_digests(d, path);
		}
		drift_idvec_free(&iv);
		free(path);
	}
	pthread_mutex_unlock(&driftd_lock);
	return NULL;
}

int imageset_hasher_start(struct driftd *d)
{
	int ret = pthread_create(&hasher.thr, NULL, hasher_main, d);

	if (ret)
		return -ret;
	hasher.started = true;
	return 0;
}

void imageset_hasher_stop(void)
{
	if (!hasher.started)
		return;
	atomic_store(&imageset_abort, true);
	pthread_cond_broadcast(&hasher.cv);
	pthread_mutex_unlock(&driftd_lock);
	pthread_join(hasher.thr, NULL);
	pthread_mutex_lock(&driftd_lock);
	hasher.started = false;
}

int imageset_for_root(struct driftd *d, const char *root, char **extra,
		      size_t nextra, const char *id, const char *image,
		      char *set, size_t setlen, char *err, size_t errlen)
{
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	bool truncated, t, hash = d->cfg.hash;
	double t0 = now_s();
	size_t i;
	int ret;

	snprintf(set, setlen, SET_PREFIX_ROOT "%s", id);
	if (imageset_find(d, set))
		return 0;
	/* Scanned without driftd_lock: the root is this container's own. */
	pthread_mutex_unlock(&driftd_lock);
	ret = scan_dir(hash, root, &iv, &truncated);
	if (ret)
		snprintf(err, errlen, "scanning root %.200s: %s", root,
			 strerror(-ret));
	/* host-library sources: directories scanned, files by identity */
	for (i = 0; !ret && i < nextra; i++) {
		if (host_file(extra[i])) {
			ret = add_file(hash, extra[i], &iv, err, errlen);
		} else {
			ret = scan_dir(hash, extra[i], &iv, &t);
			truncated |= t;
			if (ret)
				snprintf(err, errlen, "scanning host library %.200s: %s",
					 extra[i], strerror(-ret));
		}
	}
	pthread_mutex_lock(&driftd_lock);
	if (ret) {
		drift_idvec_free(&iv);
		return ret;
	}
	/* The same container's other hook (createRuntime and prestart) won. */
	if (imageset_find(d, set)) {
		drift_idvec_free(&iv);
		return 0;
	}
	ret = upload(d, set, &iv, truncated, image, false, t0, err, errlen);
	drift_idvec_free(&iv);
	return ret;
}

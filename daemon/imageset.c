/*
 * driftd: the allowlist of an image, from its read-only layers.
 *
 * Every regular file with an execute bit in a lower layer is an entry, and
 * every ELF file without one, flagged DRIFT_FILE_F_MAP_ONLY (identity as
 * statx sees it in the layer directory, plus SHA-256 so that a copied-up
 * but unchanged file still verifies). The walk is common/walk.c: no
 * symlink is followed and no mount crossed; a scan past its limits binds
 * with what was scanned (image_set.truncated, a warning in the log). Layers are cached by
 * (path, dev, ino, ctime of the layer directory).
 *
 * Kernel sets (names: setname.h): each layer is a set of its own
 * (drift-layer-, struct layer_set), uploaded once from the layer cache and
 * included by the image set (drift-img-, struct image_set) of every image
 * that has the layer, so the kernel stores a shared layer's entries once.
 * An image set is named after the identities of its layers, so every
 * container of an image (same lowerdirs) is bound to one set; it has no
 * entries of its own but host-library files. Users are counted: containers
 * per image set, image sets per layer set; the last one deletes, image set
 * first (the kernel refuses to delete an included set).
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
		.error = scan_error, .arg = &sc, .progress = &driftd_progress,
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

/* Where layer set NAME is linked (*slot NULL: not there). */
static struct layer_set **layerset_slot(struct driftd *d, const char *name)
{
	struct layer_set **pp = &d->layer_sets;

	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->next;
	return pp;
}

struct layer_set *layerset_find(struct driftd *d, const char *name)
{
	return *layerset_slot(d, name);
}

static struct layer_set *layerset_new(struct driftd *d, const char *name,
				      const char *path)
{
	struct layer_set *ls = calloc(1, sizeof(*ls));

	if (!ls || (path && !(ls->path = strdup(path))))
		abort();
	snprintf(ls->name, sizeof(ls->name), "%s", name);
	ls->next = d->layer_sets;
	d->layer_sets = ls;
	return ls;
}

static void layerset_free(struct layer_set *ls)
{
	free(ls->path);
	free(ls);
}

/* Its last user went: the kernel set goes (WHY: for the log). */
static void set_delete(struct driftd *d, const char *name, const char *why)
{
	int ret = dk_set_del(d->k, name);

	if (ret && ret != -ENOENT)
		log_warn("deleting set %s: %s", name, dk_errmsg(d->k));
	else
		log_info("set %s deleted (%s)", name, why);
}

/*
 * One user less (an image set that included it, or a build that failed);
 * the last one deletes the kernel set. Image sets are deleted before the
 * layer sets they include: the kernel refuses (EBUSY) an included set.
 */
static void layerset_put(struct driftd *d, const char *name)
{
	struct layer_set **pp = layerset_slot(d, name), *ls = *pp;

	if (!ls || (ls->users > 0 && --ls->users > 0))
		return;
	set_delete(d, ls->name, "no image set includes it");
	*pp = ls->next;
	layerset_free(ls);
}

static void image_set_free(struct image_set *s)
{
	free(s->image);
	drift_strv_free(s->includes, s->nincludes);
	free(s);
}

struct image_set *imageset_adopt(struct driftd *d, const char *name,
				 const struct dk_set_info *si)
{
	struct image_set *s = imageset_find(d, name);
	size_t i;

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->entries = si ? si->entries : 0;
	for (i = 0; si && i < si->nincludes; i++) {
		struct layer_set *ls = layerset_find(d, si->includes[i]);

		if (!ls)
			ls = layerset_new(d, si->includes[i], NULL);
		ls->users++;
		drift_strv_push(&s->includes, &s->nincludes, si->includes[i]);
	}
	s->next = d->sets;
	d->sets = s;
	return s;
}

void imageset_put(struct driftd *d, const char *name)
{
	struct image_set **pp, *s;
	size_t i;

	for (pp = &d->sets; (s = *pp); pp = &s->next) {
		if (strcmp(s->name, name))
			continue;
		if (s->users > 0)
			s->users--;
		if (s->users > 0)
			return;
		set_delete(d, s->name, "no container uses it");
		*pp = s->next;
		for (i = 0; i < s->nincludes; i++)
			layerset_put(d, s->includes[i]);
		image_set_free(s);
		return;
	}
}

void imageset_free_all(struct driftd *d)
{
	while (d->sets) {
		struct image_set *s = d->sets;

		d->sets = s->next;
		image_set_free(s);
	}
	while (d->layer_sets) {
		struct layer_set *ls = d->layer_sets;

		d->layer_sets = ls->next;
		layerset_free(ls);
	}
	while (d->layers) {
		struct layer *l = d->layers;

		d->layers = l->next;
		free(l->path);
		free(l->ids);
		free(l);
	}
}

/* An image set or a root snapshot: own entries IV, INCLUDES (layer sets). */
static int upload(struct driftd *d, const char *name, struct drift_idvec *iv,
		  char **includes, size_t nincludes, bool truncated,
		  const char *image, double t0, char *err, size_t errlen)
{
	struct image_set *s;
	uint32_t count = 0;
	size_t i;
	int ret;

	ret = dk_set_upload(d->k, name, iv->v, iv->n,
			    (const char *const *)includes, nincludes, &count);
	if (ret) {
		snprintf(err, errlen, "uploading set %s: %s", name, dk_errmsg(d->k));
		return ret;
	}
	d->m.set_uploads++;
	d->m.set_build_seconds += now_s() - t0;
	s = imageset_adopt(d, name, NULL);
	s->entries = count;
	s->truncated = truncated;
	if (image && !s->image)
		s->image = strdup(image);
	/* the caller's references to the layer sets are now the set's */
	drift_strv_free(s->includes, s->nincludes);
	s->includes = NULL;
	s->nincludes = 0;
	for (i = 0; i < nincludes; i++)
		drift_strv_push(&s->includes, &s->nincludes, includes[i]);
	if (nincludes)
		log_info("set %s loaded: %u entries (%zu own, %zu layer sets "
			 "included) (%s) in %.3f s%s", name, count, iv->n,
			 nincludes, image ? image : "unknown image",
			 now_s() - t0, truncated ? " (TRUNCATED: files past "
			 "the scan limits are not allowed)" : "");
	else
		log_info("set %s loaded: %u entries (%s) in %.3f s%s", name,
			 count, image ? image : "unknown image", now_s() - t0,
			 truncated ? " (TRUNCATED: files past the scan limits "
			 "are not allowed)" : "");
	return 0;
}

static void layer_set_name(bool hash, const struct layer *l,
			   char out[DRIFT_NAME_MAX])
{
	struct setname_layer id = {
		.path = l->path, .dev = l->dev, .ino = l->ino,
		.ctime_sec = l->ctime_sec, .ctime_nsec = l->ctime_nsec,
	};

	setname_layer(&id, hash, out);
}

/*
 * Uploads layer set LS again from L, now hashed (same name: the kernel
 * swaps its table, and every image set that includes it sees the digests
 * at once). A refusal (a sealed module: the set is in use) is counted and
 * not tried again; copied-up files of its images stay denied.
 */
static void layerset_digests(struct driftd *d, struct layer_set *ls,
			     const struct layer *l)
{
	uint32_t count = 0;
	int ret;

	if (ls->hashed || ls->digest_failed || !l->hashed)
		return;
	ret = dk_set_upload(d->k, ls->name, l->ids, l->n, NULL, 0, &count);
	if (ret) {
		d->m.digest_upload_errors++;
		ls->digest_failed = true;
		log_warn("set %s: digests not added (uploading set %s: %s): "
			 "copied-up files of layer %s stay denied", ls->name,
			 ls->name, dk_errmsg(d->k), l->path);
		return;
	}
	ls->hashed = true;
	ls->entries = count;
	ls->truncated = l->truncated;
	d->m.digest_uploads++;
	log_info("set %s: digests added (layer %s, %u entries; included by "
		 "%u image sets)", ls->name, l->path, count, ls->users);
}

/*
 * The layer set of L, uploaded from its identities unless it is loaded
 * already; one more user for the caller (layerset_put() gives it back).
 * NULL with ERR on an upload error.
 */
static struct layer_set *layerset_get(struct driftd *d, const struct layer *l,
				      char *err, size_t errlen)
{
	char name[DRIFT_NAME_MAX];
	struct layer_set *ls;
	uint32_t count = 0;
	double t0 = now_s();
	int ret;

	layer_set_name(d->cfg.hash, l, name);
	ls = layerset_find(d, name);
	if (ls) {
		d->m.layer_set_reuses++;
		ls->users++;
		/* adopted at start, or uploaded before a failed hashing */
		if (d->cfg.hash)
			layerset_digests(d, ls, l);
		return ls;
	}
	ret = dk_set_upload(d->k, name, l->ids, l->n, NULL, 0, &count);
	if (ret) {
		snprintf(err, errlen, "uploading set %s (layer %.200s): %s", name,
			 l->path, dk_errmsg(d->k));
		return NULL;
	}
	ls = layerset_new(d, name, l->path);
	ls->entries = count;
	ls->truncated = l->truncated;
	ls->hashed = l->hashed;
	ls->users = 1;
	d->m.layer_set_uploads++;
	log_info("set %s loaded: %u entries (layer %s) in %.3f s%s%s", name,
		 count, l->path, now_s() - t0,
		 d->cfg.hash && !l->hashed ? " (no digests yet)" : "",
		 l->truncated ? " (TRUNCATED: files past the scan limits are "
		 "not allowed)" : "");
	return ls;
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

/* What an image set is built from: own entries, and layer sets held. */
struct parts {
	struct drift_idvec own;		/* host-library files, overflow */
	char **includes;		/* layer set names, one user each */
	size_t nincludes;
	bool truncated, all_hashed;
};

static void parts_release(struct driftd *d, struct parts *p)
{
	size_t i;

	for (i = 0; i < p->nincludes; i++)
		layerset_put(d, p->includes[i]);
	drift_strv_free(p->includes, p->nincludes);
	p->includes = NULL;
	p->nincludes = 0;
	drift_idvec_free(&p->own);
}

/* L's identities into the image set's own entries (past the includes). */
static void own_append(struct parts *p, const struct layer *l,
		       const char *image)
{
	if (p->own.n == DRIFT_SET_MAX_ENTRIES) {	/* full, said so */
		p->truncated |= l->n > 0;
		return;
	}
	if (drift_idvec_append(&p->own, l->ids, l->n) == -E2BIG) {
		/* Bind with what fits, and say so. */
		size_t room = DRIFT_SET_MAX_ENTRIES - p->own.n;

		push_or_die(&p->own, l->ids, room);
		p->truncated = true;
		log_warn("image %s: more than %u files in its layers past the "
			 "first %u: the set holds the first %u (others are "
			 "denied in enforce mode)", image ? image : "?",
			 DRIFT_SET_MAX_ENTRIES, DRIFT_MAX_INCLUDES,
			 DRIFT_SET_MAX_ENTRIES);
	}
}

/*
 * The parts of an image set for LAYERS (lowerdirs, then host-library
 * sources): each directory through layer_get() (may scan, dropping
 * driftd_lock) and its layer set (uploaded once, shared); each
 * host-library file by identity into the own entries. The
 * DRIFT_MAX_INCLUDES first distinct layers are included; the identities
 * of any further layer go into the own entries.
 */
static int collect(struct driftd *d, char **layers, size_t n,
		   const char *image, struct parts *p, char *err, size_t errlen)
{
	size_t i, j;
	int ret;

	p->truncated = false;
	p->all_hashed = true;
	for (i = 0; i < n; i++) {
		struct layer_set *ls;
		struct layer *l;

		if (host_file(layers[i])) {	/* a host-library file */
			ret = add_file(d->cfg.hash, layers[i], &p->own, err,
				       errlen);
			if (ret)
				return ret;
			continue;
		}
		l = layer_get(d, layers[i], err, errlen);
		if (!l)
			return -EIO;
		p->truncated |= l->truncated;
		p->all_hashed &= l->hashed;
		if (p->nincludes == DRIFT_MAX_INCLUDES) {
			own_append(p, l, image);
			continue;
		}
		ls = layerset_get(d, l, err, errlen);
		if (!ls)
			return -EIO;
		for (j = 0; j < p->nincludes; j++)
			if (!strcmp(p->includes[j], ls->name))
				break;
		if (j < p->nincludes) {	/* the same layer twice */
			layerset_put(d, ls->name);
			continue;
		}
		drift_strv_push(&p->includes, &p->nincludes, ls->name);
	}
	return 0;
}

int imageset_for_layers(struct driftd *d, char **layers, size_t n,
			const char *image, char *set, size_t setlen,
			char *err, size_t errlen)
{
	struct setname_layer *ids;
	struct parts p = { .own = DRIFT_IDVEC_INIT };
	char name[DRIFT_NAME_MAX];
	struct stat st;
	double t0 = now_s();
	size_t i;
	int ret;

	/* Name: digest of the layers' paths and directory identities. */
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		abort();
	for (i = 0; i < n; i++) {
		if (stat(layers[i], &st) != 0) {
			ret = -errno;
			snprintf(err, errlen, "layer %.200s: %s", layers[i],
				 strerror(errno));
			free(ids);
			return ret;
		}
		ids[i] = (struct setname_layer){
			.path = layers[i], .dev = st.st_dev, .ino = st.st_ino,
			.ctime_sec = st.st_ctim.tv_sec,
			.ctime_nsec = (uint32_t)st.st_ctim.tv_nsec,
		};
	}
	setname_image(ids, n, d->cfg.hash, name);
	free(ids);
	snprintf(set, setlen, "%s", name);

	if (imageset_find(d, set)) {
		d->m.set_reuses++;
		return 0;
	}
	ret = collect(d, layers, n, image, &p, err, errlen);
	/* Another container of this image was quicker (layer_get waited). */
	if (!ret && imageset_find(d, set)) {
		d->m.set_reuses++;
	} else if (!ret) {
		ret = upload(d, set, &p.own, p.includes, p.nincludes,
			     p.truncated, image, t0, err, errlen);
		if (!ret) {
			/* the image set holds the layer sets now */
			drift_strv_free(p.includes, p.nincludes);
			p.includes = NULL;
			p.nincludes = 0;
			if (d->cfg.hash && !p.all_hashed)
				log_info("set %s: no digests yet (copied-up "
					 "image files are denied until its "
					 "layers are hashed)", set);
		}
	}
	/* reused, or failed: the layer sets this build held go back */
	parts_release(d, &p);
	layers_trim(d);
	return ret;
}

/*
 * The hasher: layers queued by layer_get() are scanned again with SHA-256
 * (without driftd_lock), their cache entries replaced, and the layer's
 * set is uploaded again under its name: the kernel swaps the table
 * atomically, every image set that includes it sees the digests at once,
 * and copied-up files of those images verify from then on (denied before,
 * never allowed).
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

/* L was just hashed: its layer set, if loaded, gets the digests. */
static void layer_with_digests(struct driftd *d, const struct layer *l)
{
	char name[DRIFT_NAME_MAX];
	struct layer_set *ls;

	layer_set_name(true, l, name);
	ls = layerset_find(d, name);
	if (ls)
		layerset_digests(d, ls, l);
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
			layer_with_digests(d, l);
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
	ret = upload(d, set, &iv, NULL, 0, truncated, image, t0, err, errlen);
	drift_idvec_free(&iv);
	return ret;
}

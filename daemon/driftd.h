/* driftd: daemon-wide state and the interfaces between its parts. */
#ifndef DRIFTD_H
#define DRIFTD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "drift_netlink.h"
#include "kernel.h"
#include "oci.h"
#include "setname.h"

#define CGROUP_ROOT		"/sys/fs/cgroup"

/* A container driftd governs (one binding in the kernel). */
struct container {
	struct container *next;
	char id[OCI_ID_MAX + 1];
	char *name, *pod, *namespace_, *image;
	char *cgroup_path;		/* relative to CGROUP_ROOT, starts with / */
	uint64_t cgroup_id;
	char set[DRIFT_NAME_MAX];
	int mode;
	char *mode_source;
	int lib_mode;			/* enum drift_mode */
	char *lib_mode_source;
	char *bundle;
	int pid;
	int64_t created;		/* CLOCK_REALTIME seconds */
	char **layers;			/* lower dirs, or the root for snapshots */
	size_t nlayers;
	bool snapshot;			/* non-overlay root: set is per container */
	bool stale;			/* reconcile: to be removed */
	int64_t removed;		/* CLOCK_MONOTONIC s, in d->recent */
	char **exceptions;
	size_t nexceptions;
};

/*
 * A set driftd created in the kernel for containers to be bound to: an
 * image set (drift-img-: its own entries are host-library files, if any;
 * it includes the sets of its layers) or a root snapshot (drift-root-).
 */
struct image_set {
	struct image_set *next;
	char name[DRIFT_NAME_MAX];
	uint32_t entries;		/* own + included */
	unsigned users;			/* containers bound to it */
	char *image;			/* an image name seen with it */
	bool truncated;			/* a scan limit left files out */
	char **includes;		/* layer sets it includes, in order; */
	size_t nincludes;		/* each holds one of their users */
};

/*
 * One layer's identities as a kernel set of its own (drift-layer-),
 * uploaded once and included by the image set of every image that has the
 * layer: the kernel stores each entry once. Deleted when no image set
 * includes it any more (after them: the kernel refuses to delete an
 * included set).
 */
struct layer_set {
	struct layer_set *next;
	char name[DRIFT_NAME_MAX];
	char *path;			/* the layer; NULL if adopted at start */
	uint32_t entries;
	unsigned users;			/* image sets including it, builds */
	bool truncated;			/* a scan limit left files out */
	bool hashed;			/* uploaded with digests (adopted: no) */
	bool digest_failed;		/* adding digests was refused */
};

/* Per-layer cache of set file identities (executables, ELF map-only). */
struct layer {
	struct layer *next;
	char *path;
	uint64_t dev, ino;
	int64_t ctime_sec;
	uint32_t ctime_nsec;
	struct drift_file_id *ids;
	size_t n;
	bool truncated;			/* scan limits left files out */
	bool hashed;			/* ids carry SHA-256 digests */
	uint64_t last_used;		/* generation counter */
};

struct metrics {
	uint64_t hook_requests[4];	/* by hook_result */
	uint64_t hook_latency_bucket[12];
	double hook_latency_sum;
	uint64_t hook_latency_count;
	uint64_t events[__DRIFT_REASON_MAX][__DRIFT_ACTION_MAX];
	uint64_t events_suppressed;
	uint64_t events_lost;		/* netlink socket overruns */
	uint64_t layer_scans, layer_cache_hits, set_uploads, set_reuses;
	uint64_t layer_hashes, digest_uploads, digest_upload_errors;
	uint64_t layer_set_uploads, layer_set_reuses;
	double set_build_seconds;
	uint64_t bind_errors, unbinds;
	uint64_t unprotected_starts;	/* reported by the hook (fail-open) */
	uint64_t hook_abandoned;	/* answers the hook no longer took */
};

enum hook_result { HOOK_BOUND, HOOK_EXEMPT, HOOK_REMOVED, HOOK_ERROR };

struct driftd {
	struct driftd_config cfg;
	const char *config_path;
	struct dk *k;
	struct dk_events *ev;
	int hook_fd, metrics_fd;
	FILE *events_out;
	char hostname[256];
	struct container *containers;
	struct container *recent;	/* removed < RECENT_KEEP_S ago, for events */
	struct image_set *sets;
	struct layer_set *layer_sets;
	struct layer *layers;
	uint64_t layer_gen;
	struct metrics m;
};

/* containers.c: the registry; a container's start, binding and removal */
struct container *container_find(struct driftd *d, const char *id);
struct container *container_find_cgroup(struct driftd *d, uint64_t cgid);
/* Also among recently removed containers (late events). */
const struct container *container_find_event(struct driftd *d, const char *id,
					     uint64_t cgid);
void containers_expire_recent(struct driftd *d);
/*
 * RUNNING: the container may already have run (discovery, a note left by
 * a hook that failed open): its own mount table and root are not trusted;
 * only the bundle's config.json and driftd's mount table are read.
 */
int container_start(struct driftd *d, const struct oci_state *st,
		    bool running, char *msg, size_t msglen,
		    enum hook_result *res);
int container_bind(struct driftd *d, struct container *c, char *err,
		   size_t errlen);
void container_remove(struct driftd *d, struct container *c, const char *why);
void container_free(struct container *c);
void container_link(struct driftd *d, struct container *c);
int cgroup_of_pid(int pid, char *path, size_t size);
/* A pidfd's process has not exited (poll: no permission needed). */
bool pidfd_alive(int pidfd);
int cgroup_lookup(const char *rel, uint64_t *id);

/* imageset.c: allowlists from layers, set sharing */
int imageset_for_layers(struct driftd *d, char **layers, size_t n,
			const char *image, char *set, size_t setlen,
			char *err, size_t errlen);
int imageset_for_root(struct driftd *d, const char *root, char **extra,
		      size_t nextra, const char *id, const char *image,
		      char *set, size_t setlen, char *err, size_t errlen);
struct image_set *imageset_find(struct driftd *d, const char *name);
/*
 * A set of the kernel's (SI, or NULL when the kernel does not have it)
 * that driftd did not upload itself (a restart): known from now on; the
 * layer sets SI includes are adopted with it (one user each).
 */
struct image_set *imageset_adopt(struct driftd *d, const char *name,
				 const struct dk_set_info *si);
/* One container less; the last one deletes the set, then its layer sets. */
void imageset_put(struct driftd *d, const char *name);
struct layer_set *layerset_find(struct driftd *d, const char *name);
void layers_trim(struct driftd *d);
void imageset_free_all(struct driftd *d);	/* at exit: memory only */
/* Set by hookserver_stop(): scans in progress stop (-ECANCELED). */
extern atomic_bool imageset_abort;
/*
 * The hasher thread: with "hash yes", layers are scanned for identities
 * only when a hook waits, and hashed afterwards; each layer set is
 * uploaded again, with digests, once its layer is hashed (the image sets
 * that include it see them at once).
 */
int imageset_hasher_start(struct driftd *d);
void imageset_hasher_stop(void);	/* driftd_lock held; after abort */
size_t imageset_hash_queue(void);	/* layers waiting (driftd_lock) */

/*
 * hookserver.c: the event loop accepts, hook-workers threads answer
 * (driftd_lock held but while reading, writing and scanning)
 */
int hookserver_open(struct driftd *d);
int hookserver_start(struct driftd *d);	/* the worker threads */
bool hookserver_can_accept(void);		/* the queue has room */
void hookserver_accept(struct driftd *d);
void hookserver_stop(struct driftd *d);
/*
 * Keepalives (hookproto.h): every HOOK_BEAT_MS a thread of hookserver.c
 * writes one "\n" to every hook waiting in the queue or in a worker if
 * driftd_progress moved since the last time.
 * driftd_progress counts what a hook's work is made of: directory entries
 * walked (scans), set chunks sent to the kernel, hooks answered; and
 * common/fileid.c's drift_hash_progress, 256 KiB hashed. A driftd
 * whose workers are stuck goes silent, and the hook applies its failure
 * policy; a busy one keeps its hooks from mistaking it for a dead one.
 */
extern atomic_ulong driftd_progress;
struct ucred;
int hookserver_check_peer(struct driftd *d, const struct ucred *cred,
			  char *why, size_t whylen);

/* reconcile.c */
int reconcile_startup(struct driftd *d);
void reconcile_periodic(struct driftd *d);

/*
 * Held by the event loop while it handles anything (main.c) and by other
 * threads (metrics) while they read the loop's state: containers, sets,
 * d->m, d->cfg.
 */
extern pthread_mutex_t driftd_lock;

/* events.c: rendering in the loop, writing in a thread (never blocks) */
struct drift_event;
struct events_output_stats {
	uint64_t lines, dropped, write_errors, queued_bytes;
};
int events_open(struct driftd *d);
int events_start(struct driftd *d);	/* the writer thread */
void events_close(struct driftd *d);	/* flushes, stops the thread */
void events_output_stats(struct events_output_stats *s);
void events_fill(struct drift_event *e, const struct dk_event *ev,
		 const struct container *c, const char *host);
void events_on_kernel(const struct dk_event *ev, void *arg);
void events_emit_notice(struct driftd *d, const char *kind,
			const struct container *c, const char *id,
			const char *message);

/* metrics.c */
int metrics_open(struct driftd *d);	/* socket, kernel handle */
int metrics_start(struct driftd *d);	/* libmicrohttpd's thread */
void metrics_close(struct driftd *d);
/* Before unbinding C (driftd_lock held): keeps its final counts. */
void metrics_binding_gone(struct driftd *d, const struct container *c);
void metrics_hook_latency(struct driftd *d, double seconds);

/* privs.c */
int privs_drop(void);

/* records.c: STATE_DIR/containers/<id>.json (schema: common/record.c) */
int container_save(struct driftd *d, const struct container *c);
void container_unsave(struct driftd *d, const char *id);
/* Links every valid record not yet known; malformed ones are removed. */
int containers_load(struct driftd *d);	/* records in the state dir */

/* storage.c: podman / containers-storage metadata */
void storage_lookup(const char *id, char **name, char **image, char **image_id);

#endif

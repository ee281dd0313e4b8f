/* driftd: generic netlink client of the drift family (libnl-3 genl). */
#ifndef DRIFTD_KERNEL_H
#define DRIFTD_KERNEL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drift_netlink.h"

struct dk;

struct dk_stats {
	uint64_t v[DRIFT_STAT_MAX + 1];
};

struct dk_status {
	char version[64];
	int default_mode;
	char default_set[DRIFT_NAME_MAX];
	int locked, selftest;
	uint32_t set_count, binding_count;
	uint64_t memory;
	uint32_t event_rate, event_burst;
	struct dk_stats stats;
};

struct dk_set_info {
	char name[DRIFT_NAME_MAX];
	uint32_t entries, refs;		/* entries: own + included */
	uint32_t own;			/* entries loaded into the set itself */
	bool has_own;			/* the module reported it */
	uint64_t memory, loaded_ns;
	/*
	 * The sets it includes (DRIFT_A_SET_INCLUDES), in order. Valid only
	 * during the dk_sets() callback: copy what must outlive it.
	 */
	const char *const *includes;
	size_t nincludes;
};

struct dk_binding_info {
	uint64_t cgroup_id;
	char name[DRIFT_NAME_MAX];
	char set[DRIFT_NAME_MAX];
	int mode;
	struct dk_stats stats;
};

struct dk_event {
	uint64_t time_ns, cgroup_id;
	bool has_binding;
	char binding[DRIFT_NAME_MAX];
	char set[DRIFT_NAME_MAX];
	uint32_t pid, ppid, uid;
	char comm[64];
	char path[DRIFT_PATH_MAX];
	bool has_file;
	struct drift_file_id file;
	int reason, action, mode;
	int op;				/* enum drift_op; EXEC when absent */
	uint32_t suppressed;
};

/* All functions return 0 or a negative errno; dk_errmsg() has details. */
int dk_open(struct dk **out);	/* -ENOENT: module not loaded */
void dk_close(struct dk *k);
const char *dk_errmsg(const struct dk *k);

int dk_status(struct dk *k, struct dk_status *st);
/*
 * SET_BEGIN, SET_ADD x N, SET_COMMIT of NAME with IDS (n may be 0) and,
 * when nincludes > 0, DRIFT_A_SET_INCLUDES = INCLUDES (names of sets that
 * exist and include nothing, at most DRIFT_MAX_INCLUDES). *count: entries
 * the set allows (own + included). Remembered for a module reload, where
 * sets that include nothing are uploaded before those that do.
 */
int dk_set_upload(struct dk *k, const char *name,
		  const struct drift_file_id *ids, size_t n,
		  const char *const *includes, size_t nincludes,
		  uint32_t *count);
int dk_set_del(struct dk *k, const char *name);
int dk_sets(struct dk *k, void (*fn)(const struct dk_set_info *, void *),
	    void *arg);
/*
 * LIB_MODE: enum drift_mode, or < 0 to leave the kernel's default.
 * ROOT: the container's root directory as this host sees it (its rootfs),
 * or NULL. The kernel holds it and matches path exceptions as seen from it;
 * without a root it refuses path exceptions.
 */
int dk_bind(struct dk *k, uint64_t cgid, const char *set, int mode,
	    int lib_mode, const char *name, bool replace, const char *root);
int dk_unbind(struct dk *k, uint64_t cgid);
int dk_set_mode(struct dk *k, uint64_t cgid, int mode);
int dk_bindings(struct dk *k,
		void (*fn)(const struct dk_binding_info *, void *), void *arg);
int dk_get_binding(struct dk *k, uint64_t cgid, struct dk_binding_info *out);
int dk_exception_add_path(struct dk *k, uint64_t cgid, const char *prefix);

/*
 * Module reloads. Every dk remembers what it changed in the kernel (sets it
 * uploaded, bindings with their roots and path exceptions, modes). When the
 * drift family goes away and comes back (rmmod + insmod, a KMM upgrade),
 * noticed from the controller's notifications on the events socket or from
 * a request that finds the family gone, it uploads the sets and binds
 * again, logs how long enforcement was gone and calls the hook below.
 */
struct dk_reload_info {
	double gap_s;		/* family gone -> everything restored */
	unsigned sets, bindings, failed;
	unsigned long reloads;	/* since dk_open */
};
typedef void (*dk_reload_fn)(const struct dk_reload_info *info, void *arg);
void dk_on_reload(struct dk *k, dk_reload_fn fn, void *arg);
/* Counts every chunk of a set upload in *PROGRESS (a liveness sign). */
void dk_set_progress(struct dk *k, atomic_ulong *progress);
/* Re-resolves the family and replays when it changed: 1 replayed, 0 not. */
int dk_recover(struct dk *k);

/* Event subscription on the "events" multicast group. */
struct dk_events;
typedef void (*dk_event_fn)(const struct dk_event *ev, void *arg);
int dk_events_open(struct dk_events **out, dk_event_fn fn, void *arg);
int dk_events_fd(const struct dk_events *e);
/* Drains what is readable; returns messages lost to overruns (>= 0). */
int dk_events_recv(struct dk_events *e);
void dk_events_close(struct dk_events *e);

#endif

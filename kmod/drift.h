/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drift.ko internal declarations. The wire protocol is in
 * include/drift_netlink.h; the design in docs/DESIGN.md.
 */
#ifndef _DRIFT_H
#define _DRIFT_H

#undef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/binfmts.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/path.h>
#include <linux/time64.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "drift_netlink.h"
#include "compat.h"

#define DRIFT_VERSION "0.1.0"

/* ---- stats.c: per-cpu counters ---- */
struct drift_stats {
	u64 c[__DRIFT_STAT_MAX];
};

struct drift_stats __percpu *drift_stats_alloc(void);
void drift_stats_free(struct drift_stats __percpu *s);
void drift_stats_sum(struct drift_stats __percpu *s, u64 *out);
int drift_stats_put(struct sk_buff *skb, const u64 *vals, bool global);
extern struct drift_stats __percpu *drift_global_stats;

static inline void drift_count(struct drift_stats __percpu *s,
			       enum drift_stat_attr i)
{
	if (s)
		this_cpu_inc(s->c[i]);
}

/* the node's counter and the binding's (@b NULL: the node's only) */
static inline void drift_count2(struct drift_stats __percpu *b,
				enum drift_stat_attr i)
{
	drift_count(drift_global_stats, i);
	drift_count(b, i);
}

/*
 * A file's identity on this node, read from its real inode (under overlayfs
 * the layer's, d_real()): device, inode number, generation and ctime. What
 * the decision looks up, exceptions and the digest cache compare, and
 * events report (as struct drift_file_id). One resolver: drift_file_id_of().
 */
struct drift_id {
	u32 dev;
	u32 gen;
	u64 ino;
	struct timespec64 ctime;
};

static inline void drift_file_id_of(const struct inode *real,
				    struct drift_id *id)
{
	id->dev = real->i_sb->s_dev;
	id->ino = real->i_ino;
	id->gen = real->i_generation;
	id->ctime = drift_inode_ctime(real);
}

/* ---- set.c: allowlists ---- */
/*
 * One entry of the node-wide identity table: 24 bytes, a slot of one of
 * its DRIFT_NSEGS open-addressing segments.
 *   ino    the inode number; 0 marks an empty slot (SET_ADD refuses ino 0,
 *          and a live inode numbered 0 is never found: denied). Written
 *          last (release): a reader that sees it sees the other fields.
 *   part   the part the entry belongs to: one set's entries on one device
 *          (struct drift_part has the device and the set)
 *   gen    i_generation; 0 = not compared (no DRIFT_FILE_F_GENERATION,
 *          or a generation of 0: ctime still catches an inode number that
 *          was reused)
 *   ctime  bit 63: DRIFT_ENTRY_MAP_ONLY (DRIFT_FILE_F_MAP_ONLY); bits
 *          0..62: drift_ctime_encode() of the ctime, 0 = not compared (no
 *          DRIFT_FILE_F_CTIME). A flagged ctime whose encoding is 0 (the
 *          epoch exactly) is stored as 1, so such a file is always seen
 *          as changed: verified by content or denied, the safe direction.
 * Digests are not here: they are in the segment's digest array, read only
 * by the slow path (drift_hit_digest()).
 */
struct drift_entry {
	u64 ino;
	u16 part;
	u16 zero;
	u32 gen;
	u64 ctime;
};

#define DRIFT_ENTRY_MAP_ONLY	BIT_ULL(63)
#define DRIFT_CTIME_MASK	(BIT_ULL(63) - 1)

/*
 * ctime as compared: nanoseconds since the epoch, modulo 2^63 (two
 * ctimes compare equal only if they are equal or 292 years apart).
 */
static inline u64 drift_ctime_encode(s64 sec, u32 nsec)
{
	return ((u64)sec * NSEC_PER_SEC + nsec) & DRIFT_CTIME_MASK;
}

/* One SHA-256 per slot of a segment; all zero: no digest for that entry. */
struct drift_digest {
	u8 b[DRIFT_SHA256_LEN];
};

struct drift_digests {
	struct rcu_head rcu;
	struct drift_digest d[];
};

/*
 * A segment of the node-wide table: the entries whose siphash(dev, ino)
 * has these top bits; open addressing, linear probing with wrap, at most
 * 5/6 full (so a probe always meets an empty slot). Entries are added in
 * place (to empty slots only: a reader never sees a slot change under
 * it, but for entries of parts no reader can match); growing, shrinking
 * and dropping dead parts' entries build a new segment, published with
 * rcu_assign_pointer() and freed with kvfree_rcu().
 */
struct drift_seg {
	struct rcu_head rcu;
	u32 nslots;
	u32 nused;			/* slots with ino != 0 */
	struct drift_digests __rcu *digests;	/* NULL: no digest here */
	struct drift_entry entries[];
};

/*
 * The sets a lookup may match: a bitmap of set ids (the set itself and
 * the sets it includes). Replaced (RCU) only when its set is committed.
 */
struct drift_view {
	struct rcu_head rcu;
	u32 nbits;
	unsigned long bits[];
};

struct drift_set {
	struct list_head node;		/* drift_sets, under drift_mutex */
	struct llist_node free_node;	/* last reference dropped */
	refcount_t ref;			/* registry, bindings, default, includers */
	u16 id;				/* bit in views, owner of its parts */
	u64 loaded_ns;
	struct drift_view __rcu *view;
	/* under drift_mutex: */
	u16 *parts;			/* its own entries: one part per device */
	u32 nparts;
	u32 nown;			/* its own entries */
	struct drift_set **inc;		/* sets it includes (referenced) */
	u32 ninc;
	u32 nincluders;			/* registered sets that include it */
	unsigned long cookie;		/* RCU state when released */
	struct list_head pending;	/* released, id not yet free */
	char name[DRIFT_NAME_MAX];
};

/* What a lookup found: the entry and its segment (for the digest). */
struct drift_hit {
	const struct drift_seg *seg;
	const struct drift_entry *e;
};

int drift_sets_init(void);
void drift_sets_exit(void);
struct drift_set *drift_set_find(const char *name);	/* drift_mutex */
void drift_set_get(struct drift_set *set);
void drift_set_put(struct drift_set *set);	/* any context */
/*
 * Staging areas belong to the netlink socket (@portid) that began them and
 * go when it closes (drift_staging_release(), NETLINK_URELEASE).
 */
int drift_set_begin(const char *name, u32 portid, u32 hint,
		    struct netlink_ext_ack *extack);
int drift_set_add(const char *name, u32 portid,
		  const struct drift_file_id *ids, u32 n,
		  struct netlink_ext_ack *extack);
/* @inc: DRIFT_A_SET_INCLUDES or NULL */
int drift_set_commit(const char *name, u32 portid, const struct nlattr *inc,
		     u32 *count, struct netlink_ext_ack *extack);
int drift_set_abort(const char *name, u32 portid,
		    struct netlink_ext_ack *extack);
void drift_staging_release(u32 portid);
u32 drift_staging_count(void);
int drift_set_del(const char *name, struct netlink_ext_ack *extack);
u32 drift_set_count(void);
u64 drift_set_memory(void);			/* drift_mutex */
u64 drift_set_own_memory(const struct drift_set *set);	/* drift_mutex */
u32 drift_set_entries(const struct drift_set *set);	/* drift_mutex */
extern struct list_head drift_sets;

/*
 * RCU: the entry of (@dev, @ino) that @set allows (its own or an included
 * set's), or NULL; @hit for drift_hit_digest().
 */
const struct drift_entry *drift_set_lookup(const struct drift_set *set,
					   u32 dev, u64 ino,
					   struct drift_hit *hit);
/* RCU: the digest of @hit's entry, or NULL: the slow path only */
const u8 *drift_hit_digest(const struct drift_hit *hit);

/* ---- binding.c: cgroups bound to sets ---- */
struct drift_exception {
	u8 type;			/* enum drift_exception_type */
	u32 flags;			/* DRIFT_FILE_F_GENERATION, _CTIME */
	struct drift_id id;		/* a file exception always has ctime */
	u32 path_len;
	char *path;			/* container view, beneath the root */
};

struct drift_exceptions {
	struct rcu_head rcu;
	u32 n;
	struct drift_exception items[];
};

struct drift_name {
	struct rcu_head rcu;
	char s[DRIFT_NAME_MAX];
};

struct drift_ratelimit {
	spinlock_t lock;		/* protects the fields below */
	u64 last_ns;
	u64 tokens;			/* in 1e-9 tokens */
	u32 suppressed;
};

/*
 * The container's root directory, taken at BIND (DRIFT_A_ROOT_FD), as the
 * identity of its filesystem and its path from that filesystem's root. No
 * reference is held: a binding must never keep a container's root mount
 * busy (runtimes unmount it when the container stops). @sb is compared,
 * never dereferenced.
 */
struct drift_root {
	struct rcu_head rcu;
	const struct super_block *sb;
	dev_t dev;
	u32 len;		/* strlen(path); 1 for the filesystem's root */
	char path[];		/* dentry_path_raw() at BIND */
};

struct drift_binding {
	struct hlist_node hnode;
	struct rcu_head rcu;
	refcount_t ref;
	u64 cgid;
	int mode;			/* READ_ONCE / WRITE_ONCE */
	int lib_mode;			/* mappings; READ_ONCE / WRITE_ONCE */
	u32 flags;			/* enum drift_bind_flags; READ_ONCE */
	struct drift_set __rcu *set;
	struct drift_name __rcu *name;
	struct drift_exceptions __rcu *exc;
	struct drift_root __rcu *root;	/* NULL: no path exceptions */
	struct drift_stats __percpu *stats;
	struct drift_ratelimit rl;
};

int drift_bindings_init(void);
void drift_bindings_exit(void);
struct drift_binding *drift_binding_find_task(u64 *cgid);	/* RCU */
bool drift_caller_governed(void);
struct drift_binding *drift_binding_lookup(u64 cgid);	/* RCU or mutex */
bool drift_binding_tryget(struct drift_binding *b);
void drift_binding_put(struct drift_binding *b);
/* lib_mode < 0 / flags < 0: not given (new binding: off / 0; replace: keep) */
int drift_bind(u64 cgid, const char *set, int mode, int lib_mode, s64 flags,
	       const char *name, bool replace, const struct path *root,
	       struct netlink_ext_ack *extack);
int drift_unbind(u64 cgid, struct netlink_ext_ack *extack);
/* each < 0: unchanged */
int drift_set_mode(u64 cgid, int mode, int lib_mode, s64 flags,
		   struct netlink_ext_ack *extack);
int drift_exception_change(u64 cgid, bool add,
			   const struct drift_exception *exc,
			   struct netlink_ext_ack *extack);
/* File identity exceptions; caller holds RCU. */
bool drift_exception_match(const struct drift_exceptions *exc,
			   const struct drift_id *id);
/* Path exceptions, as seen from the binding's root; sleeps, holds a ref. */
bool drift_exception_match_path(struct drift_binding *b,
				const struct path *fpath);
u32 drift_binding_count(void);
struct drift_binding *drift_binding_at(unsigned long pos);
extern atomic_t drift_nbindings;

/* ---- main.c: global configuration ---- */
extern struct mutex drift_mutex;	/* every writer */
extern int drift_default_mode;		/* READ_ONCE */
extern struct drift_set __rcu *drift_default_set;
extern u32 drift_event_rate, drift_event_burst;
extern bool drift_locked;
extern bool drift_sealed;		/* only tightening until unloaded */
extern bool drift_selftest_ok;
extern siphash_key_t drift_hash_key;
int drift_set_config(struct genl_info *info);

/*
 * A change refused by the permission model (capability, governed caller,
 * seal): -EPERM with an extack message, counted in DRIFT_STAT_REFUSED.
 * @msg must be a string literal.
 */
#define drift_refuse(extack, msg) ({					\
	drift_count(drift_global_stats, DRIFT_STAT_REFUSED);		\
	NL_SET_ERR_MSG((extack), msg);					\
	-EPERM;								\
})

/* ---- hook.c: the hooks (exec, mmap, mprotect, interpreter open) ---- */
int drift_hook_init(void);
void drift_hook_exit(void);
unsigned long drift_hook_missed(void);
int drift_selftest_run(void);		/* 0 or -errno; process context */
u64 drift_selftest_time(void);		/* CLOCK_REALTIME ns of the last run */

/* ---- verdict.c: the decision ---- */
/*
 * O(1), no allocation, any context: true when @file is surely allowed (the
 * allow is counted)
 */
bool drift_fast_allow(struct file *file, int op);
/* the current task's binding checks mappings: library mode not off */
bool drift_lib_governed(void);
int drift_mem_write_mode(void);
/*
 * 0 or -EACCES. Process context; sleeps (hashes) except for
 * DRIFT_OP_MPROTECT, which runs under mmap_lock and uses the digest cache
 * only. @hint names the file when d_path() cannot.
 */
int drift_decide(struct file *file, int op, const char *hint);

/* ---- verify.c: content verification ---- */
/* 0 (writers of @real left denied), -ETXTBSY, -EFBIG or an error; sleeps */
int drift_file_digest(struct file *file, struct inode *real, u8 *digest);
/* the digest cache only: 0 (writers left denied), -ETXTBSY or -ENODATA */
int drift_file_digest_cached(struct inode *real, u8 *digest);
/* end the writers' denial of a successful drift_file_digest*() */
void drift_file_writers_allow(struct inode *real);
/* or keep it while @file is mapped: 0, -ENOMEM or -ENOSPC (lifted) */
int drift_write_guard(struct file *file, struct inode *real);
void drift_verify_exit(void);

/* ---- event.c: events ---- */
struct drift_event {
	struct list_head node;
	u64 time_ns;
	u64 cgid;
	u32 pid, ppid, uid, suppressed;
	u8 reason, action, mode, op;
	bool has_binding;
	struct drift_file_id file;
	char comm[TASK_COMM_LEN];
	char binding[DRIFT_NAME_MAX];
	char set[DRIFT_NAME_MAX];
	char path[];
};

void drift_ratelimit_init(struct drift_ratelimit *rl);
void drift_event_decision(struct drift_binding *b,
			  const struct drift_event *tmpl, const char *path);
void drift_event_selftest(void);
int drift_events_init(void);
void drift_events_exit(void);

/* ---- netlink.c ---- */
extern struct genl_family drift_family;
int drift_netlink_init(void);
void drift_netlink_exit(void);
int drift_event_fill(struct sk_buff *skb, const struct drift_event *ev);

static inline u64 drift_now_ns(void)
{
	return ktime_get_real_ns();
}

#endif /* _DRIFT_H */

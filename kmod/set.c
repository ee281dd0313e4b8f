// SPDX-License-Identifier: GPL-2.0
/*
 * Allowlist sets over one node-wide identity table.
 *
 * Every set's entries live in one table of DRIFT_NSEGS open-addressing
 * segments (drift.h), each entry stored once, tagged with its part: the
 * entries one load of one set put on one device. A part has the device
 * (so an entry need not), the id of the set that owns it, and a live
 * flag. A set is a view: the bitmap of set ids it allows (its own and
 * those of the sets it includes, DRIFT_A_SET_INCLUDES). A lookup hashes
 * (dev, ino), probes one segment, and takes the first entry whose part is
 * live, owned by a set in the view and on that device: O(1), no
 * allocation, one probe sequence however many sets are included. Images
 * that share layers share the layers' sets, so the node's memory grows
 * with its unique files.
 *
 * Loading: SET_BEGIN takes a staging area (of the netlink socket that
 * began it: freed when it closes, NETLINK_URELEASE), SET_ADD inserts into
 * the live segments under new parts that no view can match yet, and
 * SET_COMMIT flips the new parts live and then the old ones dead (both
 * with release semantics: a reader sees the old version, both, or the
 * new one, never neither for a file in both). Dead parts' entries are
 * dropped when their segment is rebuilt (a replacement that leaves many
 * behind, or the GC work); a part's index and a set's id are reused only
 * an RCU grace period after no segment and no view can name them.
 *
 * Segments grow (a quarter more slots, or what the size hint needs) and
 * shrink one at a time, so a replacement peaks at the old entries, the new
 * ones and one segment in transit.
 */
#include <linux/idr.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "drift.h"

#define DRIFT_NSEGS_SHIFT	6
#define DRIFT_NSEGS		BIT(DRIFT_NSEGS_SHIFT)
#define DRIFT_MIN_SLOTS		8U
#define DRIFT_MAX_PARTS		65536U		/* u16 drift_entry.part */
#define DRIFT_PART_CHUNK	1024U
#define DRIFT_MAX_SET_IDS	65536U		/* u16 drift_part.owner */

static_assert(sizeof(struct drift_entry) == 24);

enum part_state {
	PART_FREE,
	PART_STAGING,		/* a staging area's: never live yet */
	PART_LIVE,		/* a set's own entries */
	PART_DEAD,		/* replaced, deleted or aborted: not live */
	PART_FREEING,		/* no entry left; index free after @cookie */
};

struct drift_part {
	u32 dev;		/* every entry of the part is on it */
	u16 owner;		/* set id, set before @live */
	u8 live;		/* readers: smp_load_acquire() */
	u8 state;		/* enum part_state, drift_mutex */
	u32 nentries;		/* drift_mutex */
	unsigned long cookie;	/* PART_FREEING: RCU state */
};

struct drift_staging_area {
	struct list_head node;
	u32 portid;		/* the netlink socket that began it */
	u32 nentries;
	u32 nparts;
	u16 parts[DRIFT_SET_MAX_DEVS];
	char name[DRIFT_NAME_MAX];
};

LIST_HEAD(drift_sets);
static LIST_HEAD(drift_staging);
static LIST_HEAD(drift_pending);	/* released sets, id not yet free */
static LLIST_HEAD(drift_released);	/* last reference dropped */
static u32 drift_nsets;
static u32 drift_nstaging;

static struct drift_seg __rcu *drift_segs[DRIFT_NSEGS];
static struct drift_part *drift_parts[DRIFT_MAX_PARTS / DRIFT_PART_CHUNK];
static u32 drift_nchunks;
static u32 drift_parts_hwm;		/* highest part index used + 1 */
static DEFINE_IDA(drift_part_ida);
static DEFINE_IDA(drift_set_ida);
static u64 drift_node_used;		/* slots in use, all segments */
static u64 drift_node_dead;		/* of which entries of dead parts */
static u64 drift_views_bytes;

static void drift_gc_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(drift_gc_work, drift_gc_fn);

/* ---- the table ---- */

static inline u64 id_hash(u32 dev, u64 ino)
{
	return siphash_2u64(dev, ino, &drift_hash_key);
}

static inline unsigned int seg_index(u64 h)
{
	return h >> (64 - DRIFT_NSEGS_SHIFT);
}

static inline u32 seg_slot(const struct drift_seg *s, u64 h)
{
	return reciprocal_scale((u32)h, s->nslots);
}

static inline struct drift_part *part_of(u16 p)
{
	return &READ_ONCE(drift_parts[p / DRIFT_PART_CHUNK])[p % DRIFT_PART_CHUNK];
}

static inline struct drift_seg *seg_locked(unsigned int i)
{
	return rcu_dereference_protected(drift_segs[i],
					 lockdep_is_held(&drift_mutex));
}

static inline struct drift_digests *seg_digests(const struct drift_seg *s)
{
	return rcu_dereference_protected(s->digests,
					 lockdep_is_held(&drift_mutex));
}

static bool view_has(const struct drift_view *v, u16 id)
{
	return id < v->nbits && test_bit(id, v->bits);
}

const struct drift_entry *drift_set_lookup(const struct drift_set *set,
					   u32 dev, u64 ino,
					   struct drift_hit *hit)
{
	const struct drift_view *v;
	const struct drift_seg *s;
	u64 h;
	u32 i;

	if (!set || !ino)
		return NULL;
	v = rcu_dereference(set->view);
	if (!v)
		return NULL;
	/* the entries are not reached through the view: order them after it */
	smp_rmb();
	h = id_hash(dev, ino);
	s = rcu_dereference(drift_segs[seg_index(h)]);
	if (!s)
		return NULL;
	for (i = seg_slot(s, h);;) {
		const struct drift_entry *e = &s->entries[i];
		/* pairs with seg_insert(): the fields before the inode number */
		u64 eino = smp_load_acquire(&e->ino);

		if (!eino)
			return NULL;
		if (eino == ino) {
			const struct drift_part *pt = part_of(READ_ONCE(e->part));

			/* pairs with the commit's and part_kill()'s release */
			if (smp_load_acquire(&pt->live) &&
			    view_has(v, READ_ONCE(pt->owner)) &&
			    READ_ONCE(pt->dev) == dev) {
				hit->seg = s;
				hit->e = e;
				return e;
			}
		}
		if (++i == s->nslots)
			i = 0;
	}
}

const u8 *drift_hit_digest(const struct drift_hit *hit)
{
	const struct drift_digests *dg = rcu_dereference(hit->seg->digests);
	const struct drift_digest *d;

	if (!dg)
		return NULL;
	d = &dg->d[hit->e - hit->seg->entries];
	return memchr_inv(d->b, 0, sizeof(d->b)) ? d->b : NULL;
}

static size_t digests_bytes(u32 nslots)
{
	return struct_size((struct drift_digests *)NULL, d, nslots);
}

static size_t seg_bytes(const struct drift_seg *s)
{
	size_t bytes = struct_size(s, entries, s->nslots);

	if (rcu_access_pointer(s->digests))
		bytes = size_add(bytes, digests_bytes(s->nslots));
	return bytes;
}

/* Slots to hold @n entries at most 5/6 full. */
static u32 slots_for(u64 n)
{
	return max_t(u64, DRIFT_MIN_SLOTS,
		     min_t(u64, DIV_ROUND_UP(n * 6, 5), U32_MAX / 2));
}

static bool fits(u32 nslots, u64 n)
{
	return n * 6 <= (u64)nslots * 5;
}

/*
 * Table allocations: their size is the callers' (up to the limits), and a
 * failure is an error to it with an extack message ("out of memory ..."),
 * so the allocator's own warning and stack dump are not wanted.
 */
#define DRIFT_TABLE_GFP (GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

static struct drift_seg *seg_alloc(u32 nslots)
{
	struct drift_seg *s;

	s = kvzalloc(struct_size(s, entries, nslots), DRIFT_TABLE_GFP);
	if (s)
		s->nslots = nslots;
	return s;
}

/* A segment no reader can see. */
static void seg_free(struct drift_seg *s)
{
	if (!s)
		return;
	kvfree(rcu_dereference_protected(s->digests, true));
	kvfree(s);
}

/* A published segment: readers may still be in it. */
static void seg_free_rcu(struct drift_seg *s)
{
	struct drift_digests *dg = rcu_dereference_protected(s->digests, true);

	if (dg)
		kvfree_rcu(dg, rcu);
	kvfree_rcu(s, rcu);
}

static bool part_dead(u16 p)
{
	return part_of(p)->state == PART_DEAD;
}

/*
 * The slot of the entry (@ino, @part) in @s, or of the empty slot where it
 * would go (same part: same device).
 */
static struct drift_entry *seg_find(struct drift_seg *s, u64 h, u64 ino,
				    u16 part)
{
	u32 i = seg_slot(s, h);

	for (;;) {
		struct drift_entry *e = &s->entries[i];

		if (!e->ino || (e->ino == ino && e->part == part))
			return e;
		if (++i == s->nslots)
			i = 0;
	}
}

/*
 * Puts @src (digest @d, or none) into @s, which has room; only entries of
 * parts no reader can match are ever overwritten (a staging area's: the
 * last one added wins). Returns true for a new entry.
 */
static bool seg_insert(struct drift_seg *s, u64 h,
		       const struct drift_entry *src, const u8 *d)
{
	struct drift_entry *e = seg_find(s, h, src->ino, src->part);
	struct drift_digests *dg = rcu_dereference_protected(s->digests, true);
	bool fresh = !e->ino;

	if (dg) {
		u8 *b = dg->d[e - s->entries].b;

		if (d)
			memcpy(b, d, DRIFT_SHA256_LEN);
		else
			memset(b, 0, DRIFT_SHA256_LEN);
	}
	e->part = src->part;
	e->zero = 0;
	e->gen = src->gen;
	e->ctime = src->ctime;
	if (fresh) {
		s->nused++;
		/* the entry and its digest before a reader can see the slot */
		smp_store_release(&e->ino, src->ino);
	}
	return fresh;
}

/*
 * Segment @si rebuilt with @nslots slots, without the entries of dead
 * parts, and published; the old one goes after a grace period. On
 * failure nothing changed.
 */
static int seg_rebuild(unsigned int si, u32 nslots)
{
	struct drift_seg *o = seg_locked(si), *n;
	struct drift_digests *od = seg_digests(o), *nd = NULL;
	bool any_digest = false;
	u32 i, kept = 0;

	for (i = 0; i < o->nslots; i++) {
		if (!(i & 4095))
			cond_resched();
		if (o->entries[i].ino && !part_dead(o->entries[i].part))
			kept++;
	}
	nslots = max(nslots, slots_for(kept));
	n = seg_alloc(nslots);
	if (!n)
		return -ENOMEM;
	if (od) {
		nd = kvzalloc(digests_bytes(nslots), DRIFT_TABLE_GFP);
		if (!nd) {
			seg_free(n);
			return -ENOMEM;
		}
		RCU_INIT_POINTER(n->digests, nd);
	}
	for (i = 0; i < o->nslots; i++) {
		const struct drift_entry *e = &o->entries[i];
		const u8 *d = NULL;

		if (!(i & 4095))
			cond_resched();
		if (!e->ino || part_dead(e->part))
			continue;
		if (od && memchr_inv(od->d[i].b, 0, DRIFT_SHA256_LEN)) {
			d = od->d[i].b;
			any_digest = true;
		}
		seg_insert(n, id_hash(part_of(e->part)->dev, e->ino), e, d);
	}
	if (nd && !any_digest) {
		RCU_INIT_POINTER(n->digests, NULL);
		kvfree(nd);
	}
	drift_node_dead -= o->nused - kept;
	drift_node_used -= o->nused - kept;
	rcu_assign_pointer(drift_segs[si], n);
	seg_free_rcu(o);
	return 0;
}

/* Room in segment @si for @k more entries, and digests if @digests. */
static int seg_reserve(unsigned int si, u32 k, bool digests)
{
	struct drift_seg *s = seg_locked(si);
	u64 need = (u64)s->nused + k;
	int err;

	if (!fits(s->nslots, need)) {
		/* a quarter more: amortised O(1), and little slack past a hint */
		err = seg_rebuild(si, max_t(u64, slots_for(need),
					    min_t(u64, (u64)s->nslots * 5 / 4,
						  U32_MAX / 2)));
		if (err)
			return err;
		s = seg_locked(si);
	}
	if (digests && !seg_digests(s)) {
		struct drift_digests *dg;

		dg = kvzalloc(digests_bytes(s->nslots), DRIFT_TABLE_GFP);
		if (!dg)
			return -ENOMEM;
		rcu_assign_pointer(s->digests, dg);
	}
	return 0;
}

/*
 * Rebuilds the segments that hold entries of dead parts (all of them if
 * @all_dead, else those where they are a quarter or more), or that are
 * more than twice the size their entries need. Once no segment holds a
 * dead part's entry, the part's index is freed after a grace period.
 */
static void node_compact(bool all_dead)
{
	bool clean = true;
	unsigned int si;
	u32 p;

	for (si = 0; si < DRIFT_NSEGS; si++) {
		struct drift_seg *s = seg_locked(si);
		u32 i, dead = 0, live;

		for (i = 0; drift_node_dead && i < s->nslots; i++) {
			if (!(i & 4095))
				cond_resched();
			if (s->entries[i].ino && part_dead(s->entries[i].part))
				dead++;
		}
		live = s->nused - dead;
		if ((dead && (all_dead || dead * 4 >= s->nused)) ||
		    s->nslots > 2 * slots_for(live) + DRIFT_MIN_SLOTS) {
			if (!seg_rebuild(si, slots_for(live + live / 16)))
				dead = 0;
		}
		if (dead)
			clean = false;	/* left for later, or no memory now */
	}
	if (!clean)
		return;
	for (p = 0; p < drift_parts_hwm; p++) {
		struct drift_part *pt = part_of(p);

		if (pt->state == PART_DEAD) {
			pt->state = PART_FREEING;
			pt->cookie = get_state_synchronize_rcu();
		}
	}
}

/* ---- parts ---- */

static int part_alloc(u32 dev, u16 *out)
{
	struct drift_part *chunk, *pt;
	int p;

	p = ida_alloc_max(&drift_part_ida, DRIFT_MAX_PARTS - 1, GFP_KERNEL);
	if (p < 0)
		return p;
	chunk = drift_parts[p / DRIFT_PART_CHUNK];
	if (!chunk) {
		chunk = kvcalloc(DRIFT_PART_CHUNK, sizeof(*chunk),
				 GFP_KERNEL_ACCOUNT);
		if (!chunk) {
			ida_free(&drift_part_ida, p);
			return -ENOMEM;
		}
		/* before any entry names the part (entries are released) */
		smp_store_release(&drift_parts[p / DRIFT_PART_CHUNK], chunk);
		drift_nchunks++;
	}
	pt = &chunk[p % DRIFT_PART_CHUNK];
	WRITE_ONCE(pt->dev, dev);
	WRITE_ONCE(pt->owner, 0);
	pt->state = PART_STAGING;
	pt->nentries = 0;
	drift_parts_hwm = max_t(u32, drift_parts_hwm, p + 1);
	*out = p;
	return 0;
}

/* @p stops matching now; its entries go at the next compaction. */
static void part_kill(u16 p)
{
	struct drift_part *pt = part_of(p);

	if (pt->state == PART_LIVE)
		/* after the new version's parts went live (set commit) */
		smp_store_release(&pt->live, 0);
	pt->state = PART_DEAD;
	drift_node_dead += pt->nentries;
	if (!pt->nentries) {
		pt->state = PART_FREEING;
		pt->cookie = get_state_synchronize_rcu();
	}
}

/* ---- sets ---- */

struct drift_set *drift_set_find(const char *name)
{
	struct drift_set *set;

	lockdep_assert_held(&drift_mutex);
	list_for_each_entry(set, &drift_sets, node)
		if (!strcmp(set->name, name))
			return set;
	return NULL;
}

void drift_set_get(struct drift_set *set)
{
	refcount_inc(&set->ref);
}

/*
 * Any context (RCU callbacks included): the last reference hands the set
 * to the GC work, which retires its parts and frees it after a grace
 * period (exec-path readers reach a set under RCU).
 */
void drift_set_put(struct drift_set *set)
{
	if (!set || !refcount_dec_and_test(&set->ref))
		return;
	llist_add(&set->free_node, &drift_released);
	mod_delayed_work(system_wq, &drift_gc_work, 0);
}

static void view_free(struct drift_view *v)
{
	if (!v)
		return;
	drift_views_bytes -= struct_size(v, bits, BITS_TO_LONGS(v->nbits));
	kvfree_rcu(v, rcu);
}

/* Drops what a released set holds: its parts, includes and view. */
static void set_release(struct drift_set *set)
{
	u32 i;

	for (i = 0; i < set->nparts; i++)
		part_kill(set->parts[i]);
	kfree(set->parts);
	set->parts = NULL;
	set->nparts = 0;
	for (i = 0; i < set->ninc; i++)
		if (refcount_dec_and_test(&set->inc[i]->ref))
			llist_add(&set->inc[i]->free_node, &drift_released);
	kfree(set->inc);
	set->inc = NULL;
	set->ninc = 0;
	view_free(rcu_replace_pointer(set->view, NULL, true));
	set->cookie = get_state_synchronize_rcu();
	list_add_tail(&set->pending, &drift_pending);
}

/*
 * Released sets, compaction, and indices whose grace period is over.
 * @final: at unload, after every reader is gone: free everything.
 */
static void gc_locked(bool final)
{
	struct drift_set *set, *tmp;
	struct llist_node *l;
	bool again = false;
	u32 p;

	lockdep_assert_held(&drift_mutex);
	while ((l = llist_del_all(&drift_released))) {
		llist_for_each_entry_safe(set, tmp, l, free_node)
			set_release(set);
	}
	/*
	 * Always: a dead part whose entries a growth rebuild already dropped
	 * still has to become FREEING. At unload the segments just go.
	 */
	if (!final)
		node_compact(true);
	for (p = 0; p < drift_parts_hwm; p++) {
		struct drift_part *pt = part_of(p);

		if (pt->state == PART_FREE ||
		    (!final && pt->state != PART_FREEING))
			continue;
		if (final || poll_state_synchronize_rcu(pt->cookie)) {
			pt->state = PART_FREE;
			ida_free(&drift_part_ida, p);
		} else {
			again = true;
		}
	}
	list_for_each_entry_safe(set, tmp, &drift_pending, pending) {
		if (!final && !poll_state_synchronize_rcu(set->cookie)) {
			again = true;
			continue;
		}
		list_del(&set->pending);
		ida_free(&drift_set_ida, set->id);
		kfree(set);
	}
	if (drift_node_dead)
		again = true;		/* compaction failed: later */
	if (again && !final)
		mod_delayed_work(system_wq, &drift_gc_work, HZ / 10);
}

static void drift_gc_fn(struct work_struct *work)
{
	mutex_lock(&drift_mutex);
	gc_locked(false);
	mutex_unlock(&drift_mutex);
}

/* ---- staging ---- */

static struct drift_staging_area *staging_find(const char *name)
{
	struct drift_staging_area *s;

	list_for_each_entry(s, &drift_staging, node)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* The staging area of @name begun by @portid, or NULL + extack. */
static struct drift_staging_area *staging_mine(const char *name, u32 portid,
					       struct netlink_ext_ack *extack)
{
	struct drift_staging_area *s = staging_find(name);

	if (!s || s->portid != portid) {
		NL_SET_ERR_MSG(extack,
			       "no load of this set in progress on this socket (SET_BEGIN first)");
		return NULL;
	}
	return s;
}

static void staging_clear(struct drift_staging_area *s)
{
	u32 i;

	for (i = 0; i < s->nparts; i++)
		part_kill(s->parts[i]);
	s->nparts = 0;
	s->nentries = 0;
	if (drift_node_dead)
		mod_delayed_work(system_wq, &drift_gc_work, HZ);
}

static void staging_free(struct drift_staging_area *s)
{
	staging_clear(s);
	list_del(&s->node);
	drift_nstaging--;
	kfree(s);
}

/*
 * Room for about @hint more entries: each segment grown to hold its share
 * (1/DRIFT_NSEGS of them, plus two standard deviations; the few segments
 * that get more grow by a quarter).
 */
static int node_reserve_hint(u32 hint)
{
	u32 share = hint / DRIFT_NSEGS, slack = 8;
	unsigned int si;
	int err;

	if (!share)
		return 0;
	while ((u64)slack * slack < 4ULL * share)
		slack++;
	for (si = 0; si < DRIFT_NSEGS; si++) {
		struct drift_seg *s = seg_locked(si);

		if (fits(s->nslots, (u64)s->nused + share + slack))
			continue;
		err = seg_rebuild(si, slots_for((u64)s->nused + share + slack));
		if (err)
			return err;
	}
	return 0;
}

int drift_set_begin(const char *name, u32 portid, u32 hint,
		    struct netlink_ext_ack *extack)
{
	struct drift_staging_area *s;

	lockdep_assert_held(&drift_mutex);
	s = staging_find(name);
	if (s && s->portid != portid) {
		NL_SET_ERR_MSG(extack, "this set is being loaded by another socket");
		return -EBUSY;
	}
	if (!s && drift_nstaging >= DRIFT_MAX_STAGING) {
		NL_SET_ERR_MSG(extack, "too many sets being loaded at once");
		return -ENOSPC;
	}
	if (s) {
		staging_clear(s);	/* restart */
	} else {
		s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
		if (!s) {
			NL_SET_ERR_MSG(extack, "out of memory for the staging area");
			return -ENOMEM;
		}
		strscpy(s->name, name, sizeof(s->name));
		s->portid = portid;
		list_add(&s->node, &drift_staging);
		drift_nstaging++;
	}
	if (node_reserve_hint(min(hint, DRIFT_SET_MAX_ENTRIES))) {
		staging_free(s);
		NL_SET_ERR_MSG(extack, "out of memory for the size hint");
		return -ENOMEM;
	}
	return 0;
}

static int check_id(const struct drift_file_id *id,
		    struct netlink_ext_ack *extack)
{
	if (id->flags & ~__DRIFT_FILE_F_ALL || id->reserved) {
		NL_SET_ERR_MSG(extack, "entry has unknown flags or reserved bits set");
		return -EINVAL;
	}
	if (!id->ino) {
		NL_SET_ERR_MSG(extack, "entry has inode number 0");
		return -EINVAL;
	}
	if (id->dev_major >= (1U << (32 - MINORBITS)) ||
	    id->dev_minor > MINORMASK) {
		NL_SET_ERR_MSG(extack, "entry has an impossible device number");
		return -EINVAL;
	}
	if ((id->flags & DRIFT_FILE_F_CTIME) && id->ctime_nsec >= NSEC_PER_SEC) {
		NL_SET_ERR_MSG(extack, "entry has ctime_nsec >= 1e9");
		return -EINVAL;
	}
	return 0;
}

/* The digest of @id, or NULL: not flagged, or all zero (no digest). */
static const u8 *id_digest(const struct drift_file_id *id)
{
	if (!(id->flags & DRIFT_FILE_F_SHA256) ||
	    !memchr_inv(id->sha256, 0, DRIFT_SHA256_LEN))
		return NULL;
	return id->sha256;
}

/* @id, checked by check_id(), as an entry of @part (encodings in drift.h). */
static void entry_from_id(struct drift_entry *e, const struct drift_file_id *id,
			  u16 part)
{
	e->ino = id->ino;
	e->part = part;
	e->zero = 0;
	e->gen = id->flags & DRIFT_FILE_F_GENERATION ? id->generation : 0;
	e->ctime = 0;
	if (id->flags & DRIFT_FILE_F_CTIME) {
		e->ctime = drift_ctime_encode(id->ctime_sec, id->ctime_nsec);
		if (!e->ctime)
			e->ctime = 1;	/* compared, and never equal */
	}
	if (id->flags & DRIFT_FILE_F_MAP_ONLY)
		e->ctime |= DRIFT_ENTRY_MAP_ONLY;
}

/* The staging part of @s for device @dev, allocated if needed. */
static int staging_part(struct drift_staging_area *s, u32 dev, u16 *part,
			struct netlink_ext_ack *extack)
{
	u32 i;
	int err;

	for (i = 0; i < s->nparts; i++) {
		if (part_of(s->parts[i])->dev == dev) {
			*part = s->parts[i];
			return 0;
		}
	}
	if (s->nparts == DRIFT_SET_MAX_DEVS) {
		NL_SET_ERR_MSG(extack,
			       "entries on more than DRIFT_SET_MAX_DEVS (16) devices");
		return -EINVAL;
	}
	err = part_alloc(dev, part);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(extack, "too many set parts in the node (sets times devices)");
	else if (err)
		NL_SET_ERR_MSG(extack, "out of memory for a set part");
	if (err)
		return err;
	s->parts[s->nparts++] = *part;
	return 0;
}

/*
 * drift_set_add()'s per-entry hash and part, from its checking pass to its
 * inserting pass (each entry is hashed once): under drift_mutex.
 */
static u64 add_hash[DRIFT_SET_CHUNK_MAX];
static u16 add_part[DRIFT_SET_CHUNK_MAX];

/* All of @ids or none: checked and room made before the first insert. */
int drift_set_add(const char *name, u32 portid,
		  const struct drift_file_id *ids, u32 n,
		  struct netlink_ext_ack *extack)
{
	u32 cnt[DRIFT_NSEGS] = { 0 };
	struct drift_staging_area *s;
	u64 digests = 0;
	unsigned int si;
	u32 i;
	int err;

	lockdep_assert_held(&drift_mutex);
	if (n > DRIFT_SET_CHUNK_MAX) {
		NL_SET_ERR_MSG(extack, "more than DRIFT_SET_CHUNK_MAX entries in one message");
		return -EINVAL;
	}
	s = staging_mine(name, portid, extack);
	if (!s)
		return -ENOENT;
	if (n > DRIFT_SET_MAX_ENTRIES - s->nentries) {
		NL_SET_ERR_MSG(extack, "set would exceed DRIFT_SET_MAX_ENTRIES");
		return -E2BIG;
	}
	if (drift_node_used - drift_node_dead + n > DRIFT_NODE_MAX_ENTRIES) {
		NL_SET_ERR_MSG(extack, "the node's sets would exceed DRIFT_NODE_MAX_ENTRIES");
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		u32 dev = MKDEV(ids[i].dev_major, ids[i].dev_minor);

		err = check_id(&ids[i], extack);
		if (err)
			return err;
		err = staging_part(s, dev, &add_part[i], extack);
		if (err)
			return err;
		add_hash[i] = id_hash(dev, ids[i].ino);
		si = seg_index(add_hash[i]);
		cnt[si]++;
		if (id_digest(&ids[i]))
			digests |= BIT_ULL(si);
	}
	for (si = 0; si < DRIFT_NSEGS; si++) {
		if (!cnt[si])
			continue;
		err = seg_reserve(si, cnt[si], digests & BIT_ULL(si));
		if (err) {
			NL_SET_ERR_MSG(extack, "out of memory while staging the set");
			return err;
		}
	}
	for (i = 0; i < n; i++) {
		struct drift_entry e;

		entry_from_id(&e, &ids[i], add_part[i]);
		if (seg_insert(seg_locked(seg_index(add_hash[i])), add_hash[i],
			       &e, id_digest(&ids[i]))) {
			part_of(add_part[i])->nentries++;
			s->nentries++;
			drift_node_used++;
		}
	}
	return 0;
}

/* Bindings, the default or includers use @set: references but the registry's. */
static bool set_in_use(struct drift_set *set)
{
	return refcount_read(&set->ref) > 1;
}

/* A name in DRIFT_A_SET_INCLUDES, or NULL + extack. */
static const char *include_name(const struct nlattr *a,
				struct netlink_ext_ack *extack)
{
	const char *s = nla_data(a);
	int len = nla_len(a);

	if (nla_type(a) != DRIFT_A_SET_NAME) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "DRIFT_A_SET_INCLUDES holds DRIFT_A_SET_NAME attributes only");
		return NULL;
	}
	if (len < 2 || len > DRIFT_NAME_MAX || s[len - 1] ||
	    strnlen(s, len) != len - 1) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "an included set's name must be a non-empty NUL-terminated string shorter than DRIFT_NAME_MAX");
		return NULL;
	}
	return s;
}

/*
 * The sets named in @attr (not referenced yet), checked against @name
 * (NULL when the set is new) and @set: in *@incp (kmalloc'ed) and *@np.
 */
static int includes_parse(const struct nlattr *attr, const char *name,
			  struct drift_set *set, struct drift_set ***incp,
			  u32 *np, struct netlink_ext_ack *extack)
{
	struct drift_set **inc;
	const struct nlattr *a;
	u32 n = 0, i;
	int rem;

	*incp = NULL;
	*np = 0;
	if (!attr)
		return 0;
	nla_for_each_nested(a, attr, rem)
		n++;
	if (!n)
		return 0;
	if (n > DRIFT_MAX_INCLUDES) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "more than DRIFT_MAX_INCLUDES included sets");
		return -E2BIG;
	}
	if (set && set->nincluders) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "this set is included by another set: it cannot include sets");
		return -EINVAL;
	}
	inc = kcalloc(n, sizeof(*inc), GFP_KERNEL_ACCOUNT);
	if (!inc) {
		NL_SET_ERR_MSG(extack, "out of memory for the included sets");
		return -ENOMEM;
	}
	n = 0;
	nla_for_each_nested(a, attr, rem) {
		const char *iname = include_name(a, extack);
		struct drift_set *is;

		if (!iname)
			goto einval;
		if (!strcmp(iname, name)) {
			NL_SET_ERR_MSG_ATTR(extack, a, "a set cannot include itself");
			goto einval;
		}
		is = drift_set_find(iname);
		if (!is) {
			NL_SET_ERR_MSG_ATTR(extack, a, "no such set to include");
			kfree(inc);
			return -ENOENT;
		}
		if (is->ninc) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "an included set must not include sets itself");
			goto einval;
		}
		for (i = 0; i < n && inc[i] != is; i++)
			;
		if (i == n)
			inc[n++] = is;	/* a name given twice counts once */
	}
	*incp = inc;
	*np = n;
	return 0;
einval:
	kfree(inc);
	return -EINVAL;
}

/* The view of a set with id @id including @inc. */
static struct drift_view *view_build(u16 id, struct drift_set **inc, u32 n)
{
	struct drift_view *v;
	u32 nbits = id + 1, i;
	size_t bytes;

	for (i = 0; i < n; i++)
		nbits = max_t(u32, nbits, inc[i]->id + 1);
	bytes = struct_size(v, bits, BITS_TO_LONGS(nbits));
	v = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!v)
		return NULL;
	v->nbits = nbits;
	__set_bit(id, v->bits);
	for (i = 0; i < n; i++)
		__set_bit(inc[i]->id, v->bits);
	drift_views_bytes += bytes;
	return v;
}

static struct drift_set *set_new(const char *name)
{
	struct drift_set *set;
	int id;

	set = kzalloc(sizeof(*set), GFP_KERNEL_ACCOUNT);
	if (!set)
		return NULL;
	id = ida_alloc_max(&drift_set_ida, DRIFT_MAX_SET_IDS - 1, GFP_KERNEL);
	if (id < 0) {
		kfree(set);
		return NULL;
	}
	set->id = id;
	strscpy(set->name, name, sizeof(set->name));
	refcount_set(&set->ref, 1);
	INIT_LIST_HEAD(&set->pending);
	return set;
}

/* A new set never registered: nothing but its id and memory to free. */
static void set_new_undo(struct drift_set *set)
{
	ida_free(&drift_set_ida, set->id);
	kfree(set);
}

int drift_set_commit(const char *name, u32 portid, const struct nlattr *incl,
		     u32 *count, struct netlink_ext_ack *extack)
{
	struct drift_set **inc, **old_inc, *set, *created = NULL;
	struct drift_staging_area *s;
	struct drift_view *view;
	u32 ninc, old_ninc, i;
	u16 *parts = NULL;
	int err;

	lockdep_assert_held(&drift_mutex);
	s = staging_mine(name, portid, extack);
	if (!s)
		return -ENOENT;
	set = drift_set_find(name);
	if (set && drift_sealed && set_in_use(set))
		return drift_refuse(extack, "sealed: a set in use cannot be replaced");
	if (!set && drift_nsets >= DRIFT_MAX_SETS) {
		NL_SET_ERR_MSG(extack, "too many sets (DRIFT_MAX_SETS)");
		return -ENOSPC;
	}
	err = includes_parse(incl, name, set, &inc, &ninc, extack);
	if (err)
		return err;
	err = -ENOMEM;
	if (s->nparts) {
		parts = kmemdup(s->parts, s->nparts * sizeof(*parts),
				GFP_KERNEL_ACCOUNT);
		if (!parts)
			goto nomem;
	}
	if (!set) {
		created = set_new(name);
		if (!created)
			goto nomem;
		set = created;
	}
	view = view_build(set->id, inc, ninc);
	if (!view)
		goto nomem;

	/* nothing fails from here */
	if (created) {
		list_add_tail(&set->node, &drift_sets);
		drift_nsets++;
	}
	for (i = 0; i < ninc; i++) {
		drift_set_get(inc[i]);
		inc[i]->nincluders++;
	}
	for (i = 0; i < s->nparts; i++) {
		struct drift_part *pt = part_of(s->parts[i]);

		WRITE_ONCE(pt->owner, set->id);
		pt->state = PART_LIVE;
		/* owner, entries and digests before the part can match */
		smp_store_release(&pt->live, 1);
	}
	for (i = 0; i < set->nparts; i++)
		part_kill(set->parts[i]);
	kfree(set->parts);
	set->parts = parts;
	set->nparts = s->nparts;
	set->nown = s->nentries;
	old_inc = set->inc;
	old_ninc = set->ninc;
	set->inc = inc;
	set->ninc = ninc;
	view_free(rcu_replace_pointer(set->view, view,
				      lockdep_is_held(&drift_mutex)));
	set->loaded_ns = drift_now_ns();
	s->nparts = 0;			/* the set's now */
	s->nentries = 0;
	staging_free(s);
	for (i = 0; i < old_ninc; i++) {
		old_inc[i]->nincluders--;
		drift_set_put(old_inc[i]);
	}
	kfree(old_inc);
	*count = drift_set_entries(set);
	/* a replacement that left many dead entries, or a far too large hint */
	node_compact(false);
	if (drift_node_dead)
		mod_delayed_work(system_wq, &drift_gc_work, HZ);
	return 0;

nomem:
	NL_SET_ERR_MSG(extack, "out of memory committing the set");
	if (created)
		set_new_undo(created);
	kfree(parts);
	kfree(inc);
	return err;
}

int drift_set_abort(const char *name, u32 portid,
		    struct netlink_ext_ack *extack)
{
	struct drift_staging_area *s;

	lockdep_assert_held(&drift_mutex);
	s = staging_mine(name, portid, extack);
	if (!s)
		return -ENOENT;
	staging_free(s);
	return 0;
}

/* The netlink socket @portid closed (process context). */
void drift_staging_release(u32 portid)
{
	struct drift_staging_area *s, *tmp;

	mutex_lock(&drift_mutex);
	list_for_each_entry_safe(s, tmp, &drift_staging, node)
		if (s->portid == portid)
			staging_free(s);
	mutex_unlock(&drift_mutex);
}

u32 drift_staging_count(void)
{
	return drift_nstaging;
}

/* Out of the registry: its includes lose a registered includer. */
static void set_unregister(struct drift_set *set)
{
	u32 i;

	list_del(&set->node);
	drift_nsets--;
	for (i = 0; i < set->ninc; i++)
		set->inc[i]->nincluders--;
	drift_set_put(set);
}

int drift_set_del(const char *name, struct netlink_ext_ack *extack)
{
	struct drift_set *set;

	lockdep_assert_held(&drift_mutex);
	set = drift_set_find(name);
	if (!set) {
		NL_SET_ERR_MSG(extack, "no such set");
		return -ENOENT;
	}
	if (drift_sealed && set_in_use(set))
		return drift_refuse(extack, "sealed: a set in use cannot be deleted");
	if (rcu_access_pointer(drift_default_set) == set) {
		NL_SET_ERR_MSG(extack, "set is the default set; clear it first");
		return -EBUSY;
	}
	if (set->nincluders) {
		NL_SET_ERR_MSG(extack,
			       "set is included by another set; delete or reload that one first");
		return -EBUSY;
	}
	set_unregister(set);
	return 0;
}

u32 drift_set_count(void)
{
	return drift_nsets;
}

u32 drift_set_entries(const struct drift_set *set)
{
	u32 n = set->nown, i;

	for (i = 0; i < set->ninc; i++)
		n += set->inc[i]->nown;
	return n;
}

static u64 segs_bytes(void)
{
	unsigned int si;
	u64 sum = 0;

	for (si = 0; si < DRIFT_NSEGS; si++)
		sum += seg_bytes(seg_locked(si));
	return sum;
}

u64 drift_set_memory(void)
{
	lockdep_assert_held(&drift_mutex);
	return segs_bytes() + drift_views_bytes +
	       (u64)drift_nchunks * DRIFT_PART_CHUNK * sizeof(struct drift_part);
}

/* Its own entries' share of the table, its view and its part list. */
u64 drift_set_own_memory(const struct drift_set *set)
{
	u64 live = drift_node_used - drift_node_dead, bytes = 0;
	const struct drift_view *v;

	lockdep_assert_held(&drift_mutex);
	if (live && set->nown)
		bytes = div64_u64(segs_bytes() * set->nown, live);
	v = rcu_dereference_protected(set->view, lockdep_is_held(&drift_mutex));
	if (v)
		bytes += struct_size(v, bits, BITS_TO_LONGS(v->nbits));
	return bytes + set->nparts * sizeof(*set->parts);
}

/* The empty table, and the first chunk of parts (never freed before exit). */
int drift_sets_init(void)
{
	unsigned int si;

	drift_parts[0] = kvcalloc(DRIFT_PART_CHUNK, sizeof(struct drift_part),
				  GFP_KERNEL);
	if (!drift_parts[0])
		return -ENOMEM;
	drift_nchunks = 1;
	for (si = 0; si < DRIFT_NSEGS; si++) {
		struct drift_seg *s = seg_alloc(DRIFT_MIN_SLOTS);

		if (!s) {
			while (si--)
				seg_free(rcu_dereference_protected(drift_segs[si], true));
			kvfree(drift_parts[0]);
			drift_parts[0] = NULL;
			return -ENOMEM;
		}
		RCU_INIT_POINTER(drift_segs[si], s);
	}
	return 0;
}

/* Called after every binding and the default set are gone. */
void drift_sets_exit(void)
{
	struct drift_staging_area *s, *stmp;
	struct drift_set *set, *tmp;
	unsigned int i;

	rcu_barrier();		/* bindings freed by call_rcu() put their sets */
	mutex_lock(&drift_mutex);
	list_for_each_entry_safe(s, stmp, &drift_staging, node)
		staging_free(s);
	list_for_each_entry_safe(set, tmp, &drift_sets, node)
		set_unregister(set);
	mutex_unlock(&drift_mutex);
	cancel_delayed_work_sync(&drift_gc_work);
	synchronize_rcu();	/* no reader is in a set or a segment */
	mutex_lock(&drift_mutex);
	gc_locked(true);
	mutex_unlock(&drift_mutex);
	WARN_ON(!list_empty(&drift_pending));
	for (i = 0; i < DRIFT_NSEGS; i++) {
		seg_free(rcu_dereference_protected(drift_segs[i], true));
		RCU_INIT_POINTER(drift_segs[i], NULL);
	}
	for (i = 0; i < ARRAY_SIZE(drift_parts); i++)
		kvfree(drift_parts[i]);
	ida_destroy(&drift_part_ida);
	ida_destroy(&drift_set_ida);
}

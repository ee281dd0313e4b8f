// SPDX-License-Identifier: GPL-2.0
/*
 * Allowlist sets. A set is loaded in pieces (BEGIN/ADD) straight into the
 * table it will publish: SET_BEGIN allocates a table for the size hint,
 * SET_ADD inserts into it (growing it when it would pass 3/4 full), and
 * SET_COMMIT publishes it with rcu_replace_pointer(): readers on the exec
 * path see either the old or the new table, never a partial one. Replacing
 * a set therefore holds at most the old table and the new one.
 *
 * Lookups are O(1) and allocation-free: open addressing with linear
 * probing over the entries themselves (24 bytes, drift.h), at most 3/4
 * full, keyed by a siphash of (dev, ino) with a random key (so an attacker
 * cannot build colliding identities). Digests live in a separate array
 * (one per slot, allocated only when an entry has one) that only the slow
 * path reads.
 *
 * A staging area belongs to the netlink socket that began it (its portid):
 * only that socket adds to it, commits or aborts it, and it is freed when
 * the socket closes (NETLINK_URELEASE), so a loader killed half-way leaks
 * nothing. Rehashing a large table yields the CPU now and then.
 */
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "drift.h"

LIST_HEAD(drift_sets);
static LIST_HEAD(drift_staging);
static u32 drift_nsets;
static u32 drift_nstaging;

struct drift_staging_area {
	struct list_head node;
	struct drift_set_table *t;	/* not published: ours to write */
	u32 portid;			/* the netlink socket that began it */
	char name[DRIFT_NAME_MAX];
};

static_assert(sizeof(struct drift_entry) == 24);

#define DRIFT_MIN_SLOTS		8U

static inline u32 id_slot(const struct drift_set_table *t, u32 dev, u64 ino)
{
	return reciprocal_scale((u32)siphash_2u64(dev, ino, &drift_hash_key),
				t->nslots);
}

/* The slot of (dev, ino) in @t, or of the empty slot where it would go. */
static u32 table_find(const struct drift_set_table *t, u32 dev, u64 ino)
{
	u32 i = id_slot(t, dev, ino);

	for (;;) {
		const struct drift_entry *e = &t->entries[i];

		if (!e->ino || (e->ino == ino && e->dev == dev))
			return i;
		if (++i == t->nslots)
			i = 0;
	}
}

const struct drift_entry *drift_table_lookup(const struct drift_set_table *t,
					     u32 dev, u64 ino)
{
	const struct drift_entry *e;

	if (!t || !t->nentries || !ino)
		return NULL;
	e = &t->entries[table_find(t, dev, ino)];
	return e->ino ? e : NULL;
}

const u8 *drift_table_digest(const struct drift_set_table *t,
			     const struct drift_entry *e)
{
	const struct drift_digest *d;

	if (!t->digests)
		return NULL;
	d = &t->digests->d[e - t->entries];
	return memchr_inv(d->b, 0, sizeof(d->b)) ? d->b : NULL;
}

static size_t digests_bytes(u32 nslots)
{
	return struct_size((struct drift_digests *)NULL, d, nslots);
}

size_t drift_table_bytes(const struct drift_set_table *t)
{
	size_t bytes = struct_size(t, entries, t->nslots);

	if (t->digests)
		bytes = size_add(bytes, digests_bytes(t->nslots));
	return bytes;
}

/* Slots to hold @n entries at most 3/4 full. */
static u32 slots_for(u32 n)
{
	return max_t(u32, DRIFT_MIN_SLOTS, DIV_ROUND_UP((u64)n * 4, 3));
}

static bool fits(const struct drift_set_table *t, u32 n)
{
	return (u64)n * 4 <= (u64)t->nslots * 3;
}

/*
 * Table allocations: their size is the caller's (up to the set limit), and
 * a failure is an error to it with an extack message ("out of memory ..."),
 * so the allocator's own warning and stack dump are not wanted.
 */
#define DRIFT_TABLE_GFP (GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

/* A table of @nslots empty slots, with an empty digest array if @digests. */
static struct drift_set_table *table_alloc(u32 nslots, bool digests)
{
	struct drift_set_table *t;

	t = kvzalloc(struct_size(t, entries, nslots), DRIFT_TABLE_GFP);
	if (!t)
		return NULL;
	t->nslots = nslots;
	if (digests) {
		t->digests = kvzalloc(digests_bytes(nslots), DRIFT_TABLE_GFP);
		if (!t->digests) {
			kvfree(t);
			return NULL;
		}
	}
	return t;
}

/* An unpublished table: no reader can see it. */
static void table_free(struct drift_set_table *t)
{
	if (!t)
		return;
	kvfree(t->digests);
	kvfree(t);
}

/* A published table: readers may still be in it. */
static void table_free_rcu(struct drift_set_table *t)
{
	if (t->digests)
		kvfree_rcu(t->digests, rcu);
	kvfree_rcu(t, rcu);
}

/*
 * Puts @e (digest @d, or none) into @t, which has room for it; an entry
 * with the same (dev, ino) is replaced: the last one added wins.
 */
static void table_insert(struct drift_set_table *t,
			 const struct drift_entry *e, const u8 *d)
{
	u32 i = table_find(t, e->dev, e->ino);

	if (!t->entries[i].ino)
		t->nentries++;
	t->entries[i] = *e;
	if (t->digests) {
		if (d)
			memcpy(t->digests->d[i].b, d, DRIFT_SHA256_LEN);
		else
			memset(t->digests->d[i].b, 0, DRIFT_SHA256_LEN);
	}
}

/*
 * Moves the entries (and digests) of @t into a new table of @nslots slots,
 * with a digest array if @t has one or @digests; frees @t. On failure @t
 * is left as it was.
 */
static int table_rehash(struct drift_set_table **tp, u32 nslots, bool digests)
{
	struct drift_set_table *t = *tp, *n;
	u32 i;

	n = table_alloc(nslots, digests || t->digests);
	if (!n)
		return -ENOMEM;
	for (i = 0; i < t->nslots; i++) {
		const struct drift_entry *e = &t->entries[i];

		if (!(i & 4095))
			cond_resched();	/* up to 2^22 entries */
		if (e->ino)
			table_insert(n, e, t->digests ? t->digests->d[i].b : NULL);
	}
	table_free(t);
	*tp = n;
	return 0;
}

/*
 * Room for @n entries in all, and a digest array if @digests: grows the
 * table (at least twice as many slots) when it would pass 3/4 full.
 */
static int table_reserve(struct drift_set_table **tp, u32 n, bool digests)
{
	struct drift_set_table *t = *tp;

	if (!fits(t, n)) {
		u32 nslots = max(slots_for(n),
				 t->nslots > U32_MAX / 2 ? U32_MAX : t->nslots * 2);

		nslots = min(nslots, slots_for(DRIFT_SET_MAX_ENTRIES));
		return table_rehash(tp, nslots, digests);
	}
	if (digests && !t->digests) {
		t->digests = kvzalloc(digests_bytes(t->nslots), DRIFT_TABLE_GFP);
		if (!t->digests)
			return -ENOMEM;
	}
	return 0;
}

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
 * Exec-path readers reach a set only under RCU through a binding or the
 * default pointer, so the memory goes after a grace period.
 */
void drift_set_put(struct drift_set *set)
{
	struct drift_set_table *t;

	if (!refcount_dec_and_test(&set->ref))
		return;
	t = rcu_dereference_protected(set->table, true);
	if (t)
		table_free_rcu(t);
	kfree_rcu(set, rcu);
}

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

static void staging_free(struct drift_staging_area *s)
{
	list_del(&s->node);
	drift_nstaging--;
	table_free(s->t);
	kfree(s);
}

int drift_set_begin(const char *name, u32 portid, u32 hint,
		    struct netlink_ext_ack *extack)
{
	struct drift_set_table *t;
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
	t = table_alloc(slots_for(min(hint, DRIFT_SET_MAX_ENTRIES)), false);
	if (!t) {
		if (s)
			staging_free(s);
		NL_SET_ERR_MSG(extack, "out of memory for the size hint");
		return -ENOMEM;
	}
	if (s) {			/* restart */
		table_free(s->t);
		s->t = t;
		return 0;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s) {
		table_free(t);
		return -ENOMEM;
	}
	strscpy(s->name, name, sizeof(s->name));
	s->portid = portid;
	s->t = t;
	list_add(&s->node, &drift_staging);
	drift_nstaging++;
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

/* @id, checked by check_id(), as an entry (encodings in drift.h). */
static void entry_from_id(struct drift_entry *e, const struct drift_file_id *id)
{
	e->ino = id->ino;
	e->dev = MKDEV(id->dev_major, id->dev_minor);
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

/* All of @ids or none: checked and room made before the first insert. */
int drift_set_add(const char *name, u32 portid,
		  const struct drift_file_id *ids, u32 n,
		  struct netlink_ext_ack *extack)
{
	struct drift_staging_area *s;
	bool digests = false;
	u32 i;
	int err;

	lockdep_assert_held(&drift_mutex);
	s = staging_mine(name, portid, extack);
	if (!s)
		return -ENOENT;
	if (n > DRIFT_SET_MAX_ENTRIES - s->t->nentries) {
		NL_SET_ERR_MSG(extack, "set would exceed DRIFT_SET_MAX_ENTRIES");
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		err = check_id(&ids[i], extack);
		if (err)
			return err;
		if (id_digest(&ids[i]))
			digests = true;
	}
	err = table_reserve(&s->t, s->t->nentries + n, digests);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory while staging the set");
		return err;
	}
	for (i = 0; i < n; i++) {
		struct drift_entry e;

		entry_from_id(&e, &ids[i]);
		table_insert(s->t, &e, id_digest(&ids[i]));
	}
	return 0;
}

/* Bindings (and the default) that use @set: references but the registry's. */
static bool set_in_use(struct drift_set *set)
{
	return refcount_read(&set->ref) > 1;
}

int drift_set_commit(const char *name, u32 portid, u32 *count,
		     struct netlink_ext_ack *extack)
{
	struct drift_staging_area *s;
	struct drift_set_table *t, *old;
	struct drift_set *set;

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
	/* a size hint far too large: shrink to what the set holds */
	if (s->t->nslots / 2 > slots_for(s->t->nentries) &&
	    table_rehash(&s->t, slots_for(s->t->nentries), false)) {
		NL_SET_ERR_MSG(extack, "out of memory building the set");
		return -ENOMEM;
	}
	if (!set) {
		set = kzalloc(sizeof(*set), GFP_KERNEL_ACCOUNT);
		if (!set) {
			NL_SET_ERR_MSG(extack, "out of memory creating the set");
			return -ENOMEM;
		}
		strscpy(set->name, name, sizeof(set->name));
		refcount_set(&set->ref, 1);
		list_add_tail(&set->node, &drift_sets);
		drift_nsets++;
	}
	t = s->t;
	s->t = NULL;
	old = rcu_replace_pointer(set->table, t, lockdep_is_held(&drift_mutex));
	set->loaded_ns = drift_now_ns();
	if (old)
		table_free_rcu(old);
	*count = t->nentries;
	staging_free(s);
	return 0;
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
	list_del(&set->node);
	drift_nsets--;
	drift_set_put(set);
	return 0;
}

u32 drift_set_count(void)
{
	return drift_nsets;
}

u64 drift_set_memory(void)
{
	struct drift_set *set;
	u64 sum = 0;

	lockdep_assert_held(&drift_mutex);
	list_for_each_entry(set, &drift_sets, node) {
		const struct drift_set_table *t;

		t = rcu_dereference_protected(set->table,
					      lockdep_is_held(&drift_mutex));
		if (t)
			sum += drift_table_bytes(t);
	}
	return sum;
}

/* Called after every binding is gone. */
void drift_sets_exit(void)
{
	struct drift_staging_area *s, *stmp;
	struct drift_set *set, *tmp;

	mutex_lock(&drift_mutex);
	list_for_each_entry_safe(s, stmp, &drift_staging, node)
		staging_free(s);
	list_for_each_entry_safe(set, tmp, &drift_sets, node) {
		list_del(&set->node);
		drift_nsets--;
		drift_set_put(set);
	}
	mutex_unlock(&drift_mutex);
}

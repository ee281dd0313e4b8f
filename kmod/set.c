// SPDX-License-Identifier: GPL-2.0
/*
 * Allowlist sets. A set is loaded in pieces into a staging area
 * (BEGIN/ADD), built into an immutable table on COMMIT and published with
 * rcu_assign_pointer(): readers on the exec path see either the old or the
 * new table, never a partial one. Lookups are O(1): open addressing with
 * linear probing over u32 slots, at most half full, keyed by a siphash of
 * (dev, ino) with a random key (so an attacker cannot build colliding
 * identities).
 *
 * A staging area belongs to the netlink socket that began it (its portid):
 * only that socket adds to it, commits or aborts it, and it is freed when
 * the socket closes (NETLINK_URELEASE), so a loader killed half-way leaks
 * nothing. Building a large table yields the CPU now and then.
 */
#include <linux/log2.h>
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
	struct drift_entry *entries;
	u32 portid;			/* the netlink socket that began it */
	u32 n, cap;
	char name[DRIFT_NAME_MAX];
};

static inline u32 id_hash(u32 dev, u64 ino)
{
	return (u32)siphash_2u64(dev, ino, &drift_hash_key);
}

const struct drift_entry *drift_table_lookup(const struct drift_set_table *t,
					     u32 dev, u64 ino)
{
	u32 i, slot;

	if (!t || !t->nentries)
		return NULL;
	for (i = id_hash(dev, ino) & t->id_mask;; i = (i + 1) & t->id_mask) {
		const struct drift_entry *e;

		slot = READ_ONCE(t->id_slots[i]);
		if (!slot)
			return NULL;
		e = &t->entries[slot - 1];
		if (e->ino == ino && e->dev == dev)
			return e;
	}
}

static u32 slots_for(u32 n)
{
	return n < 8 ? 16 : roundup_pow_of_two(n * 2);
}

/* Builds a table from @n staged entries; duplicates keep the last one. */
static struct drift_set_table *table_build(const struct drift_entry *src,
					   u32 n)
{
	struct drift_set_table *t;
	u32 nslots = slots_for(n);
	size_t bytes, ent_bytes, slot_bytes;
	u32 k;

	ent_bytes = array_size(n, sizeof(struct drift_entry));
	slot_bytes = array_size(nslots, sizeof(u32));
	bytes = size_add(sizeof(*t), ent_bytes);
	bytes = size_add(bytes, slot_bytes);
	if (bytes == SIZE_MAX)
		return NULL;
	t = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->bytes = bytes;
	t->id_mask = nslots - 1;
	t->id_slots = (u32 *)((char *)t->entries + ent_bytes);

	for (k = 0; k < n; k++) {
		const struct drift_entry *e = &src[k];
		u32 i = id_hash(e->dev, e->ino) & t->id_mask;

		if (!(k & 4095))
			cond_resched();	/* up to 2^22 entries */
		for (;; i = (i + 1) & t->id_mask) {
			u32 slot = t->id_slots[i];

			if (!slot) {
				t->entries[t->nentries] = *e;
				t->id_slots[i] = ++t->nentries;
				break;
			}
			if (t->entries[slot - 1].ino == e->ino &&
			    t->entries[slot - 1].dev == e->dev) {
				t->entries[slot - 1] = *e;
				break;
			}
		}
	}
	return t;
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
		kvfree_rcu(t, rcu);
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
	kvfree(s->entries);
	kfree(s);
}

static int staging_reserve(struct drift_staging_area *s, u32 want)
{
	struct drift_entry *n;
	u32 cap;

	if (want <= s->cap)
		return 0;
	cap = max3(want, s->cap * 2, 64U);
	cap = min(cap, DRIFT_SET_MAX_ENTRIES);
	n = kvmalloc_array(cap, sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	if (s->n)
		memcpy(n, s->entries, array_size(s->n, sizeof(*n)));
	kvfree(s->entries);
	s->entries = n;
	s->cap = cap;
	return 0;
}

int drift_set_begin(const char *name, u32 portid, u32 hint,
		    struct netlink_ext_ack *extack)
{
	struct drift_staging_area *s;
	int err;

	lockdep_assert_held(&drift_mutex);
	s = staging_find(name);
	if (s && s->portid != portid) {
		NL_SET_ERR_MSG(extack, "this set is being loaded by another socket");
		return -EBUSY;
	}
	if (s) {
		s->n = 0;	/* restart */
	} else {
		if (drift_nstaging >= DRIFT_MAX_STAGING) {
			NL_SET_ERR_MSG(extack, "too many sets being loaded at once");
			return -ENOSPC;
		}
		s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
		if (!s)
			return -ENOMEM;
		strscpy(s->name, name, sizeof(s->name));
		s->portid = portid;
		list_add(&s->node, &drift_staging);
		drift_nstaging++;
	}
	err = staging_reserve(s, hint);
	if (err) {
		staging_free(s);
		NL_SET_ERR_MSG(extack, "out of memory for the size hint");
	}
	return err;
}

static int entry_from_id(struct drift_entry *e, const struct drift_file_id *id,
			 struct netlink_ext_ack *extack)
{
	if (id->flags & ~__DRIFT_FILE_F_ALL || id->reserved) {
		NL_SET_ERR_MSG(extack, "entry has unknown flags or reserved bits set");
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
	e->ino = id->ino;
	e->dev = MKDEV(id->dev_major, id->dev_minor);
	e->gen = id->generation;
	e->flags = id->flags;
	e->ctime_sec = id->ctime_sec;
	e->ctime_nsec = id->ctime_nsec;
	memcpy(e->sha256, id->sha256, DRIFT_SHA256_LEN);
	return 0;
}

int drift_set_add(const char *name, u32 portid,
		  const struct drift_file_id *ids, u32 n,
		  struct netlink_ext_ack *extack)
{
	struct drift_staging_area *s;
	u32 i, base;
	int err;

	lockdep_assert_held(&drift_mutex);
	s = staging_mine(name, portid, extack);
	if (!s)
		return -ENOENT;
	if (n > DRIFT_SET_MAX_ENTRIES - s->n) {
		NL_SET_ERR_MSG(extack, "set would exceed DRIFT_SET_MAX_ENTRIES");
		return -E2BIG;
	}
	err = staging_reserve(s, s->n + n);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory while staging the set");
		return err;
	}
	base = s->n;
	for (i = 0; i < n; i++) {
		err = entry_from_id(&s->entries[base + i], &ids[i], extack);
		if (err)
			return err;	/* nothing appended: s->n unchanged */
	}
	s->n += n;
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
	t = table_build(s->entries, s->n);
	if (!t) {
		NL_SET_ERR_MSG(extack, "out of memory building the set");
		return -ENOMEM;
	}
	if (!set) {
		set = kzalloc(sizeof(*set), GFP_KERNEL_ACCOUNT);
		if (!set) {
			kvfree(t);
			NL_SET_ERR_MSG(extack, "out of memory creating the set");
			return -ENOMEM;
		}
		strscpy(set->name, name, sizeof(set->name));
		refcount_set(&set->ref, 1);
		list_add_tail(&set->node, &drift_sets);
		drift_nsets++;
	}
	old = rcu_replace_pointer(set->table, t, lockdep_is_held(&drift_mutex));
	set->loaded_ns = drift_now_ns();
	if (old)
		kvfree_rcu(old, rcu);
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
			sum += t->bytes;
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

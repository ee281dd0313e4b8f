// SPDX-License-Identifier: GPL-2.0
/*
 * Bindings: a cgroup (v2 id) tied to a set, a mode and exceptions. They live
 * in an RCU hashtable keyed by cgroup id; the exec path looks up the task's
 * cgroup and then its ancestors, so child cgroups of a container (crun
 * sub-cgroups, delegation) inherit the binding of the container. Writers
 * hold drift_mutex; everything a reader dereferences is freed after a grace
 * period.
 */
#include <linux/cgroup.h>
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "drift.h"

static DEFINE_HASHTABLE(drift_bindings, 10);
atomic_t drift_nbindings = ATOMIC_INIT(0);

struct drift_binding *drift_binding_lookup(u64 cgid)
{
	struct drift_binding *b;

	hash_for_each_possible_rcu(drift_bindings, b, hnode, cgid,
				   lockdep_is_held(&drift_mutex))
		if (b->cgid == cgid)
			return b;
	return NULL;
}

/* Nearest bound ancestor of current's cgroup. Caller holds RCU. */
struct drift_binding *drift_binding_find_task(u64 *cgid)
{
	struct cgroup *cg = task_dfl_cgroup(current);

	*cgid = cgroup_id(cg);
	if (!atomic_read(&drift_nbindings))
		return NULL;
	for (; cg; cg = cgroup_parent(cg)) {
		struct drift_binding *b = drift_binding_lookup(cgroup_id(cg));

		if (b)
			return b;
	}
	return NULL;
}

bool drift_binding_tryget(struct drift_binding *b)
{
	return refcount_inc_not_zero(&b->ref);
}

static void exceptions_free(struct drift_exceptions *exc)
{
	u32 i;

	if (!exc)
		return;
	for (i = 0; i < exc->n; i++)
		kfree(exc->items[i].path);
	kfree(exc);
}

static void exceptions_free_rcu(struct rcu_head *head)
{
	exceptions_free(container_of(head, struct drift_exceptions, rcu));
}

static void binding_free_rcu(struct rcu_head *head)
{
	struct drift_binding *b = container_of(head, struct drift_binding, rcu);

	exceptions_free(rcu_dereference_protected(b->exc, true));
	kfree(rcu_dereference_protected(b->name, true));
	drift_set_put(rcu_dereference_protected(b->set, true));
	drift_stats_free(b->stats);
	kfree(b);
}

void drift_binding_put(struct drift_binding *b)
{
	if (refcount_dec_and_test(&b->ref))
		call_rcu(&b->rcu, binding_free_rcu);
}

static struct drift_name *name_new(const char *s, u64 cgid)
{
	struct drift_name *n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);

	if (!n)
		return NULL;
	if (s && *s)
		strscpy(n->s, s, sizeof(n->s));
	else
		snprintf(n->s, sizeof(n->s), "%llu", cgid);
	return n;
}

int drift_bind(u64 cgid, const char *set_name, int mode, int lib_mode,
	       s64 flags, const char *name, bool replace,
	       struct netlink_ext_ack *extack)
{
	struct drift_binding *b;
	struct drift_set *set;
	struct drift_name *n;
	struct cgroup *cg;

	lockdep_assert_held(&drift_mutex);
	set = drift_set_find(set_name);
	if (!set) {
		NL_SET_ERR_MSG(extack, "no such set: load it first");
		return -ENOENT;
	}
	b = drift_binding_lookup(cgid);
	if (b && !replace) {
		NL_SET_ERR_MSG(extack, "cgroup already bound (replace it with DRIFT_A_REPLACE)");
		return -EEXIST;
	}
	if (!b) {
		bool root;

		cg = cgroup_get_from_id(cgid);
		if (IS_ERR(cg)) {
			NL_SET_ERR_MSG(extack, "no cgroup v2 with this id");
			return -ENOENT;
		}
		root = !cgroup_parent(cg);
		cgroup_put(cg);
		if (root) {
			/* It would govern every task, init included. */
			NL_SET_ERR_MSG(extack,
				       "refusing to bind the root cgroup: use the default mode and set");
			return -EINVAL;
		}
		if (atomic_read(&drift_nbindings) >= DRIFT_MAX_BINDINGS) {
			NL_SET_ERR_MSG(extack, "too many bindings");
			return -ENOSPC;
		}
	}
	n = name_new(name, cgid);
	if (!n)
		return -ENOMEM;
	if (b) {
		struct drift_set *old_set;
		struct drift_name *old_name;

		drift_set_get(set);
		old_set = rcu_replace_pointer(b->set, set,
					      lockdep_is_held(&drift_mutex));
		WRITE_ONCE(b->mode, mode);
		if (lib_mode >= 0)
			WRITE_ONCE(b->lib_mode, lib_mode);
		if (flags >= 0)
			WRITE_ONCE(b->flags, flags);
		old_name = rcu_replace_pointer(b->name, n,
					       lockdep_is_held(&drift_mutex));
		drift_set_put(old_set);
		kfree_rcu(old_name, rcu);
		return 0;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		goto err_name;
	b->stats = drift_stats_alloc();
	if (!b->stats)
		goto err_b;
	refcount_set(&b->ref, 1);
	b->cgid = cgid;
	b->mode = mode;
	/* library mode off unless asked: see DRIFT_A_LIB_MODE */
	b->lib_mode = lib_mode >= 0 ? lib_mode : DRIFT_MODE_OFF;
	b->flags = flags >= 0 ? flags : 0;
	drift_ratelimit_init(&b->rl);
	drift_set_get(set);
	RCU_INIT_POINTER(b->set, set);
	RCU_INIT_POINTER(b->name, n);
	hash_add_rcu(drift_bindings, &b->hnode, cgid);
	atomic_inc(&drift_nbindings);
	return 0;

err_b:
	kfree(b);
err_name:
	kfree(n);
	NL_SET_ERR_MSG(extack, "out of memory creating the binding");
	return -ENOMEM;
}

/* The binding of @cgid for a command that needs one, or NULL + extack. */
static struct drift_binding *binding_or_err(u64 cgid,
					    struct netlink_ext_ack *extack)
{
	struct drift_binding *b = drift_binding_lookup(cgid);

	if (!b)
		NL_SET_ERR_MSG(extack, "cgroup is not bound");
	return b;
}

static void binding_remove(struct drift_binding *b)
{
	hash_del_rcu(&b->hnode);
	atomic_dec(&drift_nbindings);
	drift_binding_put(b);
}

int drift_unbind(u64 cgid, struct netlink_ext_ack *extack)
{
	struct drift_binding *b;

	lockdep_assert_held(&drift_mutex);
	b = binding_or_err(cgid, extack);
	if (!b)
		return -ENOENT;
	binding_remove(b);
	return 0;
}

int drift_set_mode(u64 cgid, int mode, int lib_mode, s64 flags,
		   struct netlink_ext_ack *extack)
{
	struct drift_binding *b;

	lockdep_assert_held(&drift_mutex);
	b = binding_or_err(cgid, extack);
	if (!b)
		return -ENOENT;
	if (mode >= 0)
		WRITE_ONCE(b->mode, mode);
	if (lib_mode >= 0)
		WRITE_ONCE(b->lib_mode, lib_mode);
	if (flags >= 0)
		WRITE_ONCE(b->flags, flags);
	return 0;
}

static bool exception_equal(const struct drift_exception *a,
			    const struct drift_exception *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == DRIFT_EXC_PATH_PREFIX)
		return a->path_len == b->path_len && !strcmp(a->path, b->path);
	return a->dev == b->dev && a->ino == b->ino;
}

/* Copy-on-write: readers keep the old array until a grace period passes. */
int drift_exception_change(u64 cgid, bool add,
			   const struct drift_exception *exc,
			   struct netlink_ext_ack *extack)
{
	struct drift_exceptions *old, *new;
	struct drift_binding *b;
	u32 i, n = 0, found = U32_MAX;

	lockdep_assert_held(&drift_mutex);
	b = binding_or_err(cgid, extack);
	if (!b)
		return -ENOENT;
	old = rcu_dereference_protected(b->exc, lockdep_is_held(&drift_mutex));
	if (old) {
		n = old->n;
		for (i = 0; i < n; i++)
			if (exception_equal(&old->items[i], exc))
				found = i;
	}
	if (add && found != U32_MAX) {
		NL_SET_ERR_MSG(extack, "exception already exists");
		return -EEXIST;
	}
	if (!add && found == U32_MAX) {
		NL_SET_ERR_MSG(extack, "no such exception");
		return -ENOENT;
	}
	if (add && n >= DRIFT_MAX_EXCEPTIONS) {
		NL_SET_ERR_MSG(extack, "too many exceptions for this binding");
		return -ENOSPC;
	}
	new = kzalloc(struct_size(new, items, add ? n + 1 : n),
		      GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct drift_exception *src = &old->items[i];
		struct drift_exception *dst;

		if (i == found)
			continue;
		dst = &new->items[new->n];
		*dst = *src;
		if (src->path) {
			dst->path = kstrdup(src->path, GFP_KERNEL_ACCOUNT);
			if (!dst->path)
				goto err;
		}
		new->n++;
	}
	if (add) {
		struct drift_exception *dst = &new->items[new->n];

		*dst = *exc;
		if (exc->path) {
			dst->path = kstrdup(exc->path, GFP_KERNEL_ACCOUNT);
			if (!dst->path)
				goto err;
		}
		new->n++;
	}
	rcu_assign_pointer(b->exc, new);
	if (old)
		call_rcu(&old->rcu, exceptions_free_rcu);
	return 0;
err:
	exceptions_free(new);
	NL_SET_ERR_MSG(extack, "out of memory changing exceptions");
	return -ENOMEM;
}

static bool path_has_prefix(const char *path, const char *prefix, u32 plen)
{
	if (strncmp(path, prefix, plen))
		return false;
	return prefix[plen - 1] == '/' || path[plen] == '\0' ||
	       path[plen] == '/';
}

/* @path may be NULL when it could not be resolved. Caller holds RCU. */
bool drift_exception_match(const struct drift_exceptions *exc, u32 dev,
			   u64 ino, u32 gen, const char *path)
{
	u32 i;

	if (!exc)
		return false;
	for (i = 0; i < exc->n; i++) {
		const struct drift_exception *e = &exc->items[i];

		if (e->type == DRIFT_EXC_FILE) {
			if (e->dev == dev && e->ino == ino &&
			    (!(e->flags & DRIFT_FILE_F_GENERATION) ||
			     e->gen == gen))
				return true;
		} else if (path && path_has_prefix(path, e->path, e->path_len)) {
			return true;
		}
	}
	return false;
}

u32 drift_binding_count(void)
{
	return atomic_read(&drift_nbindings);
}

/* Dump support: the @pos-th binding (under drift_mutex), or NULL. */
struct drift_binding *drift_binding_at(unsigned long pos)
{
	struct drift_binding *b;
	unsigned long i = 0;
	int bkt;

	lockdep_assert_held(&drift_mutex);
	hash_for_each(drift_bindings, bkt, b, hnode)
		if (i++ == pos)
			return b;
	return NULL;
}

void drift_bindings_exit(void)
{
	struct hlist_node *tmp;
	struct drift_binding *b;
	int bkt;

	mutex_lock(&drift_mutex);
	hash_for_each_safe(drift_bindings, bkt, tmp, b, hnode)
		binding_remove(b);
	mutex_unlock(&drift_mutex);
}

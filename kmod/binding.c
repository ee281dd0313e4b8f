// SPDX-License-Identifier: GPL-2.0
/*
 * Bindings: a cgroup (v2 id) tied to a set, a mode and exceptions. They live
 * in an RCU hashtable keyed by cgroup id; the exec path looks up the task's
 * cgroup and then its ancestors, so child cgroups of a container (crun
 * sub-cgroups, delegation) inherit the binding of the container. Writers
 * hold drift_mutex; everything a reader dereferences is freed after a grace
 * period.
 *
 * Exceptions cannot be steered from inside the container: a file exception
 * is an identity with its ctime (a rewritten, chmod'ed or renamed file stops
 * matching), and a path exception is matched against the path of the file
 * as seen from the container's root directory, taken at BIND
 * (DRIFT_A_ROOT_FD), not from the task's own root: a chroot, a bind mount or
 * a volume cannot make another file look like an excepted one. Files that
 * are not beneath that root on its filesystem never match a path exception.
 */
#include <linux/cgroup.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/namei.h>
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

/*
 * Whether the current task's own cgroup is governed by a binding (bound, or
 * a descendant of a bound cgroup): such a task may not change drift.
 */
bool drift_caller_governed(void)
{
	bool governed;
	u64 cgid;

	rcu_read_lock();
	governed = drift_binding_find_task(&cgid);
	rcu_read_unlock();
	return governed;
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

/* Readers may still use @r: a grace period first. */
static void root_free(struct drift_root *r)
{
	if (r)
		kfree_rcu(r, rcu);
}

/* The identity of @path (the container's root): see struct drift_root. */
static struct drift_root *root_new(const struct path *path)
{
	struct drift_root *r;
	char *buf, *p;
	size_t len;

	if (!path)
		return NULL;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	p = dentry_path_raw(path->dentry, buf, PATH_MAX);
	if (IS_ERR(p)) {
		kfree(buf);
		return ERR_CAST(p);
	}
	len = strlen(p);
	r = kzalloc(struct_size(r, path, len + 1), GFP_KERNEL_ACCOUNT);
	if (r) {
		r->sb = path->dentry->d_sb;
		r->dev = r->sb->s_dev;
		r->len = len;
		memcpy(r->path, p, len + 1);
	}
	kfree(buf);
	return r ?: ERR_PTR(-ENOMEM);
}

static void binding_free_rcu(struct rcu_head *head)
{
	struct drift_binding *b = container_of(head, struct drift_binding, rcu);

	kfree(rcu_dereference_protected(b->root, true));
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

/* Mode of the binding that governs @cg now (an ancestor's or the default). */
static struct drift_binding *governing_binding(struct cgroup *cg)
{
	for (; cg; cg = cgroup_parent(cg)) {
		struct drift_binding *b = drift_binding_lookup(cgroup_id(cg));

		if (b)
			return b;
	}
	return NULL;
}

/*
 * Sealed: a new binding tightens only a cgroup nobody governs yet, with a
 * mode no lower than the default; a replacement only raises the mode and
 * keeps the set and the root.
 */
static int bind_sealed_check(struct drift_binding *b, struct cgroup *cg,
			     struct drift_set *set, int mode,
			     const struct path *root,
			     struct netlink_ext_ack *extack)
{
	struct drift_binding *gov;

	if (b) {
		if (mode < READ_ONCE(b->mode))
			return drift_refuse(extack, "sealed: a binding's mode can only be raised");
		if (rcu_access_pointer(b->set) != set)
			return drift_refuse(extack, "sealed: a binding's set cannot be replaced");
		if (root)
			return drift_refuse(extack, "sealed: a binding's root cannot be replaced");
		return 0;
	}
	gov = governing_binding(cg);
	if (gov)
		return drift_refuse(extack,
				    "sealed: the cgroup is inside a bound cgroup; a nested binding could loosen it");
	if (mode < READ_ONCE(drift_default_mode))
		return drift_refuse(extack,
				    "sealed: a new binding's mode cannot be below the default mode");
	return 0;
}

int drift_bind(u64 cgid, const char *set_name, int mode, int lib_mode,
	       s64 flags, const char *name, bool replace,
	       const struct path *rootp,
	       struct netlink_ext_ack *extack)
{
	struct drift_binding *b;
	struct drift_root *root;
	struct drift_set *set;
	struct drift_name *n;
	struct cgroup *cg;
	int err;

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
	if (b && drift_sealed) {
		err = bind_sealed_check(b, NULL, set, mode, rootp, extack);
		if (err)
			return err;
		if (lib_mode >= 0 && lib_mode < READ_ONCE(b->lib_mode))
			return drift_refuse(extack,
					    "sealed: a binding's library mode can only be raised");
		if (flags >= 0 && (READ_ONCE(b->flags) & ~flags))
			return drift_refuse(extack, "sealed: a binding's flags can only be added");
	}
	if (!b) {
		bool is_root;

		cg = drift_cgroup_get_from_id(cgid);
		if (IS_ERR(cg)) {
			NL_SET_ERR_MSG(extack, "no cgroup v2 with this id");
			return -ENOENT;
		}
		is_root = !cgroup_parent(cg);
		err = 0;
		if (!is_root && drift_sealed)
			err = bind_sealed_check(NULL, cg, set, mode, rootp,
						extack);
		cgroup_put(cg);
		if (err)
			return err;
		if (is_root) {
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
	root = root_new(rootp);
	if (IS_ERR(root)) {
		if (PTR_ERR(root) == -ENOMEM)
			NL_SET_ERR_MSG(extack, "out of memory creating the binding");
		else
			NL_SET_ERR_MSG(extack, "cannot resolve the path of DRIFT_A_ROOT_FD");
		return PTR_ERR(root);
	}
	n = name_new(name, cgid);
	if (!n)
		goto err_root;
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
		if (root)	/* a replacement without a root keeps it */
			root_free(rcu_replace_pointer(b->root, root,
						      lockdep_is_held(&drift_mutex)));
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
	RCU_INIT_POINTER(b->root, root);
	hash_add_rcu(drift_bindings, &b->hnode, cgid);
	atomic_inc(&drift_nbindings);
	return 0;

err_b:
	kfree(b);
err_name:
	kfree(n);
err_root:
	kfree(root);
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
	if (drift_sealed)
		return drift_refuse(extack,
				    "sealed: bindings cannot be removed until the module is reloaded");
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
	if (drift_sealed) {
		if (mode >= 0 && mode < READ_ONCE(b->mode))
			return drift_refuse(extack, "sealed: a binding's mode can only be raised");
		if (lib_mode >= 0 && lib_mode < READ_ONCE(b->lib_mode))
			return drift_refuse(extack,
					    "sealed: a binding's library mode can only be raised");
		if (flags >= 0 && (READ_ONCE(b->flags) & ~flags))
			return drift_refuse(extack, "sealed: a binding's flags can only be added");
	}
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
	return a->id.dev == b->id.dev && a->id.ino == b->id.ino;
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
	if (add && drift_sealed)
		return drift_refuse(extack,
				    "sealed: exceptions cannot be added until the module is reloaded");
	if (add && exc->type == DRIFT_EXC_PATH_PREFIX &&
	    !rcu_access_pointer(b->root)) {
		/* d_path() in the task's root could be steered (chroot). */
		NL_SET_ERR_MSG(extack,
			       "path exceptions need the container's root: bind with DRIFT_A_ROOT_FD (driftctl bind --root DIR)");
		return -EINVAL;
	}
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
	if (!new) {
		NL_SET_ERR_MSG(extack, "out of memory for the exceptions");
		return -ENOMEM;
	}
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

/* Caller holds RCU. A file exception needs the same ctime. */
bool drift_exception_match(const struct drift_exceptions *exc,
			   const struct drift_id *id)
{
	u32 i;

	if (!exc)
		return false;
	for (i = 0; i < exc->n; i++) {
		const struct drift_exception *e = &exc->items[i];

		if (e->type == DRIFT_EXC_FILE && e->id.dev == id->dev &&
		    e->id.ino == id->ino &&
		    (!(e->flags & DRIFT_FILE_F_GENERATION) ||
		     e->id.gen == id->gen) &&
		    timespec64_equal(&e->id.ctime, &id->ctime))
			return true;
	}
	return false;
}

/*
 * The path of @fpath relative to @root, in @buf (PATH_MAX): NULL when the
 * file is not beneath the root on the root's filesystem (another
 * filesystem, a volume, a deleted file, outside a chroot'ed root).
 * dentry_path_raw() ignores mounts and the task's root, so neither a
 * chroot nor a bind mount changes the answer. Under RCU (@root).
 */
static const char *path_from_root(const struct path *fpath,
				  const struct drift_root *root, char *buf)
{
	struct dentry *d = fpath->dentry;
	char *fp;

	if (d->d_sb != root->sb || d->d_sb->s_dev != root->dev ||
	    d_unlinked(d))
		return NULL;
	fp = dentry_path_raw(d, buf, PATH_MAX);
	if (IS_ERR(fp))
		return NULL;
	if (root->len == 1)		/* the root is its filesystem's root */
		return fp;
	if (strncmp(fp, root->path, root->len) ||
	    (fp[root->len] != '/' && fp[root->len]))
		return NULL;
	return fp[root->len] ? fp + root->len : "/";
}

bool drift_exception_match_path(struct drift_binding *b,
				const struct path *fpath)
{
	const struct drift_exceptions *exc;
	const char *rel;
	bool match = false;
	char *buf;
	u32 i;

	might_sleep();
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return false;
	rcu_read_lock();
	rel = rcu_dereference(b->root) ?
		path_from_root(fpath, rcu_dereference(b->root), buf) : NULL;
	exc = rel ? rcu_dereference(b->exc) : NULL;
	for (i = 0; exc && i < exc->n && !match; i++) {
		const struct drift_exception *e = &exc->items[i];

		match = e->type == DRIFT_EXC_PATH_PREFIX &&
			path_has_prefix(rel, e->path, e->path_len);
	}
	rcu_read_unlock();
	kfree(buf);
	return match;
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

// SPDX-License-Identifier: GPL-2.0
/*
 * The "drift" generic netlink family: policies, command handlers, dumps
 * and the event message. The protocol is documented in
 * include/drift_netlink.h. Every attribute a request may carry is in the
 * policy; output-only attributes are NLA_REJECT so a confused client gets
 * an error rather than being ignored.
 *
 * Permissions (the header's "Who may change what"): every command but
 * GET_STATUS needs CAP_NET_ADMIN in the initial user namespace
 * (GENL_ADMIN_PERM, checked by the genetlink core). A changing command
 * (DRIFT_OPF_CHANGE) also needs CAP_SYS_ADMIN there and a caller whose own
 * cgroup no binding governs (drift_pre_doit()); the seal is checked where
 * each change is made, under drift_mutex. Joining the events group needs
 * both capabilities (DRIFT_MCGRP_FLAGS). Staging areas of a socket go when
 * it closes (the NETLINK_URELEASE notifier).
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "drift.h"

static struct netlink_range_validation drift_event_range = {
	.min = 1,
	.max = 100000,
};

static struct netlink_range_validation drift_size_hint_range = {
	.max = DRIFT_SET_MAX_ENTRIES,
};

static const struct nla_policy drift_exc_policy[DRIFT_EXC_A_MAX + 1] = {
	[DRIFT_EXC_A_TYPE] = NLA_POLICY_RANGE(NLA_U8, DRIFT_EXC_FILE,
					      DRIFT_EXC_PATH_PREFIX),
	[DRIFT_EXC_A_FILE] = NLA_POLICY_EXACT_LEN(sizeof(struct drift_file_id)),
	[DRIFT_EXC_A_PATH] = { .type = NLA_NUL_STRING,
			       .len = DRIFT_PATH_MAX - 1 },
};

static const struct nla_policy drift_policy[DRIFT_A_MAX + 1] = {
	[DRIFT_A_PAD] = { .type = NLA_REJECT },
	[DRIFT_A_VERSION] = { .type = NLA_REJECT },
	[DRIFT_A_DEFAULT_MODE] = NLA_POLICY_MAX(NLA_U8, DRIFT_MODE_MAX),
	[DRIFT_A_LOCKED] = NLA_POLICY_MAX(NLA_U8, 1),
	[DRIFT_A_SELFTEST] = { .type = NLA_REJECT },
	[DRIFT_A_SET_COUNT] = { .type = NLA_REJECT },
	[DRIFT_A_BINDING_COUNT] = { .type = NLA_REJECT },
	[DRIFT_A_MEMORY] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &drift_event_range),
	[DRIFT_A_EVENT_BURST] = NLA_POLICY_FULL_RANGE(NLA_U32, &drift_event_range),
	[DRIFT_A_STATS] = { .type = NLA_REJECT },
	[DRIFT_A_SET_NAME] = { .type = NLA_NUL_STRING,
			       .len = DRIFT_NAME_MAX - 1 },
	[DRIFT_A_SET_SIZE_HINT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							&drift_size_hint_range),
	[DRIFT_A_SET_ENTRIES] = {
		.type = NLA_BINARY,
		.len = DRIFT_SET_CHUNK_MAX * sizeof(struct drift_file_id),
	},
	[DRIFT_A_SET_ENTRY_COUNT] = { .type = NLA_REJECT },
	[DRIFT_A_SET_REFS] = { .type = NLA_REJECT },
	[DRIFT_A_SET_LOADED_NS] = { .type = NLA_REJECT },
	[DRIFT_A_SET_INCLUDES] = { .type = NLA_NESTED },
	[DRIFT_A_SET_OWN_COUNT] = { .type = NLA_REJECT },
	[DRIFT_A_CGROUP_ID] = { .type = NLA_U64 },
	[DRIFT_A_BINDING_NAME] = { .type = NLA_NUL_STRING,
				   .len = DRIFT_NAME_MAX - 1 },
	[DRIFT_A_MODE] = NLA_POLICY_MAX(NLA_U8, DRIFT_MODE_MAX),
	[DRIFT_A_EXCEPTIONS] = { .type = NLA_REJECT },
	[DRIFT_A_EXCEPTION] = NLA_POLICY_NESTED(drift_exc_policy),
	[DRIFT_A_EVENT_TIME_NS] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_PID] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_PPID] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_UID] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_COMM] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_PATH] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_FILE] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_REASON] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_ACTION] = { .type = NLA_REJECT },
	[DRIFT_A_EVENT_SUPPRESSED] = { .type = NLA_REJECT },
	[DRIFT_A_REPLACE] = { .type = NLA_FLAG },
	[DRIFT_A_LIB_MODE] = NLA_POLICY_MAX(NLA_U8, DRIFT_MODE_MAX),
	[DRIFT_A_BIND_FLAGS] = NLA_POLICY_MASK(NLA_U32, __DRIFT_BIND_F_ALL),
	[DRIFT_A_EVENT_OP] = { .type = NLA_REJECT },
	[DRIFT_A_SELFTEST_NS] = { .type = NLA_REJECT },
	[DRIFT_A_ROOT_FD] = { .type = NLA_U32 },
	[DRIFT_A_SEALED] = NLA_POLICY_MAX(NLA_U8, 1),
	[DRIFT_A_STAGING_COUNT] = { .type = NLA_REJECT },
};

/* ---- helpers ---- */

static const char *require_name(struct genl_info *info, int attr)
{
	const char *s;

	if (GENL_REQ_ATTR_CHECK(info, attr))
		return NULL;
	s = nla_data(info->attrs[attr]);
	if (!*s) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[attr],
				    "name must not be empty");
		return NULL;
	}
	return s;
}

static void *reply_put(struct sk_buff *skb, struct genl_info *info, u8 cmd)
{
	return genlmsg_put(skb, info->snd_portid, info->snd_seq,
			   &drift_family, 0, cmd);
}

/* ---- status and configuration ---- */

static int drift_nl_get_status(struct sk_buff *skb, struct genl_info *info)
{
	u64 stats[__DRIFT_STAT_MAX];
	const struct drift_set *dset;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = reply_put(msg, info, DRIFT_CMD_GET_STATUS);
	if (!hdr)
		goto nospace;
	drift_stats_sum(drift_global_stats, stats);
	stats[DRIFT_STAT_PROBE_MISSED] = drift_hook_missed();

	mutex_lock(&drift_mutex);
	dset = rcu_dereference_protected(drift_default_set,
					 lockdep_is_held(&drift_mutex));
	if (nla_put_string(msg, DRIFT_A_VERSION, DRIFT_VERSION) ||
	    nla_put_u8(msg, DRIFT_A_DEFAULT_MODE, drift_default_mode) ||
	    (dset && nla_put_string(msg, DRIFT_A_SET_NAME, dset->name)) ||
	    nla_put_u8(msg, DRIFT_A_LOCKED, drift_locked) ||
	    nla_put_u8(msg, DRIFT_A_SEALED, drift_sealed) ||
	    nla_put_u32(msg, DRIFT_A_STAGING_COUNT, drift_staging_count()) ||
	    nla_put_u8(msg, DRIFT_A_SELFTEST, READ_ONCE(drift_selftest_ok)) ||
	    nla_put_u64_64bit(msg, DRIFT_A_SELFTEST_NS, drift_selftest_time(),
			      DRIFT_A_PAD) ||
	    nla_put_u32(msg, DRIFT_A_SET_COUNT, drift_set_count()) ||
	    nla_put_u32(msg, DRIFT_A_BINDING_COUNT, drift_binding_count()) ||
	    nla_put_u64_64bit(msg, DRIFT_A_MEMORY, drift_set_memory(),
			      DRIFT_A_PAD) ||
	    nla_put_u32(msg, DRIFT_A_EVENT_RATE, drift_event_rate) ||
	    nla_put_u32(msg, DRIFT_A_EVENT_BURST, drift_event_burst)) {
		mutex_unlock(&drift_mutex);
		goto nospace;
	}
	mutex_unlock(&drift_mutex);
	if (drift_stats_put(msg, stats, true))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int drift_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	mutex_lock(&drift_mutex);
	err = drift_set_config(info);
	mutex_unlock(&drift_mutex);
	return err;
}

/* ---- sets ---- */

static int drift_nl_set_begin(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = require_name(info, DRIFT_A_SET_NAME);
	u32 hint = 0;
	int err;

	if (!name)
		return -EINVAL;
	if (info->attrs[DRIFT_A_SET_SIZE_HINT])
		hint = nla_get_u32(info->attrs[DRIFT_A_SET_SIZE_HINT]);
	mutex_lock(&drift_mutex);
	err = drift_set_begin(name, info->snd_portid, hint, info->extack);
	mutex_unlock(&drift_mutex);
	return err;
}

static int drift_nl_set_add(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = require_name(info, DRIFT_A_SET_NAME);
	struct nlattr *a;
	u32 len;
	int err;

	if (!name || GENL_REQ_ATTR_CHECK(info, DRIFT_A_SET_ENTRIES))
		return -EINVAL;
	a = info->attrs[DRIFT_A_SET_ENTRIES];
	len = nla_len(a);
	if (!len || len % sizeof(struct drift_file_id)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "entries must be a non-empty array of struct drift_file_id");
		return -EINVAL;
	}
	mutex_lock(&drift_mutex);
	err = drift_set_add(name, info->snd_portid, nla_data(a),
			    len / sizeof(struct drift_file_id), info->extack);
	mutex_unlock(&drift_mutex);
	return err;
}

static int drift_nl_set_commit(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = require_name(info, DRIFT_A_SET_NAME);
	struct sk_buff *msg;
	void *hdr;
	u32 count;
	int err;

	if (!name)
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&drift_mutex);
	err = drift_set_commit(name, info->snd_portid,
			       info->attrs[DRIFT_A_SET_INCLUDES], &count,
			       info->extack);
	mutex_unlock(&drift_mutex);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	hdr = reply_put(msg, info, DRIFT_CMD_SET_COMMIT);
	if (!hdr || nla_put_string(msg, DRIFT_A_SET_NAME, name) ||
	    nla_put_u32(msg, DRIFT_A_SET_ENTRY_COUNT, count)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int drift_nl_set_abort(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = require_name(info, DRIFT_A_SET_NAME);
	int err;

	if (!name)
		return -EINVAL;
	mutex_lock(&drift_mutex);
	err = drift_set_abort(name, info->snd_portid, info->extack);
	mutex_unlock(&drift_mutex);
	return err;
}

static int drift_nl_set_del(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = require_name(info, DRIFT_A_SET_NAME);
	int err;

	if (!name)
		return -EINVAL;
	mutex_lock(&drift_mutex);
	err = drift_set_del(name, info->extack);
	mutex_unlock(&drift_mutex);
	return err;
}

static int set_fill(struct sk_buff *skb, const struct drift_set *set,
		    u32 portid, u32 seq, int flags)
{
	struct nlattr *nest;
	void *hdr;
	u32 i;

	lockdep_assert_held(&drift_mutex);
	hdr = genlmsg_put(skb, portid, seq, &drift_family, flags,
			  DRIFT_CMD_GET_SET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DRIFT_A_SET_NAME, set->name) ||
	    nla_put_u32(skb, DRIFT_A_SET_ENTRY_COUNT, drift_set_entries(set)) ||
	    nla_put_u32(skb, DRIFT_A_SET_OWN_COUNT, set->nown) ||
	    nla_put_u32(skb, DRIFT_A_SET_REFS, refcount_read(&set->ref) - 1) ||
	    nla_put_u64_64bit(skb, DRIFT_A_MEMORY, drift_set_own_memory(set),
			      DRIFT_A_PAD) ||
	    nla_put_u64_64bit(skb, DRIFT_A_SET_LOADED_NS, set->loaded_ns,
			      DRIFT_A_PAD))
		goto cancel;
	if (set->ninc) {
		nest = nla_nest_start(skb, DRIFT_A_SET_INCLUDES);
		if (!nest)
			goto cancel;
		for (i = 0; i < set->ninc; i++)
			if (nla_put_string(skb, DRIFT_A_SET_NAME,
					   set->inc[i]->name))
				goto cancel;
		nla_nest_end(skb, nest);
	}
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int drift_nl_get_set(struct sk_buff *skb, struct genl_info *info)
{
	const char *name = require_name(info, DRIFT_A_SET_NAME);
	struct drift_set *set;
	struct sk_buff *msg;
	int err;

	if (!name)
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&drift_mutex);
	set = drift_set_find(name);
	if (!set) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DRIFT_A_SET_NAME],
				    "no such set");
		err = -ENOENT;
	} else {
		err = set_fill(msg, set, info->snd_portid, info->snd_seq, 0);
	}
	mutex_unlock(&drift_mutex);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int drift_nl_dump_sets(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct drift_set *set;
	unsigned long i = 0;

	mutex_lock(&drift_mutex);
	list_for_each_entry(set, &drift_sets, node) {
		if (i++ < cb->args[0])
			continue;
		if (set_fill(skb, set, NETLINK_CB(cb->skb).portid,
			     cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		cb->args[0] = i;
	}
	mutex_unlock(&drift_mutex);
	return skb->len;
}

/* ---- bindings ---- */

static bool require_cgroup(struct genl_info *info, u64 *cgid)
{
	if (GENL_REQ_ATTR_CHECK(info, DRIFT_A_CGROUP_ID))
		return false;
	*cgid = nla_get_u64(info->attrs[DRIFT_A_CGROUP_ID]);
	return true;
}

/* Optional DRIFT_A_LIB_MODE / DRIFT_A_BIND_FLAGS: -1 when absent. */
static int opt_lib_mode(struct genl_info *info)
{
	struct nlattr *a = info->attrs[DRIFT_A_LIB_MODE];

	return a ? nla_get_u8(a) : -1;
}

static s64 opt_bind_flags(struct genl_info *info)
{
	struct nlattr *a = info->attrs[DRIFT_A_BIND_FLAGS];

	return a ? (s64)nla_get_u32(a) : -1;
}

/*
 * DRIFT_A_ROOT_FD: a directory (O_PATH is fine) of the caller, the
 * container's root filesystem. The binding records its filesystem and
 * its path on it (struct drift_root), and holds no reference.
 */
static int get_root(struct genl_info *info, struct path *root)
{
	struct nlattr *a = info->attrs[DRIFT_A_ROOT_FD];
	struct file *f;
	int err = 0;

	f = fget_raw(nla_get_u32(a));
	if (!f) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "root fd is not an open file");
		return -EBADF;
	}
	if (!d_is_dir(f->f_path.dentry)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "root fd is not a directory");
		err = -ENOTDIR;
	} else {
		*root = f->f_path;
		path_get(root);
	}
	fput(f);
	return err;
}

static int drift_nl_bind(struct sk_buff *skb, struct genl_info *info)
{
	const char *set = require_name(info, DRIFT_A_SET_NAME);
	const char *name = NULL;
	int mode = DRIFT_MODE_ENFORCE, lib_mode;
	s64 flags;
	struct path root;
	bool has_root = false;
	u64 cgid;
	int err;

	if (!set || !require_cgroup(info, &cgid))
		return -EINVAL;
	if (info->attrs[DRIFT_A_MODE])
		mode = nla_get_u8(info->attrs[DRIFT_A_MODE]);
	lib_mode = opt_lib_mode(info);
	flags = opt_bind_flags(info);
	if (info->attrs[DRIFT_A_BINDING_NAME])
		name = nla_data(info->attrs[DRIFT_A_BINDING_NAME]);
	if (info->attrs[DRIFT_A_ROOT_FD]) {
		err = get_root(info, &root);
		if (err)
			return err;
		has_root = true;
	}
	mutex_lock(&drift_mutex);
	err = drift_bind(cgid, set, mode, lib_mode, flags, name,
			 nla_get_flag(info->attrs[DRIFT_A_REPLACE]),
			 has_root ? &root : NULL, info->extack);
	mutex_unlock(&drift_mutex);
	if (has_root)
		path_put(&root);
	return err;
}

static int drift_nl_unbind(struct sk_buff *skb, struct genl_info *info)
{
	u64 cgid;
	int err;

	if (!require_cgroup(info, &cgid))
		return -EINVAL;
	mutex_lock(&drift_mutex);
	err = drift_unbind(cgid, info->extack);
	mutex_unlock(&drift_mutex);
	return err;
}

static int drift_nl_set_mode(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *m = info->attrs[DRIFT_A_MODE];
	u64 cgid;
	int err;

	if (!require_cgroup(info, &cgid))
		return -EINVAL;
	if (!m && !info->attrs[DRIFT_A_LIB_MODE] &&
	    !info->attrs[DRIFT_A_BIND_FLAGS]) {
		NL_SET_ERR_MSG(info->extack,
			       "give DRIFT_A_MODE, DRIFT_A_LIB_MODE or DRIFT_A_BIND_FLAGS");
		return -EINVAL;
	}
	mutex_lock(&drift_mutex);
	err = drift_set_mode(cgid, m ? nla_get_u8(m) : -1, opt_lib_mode(info),
			     opt_bind_flags(info), info->extack);
	mutex_unlock(&drift_mutex);
	return err;
}

static int exception_put(struct sk_buff *skb, const struct drift_exception *e)
{
	struct nlattr *nest = nla_nest_start(skb, DRIFT_A_EXCEPTION);
	struct drift_file_id id = { };

	if (!nest || nla_put_u8(skb, DRIFT_EXC_A_TYPE, e->type))
		return -EMSGSIZE;
	if (e->type == DRIFT_EXC_FILE) {
		id.ino = e->id.ino;
		id.dev_major = MAJOR(e->id.dev);
		id.dev_minor = MINOR(e->id.dev);
		id.generation = e->id.gen;
		id.flags = e->flags;
		id.ctime_sec = e->id.ctime.tv_sec;
		id.ctime_nsec = e->id.ctime.tv_nsec;
		if (nla_put(skb, DRIFT_EXC_A_FILE, sizeof(id), &id))
			return -EMSGSIZE;
	} else if (nla_put_string(skb, DRIFT_EXC_A_PATH, e->path)) {
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int binding_fill(struct sk_buff *skb, struct drift_binding *b,
			u32 portid, u32 seq, int flags)
{
	const struct drift_exceptions *exc;
	const struct drift_set *set;
	u64 stats[__DRIFT_STAT_MAX];
	struct nlattr *list;
	void *hdr;
	u32 i;

	lockdep_assert_held(&drift_mutex);
	set = rcu_dereference_protected(b->set, lockdep_is_held(&drift_mutex));
	exc = rcu_dereference_protected(b->exc, lockdep_is_held(&drift_mutex));
	hdr = genlmsg_put(skb, portid, seq, &drift_family, flags,
			  DRIFT_CMD_GET_BINDING);
	if (!hdr)
		return -EMSGSIZE;
	drift_stats_sum(b->stats, stats);
	if (nla_put_u64_64bit(skb, DRIFT_A_CGROUP_ID, b->cgid, DRIFT_A_PAD) ||
	    nla_put_string(skb, DRIFT_A_BINDING_NAME,
			   rcu_dereference_protected(b->name, true)->s) ||
	    nla_put_string(skb, DRIFT_A_SET_NAME, set->name) ||
	    nla_put_u8(skb, DRIFT_A_MODE, READ_ONCE(b->mode)) ||
	    nla_put_u8(skb, DRIFT_A_LIB_MODE, READ_ONCE(b->lib_mode)) ||
	    nla_put_u32(skb, DRIFT_A_BIND_FLAGS, READ_ONCE(b->flags)) ||
	    drift_stats_put(skb, stats, false))
		goto cancel;
	list = nla_nest_start(skb, DRIFT_A_EXCEPTIONS);
	if (!list)
		goto cancel;
	for (i = 0; exc && i < exc->n; i++)
		if (exception_put(skb, &exc->items[i]))
			goto cancel;
	nla_nest_end(skb, list);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int drift_nl_get_binding(struct sk_buff *skb, struct genl_info *info)
{
	struct drift_binding *b;
	struct sk_buff *msg;
	u64 cgid;
	int err;

	if (!require_cgroup(info, &cgid))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&drift_mutex);
	b = drift_binding_lookup(cgid);
	if (!b) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DRIFT_A_CGROUP_ID],
				    "cgroup is not bound");
		err = -ENOENT;
	} else {
		err = binding_fill(msg, b, info->snd_portid, info->snd_seq, 0);
	}
	mutex_unlock(&drift_mutex);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int drift_nl_dump_bindings(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct drift_binding *b;

	mutex_lock(&drift_mutex);
	while ((b = drift_binding_at(cb->args[0]))) {
		if (binding_fill(skb, b, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		cb->args[0]++;
	}
	mutex_unlock(&drift_mutex);
	return skb->len;
}

static int parse_exception(struct genl_info *info, struct drift_exception *e)
{
	struct nlattr *tb[DRIFT_EXC_A_MAX + 1];
	struct nlattr *nest = info->attrs[DRIFT_A_EXCEPTION];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DRIFT_A_EXCEPTION))
		return -EINVAL;
	err = nla_parse_nested(tb, DRIFT_EXC_A_MAX, nest, drift_exc_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[DRIFT_EXC_A_TYPE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "exception needs a type");
		return -EINVAL;
	}
	memset(e, 0, sizeof(*e));
	e->type = nla_get_u8(tb[DRIFT_EXC_A_TYPE]);
	if (e->type == DRIFT_EXC_FILE) {
		const struct drift_file_id *id;

		if (!tb[DRIFT_EXC_A_FILE] || tb[DRIFT_EXC_A_PATH]) {
			NL_SET_ERR_MSG_ATTR(info->extack, nest,
					    "a file exception needs DRIFT_EXC_A_FILE and no path");
			return -EINVAL;
		}
		id = nla_data(tb[DRIFT_EXC_A_FILE]);
		if (id->dev_major >= (1U << (32 - MINORBITS)) ||
		    id->dev_minor > MINORMASK) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[DRIFT_EXC_A_FILE],
					    "impossible device number");
			return -EINVAL;
		}
		if (!(id->flags & DRIFT_FILE_F_CTIME) ||
		    id->ctime_nsec >= NSEC_PER_SEC) {
			/* without it a rewritten file would still match */
			NL_SET_ERR_MSG_ATTR(info->extack, tb[DRIFT_EXC_A_FILE],
					    "a file exception needs a valid ctime (DRIFT_FILE_F_CTIME)");
			return -EINVAL;
		}
		e->id.dev = MKDEV(id->dev_major, id->dev_minor);
		e->id.ino = id->ino;
		e->id.gen = id->generation;
		e->id.ctime.tv_sec = id->ctime_sec;
		e->id.ctime.tv_nsec = id->ctime_nsec;
		e->flags = id->flags &
			   (DRIFT_FILE_F_GENERATION | DRIFT_FILE_F_CTIME);
		return 0;
	}
	if (!tb[DRIFT_EXC_A_PATH] || tb[DRIFT_EXC_A_FILE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "a path exception needs DRIFT_EXC_A_PATH and no file");
		return -EINVAL;
	}
	e->path = nla_data(tb[DRIFT_EXC_A_PATH]);
	e->path_len = strlen(e->path);
	if (e->path[0] != '/') {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[DRIFT_EXC_A_PATH],
				    "path prefix must be absolute");
		return -EINVAL;
	}
	return 0;
}

static int exception_change(struct genl_info *info, bool add)
{
	struct drift_exception e;
	u64 cgid;
	int err;

	if (!require_cgroup(info, &cgid))
		return -EINVAL;
	err = parse_exception(info, &e);
	if (err)
		return err;
	mutex_lock(&drift_mutex);
	err = drift_exception_change(cgid, add, &e, info->extack);
	mutex_unlock(&drift_mutex);
	return err;
}

static int drift_nl_exception_add(struct sk_buff *skb, struct genl_info *info)
{
	return exception_change(info, true);
}

static int drift_nl_exception_del(struct sk_buff *skb, struct genl_info *info)
{
	return exception_change(info, false);
}

/* ---- self-test ---- */

static int drift_nl_selftest(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = drift_selftest_run();
	if (err == -ENODEV) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG(info->extack, "module is unloading");
		return err;
	}
	hdr = reply_put(msg, info, DRIFT_CMD_SELFTEST);
	if (!hdr || nla_put_u8(msg, DRIFT_A_SELFTEST, !err) ||
	    nla_put_u64_64bit(msg, DRIFT_A_SELFTEST_NS, drift_selftest_time(),
			      DRIFT_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---- events ---- */

int drift_event_fill(struct sk_buff *skb, const struct drift_event *ev)
{
	void *hdr = genlmsg_put(skb, 0, 0, &drift_family, 0, DRIFT_CMD_EVENT);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DRIFT_A_EVENT_TIME_NS, ev->time_ns,
			      DRIFT_A_PAD) ||
	    nla_put_u64_64bit(skb, DRIFT_A_CGROUP_ID, ev->cgid, DRIFT_A_PAD) ||
	    (ev->has_binding &&
	     nla_put_string(skb, DRIFT_A_BINDING_NAME, ev->binding)) ||
	    (ev->set[0] && nla_put_string(skb, DRIFT_A_SET_NAME, ev->set)) ||
	    nla_put_u32(skb, DRIFT_A_EVENT_PID, ev->pid) ||
	    nla_put_u32(skb, DRIFT_A_EVENT_PPID, ev->ppid) ||
	    nla_put_u32(skb, DRIFT_A_EVENT_UID, ev->uid) ||
	    nla_put_string(skb, DRIFT_A_EVENT_COMM, ev->comm) ||
	    nla_put_string(skb, DRIFT_A_EVENT_PATH, ev->path) ||
	    nla_put(skb, DRIFT_A_EVENT_FILE, sizeof(ev->file), &ev->file) ||
	    nla_put_u8(skb, DRIFT_A_EVENT_REASON, ev->reason) ||
	    nla_put_u8(skb, DRIFT_A_EVENT_ACTION, ev->action) ||
	    nla_put_u8(skb, DRIFT_A_MODE, ev->mode) ||
	    nla_put_u8(skb, DRIFT_A_EVENT_OP, ev->op) ||
	    nla_put_u32(skb, DRIFT_A_EVENT_SUPPRESSED, ev->suppressed)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* ---- family ---- */

/* genl_ops.internal_flags: the command changes drift's state. */
#define DRIFT_OPF_CHANGE	BIT(0)

/*
 * Before every doit: a changing command needs CAP_SYS_ADMIN in the initial
 * user namespace (a CNI agent or kube-proxy in a hostNetwork pod holds
 * CAP_NET_ADMIN only; GENL_ADMIN_PERM checked that one already) and a
 * caller outside every governed cgroup. genl runs doit in the sender's
 * context, so current is the task that sent the request.
 */
static int drift_pre_doit(const struct drift_genl_ops *ops,
			  struct sk_buff *skb, struct genl_info *info)
{
	if (!(ops->internal_flags & DRIFT_OPF_CHANGE))
		return 0;
	if (!netlink_capable(skb, CAP_SYS_ADMIN))
		return drift_refuse(info->extack,
				    "changing drift needs CAP_SYS_ADMIN in the initial user namespace");
	if (drift_caller_governed())
		return drift_refuse(info->extack,
				    "changing drift is refused to a task whose cgroup drift governs");
	return 0;
}

#define ADMIN_OP(_cmd, _doit) \
	{ .cmd = _cmd, .doit = _doit, .flags = GENL_ADMIN_PERM, \
	  .internal_flags = DRIFT_OPF_CHANGE }

static const struct genl_ops drift_ops[] = {
	{ .cmd = DRIFT_CMD_GET_STATUS, .doit = drift_nl_get_status },
	ADMIN_OP(DRIFT_CMD_SET_CONFIG, drift_nl_set_config),
	ADMIN_OP(DRIFT_CMD_SET_BEGIN, drift_nl_set_begin),
	ADMIN_OP(DRIFT_CMD_SET_ADD, drift_nl_set_add),
	ADMIN_OP(DRIFT_CMD_SET_COMMIT, drift_nl_set_commit),
	ADMIN_OP(DRIFT_CMD_SET_ABORT, drift_nl_set_abort),
	ADMIN_OP(DRIFT_CMD_SET_DEL, drift_nl_set_del),
	{
		.cmd = DRIFT_CMD_GET_SET,
		.doit = drift_nl_get_set,
		.dumpit = drift_nl_dump_sets,
		.flags = GENL_ADMIN_PERM,
	},
	ADMIN_OP(DRIFT_CMD_BIND, drift_nl_bind),
	ADMIN_OP(DRIFT_CMD_UNBIND, drift_nl_unbind),
	ADMIN_OP(DRIFT_CMD_SET_MODE, drift_nl_set_mode),
	{
		.cmd = DRIFT_CMD_GET_BINDING,
		.doit = drift_nl_get_binding,
		.dumpit = drift_nl_dump_bindings,
		.flags = GENL_ADMIN_PERM,
	},
	ADMIN_OP(DRIFT_CMD_EXCEPTION_ADD, drift_nl_exception_add),
	ADMIN_OP(DRIFT_CMD_EXCEPTION_DEL, drift_nl_exception_del),
	ADMIN_OP(DRIFT_CMD_SELFTEST, drift_nl_selftest),
};

static const struct genl_multicast_group drift_mcgrps[] = {
	{ .name = DRIFT_GENL_MCGRP_EVENTS, .flags = DRIFT_MCGRP_FLAGS },
};

struct genl_family drift_family __ro_after_init = {
	.name = DRIFT_GENL_NAME,
	.version = DRIFT_GENL_VERSION,
	.maxattr = DRIFT_A_MAX,
	.policy = drift_policy,
	.netnsok = false,
	.parallel_ops = false,
	.module = THIS_MODULE,
	.pre_doit = drift_pre_doit,
	.ops = drift_ops,
	.n_ops = ARRAY_SIZE(drift_ops),
	.mcgrps = drift_mcgrps,
	.n_mcgrps = ARRAY_SIZE(drift_mcgrps),
	DRIFT_GENL_RESV_START_OP
};

/* A generic netlink socket closed: drop the staging areas it began. */
static int drift_netlink_notify(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net) || !n->portid)
		return NOTIFY_DONE;
	drift_staging_release(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block drift_netlink_nb = {
	.notifier_call = drift_netlink_notify,
};

/*
 * The notifier first: once the family exists, a socket may begin a set
 * and close. Each step is undone when a later one fails.
 */
int drift_netlink_init(void)
{
	int err;

	err = netlink_register_notifier(&drift_netlink_nb);
	if (err)
		return err;
	err = genl_register_family(&drift_family);
	if (err)
		netlink_unregister_notifier(&drift_netlink_nb);
#ifdef DRIFT_MCGRP_OPEN
	else
		pr_warn("this kernel cannot restrict generic netlink groups: any local user can read drift events\n");
#elif defined(DRIFT_MCGRP_WEAK)
	else
		pr_warn("this kernel checks only CAP_NET_ADMIN for joining the events group\n");
#endif
	return err;
}

void drift_netlink_exit(void)
{
	genl_unregister_family(&drift_family);
	netlink_unregister_notifier(&drift_netlink_nb);
}

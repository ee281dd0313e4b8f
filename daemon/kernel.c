/* driftd: libnl-3 genl client of the drift kernel module. */
#include <errno.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define DK_MSG_SIZE	(DRIFT_SET_CHUNK_MAX * sizeof(struct drift_file_id) + 4096)

struct dk {
	struct nl_sock *sk;
	int family;
	char errmsg[512];
};

struct dk_events {
	struct nl_sock *sk;
	dk_event_fn fn;
	void *arg;
};

struct req {
	struct dk *k;
	int err;
	int done;
	int (*valid)(struct nl_msg *msg, void *arg);
	void *arg;
};

const char *dk_errmsg(const struct dk *k)
{
	return k->errmsg;
}

static int nlerr_to_errno(int nle)
{
	switch (-nle) {
	case NLE_PERM: return -EPERM;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	case NLE_BUSY: return -EBUSY;
	case NLE_EXIST: return -EEXIST;
	case NLE_INVAL: return -EINVAL;
	case NLE_NOACCESS: return -EACCES;
	default: return -EIO;
	}
}

static int cb_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct req *r = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off;

	(void)nla;
	r->err = e->error;
	r->done = 1;
	snprintf(r->k->errmsg, sizeof(r->k->errmsg), "%s", strerror(-e->error));
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		struct nlattr *a;
		int rem;

		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		if (NLMSG_HDRLEN + off > nlh->nlmsg_len)
			return NL_STOP;
		rem = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off);
		nla_for_each_attr(a, (struct nlattr *)((char *)e + off), rem, rem) {
			if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
				snprintf(r->k->errmsg, sizeof(r->k->errmsg),
					 "%s: %.*s", strerror(-e->error),
					 nla_len(a), (const char *)nla_data(a));
				/* drop a trailing NUL/newline from the print */
				r->k->errmsg[strcspn(r->k->errmsg, "\n")] = '\0';
			}
		}
	}
	return NL_STOP;
}

static int cb_done(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	(void)msg;
	r->done = 1;
	return NL_STOP;
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	if (r->valid)
		return r->valid(msg, r->arg);
	return NL_OK;
}

static struct nl_msg *dk_msg(struct dk *k, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(DK_MSG_SIZE);

	if (!m)
		return NULL;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, k->family, 0, flags,
			 cmd, DRIFT_GENL_VERSION)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* Sends M (consumed) and waits for the ack / reply / end of dump. */
static int dk_xfer(struct dk *k, struct nl_msg *m,
		   int (*valid)(struct nl_msg *, void *), void *arg)
{
	struct req r = { .k = k, .valid = valid, .arg = arg };
	struct nl_cb *cb;
	bool dump;
	int ret;

	k->errmsg[0] = '\0';
	if (!m) {
		snprintf(k->errmsg, sizeof(k->errmsg), "out of memory");
		return -ENOMEM;
	}
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_done, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_done, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &r);
	/* A dump ends with NLMSG_DONE: no ack asked (nor checked). */
	dump = (nlmsg_hdr(m)->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (dump)
		nl_socket_disable_auto_ack(k->sk);
	ret = nl_send_auto(k->sk, m);
	nlmsg_free(m);
	if (ret < 0) {
		snprintf(k->errmsg, sizeof(k->errmsg), "send: %s", nl_geterror(ret));
		nl_cb_put(cb);
		if (dump)
			nl_socket_enable_auto_ack(k->sk);
		return nlerr_to_errno(ret);
	}
	while (!r.done) {
		ret = nl_recvmsgs(k->sk, cb);
		if (ret < 0 && !r.err) {
			snprintf(k->errmsg, sizeof(k->errmsg), "receive: %s",
				 nl_geterror(ret));
			r.err = nlerr_to_errno(ret);
			break;
		}
		if (ret < 0)
			break;
	}
	nl_cb_put(cb);
	if (dump)
		nl_socket_enable_auto_ack(k->sk);
	return r.err;
}

int dk_open(struct dk **out)
{
	struct dk *k = calloc(1, sizeof(*k));
	int one = 1, ret;

	if (!k)
		return -ENOMEM;
	k->sk = nl_socket_alloc();
	if (!k->sk) {
		free(k);
		return -ENOMEM;
	}
	ret = genl_connect(k->sk);
	if (ret < 0)
		goto fail;
	nl_socket_enable_msg_peek(k->sk);
	setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	k->family = genl_ctrl_resolve(k->sk, DRIFT_GENL_NAME);
	if (k->family < 0) {
		ret = k->family;
		goto fail;
	}
	*out = k;
	return 0;
fail:
	nl_socket_free(k->sk);
	free(k);
	return nlerr_to_errno(ret);
}

void dk_close(struct dk *k)
{
	if (!k)
		return;
	nl_socket_free(k->sk);
	free(k);
}

static void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	size_t n;

	dst[0] = '\0';
	if (!a || nla_len(a) <= 0)
		return;
	n = (size_t)nla_len(a);
	if (n >= size)
		n = size - 1;
	memcpy(dst, nla_data(a), n);
	dst[n] = '\0';
	dst[strnlen(dst, n)] = '\0';
}

static uint64_t get_u64(const struct nlattr *a)
{
	return a && nla_len(a) >= 8 ? nla_get_u64((struct nlattr *)a) : 0;
}

static uint32_t get_u32(const struct nlattr *a)
{
	return a && nla_len(a) >= 4 ? nla_get_u32((struct nlattr *)a) : 0;
}

static int get_u8(const struct nlattr *a)
{
	return a && nla_len(a) >= 1 ? nla_get_u8((struct nlattr *)a) : -1;
}

static void parse_stats(const struct nlattr *nest, struct dk_stats *st)
{
	struct nlattr *a;
	int rem;

	memset(st, 0, sizeof(*st));
	if (!nest)
		return;
	nla_for_each_nested(a, (struct nlattr *)nest, rem) {
		int t = nla_type(a);

		if (t > 0 && t <= DRIFT_STAT_MAX && nla_len(a) >= 8)
			st->v[t] = nla_get_u64(a);
	}
}

static int parse_attrs(struct nl_msg *msg, struct nlattr **tb)
{
	return genlmsg_parse(nlmsg_hdr(msg), 0, tb, DRIFT_A_MAX, NULL);
}

static int status_cb(struct nl_msg *msg, void *arg)
{
	struct dk_status *st = arg;
	struct nlattr *tb[DRIFT_A_MAX + 1];

	if (parse_attrs(msg, tb) < 0)
		return NL_SKIP;
	copy_str(st->version, sizeof(st->version), tb[DRIFT_A_VERSION]);
	st->default_mode = get_u8(tb[DRIFT_A_DEFAULT_MODE]);
	copy_str(st->default_set, sizeof(st->default_set), tb[DRIFT_A_SET_NAME]);
	st->locked = get_u8(tb[DRIFT_A_LOCKED]) == 1;
	st->selftest = get_u8(tb[DRIFT_A_SELFTEST]) == 1;
	st->set_count = get_u32(tb[DRIFT_A_SET_COUNT]);
	st->binding_count = get_u32(tb[DRIFT_A_BINDING_COUNT]);
	st->memory = get_u64(tb[DRIFT_A_MEMORY]);
	st->event_rate = get_u32(tb[DRIFT_A_EVENT_RATE]);
	st->event_burst = get_u32(tb[DRIFT_A_EVENT_BURST]);
	parse_stats(tb[DRIFT_A_STATS], &st->stats);
	return NL_OK;
}

int dk_status(struct dk *k, struct dk_status *st)
{
	memset(st, 0, sizeof(*st));
	return dk_xfer(k, dk_msg(k, DRIFT_CMD_GET_STATUS, 0), status_cb, st);
}

static int commit_cb(struct nl_msg *msg, void *arg)
{
	uint32_t *count = arg;
	struct nlattr *tb[DRIFT_A_MAX + 1];

	if (parse_attrs(msg, tb) >= 0 && count)
		*count = get_u32(tb[DRIFT_A_SET_ENTRY_COUNT]);
	return NL_OK;
}

static struct nl_msg *set_msg(struct dk *k, uint8_t cmd, const char *name)
{
	struct nl_msg *m = dk_msg(k, cmd, 0);

	if (m && nla_put_string(m, DRIFT_A_SET_NAME, name) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int dk_set_upload(struct dk *k, const char *name,
		  const struct drift_file_id *ids, size_t n, uint32_t *count)
{
	struct nl_msg *m;
	size_t off;
	int ret;
	char saved[sizeof(k->errmsg)];

	if (n > DRIFT_SET_MAX_ENTRIES)
		return -E2BIG;
	m = set_msg(k, DRIFT_CMD_SET_BEGIN, name);
	if (m && nla_put_u32(m, DRIFT_A_SET_SIZE_HINT, (uint32_t)n) < 0) {
		nlmsg_free(m);
		m = NULL;
	}
	ret = dk_xfer(k, m, NULL, NULL);
	if (ret)
		return ret;
	for (off = 0; off < n; off += DRIFT_SET_CHUNK_MAX) {
		size_t c = n - off < DRIFT_SET_CHUNK_MAX ? n - off : DRIFT_SET_CHUNK_MAX;

		m = set_msg(k, DRIFT_CMD_SET_ADD, name);
		if (m && nla_put(m, DRIFT_A_SET_ENTRIES,
				 (int)(c * sizeof(*ids)), ids + off) < 0) {
			nlmsg_free(m);
			m = NULL;
		}
		ret = dk_xfer(k, m, NULL, NULL);
		if (ret)
			goto abort;
	}
	ret = dk_xfer(k, set_msg(k, DRIFT_CMD_SET_COMMIT, name), commit_cb, count);
	if (ret)
		goto abort;
	return 0;
abort:
	memcpy(saved, k->errmsg, sizeof(saved));
	dk_xfer(k, set_msg(k, DRIFT_CMD_SET_ABORT, name), NULL, NULL);
	memcpy(k->errmsg, saved, sizeof(saved));
	return ret;
}

int dk_set_del(struct dk *k, const char *name)
{
	return dk_xfer(k, set_msg(k, DRIFT_CMD_SET_DEL, name), NULL, NULL);
}

struct dump_ctx {
	void (*set_fn)(const struct dk_set_info *, void *);
	void (*bind_fn)(const struct dk_binding_info *, void *);
	void *arg;
};

static int set_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *d = arg;
	struct nlattr *tb[DRIFT_A_MAX + 1];
	struct dk_set_info si;

	if (parse_attrs(msg, tb) < 0)
		return NL_SKIP;
	memset(&si, 0, sizeof(si));
	copy_str(si.name, sizeof(si.name), tb[DRIFT_A_SET_NAME]);
	si.entries = get_u32(tb[DRIFT_A_SET_ENTRY_COUNT]);
	si.refs = get_u32(tb[DRIFT_A_SET_REFS]);
	si.memory = get_u64(tb[DRIFT_A_MEMORY]);
	si.loaded_ns = get_u64(tb[DRIFT_A_SET_LOADED_NS]);
	d->set_fn(&si, d->arg);
	return NL_OK;
}

int dk_sets(struct dk *k, void (*fn)(const struct dk_set_info *, void *),
	    void *arg)
{
	struct dump_ctx d = { .set_fn = fn, .arg = arg };

	return dk_xfer(k, dk_msg(k, DRIFT_CMD_GET_SET, NLM_F_DUMP), set_cb, &d);
}

static void parse_binding(struct nlattr **tb, struct dk_binding_info *b)
{
	memset(b, 0, sizeof(*b));
	b->cgroup_id = get_u64(tb[DRIFT_A_CGROUP_ID]);
	copy_str(b->name, sizeof(b->name), tb[DRIFT_A_BINDING_NAME]);
	copy_str(b->set, sizeof(b->set), tb[DRIFT_A_SET_NAME]);
	b->mode = get_u8(tb[DRIFT_A_MODE]);
	parse_stats(tb[DRIFT_A_STATS], &b->stats);
}

static int binding_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *d = arg;
	struct nlattr *tb[DRIFT_A_MAX + 1];
	struct dk_binding_info b;

	if (parse_attrs(msg, tb) < 0)
		return NL_SKIP;
	parse_binding(tb, &b);
	d->bind_fn(&b, d->arg);
	return NL_OK;
}

int dk_bindings(struct dk *k,
		void (*fn)(const struct dk_binding_info *, void *), void *arg)
{
	struct dump_ctx d = { .bind_fn = fn, .arg = arg };

	return dk_xfer(k, dk_msg(k, DRIFT_CMD_GET_BINDING, NLM_F_DUMP),
		       binding_cb, &d);
}

static void copy_binding(const struct dk_binding_info *b, void *arg)
{
	memcpy(arg, b, sizeof(*b));
}

int dk_get_binding(struct dk *k, uint64_t cgid, struct dk_binding_info *out)
{
	struct dump_ctx d = { .bind_fn = copy_binding, .arg = out };
	struct nl_msg *m = dk_msg(k, DRIFT_CMD_GET_BINDING, 0);

	if (m && nla_put_u64(m, DRIFT_A_CGROUP_ID, cgid) < 0) {
		nlmsg_free(m);
		m = NULL;
	}
	memset(out, 0, sizeof(*out));
	return dk_xfer(k, m, binding_cb, &d);
}

static struct nl_msg *cg_msg(struct dk *k, uint8_t cmd, int flags,
			     uint64_t cgid)
{
	struct nl_msg *m = dk_msg(k, cmd, flags);

	if (m && nla_put_u64(m, DRIFT_A_CGROUP_ID, cgid) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int dk_bind(struct dk *k, uint64_t cgid, const char *set, int mode,
	    int lib_mode, const char *name, bool replace)
{
	struct nl_msg *m = cg_msg(k, DRIFT_CMD_BIND, 0, cgid);

	if (m && ((replace && nla_put_flag(m, DRIFT_A_REPLACE) < 0) ||
		  (lib_mode >= 0 && nla_put_u8(m, DRIFT_A_LIB_MODE, (uint8_t)lib_mode) < 0) ||
		  nla_put_string(m, DRIFT_A_SET_NAME, set) < 0 ||
		  nla_put_u8(m, DRIFT_A_MODE, (uint8_t)mode) < 0 ||
		  (name && nla_put_string(m, DRIFT_A_BINDING_NAME, name) < 0))) {
		nlmsg_free(m);
		m = NULL;
	}
	return dk_xfer(k, m, NULL, NULL);
}

int dk_unbind(struct dk *k, uint64_t cgid)
{
	return dk_xfer(k, cg_msg(k, DRIFT_CMD_UNBIND, 0, cgid), NULL, NULL);
}

int dk_set_mode(struct dk *k, uint64_t cgid, int mode)
{
	struct nl_msg *m = cg_msg(k, DRIFT_CMD_SET_MODE, 0, cgid);

	if (m && nla_put_u8(m, DRIFT_A_MODE, (uint8_t)mode) < 0) {
		nlmsg_free(m);
		m = NULL;
	}
	return dk_xfer(k, m, NULL, NULL);
}

int dk_exception_add_path(struct dk *k, uint64_t cgid, const char *prefix)
{
	struct nl_msg *m = cg_msg(k, DRIFT_CMD_EXCEPTION_ADD, 0, cgid);
	struct nlattr *nest;

	if (!m)
		return dk_xfer(k, NULL, NULL, NULL);
	nest = nla_nest_start(m, DRIFT_A_EXCEPTION);
	if (!nest || nla_put_u8(m, DRIFT_EXC_A_TYPE, DRIFT_EXC_PATH_PREFIX) < 0 ||
	    nla_put_string(m, DRIFT_EXC_A_PATH, prefix) < 0) {
		nlmsg_free(m);
		return dk_xfer(k, NULL, NULL, NULL);
	}
	nla_nest_end(m, nest);
	return dk_xfer(k, m, NULL, NULL);
}

/* ---- events ---- */

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct dk_events *e = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[DRIFT_A_MAX + 1];
	struct dk_event *ev;

	if (gh->cmd != DRIFT_CMD_EVENT || parse_attrs(msg, tb) < 0)
		return NL_SKIP;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return NL_SKIP;
	ev->time_ns = get_u64(tb[DRIFT_A_EVENT_TIME_NS]);
	ev->cgroup_id = get_u64(tb[DRIFT_A_CGROUP_ID]);
	ev->has_binding = tb[DRIFT_A_BINDING_NAME] != NULL;
	copy_str(ev->binding, sizeof(ev->binding), tb[DRIFT_A_BINDING_NAME]);
	copy_str(ev->set, sizeof(ev->set), tb[DRIFT_A_SET_NAME]);
	ev->pid = get_u32(tb[DRIFT_A_EVENT_PID]);
	ev->ppid = get_u32(tb[DRIFT_A_EVENT_PPID]);
	ev->uid = get_u32(tb[DRIFT_A_EVENT_UID]);
	copy_str(ev->comm, sizeof(ev->comm), tb[DRIFT_A_EVENT_COMM]);
	copy_str(ev->path, sizeof(ev->path), tb[DRIFT_A_EVENT_PATH]);
	if (tb[DRIFT_A_EVENT_FILE] &&
	    nla_len(tb[DRIFT_A_EVENT_FILE]) >= (int)sizeof(ev->file)) {
		memcpy(&ev->file, nla_data(tb[DRIFT_A_EVENT_FILE]), sizeof(ev->file));
		ev->has_file = true;
	}
	ev->reason = get_u8(tb[DRIFT_A_EVENT_REASON]);
	ev->action = get_u8(tb[DRIFT_A_EVENT_ACTION]);
	ev->mode = get_u8(tb[DRIFT_A_MODE]);
	ev->op = tb[DRIFT_A_EVENT_OP] ? get_u8(tb[DRIFT_A_EVENT_OP]) : DRIFT_OP_EXEC;
	ev->suppressed = get_u32(tb[DRIFT_A_EVENT_SUPPRESSED]);
	e->fn(ev, e->arg);
	free(ev);
	return NL_OK;
}

int dk_events_open(struct dk_events **out, dk_event_fn fn, void *arg)
{
	struct dk_events *e = calloc(1, sizeof(*e));
	int ret, grp;

	if (!e)
		return -ENOMEM;
	e->fn = fn;
	e->arg = arg;
	e->sk = nl_socket_alloc();
	if (!e->sk) {
		free(e);
		return -ENOMEM;
	}
	nl_socket_disable_seq_check(e->sk);
	nl_socket_modify_cb(e->sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, e);
	ret = genl_connect(e->sk);
	if (ret < 0)
		goto fail;
	nl_socket_enable_msg_peek(e->sk);
	nl_socket_set_buffer_size(e->sk, 4 << 20, 0);
	grp = genl_ctrl_resolve_grp(e->sk, DRIFT_GENL_NAME, DRIFT_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		ret = grp;
		goto fail;
	}
	ret = nl_socket_add_membership(e->sk, grp);
	if (ret < 0)
		goto fail;
	nl_socket_set_nonblocking(e->sk);
	*out = e;
	return 0;
fail:
	nl_socket_free(e->sk);
	free(e);
	return nlerr_to_errno(ret);
}

int dk_events_fd(const struct dk_events *e)
{
	return nl_socket_get_fd(e->sk);
}

int dk_events_recv(struct dk_events *e)
{
	int lost = 0, ret, i;

	for (i = 0; i < 1024; i++) {
		struct nl_cb *cb = nl_socket_get_cb(e->sk);

		ret = nl_recvmsgs_report(e->sk, cb);
		nl_cb_put(cb);
		if (ret == 0 || ret == -NLE_AGAIN)
			break;
		if (ret == -NLE_NOMEM) {	/* ENOBUFS: the socket overran */
			lost++;
			continue;
		}
		if (ret < 0)
			break;
	}
	return lost;
}

void dk_events_close(struct dk_events *e)
{
	if (!e)
		return;
	nl_socket_free(e->sk);
	free(e);
}

/* driftd: libnl-3 genl client of the drift kernel module. */
#include <errno.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define DK_MSG_SIZE	(DRIFT_SET_CHUNK_MAX * sizeof(struct drift_file_id) + 4096)

/* What this dk changed in the kernel, to replay after a module reload. */
struct rset {
	struct rset *next;
	char name[DRIFT_NAME_MAX];
	struct drift_file_id *ids;
	size_t n;
	char **includes;		/* sets it includes, in order */
	size_t nincludes;
};

struct rexc {
	struct rexc *next;
	char *path;
};

struct rbind {
	struct rbind *next;
	uint64_t cgid;
	char set[DRIFT_NAME_MAX];
	char *name, *root;
	int mode, lib_mode;
	struct rexc *exc;
};

/*
 * Threads. A dk belongs to one thread (driftd's d.k: whoever holds
 * driftd_lock; the metrics thread's own M.k), but the event loop's
 * ctrl_event() marks every dk lost and recovers it (genl_ctrl_resolve on
 * its socket, replay) when the module goes and comes back. So each dk has a
 * mutex, held by every public dk_* call for its whole duration (its message
 * carries k->family, an upload is several transfers on one socket) and by
 * ctrl_event: a recovery from another thread waits for the owner's call to
 * end and never interleaves with it. Recursive: dk_xfer -> dk_recover ->
 * dk_status / replay -> upload_raw -> dk_xfer. The list of dks has a mutex
 * of its own; the order is driftd_lock, dk_all_mu, a dk's mu, and nothing
 * called with a dk's mu held (the reload hook, the dump callbacks) takes
 * driftd_lock or dk_all_mu.
 */
struct dk {
	pthread_mutex_t mu;
	struct nl_sock *sk;
	int family;
	char errmsg[512];
	struct rset *sets;
	struct rbind *binds;
	bool replaying;
	bool lost;			/* the family was seen gone */
	double lost_at;			/* CLOCK_MONOTONIC s */
	unsigned long reloads;
	dk_reload_fn reload_fn;
	void *reload_arg;
	atomic_ulong *progress;		/* +1 per set chunk sent, or NULL */
	struct dk *next_dk;
};

/* Every open dk: the events socket tells them when the family changes. */
static struct dk *dk_all;
static pthread_mutex_t dk_all_mu = PTHREAD_MUTEX_INITIALIZER;

static void dk_lock(struct dk *k)
{
	pthread_mutex_lock(&k->mu);
}

static int dk_unlock(struct dk *k, int ret)
{
	pthread_mutex_unlock(&k->mu);
	return ret;
}

struct dk_events {
	struct nl_sock *sk;
	dk_event_fn fn;
	void *arg;
	int ctrl_grp;			/* nlctrl "notify", or -1 */
};

struct req {
	struct dk *k;
	int err;
	int done;
	bool extack;			/* the error came with a message */
	int (*valid)(struct nl_msg *msg, void *arg);
	void *arg;
};

/*
 * Read by the owner after its call, without the lock: a recovery by
 * ctrl_event in between may rewrite it. Fine for d.k (ctrl_event runs under
 * driftd_lock like d.k's users); the metrics thread never reads M.k's.
 */
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
				r->extack = true;
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

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int xfer_once(struct dk *k, struct nl_msg *m,
		     int (*valid)(struct nl_msg *, void *), void *arg,
		     bool *extack)
{
	struct req r = { .k = k, .valid = valid, .arg = arg };
	struct nl_cb *cb;
	bool dump;
	int ret;

	k->errmsg[0] = '\0';
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb)
		return -ENOMEM;
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_done, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_done, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &r);
	/* A dump ends with NLMSG_DONE: no ack asked (nor checked). */
	dump = (nlmsg_hdr(m)->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (dump)
		nl_socket_disable_auto_ack(k->sk);
	nlmsg_hdr(m)->nlmsg_seq = NL_AUTO_SEQ;
	ret = nl_send_auto(k->sk, m);
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
	*extack = r.extack;
	return r.err;
}

/*
 * Sends M (consumed) and waits for the ack / reply / end of dump. A bare
 * ENOENT (no extack: the genetlink core's "no such family") means the
 * module went away: once it is back with a new family id, what this dk
 * had done is replayed and M is sent again.
 */
static int dk_xfer(struct dk *k, struct nl_msg *m,
		   int (*valid)(struct nl_msg *, void *), void *arg)
{
	bool extack = false;
	int ret;

	if (!m) {
		snprintf(k->errmsg, sizeof(k->errmsg), "out of memory");
		return -ENOMEM;
	}
	ret = xfer_once(k, m, valid, arg, &extack);
	if (ret == -ENOENT && !extack && !k->replaying && dk_recover(k) > 0) {
		nlmsg_hdr(m)->nlmsg_type = (uint16_t)k->family;
		ret = xfer_once(k, m, valid, arg, &extack);
	} else if (ret == -ENOENT && !extack && k->lost) {
		snprintf(k->errmsg, sizeof(k->errmsg),
			 "the drift kernel module is not loaded (it went away)");
	}
	nlmsg_free(m);
	return ret;
}

int dk_open(struct dk **out)
{
	struct dk *k = calloc(1, sizeof(*k));
	pthread_mutexattr_t ma;
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
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&k->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_mutex_lock(&dk_all_mu);
	k->next_dk = dk_all;
	dk_all = k;
	pthread_mutex_unlock(&dk_all_mu);
	*out = k;
	return 0;
fail:
	nl_socket_free(k->sk);
	free(k);
	return nlerr_to_errno(ret);
}

static void strs_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void rset_free(struct rset *s)
{
	free(s->ids);
	strs_free(s->includes, s->nincludes);
	free(s);
}

static void rbind_free(struct rbind *b)
{
	struct rexc *e, *en;

	for (e = b->exc; e; e = en) {
		en = e->next;
		free(e->path);
		free(e);
	}
	free(b->name);
	free(b->root);
	free(b);
}

void dk_close(struct dk *k)
{
	struct rset *s, *sn;
	struct rbind *b, *bn;
	struct dk **pp;

	if (!k)
		return;
	/* ctrl_event walks the list under dk_all_mu: off it, k is ours */
	pthread_mutex_lock(&dk_all_mu);
	for (pp = &dk_all; *pp; pp = &(*pp)->next_dk)
		if (*pp == k) {
			*pp = k->next_dk;
			break;
		}
	pthread_mutex_unlock(&dk_all_mu);
	for (s = k->sets; s; s = sn) {
		sn = s->next;
		rset_free(s);
	}
	for (b = k->binds; b; b = bn) {
		bn = b->next;
		rbind_free(b);
	}
	nl_socket_free(k->sk);
	pthread_mutex_destroy(&k->mu);
	free(k);
}

/* ---- the replay log ---- */

static struct rset **rset_find(struct dk *k, const char *name)
{
	struct rset **pp;

	for (pp = &k->sets; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->name, name))
			break;
	return pp;
}

static struct rbind **rbind_find(struct dk *k, uint64_t cgid)
{
	struct rbind **pp;

	for (pp = &k->binds; *pp; pp = &(*pp)->next)
		if ((*pp)->cgid == cgid)
			break;
	return pp;
}

/* Out of memory only costs the replay of this item: logged, not fatal. */
static void log_set(struct dk *k, const char *name,
		    const struct drift_file_id *ids, size_t n,
		    const char *const *includes, size_t nincludes)
{
	struct rset **pp = rset_find(k, name), *s = *pp;
	struct drift_file_id *copy = malloc((n ? n : 1) * sizeof(*ids));
	char **inc = calloc(nincludes ? nincludes : 1, sizeof(*inc));
	size_t i;

	for (i = 0; inc && i < nincludes; i++) {
		inc[i] = strdup(includes[i]);
		if (!inc[i]) {
			strs_free(inc, i);
			inc = NULL;
		}
	}
	if (!copy || !inc) {
		free(copy);
		if (inc)
			strs_free(inc, nincludes);
		log_warn("set %s will not be restored after a module reload: out of memory",
			 name);
		return;
	}
	if (n)
		memcpy(copy, ids, n * sizeof(*ids));
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s) {
			free(copy);
			strs_free(inc, nincludes);
			return;
		}
		snprintf(s->name, sizeof(s->name), "%s", name);
		*pp = s;
	}
	free(s->ids);
	strs_free(s->includes, s->nincludes);
	s->ids = copy;
	s->n = n;
	s->includes = inc;
	s->nincludes = nincludes;
}

static void unlog_set(struct dk *k, const char *name)
{
	struct rset **pp = rset_find(k, name), *s = *pp;

	if (s) {
		*pp = s->next;
		rset_free(s);
	}
}

static void log_bind(struct dk *k, uint64_t cgid, const char *set, int mode,
		     int lib_mode, const char *name, bool replace,
		     const char *root)
{
	struct rbind **pp = rbind_find(k, cgid), *b = *pp;
	char *n = name ? strdup(name) : NULL, *r = root ? strdup(root) : NULL;

	if ((name && !n) || (root && !r)) {
		free(n);
		free(r);
		return;
	}
	if (b && !replace) {	/* a binding made before: start afresh */
		*pp = b->next;
		rbind_free(b);
		b = NULL;
	}
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b) {
			free(n);
			free(r);
			return;
		}
		b->cgid = cgid;
		b->next = k->binds;
		k->binds = b;
	}
	snprintf(b->set, sizeof(b->set), "%s", set);
	b->mode = mode;
	if (lib_mode >= 0 || !replace)
		b->lib_mode = lib_mode;
	free(b->name);
	b->name = n;
	if (r) {		/* a replacement without a root keeps it */
		free(b->root);
		b->root = r;
	}
}

static void unlog_bind(struct dk *k, uint64_t cgid)
{
	struct rbind **pp = rbind_find(k, cgid), *b = *pp;

	if (b) {
		*pp = b->next;
		rbind_free(b);
	}
}

static void log_exception(struct dk *k, uint64_t cgid, const char *path)
{
	struct rbind *b = *rbind_find(k, cgid);
	struct rexc *e;

	if (!b)
		return;
	for (e = b->exc; e; e = e->next)
		if (!strcmp(e->path, path))
			return;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		return;
	}
	e->next = b->exc;
	b->exc = e;
}

void dk_set_progress(struct dk *k, atomic_ulong *progress)
{
	k->progress = progress;
}

void dk_on_reload(struct dk *k, dk_reload_fn fn, void *arg)
{
	dk_lock(k);
	k->reload_fn = fn;
	k->reload_arg = arg;
	dk_unlock(k, 0);
}

static int bind_raw(struct dk *k, uint64_t cgid, const char *set, int mode,
		    int lib_mode, const char *name, bool replace,
		    const char *root);
static int exception_raw(struct dk *k, uint64_t cgid, const char *prefix);
static int upload_raw(struct dk *k, const char *name,
		      const struct drift_file_id *ids, size_t n,
		      const char *const *includes, size_t nincludes,
		      uint32_t *count);

/*
 * Everything this dk had done, into a fresh module: sets that include
 * nothing first (driftd's layer sets), then the sets that include them
 * (image sets: SET_COMMIT needs the included sets to exist; one that
 * cannot be restored fails its binding, which is logged), then bindings.
 */
static void replay(struct dk *k)
{
	struct dk_reload_info info = { 0 };
	struct rbind **pp, *b;
	struct rset *s;
	struct rexc *e;
	double now;
	int ret, pass;

	k->replaying = true;
	for (pass = 0; pass < 2; pass++) {
		for (s = k->sets; s; s = s->next) {
			if ((s->nincludes > 0) != (pass == 1))
				continue;
			ret = upload_raw(k, s->name, s->ids, s->n,
					 (const char *const *)s->includes,
					 s->nincludes, NULL);
			if (ret) {
				log_err("module reload: set %s: %s", s->name,
					k->errmsg);
				info.failed++;
			} else {
				info.sets++;
			}
		}
	}
	for (pp = &k->binds; (b = *pp);) {
		ret = bind_raw(k, b->cgid, b->set, b->mode, b->lib_mode,
			       b->name, false, b->root);
		if (ret == -EEXIST)
			ret = bind_raw(k, b->cgid, b->set, b->mode, b->lib_mode,
				       b->name, true, b->root);
		if (ret == -ENOENT && strstr(k->errmsg, "no cgroup")) {
			/* the cgroup is gone: nothing to restore */
			log_info("module reload: binding %s: cgroup %llu gone",
				 b->name ? b->name : "-",
				 (unsigned long long)b->cgid);
			*pp = b->next;
			rbind_free(b);
			continue;
		}
		if (ret) {
			log_err("module reload: binding %s (cgroup %llu): %s",
				b->name ? b->name : "-",
				(unsigned long long)b->cgid, k->errmsg);
			info.failed++;
		} else {
			info.bindings++;
			for (e = b->exc; e; e = e->next)
				if (exception_raw(k, b->cgid, e->path) &&
				    k->errmsg[0])
					log_err("module reload: binding %s: exception %s: %s",
						b->name ? b->name : "-", e->path,
						k->errmsg);
		}
		pp = &b->next;
	}
	k->replaying = false;
	now = mono_s();
	info.gap_s = k->lost ? now - k->lost_at : 0;
	info.reloads = ++k->reloads;
	k->lost = false;
	log_err("drift kernel module reloaded: %u sets and %u bindings restored (%u failed); enforcement was gone for %.3f s",
		info.sets, info.bindings, info.failed, info.gap_s);
	if (k->reload_fn)
		k->reload_fn(&info, k->reload_arg);
}

static void mark_lost(struct dk *k)
{
	if (!k->lost) {
		k->lost = true;
		k->lost_at = mono_s();
		log_err("the drift kernel module went away: nothing is enforced until it is back");
	}
}

int dk_recover(struct dk *k)
{
	int id;

	dk_lock(k);
	if (k->replaying)
		return dk_unlock(k, 0);
	id = genl_ctrl_resolve(k->sk, DRIFT_GENL_NAME);
	if (id < 0) {
		mark_lost(k);
		return dk_unlock(k, 0);
	}
	if (id == k->family && !k->lost)
		return dk_unlock(k, 0);
	if (id == k->family) {
		/* same id again: the kernel has nothing of ours if empty */
		struct dk_status st;

		if (dk_status(k, &st) || st.binding_count || st.set_count) {
			k->lost = false;
			return dk_unlock(k, 0);
		}
	}
	if (!k->lost)
		mark_lost(k);
	k->family = id;
	replay(k);
	return dk_unlock(k, 1);
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
	dk_lock(k);
	return dk_unlock(k, dk_xfer(k, dk_msg(k, DRIFT_CMD_GET_STATUS, 0),
				    status_cb, st));
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

/* SET_COMMIT of NAME, with DRIFT_A_SET_INCLUDES when there are includes. */
static struct nl_msg *commit_msg(struct dk *k, const char *name,
				 const char *const *includes, size_t nincludes)
{
	struct nl_msg *m = set_msg(k, DRIFT_CMD_SET_COMMIT, name);
	struct nlattr *nest;
	size_t i;

	if (!m || !nincludes)
		return m;
	nest = nla_nest_start(m, DRIFT_A_SET_INCLUDES);
	for (i = 0; nest && i < nincludes; i++)
		if (nla_put_string(m, DRIFT_A_SET_NAME, includes[i]) < 0)
			nest = NULL;
	if (!nest) {
		nlmsg_free(m);
		return NULL;
	}
	nla_nest_end(m, nest);
	return m;
}

static int upload_raw(struct dk *k, const char *name,
		      const struct drift_file_id *ids, size_t n,
		      const char *const *includes, size_t nincludes,
		      uint32_t *count)
{
	struct nl_msg *m;
	size_t off;
	int ret;
	char saved[sizeof(k->errmsg)];

	if (n > DRIFT_SET_MAX_ENTRIES || nincludes > DRIFT_MAX_INCLUDES) {
		snprintf(k->errmsg, sizeof(k->errmsg), "%s",
			 n > DRIFT_SET_MAX_ENTRIES ? "too many entries for a set" :
			 "too many included sets");
		return -E2BIG;
	}
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
		if (k->progress)
			atomic_fetch_add_explicit(k->progress, 1,
						  memory_order_relaxed);
	}
	ret = dk_xfer(k, commit_msg(k, name, includes, nincludes), commit_cb,
		      count);
	if (ret)
		goto abort;
	return 0;
abort:
	memcpy(saved, k->errmsg, sizeof(saved));
	dk_xfer(k, set_msg(k, DRIFT_CMD_SET_ABORT, name), NULL, NULL);
	memcpy(k->errmsg, saved, sizeof(saved));
	return ret;
}

int dk_set_upload(struct dk *k, const char *name,
		  const struct drift_file_id *ids, size_t n,
		  const char *const *includes, size_t nincludes,
		  uint32_t *count)
{
	int ret;

	dk_lock(k);
	ret = upload_raw(k, name, ids, n, includes, nincludes, count);
	if (!ret)
		log_set(k, name, ids, n, includes, nincludes);
	return dk_unlock(k, ret);
}

int dk_set_del(struct dk *k, const char *name)
{
	int ret;

	dk_lock(k);
	ret = dk_xfer(k, set_msg(k, DRIFT_CMD_SET_DEL, name), NULL, NULL);
	if (!ret || ret == -ENOENT)
		unlog_set(k, name);
	return dk_unlock(k, ret);
}

struct dump_ctx {
	void (*set_fn)(const struct dk_set_info *, void *);
	void (*bind_fn)(const struct dk_binding_info *, void *);
	void *arg;
};

static int set_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *d = arg;
	struct nlattr *tb[DRIFT_A_MAX + 1], *a;
	struct dk_set_info si;
	char (*inc)[DRIFT_NAME_MAX] = NULL;
	const char **incp = NULL;
	size_t n = 0;
	int rem;

	if (parse_attrs(msg, tb) < 0)
		return NL_SKIP;
	memset(&si, 0, sizeof(si));
	copy_str(si.name, sizeof(si.name), tb[DRIFT_A_SET_NAME]);
	si.entries = get_u32(tb[DRIFT_A_SET_ENTRY_COUNT]);
	si.has_own = tb[DRIFT_A_SET_OWN_COUNT] != NULL;
	si.own = si.has_own ? get_u32(tb[DRIFT_A_SET_OWN_COUNT]) : si.entries;
	si.refs = get_u32(tb[DRIFT_A_SET_REFS]);
	si.memory = get_u64(tb[DRIFT_A_MEMORY]);
	si.loaded_ns = get_u64(tb[DRIFT_A_SET_LOADED_NS]);
	if (tb[DRIFT_A_SET_INCLUDES]) {
		nla_for_each_nested(a, tb[DRIFT_A_SET_INCLUDES], rem)
			n++;
		inc = calloc(n ? n : 1, sizeof(*inc));
		incp = calloc(n ? n : 1, sizeof(*incp));
		if (!inc || !incp)
			abort();	/* as driftd does on no memory */
		n = 0;
		nla_for_each_nested(a, tb[DRIFT_A_SET_INCLUDES], rem) {
			if (nla_type(a) != DRIFT_A_SET_NAME)
				continue;
			copy_str(inc[n], sizeof(inc[n]), a);
			incp[n] = inc[n];
			n++;
		}
		si.includes = incp;
		si.nincludes = n;
	}
	d->set_fn(&si, d->arg);
	free(inc);
	free(incp);
	return NL_OK;
}

int dk_sets(struct dk *k, void (*fn)(const struct dk_set_info *, void *),
	    void *arg)
{
	struct dump_ctx d = { .set_fn = fn, .arg = arg };

	dk_lock(k);
	return dk_unlock(k, dk_xfer(k, dk_msg(k, DRIFT_CMD_GET_SET, NLM_F_DUMP),
				    set_cb, &d));
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

	dk_lock(k);
	return dk_unlock(k, dk_xfer(k, dk_msg(k, DRIFT_CMD_GET_BINDING, NLM_F_DUMP),
				    binding_cb, &d));
}

static void copy_binding(const struct dk_binding_info *b, void *arg)
{
	memcpy(arg, b, sizeof(*b));
}

int dk_get_binding(struct dk *k, uint64_t cgid, struct dk_binding_info *out)
{
	struct dump_ctx d = { .bind_fn = copy_binding, .arg = out };
	struct nl_msg *m;

	dk_lock(k);
	m = dk_msg(k, DRIFT_CMD_GET_BINDING, 0);
	if (m && nla_put_u64(m, DRIFT_A_CGROUP_ID, cgid) < 0) {
		nlmsg_free(m);
		m = NULL;
	}
	memset(out, 0, sizeof(*out));
	return dk_unlock(k, dk_xfer(k, m, binding_cb, &d));
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

/*
 * The root goes as a directory fd (O_PATH): the kernel takes the directory
 * itself, so renaming or remounting its path later changes nothing.
 */
static int bind_raw(struct dk *k, uint64_t cgid, const char *set, int mode,
		    int lib_mode, const char *name, bool replace,
		    const char *root)
{
	struct nl_msg *m;
	int fd = -1, ret;

	if (root) {
		fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			snprintf(k->errmsg, sizeof(k->errmsg),
				 "container root %.300s: %s", root, strerror(-ret));
			return ret;
		}
	}
	m = cg_msg(k, DRIFT_CMD_BIND, 0, cgid);
	if (m && ((replace && nla_put_flag(m, DRIFT_A_REPLACE) < 0) ||
		  (lib_mode >= 0 && nla_put_u8(m, DRIFT_A_LIB_MODE, (uint8_t)lib_mode) < 0) ||
		  nla_put_string(m, DRIFT_A_SET_NAME, set) < 0 ||
		  nla_put_u8(m, DRIFT_A_MODE, (uint8_t)mode) < 0 ||
		  (name && nla_put_string(m, DRIFT_A_BINDING_NAME, name) < 0) ||
		  (fd >= 0 && nla_put_u32(m, DRIFT_A_ROOT_FD, (uint32_t)fd) < 0))) {
		nlmsg_free(m);
		m = NULL;
	}
	ret = dk_xfer(k, m, NULL, NULL);
	if (fd >= 0)
		close(fd);
	return ret;
}

int dk_bind(struct dk *k, uint64_t cgid, const char *set, int mode,
	    int lib_mode, const char *name, bool replace, const char *root)
{
	int ret;

	dk_lock(k);
	ret = bind_raw(k, cgid, set, mode, lib_mode, name, replace, root);
	if (!ret)
		log_bind(k, cgid, set, mode, lib_mode, name, replace, root);
	return dk_unlock(k, ret);
}

int dk_unbind(struct dk *k, uint64_t cgid)
{
	int ret;

	dk_lock(k);
	ret = dk_xfer(k, cg_msg(k, DRIFT_CMD_UNBIND, 0, cgid), NULL, NULL);
	if (!ret || ret == -ENOENT)
		unlog_bind(k, cgid);
	return dk_unlock(k, ret);
}

int dk_set_mode(struct dk *k, uint64_t cgid, int mode)
{
	struct nl_msg *m;
	struct rbind *b;
	int ret;

	dk_lock(k);
	m = cg_msg(k, DRIFT_CMD_SET_MODE, 0, cgid);
	if (m && nla_put_u8(m, DRIFT_A_MODE, (uint8_t)mode) < 0) {
		nlmsg_free(m);
		m = NULL;
	}
	ret = dk_xfer(k, m, NULL, NULL);
	b = *rbind_find(k, cgid);
	if (!ret && b)
		b->mode = mode;
	return dk_unlock(k, ret);
}

int dk_exception_add_path(struct dk *k, uint64_t cgid, const char *prefix)
{
	int ret;

	dk_lock(k);
	ret = exception_raw(k, cgid, prefix);
	if (!ret || ret == -EEXIST)
		log_exception(k, cgid, prefix);
	return dk_unlock(k, ret);
}

static int exception_raw(struct dk *k, uint64_t cgid, const char *prefix)
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

/* The "events" group id now, from a socket of its own; < 0 if none. */
static int events_group(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp = -NLE_NOMEM;

	if (!sk)
		return grp;
	grp = genl_connect(sk);
	if (grp == 0)
		grp = genl_ctrl_resolve_grp(sk, DRIFT_GENL_NAME,
					    DRIFT_GENL_MCGRP_EVENTS);
	nl_socket_free(sk);
	return grp;
}

/*
 * A controller notification: the drift family went away (rmmod) or came
 * back (insmod). Coming back: every dk replays what it had done, and this
 * socket joins the new family's events group.
 */
static void ctrl_event(struct dk_events *e, struct nl_msg *msg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct dk *k;
	int grp;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), DRIFT_GENL_NAME))
		return;
	if (gh->cmd == CTRL_CMD_DELFAMILY) {
		pthread_mutex_lock(&dk_all_mu);
		for (k = dk_all; k; k = k->next_dk) {
			dk_lock(k);
			mark_lost(k);
			dk_unlock(k, 0);
		}
		pthread_mutex_unlock(&dk_all_mu);
		return;
	}
	if (gh->cmd != CTRL_CMD_NEWFAMILY)
		return;
	/* each waits for its owner's call in flight, if any, to end */
	pthread_mutex_lock(&dk_all_mu);
	for (k = dk_all; k; k = k->next_dk)
		dk_recover(k);
	pthread_mutex_unlock(&dk_all_mu);
	grp = events_group();
	if (grp < 0 || nl_socket_add_membership(e->sk, grp) < 0)
		log_err("drift module is back, but its events group cannot be joined: %s",
			nl_geterror(grp < 0 ? grp : -NLE_FAILURE));
	else
		log_info("drift module is back: events subscribed again");
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct dk_events *e = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[DRIFT_A_MAX + 1];
	struct dk_event *ev;

	if (nlmsg_hdr(msg)->nlmsg_type == GENL_ID_CTRL) {
		ctrl_event(e, msg);
		return NL_OK;
	}
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
	/* The controller's notifications: the module going and coming back. */
	e->ctrl_grp = genl_ctrl_resolve_grp(e->sk, "nlctrl", "notify");
	if (e->ctrl_grp < 0 || nl_socket_add_membership(e->sk, e->ctrl_grp) < 0)
		log_warn("cannot follow module reloads (nlctrl notify): they are noticed at the next request only");
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

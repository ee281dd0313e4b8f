// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl: parsing of replies and events (pure). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "driftctl.h"

/* Attribute payload length, or -1 if the header lies. */
static bool is_u8(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) == sizeof(uint8_t);
}

static bool is_u32(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) == sizeof(uint32_t);
}

static bool is_u64(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) == sizeof(uint64_t);
}

static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

/* A NUL-terminated string attribute, copied; -EPROTO if not terminated. */
static int get_str(const struct nlattr *a, char **out)
{
	const char *s = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);
	char *copy;

	if (len == 0 || !memchr(s, '\0', len))
		return -EPROTO;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	free(*out);
	*out = copy;
	return 0;
}

/*
 * Walks the attributes of a container (a message after its genl header, or
 * a nest), checking that they tile it exactly: libmnl's iteration macros
 * stop silently at a bad length, which would hide truncation.
 */
static int check_tiling(const void *start, size_t len)
{
	const struct nlattr *a = start;
	int rem = (int)len;

	if (len > INT32_MAX)
		return -EPROTO;
	while (rem >= (int)sizeof(struct nlattr)) {
		if (!mnl_attr_ok(a, rem))
			return -EPROTO;
		rem -= (int)MNL_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
	}
	return rem == 0 ? 0 : -EPROTO;
}

static int check_msg(const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EPROTO;
	return check_tiling((const char *)mnl_nlmsg_get_payload(nlh) + GENL_HDRLEN,
			    nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
}

static int check_nest(const struct nlattr *a)
{
	return check_tiling(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

static int parse_stats(const struct nlattr *nest, struct stats *st)
{
	const struct nlattr *a;

	if (check_nest(nest))
		return -EPROTO;
	mnl_attr_for_each_nested(a, nest) {
		unsigned int t = mnl_attr_get_type(a);

		if (t == DRIFT_STAT_PAD || t == DRIFT_STAT_UNSPEC)
			continue;
		if (t > DRIFT_STAT_MAX)
			continue;	/* a newer module: ignore */
		if (!is_u64(a))
			return -EPROTO;
		st->v[t] = get_u64(a);
		st->has[t] = true;
	}
	return 0;
}

#define TRY(x) do { int __r = (x); if (__r) return __r; } while (0)
#define NEED(cond) do { if (!(cond)) return -EPROTO; } while (0)

static int status_attrs(const struct nlmsghdr *nlh, struct status_info *st)
{
	const struct nlattr *a;

	TRY(check_msg(nlh));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case DRIFT_A_VERSION:
			TRY(get_str(a, &st->version));
			break;
		case DRIFT_A_DEFAULT_MODE:
			NEED(is_u8(a));
			st->default_mode = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_SET_NAME:
			TRY(get_str(a, &st->default_set));
			break;
		case DRIFT_A_LOCKED:
			NEED(is_u8(a));
			st->locked = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_SELFTEST:
			NEED(is_u8(a));
			st->selftest = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_SELFTEST_NS:
			NEED(is_u64(a));
			st->selftest_ns = get_u64(a);
			st->has_selftest_ns = true;
			break;
		case DRIFT_A_SEALED:
			NEED(is_u8(a));
			st->sealed = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_STAGING_COUNT:
			NEED(is_u32(a));
			st->staging = get_u32(a);
			st->has_staging = true;
			break;
		case DRIFT_A_SET_COUNT:
			NEED(is_u32(a));
			st->sets = get_u32(a);
			st->has_sets = true;
			break;
		case DRIFT_A_BINDING_COUNT:
			NEED(is_u32(a));
			st->bindings = get_u32(a);
			st->has_bindings = true;
			break;
		case DRIFT_A_MEMORY:
			NEED(is_u64(a));
			st->memory = get_u64(a);
			st->has_memory = true;
			break;
		case DRIFT_A_EVENT_RATE:
			NEED(is_u32(a));
			st->rate = get_u32(a);
			st->has_rate = true;
			break;
		case DRIFT_A_EVENT_BURST:
			NEED(is_u32(a));
			st->burst = get_u32(a);
			st->has_burst = true;
			break;
		case DRIFT_A_STATS:
			TRY(parse_stats(a, &st->stats));
			break;
		default:
			break;
		}
	}
	return 0;
}

int parse_status(const struct nlmsghdr *nlh, struct status_info *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->default_mode = st->locked = st->selftest = st->sealed = -1;
	ret = status_attrs(nlh, st);
	if (ret)
		status_free(st);
	return ret;
}

void status_free(struct status_info *st)
{
	free(st->version);
	free(st->default_set);
	st->version = st->default_set = NULL;
}

static void includes_free(struct set_info *si)
{
	for (size_t i = 0; i < si->nincludes; i++)
		free(si->includes[i]);
	free(si->includes);
	si->includes = NULL;
	si->nincludes = 0;
}

/*
 * Checks NEST and allocates *V, zeroed, with room for each of its
 * attributes (NULL when it has none). 0, -EPROTO or -ENOMEM.
 */
static int nest_room(const struct nlattr *nest, size_t size, void **v)
{
	const struct nlattr *a;
	size_t n = 0;

	*v = NULL;
	TRY(check_nest(nest));
	mnl_attr_for_each_nested(a, nest)
		n++;
	if (n && !(*v = calloc(n, size)))
		return -ENOMEM;
	return 0;
}

/* A nest of DRIFT_A_SET_NAME strings (others ignored); replaces a repeat. */
static int parse_includes(const struct nlattr *nest, struct set_info *si)
{
	const struct nlattr *a;
	void *v;

	includes_free(si);
	TRY(nest_room(nest, sizeof(*si->includes), &v));
	si->includes = v;
	/* (a slot is counted before it is filled: set_info_free() frees it) */
	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == DRIFT_A_SET_NAME)
			TRY(get_str(a, &si->includes[si->nincludes++]));
	return 0;
}

static int set_attrs(const struct nlmsghdr *nlh, struct set_info *si)
{
	const struct nlattr *a;

	TRY(check_msg(nlh));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case DRIFT_A_SET_NAME:
			TRY(get_str(a, &si->name));
			break;
		case DRIFT_A_SET_ENTRY_COUNT:
			NEED(is_u32(a));
			si->entries = get_u32(a);
			si->has_entries = true;
			break;
		case DRIFT_A_SET_OWN_COUNT:
			NEED(is_u32(a));
			si->own = get_u32(a);
			si->has_own = true;
			break;
		case DRIFT_A_SET_INCLUDES:
			TRY(parse_includes(a, si));
			break;
		case DRIFT_A_SET_REFS:
			NEED(is_u32(a));
			si->refs = get_u32(a);
			si->has_refs = true;
			break;
		case DRIFT_A_MEMORY:
			NEED(is_u64(a));
			si->memory = get_u64(a);
			si->has_memory = true;
			break;
		case DRIFT_A_SET_LOADED_NS:
			NEED(is_u64(a));
			si->loaded_ns = get_u64(a);
			si->has_loaded = true;
			break;
		default:
			break;
		}
	}
	return si->name ? 0 : -EPROTO;
}

int parse_set(const struct nlmsghdr *nlh, struct set_info *si)
{
	int ret;

	memset(si, 0, sizeof(*si));
	ret = set_attrs(nlh, si);
	if (ret)
		set_info_free(si);
	return ret;
}

void set_info_free(struct set_info *si)
{
	free(si->name);
	si->name = NULL;
	includes_free(si);
}

static int parse_exception(const struct nlattr *nest, struct exc_info *e)
{
	const struct nlattr *a;

	e->type = -1;
	TRY(check_nest(nest));
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case DRIFT_EXC_A_TYPE:
			NEED(is_u8(a));
			e->type = mnl_attr_get_u8(a);
			break;
		case DRIFT_EXC_A_FILE:
			NEED(mnl_attr_get_payload_len(a) == sizeof(e->file));
			memcpy(&e->file, mnl_attr_get_payload(a), sizeof(e->file));
			e->has_file = true;
			break;
		case DRIFT_EXC_A_PATH:
			TRY(get_str(a, &e->path));
			break;
		default:
			break;
		}
	}
	return 0;
}

static int parse_exceptions(const struct nlattr *nest, struct binding_info *bi)
{
	const struct nlattr *a;
	void *v;

	/* Replace, do not append, if the attribute is repeated. */
	for (size_t i = 0; i < bi->nexcs; i++)
		free(bi->excs[i].path);
	free(bi->excs);
	bi->excs = NULL;
	bi->nexcs = 0;
	TRY(nest_room(nest, sizeof(*bi->excs), &v));
	bi->excs = v;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != DRIFT_A_EXCEPTION)
			continue;
		/* count it first so that binding_free() frees its path */
		bi->nexcs++;
		TRY(parse_exception(a, &bi->excs[bi->nexcs - 1]));
	}
	return 0;
}

static int binding_attrs(const struct nlmsghdr *nlh, struct binding_info *bi)
{
	const struct nlattr *a;

	TRY(check_msg(nlh));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case DRIFT_A_CGROUP_ID:
			NEED(is_u64(a));
			bi->cgid = get_u64(a);
			bi->has_cgid = true;
			break;
		case DRIFT_A_BINDING_NAME:
			TRY(get_str(a, &bi->name));
			break;
		case DRIFT_A_SET_NAME:
			TRY(get_str(a, &bi->set));
			break;
		case DRIFT_A_MODE:
			NEED(is_u8(a));
			bi->mode = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_LIB_MODE:
			NEED(is_u8(a));
			bi->lib_mode = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_BIND_FLAGS:
			NEED(is_u32(a));
			bi->flags = get_u32(a);
			bi->has_flags = true;
			break;
		case DRIFT_A_STATS:
			TRY(parse_stats(a, &bi->stats));
			break;
		case DRIFT_A_EXCEPTIONS:
			TRY(parse_exceptions(a, bi));
			break;
		default:
			break;
		}
	}
	return bi->has_cgid ? 0 : -EPROTO;
}

int parse_binding(const struct nlmsghdr *nlh, struct binding_info *bi)
{
	int ret;

	memset(bi, 0, sizeof(*bi));
	bi->mode = bi->lib_mode = -1;
	ret = binding_attrs(nlh, bi);
	if (ret)
		binding_free(bi);
	return ret;
}

void binding_free(struct binding_info *bi)
{
	size_t i;

	free(bi->name);
	free(bi->set);
	for (i = 0; i < bi->nexcs; i++)
		free(bi->excs[i].path);
	free(bi->excs);
	bi->name = bi->set = NULL;
	bi->excs = NULL;
	bi->nexcs = 0;
}

static int event_attrs(const struct nlmsghdr *nlh, struct event_info *ev)
{
	const struct nlattr *a;

	TRY(check_msg(nlh));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case DRIFT_A_EVENT_TIME_NS:
			NEED(is_u64(a));
			ev->time_ns = get_u64(a);
			ev->has_time = true;
			break;
		case DRIFT_A_CGROUP_ID:
			NEED(is_u64(a));
			ev->cgid = get_u64(a);
			ev->has_cgid = true;
			break;
		case DRIFT_A_BINDING_NAME:
			TRY(get_str(a, &ev->binding));
			break;
		case DRIFT_A_SET_NAME:
			TRY(get_str(a, &ev->set));
			break;
		case DRIFT_A_EVENT_PID:
			NEED(is_u32(a));
			ev->pid = get_u32(a);
			ev->has_pid = true;
			break;
		case DRIFT_A_EVENT_PPID:
			NEED(is_u32(a));
			ev->ppid = get_u32(a);
			ev->has_ppid = true;
			break;
		case DRIFT_A_EVENT_UID:
			NEED(is_u32(a));
			ev->uid = get_u32(a);
			ev->has_uid = true;
			break;
		case DRIFT_A_EVENT_COMM:
			TRY(get_str(a, &ev->comm));
			break;
		case DRIFT_A_EVENT_PATH:
			TRY(get_str(a, &ev->path));
			break;
		case DRIFT_A_EVENT_FILE:
			NEED(mnl_attr_get_payload_len(a) == sizeof(ev->file));
			memcpy(&ev->file, mnl_attr_get_payload(a), sizeof(ev->file));
			ev->has_file = true;
			break;
		case DRIFT_A_EVENT_REASON:
			NEED(is_u8(a));
			ev->reason = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_EVENT_ACTION:
			NEED(is_u8(a));
			ev->action = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_MODE:
			NEED(is_u8(a));
			ev->mode = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_EVENT_OP:
			NEED(is_u8(a));
			ev->op = mnl_attr_get_u8(a);
			break;
		case DRIFT_A_EVENT_SUPPRESSED:
			NEED(is_u32(a));
			ev->suppressed = get_u32(a);
			ev->has_suppressed = true;
			break;
		default:
			break;
		}
	}
	return 0;
}

int parse_event(const struct nlmsghdr *nlh, struct event_info *ev)
{
	int ret;

	memset(ev, 0, sizeof(*ev));
	ev->reason = ev->action = ev->mode = ev->op = -1;
	ret = event_attrs(nlh, ev);
	if (ret)
		event_free(ev);
	return ret;
}

void event_free(struct event_info *ev)
{
	free(ev->binding);
	free(ev->set);
	free(ev->comm);
	free(ev->path);
	ev->binding = ev->set = ev->comm = ev->path = NULL;
}

static int commit_attrs(const struct nlmsghdr *nlh, struct commit_info *ci)
{
	const struct nlattr *a;

	TRY(check_msg(nlh));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case DRIFT_A_SET_NAME:
			TRY(get_str(a, &ci->name));
			break;
		case DRIFT_A_SET_ENTRY_COUNT:
			NEED(is_u32(a));
			ci->count = get_u32(a);
			ci->has_count = true;
			break;
		default:
			break;
		}
	}
	return 0;
}

int parse_commit(const struct nlmsghdr *nlh, struct commit_info *ci)
{
	int ret;

	memset(ci, 0, sizeof(*ci));
	ret = commit_attrs(nlh, ci);
	if (ret)
		commit_free(ci);
	return ret;
}

void commit_free(struct commit_info *ci)
{
	free(ci->name);
	ci->name = NULL;
}

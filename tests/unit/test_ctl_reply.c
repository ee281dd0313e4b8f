/*
 * Unit tests: ctl/reply.c (replies and events) and the pure parts of
 * ctl/nl.c (nl_process, nl_parse_family), with crafted and malformed
 * messages.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "driftctl.h"

#define FAM 0x1234
#define SEQ 77
#define PORT 4242

static unsigned char buf[16384] __attribute__((aligned(8)));

static struct nlmsghdr *start(void *b, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(b, 0, 4096);
	nlh = mnl_nlmsg_put_header(b);
	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORT;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = DRIFT_GENL_VERSION;
	return nlh;
}

static void put_stats(struct nlmsghdr *nlh, uint64_t base)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, DRIFT_A_STATS);

	for (int i = DRIFT_STAT_EXECS_CHECKED; i <= DRIFT_STAT_MAX; i++)
		mnl_attr_put_u64(nlh, (uint16_t)i, base + (uint64_t)i);
	mnl_attr_put_u64(nlh, DRIFT_STAT_MAX + 5, 1);	/* newer: ignored */
	mnl_attr_nest_end(nlh, n);
}

/* ---- status ------------------------------------------------------------ */

static struct nlmsghdr *status_msg(void)
{
	struct nlmsghdr *nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);

	mnl_attr_put_strz(nlh, DRIFT_A_VERSION, "0.1.0");
	mnl_attr_put_u8(nlh, DRIFT_A_DEFAULT_MODE, DRIFT_MODE_AUDIT);
	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "base");
	mnl_attr_put_u8(nlh, DRIFT_A_LOCKED, 1);
	mnl_attr_put_u8(nlh, DRIFT_A_SELFTEST, 1);
	mnl_attr_put_u64(nlh, DRIFT_A_SELFTEST_NS, 1795429688501859770ULL);
	mnl_attr_put_u32(nlh, DRIFT_A_SET_COUNT, 3);
	mnl_attr_put_u32(nlh, DRIFT_A_BINDING_COUNT, 4);
	mnl_attr_put_u64(nlh, DRIFT_A_MEMORY, 123456789);
	mnl_attr_put_u32(nlh, DRIFT_A_EVENT_RATE, 100);
	mnl_attr_put_u32(nlh, DRIFT_A_EVENT_BURST, 200);
	mnl_attr_put_u32(nlh, DRIFT_A_MAX + 10, 5);	/* unknown: ignored */
	put_stats(nlh, 1000);
	return nlh;
}

START_TEST(t_status)
{
	struct status_info st;

	ck_assert_int_eq(parse_status(status_msg(), &st), 0);
	ck_assert_str_eq(st.version, "0.1.0");
	ck_assert_int_eq(st.default_mode, DRIFT_MODE_AUDIT);
	ck_assert_str_eq(st.default_set, "base");
	ck_assert_int_eq(st.locked, 1);
	ck_assert_int_eq(st.selftest, 1);
	ck_assert(st.has_selftest_ns &&
		  st.selftest_ns == 1795429688501859770ULL);
	ck_assert(st.has_sets && st.sets == 3);
	ck_assert(st.has_bindings && st.bindings == 4);
	ck_assert(st.has_memory && st.memory == 123456789);
	ck_assert(st.has_rate && st.rate == 100);
	ck_assert(st.has_burst && st.burst == 200);
	ck_assert(!st.stats.has[DRIFT_STAT_PAD]);
	for (int i = DRIFT_STAT_EXECS_CHECKED; i <= DRIFT_STAT_MAX; i++) {
		ck_assert(st.stats.has[i]);
		ck_assert_uint_eq(st.stats.v[i], 1000 + (uint64_t)i);
	}
	status_free(&st);

	/* minimal: absent values are marked absent */
	start(buf, FAM, DRIFT_CMD_GET_STATUS);
	ck_assert_int_eq(parse_status((struct nlmsghdr *)buf, &st), 0);
	ck_assert_ptr_null(st.version);
	ck_assert_ptr_null(st.default_set);
	ck_assert_int_eq(st.default_mode, -1);
	ck_assert_int_eq(st.locked, -1);
	ck_assert_int_eq(st.selftest, -1);
	ck_assert(!st.has_selftest_ns);
	ck_assert(!st.has_sets && !st.has_memory);
	status_free(&st);
}
END_TEST

/* Every malformed status must be -EPROTO and leak nothing (ASan). */
START_TEST(t_status_malformed)
{
	struct status_info st;
	struct nlmsghdr *nlh;
	struct nlattr *a;

	/* u32 where a u8 is expected */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	mnl_attr_put_strz(nlh, DRIFT_A_VERSION, "x");
	mnl_attr_put_u32(nlh, DRIFT_A_DEFAULT_MODE, 1);
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* u8 where a u64 is expected */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	mnl_attr_put_u8(nlh, DRIFT_A_MEMORY, 1);
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* unterminated string */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	mnl_attr_put(nlh, DRIFT_A_VERSION, 4, "abcd");
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* empty string attribute */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	mnl_attr_put(nlh, DRIFT_A_VERSION, 0, NULL);
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* a string after a good one (the first copy must be freed) */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	mnl_attr_put_strz(nlh, DRIFT_A_VERSION, "first");
	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "set");
	mnl_attr_put(nlh, DRIFT_A_VERSION, 3, "bad");
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* attribute length runs past the message */
	nlh = status_msg();
	a = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	a->nla_len = (uint16_t)(nlh->nlmsg_len + 64);
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* attribute length smaller than its header */
	nlh = status_msg();
	a = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	a->nla_len = 2;
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* message truncated in the middle of the last attribute */
	nlh = status_msg();
	nlh->nlmsg_len -= 6;
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* trailing bytes that are not an attribute */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	mnl_attr_put_u32(nlh, DRIFT_A_SET_COUNT, 1);
	nlh->nlmsg_len += 2;
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* shorter than the genl header */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* a stat of the wrong size inside the nest */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	a = mnl_attr_nest_start(nlh, DRIFT_A_STATS);
	mnl_attr_put_u32(nlh, DRIFT_STAT_EXECS_DENIED, 1);
	mnl_attr_nest_end(nlh, a);
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);

	/* a nest whose inner attribute overruns it */
	nlh = start(buf, FAM, DRIFT_CMD_GET_STATUS);
	a = mnl_attr_nest_start(nlh, DRIFT_A_STATS);
	mnl_attr_put_u64(nlh, DRIFT_STAT_EXECS_DENIED, 1);
	mnl_attr_put_u64(nlh, DRIFT_STAT_EXECS_ALLOWED, 1);
	mnl_attr_nest_end(nlh, a);
	mnl_attr_put_u32(nlh, DRIFT_A_SET_COUNT, 1);
	a->nla_len -= 8;	/* cuts the second stat in half */
	ck_assert_int_eq(parse_status(nlh, &st), -EPROTO);
	status_free(&st);
}
END_TEST

/* ---- sets, commit ---------------------------------------------------------- */

static struct nlattr *includes_nest;

/* A GET_SET reply "s" with DRIFT_A_SET_INCLUDES = A, B (each if not NULL;
 * a DRIFT_A_SET_REFS between them, which the nest's reader ignores). */
static struct nlmsghdr *includes_msg(const char *a, const char *b)
{
	struct nlmsghdr *nlh = start(buf, FAM, DRIFT_CMD_GET_SET);

	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "s");
	includes_nest = mnl_attr_nest_start(nlh, DRIFT_A_SET_INCLUDES);
	if (a)
		mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, a);
	if (a && b)
		mnl_attr_put_u32(nlh, DRIFT_A_SET_REFS, 9);
	if (b)
		mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, b);
	mnl_attr_nest_end(nlh, includes_nest);
	return nlh;
}

START_TEST(t_set_commit)
{
	struct set_info si;
	struct commit_info ci;
	struct nlmsghdr *nlh;

	nlh = start(buf, FAM, DRIFT_CMD_GET_SET);
	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "img");
	mnl_attr_put_u32(nlh, DRIFT_A_SET_ENTRY_COUNT, 929);
	mnl_attr_put_u32(nlh, DRIFT_A_SET_REFS, 2);
	mnl_attr_put_u64(nlh, DRIFT_A_MEMORY, 68072);
	mnl_attr_put_u64(nlh, DRIFT_A_SET_LOADED_NS, 1795429862707164680ULL);
	ck_assert_int_eq(parse_set(nlh, &si), 0);
	ck_assert_str_eq(si.name, "img");
	ck_assert(si.has_entries && si.entries == 929);
	ck_assert(si.has_refs && si.refs == 2);
	ck_assert(si.has_memory && si.memory == 68072);
	ck_assert(si.has_loaded && si.loaded_ns == 1795429862707164680ULL);
	ck_assert(!si.has_own);
	ck_assert_uint_eq(si.nincludes, 0);
	ck_assert_ptr_null(si.includes);
	set_info_free(&si);

	/* own entries and includes (an image set that includes layer sets) */
	nlh = includes_msg("drift-layer-a", "drift-layer-b");
	mnl_attr_put_u32(nlh, DRIFT_A_SET_ENTRY_COUNT, 30);
	mnl_attr_put_u32(nlh, DRIFT_A_SET_OWN_COUNT, 2);
	ck_assert_int_eq(parse_set(nlh, &si), 0);
	ck_assert(si.has_entries && si.entries == 30);
	ck_assert(si.has_own && si.own == 2);
	ck_assert_uint_eq(si.nincludes, 2);
	ck_assert_str_eq(si.includes[0], "drift-layer-a");
	ck_assert_str_eq(si.includes[1], "drift-layer-b");
	set_info_free(&si);
	ck_assert_ptr_null(si.includes);
	/* an empty nest: no includes */
	nlh = includes_msg(NULL, NULL);
	ck_assert_int_eq(parse_set(nlh, &si), 0);
	ck_assert_uint_eq(si.nincludes, 0);
	set_info_free(&si);
	/* malformed: an unterminated name in the nest, a nest whose last
	 * attribute runs past its end, an own count of the wrong size */
	nlh = includes_msg("abc", NULL);
	/* "abc\0" -> "abcd" */
	((char *)mnl_attr_get_payload(mnl_attr_get_payload(includes_nest)))[3] = 'd';
	ck_assert_int_eq(parse_set(nlh, &si), -EPROTO);
	set_info_free(&si);
	ck_assert_ptr_null(si.includes);
	nlh = includes_msg("abcdefg", NULL);
	includes_nest->nla_len -= 4;
	ck_assert_int_eq(parse_set(nlh, &si), -EPROTO);
	set_info_free(&si);
	nlh = includes_msg(NULL, NULL);
	mnl_attr_put_u64(nlh, DRIFT_A_SET_OWN_COUNT, 2);
	ck_assert_int_eq(parse_set(nlh, &si), -EPROTO);
	set_info_free(&si);

	/* a set needs a name */
	nlh = start(buf, FAM, DRIFT_CMD_GET_SET);
	mnl_attr_put_u32(nlh, DRIFT_A_SET_ENTRY_COUNT, 1);
	ck_assert_int_eq(parse_set(nlh, &si), -EPROTO);
	set_info_free(&si);
	nlh = start(buf, FAM, DRIFT_CMD_GET_SET);
	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "img");
	mnl_attr_put_u64(nlh, DRIFT_A_SET_REFS, 2);
	ck_assert_int_eq(parse_set(nlh, &si), -EPROTO);
	set_info_free(&si);

	nlh = start(buf, FAM, DRIFT_CMD_SET_COMMIT);
	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "img");
	mnl_attr_put_u32(nlh, DRIFT_A_SET_ENTRY_COUNT, 7);
	ck_assert_int_eq(parse_commit(nlh, &ci), 0);
	ck_assert_str_eq(ci.name, "img");
	ck_assert(ci.has_count && ci.count == 7);
	commit_free(&ci);
	nlh = start(buf, FAM, DRIFT_CMD_SET_COMMIT);
	mnl_attr_put_u16(nlh, DRIFT_A_SET_ENTRY_COUNT, 7);
	ck_assert_int_eq(parse_commit(nlh, &ci), -EPROTO);
	commit_free(&ci);
}
END_TEST

/* ---- bindings ---------------------------------------------------------------- */

static struct nlmsghdr *binding_msg(int nexc)
{
	struct nlmsghdr *nlh = start(buf, FAM, DRIFT_CMD_GET_BINDING);
	struct drift_file_id id = { .ino = 19, .dev_major = 0, .dev_minor = 40 };
	struct nlattr *l, *e;

	mnl_attr_put_u64(nlh, DRIFT_A_CGROUP_ID, 23);
	mnl_attr_put_strz(nlh, DRIFT_A_BINDING_NAME, "ct1");
	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "img1");
	mnl_attr_put_u8(nlh, DRIFT_A_MODE, DRIFT_MODE_ENFORCE);
	mnl_attr_put_u8(nlh, DRIFT_A_LIB_MODE, DRIFT_MODE_AUDIT);
	mnl_attr_put_u32(nlh, DRIFT_A_BIND_FLAGS, DRIFT_BIND_F_FILELESS_MAP);
	put_stats(nlh, 0);
	l = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTIONS);
	for (int i = 0; i < nexc; i++) {
		e = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTION);
		if (i % 2) {
			mnl_attr_put_u8(nlh, DRIFT_EXC_A_TYPE, DRIFT_EXC_FILE);
			id.ino = 19 + (uint64_t)i;
			mnl_attr_put(nlh, DRIFT_EXC_A_FILE, sizeof(id), &id);
		} else {
			mnl_attr_put_u8(nlh, DRIFT_EXC_A_TYPE,
					DRIFT_EXC_PATH_PREFIX);
			mnl_attr_put_strz(nlh, DRIFT_EXC_A_PATH, "/opt/");
		}
		mnl_attr_nest_end(nlh, e);
	}
	mnl_attr_nest_end(nlh, l);
	return nlh;
}

START_TEST(t_binding)
{
	struct binding_info bi;
	struct nlmsghdr *nlh;
	struct nlattr *l, *e;

	ck_assert_int_eq(parse_binding(binding_msg(DRIFT_MAX_EXCEPTIONS), &bi), 0);
	ck_assert(bi.has_cgid && bi.cgid == 23);
	ck_assert_str_eq(bi.name, "ct1");
	ck_assert_str_eq(bi.set, "img1");
	ck_assert_int_eq(bi.mode, DRIFT_MODE_ENFORCE);
	ck_assert_int_eq(bi.lib_mode, DRIFT_MODE_AUDIT);
	ck_assert(bi.has_flags && bi.flags == DRIFT_BIND_F_FILELESS_MAP);
	ck_assert_uint_eq(bi.nexcs, DRIFT_MAX_EXCEPTIONS);
	ck_assert_int_eq(bi.excs[0].type, DRIFT_EXC_PATH_PREFIX);
	ck_assert_str_eq(bi.excs[0].path, "/opt/");
	ck_assert_int_eq(bi.excs[1].type, DRIFT_EXC_FILE);
	ck_assert(bi.excs[1].has_file);
	ck_assert_uint_eq(bi.excs[1].file.ino, 20);
	ck_assert_uint_eq(bi.excs[1].file.dev_minor, 40);
	ck_assert(bi.stats.has[DRIFT_STAT_EXECS_DENIED]);
	binding_free(&bi);

	ck_assert_int_eq(parse_binding(binding_msg(0), &bi), 0);
	ck_assert_uint_eq(bi.nexcs, 0);
	binding_free(&bi);

	/* no cgroup id */
	nlh = start(buf, FAM, DRIFT_CMD_GET_BINDING);
	mnl_attr_put_strz(nlh, DRIFT_A_BINDING_NAME, "x");
	ck_assert_int_eq(parse_binding(nlh, &bi), -EPROTO);
	binding_free(&bi);

	/* an exception file of the wrong size */
	nlh = start(buf, FAM, DRIFT_CMD_GET_BINDING);
	mnl_attr_put_u64(nlh, DRIFT_A_CGROUP_ID, 1);
	l = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTIONS);
	e = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(nlh, DRIFT_EXC_A_TYPE, DRIFT_EXC_FILE);
	mnl_attr_put(nlh, DRIFT_EXC_A_FILE, 8, "12345678");
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, l);
	ck_assert_int_eq(parse_binding(nlh, &bi), -EPROTO);
	binding_free(&bi);

	/* an unterminated exception path, after a good exception */
	nlh = start(buf, FAM, DRIFT_CMD_GET_BINDING);
	mnl_attr_put_u64(nlh, DRIFT_A_CGROUP_ID, 1);
	l = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTIONS);
	e = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(nlh, DRIFT_EXC_A_TYPE, DRIFT_EXC_PATH_PREFIX);
	mnl_attr_put_strz(nlh, DRIFT_EXC_A_PATH, "/good/");
	mnl_attr_nest_end(nlh, e);
	e = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTION);
	mnl_attr_put(nlh, DRIFT_EXC_A_PATH, 4, "/bad");
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, l);
	ck_assert_int_eq(parse_binding(nlh, &bi), -EPROTO);
	binding_free(&bi);

	/* the exception list repeated: the second one wins, nothing leaks */
	nlh = binding_msg(3);
	l = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTIONS);
	e = mnl_attr_nest_start(nlh, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(nlh, DRIFT_EXC_A_TYPE, DRIFT_EXC_PATH_PREFIX);
	mnl_attr_put_strz(nlh, DRIFT_EXC_A_PATH, "/again/");
	mnl_attr_nest_end(nlh, e);
	mnl_attr_nest_end(nlh, l);
	ck_assert_int_eq(parse_binding(nlh, &bi), 0);
	ck_assert_uint_eq(bi.nexcs, 1);
	ck_assert_str_eq(bi.excs[0].path, "/again/");
	binding_free(&bi);

	/* an exception list cut short by the message length */
	nlh = binding_msg(4);
	nlh->nlmsg_len -= 12;
	ck_assert_int_eq(parse_binding(nlh, &bi), -EPROTO);
	binding_free(&bi);
}
END_TEST

/* ---- events -------------------------------------------------------------- */

START_TEST(t_event)
{
	struct drift_file_id f = { .ino = 27, .dev_major = 0, .dev_minor = 40 };
	struct event_info ev;
	struct nlmsghdr *nlh;

	nlh = start(buf, FAM, DRIFT_CMD_EVENT);
	nlh->nlmsg_seq = 0;
	nlh->nlmsg_pid = 0;
	mnl_attr_put_u64(nlh, DRIFT_A_EVENT_TIME_NS, 1795429688501859770ULL);
	mnl_attr_put_u64(nlh, DRIFT_A_CGROUP_ID, 23);
	mnl_attr_put_strz(nlh, DRIFT_A_BINDING_NAME, "ct1");
	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "img1");
	mnl_attr_put_u32(nlh, DRIFT_A_EVENT_PID, 213);
	mnl_attr_put_u32(nlh, DRIFT_A_EVENT_PPID, 210);
	mnl_attr_put_u32(nlh, DRIFT_A_EVENT_UID, 0);
	mnl_attr_put_strz(nlh, DRIFT_A_EVENT_COMM, "sh");
	mnl_attr_put_strz(nlh, DRIFT_A_EVENT_PATH, "/memfd:x (deleted)");
	mnl_attr_put(nlh, DRIFT_A_EVENT_FILE, sizeof(f), &f);
	mnl_attr_put_u8(nlh, DRIFT_A_EVENT_REASON, DRIFT_REASON_FILELESS);
	mnl_attr_put_u8(nlh, DRIFT_A_EVENT_ACTION, DRIFT_ACTION_DENY);
	mnl_attr_put_u8(nlh, DRIFT_A_MODE, DRIFT_MODE_ENFORCE);
	mnl_attr_put_u8(nlh, DRIFT_A_EVENT_OP, DRIFT_OP_MPROTECT);
	mnl_attr_put_u32(nlh, DRIFT_A_EVENT_SUPPRESSED, 5);
	ck_assert_int_eq(parse_event(nlh, &ev), 0);
	ck_assert(ev.has_time && ev.time_ns == 1795429688501859770ULL);
	ck_assert(ev.has_cgid && ev.cgid == 23);
	ck_assert_str_eq(ev.binding, "ct1");
	ck_assert_str_eq(ev.set, "img1");
	ck_assert(ev.has_pid && ev.pid == 213);
	ck_assert(ev.has_ppid && ev.ppid == 210);
	ck_assert(ev.has_uid && ev.uid == 0);
	ck_assert_str_eq(ev.comm, "sh");
	ck_assert_str_eq(ev.path, "/memfd:x (deleted)");
	ck_assert(ev.has_file && ev.file.ino == 27);
	ck_assert_int_eq(ev.reason, DRIFT_REASON_FILELESS);
	ck_assert_int_eq(ev.action, DRIFT_ACTION_DENY);
	ck_assert_int_eq(ev.mode, DRIFT_MODE_ENFORCE);
	ck_assert_int_eq(ev.op, DRIFT_OP_MPROTECT);
	ck_assert(ev.has_suppressed && ev.suppressed == 5);
	event_free(&ev);

	/* the default policy: no binding name; absent values */
	nlh = start(buf, FAM, DRIFT_CMD_EVENT);
	mnl_attr_put_u64(nlh, DRIFT_A_CGROUP_ID, 1);
	ck_assert_int_eq(parse_event(nlh, &ev), 0);
	ck_assert_ptr_null(ev.binding);
	ck_assert_int_eq(ev.reason, -1);
	ck_assert_int_eq(ev.action, -1);
	ck_assert_int_eq(ev.mode, -1);
	ck_assert_int_eq(ev.op, -1);
	ck_assert(!ev.has_file && !ev.has_pid);
	event_free(&ev);

	/* malformed: wrong sizes, short file id, unterminated comm */
	nlh = start(buf, FAM, DRIFT_CMD_EVENT);
	mnl_attr_put_u32(nlh, DRIFT_A_EVENT_TIME_NS, 1);
	ck_assert_int_eq(parse_event(nlh, &ev), -EPROTO);
	event_free(&ev);
	nlh = start(buf, FAM, DRIFT_CMD_EVENT);
	mnl_attr_put_strz(nlh, DRIFT_A_EVENT_PATH, "/x");
	mnl_attr_put(nlh, DRIFT_A_EVENT_FILE, sizeof(f) - 8, &f);
	ck_assert_int_eq(parse_event(nlh, &ev), -EPROTO);
	event_free(&ev);
	nlh = start(buf, FAM, DRIFT_CMD_EVENT);
	mnl_attr_put_strz(nlh, DRIFT_A_EVENT_PATH, "/x");
	mnl_attr_put(nlh, DRIFT_A_EVENT_COMM, 2, "sh");
	ck_assert_int_eq(parse_event(nlh, &ev), -EPROTO);
	event_free(&ev);
	nlh = start(buf, FAM, DRIFT_CMD_EVENT);
	mnl_attr_put_u16(nlh, DRIFT_A_EVENT_REASON, 1);
	ck_assert_int_eq(parse_event(nlh, &ev), -EPROTO);
	event_free(&ev);
}
END_TEST

/* ---- nl_process ------------------------------------------------------------ */

struct cb_ctx {
	int calls;
	int ret;		/* what the callback returns */
	uint8_t cmds[16];
};

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cb_ctx *c = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (c->calls < 16)
		c->cmds[c->calls] = g->cmd;
	c->calls++;
	return c->ret;
}

/* Appends a message at *off; returns it. */
static struct nlmsghdr *append(size_t *off, uint16_t type, uint16_t flags,
			       uint32_t seq, uint32_t pid)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	return nlh;
}

static void done(size_t *off, struct nlmsghdr *nlh)
{
	*off += NLMSG_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *fam_msg(size_t *off, uint8_t cmd, uint32_t seq)
{
	struct nlmsghdr *nlh = append(off, FAM, NLM_F_MULTI, seq, PORT);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	mnl_attr_put_strz(nlh, DRIFT_A_SET_NAME, "x");
	done(off, nlh);
	return nlh;
}

/* NLMSG_ERROR with `error`; capped or with the request echoed; extack. */
static void err_msg(size_t *off, int error, bool capped, const char *text,
		    uint32_t offs, int miss)
{
	struct nlmsghdr *nlh = append(off, NLMSG_ERROR, 0, SEQ, PORT);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = error;
	e->msg.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + 8;
	e->msg.nlmsg_type = FAM;
	e->msg.nlmsg_seq = SEQ;
	if (capped) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	} else {
		/* the echoed request body after the header */
		mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN + 8);
	}
	if (text || offs || miss >= 0)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	if (offs)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, offs);
	if (miss >= 0)
		mnl_attr_put_u32(nlh, 5 /* NLMSGERR_ATTR_MISS_TYPE */,
				 (uint32_t)miss);
	done(off, nlh);
}

START_TEST(t_process_ack)
{
	struct nl_err err = { .miss_type = -1 };
	struct cb_ctx c = { .ret = MNL_CB_OK };
	size_t off = 0;

	memset(buf, 0, sizeof(buf));
	fam_msg(&off, DRIFT_CMD_SET_COMMIT, SEQ);
	err_msg(&off, 0, true, NULL, 0, -1);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_uint_eq(c.cmds[0], DRIFT_CMD_SET_COMMIT);
	ck_assert_int_eq(err.error, 0);
	ck_assert_ptr_null(err.msg);

	/* a family message alone: more to come */
	off = 0;
	c.calls = 0;
	fam_msg(&off, DRIFT_CMD_GET_SET, SEQ);
	fam_msg(&off, DRIFT_CMD_GET_SET, SEQ);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), 1);
	ck_assert_int_eq(c.calls, 2);

	/* NULL callback is allowed */
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, NULL, NULL,
				    &err), 1);

	/* stale replies (other seq or port) and other types are skipped */
	off = 0;
	c.calls = 0;
	fam_msg(&off, DRIFT_CMD_GET_SET, SEQ - 1);
	err_msg(&off, -ENOENT, true, "old", 0, -1);
	((struct nlmsghdr *)buf)->nlmsg_seq = SEQ - 1;
	{
		struct nlmsghdr *e = (struct nlmsghdr *)(buf + NLMSG_ALIGN(
			((struct nlmsghdr *)buf)->nlmsg_len));

		e->nlmsg_seq = SEQ - 1;
	}
	{
		struct nlmsghdr *nlh = append(&off, FAM + 1, 0, SEQ, PORT);
		struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh,
								  sizeof(*g));

		g->cmd = 99;
		done(&off, nlh);
		nlh = append(&off, NLMSG_NOOP, 0, SEQ, PORT);
		done(&off, nlh);
		nlh = append(&off, FAM, 0, SEQ, PORT + 1);	/* other port */
		mnl_nlmsg_put_extra_header(nlh, GENL_HDRLEN);
		done(&off, nlh);
	}
	fam_msg(&off, DRIFT_CMD_BIND, SEQ);
	err_msg(&off, 0, true, NULL, 0, -1);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_uint_eq(c.cmds[0], DRIFT_CMD_BIND);
	ck_assert_int_eq(err.error, 0);

	/* MNL_CB_STOP ends it; MNL_CB_ERROR is -EPROTO */
	off = 0;
	c = (struct cb_ctx){ .ret = MNL_CB_STOP };
	fam_msg(&off, DRIFT_CMD_GET_SET, SEQ);
	fam_msg(&off, DRIFT_CMD_GET_SET, SEQ);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), 0);
	ck_assert_int_eq(c.calls, 1);
	c = (struct cb_ctx){ .ret = MNL_CB_ERROR };
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);
	nl_err_reset(&err);
}
END_TEST

START_TEST(t_process_errors)
{
	struct nl_err err = { .miss_type = -1 };
	struct cb_ctx c = { .ret = MNL_CB_OK };
	size_t off = 0;

	/* capped error with an extack message, offset, missing type */
	memset(buf, 0, sizeof(buf));
	err_msg(&off, -EINVAL, true, "a default mode other than off needs "
		"a default set", 24, DRIFT_A_SET_NAME);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EINVAL);
	ck_assert_int_eq(err.error, EINVAL);
	ck_assert_str_eq(err.msg, "a default mode other than off needs a "
			 "default set");
	ck_assert_uint_eq(err.offs, 24);
	ck_assert_int_eq(err.miss_type, DRIFT_A_SET_NAME);

	/* not capped: the TLVs follow the echoed request */
	off = 0;
	err_msg(&off, -EEXIST, false, "cgroup already bound", 0, -1);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EEXIST);
	ck_assert_str_eq(err.msg, "cgroup already bound");
	ck_assert_uint_eq(err.offs, 0);
	ck_assert_int_eq(err.miss_type, -1);

	/* no extack at all */
	off = 0;
	err_msg(&off, -EPERM, true, NULL, 0, -1);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPERM);
	ck_assert_ptr_null(err.msg);
	ck_assert_int_eq(err.error, EPERM);

	/* an unterminated extack string is still taken, bounded */
	off = 0;
	{
		struct nlmsghdr *nlh = append(&off, NLMSG_ERROR,
					      NLM_F_CAPPED | NLM_F_ACK_TLVS,
					      SEQ, PORT);
		struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh,
								sizeof(*e));

		e->error = -ENOENT;
		mnl_attr_put(nlh, NLMSGERR_ATTR_MSG, 5, "nosuc");
		done(&off, nlh);
	}
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -ENOENT);
	ck_assert_str_eq(err.msg, "nosuc");

	/* an error message too short for struct nlmsgerr */
	off = 0;
	{
		struct nlmsghdr *nlh = append(&off, NLMSG_ERROR, 0, SEQ, PORT);

		mnl_nlmsg_put_extra_header(nlh, 4);
		done(&off, nlh);
	}
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);

	/* a positive "errno" is nonsense */
	off = 0;
	err_msg(&off, 5, true, NULL, 0, -1);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);

	/* an echoed request longer than the error message */
	off = 0;
	err_msg(&off, -EINVAL, false, "x", 0, -1);
	((struct nlmsgerr *)mnl_nlmsg_get_payload(
		(struct nlmsghdr *)buf))->msg.nlmsg_len = 60000;
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EINVAL);
	ck_assert_ptr_null(err.msg);

	/* TLVs that overrun: ignored, the error stays */
	off = 0;
	err_msg(&off, -EBUSY, true, "busy", 0, -1);
	{
		struct nlattr *a = (struct nlattr *)(buf + NLMSG_HDRLEN +
						     sizeof(struct nlmsgerr));

		a->nla_len = 200;
	}
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EBUSY);
	ck_assert_ptr_null(err.msg);
	nl_err_reset(&err);
	ck_assert_int_eq(err.error, 0);
	ck_assert_int_eq(err.miss_type, -1);
}
END_TEST

START_TEST(t_process_dump)
{
	struct nl_err err = { .miss_type = -1 };
	struct cb_ctx c = { .ret = MNL_CB_OK };
	struct nlmsghdr *nlh;
	size_t off = 0;
	int v;

	memset(buf, 0, sizeof(buf));
	for (int i = 0; i < 5; i++)
		fam_msg(&off, DRIFT_CMD_GET_BINDING, SEQ);
	nlh = append(&off, NLMSG_DONE, NLM_F_MULTI, SEQ, PORT);
	v = 0;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(v)), &v, sizeof(v));
	done(&off, nlh);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), 0);
	ck_assert_int_eq(c.calls, 5);

	/* DONE without payload (old kernels) */
	off = 0;
	nlh = append(&off, NLMSG_DONE, NLM_F_MULTI, SEQ, PORT);
	done(&off, nlh);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), 0);

	/* a dump that failed, with an extack message after the error */
	off = 0;
	nlh = append(&off, NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, SEQ, PORT);
	v = -EMSGSIZE;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(v)), &v, sizeof(v));
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump failed");
	done(&off, nlh);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EMSGSIZE);
	ck_assert_int_eq(err.error, EMSGSIZE);
	ck_assert_str_eq(err.msg, "dump failed");
	nl_err_reset(&err);
}
END_TEST

START_TEST(t_process_malformed)
{
	struct nl_err err = { .miss_type = -1 };
	struct cb_ctx c = { .ret = MNL_CB_OK };
	struct nlmsghdr *nlh;
	size_t off = 0;

	memset(buf, 0, sizeof(buf));
	/* empty datagram, datagram shorter than a header */
	ck_assert_int_eq(nl_process(buf, 0, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);
	ck_assert_int_eq(nl_process(buf, 8, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);
	ck_assert_int_eq(nl_process(NULL, 100, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);

	/* nlmsg_len past the datagram */
	fam_msg(&off, DRIFT_CMD_GET_SET, SEQ);
	ck_assert_int_eq(nl_process(buf, off - 4, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);
	/* nlmsg_len smaller than the header */
	((struct nlmsghdr *)buf)->nlmsg_len = 8;
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);

	/* a good message followed by garbage */
	off = 0;
	fam_msg(&off, DRIFT_CMD_GET_SET, SEQ);
	memset(buf + off, 0xff, 6);
	ck_assert_int_eq(nl_process(buf, off + 6, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);

	/* a family message without a genl header */
	off = 0;
	nlh = append(&off, FAM, 0, SEQ, PORT);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;	/* genl header cut short */
	done(&off, nlh);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);

	/* an overrun */
	off = 0;
	nlh = append(&off, NLMSG_OVERRUN, 0, SEQ, PORT);
	done(&off, nlh);
	ck_assert_int_eq(nl_process(buf, off, SEQ, PORT, FAM, count_cb, &c,
				    &err), -EPROTO);
	/* only the good message before the garbage reached the callback */
	ck_assert_int_eq(c.calls, 1);
	nl_err_reset(&err);
}
END_TEST

/* ---- nl_parse_family ----------------------------------------------------- */

static struct nlmsghdr *family_msg(bool groups, bool events)
{
	struct nlmsghdr *nlh = start(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	struct nlattr *l, *g;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, DRIFT_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x22);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MAXATTR, DRIFT_A_MAX);
	if (groups) {
		l = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
		g = mnl_attr_nest_start(nlh, 1);
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 9);
		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
		mnl_attr_nest_end(nlh, g);
		if (events) {
			g = mnl_attr_nest_start(nlh, 2);
			mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME,
					  DRIFT_GENL_MCGRP_EVENTS);
			mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 11);
			mnl_attr_nest_end(nlh, g);
		}
		mnl_attr_nest_end(nlh, l);
	}
	return nlh;
}

START_TEST(t_family)
{
	struct nl_family f;
	struct nlmsghdr *nlh;

	ck_assert_int_eq(nl_parse_family(family_msg(true, true), "events", &f), 0);
	ck_assert_uint_eq(f.id, 0x22);
	ck_assert_uint_eq(f.version, 1);
	ck_assert_uint_eq(f.events_grp, 11);
	ck_assert_int_eq(nl_parse_family(family_msg(true, true), NULL, &f), 0);
	ck_assert_uint_eq(f.events_grp, 0);
	ck_assert_int_eq(nl_parse_family(family_msg(true, false), "events", &f), 0);
	ck_assert_uint_eq(f.id, 0x22);
	ck_assert_uint_eq(f.events_grp, 0);
	ck_assert_int_eq(nl_parse_family(family_msg(false, false), "events", &f), 0);
	ck_assert_uint_eq(f.events_grp, 0);

	/* no family id */
	nlh = start(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "drift");
	ck_assert_int_eq(nl_parse_family(nlh, "events", &f), -EPROTO);
	/* wrong command */
	nlh = family_msg(true, true);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = CTRL_CMD_DELFAMILY;
	ck_assert_int_eq(nl_parse_family(nlh, "events", &f), -EPROTO);
	/* family id of the wrong size */
	nlh = start(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_u32(nlh, CTRL_ATTR_FAMILY_ID, 0x22);
	ck_assert_int_eq(nl_parse_family(nlh, "events", &f), -EPROTO);
	/* a group id of the wrong size */
	nlh = start(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x22);
	{
		struct nlattr *l = mnl_attr_nest_start(nlh,
						       CTRL_ATTR_MCAST_GROUPS);
		struct nlattr *g = mnl_attr_nest_start(nlh, 1);

		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "events");
		mnl_attr_put_u8(nlh, CTRL_ATTR_MCAST_GRP_ID, 11);
		mnl_attr_nest_end(nlh, g);
		mnl_attr_nest_end(nlh, l);
	}
	ck_assert_int_eq(nl_parse_family(nlh, "events", &f), -EPROTO);
	/* too short */
	nlh = family_msg(true, true);
	nlh->nlmsg_len = NLMSG_HDRLEN;
	ck_assert_int_eq(nl_parse_family(nlh, "events", &f), -EPROTO);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_reply");
	TCase *tc = tcase_create("reply");
	TCase *tn = tcase_create("nl");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, t_status);
	tcase_add_test(tc, t_status_malformed);
	tcase_add_test(tc, t_set_commit);
	tcase_add_test(tc, t_binding);
	tcase_add_test(tc, t_event);
	tcase_add_test(tn, t_process_ack);
	tcase_add_test(tn, t_process_errors);
	tcase_add_test(tn, t_process_dump);
	tcase_add_test(tn, t_process_malformed);
	tcase_add_test(tn, t_family);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tn);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: robustness and permission checks of the drift generic netlink
 * family (include/drift_netlink.h).
 *
 *   nl_fuzz [--random N] [--seed S]    (as root: malformed messages)
 *   nl_fuzz --unpriv                   (as an unprivileged user or root of
 *                                       a non-initial user namespace)
 *
 * Default mode sends malformed requests (wrong attribute types and sizes,
 * oversized strings and binaries, missing required attributes, unknown
 * commands and attributes, truncated headers, out-of-range values) and
 * asserts that each one gets an error ack (or, for messages the netlink
 * core drops before the family sees them, no reply), then that the family
 * still answers GET_STATUS. --random N adds N messages with random command
 * and attribute bytes (only "no crash, module still answers" is asserted;
 * afterwards the module is unlocked and the default mode set to off).
 *
 * --unpriv sends a well-formed request of every changing (and every
 * admin-only) command and asserts EPERM for each, asserts EPERM for
 * joining the "events" multicast group, and asserts that GET_STATUS (open
 * to everyone) succeeds.
 *
 * Output: one line per case, "ok   NAME: ERRNO (extack)" or
 * "FAIL NAME: ...", then "nl_fuzz: N cases, N failed". Exit 0 when nothing
 * failed, 1 otherwise, 3 when the drift family does not exist.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "drift_netlink.h"

#define BUF_SIZE (256 * 1024)
#define NO_REPLY 100000 /* pseudo error: nothing came back */

static struct mnl_socket *nl;
static unsigned int portid, seq;
static uint16_t family;
static uint32_t events_grp;
static char *sbuf, *rbuf;
static char extack[512];
static int ncases, nfailed;

static const char *errname(int err)
{
	const char *n;

	if (err == NO_REPLY)
		return "no reply";
	if (err == 0)
		return "success";
	n = strerrorname_np(err);
	return n ? n : "E?";
}

/* ------------------------------------------------------------------ I/O */

static int parse_ack(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
	int err = -e->error;

	extack[0] = 0;
	if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* NETLINK_CAP_ACK is set: TLVs follow the bare header. */
		size_t off = sizeof(*e);
		const struct nlattr *attr;

		mnl_attr_for_each_payload((const void *)((const char *)e + off),
					  h->nlmsg_len - MNL_NLMSG_HDRLEN - off) {
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(extack, sizeof(extack), "%s",
					 mnl_attr_get_str(attr));
		}
	}
	return err;
}

/*
 * Send len bytes of sbuf (already a complete message, or deliberately
 * broken) and wait for the answer to sequence number s. Returns 0 (ack or
 * end of dump), a positive errno, or NO_REPLY after the receive timeout.
 * *nreplies counts non-error data messages.
 */
static int transact_raw(size_t len, unsigned int s, int *nreplies)
{
	if (nreplies)
		*nreplies = 0;
	extack[0] = 0;
	if (mnl_socket_sendto(nl, sbuf, len) < 0)
		return errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, BUF_SIZE);
		const struct nlmsghdr *h;
		int left;

		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? NO_REPLY : errno;
		left = (int)n;
		for (h = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_seq != s)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return parse_ack(h);
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nreplies)
				(*nreplies)++;
		}
	}
}

static struct nlmsghdr *new_msg(uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *h;
	struct genlmsghdr *g;

	memset(sbuf, 0, 64);
	h = mnl_nlmsg_put_header(sbuf);
	h->nlmsg_type = family;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->cmd = cmd;
	g->version = DRIFT_GENL_VERSION;
	return h;
}

static int transact(struct nlmsghdr *h, int *nreplies)
{
	return transact_raw(h->nlmsg_len, h->nlmsg_seq, nreplies);
}

/* ------------------------------------------------------------ checking */

static void report(bool good, const char *name, int err, const char *want)
{
	ncases++;
	if (!good)
		nfailed++;
	printf("%s %s: %s%s%s%s%s%s\n", good ? "ok  " : "FAIL", name, errname(err),
	       extack[0] ? " (" : "", extack, extack[0] ? ")" : "",
	       good ? "" : ", expected ", good ? "" : want);
	fflush(stdout);
}

/* Any error ack is fine; success or silence is not. */
static void expect_error(const char *name, struct nlmsghdr *h)
{
	int err = transact(h, NULL);

	report(err != 0 && err != NO_REPLY, name, err, "an error ack");
}

static void expect_errno(const char *name, struct nlmsghdr *h, int want)
{
	int err = transact(h, NULL);

	report(err == want, name, err, errname(want));
}

/* The family must still answer. */
static void expect_status_ok(const char *name)
{
	int nrep = 0, err;

	err = transact(new_msg(DRIFT_CMD_GET_STATUS, 0), &nrep);
	report(err == 0 && nrep == 1, name, err, "success with one reply");
}

/* ------------------------------------------------------------ set-up */

static int cb_family(const struct nlmsghdr *h, void *data)
{
	struct nlattr *a;

	(void)data;
	mnl_attr_for_each(a, h, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			family = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS) {
			struct nlattr *grp;

			mnl_attr_for_each_nested(grp, a) {
				struct nlattr *x;
				const char *gname = NULL;
				uint32_t id = 0;

				mnl_attr_for_each_nested(x, grp) {
					if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_NAME)
						gname = mnl_attr_get_str(x);
					if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_ID)
						id = mnl_attr_get_u32(x);
				}
				if (gname && strcmp(gname, DRIFT_GENL_MCGRP_EVENTS) == 0)
					events_grp = id;
			}
		}
	}
	return MNL_CB_OK;
}

static int resolve_family(void)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(sbuf);
	struct genlmsghdr *g;
	ssize_t n;

	h->nlmsg_type = GENL_ID_CTRL;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(h, CTRL_ATTR_FAMILY_NAME, DRIFT_GENL_NAME);
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		return -1;
	while ((n = mnl_socket_recvfrom(nl, rbuf, BUF_SIZE)) > 0) {
		int r = mnl_cb_run(rbuf, (size_t)n, seq, portid, cb_family, NULL);

		if (r <= 0)
			return r < 0 || !family ? -1 : 0;
	}
	return -1;
}

static void put_entry(struct nlmsghdr *h, unsigned int count, uint32_t reserved,
		      uint32_t flags, size_t extra)
{
	size_t len = count * sizeof(struct drift_file_id) + extra;
	struct drift_file_id *e = calloc(1, len ? len : 1);
	unsigned int i;

	for (i = 0; i < count; i++) {
		e[i].ino = 1000 + i;
		e[i].dev_major = 0;
		e[i].dev_minor = 99;
		e[i].flags = flags;
		e[i].reserved = reserved;
	}
	mnl_attr_put(h, DRIFT_A_SET_ENTRIES, len, e);
	free(e);
}

static void put_exception_file(struct nlmsghdr *h, size_t filelen)
{
	struct nlattr *n = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
	char buf[sizeof(struct drift_file_id) + 16] = { 0 };

	mnl_attr_put_u8(h, DRIFT_EXC_A_TYPE, DRIFT_EXC_FILE);
	mnl_attr_put(h, DRIFT_EXC_A_FILE, filelen, buf);
	mnl_attr_nest_end(h, n);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = 0;
	return s;
}

/* ------------------------------------------------------------ fuzz cases */

/* SET_COMMIT of nl_fuzz_inc including the one set @name. */
static struct nlmsghdr *commit_including(const char *name)
{
	struct nlmsghdr *h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	struct nlattr *nest;

	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_inc");
	nest = mnl_attr_nest_start(h, DRIFT_A_SET_INCLUDES);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, name);
	mnl_attr_nest_end(h, nest);
	return h;
}

static void run_malformed(void)
{
	struct nlmsghdr *h;
	struct nlattr *nest;
	char *big;
	uint64_t bogus_cg = 0xdead00000000beefULL;
	int i;

	expect_status_ok("status_before");

	/* unknown commands */
	expect_errno("cmd_unknown_200", new_msg(200, 0), EOPNOTSUPP);
	expect_errno("cmd_unspec", new_msg(DRIFT_CMD_UNSPEC, 0), EOPNOTSUPP);
	expect_errno("cmd_event_as_request", new_msg(DRIFT_CMD_EVENT, 0), EOPNOTSUPP);
	expect_error("cmd_unknown_dump", new_msg(222, NLM_F_DUMP));

	/* truncated headers */
	h = new_msg(DRIFT_CMD_GET_STATUS, 0);
	h->nlmsg_len = sizeof(struct nlmsghdr) + 2; /* genl header cut */
	{
		int err = transact_raw(h->nlmsg_len, h->nlmsg_seq, NULL);

		report(err != 0 && err != NO_REPLY, "genl_header_truncated", err,
		       "an error ack");
	}
	h = new_msg(DRIFT_CMD_GET_STATUS, 0);
	{
		/* shorter than a netlink header: the core drops it silently */
		int err = transact_raw(10, h->nlmsg_seq, NULL);

		report(err != 0, "nlmsg_header_truncated", err, "an error or no reply");
	}
	h = new_msg(DRIFT_CMD_GET_STATUS, 0);
	h->nlmsg_len = 4096; /* claims more than was sent */
	{
		int err = transact_raw(sizeof(struct nlmsghdr) + 4, h->nlmsg_seq, NULL);

		report(err != 0, "nlmsg_len_overrun", err, "an error or no reply");
	}
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_overrun");
	((struct nlattr *)((char *)h + MNL_NLMSG_HDRLEN + GENL_HDRLEN))->nla_len = 2000;
	expect_error("attr_len_overrun", h);
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_short");
	((struct nlattr *)((char *)h + MNL_NLMSG_HDRLEN + GENL_HDRLEN))->nla_len = 2;
	expect_error("attr_len_below_header", h);
	expect_status_ok("status_after_truncation");

	/* missing required attributes */
	expect_error("set_begin_no_name", new_msg(DRIFT_CMD_SET_BEGIN, 0));
	expect_error("set_add_no_name", new_msg(DRIFT_CMD_SET_ADD, 0));
	h = new_msg(DRIFT_CMD_SET_ADD, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	expect_error("set_add_no_entries", h);
	expect_error("set_commit_no_name", new_msg(DRIFT_CMD_SET_COMMIT, 0));
	expect_error("set_abort_no_name", new_msg(DRIFT_CMD_SET_ABORT, 0));
	expect_error("set_del_no_name", new_msg(DRIFT_CMD_SET_DEL, 0));
	h = new_msg(DRIFT_CMD_BIND, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	expect_error("bind_no_cgroup", h);
	h = new_msg(DRIFT_CMD_BIND, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	expect_error("bind_no_set", h);
	expect_error("unbind_no_cgroup", new_msg(DRIFT_CMD_UNBIND, 0));
	h = new_msg(DRIFT_CMD_SET_MODE, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	expect_error("set_mode_no_mode", h);
	h = new_msg(DRIFT_CMD_SET_MODE, 0);
	mnl_attr_put_u8(h, DRIFT_A_MODE, DRIFT_MODE_AUDIT);
	expect_error("set_mode_no_cgroup", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	expect_error("exception_add_no_exception", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_DEL, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	expect_error("exception_del_no_exception", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	nest = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
	mnl_attr_put_strz(h, DRIFT_EXC_A_PATH, "/tmp/");
	mnl_attr_nest_end(h, nest);
	expect_error("exception_no_type", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	nest = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(h, DRIFT_EXC_A_TYPE, DRIFT_EXC_PATH_PREFIX);
	mnl_attr_nest_end(h, nest);
	expect_error("exception_path_missing", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	nest = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(h, DRIFT_EXC_A_TYPE, DRIFT_EXC_FILE);
	mnl_attr_nest_end(h, nest);
	expect_error("exception_file_missing", h);

	/* wrong attribute types / sizes */
	h = new_msg(DRIFT_CMD_UNBIND, 0);
	mnl_attr_put_u32(h, DRIFT_A_CGROUP_ID, 1);
	expect_error("cgroup_id_as_u32", h);
	h = new_msg(DRIFT_CMD_UNBIND, 0);
	mnl_attr_put_strz(h, DRIFT_A_CGROUP_ID, "12345678901");
	expect_error("cgroup_id_as_string", h);
	h = new_msg(DRIFT_CMD_SET_MODE, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	mnl_attr_put_u64(h, DRIFT_A_MODE, DRIFT_MODE_AUDIT);
	expect_error("mode_as_u64", h);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u64(h, DRIFT_A_LOCKED, 0);
	expect_error("locked_as_u64", h);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u16(h, DRIFT_A_EVENT_RATE, 10);
	expect_error("event_rate_as_u16", h);
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_hint");
	mnl_attr_put_u64(h, DRIFT_A_SET_SIZE_HINT, 10);
	expect_error("size_hint_as_u64", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	mnl_attr_put_u32(h, DRIFT_A_EXCEPTION, 0x41414141);
	expect_error("exception_not_nested", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	put_exception_file(h, 10);
	expect_error("exception_file_short", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	put_exception_file(h, sizeof(struct drift_file_id) + 8);
	expect_error("exception_file_long", h);
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_unknown_attr");
	mnl_attr_put_u32(h, DRIFT_A_MAX + 40, 7);
	expect_error("unknown_attribute", h);

	h = new_msg(DRIFT_CMD_BIND, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	mnl_attr_put_u32(h, DRIFT_A_REPLACE, 1);
	expect_error("replace_flag_with_payload", h);
	h = new_msg(DRIFT_CMD_BIND, NLM_F_REPLACE);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	expect_error("nlm_f_replace_header_flag", h);

	/* out-of-range values */
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u8(h, DRIFT_A_DEFAULT_MODE, DRIFT_MODE_MAX + 1);
	expect_error("default_mode_out_of_range", h);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u8(h, DRIFT_A_LOCKED, 2);
	expect_error("locked_2", h);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u32(h, DRIFT_A_EVENT_RATE, 0);
	expect_error("event_rate_0", h);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u32(h, DRIFT_A_EVENT_RATE, 100001);
	expect_error("event_rate_100001", h);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u32(h, DRIFT_A_EVENT_BURST, 0);
	expect_error("event_burst_0", h);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_no_such_set");
	expect_error("default_set_unknown", h);
	h = new_msg(DRIFT_CMD_BIND, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	mnl_attr_put_u8(h, DRIFT_A_MODE, 9);
	expect_error("bind_mode_9", h);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	nest = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(h, DRIFT_EXC_A_TYPE, 9);
	mnl_attr_put_strz(h, DRIFT_EXC_A_PATH, "/tmp/");
	mnl_attr_nest_end(h, nest);
	expect_error("exception_type_9", h);

	/* oversized strings */
	big = repeat('a', DRIFT_NAME_MAX);	/* 128 chars + NUL > max */
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, big);
	expect_error("set_name_128", h);
	free(big);
	big = repeat('b', 60000);
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, big);
	expect_error("set_name_60000", h);
	free(big);
	big = repeat('c', 1000);
	h = new_msg(DRIFT_CMD_BIND, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	mnl_attr_put_strz(h, DRIFT_A_BINDING_NAME, big);
	expect_error("binding_name_1000", h);
	free(big);
	big = repeat('/', DRIFT_PATH_MAX + 100);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	nest = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(h, DRIFT_EXC_A_TYPE, DRIFT_EXC_PATH_PREFIX);
	mnl_attr_put_strz(h, DRIFT_EXC_A_PATH, big);
	mnl_attr_nest_end(h, nest);
	expect_error("exception_path_4196", h);
	free(big);

	/* not found */
	h = new_msg(DRIFT_CMD_SET_ADD, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_never_begun");
	put_entry(h, 1, 0, 0, 0);
	expect_errno("set_add_without_begin", h, ENOENT);
	h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_never_begun");
	expect_errno("set_commit_without_begin", h, ENOENT);
	h = new_msg(DRIFT_CMD_SET_DEL, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_no_such_set");
	expect_errno("set_del_unknown", h, ENOENT);
	h = new_msg(DRIFT_CMD_GET_SET, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_no_such_set");
	expect_errno("get_set_unknown", h, ENOENT);
	h = new_msg(DRIFT_CMD_UNBIND, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	expect_errno("unbind_unknown", h, ENOENT);
	h = new_msg(DRIFT_CMD_GET_BINDING, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	expect_errno("get_binding_unknown", h, ENOENT);
	h = new_msg(DRIFT_CMD_BIND, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_no_such_set");
	expect_errno("bind_unknown_set_and_cgroup", h, ENOENT);

	/* malformed entries in a real staging area */
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	expect_errno("set_begin_valid", h, 0);
	h = new_msg(DRIFT_CMD_SET_ADD, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	put_entry(h, DRIFT_SET_CHUNK_MAX + 1, 0, 0, 0);
	expect_error("set_add_chunk_too_big", h);
	h = new_msg(DRIFT_CMD_SET_ADD, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	put_entry(h, 2, 0, 0, 5);
	expect_error("set_add_misaligned", h);
	h = new_msg(DRIFT_CMD_SET_ADD, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	put_entry(h, 1, 0xffff, 0, 0);
	expect_error("set_add_reserved_nonzero", h);
	h = new_msg(DRIFT_CMD_SET_ADD, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	put_entry(h, 1, 0, 0x80000000u, 0);
	expect_error("set_add_unknown_flags", h);
	h = new_msg(DRIFT_CMD_SET_ADD, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	put_entry(h, 3, 0, 0, 0);
	expect_errno("set_add_valid", h, 0);
	h = new_msg(DRIFT_CMD_SET_ABORT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	expect_errno("set_abort_valid", h, 0);
	h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz");
	expect_errno("set_commit_after_abort", h, ENOENT);

	/* staging limit */
	{
		char name[64];
		int begun = 0, err = 0;

		for (i = 0; i < DRIFT_MAX_STAGING + 1; i++) {
			snprintf(name, sizeof(name), "nl_fuzz_stage_%d", i);
			h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
			mnl_attr_put_strz(h, DRIFT_A_SET_NAME, name);
			err = transact(h, NULL);
			if (err)
				break;
			begun++;
		}
		report(begun == DRIFT_MAX_STAGING && err != 0 && err != NO_REPLY,
		       "staging_limit", err, "64 staging areas, then an error");
		for (i = 0; i < begun; i++) {
			snprintf(name, sizeof(name), "nl_fuzz_stage_%d", i);
			h = new_msg(DRIFT_CMD_SET_ABORT, 0);
			mnl_attr_put_strz(h, DRIFT_A_SET_NAME, name);
			transact(h, NULL);
		}
	}

	/*
	 * DRIFT_A_SET_INCLUDES on SET_COMMIT (parsed once a staging area of
	 * this socket exists): not nested, other attribute types inside,
	 * unterminated, empty or too long names, unknown sets, itself, more
	 * than DRIFT_MAX_INCLUDES. Each is an error with the staging area
	 * kept; then a set of includes only is committed and deleted.
	 */
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_inc");
	expect_errno("include_begin", h, 0);
	h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_inc");
	mnl_attr_put_u32(h, DRIFT_A_SET_INCLUDES, 7);
	expect_error("include_not_nested", h);
	h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_inc");
	nest = mnl_attr_nest_start(h, DRIFT_A_SET_INCLUDES);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
	mnl_attr_nest_end(h, nest);
	expect_errno("include_wrong_type", h, EINVAL);
	h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_inc");
	nest = mnl_attr_nest_start(h, DRIFT_A_SET_INCLUDES);
	mnl_attr_put(h, DRIFT_A_SET_NAME, 4, "abcd");
	mnl_attr_nest_end(h, nest);
	expect_errno("include_unterminated", h, EINVAL);
	expect_errno("include_empty_name", commit_including(""), EINVAL);
	big = repeat('n', DRIFT_NAME_MAX);
	expect_errno("include_name_too_long", commit_including(big), EINVAL);
	free(big);
	expect_errno("include_unknown", commit_including("nl_fuzz_no_such_set"), ENOENT);
	expect_errno("include_itself", commit_including("nl_fuzz_inc"), EINVAL);
	h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_inc");
	nest = mnl_attr_nest_start(h, DRIFT_A_SET_INCLUDES);
	for (i = 0; i < DRIFT_MAX_INCLUDES + 1; i++)
		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "x");
	mnl_attr_nest_end(h, nest);
	expect_errno("include_too_many", h, E2BIG);
	h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_inc");
	nest = mnl_attr_nest_start(h, DRIFT_A_SET_INCLUDES);
	mnl_attr_nest_end(h, nest);
	expect_errno("include_empty_list", h, 0);
	h = new_msg(DRIFT_CMD_SET_DEL, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_inc");
	expect_errno("include_set_del", h, 0);

	/* entries on DRIFT_SET_MAX_DEVS devices are fine, one more is not */
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_devs");
	expect_errno("devs_begin", h, 0);
	{
		struct drift_file_id ids[DRIFT_SET_MAX_DEVS + 1];

		memset(ids, 0, sizeof(ids));
		for (i = 0; i <= DRIFT_SET_MAX_DEVS; i++) {
			ids[i].ino = 1000 + (uint64_t)i;
			ids[i].dev_minor = 100 + (uint32_t)i;
		}
		h = new_msg(DRIFT_CMD_SET_ADD, 0);
		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_devs");
		mnl_attr_put(h, DRIFT_A_SET_ENTRIES,
			     DRIFT_SET_MAX_DEVS * sizeof(ids[0]), ids);
		expect_errno("devs_max", h, 0);
		h = new_msg(DRIFT_CMD_SET_ADD, 0);
		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_devs");
		mnl_attr_put(h, DRIFT_A_SET_ENTRIES, sizeof(ids), ids);
		expect_errno("devs_one_too_many", h, EINVAL);
	}
	h = new_msg(DRIFT_CMD_SET_ABORT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_devs");
	expect_errno("devs_abort", h, 0);

	/* a default mode other than off without a default set */
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u8(h, DRIFT_A_DEFAULT_MODE, DRIFT_MODE_ENFORCE);
	{
		int err = transact(h, NULL);

		report(err == EINVAL, "default_enforce_without_set", err, "EINVAL");
		if (err == 0) { /* undo at once: everything would be denied */
			h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
			mnl_attr_put_u8(h, DRIFT_A_DEFAULT_MODE, DRIFT_MODE_OFF);
			transact(h, NULL);
		}
	}

	expect_status_ok("status_after");
}

/* Well-formed attributes for cmd, harmless if accepted (bogus cgroup). */
static void put_template(struct nlmsghdr *h, uint8_t cmd)
{
	uint64_t bogus_cg = 0xdead00000000beefULL;
	struct nlattr *nest;

	switch (cmd) {
	case DRIFT_CMD_SET_COMMIT:
		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_rnd");
		nest = mnl_attr_nest_start(h, DRIFT_A_SET_INCLUDES);
		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_rnd_inc");
		mnl_attr_nest_end(h, nest);
		break;
	case DRIFT_CMD_SET_BEGIN:
	case DRIFT_CMD_SET_ABORT:
	case DRIFT_CMD_SET_DEL:
	case DRIFT_CMD_GET_SET:
		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_rnd");
		mnl_attr_put_u32(h, DRIFT_A_SET_SIZE_HINT, 4);
		break;
	case DRIFT_CMD_SET_ADD:
		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_rnd");
		put_entry(h, 2, 0, DRIFT_FILE_F_CTIME, 0);
		break;
	case DRIFT_CMD_EXCEPTION_ADD:
	case DRIFT_CMD_EXCEPTION_DEL:
		mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
		nest = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
		mnl_attr_put_u8(h, DRIFT_EXC_A_TYPE, DRIFT_EXC_PATH_PREFIX);
		mnl_attr_put_strz(h, DRIFT_EXC_A_PATH, "/tmp/x/");
		mnl_attr_nest_end(h, nest);
		break;
	default:
		mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, bogus_cg);
		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_rnd");
		mnl_attr_put_u8(h, DRIFT_A_MODE, DRIFT_MODE_AUDIT);
		mnl_attr_put_strz(h, DRIFT_A_BINDING_NAME, "nl_fuzz_rnd");
		break;
	}
}

static void run_random(unsigned int n, unsigned int seed)
{
	unsigned int i, errors = 0, successes = 0, silent = 0;
	struct nlmsghdr *h;

	srand(seed);
	for (i = 0; i < n; i++) {
		uint8_t cmd = (uint8_t)(rand() % (DRIFT_CMD_MAX + 3));
		size_t len = (size_t)(rand() % 300), j;
		char *p;
		int err;

		/* never a well-formed lock or default-mode change on purpose */
		if (cmd == DRIFT_CMD_SET_CONFIG)
			cmd = DRIFT_CMD_SET_MODE;
		h = new_msg(cmd, (rand() & 7) == 0 ? NLM_F_DUMP : 0);
		if (i & 1) {
			/* a well-formed message with a few bytes flipped */
			size_t body;

			put_template(h, cmd);
			body = h->nlmsg_len - MNL_NLMSG_HDRLEN - GENL_HDRLEN;
			p = (char *)h + MNL_NLMSG_HDRLEN + GENL_HDRLEN;
			for (j = 0; body && j < 1 + (size_t)(rand() % 4); j++)
				p[rand() % body] ^= (char)(1 << (rand() % 8));
		} else {
			p = mnl_nlmsg_get_payload_tail(h);
			for (j = 0; j < len; j++)
				p[j] = (char)rand();
			/* make some of it look like attributes */
			if (len >= 8 && (rand() & 1)) {
				struct nlattr *a = (struct nlattr *)p;

				a->nla_type = (uint16_t)(rand() % (DRIFT_A_MAX + 2));
				a->nla_len = (uint16_t)(4 + rand() % (len - 3));
			}
			h->nlmsg_len += (uint32_t)MNL_ALIGN(len);
		}
		err = transact(h, NULL);
		if (err == NO_REPLY)
			silent++;
		else if (err)
			errors++;
		else
			successes++;
	}
	printf("random: %u messages (seed %u): %u errors, %u accepted, %u unanswered\n",
	       n, seed, errors, successes, silent);
	/* restore: no staging area or set left, unlocked, default off */
	h = new_msg(DRIFT_CMD_SET_ABORT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_rnd");
	transact(h, NULL);
	h = new_msg(DRIFT_CMD_SET_DEL, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "nl_fuzz_rnd");
	transact(h, NULL);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u8(h, DRIFT_A_LOCKED, 0);
	transact(h, NULL);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u8(h, DRIFT_A_DEFAULT_MODE, DRIFT_MODE_OFF);
	transact(h, NULL);
	expect_status_ok("status_after_random");
}

static void run_unpriv(void)
{
	struct nlmsghdr *h;
	struct nlattr *nest;
	uint64_t cg = 1; /* the root cgroup: exists, never bound by this */
	int grp, r;

	printf("unpriv: uid %u euid %u\n", (unsigned)getuid(), (unsigned)geteuid());
	expect_status_ok("get_status_allowed");

	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u8(h, DRIFT_A_DEFAULT_MODE, DRIFT_MODE_OFF);
	expect_errno("set_config_default_mode", h, EPERM);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u8(h, DRIFT_A_LOCKED, 0);
	expect_errno("set_config_unlock", h, EPERM);
	h = new_msg(DRIFT_CMD_SET_CONFIG, 0);
	mnl_attr_put_u32(h, DRIFT_A_EVENT_RATE, 100);
	expect_errno("set_config_event_rate", h, EPERM);
	h = new_msg(DRIFT_CMD_SET_BEGIN, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "unpriv");
	expect_errno("set_begin", h, EPERM);
	h = new_msg(DRIFT_CMD_SET_ADD, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "unpriv");
	put_entry(h, 1, 0, 0, 0);
	expect_errno("set_add", h, EPERM);
	h = new_msg(DRIFT_CMD_SET_COMMIT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "unpriv");
	expect_errno("set_commit", h, EPERM);
	h = new_msg(DRIFT_CMD_SET_ABORT, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "unpriv");
	expect_errno("set_abort", h, EPERM);
	h = new_msg(DRIFT_CMD_SET_DEL, 0);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "unpriv");
	expect_errno("set_del", h, EPERM);
	h = new_msg(DRIFT_CMD_BIND, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, cg);
	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, "unpriv");
	mnl_attr_put_u8(h, DRIFT_A_MODE, DRIFT_MODE_OFF);
	expect_errno("bind", h, EPERM);
	h = new_msg(DRIFT_CMD_UNBIND, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, cg);
	expect_errno("unbind", h, EPERM);
	h = new_msg(DRIFT_CMD_SET_MODE, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, cg);
	mnl_attr_put_u8(h, DRIFT_A_MODE, DRIFT_MODE_OFF);
	expect_errno("set_mode", h, EPERM);
	h = new_msg(DRIFT_CMD_EXCEPTION_ADD, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, cg);
	nest = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(h, DRIFT_EXC_A_TYPE, DRIFT_EXC_PATH_PREFIX);
	mnl_attr_put_strz(h, DRIFT_EXC_A_PATH, "/tmp/");
	mnl_attr_nest_end(h, nest);
	expect_errno("exception_add", h, EPERM);
	h = new_msg(DRIFT_CMD_EXCEPTION_DEL, 0);
	mnl_attr_put_u64(h, DRIFT_A_CGROUP_ID, cg);
	nest = mnl_attr_nest_start(h, DRIFT_A_EXCEPTION);
	mnl_attr_put_u8(h, DRIFT_EXC_A_TYPE, DRIFT_EXC_PATH_PREFIX);
	mnl_attr_put_strz(h, DRIFT_EXC_A_PATH, "/tmp/");
	mnl_attr_nest_end(h, nest);
	expect_errno("exception_del", h, EPERM);
	/* admin-only reads */
	expect_errno("get_set_dump", new_msg(DRIFT_CMD_GET_SET, NLM_F_DUMP), EPERM);
	expect_errno("get_binding_dump", new_msg(DRIFT_CMD_GET_BINDING, NLM_F_DUMP), EPERM);

	/* the event group */
	ncases++;
	if (!events_grp) {
		nfailed++;
		printf("FAIL join_events: the family has no \"%s\" group\n",
		       DRIFT_GENL_MCGRP_EVENTS);
	} else {
		grp = (int)events_grp;
		r = setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK,
			       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp));
		if (r < 0 && errno == EPERM) {
			printf("ok   join_events: EPERM\n");
		} else {
			nfailed++;
			printf("FAIL join_events: %s, expected EPERM\n",
			       r == 0 ? "joined" : errname(errno));
		}
	}
	expect_status_ok("get_status_after");
}

int main(int argc, char **argv)
{
	unsigned int random_n = 0, seed = (unsigned int)time(NULL);
	bool unpriv = false;
	struct timeval tv = { .tv_sec = 2 };
	int one = 1, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--unpriv") == 0) {
			unpriv = true;
		} else if (strcmp(argv[i], "--random") == 0 && i + 1 < argc) {
			random_n = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "usage: nl_fuzz [--random N] [--seed S] | --unpriv\n");
			return 2;
		}
	}
	sbuf = calloc(1, BUF_SIZE);
	rbuf = calloc(1, BUF_SIZE);
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!sbuf || !rbuf || !nl) {
		perror("nl_fuzz: netlink socket");
		return 2;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nl_fuzz: bind");
		return 2;
	}
	portid = mnl_socket_get_portid(nl);
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (resolve_family() < 0) {
		fprintf(stderr, "nl_fuzz: generic netlink family \"%s\" not found (module not loaded?)\n",
			DRIFT_GENL_NAME);
		return 3;
	}
	if (unpriv) {
		run_unpriv();
	} else {
		run_malformed();
		if (random_n)
			run_random(random_n, seed);
	}
	printf("nl_fuzz: %d cases, %d failed\n", ncases, nfailed);
	mnl_socket_close(nl);
	return nfailed ? 1 : 0;
}

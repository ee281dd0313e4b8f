// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * driftctl: the libmnl transport.
 *
 *   nl_open()        socket, NETLINK_EXT_ACK + NETLINK_CAP_ACK, family and
 *                    "events" group resolution (CTRL_CMD_GETFAMILY)
 *   nl_request()     one request, NLM_F_ACK added; replies, acks, dumps
 *   nl_process()     the pure reply-loop step over one datagram
 *   nl_join_events() NETLINK_ADD_MEMBERSHIP on the "events" group
 *   nl_recv_wait()   poll + receive one datagram (monitor)
 *
 * Reply handling (nl_process): messages whose seq/portid differ from the
 * request's are skipped (a stale reply of an earlier request, or multicast
 * traffic on a request socket). A family message goes to the callback; an
 * NLMSG_ERROR with error 0 is the final ack; an NLMSG_ERROR with an error,
 * or an NLMSG_DONE carrying a negative value, ends the request with that
 * error and its extack (NLMSGERR_ATTR_MSG/_OFFS/_MISS_TYPE) in struct
 * nl_err. A dump ends with NLMSG_DONE (the kernel sends no ack after a
 * dump even when NLM_F_ACK was asked for). Anything truncated or
 * inconsistent is -EPROTO. A callback returning MNL_CB_STOP ends the
 * processing (0); MNL_CB_ERROR makes it -EPROTO.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "driftctl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
/* Older UAPI headers lack the last extack attributes. */
#define NL_EXTACK_MSG		1	/* NLMSGERR_ATTR_MSG */
#define NL_EXTACK_OFFS		2	/* NLMSGERR_ATTR_OFFS */
#define NL_EXTACK_MISS_TYPE	5	/* NLMSGERR_ATTR_MISS_TYPE */

/* Receive buffer asked for the monitor socket (events come in bursts). */
#define NL_MONITOR_RCVBUF	(4 * 1024 * 1024)

void nl_err_reset(struct nl_err *err)
{
	free(err->msg);
	err->msg = NULL;
	err->error = 0;
	err->offs = 0;
	err->miss_type = -1;
}

/* ---- extack ---------------------------------------------------------- */

/* Parses the extack TLVs in [p, p + len) into err (bad TLVs end it). */
static void parse_extack(const void *p, size_t len, struct nl_err *err)
{
	const struct nlattr *a = p;
	size_t left = len;

	while (mnl_attr_ok(a, (int)(left > INT32_MAX ? INT32_MAX : left))) {
		uint16_t type = mnl_attr_get_type(a);
		size_t plen = mnl_attr_get_payload_len(a);
		const char *s = mnl_attr_get_payload(a);
		size_t step = MNL_ALIGN(a->nla_len);

		if (type == NL_EXTACK_MSG && plen > 0 && !err->msg) {
			size_t n = strnlen(s, plen);

			/* The kernel's string is NUL-terminated; cope without. */
			err->msg = strndup(s, n);
			/* Drop a trailing newline, if any. */
			if (err->msg && n && err->msg[n - 1] == '\n')
				err->msg[n - 1] = '\0';
		} else if (type == NL_EXTACK_OFFS && plen == sizeof(uint32_t)) {
			err->offs = mnl_attr_get_u32(a);
		} else if (type == NL_EXTACK_MISS_TYPE &&
			   plen == sizeof(uint32_t)) {
			err->miss_type = (int)mnl_attr_get_u32(a);
		}
		if (step >= left)
			break;
		left -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

/* NLMSG_ERROR: returns 0 for an ack, -errno (recorded) or -EPROTO. */
static int handle_error(const struct nlmsghdr *nlh, struct nl_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	size_t off;

	if (plen < sizeof(*e))
		return -EPROTO;
	if (e->error == 0)
		return 0;
	if (e->error > 0 || e->error < -4095)
		return -EPROTO;
	nl_err_reset(err);
	err->error = -e->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			/* The whole request is echoed after the header. */
			if (e->msg.nlmsg_len < sizeof(e->msg))
				return -err->error;
			off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
		}
		if (off < plen)
			parse_extack((const char *)e + off, plen - off, err);
	}
	return -err->error;
}

/* NLMSG_DONE: 0, or the dump's error (recorded) */
static int handle_done(const struct nlmsghdr *nlh, struct nl_err *err)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	int v;

	if (plen < sizeof(int))
		return 0;	/* old kernels: empty DONE */
	memcpy(&v, mnl_nlmsg_get_payload(nlh), sizeof(v));
	if (v >= 0)
		return 0;
	if (v < -4095)
		return -EPROTO;
	nl_err_reset(err);
	err->error = -v;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && plen > sizeof(int))
		parse_extack((const char *)mnl_nlmsg_get_payload(nlh) +
			     sizeof(int), plen - sizeof(int), err);
	return v;
}

/* ---- the pure reply loop ---------------------------------------------- */

int nl_process(const void *buf, size_t len, uint32_t seq, uint32_t portid,
	       uint16_t family, nl_msg_cb cb, void *data, struct nl_err *err)
{
	const struct nlmsghdr *nlh = buf;
	int left;

	if (!buf || len > INT32_MAX)
		return -EPROTO;
	left = (int)len;
	if (left == 0)
		return -EPROTO;
	while (left > 0) {
		int ret;

		if (!mnl_nlmsg_ok(nlh, left))
			return -EPROTO;	/* truncated or bad nlmsg_len */
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
			goto next;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_ERROR:
			return handle_error(nlh, err);
		case NLMSG_DONE:
			return handle_done(nlh, err);
		case NLMSG_OVERRUN:
			return -EPROTO;
		default:
			if (nlh->nlmsg_type != family)
				break;	/* not ours */
			if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
				return -EPROTO;
			if (!cb)
				break;
			ret = cb(nlh, data);
			if (ret == MNL_CB_STOP)
				return 0;
			if (ret < MNL_CB_STOP)
				return -EPROTO;
			break;
		}
next:
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	/* left < 0 cannot happen after mnl_nlmsg_ok(); left == 0: more. */
	return 1;
}

/* ---- family resolution ------------------------------------------------ */

struct fam_parse {
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	int bad;
};

static int fam_attr_cb(const struct nlattr *a, void *data)
{
	struct fam_parse *p = data;
	uint16_t type = mnl_attr_get_type(a);
	int ok = 1;

	if (mnl_attr_type_valid(a, CTRL_ATTR_MAX) < 0)
		return MNL_CB_OK;	/* newer controller attribute */
	switch (type) {
	case CTRL_ATTR_FAMILY_ID:
		ok = mnl_attr_validate(a, MNL_TYPE_U16) == 0;
		break;
	case CTRL_ATTR_FAMILY_NAME:
		ok = mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0;
		break;
	case CTRL_ATTR_VERSION:
		ok = mnl_attr_validate(a, MNL_TYPE_U32) == 0;
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		ok = mnl_attr_validate(a, MNL_TYPE_NESTED) == 0;
		break;
	default:
		break;
	}
	if (!ok) {
		p->bad = 1;
		return MNL_CB_ERROR;
	}
	p->tb[type] = a;
	return MNL_CB_OK;
}

struct grp_parse {
	const char *name;
	bool has_id;
	uint32_t id;
	int bad;
};

static int grp_attr_cb(const struct nlattr *a, void *data)
{
	struct grp_parse *g = data;

	switch (mnl_attr_get_type(a)) {
	case CTRL_ATTR_MCAST_GRP_NAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			goto bad;
		g->name = mnl_attr_get_str(a);
		break;
	case CTRL_ATTR_MCAST_GRP_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			goto bad;
		g->id = mnl_attr_get_u32(a);
		g->has_id = true;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
bad:
	g->bad = 1;
	return MNL_CB_ERROR;
}

int nl_parse_family(const struct nlmsghdr *nlh, const char *group,
		    struct nl_family *fam)
{
	struct fam_parse p;
	const struct genlmsghdr *g;
	const struct nlattr *a;

	memset(fam, 0, sizeof(*fam));
	memset(&p, 0, sizeof(p));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EPROTO;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->cmd != CTRL_CMD_NEWFAMILY)
		return -EPROTO;
	if (mnl_attr_parse(nlh, GENL_HDRLEN, fam_attr_cb, &p) < 0 || p.bad)
		return -EPROTO;
	if (!p.tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	fam->id = mnl_attr_get_u16(p.tb[CTRL_ATTR_FAMILY_ID]);
	if (fam->id == 0)
		return -EPROTO;
	if (p.tb[CTRL_ATTR_VERSION])
		fam->version = mnl_attr_get_u32(p.tb[CTRL_ATTR_VERSION]);
	if (!group || !p.tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	mnl_attr_for_each_nested(a, p.tb[CTRL_ATTR_MCAST_GROUPS]) {
		struct grp_parse gp = { 0 };

		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return -EPROTO;
		if (mnl_attr_parse_nested(a, grp_attr_cb, &gp) < 0 || gp.bad)
			return -EPROTO;
		if (gp.name && gp.has_id && strcmp(gp.name, group) == 0) {
			if (gp.id == 0)
				return -EPROTO;
			fam->events_grp = gp.id;
		}
	}
	return 0;
}

/* ---- socket ------------------------------------------------------------ */

static int do_request(struct nl *nl, struct nlmsghdr *nlh, uint16_t family,
		      nl_msg_cb cb, void *data)
{
	ssize_t n;
	int ret;

	nl_err_reset(&nl->err);
	if (!nl->sk || !nlh)
		return -EINVAL;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_pid = nl->portid;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sk, nl->rbuf, NL_RECV_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOSPC: a datagram larger than the buffer. */
			return errno == ENOSPC ? -EPROTO : -errno;
		}
		if (n == 0)
			return -EPROTO;
		ret = nl_process(nl->rbuf, (size_t)n, nl->seq, nl->portid,
				 family, cb, data, &nl->err);
	} while (ret == 1);
	return ret;
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *data)
{
	return do_request(nl, nlh, nl->family, cb, data);
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_family *fam = data;

	if (nl_parse_family(nlh, DRIFT_GENL_MCGRP_EVENTS, fam))
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int resolve_family(struct nl *nl, struct drift_buf *err)
{
	struct nl_family fam = { 0 };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int ret;

	memset(nl->sbuf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh = mnl_nlmsg_put_header(nl->sbuf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, DRIFT_GENL_NAME);

	ret = do_request(nl, nlh, GENL_ID_CTRL, family_cb, &fam);
	if (ret == 0 && fam.id == 0)
		ret = -EPROTO;
	if (ret == -ENOENT) {
		if (err)
			drift_buf_printf(err, "the drift kernel module is not "
					 "loaded (no generic netlink family "
					 "'%s'); load it with 'modprobe drift' "
					 "(or 'insmod drift.ko')",
					 DRIFT_GENL_NAME);
		return ret;
	}
	if (ret) {
		if (err)
			drift_buf_printf(err, "cannot resolve the generic "
					 "netlink family '%s': %s%s%s",
					 DRIFT_GENL_NAME, strerror(-ret),
					 nl->err.msg ? ": " : "",
					 nl->err.msg ? nl->err.msg : "");
		return ret;
	}
	nl->family = fam.id;
	nl->version = fam.version;
	nl->mcgrp = fam.events_grp;
	return 0;
}

int nl_open(struct nl *nl, struct drift_buf *err)
{
	int one = 1;
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->err.miss_type = -1;
	nl->sbuf = calloc(1, NL_SEND_BUF);
	nl->rbuf = calloc(1, NL_RECV_BUF);
	if (!nl->sbuf || !nl->rbuf) {
		ret = -ENOMEM;
		if (err)
			drift_buf_printf(err, "out of memory");
		goto fail;
	}
	nl->sk = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sk) {
		ret = -errno;
		if (err)
			drift_buf_printf(err, "cannot open a generic netlink "
					 "socket: %s", strerror(-ret));
		goto fail;
	}
	/* Best effort: extack messages, and acks without the request. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		if (err)
			drift_buf_printf(err, "cannot bind the netlink socket: "
					 "%s", strerror(-ret));
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (uint32_t)time(NULL);
	ret = resolve_family(nl, err);
	if (ret)
		goto fail;
	return 0;
fail:
	nl_close(nl);
	return ret;
}

void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->sbuf);
	free(nl->rbuf);
	nl_err_reset(&nl->err);
	memset(nl, 0, sizeof(*nl));
	nl->err.miss_type = -1;
}

/* ---- multicast ----------------------------------------------------------- */

int nl_join_events(struct nl *nl)
{
	int grp = (int)nl->mcgrp;
	int sz = NL_MONITOR_RCVBUF;

	if (!nl->sk)
		return -EINVAL;
	if (!nl->mcgrp)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	/* A larger buffer when allowed (root may exceed rmem_max). */
	if (setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		       &sz, sizeof(sz)) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET,
				 SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

long nl_recv_wait(struct nl *nl, int timeout_ms)
{
	struct pollfd pfd;
	ssize_t n;
	int r;

	if (!nl->sk)
		return -EINVAL;
	pfd.fd = mnl_socket_get_fd(nl->sk);
	pfd.events = POLLIN;
	pfd.revents = 0;
	r = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return 0;
	n = mnl_socket_recvfrom(nl->sk, nl->rbuf, NL_RECV_BUF);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		return errno == ENOSPC ? -EPROTO : -errno;
	}
	if (n == 0)
		return -EPROTO;
	return (long)n;
}

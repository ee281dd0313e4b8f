// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl monitor: print events of the "events" multicast group. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "driftctl.h"

struct monitor_ctx {
	const struct ctl_req *req;
	struct drift_buf out;
	uint64_t seen;
	int ret;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct monitor_ctx *ctx = data;
	struct event_info ev;

	if (g->cmd != DRIFT_CMD_EVENT)
		return MNL_CB_OK;
	if (ctx->req->has_count && ctx->seen >= ctx->req->count)
		return MNL_CB_STOP;
	if (parse_event(nlh, &ev)) {
		fprintf(stderr, "driftctl: monitor: malformed event skipped\n");
		return MNL_CB_OK;
	}
	drift_buf_reset(&ctx->out);
	if (render_event(&ev, ctx->req->json, &ctx->out) == 0) {
		/* One event, one write, flushed at once. */
		if (ctl_write(&ctx->out))
			ctx->ret = EXIT_REFUSED;
	} else {
		ctx->ret = EXIT_REFUSED;
	}
	event_free(&ev);
	ctx->seen++;
	if (ctx->ret)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int cmd_monitor(const struct ctl_req *req)
{
	struct monitor_ctx ctx = { .req = req };
	uint64_t deadline = 0;
	struct nl nl;
	int ret;

	ret = ctl_open(&nl);
	if (ret)
		return ret;
	if (!nl.mcgrp) {
		fprintf(stderr, "driftctl: monitor: the drift module has no "
			"'%s' multicast group\n", DRIFT_GENL_MCGRP_EVENTS);
		ret = EXIT_REFUSED;
		goto out;
	}
	ret = nl_join_events(&nl);
	if (ret) {
		ret = ctl_fail(NULL, "monitor", ret);
		goto out;
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "driftctl: listening for drift events%s\n",
			req->has_count || req->has_timeout ? "" :
			" (Ctrl-C to stop)");
	if (req->has_timeout)
		deadline = now_ms() + req->timeout_ms;

	while (!req->has_count || ctx.seen < req->count) {
		int wait = -1;
		long n;

		if (req->has_timeout) {
			uint64_t now = now_ms();

			if (now >= deadline)
				break;
			wait = deadline - now > INT32_MAX ? INT32_MAX :
				(int)(deadline - now);
		}
		n = nl_recv_wait(&nl, wait);
		if (n == -ENOBUFS) {
			/* The socket overflowed: the kernel dropped events. */
			fprintf(stderr, "driftctl: monitor: warning: events lost "
				"(socket receive buffer overrun)\n");
			continue;
		}
		if (n < 0) {
			ret = ctl_fail(NULL, "monitor", (int)n);
			goto out;
		}
		if (n == 0)
			continue;	/* timeout: the loop checks the deadline */
		nl_process(nl.rbuf, (size_t)n, 0, 0, nl.family, event_cb, &ctx,
			   &nl.err);
		if (ctx.ret) {
			ret = ctx.ret;
			goto out;
		}
	}
	if (req->has_count && ctx.seen < req->count) {
		fprintf(stderr, "driftctl: monitor: timed out after %" PRIu64
			".%03" PRIu64 " s with %" PRIu64 " of %" PRIu64
			" events\n", req->timeout_ms / 1000,
			req->timeout_ms % 1000, ctx.seen, req->count);
		ret = EXIT_REFUSED;
	} else {
		ret = EXIT_OK;
	}
out:
	drift_buf_free(&ctx.out);
	nl_close(&nl);
	return ret;
}

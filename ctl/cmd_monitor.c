// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * driftctl monitor: print events of the "events" multicast group.
 * --json writes the event schema of common/event.c (docs/events.md), the
 * same line driftd writes for the same event: the container's name, pod,
 * namespace and image come from driftd's container records when it runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "driftctl.h"
#include "event.h"

struct monitor_ctx {
	const struct ctl_req *req;
	struct drift_buf out;
	uint64_t seen;
	int ret;
	char host[256];
	struct drift_record *recs;
	size_t nrecs;
	bool recs_loaded;
	struct timespec dir_mtime;
};

/* driftd's record of the container, matched like driftd matches it: by
 * binding name (the container id), then by cgroup. The records are reread
 * when one is missing and their directory changed since the last read. */
static const struct drift_record *find(struct monitor_ctx *ctx, const char *id,
				    bool has_cgid, uint64_t cgid)
{
	size_t i;

	for (i = 0; id && *id && i < ctx->nrecs; i++)
		if (!strcmp(ctx->recs[i].id, id))
			return &ctx->recs[i];
	for (i = 0; has_cgid && i < ctx->nrecs; i++)
		if (ctx->recs[i].cgroup_id == cgid)
			return &ctx->recs[i];
	return NULL;
}

static const struct drift_record *record_of(struct monitor_ctx *ctx,
					 const struct event_info *ev)
{
	const struct drift_record *r = find(ctx, ev->binding, ev->has_cgid, ev->cgid);
	char dir[4200];
	struct stat st;

	if (r)
		return r;
	snprintf(dir, sizeof(dir), "%s/containers", records_dir());
	if (stat(dir, &st) != 0)
		return NULL;
	if (ctx->recs_loaded && st.st_mtim.tv_sec == ctx->dir_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == ctx->dir_mtime.tv_nsec)
		return NULL;
	ctx->recs_loaded = true;
	ctx->dir_mtime = st.st_mtim;
	records_free(ctx->recs, ctx->nrecs);
	ctx->recs = NULL;
	ctx->nrecs = 0;
	if (records_load(records_dir(), &ctx->recs, &ctx->nrecs))
		return NULL;
	return find(ctx, ev->binding, ev->has_cgid, ev->cgid);
}

static int render_schema(struct monitor_ctx *ctx, const struct event_info *ev)
{
	const struct drift_record *r = record_of(ctx, ev);
	struct drift_event e = {
		.time_ns = ev->time_ns, .host = ctx->host, .op = ev->op,
		.action = ev->action, .reason = ev->reason, .mode = ev->mode,
		.has_cgroup_id = ev->has_cgid, .cgroup_id = ev->cgid,
		.binding = ev->binding, .set = ev->set,
		.has_pid = ev->has_pid && ev->has_ppid && ev->has_uid,
		.pid = ev->pid, .ppid = ev->ppid, .uid = ev->uid,
		.comm = ev->comm, .path = ev->path,
		.has_file = ev->has_file, .dev_major = ev->file.dev_major,
		.dev_minor = ev->file.dev_minor, .ino = ev->file.ino,
		.suppressed = ev->suppressed,
	};

	if (r) {
		e.container_id = r->id;
		e.container_name = r->name;
		e.pod = r->pod;
		e.namespace_ = r->namespace_;
		e.image = r->image;
	}
	return drift_event_json(&ctx->out, &e) ? -ENOMEM : 0;
}

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
	if ((ctx->req->json ? render_schema(ctx, &ev) :
	     render_event(&ev, false, &ctx->out)) == 0) {
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
	gethostname(ctx.host, sizeof(ctx.host) - 1);
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
	records_free(ctx.recs, ctx.nrecs);
	drift_buf_free(&ctx.out);
	nl_close(&nl);
	return ret;
}

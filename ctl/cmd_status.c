// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl status, driftctl selftest */
#include <errno.h>

#include "driftctl.h"

struct status_ctx {
	struct status_info st;
	bool seen;
	int ret;
};

static int status_cb(const struct nlmsghdr *nlh, void *data)
{
	struct status_ctx *ctx = data;

	if (ctx->seen)
		return MNL_CB_OK;	/* one reply expected */
	ctx->ret = parse_status(nlh, &ctx->st);
	ctx->seen = ctx->ret == 0;
	return MNL_CB_OK;
}

int cmd_status(const struct ctl_req *req)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	struct status_ctx ctx = { .ret = 0 };
	struct nlmsghdr *nlh;
	struct nl nl;
	int ret;

	ret = ctl_open(&nl);
	if (ret)
		return ret;
	nlh = msg_get_status(nl.sbuf, NL_SEND_BUF, nl.family);
	ret = nl_request(&nl, nlh, status_cb, &ctx);
	if (!ret && ctx.ret)
		ret = ctx.ret;
	if (!ret && !ctx.seen)
		ret = -EPROTO;
	if (ret) {
		ret = ctl_fail(&nl, "status", ret);
		goto out;
	}
	if (render_status(&ctx.st, req->json, &out)) {
		ret = ctl_fail(NULL, "status", -ENOMEM);
		goto out;
	}
	ret = ctl_write(&out);
out:
	status_free(&ctx.st);
	drift_buf_free(&out);
	nl_close(&nl);
	return ret;
}

/* driftctl selftest: DRIFT_CMD_SELFTEST; the reply carries the result. */
int cmd_selftest(const struct ctl_req *req)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	struct status_ctx ctx = { .ret = 0 };
	struct nlmsghdr *nlh;
	struct nl nl;
	int ret;

	ret = ctl_open(&nl);
	if (ret)
		return ret;
	nlh = msg_selftest(nl.sbuf, NL_SEND_BUF, nl.family);
	ret = nlh ? nl_request(&nl, nlh, status_cb, &ctx) : -errno;
	if (!ret && ctx.ret)
		ret = ctx.ret;
	if (!ret && (!ctx.seen || ctx.st.selftest < 0))
		ret = -EPROTO;
	if (ret) {
		ret = ctl_fail(&nl, "selftest", ret);
		goto out;
	}
	if (req->json) {
		ret = drift_buf_printf(&out, "{\"selftest\":%s,\"selftest_ns\":%llu}\n",
				       ctx.st.selftest ? "true" : "false",
				       (unsigned long long)ctx.st.selftest_ns);
	} else if (ctx.st.selftest) {
		ret = drift_buf_printf(&out, "self-test passed: the exec, mmap, "
				       "mprotect and interpreter-open hooks "
				       "take effect\n");
	} else {
		ret = drift_buf_printf(&out, "self-test FAILED: enforcement is "
				       "not proven (see the kernel log: dmesg "
				       "| grep drift)\n");
	}
	if (ret) {
		ret = ctl_fail(NULL, "selftest", -ENOMEM);
		goto out;
	}
	ret = ctl_write(&out);
	if (!ret && !ctx.st.selftest)
		ret = EXIT_REFUSED;
out:
	status_free(&ctx.st);
	drift_buf_free(&out);
	nl_close(&nl);
	return ret;
}

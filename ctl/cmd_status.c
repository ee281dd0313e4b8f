// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl status, driftctl selftest */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"

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

/* One request without a reply payload; 0 or -errno (extack in nl->err). */
static int simple_req(struct nl *nl, struct nlmsghdr *nlh)
{
	return nlh ? nl_request(nl, nlh, NULL, NULL) : -errno;
}

/*
 * The real path: a sentinel cgroup bound in enforce mode to an empty set;
 * a child joins it and exec's driftctl itself, which must fail with
 * EACCES. Returns 0 (denied as it must be), 1 (the exec ran: enforcement
 * is broken), or -errno when the test could not be set up (*what says
 * which step).
 */
static int real_path_test(struct nl *nl, const char **what)
{
	char cg[PATH_MAX], procs[PATH_MAX + 16], set[64], cerr[256];
	uint64_t cgid = 0;
	bool bound = false, have_set = false;
	int ret, status;
	pid_t pid;

	snprintf(set, sizeof(set), "drift-selftest-%ld", (long)getpid());
	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/%s", set);
	*what = "creating the sentinel cgroup";
	if (mkdir(cg, 0700))
		return -errno;
	ret = drift_cgroup_resolve(cg, &cgid, cerr, sizeof(cerr));
	if (ret)
		goto out;
	*what = "loading an empty set";
	ret = simple_req(nl, msg_set_begin(nl->sbuf, NL_SEND_BUF, nl->family,
					   set, 0));
	if (!ret)
		ret = simple_req(nl, msg_set_name_cmd(nl->sbuf, NL_SEND_BUF,
						      nl->family,
						      DRIFT_CMD_SET_COMMIT,
						      set));
	if (ret)
		goto out;
	have_set = true;
	*what = "binding the sentinel cgroup";
	ret = simple_req(nl, msg_bind(nl->sbuf, NL_SEND_BUF, nl->family, cgid,
				      set, DRIFT_MODE_ENFORCE, -1, -1, set,
				      false, -1));
	if (ret)
		goto out;
	bound = true;
	*what = "running the sentinel";
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		static char *const argv[] = { "driftctl", "version", NULL };
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		int null = open("/dev/null", O_WRONLY);

		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(3);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv("/proc/self/exe", argv);
		_exit(errno == EACCES ? 2 : 4);
	}
	if (waitpid(pid, &status, 0) < 0) {
		ret = -errno;
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 3 ||
	    WEXITSTATUS(status) == 4)
		ret = -EIO;		/* could not join, or another error */
	else
		ret = WEXITSTATUS(status) == 2 ? 0 : 1;
out:
	if (bound)
		simple_req(nl, msg_unbind(nl->sbuf, NL_SEND_BUF, nl->family,
					  cgid));
	if (have_set)
		simple_req(nl, msg_set_name_cmd(nl->sbuf, NL_SEND_BUF,
						nl->family, DRIFT_CMD_SET_DEL,
						set));
	rmdir(cg);
	return ret;
}

/*
 * driftctl selftest: DRIFT_CMD_SELFTEST (the reply carries the result),
 * then the real path (real_path_test()).
 */
int cmd_selftest(const struct ctl_req *req)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	struct status_ctx ctx = { .ret = 0 };
	const char *what = "";
	struct nlmsghdr *nlh;
	struct nl nl;
	int ret, real;

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
	real = real_path_test(&nl, &what);
	if (req->json) {
		ret = drift_buf_printf(&out, "{\"selftest\":%s,\"selftest_ns\":%llu,"
				       "\"real_exec_denied\":%s}\n",
				       ctx.st.selftest ? "true" : "false",
				       (unsigned long long)ctx.st.selftest_ns,
				       real < 0 ? "null" : real ? "false" : "true");
	} else {
		if (ctx.st.selftest)
			ret = drift_buf_printf(&out, "self-test passed: the exec, "
					       "mmap, mprotect and interpreter-open "
					       "hooks take effect\n");
		else
			ret = drift_buf_printf(&out, "self-test FAILED: enforcement "
					       "is not proven (see the kernel log: "
					       "dmesg | grep drift)\n");
		if (!ret && real == 0)
			ret = drift_buf_printf(&out, "real exec in a sentinel cgroup "
					       "bound to an empty set: denied "
					       "(EACCES), as it must be\n");
		else if (!ret && real == 1)
			ret = drift_buf_printf(&out, "real exec in a sentinel cgroup "
					       "bound to an empty set: it RAN; "
					       "enforcement is not working\n");
	}
	if (ret) {
		ret = ctl_fail(NULL, "selftest", -ENOMEM);
		goto out;
	}
	ret = ctl_write(&out);
	if (real < 0)
		fprintf(stderr, "driftctl: selftest: real exec test not run: %s: "
			"%s%s%s\n", what, strerror(-real),
			nl.err.msg ? ": " : "", nl.err.msg ? nl.err.msg : "");
	if (!ret && (!ctx.st.selftest || real == 1))
		ret = EXIT_REFUSED;
out:
	status_free(&ctx.st);
	drift_buf_free(&out);
	nl_close(&nl);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl default, lock, unlock (DRIFT_CMD_SET_CONFIG) */
#include <errno.h>
#include <stdio.h>

#include "driftctl.h"

static int set_config(const struct config_req *cfg, const char *what,
		      int *err_out)
{
	struct nlmsghdr *nlh;
	struct nl nl;
	int ret;

	*err_out = 0;
	ret = ctl_open(&nl);
	if (ret)
		return ret;
	nlh = msg_set_config(nl.sbuf, NL_SEND_BUF, nl.family, cfg);
	ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
	if (ret) {
		*err_out = ret;
		ret = ctl_fail(&nl, what, ret);
	}
	nl_close(&nl);
	return ret;
}

int cmd_default(const struct ctl_req *req)
{
	struct config_req cfg = {
		.mode = req->mode,
		.set = req->no_set ? "" : req->set,
		.locked = -1,
		.sealed = -1,
		.has_rate = req->has_rate,
		.has_burst = req->has_burst,
		.rate = req->rate,
		.burst = req->burst,
	};
	int err, ret = set_config(&cfg, "default", &err);

	if (err == -EINVAL && (req->mode > 0 || req->no_set))
		fprintf(stderr, "driftctl: hint: a default mode other than off "
			"needs a default set (--set SET); to drop the set, set "
			"the mode to off in the same command\n");
	else if (err == -ENOENT && req->set)
		fprintf(stderr, "driftctl: hint: no set named '%s' (see "
			"'driftctl sets')\n", req->set);
	return ret;
}

int cmd_lock(const struct ctl_req *req)
{
	struct config_req cfg = {
		.mode = -1,
		.locked = req->cmd == CTL_LOCK,
		.sealed = -1,
	};
	int err;

	return set_config(&cfg, req->cmd == CTL_LOCK ? "lock" : "unlock", &err);
}

int cmd_seal(const struct ctl_req *req)
{
	struct config_req cfg = { .mode = -1, .locked = -1, .sealed = 1 };
	int err;

	(void)req;
	return set_config(&cfg, "seal", &err);
}

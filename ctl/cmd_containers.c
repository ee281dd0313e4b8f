// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * driftctl containers: the containers driftd governs (its records) joined
 * with the kernel's bindings by cgroup id, so an operator sees each
 * container's image, the mode in force and its counters in one place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftctl.h"

static int cmp_record(const void *a, const void *b)
{
	const struct drift_record *x = a, *y = b;

	return strcmp(x->name ? x->name : x->id, y->name ? y->name : y->id);
}

int cmd_containers(const struct ctl_req *req)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	struct binding_info *b = NULL;
	struct drift_record *r = NULL;
	size_t n = 0, nb = 0;
	struct nl nl;
	int ret;

	ret = records_load(records_dir(), &r, &n);
	if (ret) {
		fprintf(stderr, "driftctl: cannot read container records in %s: %s\n",
			records_dir(), strerror(-ret));
		return ctl_exit_code(ret);
	}
	qsort(r, n, sizeof(*r), cmp_record);
	ret = ctl_open(&nl);
	if (ret)
		goto out;
	ret = bindings_fetch(&nl, &b, &nb);
	if (ret) {
		ret = ctl_fail(&nl, "containers", ret);
		goto close;
	}
	if (render_containers(r, n, b, nb, req->json, &out)) {
		ret = ctl_fail(NULL, "containers", -ENOMEM);
		goto close;
	}
	ret = ctl_write(&out);
close:
	nl_close(&nl);
out:
	bindings_free(b, nb);
	records_free(r, n);
	drift_buf_free(&out);
	return ret;
}

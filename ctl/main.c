// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl: dispatch, error reporting, exit codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "driftctl.h"

int ctl_exit_code(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case -EPERM:
	case -EACCES:
		return EXIT_PERM;
	case -ENOENT:
	case -ESRCH:
		return EXIT_NOTFOUND;
	default:
		return EXIT_REFUSED;
	}
}

static const char *hint_for(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "permission denied (changes need CAP_NET_ADMIN and "
		       "CAP_SYS_ADMIN in the initial user namespace, from a "
		       "cgroup drift does not govern, and a sealed module "
		       "accepts only tightening)";
	default:
		return NULL;
	}
}

int ctl_fail(struct nl *nl, const char *what, int err)
{
	const char *msg = nl && nl->err.msg ? nl->err.msg : NULL;
	struct drift_buf b = DRIFT_BUF_INIT;
	const char *hint = hint_for(err);

	if (err == -EPROTO && !msg)
		msg = "malformed reply from the kernel (driftctl and drift.ko "
		      "versions differ?)";
	if (msg)
		drift_text_escape(&b, msg);
	if (hint)
		fprintf(stderr, "driftctl: %s: %s%s%s\n", what, hint,
			msg ? ": " : "", msg ? b.data : "");
	else if (msg)
		fprintf(stderr, "driftctl: %s: %s (%s)\n", what, b.data,
			strerror(-err));
	else
		fprintf(stderr, "driftctl: %s: %s\n", what, strerror(-err));
	drift_buf_free(&b);
	return ctl_exit_code(err);
}

int ctl_open(struct nl *nl)
{
	struct drift_buf err = DRIFT_BUF_INIT;
	int ret = nl_open(nl, &err);

	if (ret == 0) {
		drift_buf_free(&err);
		if (nl->version && nl->version != DRIFT_GENL_VERSION)
			fprintf(stderr, "driftctl: warning: the drift module "
				"speaks protocol version %u, driftctl version %d\n",
				nl->version, DRIFT_GENL_VERSION);
		return 0;
	}
	fprintf(stderr, "driftctl: %s\n", err.data ? err.data : strerror(-ret));
	drift_buf_free(&err);
	if (ret == -ENOENT)
		return EXIT_NOMODULE;
	return ctl_exit_code(ret);
}

/* "ct:NAME" (a container driftd knows: id, name or id prefix) */
static int container_cgroup(const char *key, uint64_t *id)
{
	const struct drift_record *r;
	struct drift_record *v;
	size_t n;
	int ret = records_load(records_dir(), &v, &n);

	if (ret) {
		fprintf(stderr, "driftctl: cannot read container records in %s: %s\n",
			records_dir(), strerror(-ret));
		return ctl_exit_code(ret);
	}
	const struct drift_record *hits[16];
	size_t k = records_match(v, n, key, hits, 16), i;

	r = k == 1 ? hits[0] : NULL;
	if (r) {
		*id = r->cgroup_id;
	} else if (k > 1) {
		fprintf(stderr, "driftctl: ct:%s matches %zu containers; name one by its id:\n",
			key, k);
		for (i = 0; i < k && i < 16; i++)
			fprintf(stderr, "  ct:%s  (name %s, namespace %s, image %s)\n",
				hits[i]->id, hits[i]->name ? hits[i]->name : "-",
				hits[i]->namespace_ ? hits[i]->namespace_ : "-",
				hits[i]->image ? hits[i]->image : "-");
		if (k > 16)
			fprintf(stderr, "  ... and %zu more\n", k - 16);
	} else {
		fprintf(stderr, "driftctl: no container '%s' known to driftd (see "
			"'driftctl containers'; records in %s)\n", key,
			records_dir());
	}
	records_free(v, n);
	if (k > 1)
		return EXIT_USAGE;
	return r ? 0 : EXIT_NOTFOUND;
}

int ctl_cgroup(const char *spec, uint64_t *id)
{
	char msg[1024];
	int ret;

	if (!strncmp(spec, "ct:", 3))
		return container_cgroup(spec + 3, id);
	ret = drift_cgroup_resolve(spec, id, msg, sizeof(msg));

	if (ret == 0)
		return 0;
	fprintf(stderr, "driftctl: %s\n", msg);
	if (ret == -ENOENT)
		return EXIT_NOTFOUND;
	if (ret == -EINVAL || ret == -ENOTDIR)
		return EXIT_USAGE;
	return ctl_exit_code(ret);
}

int ctl_write(struct drift_buf *out)
{
	if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
		perror("driftctl: write");
		return EXIT_REFUSED;
	}
	if (fflush(stdout) != 0) {
		perror("driftctl: write");
		return EXIT_REFUSED;
	}
	return 0;
}

static int run(const struct ctl_req *req)
{
	const char *h;

	switch (req->cmd) {
	case CTL_HELP:
		h = ctl_help(req->help_topic);
		fputs(h ? h : ctl_usage(NULL), stdout);
		return fflush(stdout) ? EXIT_REFUSED : EXIT_OK;
	case CTL_VERSION:
		printf("driftctl %s (protocol version %d)\n", DRIFTCTL_VERSION,
		       DRIFT_GENL_VERSION);
		return fflush(stdout) ? EXIT_REFUSED : EXIT_OK;
	case CTL_STATUS: return cmd_status(req);
	case CTL_SETS: return cmd_sets(req);
	case CTL_BINDINGS: return cmd_bindings(req);
	case CTL_CONTAINERS: return cmd_containers(req);
	case CTL_SELFTEST: return cmd_selftest(req);
	case CTL_SET_LOAD: return cmd_set_load(req);
	case CTL_SET_DEL: return cmd_set_del(req);
	case CTL_BIND: return cmd_bind(req);
	case CTL_UNBIND: return cmd_unbind(req);
	case CTL_MODE: return cmd_mode(req);
	case CTL_DEFAULT: return cmd_default(req);
	case CTL_EXC_ADD:
	case CTL_EXC_DEL: return cmd_exception(req);
	case CTL_LOCK:
	case CTL_UNLOCK: return cmd_lock(req);
	case CTL_SEAL: return cmd_seal(req);
	case CTL_MONITOR: return cmd_monitor(req);
	case CTL_REPORT: return cmd_report(req);
	default:
		fputs(ctl_usage(NULL), stderr);
		return EXIT_USAGE;
	}
}

int driftctl_main(int argc, char **argv)
{
	struct drift_buf err = DRIFT_BUF_INIT;
	struct ctl_req req;
	int ret;

	ret = ctl_parse_args(argc, argv, &req, &err);
	if (ret) {
		fprintf(stderr, "driftctl: %s\n", err.data ? err.data : "usage error");
		drift_buf_free(&err);
		ctl_req_free(&req);
		return ret;
	}
	drift_buf_free(&err);
	ret = run(&req);
	ctl_req_free(&req);
	return ret;
}

#ifndef DRIFTCTL_NO_MAIN
int main(int argc, char **argv)
{
	return driftctl_main(argc, argv);
}
#endif

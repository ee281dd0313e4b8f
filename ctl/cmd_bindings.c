// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl bindings, bind, unbind, mode, exception add|del */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driftctl.h"
#include "fileid.h"
#include "names.h"

/* ---- bindings -------------------------------------------------------- */

struct bindings_ctx {
	struct binding_info *v;
	size_t n, cap;
	int ret;
};

static int bindings_cb(const struct nlmsghdr *nlh, void *data)
{
	struct bindings_ctx *ctx = data;
	struct binding_info bi;

	if (ctx->ret)
		return MNL_CB_OK;
	ctx->ret = parse_binding(nlh, &bi);
	if (ctx->ret)
		return MNL_CB_OK;
	if (ctx->n == ctx->cap) {
		size_t cap = ctx->cap ? 2 * ctx->cap : 16;
		struct binding_info *v = realloc(ctx->v, cap * sizeof(*v));

		if (!v) {
			binding_free(&bi);
			ctx->ret = -ENOMEM;
			return MNL_CB_OK;
		}
		ctx->v = v;
		ctx->cap = cap;
	}
	ctx->v[ctx->n++] = bi;
	return MNL_CB_OK;
}

static int cmp_binding(const void *a, const void *b)
{
	uint64_t x = ((const struct binding_info *)a)->cgid;
	uint64_t y = ((const struct binding_info *)b)->cgid;

	return x < y ? -1 : x > y;
}

int bindings_fetch(struct nl *nl, struct binding_info **v, size_t *n)
{
	struct bindings_ctx ctx = { .ret = 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = msg_get_binding(nl->sbuf, NL_SEND_BUF, nl->family, NULL, 0);
	ret = nlh ? nl_request(nl, nlh, bindings_cb, &ctx) : -errno;
	if (!ret)
		ret = ctx.ret;
	if (ret) {
		bindings_free(ctx.v, ctx.n);
		return ret;
	}
	*v = ctx.v;
	*n = ctx.n;
	return 0;
}

void bindings_free(struct binding_info *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		binding_free(&v[i]);
	free(v);
}

static void not_bound(const char *cgroup)
{
	fprintf(stderr, "driftctl: cgroup %s is not bound (see 'driftctl "
		"bindings')\n", cgroup);
}

int cmd_bindings(const struct ctl_req *req)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	struct bindings_ctx ctx = { .ret = 0 };
	struct nlmsghdr *nlh;
	uint64_t cgid = 0;
	struct nl nl;
	size_t i;
	int ret;

	if (req->cgroup) {
		ret = ctl_cgroup(req->cgroup, &cgid);
		if (ret)
			return ret;
	}
	ret = ctl_open(&nl);
	if (ret)
		return ret;
	nlh = msg_get_binding(nl.sbuf, NL_SEND_BUF, nl.family, req->cgroup,
			      cgid);
	ret = nlh ? nl_request(&nl, nlh, bindings_cb, &ctx) : -errno;
	if (!ret)
		ret = ctx.ret;
	if (ret) {
		ret = ctl_fail(&nl, "bindings", ret);
		if (ret == EXIT_NOTFOUND && req->cgroup)
			not_bound(req->cgroup);
		goto out;
	}
	qsort(ctx.v, ctx.n, sizeof(*ctx.v), cmp_binding);
	if (render_bindings(ctx.v, ctx.n, req->json, &out)) {
		ret = ctl_fail(NULL, "bindings", -ENOMEM);
		goto out;
	}
	ret = ctl_write(&out);
out:
	for (i = 0; i < ctx.n; i++)
		binding_free(&ctx.v[i]);
	free(ctx.v);
	drift_buf_free(&out);
	nl_close(&nl);
	return ret;
}

/* ---- bind, unbind, mode ---------------------------------------------- */

/* Resolves the cgroup, opens the socket. Returns 0 or an exit code. */
static int prepare(const struct ctl_req *req, struct nl *nl, uint64_t *cgid)
{
	int ret = ctl_cgroup(req->cgroup, cgid);

	if (ret)
		return ret;
	return ctl_open(nl);
}

int cmd_bind(const struct ctl_req *req)
{
	struct nlmsghdr *nlh;
	int root_fd = -1;
	uint64_t cgid;
	struct nl nl;
	int ret;

	if (req->root) {
		/* the kernel takes the directory itself, not its name */
		root_fd = open(req->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0) {
			struct drift_buf p = DRIFT_BUF_INIT;

			ret = -errno;
			drift_text_escape(&p, req->root);
			fprintf(stderr, "driftctl: bind: --root %s: %s\n",
				p.data ? p.data : "", strerror(-ret));
			drift_buf_free(&p);
			return ret == -ENOENT ? EXIT_NOTFOUND : EXIT_USAGE;
		}
	}
	ret = prepare(req, &nl, &cgid);
	if (ret) {
		if (root_fd >= 0)
			close(root_fd);
		return ret;
	}
	nlh = msg_bind(nl.sbuf, NL_SEND_BUF, nl.family, cgid, req->set,
		       req->mode, req->lib_mode, req->bind_flags, req->name,
		       req->replace, root_fd);
	ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
	if (root_fd >= 0)
		close(root_fd);
	if (ret) {
		int code = ctl_fail(&nl, "bind", ret);

		if (ret == -EEXIST)
			fprintf(stderr, "driftctl: hint: cgroup %s is already "
				"bound; use --replace to change its binding\n",
				req->cgroup);
		else if (ret == -ENOENT && !nl.err.msg)
			fprintf(stderr, "driftctl: hint: no set named '%s' (see "
				"'driftctl sets'), or the cgroup is gone\n",
				req->set);
		ret = code;
	}
	nl_close(&nl);
	return ret;
}

int cmd_unbind(const struct ctl_req *req)
{
	struct nlmsghdr *nlh;
	uint64_t cgid;
	struct nl nl;
	int ret;

	ret = prepare(req, &nl, &cgid);
	if (ret)
		return ret;
	nlh = msg_unbind(nl.sbuf, NL_SEND_BUF, nl.family, cgid);
	ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
	if (ret) {
		ret = ctl_fail(&nl, "unbind", ret);
		if (ret == EXIT_NOTFOUND)
			not_bound(req->cgroup);
	}
	nl_close(&nl);
	return ret;
}

/* mode ns:NAMESPACE MODE: every container driftd knows in NAMESPACE */
static int mode_namespace(const struct ctl_req *req, const char *ns)
{
	struct drift_record *v;
	struct nl nl;
	size_t n, i, done = 0;
	int ret = records_load(records_dir(), &v, &n);

	if (ret) {
		fprintf(stderr, "driftctl: cannot read container records in %s: %s\n",
			records_dir(), strerror(-ret));
		return ctl_exit_code(ret);
	}
	ret = ctl_open(&nl);
	if (ret)
		goto out;
	for (i = 0; i < n && !ret; i++) {
		struct nlmsghdr *nlh;

		if (!v[i].namespace_ || strcmp(v[i].namespace_, ns))
			continue;
		nlh = msg_set_mode(nl.sbuf, NL_SEND_BUF, nl.family,
				   v[i].cgroup_id, req->mode, req->lib_mode,
				   req->bind_flags);
		ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
		if (ret == -ENOENT)	/* container gone since the record */
			ret = 0;
		else if (ret)
			ret = ctl_fail(&nl, "mode", ret);
		else
			done++;
	}
	nl_close(&nl);
	if (!ret && !done) {
		fprintf(stderr, "driftctl: no running container in namespace '%s' "
			"(see 'driftctl containers')\n", ns);
		ret = EXIT_NOTFOUND;
	} else if (!ret) {
		printf("%zu container%s in namespace %s set to %s%s%s\n", done,
		       done == 1 ? "" : "s", ns,
		       req->mode >= 0 ? mode_str(req->mode) : "",
		       req->mode >= 0 && req->lib_mode >= 0 ? ", library mode " :
		       req->lib_mode >= 0 ? "library mode " : "",
		       req->lib_mode >= 0 ? drift_mode_name((unsigned)req->lib_mode) : "");
	}
out:
	records_free(v, n);
	return ret;
}

int cmd_mode(const struct ctl_req *req)
{
	struct nlmsghdr *nlh;
	uint64_t cgid;
	struct nl nl;
	int ret;

	if (!strncmp(req->cgroup, "ns:", 3))
		return mode_namespace(req, req->cgroup + 3);
	ret = prepare(req, &nl, &cgid);
	if (ret)
		return ret;
	nlh = msg_set_mode(nl.sbuf, NL_SEND_BUF, nl.family, cgid, req->mode,
			   req->lib_mode, req->bind_flags);
	ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
	if (ret) {
		ret = ctl_fail(&nl, "mode", ret);
		if (ret == EXIT_NOTFOUND)
			not_bound(req->cgroup);
	}
	nl_close(&nl);
	return ret;
}

/* ---- exception add|del ------------------------------------------------ */

int cmd_exception(const struct ctl_req *req)
{
	const char *what = req->cmd == CTL_EXC_ADD ? "exception add" :
		"exception del";
	struct drift_file_id id = { 0 };
	struct nlmsghdr *nlh;
	uint64_t cgid;
	struct nl nl;
	int ret;

	if (req->exc_type == DRIFT_EXC_FILE &&
	    drift_file_id_from_path(req->exc_arg, &id, 0) != 0) {
		ret = -errno;
		fprintf(stderr, "driftctl: %s: %s: %s\n", what, req->exc_arg,
			strerror(errno));
		return ret == -ENOENT ? EXIT_NOTFOUND : EXIT_REFUSED;
	}
	ret = prepare(req, &nl, &cgid);
	if (ret)
		return ret;
	nlh = msg_exception(nl.sbuf, NL_SEND_BUF, nl.family,
			    req->cmd == CTL_EXC_ADD ? DRIFT_CMD_EXCEPTION_ADD :
			    DRIFT_CMD_EXCEPTION_DEL, cgid, req->exc_type, &id,
			    req->exc_arg);
	ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
	if (ret) {
		int code = ctl_fail(&nl, what, ret);

		if (ret == -EEXIST)
			fprintf(stderr, "driftctl: the exception is already "
				"there\n");
		else if (ret == -ENOSPC)
			fprintf(stderr, "driftctl: at most %d exceptions per "
				"binding\n", DRIFT_MAX_EXCEPTIONS);
		else if (ret == -ENOENT && !nl.err.msg)
			fprintf(stderr, "driftctl: hint: cgroup %s is not bound%s\n",
				req->cgroup, req->cmd == CTL_EXC_DEL ?
				", or has no such exception" : "");
		ret = code;
	}
	nl_close(&nl);
	return ret;
}

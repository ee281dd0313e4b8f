// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl sets, set load, set del */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "driftctl.h"
#include "fileid.h"
#include "walk.h"

/* ---- sets ------------------------------------------------------------ */

struct sets_ctx {
	struct set_info *v;
	size_t n, cap;
	int ret;
};

static int sets_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sets_ctx *ctx = data;
	struct set_info si;

	if (ctx->ret)
		return MNL_CB_OK;
	ctx->ret = parse_set(nlh, &si);
	if (ctx->ret)
		return MNL_CB_OK;
	if (ctx->n == ctx->cap) {
		size_t cap = ctx->cap ? 2 * ctx->cap : 16;
		struct set_info *v = realloc(ctx->v, cap * sizeof(*v));

		if (!v) {
			set_info_free(&si);
			ctx->ret = -ENOMEM;
			return MNL_CB_OK;
		}
		ctx->v = v;
		ctx->cap = cap;
	}
	ctx->v[ctx->n++] = si;
	return MNL_CB_OK;
}

static int cmp_set(const void *a, const void *b)
{
	return strcmp(((const struct set_info *)a)->name,
		      ((const struct set_info *)b)->name);
}

int cmd_sets(const struct ctl_req *req)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	struct sets_ctx ctx = { .ret = 0 };
	struct nlmsghdr *nlh;
	struct nl nl;
	size_t i;
	int ret;

	ret = ctl_open(&nl);
	if (ret)
		return ret;
	nlh = msg_get_set(nl.sbuf, NL_SEND_BUF, nl.family, req->set);
	ret = nlh ? nl_request(&nl, nlh, sets_cb, &ctx) : -errno;
	if (!ret)
		ret = ctx.ret;
	if (ret) {
		ret = ctl_fail(&nl, "sets", ret);
		if (ret == EXIT_NOTFOUND && req->set)
			fprintf(stderr, "driftctl: no set named '%s' (see "
				"'driftctl sets')\n", req->set);
		goto out;
	}
	qsort(ctx.v, ctx.n, sizeof(*ctx.v), cmp_set);
	if (render_sets(ctx.v, ctx.n, req->json, &out)) {
		ret = ctl_fail(NULL, "sets", -ENOMEM);
		goto out;
	}
	ret = ctl_write(&out);
out:
	for (i = 0; i < ctx.n; i++)
		set_info_free(&ctx.v[i]);
	free(ctx.v);
	drift_buf_free(&out);
	nl_close(&nl);
	return ret;
}

/* ---- set load -------------------------------------------------------- */

struct load {
	struct drift_idvec iv;
	size_t skipped, map_only;
	unsigned int flags;		/* DRIFT_FILEID_SHA256 or 0 */
};

static void push_failed(int ret)
{
	if (ret == -E2BIG)
		fprintf(stderr, "driftctl: set load: too many files for one "
			"set (at most %u)\n", DRIFT_SET_MAX_ENTRIES);
	else
		fprintf(stderr, "driftctl: set load: %s\n", strerror(-ret));
}

/*
 * A file the user named: any failure is fatal. Symlinks are followed (the
 * user named it). A file without an execute bit is flagged
 * DRIFT_FILE_F_MAP_ONLY: it may be mapped executable, not exec'd.
 */
static int add_file(struct load *ld, const char *path)
{
	struct drift_file_id id;
	struct drift_buf p = DRIFT_BUF_INIT;
	struct stat st;
	int ret;

	if (drift_file_id_from_path(path, &id, ld->flags) != 0 ||
	    stat(path, &st) != 0) {
		ret = -errno;
		drift_text_escape(&p, path);
		fprintf(stderr, "driftctl: set load: %s: %s\n", p.data,
			strerror(-ret));
		drift_buf_free(&p);
		return ret;
	}
	if (!(st.st_mode & 0111)) {
		id.flags |= DRIFT_FILE_F_MAP_ONLY;
		ld->map_only++;
	}
	ret = drift_idvec_push(&ld->iv, &id);
	if (ret)
		push_failed(ret);
	return ret;
}

static int add_list(struct load *ld, const char *list)
{
	FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	if (!f) {
		ret = -errno;
		fprintf(stderr, "driftctl: set load: cannot read list %s: %s\n",
			list, strerror(errno));
		return ret;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (strlen(line) != (size_t)len) {
			fprintf(stderr, "driftctl: set load: %s: a line contains "
				"a NUL byte\n", list);
			ret = -EINVAL;
			break;
		}
		ret = add_file(ld, line);
		if (ret)
			break;
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		fprintf(stderr, "driftctl: set load: error reading %s\n", list);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

static void warn_path(const char *path, const char *what)
{
	struct drift_buf p = DRIFT_BUF_INIT;

	drift_text_escape(&p, path);
	fprintf(stderr, "driftctl: set load: warning: %s: %s\n",
		p.data ? p.data : "?", what);
	drift_buf_free(&p);
}

static int dir_file(const struct drift_walk_file *f, void *arg)
{
	struct load *ld = arg;
	struct drift_file_id id;
	char what[128];
	int ret;

	if (drift_file_id_walked(f, ld->flags, &id) != 0) {
		snprintf(what, sizeof(what), "%s (left out)", strerror(errno));
		warn_path(f->path, what);
		ld->skipped++;
		return 0;
	}
	if (f->map_only)
		ld->map_only++;
	ret = drift_idvec_push(&ld->iv, &id);
	if (ret) {
		push_failed(ret);
		return ret;
	}
	return 0;
}

static void dir_error(const char *path, int err, void *arg)
{
	struct load *ld = arg;
	char what[128];

	switch (err) {
	case EXDEV:
		warn_path(path, "another filesystem or a mount point: not "
			  "walked, its files are not in the set");
		break;
	case ELOOP:
		snprintf(what, sizeof(what), "nested deeper than %u directory "
			 "levels: not walked", DRIFT_WALK_MAX_DEPTH);
		warn_path(path, what);
		break;
	case E2BIG:
		snprintf(what, sizeof(what), "more than %u directory entries: "
			 "the walk stopped here", DRIFT_WALK_MAX_ENTRIES);
		warn_path(path, what);
		break;
	default:
		warn_path(path, strerror(err));
		ld->skipped++;
	}
}

static int add_dir(struct load *ld, const char *dir)
{
	struct drift_walk_opts o = {
		.flags = DRIFT_WALK_ELF, .file = dir_file, .error = dir_error,
		.arg = ld,
	};
	struct drift_walk_result r;
	struct drift_buf p = DRIFT_BUF_INIT;
	int ret = drift_walk_set_files(dir, &o, &r);

	drift_text_escape(&p, dir);
	if (ret < 0) {
		ret = -errno;
		fprintf(stderr, "driftctl: set load: cannot walk %s: %s\n",
			p.data ? p.data : "?", strerror(errno));
	} else if (ret == 0 && r.truncated) {
		/* A partial set would deny what was left out: refuse. */
		fprintf(stderr, "driftctl: set load: %s: %s; nothing was "
			"loaded. Load the subtrees separately (--from-dir "
			"can be repeated) or use --from-list.\n",
			p.data ? p.data : "?",
			drift_walk_limit_text(r.truncated));
		ret = -E2BIG;
	} else if (ret) {
		ret = ret < 0 ? ret : -E2BIG;
	}
	drift_buf_free(&p);
	return ret;
}

static int commit_cb(const struct nlmsghdr *nlh, void *data)
{
	struct commit_info *ci = data;

	commit_free(ci);
	if (parse_commit(nlh, ci))
		memset(ci, 0, sizeof(*ci));
	return MNL_CB_OK;
}

static int load_exit(int err)
{
	return err == -ENOENT ? EXIT_NOTFOUND :
		err == -EACCES || err == -EPERM ? EXIT_PERM : EXIT_REFUSED;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * DRIFTCTL_TIMING=1 in the environment prints where a load's time went
 * (collecting identities, sending them, the kernel's commit) to stderr.
 */
int cmd_set_load(const struct ctl_req *req)
{
	const char *timing = getenv("DRIFTCTL_TIMING");
	double t0 = mono(), t1 = 0, t2 = 0;
	struct load ld = {
		.iv = DRIFT_IDVEC_INIT,
		.flags = req->no_hash ? 0 : DRIFT_FILEID_SHA256,
	};
	struct drift_idvec *ivp = &ld.iv;
	struct commit_info ci = { 0 };
	struct nlmsghdr *nlh;
	struct nl nl;
	size_t i, off;
	int ret;

	ret = ctl_open(&nl);
	if (ret)
		return ret;
	for (i = 0; i < req->nsrcs; i++) {
		const struct ctl_src *s = &req->srcs[i];

		ret = s->type == SRC_FILE ? add_file(&ld, s->path) :
		      s->type == SRC_LIST ? add_list(&ld, s->path) :
		      add_dir(&ld, s->path);
		if (ret) {
			ret = load_exit(ret);
			goto out;
		}
	}
	t1 = mono();
	if (ivp->n > DRIFT_SET_MAX_ENTRIES) {
		fprintf(stderr, "driftctl: set load: %zu files, a set holds at "
			"most %u\n", ivp->n, DRIFT_SET_MAX_ENTRIES);
		ret = EXIT_REFUSED;
		goto out;
	}
	if (ivp->n == 0 && !req->nincludes)
		fprintf(stderr, "driftctl: set load: warning: set '%s' is empty: "
			"every exec governed by it will be reported (audit) or "
			"denied (enforce)\n", req->set);

	nlh = msg_set_begin(nl.sbuf, NL_SEND_BUF, nl.family, req->set,
			    (uint32_t)ivp->n);
	ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
	if (ret) {
		ret = ctl_fail(&nl, "set load (begin)", ret);
		goto out;
	}
	for (off = 0; off < ivp->n; off += DRIFT_SET_CHUNK_MAX) {
		size_t n = ivp->n - off;

		if (n > DRIFT_SET_CHUNK_MAX)
			n = DRIFT_SET_CHUNK_MAX;
		nlh = msg_set_add(nl.sbuf, NL_SEND_BUF, nl.family, req->set,
				  ivp->v + off, n);
		ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
		if (ret)
			break;
	}
	t2 = mono();
	if (!ret) {
		nlh = msg_set_commit(nl.sbuf, NL_SEND_BUF, nl.family, req->set,
				     req->includes, req->nincludes);
		ret = nlh ? nl_request(&nl, nlh, commit_cb, &ci) : -errno;
	}
	if (ret) {
		struct nl_err saved = nl.err;
		int r2;

		/* Keep the first error's message; drop the staging area. */
		memset(&nl.err, 0, sizeof(nl.err));
		nlh = msg_set_name_cmd(nl.sbuf, NL_SEND_BUF, nl.family,
				       DRIFT_CMD_SET_ABORT, req->set);
		r2 = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
		nl_err_reset(&nl.err);
		nl.err = saved;
		ret = ctl_fail(&nl, off < ivp->n ? "set load (add)" :
			       "set load (commit)", ret);
		if (r2)
			fprintf(stderr, "driftctl: set load: abort failed too: "
				"%s\n", strerror(-r2));
		goto out;
	}
	if (ci.has_count)
		printf("set '%s' loaded: %u entries from %zu files%s",
		       req->set, ci.count, ivp->n, req->no_hash ? " (no hashes)" : "");
	else
		printf("set '%s' loaded: %zu files%s", req->set, ivp->n,
		       req->no_hash ? " (no hashes)" : "");
	for (i = 0; i < req->nincludes; i++)
		printf("%s%s", i ? ", " : " and the entries of ", req->includes[i]);
	printf("\n");
	if (ld.map_only)
		printf("%zu of them without an execute bit (ELF objects: may be "
		       "mapped executable, not exec'd)\n", ld.map_only);
	if (ld.skipped)
		printf("warning: %zu files could not be read and were left out\n",
		       ld.skipped);
	if (timing && *timing && strcmp(timing, "0"))
		fprintf(stderr, "driftctl: timing: collect %.3f s, begin+add "
			"%.3f s (%zu messages), commit %.3f s, total %.3f s\n",
			t1 - t0, t2 - t1,
			(ivp->n + DRIFT_SET_CHUNK_MAX - 1) / DRIFT_SET_CHUNK_MAX,
			mono() - t2, mono() - t0);
	ret = fflush(stdout) ? EXIT_REFUSED : EXIT_OK;
out:
	commit_free(&ci);
	drift_idvec_free(ivp);
	nl_close(&nl);
	return ret;
}

/* ---- set del --------------------------------------------------------- */

int cmd_set_del(const struct ctl_req *req)
{
	struct nlmsghdr *nlh;
	struct nl nl;
	int ret;

	ret = ctl_open(&nl);
	if (ret)
		return ret;
	nlh = msg_set_name_cmd(nl.sbuf, NL_SEND_BUF, nl.family,
			       DRIFT_CMD_SET_DEL, req->set);
	ret = nlh ? nl_request(&nl, nlh, NULL, NULL) : -errno;
	if (ret) {
		int code = ctl_fail(&nl, "set del", ret);

		if (ret == -ENOENT)
			fprintf(stderr, "driftctl: no set named '%s' (see "
				"'driftctl sets')\n", req->set);
		else if (ret == -EBUSY)
			fprintf(stderr, "driftctl: hint: '%s' is the default "
				"set or another set includes it: change the default "
				"first with 'driftctl default --set OTHER' or "
				"'driftctl default --mode off --no-set', and delete "
				"or reload the sets that include it (see 'driftctl "
				"sets', INCLUDES)\n", req->set);
		ret = code;
	}
	nl_close(&nl);
	return ret;
}

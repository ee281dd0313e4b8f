// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * driftctl containers: the containers driftd governs (its records) joined
 * with the kernel's bindings by cgroup id, so an operator sees each
 * container's image, the mode in force and its counters in one place.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftctl.h"
#include "names.h"

static const struct binding_info *binding_of(const struct binding_info *b,
					     size_t n, uint64_t cgid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i].cgid == cgid)
			return &b[i];
	return NULL;
}

static int cmp_record(const void *a, const void *b)
{
	const struct ct_record *x = a, *y = b;

	return strcmp(x->name ? x->name : x->id, y->name ? y->name : y->id);
}

static void json_record(struct jw *w, const struct ct_record *r,
			const struct binding_info *b)
{
	int i;

	jw_obj_begin(w);
	jw_key(w, "id");
	jw_str(w, r->id);
	jw_key(w, "name");
	jw_str(w, r->name);
	jw_key(w, "pod");
	jw_str(w, r->pod);
	jw_key(w, "namespace");
	jw_str(w, r->namespace);
	jw_key(w, "image");
	jw_str(w, r->image);
	jw_key(w, "cgroup_id");
	jw_u64(w, r->cgroup_id);
	jw_key(w, "bound");
	jw_bool(w, b);
	jw_key(w, "set");
	jw_str(w, b ? b->set : r->set);
	jw_key(w, "mode");
	jw_str(w, b && b->mode >= 0 ? drift_mode_name((unsigned)b->mode) : NULL);
	jw_key(w, "stats");
	jw_obj_begin(w);
	for (i = 0; b && i <= DRIFT_STAT_MAX; i++) {
		const char *sn = drift_stat_name((unsigned)i);

		if (b->stats.has[i] && sn) {
			jw_key(w, sn);
			jw_u64(w, b->stats.v[i]);
		}
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

static int render(const struct ct_record *r, size_t n,
		  const struct binding_info *b, size_t nb, bool json,
		  struct drift_buf *out)
{
	static const char *hdr[] = { "CONTAINER", "NAME", "NAMESPACE", "IMAGE",
				     "MODE", "CHECKED", "DENIED", "AUDITED" };
	static bool right[] = { false, false, false, false, false, true, true,
				true };
	struct table t;
	size_t i;
	int ret = 0;

	if (json) {
		struct jw w;

		jw_init(&w, out);
		jw_obj_begin(&w);
		jw_key(&w, "containers");
		jw_arr_begin(&w);
		for (i = 0; i < n; i++)
			json_record(&w, &r[i], binding_of(b, nb, r[i].cgroup_id));
		jw_arr_end(&w);
		jw_obj_end(&w);
		if (w.err || drift_buf_putc(out, '\n'))
			return -ENOMEM;
		return 0;
	}
	table_init(&t, 8, hdr, right);
	for (i = 0; i < n && !ret; i++) {
		const struct binding_info *bi = binding_of(b, nb, r[i].cgroup_id);
		char id[13], c[24], d[24], a[24];

		snprintf(id, sizeof(id), "%.12s", r[i].id);
		snprintf(c, sizeof(c), "%" PRIu64,
			 bi ? bi->stats.v[DRIFT_STAT_EXECS_CHECKED] : 0);
		snprintf(d, sizeof(d), "%" PRIu64,
			 bi ? bi->stats.v[DRIFT_STAT_EXECS_DENIED] : 0);
		snprintf(a, sizeof(a), "%" PRIu64,
			 bi ? bi->stats.v[DRIFT_STAT_EXECS_AUDITED] : 0);
		ret = table_add(&t, id, r[i].name ? r[i].name : "-",
				r[i].namespace ? r[i].namespace : "-",
				r[i].image ? r[i].image : "-",
				bi ? mode_str(bi->mode) : "UNBOUND", c, d, a);
	}
	if (!ret)
		ret = table_render(&t, out);
	table_free(&t);
	return ret ? -ENOMEM : 0;
}

int cmd_containers(const struct ctl_req *req)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	struct binding_info *b = NULL;
	struct ct_record *r = NULL;
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
	if (render(r, n, b, nb, req->json, &out)) {
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

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * driftctl report: from driftd's event log (docs/events.md), what audit
 * mode would have denied, per namespace and image, grouped by path,
 * reason and operation, with counts, first and last time, the exception
 * that would allow each path, and which namespaces are clean to enforce
 * (driftd's records and the kernel's bindings tell which containers run
 * in audit now).
 */
#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driftctl.h"
#include "event.h"

#define REPORT_LINE_MAX		(256 * 1024)
#define REPORT_MAX_CTS		8	/* container ids listed per path */

struct hit {
	char *ns, *image, *path, *reason, *op;
	uint64_t audited, denied, first, last;
	char *cts[REPORT_MAX_CTS];
	size_t ncts;
	uint64_t hash;
	bool used;
};

struct nsinfo {
	char *ns;
	unsigned live[DRIFT_MODE_MAX + 2];	/* by mode; [MAX+1] unbound */
	uint64_t audited, denied;
	size_t paths_audited;
	char **audit_cts;			/* container ids in audit now */
	size_t naudit_cts;
	bool live_seen;
};

struct report {
	struct hit *tab;		/* open addressing */
	size_t cap, n;
	struct nsinfo *ns;
	size_t nns;
	uint64_t lines, events, skipped, old, first, last;
	bool live;			/* driftd's records + kernel read */
};

static uint64_t fnv(uint64_t h, const char *s)
{
	for (s = s ? s : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

static bool same(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

static int grow(struct report *r)
{
	size_t cap = r->cap ? r->cap * 2 : 256, i;
	struct hit *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; i < r->cap; i++) {
		size_t j;

		if (!r->tab[i].used)
			continue;
		for (j = r->tab[i].hash & (cap - 1); t[j].used; j = (j + 1) & (cap - 1))
			;
		t[j] = r->tab[i];
	}
	free(r->tab);
	r->tab = t;
	r->cap = cap;
	return 0;
}

static struct hit *hit_get(struct report *r, const char *ns, const char *image,
			   const char *path, const char *reason, const char *op)
{
	uint64_t h = fnv(fnv(fnv(fnv(fnv(1469598103934665603ull, ns), image),
				 path), reason), op);
	struct hit *x;
	size_t j;

	if ((r->n + 1) * 2 > r->cap && grow(r))
		return NULL;
	for (j = h & (r->cap - 1); r->tab[j].used; j = (j + 1) & (r->cap - 1)) {
		x = &r->tab[j];
		if (x->hash == h && same(x->ns, ns) && same(x->image, image) &&
		    same(x->path, path) && same(x->reason, reason) && same(x->op, op))
			return x;
	}
	x = &r->tab[j];
	x->ns = dup0(ns);
	x->image = dup0(image);
	x->path = dup0(path);
	x->reason = dup0(reason);
	x->op = dup0(op);
	if (!x->ns || !x->image || !x->path || !x->reason || !x->op)
		return NULL;
	x->hash = h;
	x->used = true;
	x->first = UINT64_MAX;
	r->n++;
	return x;
}

static struct nsinfo *ns_get(struct report *r, const char *ns)
{
	struct nsinfo *v;
	size_t i;

	for (i = 0; i < r->nns; i++)
		if (same(r->ns[i].ns, ns))
			return &r->ns[i];
	v = realloc(r->ns, (r->nns + 1) * sizeof(*v));
	if (!v)
		return NULL;
	r->ns = v;
	v = &r->ns[r->nns];
	memset(v, 0, sizeof(*v));
	v->ns = dup0(ns);
	if (!v->ns)
		return NULL;
	r->nns++;
	return v;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* One line of the log; returns 0, or 1 when it is not a drift event. */
static int add_line(struct report *r, const char *line, size_t len,
		    uint64_t cutoff)
{
	json_tokener *tok = json_tokener_new();
	json_object *o, *v;
	const char *action, *kind, *t, *cid;
	uint64_t ns;
	struct hit *h;
	struct nsinfo *n;
	int ret = 1;
	size_t i;

	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object))
		goto out;
	if (!json_object_object_get_ex(o, "schema", &v) ||
	    json_object_get_int(v) != 1)
		goto out;
	kind = jstr(o, "kind");
	action = jstr(o, "action");
	t = jstr(o, "time_ns");
	if (!kind || strcmp(kind, "drift") || !action || !t ||
	    drift_parse_u64(t, &ns))
		goto out;
	ret = 0;
	if (ns < cutoff) {
		r->old++;
		goto out;
	}
	if (strcmp(action, "audit") && strcmp(action, "deny"))
		goto out;
	h = hit_get(r, jstr(o, "namespace"), jstr(o, "image"), jstr(o, "path"),
		    jstr(o, "reason"), jstr(o, "op"));
	n = ns_get(r, jstr(o, "namespace"));
	if (!h || !n) {
		ret = -ENOMEM;
		goto out;
	}
	r->events++;
	if (!strcmp(action, "audit")) {
		if (!h->audited)
			n->paths_audited++;
		h->audited++;
		n->audited++;
	} else {
		h->denied++;
		n->denied++;
	}
	if (ns < h->first)
		h->first = ns;
	if (ns > h->last)
		h->last = ns;
	if (!r->first || ns < r->first)
		r->first = ns;
	if (ns > r->last)
		r->last = ns;
	cid = jstr(o, "container_id");
	if (!cid)
		cid = jstr(o, "binding");
	for (i = 0; cid && i < h->ncts; i++)
		if (!strcmp(h->cts[i], cid))
			break;
	if (cid && i == h->ncts && h->ncts < REPORT_MAX_CTS)
		h->cts[h->ncts++] = strdup(cid);
out:
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

static int read_log(struct report *r, FILE *f, uint64_t cutoff)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		r->lines++;
		if ((size_t)n > REPORT_LINE_MAX) {
			r->skipped++;
			continue;
		}
		ret = add_line(r, line, (size_t)n, cutoff);
		if (ret < 0)
			break;
		if (ret > 0)
			r->skipped++;
		ret = 0;
	}
	if (!ret && ferror(f))
		ret = -errno;
	free(line);
	return ret;
}

/* Which containers run in which mode now: driftd's records + bindings. */
static void read_live(struct report *r)
{
	struct binding_info *b = NULL;
	struct drift_record *rec = NULL;
	size_t nrec = 0, nb = 0, i, j;
	struct nl nl;
	struct drift_buf err = DRIFT_BUF_INIT;

	if (records_load(records_dir(), &rec, &nrec))
		goto out;
	if (!nrec) {
		r->live = true;		/* driftd governs no container now */
		goto out;
	}
	if (nl_open(&nl, &err))
		goto out;
	if (bindings_fetch(&nl, &b, &nb)) {
		nl_close(&nl);
		goto out;
	}
	nl_close(&nl);
	r->live = true;
	for (i = 0; i < nrec; i++) {
		struct nsinfo *n = ns_get(r, rec[i].namespace_);
		int mode = DRIFT_MODE_MAX + 1;

		if (!n)
			break;
		n->live_seen = true;
		for (j = 0; j < nb; j++)
			if (b[j].has_cgid && b[j].cgid == rec[i].cgroup_id &&
			    b[j].mode >= 0 && b[j].mode <= DRIFT_MODE_MAX)
				mode = b[j].mode;
		n->live[mode]++;
		if (mode == DRIFT_MODE_AUDIT) {
			char **v = realloc(n->audit_cts, (n->naudit_cts + 1) * sizeof(*v));

			if (v) {
				n->audit_cts = v;
				v[n->naudit_cts] = strdup(rec[i].name ? rec[i].name : rec[i].id);
				if (v[n->naudit_cts])
					n->naudit_cts++;
			}
		}
	}
out:
	drift_buf_free(&err);
	bindings_free(b, nb);
	records_free(rec, nrec);
}

/* ---- what would allow a path ------------------------------------------ */

static const char *allow_note(const char *reason)
{
	if (!strcmp(reason, "fileless"))
		return "fileless code (memfd, deleted file) has no path to allow: "
		       "keep this workload in audit (driftd.conf: rule image "
		       "PATTERN audit) or remove the behaviour from the image";
	if (!strcmp(reason, "modified"))
		return "an image file changed in the container: rebuild the image "
		       "with this content; an exception allows any content at "
		       "this path";
	if (!strcmp(reason, "no_set"))
		return "the container has no allowlist: check driftd's log for "
		       "why its image could not be read";
	return NULL;
}

static bool pathable(const char *reason)
{
	return strcmp(reason, "fileless") && strcmp(reason, "no_set");
}

/* ---- output ----------------------------------------------------------- */

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = *(struct hit *const *)a, *y = *(struct hit *const *)b;
	int c = strcmp(x->ns, y->ns);

	if (c)
		return c;
	if ((c = strcmp(x->image, y->image)))
		return c;
	if (x->audited + x->denied != y->audited + y->denied)
		return x->audited + x->denied > y->audited + y->denied ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int cmp_ns(const void *a, const void *b)
{
	return strcmp(((const struct nsinfo *)a)->ns, ((const struct nsinfo *)b)->ns);
}

static void when(char out[40], uint64_t ns)
{
	drift_time_rfc3339(out, ns);
	strcpy(out + 19, "Z");		/* seconds are enough here */
}

enum verdict { V_CLEAN, V_NOT_CLEAN, V_ENFORCED, V_NOTHING };

static enum verdict verdict_of(const struct report *r, const struct nsinfo *n)
{
	if (n->audited)
		return V_NOT_CLEAN;
	if (r->live && n->live[DRIFT_MODE_AUDIT])
		return V_CLEAN;
	if ((r->live && n->live[DRIFT_MODE_ENFORCE]) || n->denied)
		return V_ENFORCED;
	return V_NOTHING;
}

static const char *verdict_name(enum verdict v)
{
	static const char *const names[] = { "clean", "not_clean", "enforced",
					      "no_audit_containers" };

	return names[v];
}

static void text_ns_name(struct drift_buf *o, const char *ns)
{
	if (*ns)
		drift_text_escape(o, ns);
	else
		drift_buf_puts(o, "(no namespace: containers outside Kubernetes)");
}

static int render_text(const struct report *r, struct hit **v, size_t n,
		       const char *src, const char *since, struct drift_buf *o)
{
	char a[40], b[40];
	size_t i, k;

	drift_buf_printf(o, "drift report: %" PRIu64 " audit/deny events from ", r->events);
	drift_text_escape(o, src);
	if (r->first) {
		when(a, r->first);
		when(b, r->last);
		drift_buf_printf(o, ", %s .. %s", a, b);
	}
	drift_buf_printf(o, "%s%s%s\n", since ? " (--since " : "", since ? since : "",
			 since ? ")" : "");
	if (r->skipped || r->old)
		drift_buf_printf(o, "(%" PRIu64 " lines were not drift events, %"
				 PRIu64 " events older than --since)\n",
				 r->skipped, r->old);
	if (!r->live)
		drift_buf_puts(o, "(driftd's records or the module could not be read: "
			       "which namespaces run in audit now is not known)\n");
	for (k = 0; k < r->nns; k++) {
		const struct nsinfo *ns = &r->ns[k];
		enum verdict vd = verdict_of(r, ns);
		const char *last_image = NULL;

		drift_buf_puts(o, "\nnamespace ");
		text_ns_name(o, ns->ns);
		switch (vd) {
		case V_CLEAN:
			drift_buf_printf(o, ": CLEAN to enforce: no would-be denial in this log; "
					 "%u container(s) in audit now\n",
					 ns->live[DRIFT_MODE_AUDIT]);
			if (*ns->ns) {
				drift_buf_puts(o, "  enforce now:  driftctl mode ns:");
				drift_text_escape(o, ns->ns);
				drift_buf_puts(o, " enforce\n  and keep it:  driftd.conf: rule namespace ");
				drift_text_escape(o, ns->ns);
				drift_buf_puts(o, " enforce\n");
			} else {
				for (i = 0; i < ns->naudit_cts; i++) {
					drift_buf_puts(o, "  enforce now:  driftctl mode ct:");
					drift_text_escape(o, ns->audit_cts[i]);
					drift_buf_puts(o, " enforce\n");
				}
			}
			break;
		case V_NOT_CLEAN:
			drift_buf_printf(o, ": NOT clean to enforce: %zu path(s) would be denied "
					 "(%" PRIu64 " audit events)\n", ns->paths_audited,
					 ns->audited);
			break;
		case V_ENFORCED:
			drift_buf_printf(o, ": enforced (%" PRIu64 " denials in this log)\n",
					 ns->denied);
			break;
		case V_NOTHING:
			drift_buf_puts(o, ": no container in audit now, nothing in this log\n");
			break;
		}
		for (i = 0; i < n; i++) {
			const struct hit *h = v[i];
			const char *note;

			if (strcmp(h->ns, ns->ns))
				continue;
			if (!last_image || strcmp(last_image, h->image)) {
				drift_buf_puts(o, "  image ");
				drift_text_escape(o, *h->image ? h->image : "(unknown)");
				drift_buf_printf(o, "\n    %-8s %-6s %-20s %-20s %-8s %-13s %s\n",
						 "WOULD", "DENIED", "FIRST", "LAST", "OP",
						 "REASON", "PATH");
				last_image = h->image;
			}
			when(a, h->first);
			when(b, h->last);
			drift_buf_printf(o, "    %-8" PRIu64 " %-6" PRIu64 " %-20s %-20s %-8s %-13s ",
					 h->audited, h->denied, a, b, h->op, h->reason);
			drift_text_escape(o, h->path);
			drift_buf_puts(o, "\n");
			if (!h->audited)
				continue;
			note = allow_note(h->reason);
			if (pathable(h->reason)) {
				drift_buf_puts(o, "      allow: annotation drift.io/exceptions=");
				drift_text_escape(o, h->path);
				drift_buf_puts(o, " on the workload, granted by driftd.conf: allow ");
				if (*h->ns) {
					drift_buf_puts(o, "namespace ");
					drift_text_escape(o, h->ns);
				} else {
					drift_buf_puts(o, "image ");
					drift_text_escape(o, *h->image ? h->image : "IMAGE");
				}
				drift_buf_puts(o, " exceptions ");
				drift_text_escape(o, h->path);
				drift_buf_puts(o, "; now: driftctl exception add ct:");
				drift_text_escape(o, h->ncts ? h->cts[0] : "ID");
				drift_buf_puts(o, " --path ");
				drift_text_escape(o, h->path);
				drift_buf_puts(o, "\n");
			}
			if (note)
				drift_buf_printf(o, "      note: %s\n", note);
		}
	}
	if (!r->nns)
		drift_buf_puts(o, "\nno audit or deny event and no container known to driftd\n");
	return 0;
}

static void jkv(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_str(w, v);
}

static int render_json(const struct report *r, struct hit **v, size_t n,
		       const char *src, const char *since, struct drift_buf *o)
{
	char a[40];
	struct jw w;
	size_t i, k, c;

	jw_init(&w, o);
	jw_obj_begin(&w);
	jkv(&w, "events_file", src);
	jkv(&w, "since", since);
	jw_key(&w, "events");
	jw_u64(&w, r->events);
	jw_key(&w, "first");
	if (r->first) {
		drift_time_rfc3339(a, r->first);
		jw_str(&w, a);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "last");
	if (r->first) {
		drift_time_rfc3339(a, r->last);
		jw_str(&w, a);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "live_state");
	jw_bool(&w, r->live);
	jw_key(&w, "namespaces");
	jw_arr_begin(&w);
	for (k = 0; k < r->nns; k++) {
		const struct nsinfo *ns = &r->ns[k];

		jw_obj_begin(&w);
		jkv(&w, "namespace", *ns->ns ? ns->ns : NULL);
		jkv(&w, "verdict", verdict_name(verdict_of(r, ns)));
		jw_key(&w, "containers_audit");
		jw_u64(&w, ns->live[DRIFT_MODE_AUDIT]);
		jw_key(&w, "containers_enforce");
		jw_u64(&w, ns->live[DRIFT_MODE_ENFORCE]);
		jw_key(&w, "audited");
		jw_u64(&w, ns->audited);
		jw_key(&w, "denied");
		jw_u64(&w, ns->denied);
		jw_key(&w, "paths");
		jw_arr_begin(&w);
		for (i = 0; i < n; i++) {
			const struct hit *h = v[i];

			if (strcmp(h->ns, ns->ns))
				continue;
			jw_obj_begin(&w);
			jkv(&w, "image", *h->image ? h->image : NULL);
			jkv(&w, "path", h->path);
			jkv(&w, "op", h->op);
			jkv(&w, "reason", h->reason);
			jw_key(&w, "would_deny");
			jw_u64(&w, h->audited);
			jw_key(&w, "denied");
			jw_u64(&w, h->denied);
			drift_time_rfc3339(a, h->first);
			jkv(&w, "first", a);
			drift_time_rfc3339(a, h->last);
			jkv(&w, "last", a);
			jw_key(&w, "containers");
			jw_arr_begin(&w);
			for (c = 0; c < h->ncts; c++)
				jw_str(&w, h->cts[c]);
			jw_arr_end(&w);
			jw_key(&w, "allow_exception");
			jw_str(&w, pathable(h->reason) ? h->path : NULL);
			jkv(&w, "note", allow_note(h->reason));
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	if (w.err)
		return -ENOMEM;
	return drift_buf_putc(o, '\n') ? -ENOMEM : 0;
}

/* ---- main ------------------------------------------------------------- */

/* driftd's event log from its configuration ("events PATH"), or NULL. */
static char *configured_log(const char *conf)
{
	FILE *f = fopen(conf, "re");
	char line[4096], key[64], val[4000];
	char *ret = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %63s %3999s", key, val) == 2 &&
		    !strcmp(key, "events")) {
			free(ret);
			ret = strcmp(val, "-") && strcmp(val, "stdout") ?
				strdup(val) : NULL;
		}
	}
	fclose(f);
	return ret;
}

static void report_free(struct report *r)
{
	size_t i, k;

	for (i = 0; i < r->cap; i++) {
		struct hit *h = &r->tab[i];

		if (!h->used)
			continue;
		free(h->ns);
		free(h->image);
		free(h->path);
		free(h->reason);
		free(h->op);
		for (k = 0; k < h->ncts; k++)
			free(h->cts[k]);
	}
	free(r->tab);
	for (i = 0; i < r->nns; i++) {
		free(r->ns[i].ns);
		for (k = 0; k < r->ns[i].naudit_cts; k++)
			free(r->ns[i].audit_cts[k]);
		free(r->ns[i].audit_cts);
	}
	free(r->ns);
}

int report_run(FILE *in, const char *src, bool has_since, uint64_t since_s,
	       const char *since_text, bool live, bool json, struct drift_buf *out)
{
	struct report r = { 0 };
	struct hit **v = NULL;
	uint64_t cutoff = 0;
	size_t i, n = 0;
	int ret;

	if (has_since) {
		uint64_t now = (uint64_t)time(NULL);

		cutoff = now > since_s ? (now - since_s) * 1000000000ull : 0;
	}
	ret = read_log(&r, in, cutoff);
	if (ret)
		goto out;
	if (live)
		read_live(&r);
	v = calloc(r.n ? r.n : 1, sizeof(*v));
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < r.cap; i++)
		if (r.tab[i].used)
			v[n++] = &r.tab[i];
	qsort(v, n, sizeof(*v), cmp_hit);
	if (r.nns)
		qsort(r.ns, r.nns, sizeof(*r.ns), cmp_ns);
	ret = json ? render_json(&r, v, n, src, has_since ? since_text : NULL, out)
		   : render_text(&r, v, n, src, has_since ? since_text : NULL, out);
out:
	free(v);
	report_free(&r);
	return ret;
}

int cmd_report(const struct ctl_req *req)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	const char *conf = getenv("DRIFTD_CONFIG");
	char *path = NULL;
	FILE *in;
	int ret;

	if (!conf || !*conf)
		conf = "/etc/drift/driftd.conf";
	if (req->events_file) {
		path = strdup(req->events_file);
	} else {
		path = configured_log(conf);
		if (!path) {
			fprintf(stderr,
				"driftctl: report: %s names no event log file (driftd writes "
				"events to stdout, e.g. the journal): pass --events FILE, or "
				"journalctl -u driftd -o cat | driftctl report --events -\n",
				conf);
			return EXIT_USAGE;
		}
	}
	if (!path)
		return ctl_fail(NULL, "report", -ENOMEM);
	in = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!in) {
		ret = errno;
		fprintf(stderr, "driftctl: report: %s: %s\n", path, strerror(ret));
		free(path);
		return ret == ENOENT ? EXIT_NOTFOUND : EXIT_REFUSED;
	}
	ret = report_run(in, strcmp(path, "-") ? path : "stdin", req->has_since,
			 req->since_s, req->since_text, true, req->json, &out);
	if (in != stdin)
		fclose(in);
	free(path);
	if (ret) {
		drift_buf_free(&out);
		return ctl_fail(NULL, "report", ret);
	}
	ret = ctl_write(&out);
	drift_buf_free(&out);
	return ret;
}

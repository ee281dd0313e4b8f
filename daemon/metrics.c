/*
 * driftd: Prometheus metrics (text exposition format 0.0.4) over HTTP on
 * metrics-listen (default 127.0.0.1:9477, "off" disables). Metric
 * reference: docs/driftd.md, "Metrics".
 *
 * Served by libmicrohttpd's own thread, never by the event loop: a client
 * that connects and sends nothing, or never reads its answer, holds one
 * of METRICS_MAX_CONN connections of that thread until
 * METRICS_TIMEOUT_S, and the hooks are answered meanwhile. A scrape reads
 * the kernel's counters through its own netlink socket and takes
 * driftd_lock only to copy driftd's counters and container labels.
 *
 * Labels are bounded by default: per-container counters are summed per
 * (namespace, workload) (drift_workload_*; workload from event.h's
 * drift_workload_name), and the counts of containers that went away are
 * kept in those sums (driftd reads a binding's final counts before it
 * unbinds it: metrics_binding_gone()), so the counters never go down.
 * metrics-per-container yes adds drift_container_* series (one per
 * container: opt-in, their number grows with container churn).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driftd.h"
#include "event.h"
#include "log.h"
#include "names.h"

#ifndef DRIFT_VERSION
#define DRIFT_VERSION "unknown"
#endif

#define METRICS_MAX_CONN	32
#define METRICS_TIMEOUT_S	10

static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
				   1, 2.5, 5, 10, 30 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

void metrics_hook_latency(struct driftd *d, double seconds)
{
	size_t i;

	for (i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i])
			d->m.hook_latency_bucket[i]++;
	d->m.hook_latency_sum += seconds;
	d->m.hook_latency_count++;
}

/*
 * Per-binding counters that partition what the module saw: each exec (and
 * each executable mapping) is counted under exactly one result, so a sum
 * over results is the total ("checked" is not exported beside them).
 */
static const struct { int stat; const char *metric, *result; } parts[] = {
	{ DRIFT_STAT_EXECS_ALLOWED, "execs", "allowed" },
	{ DRIFT_STAT_EXECS_VERIFIED, "execs", "verified" },
	{ DRIFT_STAT_EXECS_EXCEPTED, "execs", "excepted" },
	{ DRIFT_STAT_EXECS_AUDITED, "execs", "audited" },
	{ DRIFT_STAT_EXECS_DENIED, "execs", "denied" },
	{ DRIFT_STAT_MAPS_ALLOWED, "maps", "allowed" },
	{ DRIFT_STAT_MAPS_AUDITED, "maps", "audited" },
	{ DRIFT_STAT_MAPS_DENIED, "maps", "denied" },
};
#define NPARTS (sizeof(parts) / sizeof(parts[0]))

/* A (namespace, workload) and its counters, kept for the daemon's life. */
struct workload {
	struct workload *next;
	char *ns, *name;
	uint64_t retired[NPARTS];	/* of bindings that went away */
	uint64_t live[NPARTS];		/* this scrape */
	unsigned modes[DRIFT_MODE_MAX + 1];
	bool seen;
};

/* A binding as of the previous scrape (sorted by cgroup id). */
struct seen_binding {
	uint64_t cgid;
	struct workload *w;
	uint64_t v[NPARTS];
};

/* One binding of this scrape, with driftd's labels copied under the lock. */
struct row {
	struct dk_binding_info b;
	char ns[256], wl[256];
	char id[128], name[256], pod[256], image[512];
	bool known;
};

struct setrow {
	struct dk_set_info s;
	char image[512];
};

static struct {
	struct driftd *d;
	struct dk *k;			/* used by the metrics thread only */
	struct MHD_Daemon *mhd;
	int fd;
	struct workload *workloads;
	struct seen_binding *prev;	/* under driftd_lock, like all below */
	size_t nprev;
	uint64_t *gone;			/* unbound since the last scrape */
	size_t ngone, capgone;
} M = { .fd = -1 };

int metrics_open(struct driftd *d)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	char host[256];
	const char *colon;
	int fd, one = 1, ret;

	d->metrics_fd = -1;
	M.d = d;
	if (!d->cfg.metrics_listen)
		return 0;
	colon = strrchr(d->cfg.metrics_listen, ':');
	if (!colon)
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s",
		 (int)(colon - d->cfg.metrics_listen), d->cfg.metrics_listen);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	ret = getaddrinfo(host, colon + 1, &hints, &ai);
	if (ret) {
		log_err("metrics-listen %s: %s", d->cfg.metrics_listen,
			gai_strerror(ret));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	ret = dk_open(&M.k);
	if (ret) {
		close(fd);
		return ret;
	}
	M.fd = fd;
	return 0;
}

/* ---- collection ------------------------------------------------------ */

struct vec {
	void *v;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void *p = realloc(v->v, cap * v->size);

		if (!p)
			return NULL;
		v->v = p;
		v->cap = cap;
	}
	return memset((char *)v->v + v->n++ * v->size, 0, v->size);
}

static void collect_binding(const struct dk_binding_info *b, void *arg)
{
	struct row *r = vec_push(arg);

	if (r)
		r->b = *b;
}

static void collect_set(const struct dk_set_info *s, void *arg)
{
	struct setrow *r = vec_push(arg);

	if (r) {
		r->s = *s;
		r->s.includes = NULL;	/* valid during the callback only */
		r->s.nincludes = 0;
	}
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->b.cgroup_id < y->b.cgroup_id ? -1 : x->b.cgroup_id > y->b.cgroup_id;
}

static struct workload *workload_get(const char *ns, const char *name)
{
	struct workload *w;

	for (w = M.workloads; w; w = w->next)
		if (!strcmp(w->ns, ns) && !strcmp(w->name, name))
			return w;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->ns = strdup(ns);
	w->name = strdup(name);
	if (!w->ns || !w->name) {
		free(w->ns);
		free(w->name);
		free(w);
		return NULL;
	}
	w->next = M.workloads;
	M.workloads = w;
	return w;
}

static void copy(char *dst, size_t n, const char *src)
{
	size_t l = src ? strnlen(src, n - 1) : 0;

	if (l)
		memcpy(dst, src, l);
	dst[l] = '\0';
}

/* ---- exposition ------------------------------------------------------ */

static void label(struct drift_buf *o, const char *k, const char *v, bool comma)
{
	drift_buf_printf(o, "%s%s=\"", comma ? "," : "", k);
	for (v = v ? v : ""; *v; v++) {
		if (*v == '\\' || *v == '"')
			drift_buf_printf(o, "\\%c", *v);
		else if (*v == '\n')
			drift_buf_puts(o, "\\n");
		else
			drift_buf_putc(o, *v);
	}
	drift_buf_putc(o, '"');
}

static void head(struct drift_buf *o, const char *name, const char *type,
		 const char *help)
{
	drift_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void scalar(struct drift_buf *o, const char *name, const char *type,
		   const char *help, uint64_t v)
{
	head(o, name, type, help);
	drift_buf_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

enum set_value { SV_ENTRIES, SV_OWN, SV_REFS, SV_MEMORY };

static uint64_t set_value(const struct dk_set_info *s, enum set_value v)
{
	switch (v) {
	case SV_ENTRIES: return s->entries;
	case SV_OWN: return s->own;
	case SV_REFS: return s->refs;
	default: return s->memory;
	}
}

/* A gauge per set of this scrape, labelled with the set (and its image). */
static void set_gauge(struct drift_buf *o, const struct vec *sets,
		      const char *name, const char *help, enum set_value v,
		      bool image)
{
	size_t i;

	head(o, name, "gauge", help);
	for (i = 0; i < sets->n; i++) {
		const struct setrow *s = (const struct setrow *)sets->v + i;

		drift_buf_printf(o, "%s{", name);
		label(o, "set", s->s.name, false);
		if (image)
			label(o, "image", s->image, true);
		drift_buf_printf(o, "} %llu\n",
				 (unsigned long long)set_value(&s->s, v));
	}
}

static bool gone_since(uint64_t cgid)
{
	size_t i;

	for (i = 0; i < M.ngone; i++)
		if (M.gone[i] == cgid)
			return true;
	return false;
}

/*
 * Workload sums from this scrape's bindings (sorted by cgroup id): live
 * counts, plus the last counts of bindings seen by the previous scrape
 * that are gone now. A binding driftd unbound in between was accounted by
 * metrics_binding_gone() with its final counts: skipped here. Called with
 * driftd_lock held.
 */
static void account(struct vec *rows, unsigned *bmodes)
{
	struct seen_binding *now = calloc(rows->n ? rows->n : 1, sizeof(*now));
	struct workload *w;
	size_t i, j = 0, a = 0, b = 0, p;

	for (w = M.workloads; w; w = w->next) {
		memset(w->live, 0, sizeof(w->live));
		memset(w->modes, 0, sizeof(w->modes));
	}
	if (!now)
		return;
	for (i = 0; i < rows->n; i++) {
		struct row *r = (struct row *)rows->v + i;

		if (r->b.mode >= 0 && r->b.mode <= DRIFT_MODE_MAX)
			bmodes[r->b.mode]++;
		if (gone_since(r->b.cgroup_id))
			continue;
		w = workload_get(r->ns, r->wl);
		if (!w)
			continue;
		now[j].cgid = r->b.cgroup_id;
		now[j].w = w;
		for (p = 0; p < NPARTS; p++) {
			now[j].v[p] = r->b.stats.v[parts[p].stat];
			w->live[p] += now[j].v[p];
		}
		if (r->b.mode >= 0 && r->b.mode <= DRIFT_MODE_MAX)
			w->modes[r->b.mode]++;
		j++;
	}
	/* Bindings of the previous scrape that vanished without driftd. */
	while (a < M.nprev) {
		if (b >= j || M.prev[a].cgid < now[b].cgid) {
			if (M.prev[a].w)
				for (p = 0; p < NPARTS; p++)
					M.prev[a].w->retired[p] += M.prev[a].v[p];
			a++;
		} else if (M.prev[a].cgid == now[b].cgid) {
			a++;
			b++;
		} else {
			b++;
		}
	}
	free(M.prev);
	M.prev = now;
	M.nprev = j;
	M.ngone = 0;
}

void metrics_binding_gone(struct driftd *d, const struct container *c)
{
	struct dk_binding_info b;
	struct workload *w;
	char wl[256];
	size_t i, p;
	uint64_t *g;

	if (M.fd < 0 || dk_get_binding(d->k, c->cgroup_id, &b) != 0)
		return;
	drift_workload_name(c->pod, c->image, wl, sizeof(wl));
	w = workload_get(c->namespace_ ? c->namespace_ : "", wl);
	if (!w)
		return;
	for (p = 0; p < NPARTS; p++)
		w->retired[p] += b.stats.v[parts[p].stat];
	for (i = 0; i < M.nprev; i++)
		if (M.prev[i].cgid == c->cgroup_id)
			M.prev[i].w = NULL;	/* accounted here, not again */
	if (M.ngone == M.capgone) {
		g = realloc(M.gone, (M.capgone ? M.capgone * 2 : 16) * sizeof(*g));
		if (!g)
			return;
		M.gone = g;
		M.capgone = M.capgone ? M.capgone * 2 : 16;
	}
	M.gone[M.ngone++] = c->cgroup_id;
}

struct wsnap {
	const char *ns, *name;
	uint64_t v[NPARTS];
	unsigned modes[DRIFT_MODE_MAX + 1];
};

static void render(struct drift_buf *o)
{
	static const char *const hook_res[] = { "bound", "exempt", "removed", "error" };
	struct vec rows = { .size = sizeof(struct row) };
	struct vec sets = { .size = sizeof(struct setrow) };
	struct events_output_stats eo;
	struct driftd *d = M.d;
	struct wsnap *ws = NULL;
	struct metrics m;
	struct dk_status st;
	struct workload *w;
	bool up, per_ct;
	size_t i, j, ncontainers = 0, nw = 0, hash_queue, nlayer_sets = 0;
	unsigned bmodes[DRIFT_MODE_MAX + 1] = { 0 };

	/* The kernel first, through this thread's own socket. */
	up = M.k && dk_status(M.k, &st) == 0;
	if (up && (dk_bindings(M.k, collect_binding, &rows) ||
		   dk_sets(M.k, collect_set, &sets)))
		up = false;
	if (rows.n)
		qsort(rows.v, rows.n, rows.size, cmp_row);

	/* driftd's own state, and the workload sums: under the loop's lock. */
	pthread_mutex_lock(&driftd_lock);
	m = d->m;
	hash_queue = imageset_hash_queue();
	per_ct = d->cfg.metrics_per_container;
	for (struct container *c = d->containers; c; c = c->next)
		ncontainers++;
	for (struct layer_set *ls = d->layer_sets; ls; ls = ls->next)
		nlayer_sets++;
	for (i = 0; i < rows.n; i++) {
		struct row *r = (struct row *)rows.v + i;
		struct container *c = container_find_cgroup(d, r->b.cgroup_id);

		if (c) {
			r->known = true;
			copy(r->ns, sizeof(r->ns), c->namespace_);
			drift_workload_name(c->pod, c->image, r->wl, sizeof(r->wl));
			copy(r->id, sizeof(r->id), c->id);
			copy(r->name, sizeof(r->name), c->name);
			copy(r->pod, sizeof(r->pod), c->pod);
			copy(r->image, sizeof(r->image), c->image);
		} else {
			/* Bound by hand (driftctl bind): the binding's name. */
			copy(r->wl, sizeof(r->wl), r->b.name);
			copy(r->id, sizeof(r->id), r->b.name);
		}
	}
	for (i = 0; i < sets.n; i++) {
		struct setrow *s = (struct setrow *)sets.v + i;
		struct image_set *is = imageset_find(d, s->s.name);

		copy(s->image, sizeof(s->image), is ? is->image : NULL);
	}
	if (up)
		account(&rows, bmodes);
	for (w = M.workloads; w; w = w->next)
		nw++;
	ws = calloc(nw ? nw : 1, sizeof(*ws));
	for (w = M.workloads, i = 0; ws && w; w = w->next, i++) {
		ws[i].ns = w->ns;	/* freed only by metrics_close() */
		ws[i].name = w->name;
		for (j = 0; j < NPARTS; j++)
			ws[i].v[j] = w->retired[j] + w->live[j];
		memcpy(ws[i].modes, w->modes, sizeof(ws[i].modes));
	}
	if (!ws)
		nw = 0;
	pthread_mutex_unlock(&driftd_lock);
	events_output_stats(&eo);

	head(o, "drift_build_info", "gauge",
	     "driftd's version and the drift module's (1 per process).");
	drift_buf_puts(o, "drift_build_info{");
	label(o, "version", DRIFT_VERSION, false);
	label(o, "module_version", up ? st.version : "", true);
	drift_buf_puts(o, "} 1\n");
	scalar(o, "drift_kernel_up", "gauge",
	       "1 when the drift module answers driftd.", up);
	if (up) {
		static const struct { int stat; const char *name, *help; } k[] = {
			{ DRIFT_STAT_HASHES, "drift_kernel_hashes_total",
			  "Files the module hashed to verify their content." },
			{ DRIFT_STAT_VERIFY_ERRORS, "drift_kernel_verify_errors_total",
			  "Content verifications that failed (the exec was not allowed)." },
			{ DRIFT_STAT_PROBE_MISSED, "drift_kernel_probe_missed_total",
			  "Exec checks the kprobe missed (nonzero means unchecked execs)." },
			{ DRIFT_STAT_SELFTEST_RUNS, "drift_kernel_selftest_runs_total",
			  "Self-tests of the exec hook run by the module." },
			{ DRIFT_STAT_SELFTEST_FAILURES, "drift_kernel_selftest_failures_total",
			  "Self-tests that found the hook not working." },
			{ DRIFT_STAT_REFUSED, "drift_kernel_refused_total",
			  "Changes the module refused (sealed, no capability, governed caller)." },
			{ DRIFT_STAT_EXECVE_CHECKS, "drift_kernel_execve_checks_total",
			  "execveat(AT_EXECVE_CHECK) requests the module answered (Linux 6.14+)." },
		};
		static const struct { int stat; const char *result; } ex[] = {
			{ DRIFT_STAT_EXECS_ALLOWED, "allowed" },
			{ DRIFT_STAT_EXECS_VERIFIED, "verified" },
			{ DRIFT_STAT_EXECS_EXCEPTED, "excepted" },
			{ DRIFT_STAT_EXECS_AUDITED, "audited" },
			{ DRIFT_STAT_EXECS_DENIED, "denied" },
			{ DRIFT_STAT_EXECS_UNGOVERNED, "ungoverned" },
		};

		scalar(o, "drift_kernel_selftest_ok", "gauge",
		       "1 when the module's last self-test of its exec hook passed.",
		       st.selftest > 0);
		scalar(o, "drift_kernel_locked", "gauge",
		       "1 when the module is locked against unloading.", st.locked > 0);
		head(o, "drift_execs_total", "counter",
		     "Execs seen by the module by result; each exec has exactly one result.");
		for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
			drift_buf_printf(o, "drift_execs_total{result=\"%s\"} %llu\n",
					 ex[i].result,
					 (unsigned long long)st.stats.v[ex[i].stat]);
		head(o, "drift_maps_total", "counter",
		     "Executable file mappings checked by the module, by result.");
		for (i = 0; i < NPARTS; i++)
			if (!strcmp(parts[i].metric, "maps"))
				drift_buf_printf(o, "drift_maps_total{result=\"%s\"} %llu\n",
						 parts[i].result, (unsigned long long)
						 st.stats.v[parts[i].stat]);
		head(o, "drift_kernel_events_total", "counter",
		     "Events the module produced, by fate: sent, suppressed by the rate limit, dropped.");
		drift_buf_printf(o, "drift_kernel_events_total{state=\"sent\"} %llu\n"
				 "drift_kernel_events_total{state=\"suppressed\"} %llu\n"
				 "drift_kernel_events_total{state=\"dropped\"} %llu\n",
				 (unsigned long long)st.stats.v[DRIFT_STAT_EVENTS_SENT],
				 (unsigned long long)st.stats.v[DRIFT_STAT_EVENTS_SUPPRESSED],
				 (unsigned long long)st.stats.v[DRIFT_STAT_EVENTS_DROPPED]);
		for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
			scalar(o, k[i].name, "counter", k[i].help, st.stats.v[k[i].stat]);
		scalar(o, "drift_sets", "gauge", "Sets loaded in the module.", st.set_count);
		scalar(o, "drift_sets_memory_bytes", "gauge",
		       "Kernel memory used by all sets.", st.memory);
		head(o, "drift_bindings", "gauge",
		     "Cgroups bound in the module, by the mode in force.");
		for (i = 0; i <= DRIFT_MODE_MAX; i++)
			drift_buf_printf(o, "drift_bindings{mode=\"%s\"} %u\n",
					 drift_mode_name((unsigned)i), bmodes[i]);
		static const struct {
			const char *name, *help;
			enum set_value v;
			bool image;
		} g[] = {
			{ "drift_set_entries", "Entries each set allows: its own and those of the sets it includes (an image set includes its layers' sets).", SV_ENTRIES, true },
			{ "drift_set_own_entries", "Entries loaded into each set itself (a layer set's are shared by the image sets that include it).", SV_OWN, false },
			{ "drift_set_bindings", "References to each set: bindings, the default set, and sets that include it.", SV_REFS, false },
			{ "drift_set_memory_bytes", "Kernel memory of each set: its own entries and structures.", SV_MEMORY, false },
		};

		for (i = 0; i < sizeof(g) / sizeof(g[0]); i++)
			set_gauge(o, &sets, g[i].name, g[i].help, g[i].v, g[i].image);
	}

	/* Per workload (bounded): counters include containers gone since.
	 * Without the kernel's counters the sums would go down: left out. */
	if (!up)
		goto daemon;
	head(o, "drift_workload_execs_total", "counter",
	     "Execs in the containers of a workload, by result (sums over results and workloads add up).");
	for (j = 0; j < nw; j++)
		for (i = 0; i < NPARTS; i++) {
			if (strcmp(parts[i].metric, "execs"))
				continue;
			drift_buf_puts(o, "drift_workload_execs_total{");
			label(o, "namespace", ws[j].ns, false);
			label(o, "workload", ws[j].name, true);
			label(o, "result", parts[i].result, true);
			drift_buf_printf(o, "} %llu\n", (unsigned long long)ws[j].v[i]);
		}
	head(o, "drift_workload_maps_total", "counter",
	     "Executable mappings in the containers of a workload, by result.");
	for (j = 0; j < nw; j++)
		for (i = 0; i < NPARTS; i++) {
			if (strcmp(parts[i].metric, "maps"))
				continue;
			drift_buf_puts(o, "drift_workload_maps_total{");
			label(o, "namespace", ws[j].ns, false);
			label(o, "workload", ws[j].name, true);
			label(o, "result", parts[i].result, true);
			drift_buf_printf(o, "} %llu\n", (unsigned long long)ws[j].v[i]);
		}
	head(o, "drift_workload_containers", "gauge",
	     "Bound containers of a workload by the mode in force (a mode change moves a container between series).");
	for (j = 0; j < nw; j++)
		for (i = 0; i <= DRIFT_MODE_MAX; i++) {
			drift_buf_puts(o, "drift_workload_containers{");
			label(o, "namespace", ws[j].ns, false);
			label(o, "workload", ws[j].name, true);
			label(o, "mode", drift_mode_name((unsigned)i), true);
			drift_buf_printf(o, "} %u\n", ws[j].modes[i]);
		}
	if (per_ct) {
		head(o, "drift_container_execs_total", "counter",
		     "Execs per container and result (metrics-per-container; a series per container).");
		for (i = 0; i < rows.n; i++) {
			struct row *r = (struct row *)rows.v + i;

			for (j = 0; j < NPARTS; j++) {
				if (strcmp(parts[j].metric, "execs"))
					continue;
				drift_buf_puts(o, "drift_container_execs_total{");
				label(o, "container_id", r->id, false);
				label(o, "container_name", r->name, true);
				label(o, "namespace", r->ns, true);
				label(o, "pod", r->pod, true);
				label(o, "image", r->image, true);
				label(o, "result", parts[j].result, true);
				drift_buf_printf(o, "} %llu\n", (unsigned long long)
						 r->b.stats.v[parts[j].stat]);
			}
		}
		head(o, "drift_container_mode", "gauge",
		     "Mode in force per container: 0 off, 1 audit, 2 enforce (metrics-per-container).");
		for (i = 0; i < rows.n; i++) {
			struct row *r = (struct row *)rows.v + i;

			drift_buf_puts(o, "drift_container_mode{");
			label(o, "container_id", r->id, false);
			label(o, "container_name", r->name, true);
			label(o, "namespace", r->ns, true);
			label(o, "pod", r->pod, true);
			label(o, "image", r->image, true);
			drift_buf_printf(o, "} %d\n", r->b.mode);
		}
	}

daemon:
	scalar(o, "drift_containers", "gauge", "Containers driftd governs.", ncontainers);
	head(o, "drift_events_total", "counter",
	     "Events driftd received from the module, by reason and action.");
	for (i = 1; i <= DRIFT_REASON_MAX; i++)
		for (j = 1; j <= DRIFT_ACTION_MAX; j++)
			if (drift_reason_name((unsigned)i) && i != DRIFT_REASON_SELFTEST)
				drift_buf_printf(o, "drift_events_total{reason=\"%s\",action=\"%s\"} %llu\n",
						 drift_reason_name((unsigned)i),
						 drift_action_name((unsigned)j),
						 (unsigned long long)m.events[i][j]);
	scalar(o, "drift_events_lost_total", "counter",
	       "Events lost because driftd's netlink socket overflowed.", m.events_lost);
	scalar(o, "drift_events_output_lines_total", "counter",
	       "Event lines queued for the event output.", eo.lines);
	scalar(o, "drift_events_output_dropped_total", "counter",
	       "Event lines dropped because the output queue was full (a slow or stalled output).",
	       eo.dropped);
	scalar(o, "drift_events_output_write_errors_total", "counter",
	       "Failed writes to the event output.", eo.write_errors);
	scalar(o, "drift_events_output_queue_bytes", "gauge",
	       "Bytes waiting in the event output queue.", eo.queued_bytes);
	head(o, "drift_hook_requests_total", "counter",
	     "OCI hook requests answered, by result.");
	for (i = 0; i < 4; i++)
		drift_buf_printf(o, "drift_hook_requests_total{result=\"%s\"} %llu\n",
				 hook_res[i], (unsigned long long)m.hook_requests[i]);
	head(o, "drift_hook_latency_seconds", "histogram",
	     "Time driftd took to answer the OCI hook.");
	for (i = 0; i < NBUCKETS; i++)
		drift_buf_printf(o, "drift_hook_latency_seconds_bucket{le=\"%g\"} %llu\n",
				 buckets[i], (unsigned long long)m.hook_latency_bucket[i]);
	drift_buf_printf(o, "drift_hook_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
			 "drift_hook_latency_seconds_sum %.6f\n"
			 "drift_hook_latency_seconds_count %llu\n",
			 (unsigned long long)m.hook_latency_count, m.hook_latency_sum,
			 (unsigned long long)m.hook_latency_count);
	/* Allowlist building, hashing, binding: driftd's own counters. */
	const struct {
		const char *name, *type, *help;
		uint64_t v;
	} own[] = {
		{ "drift_layer_scans_total", "counter",
		  "Image layers scanned for executables.", m.layer_scans },
		{ "drift_layer_hashes_total", "counter",
		  "Image layers hashed (SHA-256 of each file) after their scan.",
		  m.layer_hashes },
		{ "drift_layer_hash_queue", "gauge",
		  "Image layers scanned and waiting to be hashed.", hash_queue },
		{ "drift_set_digest_uploads_total", "counter",
		  "Layer sets uploaded again with digests once their layer was hashed.",
		  m.digest_uploads },
		{ "drift_set_digest_upload_errors_total", "counter",
		  "Layer sets whose digests could not be added (copied-up files stay denied).",
		  m.digest_upload_errors },
		{ "drift_layer_cache_hits_total", "counter",
		  "Image layers found in driftd's layer cache.", m.layer_cache_hits },
		{ "drift_set_uploads_total", "counter",
		  "Image and root snapshot sets built and loaded into the module.",
		  m.set_uploads },
		{ "drift_set_reuses_total", "counter",
		  "Containers bound to an image set already loaded.", m.set_reuses },
		{ "drift_layer_set_uploads_total", "counter",
		  "Layer sets loaded into the module (each layer once, shared by its images).",
		  m.layer_set_uploads },
		{ "drift_layer_set_reuses_total", "counter",
		  "New image sets that included a layer set already loaded.",
		  m.layer_set_reuses },
		{ "drift_layer_sets", "gauge",
		  "Layer sets driftd holds in the module.", nlayer_sets },
		{ "drift_bind_errors_total", "counter",
		  "Containers driftd failed to bind.", m.bind_errors },
		{ "drift_unbinds_total", "counter",
		  "Containers unbound after they went away.", m.unbinds },
		{ "drift_unprotected_starts_total", "counter",
		  "Containers the hook let start while driftd could not answer (fail-open).",
		  m.unprotected_starts },
		{ "drift_hook_abandoned_total", "counter",
		  "Hook answers the hook no longer waited for (it timed out first).",
		  m.hook_abandoned },
	};
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		scalar(o, own[i].name, own[i].type, own[i].help, own[i].v);
	head(o, "drift_set_build_seconds_total", "counter",
	     "Time spent building and loading sets.");
	drift_buf_printf(o, "drift_set_build_seconds_total %.6f\n", m.set_build_seconds);
	free(ws);
	free(rows.v);
	free(sets.v);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct drift_buf o = DRIFT_BUF_INIT;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;

	(void)cls; (void)version; (void)upload; (void)con_cls;
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		drift_buf_puts(&o, "only GET\n");
	} else if (strcmp(url, "/metrics") && strcmp(url, "/")) {
		status = MHD_HTTP_NOT_FOUND;
		drift_buf_puts(&o, "metrics are at /metrics\n");
	} else {
		render(&o);
	}
	if (!o.data)
		drift_buf_puts(&o, "");
	resp = MHD_create_response_from_buffer(o.len, o.data ? o.data : (void *)"",
					       o.data ? MHD_RESPMEM_MUST_FREE :
					       MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		drift_buf_free(&o);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ?
				"text/plain; version=0.0.4; charset=utf-8" :
				"text/plain");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int metrics_start(struct driftd *d)
{
	(void)d;
	if (M.fd < 0)
		return 0;
	M.mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
				 0, NULL, NULL, answer, NULL,
				 MHD_OPTION_LISTEN_SOCKET, M.fd,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONN,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
				 MHD_OPTION_END);
	if (!M.mhd)
		return -EIO;
	return 0;
}

void metrics_close(struct driftd *d)
{
	struct workload *w;

	(void)d;
	if (M.mhd)
		MHD_stop_daemon(M.mhd);
	M.mhd = NULL;
	if (M.fd >= 0)
		close(M.fd);
	M.fd = -1;
	if (M.k)
		dk_close(M.k);
	M.k = NULL;
	while ((w = M.workloads)) {
		M.workloads = w->next;
		free(w->ns);
		free(w->name);
		free(w);
	}
	free(M.prev);
	M.prev = NULL;
	M.nprev = 0;
	free(M.gone);
	M.gone = NULL;
	M.ngone = M.capgone = 0;
}

// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl: human tables and JSON (pure: render into a drift_buf). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driftctl.h"
#include "fileid.h"
#include "names.h"

/* ---- JSON writer ----------------------------------------------------- */

void jw_init(struct jw *w, struct drift_buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->first[0] = true;
}

static void jw_raw(struct jw *w, const char *s)
{
	if (!w->err && drift_buf_puts(w->b, s))
		w->err = -ENOMEM;
}

/* Separator before a value (not after a key). */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		jw_raw(w, ",");
	w->first[w->depth] = false;
}

static void jw_open(struct jw *w, const char *c)
{
	jw_sep(w);
	jw_raw(w, c);
	if (w->depth + 1 >= (int)(sizeof(w->first) / sizeof(w->first[0]))) {
		w->err = -E2BIG;
		return;
	}
	w->first[++w->depth] = true;
}

static void jw_close(struct jw *w, const char *c)
{
	if (w->depth > 0)
		w->depth--;
	jw_raw(w, c);
}

void jw_obj_begin(struct jw *w) { jw_open(w, "{"); }
void jw_obj_end(struct jw *w) { jw_close(w, "}"); }
void jw_arr_begin(struct jw *w) { jw_open(w, "["); }
void jw_arr_end(struct jw *w) { jw_close(w, "]"); }

void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	if (!w->err && drift_json_escape(w->b, key))
		w->err = -ENOMEM;
	jw_raw(w, ":");
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	jw_sep(w);
	if (!w->err && drift_json_escape(w->b, s))
		w->err = -ENOMEM;
}

void jw_u64(struct jw *w, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	jw_sep(w);
	jw_raw(w, num);
}

void jw_i64(struct jw *w, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	jw_sep(w);
	jw_raw(w, num);
}

void jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	jw_raw(w, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	jw_sep(w);
	jw_raw(w, "null");
}

/* ---- tables ---------------------------------------------------------- */

void table_init(struct table *t, size_t ncols, const char **headers,
		bool *right)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->headers = headers;
	t->right = right;
}

int table_add(struct table *t, ...)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	va_list ap;
	size_t i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));

		if (!c)
			return -ENOMEM;
		t->cells = c;
		t->cap = cap;
	}
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		drift_buf_reset(&b);
		if (drift_text_escape(&b, s ? s : "-")) {
			va_end(ap);
			while (i--)
				free(t->cells[t->nrows * t->ncols + i]);
			drift_buf_free(&b);
			return -ENOMEM;
		}
		t->cells[t->nrows * t->ncols + i] = strdup(b.data);
		if (!t->cells[t->nrows * t->ncols + i]) {
			va_end(ap);
			while (i--)
				free(t->cells[t->nrows * t->ncols + i]);
			drift_buf_free(&b);
			return -ENOMEM;
		}
	}
	va_end(ap);
	drift_buf_free(&b);
	t->nrows++;
	return 0;
}

/* Display width: UTF-8 code points (escaped text has no controls). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int pad(struct drift_buf *out, size_t n)
{
	while (n--)
		if (drift_buf_putc(out, ' '))
			return -ENOMEM;
	return 0;
}

static int cell(struct drift_buf *out, const char *s, size_t w, bool right,
		bool last)
{
	size_t sw = width(s);

	if (right && pad(out, w - sw))
		return -ENOMEM;
	if (drift_buf_puts(out, s))
		return -ENOMEM;
	if (!right && !last && pad(out, w - sw))
		return -ENOMEM;
	if (!last && drift_buf_puts(out, "  "))
		return -ENOMEM;
	return 0;
}

int table_render(const struct table *t, struct drift_buf *out)
{
	size_t *w = calloc(t->ncols, sizeof(*w));
	size_t r, c;
	int ret = -ENOMEM;

	if (!w)
		return -ENOMEM;
	for (c = 0; c < t->ncols; c++) {
		w[c] = width(t->headers[c]);
		for (r = 0; r < t->nrows; r++) {
			size_t cw = width(t->cells[r * t->ncols + c]);

			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (c = 0; c < t->ncols; c++)
		if (cell(out, t->headers[c], w[c], t->right && t->right[c],
			 c == t->ncols - 1))
			goto out;
	if (drift_buf_putc(out, '\n'))
		goto out;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			if (cell(out, t->cells[r * t->ncols + c], w[c],
				 t->right && t->right[c], c == t->ncols - 1))
				goto out;
		if (drift_buf_putc(out, '\n'))
			goto out;
	}
	ret = 0;
out:
	free(w);
	return ret;
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* ---- values ---------------------------------------------------------- */

static const char *or_num(const char *name, int v, char *buf, size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "%d", v);
	return buf;
}

const char *mode_str(int mode)
{
	static char buf[16];

	return mode < 0 ? "-" : or_num(drift_mode_name((unsigned)mode), mode,
				       buf, sizeof(buf));
}

const char *reason_str(int reason)
{
	static char buf[16];

	return reason < 0 ? "-" :
		or_num(drift_reason_name((unsigned)reason), reason, buf,
		       sizeof(buf));
}

const char *action_str(int action)
{
	static char buf[16];

	return action < 0 ? "-" :
		or_num(drift_action_name((unsigned)action), action, buf,
		       sizeof(buf));
}

const char *op_str(int op)
{
	static char buf[16];

	return op < 0 ? "-" : or_num(drift_op_name((unsigned)op), op, buf,
				     sizeof(buf));
}

/* "enforce", "audit,fileless-map" */
static void lib_str(char out[48], const struct binding_info *b)
{
	const char *m = b->lib_mode < 0 ? NULL :
		drift_mode_name((unsigned)b->lib_mode);

	if (b->lib_mode < 0)
		snprintf(out, 48, "-");
	else if (m)
		snprintf(out, 48, "%s%s", m,
			 b->flags & DRIFT_BIND_F_FILELESS_MAP ? ",fileless-map" : "");
	else
		snprintf(out, 48, "%d%s", b->lib_mode,
			 b->flags & DRIFT_BIND_F_FILELESS_MAP ? ",fileless-map" : "");
}

void devstr(char out[24], uint32_t major, uint32_t minor)
{
	snprintf(out, 24, "%" PRIu32 ":%" PRIu32, major, minor);
}

void timestr(char out[48], uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&s, &tm)) {
		snprintf(out, 48, "%" PRIu64, ns);
		return;
	}
	snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)((ns % 1000000000ULL) / 1000));
}

static void human_bytes(char *out, size_t len, uint64_t b)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%" PRIu64 " B", b);
	else
		snprintf(out, len, "%.1f %s", v, unit[u]);
}

static void stat_key(char *buf, size_t len, unsigned int i)
{
	const char *n = drift_stat_name(i);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "stat_%u", i);
}

static void jw_stats(struct jw *w, const struct stats *st)
{
	char key[32];
	unsigned int i;

	jw_obj_begin(w);
	for (i = 0; i <= DRIFT_STAT_MAX; i++) {
		if (!st->has[i])
			continue;
		stat_key(key, sizeof(key), i);
		jw_key(w, key);
		jw_u64(w, st->v[i]);
	}
	jw_obj_end(w);
}

/* A mode in JSON: its name, or the number if unknown, or null. */
static void jw_enum(struct jw *w, int v, const char *name)
{
	if (v < 0)
		jw_null(w);
	else if (name)
		jw_str(w, name);
	else
		jw_i64(w, v);
}

static int finish_json(struct jw *w, struct drift_buf *out)
{
	if (!w->err && drift_buf_putc(out, '\n'))
		w->err = -ENOMEM;
	return w->err;
}

/* ---- status ---------------------------------------------------------- */

int render_status(const struct status_info *st, bool json,
		  struct drift_buf *out)
{
	char key[32], bytes[32];
	unsigned int i;
	int ret = 0;

	if (json) {
		struct jw w;

		jw_init(&w, out);
		jw_obj_begin(&w);
		jw_key(&w, "version");
		jw_str(&w, st->version);
		jw_key(&w, "default_mode");
		jw_enum(&w, st->default_mode,
			st->default_mode < 0 ? NULL :
			drift_mode_name((unsigned)st->default_mode));
		jw_key(&w, "default_set");
		jw_str(&w, st->default_set && *st->default_set ?
		       st->default_set : NULL);
		jw_key(&w, "locked");
		if (st->locked < 0) jw_null(&w); else jw_bool(&w, st->locked);
		jw_key(&w, "sealed");
		if (st->sealed < 0) jw_null(&w); else jw_bool(&w, st->sealed);
		jw_key(&w, "selftest");
		if (st->selftest < 0) jw_null(&w); else jw_bool(&w, st->selftest);
		jw_key(&w, "selftest_ns");
		if (st->has_selftest_ns) jw_u64(&w, st->selftest_ns); else jw_null(&w);
		jw_key(&w, "staging");
		if (st->has_staging) jw_u64(&w, st->staging); else jw_null(&w);
		jw_key(&w, "sets");
		if (st->has_sets) jw_u64(&w, st->sets); else jw_null(&w);
		jw_key(&w, "bindings");
		if (st->has_bindings) jw_u64(&w, st->bindings); else jw_null(&w);
		jw_key(&w, "memory");
		if (st->has_memory) jw_u64(&w, st->memory); else jw_null(&w);
		jw_key(&w, "event_rate");
		if (st->has_rate) jw_u64(&w, st->rate); else jw_null(&w);
		jw_key(&w, "event_burst");
		if (st->has_burst) jw_u64(&w, st->burst); else jw_null(&w);
		jw_key(&w, "stats");
		jw_stats(&w, &st->stats);
		jw_obj_end(&w);
		return finish_json(&w, out);
	}

#define P(...) do { if (!ret && drift_buf_printf(out, __VA_ARGS__)) ret = -ENOMEM; } while (0)
	{
		struct drift_buf v = DRIFT_BUF_INIT;

		if (drift_text_escape(&v, st->version ? st->version : "?"))
			return -ENOMEM;
		P("drift module %s\n", v.data);
		drift_buf_reset(&v);
		if (st->default_set && *st->default_set &&
		    drift_text_escape(&v, st->default_set)) {
			drift_buf_free(&v);
			return -ENOMEM;
		}
		P("  default mode:  %s\n", mode_str(st->default_mode));
		P("  default set:   %s\n", v.len ? v.data : "(none)");
		drift_buf_free(&v);
	}
	P("  locked:        %s\n", st->locked < 0 ? "-" : st->locked ? "yes (rmmod refused; 'driftctl unlock' first)" : "no");
	P("  sealed:        %s\n", st->sealed < 0 ? "-" : st->sealed ? "yes (only tightening until the module is reloaded)" : "no");
	P("  self-test:     %s", st->selftest < 0 ? "-" : st->selftest ? "passed" : "FAILED");
	if (st->has_selftest_ns && st->selftest_ns) {
		char ts[48];

		timestr(ts, st->selftest_ns);
		P(" (last run %s)", ts);
	}
	P("\n");
	if (st->has_sets)
		P("  sets:          %" PRIu32 "\n", st->sets);
	if (st->has_bindings)
		P("  bindings:      %" PRIu32 "\n", st->bindings);
	if (st->has_memory) {
		human_bytes(bytes, sizeof(bytes), st->memory);
		P("  memory:        %s\n", bytes);
	}
	if (st->has_staging)
		P("  sets loading:  %" PRIu32 "\n", st->staging);
	if (st->has_rate || st->has_burst)
		P("  event limit:   %" PRIu32 "/s per binding, burst %" PRIu32 "\n",
		  st->rate, st->burst);
	P("counters:\n");
	for (i = 0; i <= DRIFT_STAT_MAX; i++) {
		if (!st->stats.has[i])
			continue;
		stat_key(key, sizeof(key), i);
		P("  %-19s %20" PRIu64 "\n", key, st->stats.v[i]);
	}
#undef P
	return ret;
}

/* ---- sets ------------------------------------------------------------ */

int render_sets(const struct set_info *sets, size_t n, bool json,
		struct drift_buf *out)
{
	static const char *hdr[] = { "NAME", "ENTRIES", "OWN", "REFS", "MEMORY",
				     "LOADED", "INCLUDES" };
	static bool right[] = { false, true, true, true, true, false, false };
	struct drift_buf inc = DRIFT_BUF_INIT;
	struct table t;
	size_t i, j;
	int ret = 0;

	if (json) {
		struct jw w;

		jw_init(&w, out);
		jw_obj_begin(&w);
		jw_key(&w, "sets");
		jw_arr_begin(&w);
		for (i = 0; i < n; i++) {
			const struct set_info *s = &sets[i];

			jw_obj_begin(&w);
			jw_key(&w, "name");
			jw_str(&w, s->name);
			jw_key(&w, "entries");
			if (s->has_entries) jw_u64(&w, s->entries); else jw_null(&w);
			jw_key(&w, "own_entries");
			if (s->has_own) jw_u64(&w, s->own); else jw_null(&w);
			jw_key(&w, "refs");
			if (s->has_refs) jw_u64(&w, s->refs); else jw_null(&w);
			jw_key(&w, "memory");
			if (s->has_memory) jw_u64(&w, s->memory); else jw_null(&w);
			jw_key(&w, "loaded_ns");
			if (s->has_loaded) jw_u64(&w, s->loaded_ns); else jw_null(&w);
			jw_key(&w, "includes");
			jw_arr_begin(&w);
			for (j = 0; j < s->nincludes; j++)
				jw_str(&w, s->includes[j]);
			jw_arr_end(&w);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
		return finish_json(&w, out);
	}
	table_init(&t, 7, hdr, right);
	for (i = 0; i < n && !ret; i++) {
		const struct set_info *s = &sets[i];
		char e[16] = "-", o[16] = "-", r[16] = "-", m[32] = "-", l[48] = "-";

		if (s->has_entries)
			snprintf(e, sizeof(e), "%" PRIu32, s->entries);
		if (s->has_own)
			snprintf(o, sizeof(o), "%" PRIu32, s->own);
		if (s->has_refs)
			snprintf(r, sizeof(r), "%" PRIu32, s->refs);
		if (s->has_memory)
			human_bytes(m, sizeof(m), s->memory);
		if (s->has_loaded)
			timestr(l, s->loaded_ns);
		/* the sets it includes, comma-separated ("-": none) */
		drift_buf_reset(&inc);
		for (j = 0; j < s->nincludes && !ret; j++)
			ret = drift_buf_printf(&inc, "%s%s", j ? "," : "",
					       s->includes[j]) < 0 ? -ENOMEM : 0;
		if (!ret)
			ret = table_add(&t, s->name, e, o, r, m, l,
					inc.data && inc.len ? inc.data : "-");
	}
	if (!ret)
		ret = table_render(&t, out);
	table_free(&t);
	drift_buf_free(&inc);
	return ret;
}

/* ---- bindings -------------------------------------------------------- */

static void jw_file_id(struct jw *w, const struct drift_file_id *f)
{
	char dev[24], hex[2 * DRIFT_SHA256_LEN + 1];

	devstr(dev, f->dev_major, f->dev_minor);
	jw_key(w, "dev");
	jw_str(w, dev);
	jw_key(w, "ino");
	jw_u64(w, f->ino);
	jw_key(w, "generation");
	if (f->flags & DRIFT_FILE_F_GENERATION)
		jw_u64(w, f->generation);
	else
		jw_null(w);
	if (f->flags & DRIFT_FILE_F_SHA256) {
		drift_hex(f->sha256, DRIFT_SHA256_LEN, hex);
		jw_key(w, "sha256");
		jw_str(w, hex);
	}
}

static int exc_text(const struct exc_info *e, struct drift_buf *b)
{
	char dev[24];

	if (e->type == DRIFT_EXC_PATH_PREFIX && e->path)
		return drift_buf_printf(b, "path:%s", e->path);
	if (e->type == DRIFT_EXC_FILE && e->has_file) {
		devstr(dev, e->file.dev_major, e->file.dev_minor);
		return drift_buf_printf(b, "file:%s/%" PRIu64, dev,
					(uint64_t)e->file.ino);
	}
	return drift_buf_printf(b, "type%d", e->type);
}

int render_bindings(const struct binding_info *bs, size_t n, bool json,
		    struct drift_buf *out)
{
	static const char *hdr[] = { "CGROUP", "NAME", "SET", "MODE", "LIB",
				     "CHECKED", "DENIED", "AUDITED",
				     "EXCEPTIONS" };
	static bool right[] = { true, false, false, false, false, true, true,
				true, false };
	struct table t;
	size_t i, j;
	int ret = 0;

	if (json) {
		struct jw w;

		jw_init(&w, out);
		jw_obj_begin(&w);
		jw_key(&w, "bindings");
		jw_arr_begin(&w);
		for (i = 0; i < n; i++) {
			const struct binding_info *b = &bs[i];

			jw_obj_begin(&w);
			jw_key(&w, "cgroup_id");
			jw_u64(&w, b->cgid);
			jw_key(&w, "name");
			jw_str(&w, b->name);
			jw_key(&w, "set");
			jw_str(&w, b->set);
			jw_key(&w, "mode");
			jw_enum(&w, b->mode, b->mode < 0 ? NULL :
				drift_mode_name((unsigned)b->mode));
			jw_key(&w, "lib_mode");
			jw_enum(&w, b->lib_mode, b->lib_mode < 0 ? NULL :
				drift_mode_name((unsigned)b->lib_mode));
			jw_key(&w, "fileless_map");
			if (b->has_flags)
				jw_bool(&w, b->flags & DRIFT_BIND_F_FILELESS_MAP);
			else
				jw_null(&w);
			jw_key(&w, "stats");
			jw_stats(&w, &b->stats);
			jw_key(&w, "exceptions");
			jw_arr_begin(&w);
			for (j = 0; j < b->nexcs; j++) {
				const struct exc_info *e = &b->excs[j];
				const char *tn = e->type < 0 ? NULL :
					drift_exception_type_name((unsigned)e->type);

				jw_obj_begin(&w);
				jw_key(&w, "type");
				jw_enum(&w, e->type, tn);
				if (e->path) {
					jw_key(&w, "path");
					jw_str(&w, e->path);
				}
				if (e->has_file)
					jw_file_id(&w, &e->file);
				jw_obj_end(&w);
			}
			jw_arr_end(&w);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
		return finish_json(&w, out);
	}
	table_init(&t, 9, hdr, right);
	for (i = 0; i < n && !ret; i++) {
		const struct binding_info *b = &bs[i];
		struct drift_buf exc = DRIFT_BUF_INIT;
		char id[24], c[24] = "-", d[24] = "-", a[24] = "-", lib[48];

		snprintf(id, sizeof(id), "%" PRIu64, b->cgid);
		lib_str(lib, b);
		if (b->stats.has[DRIFT_STAT_EXECS_CHECKED])
			snprintf(c, sizeof(c), "%" PRIu64,
				 b->stats.v[DRIFT_STAT_EXECS_CHECKED]);
		if (b->stats.has[DRIFT_STAT_EXECS_DENIED])
			snprintf(d, sizeof(d), "%" PRIu64,
				 b->stats.v[DRIFT_STAT_EXECS_DENIED]);
		if (b->stats.has[DRIFT_STAT_EXECS_AUDITED])
			snprintf(a, sizeof(a), "%" PRIu64,
				 b->stats.v[DRIFT_STAT_EXECS_AUDITED]);
		for (j = 0; j < b->nexcs && !ret; j++) {
			if (j && drift_buf_puts(&exc, ","))
				ret = -ENOMEM;
			if (!ret && exc_text(&b->excs[j], &exc))
				ret = -ENOMEM;
		}
		if (!ret)
			ret = table_add(&t, id, b->name, b->set, mode_str(b->mode),
					lib, c, d, a, exc.len ? exc.data : "-");
		drift_buf_free(&exc);
	}
	if (!ret)
		ret = table_render(&t, out);
	table_free(&t);
	return ret;
}

/* ---- events ---------------------------------------------------------- */

int render_event(const struct event_info *ev, bool json,
		 struct drift_buf *out)
{
	char dev[24] = "-", ts[48] = "-";
	int ret = 0;

	if (ev->has_file)
		devstr(dev, ev->file.dev_major, ev->file.dev_minor);
	if (json) {
		struct jw w;

		jw_init(&w, out);
		jw_obj_begin(&w);
		jw_key(&w, "time_ns");
		if (ev->has_time) jw_u64(&w, ev->time_ns); else jw_null(&w);
		jw_key(&w, "cgroup_id");
		if (ev->has_cgid) jw_u64(&w, ev->cgid); else jw_null(&w);
		jw_key(&w, "binding");
		jw_str(&w, ev->binding);
		jw_key(&w, "set");
		jw_str(&w, ev->set);
		jw_key(&w, "pid");
		if (ev->has_pid) jw_u64(&w, ev->pid); else jw_null(&w);
		jw_key(&w, "ppid");
		if (ev->has_ppid) jw_u64(&w, ev->ppid); else jw_null(&w);
		jw_key(&w, "uid");
		if (ev->has_uid) jw_u64(&w, ev->uid); else jw_null(&w);
		jw_key(&w, "comm");
		jw_str(&w, ev->comm);
		jw_key(&w, "path");
		jw_str(&w, ev->path);
		jw_key(&w, "dev");
		if (ev->has_file) jw_str(&w, dev); else jw_null(&w);
		jw_key(&w, "ino");
		if (ev->has_file) jw_u64(&w, ev->file.ino); else jw_null(&w);
		jw_key(&w, "reason");
		jw_enum(&w, ev->reason, ev->reason < 0 ? NULL :
			drift_reason_name((unsigned)ev->reason));
		jw_key(&w, "action");
		jw_enum(&w, ev->action, ev->action < 0 ? NULL :
			drift_action_name((unsigned)ev->action));
		jw_key(&w, "mode");
		jw_enum(&w, ev->mode, ev->mode < 0 ? NULL :
			drift_mode_name((unsigned)ev->mode));
		jw_key(&w, "op");
		jw_enum(&w, ev->op, ev->op < 0 ? NULL :
			drift_op_name((unsigned)ev->op));
		jw_key(&w, "suppressed");
		jw_u64(&w, ev->has_suppressed ? ev->suppressed : 0);
		jw_obj_end(&w);
		return finish_json(&w, out);
	}

	/* key=value, one line, values escaped for the terminal */
	if (ev->has_time)
		timestr(ts, ev->time_ns);
#define KV(k, v) do { if (!ret && (drift_buf_printf(out, " %s=", k) || \
				     drift_text_escape(out, v))) \
		ret = -ENOMEM; } while (0)
#define NUM(k, has, fmt, v) do { if (!ret && ((has) ? \
		drift_buf_printf(out, " %s=%" fmt, k, v) : \
		drift_buf_printf(out, " %s=-", k))) ret = -ENOMEM; } while (0)
	if (drift_buf_printf(out, "%s %s", ts, action_str(ev->action)))
		return -ENOMEM;
	KV("op", op_str(ev->op));
	KV("reason", reason_str(ev->reason));
	KV("mode", mode_str(ev->mode));
	KV("binding", ev->binding ? ev->binding : "(default)");
	KV("set", ev->set ? ev->set : "-");
	NUM("cgroup", ev->has_cgid, PRIu64, ev->cgid);
	NUM("pid", ev->has_pid, PRIu32, ev->pid);
	NUM("ppid", ev->has_ppid, PRIu32, ev->ppid);
	NUM("uid", ev->has_uid, PRIu32, ev->uid);
	KV("comm", ev->comm ? ev->comm : "-");
	KV("path", ev->path ? ev->path : "-");
	KV("dev", dev);
	NUM("ino", ev->has_file, PRIu64, (uint64_t)ev->file.ino);
	if (ev->has_suppressed && ev->suppressed)
		NUM("suppressed", true, PRIu32, ev->suppressed);
	if (!ret && drift_buf_putc(out, '\n'))
		ret = -ENOMEM;
#undef KV
#undef NUM
	return ret;
}

/* ---- containers ------------------------------------------------------ */

static const struct binding_info *binding_of(const struct binding_info *b,
					     size_t n, uint64_t cgid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i].cgid == cgid)
			return &b[i];
	return NULL;
}

static void json_record(struct jw *w, const struct drift_record *r,
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
	jw_str(w, r->namespace_);
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
	jw_key(w, "mode_source");
	jw_str(w, r->mode_source);
	jw_key(w, "lib_mode");
	jw_str(w, r->lib_mode >= 0 ? drift_mode_name((unsigned)r->lib_mode) : NULL);
	jw_key(w, "lib_mode_source");
	jw_str(w, r->lib_mode_source);
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

int render_containers(const struct drift_record *r, size_t n,
		      const struct binding_info *b, size_t nb, bool json,
		      struct drift_buf *out)
{
	static const char *hdr[] = { "CONTAINER", "NAME", "NAMESPACE", "IMAGE",
				     "MODE", "DECIDED BY", "CHECKED", "DENIED",
				     "AUDITED" };
	static bool right[] = { false, false, false, false, false, false, true,
				true, true };
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
		return finish_json(&w, out);
	}
	table_init(&t, 9, hdr, right);
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
				r[i].namespace_ ? r[i].namespace_ : "-",
				r[i].image ? r[i].image : "-",
				bi ? mode_str(bi->mode) : "UNBOUND",
				bi && r[i].mode >= 0 && bi->mode != r[i].mode ?
				"changed in the kernel" :
				r[i].mode_source ? r[i].mode_source : "-", c, d, a);
	}
	if (!ret)
		ret = table_render(&t, out);
	table_free(&t);
	return ret ? -ENOMEM : 0;
}

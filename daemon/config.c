/* driftd: configuration file parser (line based, errors with file:line). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift_netlink.h"
#include "config.h"
#include "util.h"

#define CONFIG_LINE_MAX		4096
#define CONFIG_MAX_RULES	4096
#define CONFIG_MAX_TOKENS	40
#define CONFIG_MAX_GRANTS	1024
#define CONFIG_MAX_HOSTLIBS	256
#define CONFIG_FILE_MAX		(4u << 20)

int config_mode_from_name(const char *s)
{
	if (!strcmp(s, "off"))
		return DRIFT_MODE_OFF;
	if (!strcmp(s, "audit"))
		return DRIFT_MODE_AUDIT;
	if (!strcmp(s, "enforce"))
		return DRIFT_MODE_ENFORCE;
	if (!strcmp(s, "exempt"))
		return DRIFTD_MODE_EXEMPT;
	return -2;
}

const char *config_mode_name(int mode)
{
	switch (mode) {
	case DRIFT_MODE_OFF: return "off";
	case DRIFT_MODE_AUDIT: return "audit";
	case DRIFT_MODE_ENFORCE: return "enforce";
	case DRIFTD_MODE_EXEMPT: return "exempt";
	default: return "unknown";
	}
}

const char *config_kind_name(enum rule_kind k)
{
	switch (k) {
	case RULE_NAMESPACE: return "namespace";
	case RULE_IMAGE: return "image";
	case RULE_IMAGE_DIGEST: return "image-digest";
	case RULE_CONTAINER: return "container";
	case RULE_ALL: return "all";
	}
	return "?";
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

static void add_rule(struct driftd_config *cfg, enum rule_kind kind,
		     const char *pattern, int mode, int lib_mode,
		     const char *file, unsigned line)
{
	struct drift_rule *r;

	r = realloc(cfg->rules, (cfg->nrules + 1) * sizeof(*r));
	if (!r)
		abort();
	cfg->rules = r;
	r = &cfg->rules[cfg->nrules++];
	r->kind = kind;
	r->pattern = xstrdup(pattern);
	r->mode = mode;
	r->lib_mode = lib_mode;
	r->file = xstrdup(file);
	r->line = line;
}

void config_init(struct driftd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->default_mode = DRIFT_MODE_AUDIT;
	cfg->default_lib_mode = DRIFTD_LIB_SAME;
	cfg->cri = CRI_NONE;
	cfg->socket_path = xstrdup(DRIFTD_DEFAULT_SOCKET);
	cfg->state_dir = xstrdup(DRIFTD_DEFAULT_STATEDIR);
	cfg->events_output = xstrdup("-");
	cfg->events_format = EVENTS_JSON;
	cfg->metrics_listen = xstrdup(DRIFTD_DEFAULT_METRICS);
	cfg->reconcile_ms = 1000;
	cfg->request_timeout_ms = 2000;
	cfg->hook_workers = 4;
	cfg->annotations = true;
	cfg->hash = true;
	cfg->discover = true;
	cfg->events_queue_bytes = 4u << 20;
	/*
	 * driftd's own namespace is never governed (see docs/driftd.md). It
	 * only ever matches a namespace the configured CRI runtime set
	 * ("cri-runtime"); with "cri-runtime none" no namespace is known.
	 */
	add_rule(cfg, RULE_NAMESPACE, "drift-system", DRIFTD_MODE_EXEMPT,
		 DRIFTD_LIB_SAME, "<built-in>", 0);
}

void config_free(struct driftd_config *cfg)
{
	size_t i;

	free(cfg->socket_path);
	free(cfg->state_dir);
	free(cfg->events_output);
	free(cfg->metrics_listen);
	for (i = 0; i < cfg->nrules; i++) {
		free(cfg->rules[i].pattern);
		free(cfg->rules[i].file);
	}
	free(cfg->rules);
	for (i = 0; i < cfg->ngrants; i++) {
		size_t j;

		free(cfg->grants[i].pattern);
		free(cfg->grants[i].file);
		for (j = 0; j < cfg->grants[i].nprefixes; j++)
			free(cfg->grants[i].prefixes[j]);
		free(cfg->grants[i].prefixes);
	}
	free(cfg->grants);
	for (i = 0; i < cfg->nhost_libraries; i++)
		free(cfg->host_libraries[i]);
	free(cfg->host_libraries);
	memset(cfg, 0, sizeof(*cfg));
}

struct pctx {
	const char *fname;
	unsigned line;
	unsigned errors;
	config_err_fn err;
	void *arg;
};

static void perr(struct pctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void perr(struct pctx *p, const char *fmt, ...)
{
	char msg[512];
	char full[768];
	va_list ap;

	p->errors++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s:%u: %s", p->fname, p->line, msg);
	if (p->err)
		p->err(p->arg, full);
}

static int parse_bool(struct pctx *p, const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") ||
	    !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") ||
	    !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	perr(p, "%s: expected yes or no, got \"%.64s\"", key, v);
	return -1;
}

static int parse_uint(struct pctx *p, const char *key, const char *v,
		      unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long n;
	char *end;

	errno = 0;
	if (v[0] < '0' || v[0] > '9') {
		perr(p, "%s: expected a number, got \"%.64s\"", key, v);
		return -1;
	}
	n = strtoul(v, &end, 10);
	if (errno || *end || n < lo || n > hi) {
		perr(p, "%s: \"%.64s\" is not a number in %u..%u", key, v, lo, hi);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int check_abs_path(struct pctx *p, const char *key, const char *v)
{
	if (v[0] != '/' || strlen(v) >= PATH_MAX) {
		perr(p, "%s: expected an absolute path, got \"%.64s\"", key, v);
		return -1;
	}
	return 0;
}

static int check_listen(struct pctx *p, const char *v)
{
	const char *colon = strrchr(v, ':');
	unsigned port;
	struct pctx q = *p;

	if (!colon || colon == v || strlen(v) > 255) {
		perr(p, "metrics-listen: expected ADDRESS:PORT or off, got \"%.64s\"", v);
		return -1;
	}
	q.err = NULL;
	if (parse_uint(&q, "port", colon + 1, 1, 65535, &port)) {
		perr(p, "metrics-listen: bad port in \"%.64s\"", v);
		return -1;
	}
	return 0;
}

/* No "." / ".." components, no "//": prefixes compare component-wise. */
static int check_clean_path(struct pctx *p, const char *key, const char *v)
{
	const char *s = v;

	while (*s) {
		const char *e;
		size_t l;

		while (*s == '/')
			s++;
		e = strchrnul(s, '/');
		l = (size_t)(e - s);
		if ((l == 1 && s[0] == '.') || (l == 2 && s[0] == '.' && s[1] == '.')) {
			perr(p, "%s: \"%.64s\" has a . or .. component", key, v);
			return -1;
		}
		s = e;
	}
	if (strstr(v, "//")) {
		perr(p, "%s: \"%.64s\" has an empty component", key, v);
		return -1;
	}
	return 0;
}

static int parse_kind(struct pctx *p, const char *key, const char *s,
		      enum rule_kind *kind, bool all_ok)
{
	if (!strcmp(s, "namespace"))
		*kind = RULE_NAMESPACE;
	else if (!strcmp(s, "image"))
		*kind = RULE_IMAGE;
	else if (!strcmp(s, "image-digest"))
		*kind = RULE_IMAGE_DIGEST;
	else if (!strcmp(s, "container"))
		*kind = RULE_CONTAINER;
	else if (all_ok && !strcmp(s, "all"))
		*kind = RULE_ALL;
	else {
		perr(p, "%s: unknown selector \"%.64s\" (namespace, image, image-digest, container%s)",
		     key, s, all_ok ? " or all" : "");
		return -1;
	}
	return 0;
}

/*
 * rule SELECTOR PATTERN MODE [lib-mode LIBMODE]
 * exempt SELECTOR PATTERN
 */
static void parse_rule(struct driftd_config *cfg, struct pctx *p, char **tok,
		       unsigned n)
{
	bool exempt = !strcmp(tok[0], "exempt");
	enum rule_kind kind;
	int m, lm = DRIFTD_LIB_SAME;

	if (exempt ? n != 3 : (n != 4 && n != 6)) {
		perr(p, exempt ? "usage: exempt namespace|image|image-digest|container PATTERN"
			       : "usage: rule namespace|image|image-digest|container PATTERN off|audit|enforce|exempt [lib-mode off|audit|enforce]");
		return;
	}
	if (parse_kind(p, tok[0], tok[1], &kind, false))
		return;
	if (strlen(tok[2]) > 1024) {
		perr(p, "%s: pattern too long", tok[0]);
		return;
	}
	m = exempt ? DRIFTD_MODE_EXEMPT : config_mode_from_name(tok[3]);
	if (m == -2) {
		perr(p, "rule: unknown mode \"%.64s\" (off, audit, enforce, exempt)",
		     tok[3]);
		return;
	}
	if (n == 6) {
		if (strcmp(tok[4], "lib-mode")) {
			perr(p, "rule: expected \"lib-mode\" after the mode, got \"%.64s\"", tok[4]);
			return;
		}
		lm = config_mode_from_name(tok[5]);
		if (lm < 0) {
			perr(p, "rule: lib-mode: expected off, audit or enforce, got \"%.64s\"", tok[5]);
			return;
		}
		if (m == DRIFTD_MODE_EXEMPT) {
			perr(p, "rule: an exempt container has no library mode");
			return;
		}
	}
	if (cfg->nrules >= CONFIG_MAX_RULES) {
		perr(p, "too many rules (max %u)", CONFIG_MAX_RULES);
		return;
	}
	add_rule(cfg, kind, tok[2], m, lm, p->fname, p->line);
}

/*
 * allow SELECTOR PATTERN [loosen] [exceptions PREFIX...]
 * allow all [loosen] [exceptions PREFIX...]
 */
static void parse_grant(struct driftd_config *cfg, struct pctx *p, char **tok,
			unsigned n)
{
	struct drift_grant g = { 0 };
	unsigned i;

	if (n < 3 || parse_kind(p, "allow", tok[1], &g.kind, true)) {
		if (n < 3)
			perr(p, "usage: allow namespace|image|image-digest|container PATTERN|all [loosen] [exceptions /PREFIX/...]");
		return;
	}
	i = 2;
	if (g.kind != RULE_ALL) {
		if (strlen(tok[2]) > 1024) {
			perr(p, "allow: pattern too long");
			return;
		}
		g.pattern = tok[2];
		i = 3;
	}
	for (; i < n; i++) {
		if (!strcmp(tok[i], "loosen") && !g.loosen) {
			g.loosen = true;
		} else if (!strcmp(tok[i], "exceptions") && !g.nprefixes && i + 1 < n) {
			for (i++; i < n; i++) {
				if (tok[i][0] != '/' || strlen(tok[i]) >= 4096) {
					perr(p, "allow: exceptions: \"%.64s\" is not an absolute path", tok[i]);
					goto fail;
				}
				if (!strcmp(tok[i], "/")) {
					perr(p, "allow: exceptions: \"/\" would allow every path; name directories");
					goto fail;
				}
				if (check_clean_path(p, "allow: exceptions", tok[i]))
					goto fail;
				drift_strv_push(&g.prefixes, &g.nprefixes, tok[i]);
			}
		} else {
			perr(p, "allow: unexpected \"%.64s\" (loosen, exceptions /PREFIX/...)", tok[i]);
			goto fail;
		}
	}
	if (!g.loosen && !g.nprefixes) {
		perr(p, "allow: grants nothing (say loosen and/or exceptions /PREFIX/...)");
		goto fail;
	}
	if (cfg->ngrants >= CONFIG_MAX_GRANTS) {
		perr(p, "too many allow lines (max %u)", CONFIG_MAX_GRANTS);
		goto fail;
	}
	{
		struct drift_grant *v = realloc(cfg->grants, (cfg->ngrants + 1) * sizeof(*v));

		if (!v)
			abort();
		cfg->grants = v;
		g.pattern = g.pattern ? xstrdup(g.pattern) : NULL;
		g.file = xstrdup(p->fname);
		g.line = p->line;
		v[cfg->ngrants++] = g;
	}
	return;
fail:
	for (i = 0; i < g.nprefixes; i++)
		free(g.prefixes[i]);
	free(g.prefixes);
}

static void parse_line(struct driftd_config *cfg, struct pctx *p, char *line)
{
	char *tok[CONFIG_MAX_TOKENS];
	unsigned n = 0;
	char *s = line, *save = NULL, *t;
	unsigned u;
	bool b;
	int m;

	/* Strip comments: '#' at start of a token. */
	for (t = s; *t; t++) {
		if (*t == '#' && (t == s || t[-1] == ' ' || t[-1] == '\t')) {
			*t = '\0';
			break;
		}
	}
	for (t = strtok_r(s, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == CONFIG_MAX_TOKENS) {
			perr(p, "too many words");
			return;
		}
		tok[n++] = t;
	}
	if (n == 0)
		return;
	for (u = 0; u < n; u++) {
		for (t = tok[u]; *t; t++) {
			if ((unsigned char)*t < 0x20 || *t == 0x7f) {
				perr(p, "control character in \"%.64s\"", tok[0]);
				return;
			}
		}
	}

	const char *key = tok[0];

	if (!strcmp(key, "rule") || !strcmp(key, "exempt")) {
		parse_rule(cfg, p, tok, n);
		return;
	}
	if (!strcmp(key, "allow")) {
		parse_grant(cfg, p, tok, n);
		return;
	}
	if (!strcmp(key, "host-library")) {
		if (n != 2) {
			perr(p, "usage: host-library /ABSOLUTE/HOST/PATH");
			return;
		}
		if (check_abs_path(p, key, tok[1]) || check_clean_path(p, key, tok[1]))
			return;
		if (!strcmp(tok[1], "/")) {
			perr(p, "host-library: \"/\" would allow the whole host");
			return;
		}
		if (cfg->nhost_libraries >= CONFIG_MAX_HOSTLIBS) {
			perr(p, "too many host-library lines (max %u)", CONFIG_MAX_HOSTLIBS);
			return;
		}
		drift_strv_push(&cfg->host_libraries, &cfg->nhost_libraries, tok[1]);
		return;
	}
	if (!strcmp(key, "annotations-can-disable")) {
		perr(p, "annotations-can-disable was removed: annotations may only tighten; grant loosening with \"allow namespace PATTERN loosen\"");
		return;
	}

	static const char *const known[] = {
		"mode", "socket", "state-dir", "events", "events-format",
		"metrics-listen", "reconcile-interval-ms", "request-timeout-ms",
		"annotations", "hash", "discover", "lib-mode", "cri-runtime",
		"metrics-per-container", "events-queue-bytes", "hook-workers",
		NULL };
	for (u = 0; known[u] && strcmp(known[u], key); u++)
		;
	if (!known[u]) {
		perr(p, "unknown key \"%.64s\"", key);
		return;
	}
	if (n != 2) {
		perr(p, n == 1 ? "%s: missing value" : "%s: one value expected",
		     key);
		return;
	}
	const char *v = tok[1];

	if (!strcmp(key, "mode")) {
		m = config_mode_from_name(v);
		if (m < 0) {
			perr(p, "mode: expected off, audit or enforce, got \"%.64s\"", v);
			return;
		}
		cfg->default_mode = m;
	} else if (!strcmp(key, "socket")) {
		if (!check_abs_path(p, key, v)) {
			if (strlen(v) >= 108) {
				perr(p, "socket: path too long for a unix socket");
				return;
			}
			set_str(&cfg->socket_path, v);
		}
	} else if (!strcmp(key, "state-dir")) {
		if (!check_abs_path(p, key, v))
			set_str(&cfg->state_dir, v);
	} else if (!strcmp(key, "events")) {
		if (!strcmp(v, "stdout") || !strcmp(v, "-"))
			set_str(&cfg->events_output, "-");
		else if (!check_abs_path(p, key, v))
			set_str(&cfg->events_output, v);
	} else if (!strcmp(key, "events-format")) {
		if (!strcmp(v, "json"))
			cfg->events_format = EVENTS_JSON;
		else if (!strcmp(v, "falco"))
			cfg->events_format = EVENTS_FALCO;
		else
			perr(p, "events-format: expected json or falco, got \"%.64s\"", v);
	} else if (!strcmp(key, "metrics-listen")) {
		if (!strcmp(v, "off")) {
			free(cfg->metrics_listen);
			cfg->metrics_listen = NULL;
		} else if (!check_listen(p, v)) {
			set_str(&cfg->metrics_listen, v);
		}
	} else if (!strcmp(key, "reconcile-interval-ms")) {
		if (!parse_uint(p, key, v, 100, 600000, &u))
			cfg->reconcile_ms = u;
	} else if (!strcmp(key, "request-timeout-ms")) {
		if (!parse_uint(p, key, v, 10, 600000, &u))
			cfg->request_timeout_ms = u;
	} else if (!strcmp(key, "hook-workers")) {
		if (!parse_uint(p, key, v, 1, HOOK_WORKERS_MAX, &u))
			cfg->hook_workers = u;
	} else if (!strcmp(key, "annotations")) {
		if (!parse_bool(p, key, v, &b))
			cfg->annotations = b;
	} else if (!strcmp(key, "lib-mode")) {
		m = !strcmp(v, "same") ? DRIFTD_LIB_SAME : config_mode_from_name(v);
		if (m == -2 || m == DRIFTD_MODE_EXEMPT) {
			perr(p, "lib-mode: expected same, off, audit or enforce, got \"%.64s\"", v);
			return;
		}
		cfg->default_lib_mode = m;
	} else if (!strcmp(key, "cri-runtime")) {
		if (!strcmp(v, "none"))
			cfg->cri = CRI_NONE;
		else if (!strcmp(v, "cri-o"))
			cfg->cri = CRI_CRIO;
		else if (!strcmp(v, "containerd"))
			cfg->cri = CRI_CONTAINERD;
		else
			perr(p, "cri-runtime: expected none, cri-o or containerd, got \"%.64s\"", v);
	} else if (!strcmp(key, "hash")) {
		if (!parse_bool(p, key, v, &b))
			cfg->hash = b;
	} else if (!strcmp(key, "discover")) {
		if (!parse_bool(p, key, v, &b))
			cfg->discover = b;
	} else if (!strcmp(key, "metrics-per-container")) {
		if (!parse_bool(p, key, v, &b))
			cfg->metrics_per_container = b;
	} else if (!strcmp(key, "events-queue-bytes")) {
		if (!parse_uint(p, key, v, 4096, 1u << 30, &u))
			cfg->events_queue_bytes = u;
	} else {
		perr(p, "unknown key \"%.64s\"", key);
	}
}

unsigned config_parse_text(struct driftd_config *cfg, const char *fname,
			   const char *text, size_t len,
			   config_err_fn err, void *arg)
{
	struct pctx p = { .fname = fname, .err = err, .arg = arg };
	char buf[CONFIG_LINE_MAX + 1];
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t l = end - pos;

		p.line++;
		if (l > CONFIG_LINE_MAX) {
			perr(&p, "line longer than %u bytes", CONFIG_LINE_MAX);
		} else if (memchr(text + pos, '\0', l)) {
			perr(&p, "NUL byte in line");
		} else {
			memcpy(buf, text + pos, l);
			buf[l] = '\0';
			parse_line(cfg, &p, buf);
		}
		pos = end + 1;
	}
	return p.errors;
}

int config_load_file(struct driftd_config *cfg, const char *path,
		     config_err_fn err, void *arg)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	unsigned bad;

	if (!f)
		return -1;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			text = realloc(text, cap);
			if (!text)
				abort();
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0 || len > CONFIG_FILE_MAX)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	if (len > CONFIG_FILE_MAX) {
		char msg[PATH_MAX + 64];

		snprintf(msg, sizeof(msg), "%s: file larger than %u bytes, ignored",
			 path, CONFIG_FILE_MAX);
		if (err)
			err(arg, msg);
		free(text);
		return 1;
	}
	bad = config_parse_text(cfg, path, text, len, err, arg);
	free(text);
	return (int)bad;
}

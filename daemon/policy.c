/* driftd: mode selection from configuration rules and annotations. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift_netlink.h"
#include "policy.h"

static void warn(struct policy_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct policy_result *r, const char *fmt, ...)
{
	char buf[256];
	char **v;
	va_list ap;

	if (r->nwarnings >= 16)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	v = realloc(r->warnings, (r->nwarnings + 1) * sizeof(*v));
	if (!v)
		abort();
	r->warnings = v;
	v[r->nwarnings] = strdup(buf);
	if (!v[r->nwarnings])
		abort();
	r->nwarnings++;
}

static const char *ann(const struct oci_annotations *a, const char *key)
{
	const char *v = a ? oci_ann_get(a, key) : NULL;

	return v && *v ? v : NULL;
}

static void add_digest(struct container_meta *m, const char *d)
{
	if (d && *d && m->ndigests < POLICY_MAX_DIGESTS)
		m->digests[m->ndigests++] = d;
}

/*
 * Only keys the runtime writes after copying the pod's annotations (so
 * that its value wins), see docs/driftd.md for the code references:
 *  CRI-O: the kubelet's container labels (io.kubernetes.pod.namespace,
 *    .pod.name, .container.name) are added last; io.kubernetes.cri-o.*
 *    after the sandbox's (pod) annotations. ImageRepoDigests is only set
 *    when the image has some, so a pod annotation could supply it: unused.
 *  containerd: io.kubernetes.cri.* (DefaultCRIAnnotations) after the
 *    pass-through pod annotations. io.kubernetes.pod.* are never set by
 *    containerd: a passed-through pod annotation could carry them.
 */
void policy_meta_from_annotations(enum cri_runtime cri,
				  const struct oci_annotations *a,
				  struct container_meta *meta)
{
	const char *v;

	switch (cri) {
	case CRI_CRIO:
		if (!meta->namespace_)
			meta->namespace_ = ann(a, "io.kubernetes.pod.namespace");
		if (!meta->pod)
			meta->pod = ann(a, "io.kubernetes.pod.name");
		if (!meta->name)
			meta->name = ann(a, "io.kubernetes.container.name");
		if (!meta->image)
			meta->image = ann(a, "io.kubernetes.cri-o.ImageName");
		add_digest(meta, ann(a, "io.kubernetes.cri-o.ImageRef"));
		break;
	case CRI_CONTAINERD:
		if (!meta->namespace_)
			meta->namespace_ = ann(a, "io.kubernetes.cri.sandbox-namespace");
		if (!meta->pod)
			meta->pod = ann(a, "io.kubernetes.cri.sandbox-name");
		if (!meta->name)
			meta->name = ann(a, "io.kubernetes.cri.container-name");
		if (!meta->image)
			meta->image = ann(a, "io.kubernetes.cri.image-name");
		v = meta->image ? strchr(meta->image, '@') : NULL;
		if (v)
			add_digest(meta, v + 1);
		break;
	case CRI_NONE:
		break;
	}
}

static int has_ctl(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

static int bad_components(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if ((j - i == 1 && p[i] == '.') ||
		    (j - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			return 1;
		i = j + 1;
	}
	return 0;
}

int policy_path_under(const char *path, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	while (pl > 1 && prefix[pl - 1] == '/')
		pl--;
	if (len < pl || memcmp(path, prefix, pl))
		return 0;
	return len == pl || path[pl] == '/' || (pl == 1 && prefix[0] == '/');
}

/* Entries are separated by commas or white space (podman's --annotation
 * splits its argument at commas, so "a b" is the way to pass several). */
#define EXC_SEPARATORS ", \t\r\n"

void policy_parse_exceptions(const char *value, char *const *prefixes,
			     size_t nprefixes, struct policy_result *out)
{
	const char *p = value;

	while (*p) {
		const char *start, *end;
		size_t n, i;
		char *e, **v;

		while (*p && strchr(EXC_SEPARATORS, *p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !strchr(EXC_SEPARATORS, *p))
			p++;
		end = p;
		n = (size_t)(end - start);
		if (start[0] != '/') {
			warn(out, "%s: \"%.*s\" is not an absolute path, ignored",
			     ANN_EXCEPTIONS, (int)(n > 64 ? 64 : n), start);
			continue;
		}
		if (n >= DRIFT_PATH_MAX || has_ctl(start, n) ||
		    bad_components(start, n)) {
			warn(out, "%s: an entry is too long or has control characters or . / .. components, ignored",
			     ANN_EXCEPTIONS);
			continue;
		}
		if (n == 1) {
			warn(out, "%s: \"/\" would except everything, ignored",
			     ANN_EXCEPTIONS);
			out->refused++;
			continue;
		}
		for (i = 0; i < nprefixes; i++)
			if (policy_path_under(start, n, prefixes[i]))
				break;
		if (i == nprefixes) {
			warn(out, "%s: \"%.*s\" refused: not below a prefix an administrator allowed",
			     ANN_EXCEPTIONS, (int)(n > 64 ? 64 : n), start);
			out->refused++;
			continue;
		}
		for (i = 0; i < out->nexceptions; i++)
			if (strlen(out->exceptions[i]) == n &&
			    !memcmp(out->exceptions[i], start, n))
				break;
		if (i < out->nexceptions)
			continue;
		if (out->nexceptions >= DRIFT_MAX_EXCEPTIONS) {
			warn(out, "%s: more than %d entries, the rest ignored",
			     ANN_EXCEPTIONS, DRIFT_MAX_EXCEPTIONS);
			break;
		}
		e = strndup(start, n);
		v = realloc(out->exceptions, (out->nexceptions + 1) * sizeof(*v));
		if (!e || !v)
			abort();
		out->exceptions = v;
		v[out->nexceptions++] = e;
	}
}

static int selector_matches(enum rule_kind kind, const char *pattern,
			    const struct container_meta *m)
{
	const char *subject = NULL;
	size_t i;

	switch (kind) {
	case RULE_ALL:
		return 1;
	case RULE_NAMESPACE:
		subject = m->namespace_;
		break;
	case RULE_IMAGE:
		subject = m->image;
		break;
	case RULE_CONTAINER:
		subject = m->name;
		break;
	case RULE_IMAGE_DIGEST:
		/* CRI-O's ImageRef is the bare hex id: "sha256:" optional. */
		for (i = 0; i < m->ndigests; i++)
			if (!fnmatch(pattern, m->digests[i], 0) ||
			    (!strncmp(pattern, "sha256:", 7) &&
			     strncmp(m->digests[i], "sha256:", 7) &&
			     !fnmatch(pattern + 7, m->digests[i], 0)))
				return 1;
		return 0;
	}
	/* Unknown (untrusted or absent) metadata never matches. */
	return subject && fnmatch(pattern, subject, 0) == 0;
}

/* An annotation's mode word, or -2 (absent) / -3 (invalid). */
static int ann_mode(const struct oci_annotations *a, const char *key)
{
	const char *v = oci_ann_get(a, key);
	char word[16];
	size_t n;
	int m;

	if (!v)
		return -2;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, " \t\r\n");
	if (n >= sizeof(word) || v[n + strspn(v + n, " \t\r\n")])
		return -3;
	memcpy(word, v, n);
	word[n] = '\0';
	m = config_mode_from_name(word);
	return m >= 0 ? m : -3;
}

/* Applies a drift.io/mode or drift.io/lib-mode request to *MODE. */
static void apply_mode_ann(struct policy_result *out, const char *key, int want,
			   int *mode, char *source, size_t srclen,
			   const struct drift_grant *loosen)
{
	if (want == -2)
		return;
	if (want == -3) {
		warn(out, "%s: expected off, audit or enforce, ignored", key);
		return;
	}
	if (want >= *mode) {
		if (want > *mode) {
			char was[192];

			snprintf(was, sizeof(was), "%s", source);
			snprintf(source, srclen, "annotation %s (tightens %.120s)",
				 key, was);
		}
		*mode = want;
		return;
	}
	if (!loosen) {
		warn(out, "%s: %s refused: annotations may only tighten the %s decided by %.100s",
		     key, config_mode_name(want), config_mode_name(*mode), source);
		out->refused++;
		return;
	}
	*mode = want;
	snprintf(source, srclen, "annotation %s (allowed by %s:%u)", key,
		 loosen->file, loosen->line);
}

void policy_decide(const struct driftd_config *cfg,
		   const struct container_meta *meta,
		   const struct oci_annotations *ann,
		   struct policy_result *out)
{
	const struct drift_rule *rule = NULL;
	const struct drift_grant *loosen = NULL;
	char **prefixes = NULL;
	size_t nprefixes = 0, i;
	bool lib_same;
	int want;
	const char *v;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < cfg->nrules; i++) {
		if (selector_matches(cfg->rules[i].kind, cfg->rules[i].pattern, meta)) {
			rule = &cfg->rules[i];
			break;
		}
	}
	if (rule) {
		out->mode = rule->mode;
		snprintf(out->source, sizeof(out->source), "%s:%u", rule->file,
			 rule->line);
	} else {
		out->mode = cfg->default_mode;
		snprintf(out->source, sizeof(out->source), "default");
	}
	if (rule && rule->lib_mode != DRIFTD_LIB_SAME) {
		out->lib_mode = rule->lib_mode;
		snprintf(out->lib_source, sizeof(out->lib_source), "%s:%u",
			 rule->file, rule->line);
		lib_same = false;
	} else if (cfg->default_lib_mode != DRIFTD_LIB_SAME) {
		out->lib_mode = cfg->default_lib_mode;
		snprintf(out->lib_source, sizeof(out->lib_source), "default lib-mode");
		lib_same = false;
	} else {
		lib_same = true;
	}
	if (out->mode == DRIFTD_MODE_EXEMPT) {
		out->lib_mode = DRIFT_MODE_OFF;
		snprintf(out->lib_source, sizeof(out->lib_source), "%s", out->source);
		return;
	}
	if (cfg->annotations && ann) {
		for (i = 0; i < cfg->ngrants; i++) {
			const struct drift_grant *g = &cfg->grants[i];

			if (!selector_matches(g->kind, g->pattern, meta))
				continue;
			if (g->loosen && !loosen)
				loosen = g;
			if (g->nprefixes && !prefixes) {
				prefixes = g->prefixes;
				nprefixes = g->nprefixes;
			}
		}
		apply_mode_ann(out, ANN_MODE, ann_mode(ann, ANN_MODE), &out->mode,
			       out->source, sizeof(out->source), loosen);
		if (lib_same) {
			out->lib_mode = out->mode;
			snprintf(out->lib_source, sizeof(out->lib_source),
				 "same as mode");
		}
		want = ann_mode(ann, ANN_LIB_MODE);
		if (want != -2) {
			apply_mode_ann(out, ANN_LIB_MODE, want, &out->lib_mode,
				       out->lib_source, sizeof(out->lib_source),
				       loosen);
		}
		v = oci_ann_get(ann, ANN_EXCEPTIONS);
		if (v && !nprefixes) {
			warn(out, "%s refused: no \"allow ... exceptions\" line of the configuration matches this container",
			     ANN_EXCEPTIONS);
			out->refused++;
		} else if (v) {
			policy_parse_exceptions(v, prefixes, nprefixes, out);
		}
	} else if (lib_same) {
		out->lib_mode = out->mode;
		snprintf(out->lib_source, sizeof(out->lib_source), "same as mode");
	}
}

void policy_result_free(struct policy_result *r)
{
	size_t i;

	for (i = 0; i < r->nexceptions; i++)
		free(r->exceptions[i]);
	free(r->exceptions);
	for (i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof(*r));
}

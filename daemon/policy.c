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

static const char *first_of(const struct oci_annotations *ann,
			    const char *const *keys)
{
	const char *v;

	for (; *keys; keys++) {
		v = oci_ann_get(ann, *keys);
		if (v && *v)
			return v;
	}
	return NULL;
}

void policy_meta_from_annotations(const struct oci_annotations *ann,
				  struct container_meta *meta)
{
	static const char *const ns[] = {
		"io.kubernetes.pod.namespace",
		"io.kubernetes.cri.sandbox-namespace", NULL };
	static const char *const pod[] = {
		"io.kubernetes.pod.name",
		"io.kubernetes.cri.sandbox-name", NULL };
	static const char *const name[] = {
		"io.kubernetes.container.name",
		"io.kubernetes.cri.container-name", ANN_NAME, NULL };
	static const char *const image[] = {
		"io.kubernetes.cri.image-name",
		"io.kubernetes.cri-o.ImageName", ANN_IMAGE, NULL };
	const char *v;

	if (!meta->namespace_ && (v = first_of(ann, ns)))
		meta->namespace_ = v;
	if (!meta->pod && (v = first_of(ann, pod)))
		meta->pod = v;
	if (!meta->name && (v = first_of(ann, name)))
		meta->name = v;
	if (!meta->image && (v = first_of(ann, image)))
		meta->image = v;
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

/* Entries are separated by commas or white space (podman's --annotation
 * splits its argument at commas, so "a b" is the way to pass several). */
#define EXC_SEPARATORS ", \t\r\n"

void policy_parse_exceptions(const char *value, struct policy_result *out)
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

void policy_decide(const struct driftd_config *cfg,
		   const struct container_meta *meta,
		   const struct oci_annotations *ann,
		   struct policy_result *out)
{
	const char *v;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->mode = cfg->default_mode;
	snprintf(out->source, sizeof(out->source), "default");
	for (i = 0; i < cfg->nrules; i++) {
		const struct drift_rule *r = &cfg->rules[i];
		const char *subject = r->kind == RULE_NAMESPACE ? meta->namespace_
								  : meta->image;

		if (!subject || fnmatch(r->pattern, subject, 0) != 0)
			continue;
		out->mode = r->mode;
		snprintf(out->source, sizeof(out->source), "%s:%u", r->file,
			 r->line);
		break;
	}
	if (out->mode == DRIFTD_MODE_EXEMPT || !cfg->annotations || !ann)
		return;

	v = oci_ann_get(ann, ANN_MODE);
	if (v) {
		char word[16];
		size_t n;
		int m;

		while (*v == ' ' || *v == '\t')
			v++;
		n = strcspn(v, " \t\r\n");
		m = -2;
		if (n < sizeof(word) && !v[n + strspn(v + n, " \t\r\n")]) {
			memcpy(word, v, n);
			word[n] = '\0';
			m = config_mode_from_name(word);
		}
		if (m < 0) {
			warn(out, "%s: expected off, audit or enforce, ignored",
			     ANN_MODE);
		} else if (m == DRIFT_MODE_OFF && !cfg->annotations_can_disable) {
			warn(out, "%s: off is not allowed by the configuration, ignored",
			     ANN_MODE);
		} else {
			out->mode = m;
			snprintf(out->source, sizeof(out->source), "annotation");
		}
	}
	v = oci_ann_get(ann, ANN_EXCEPTIONS);
	if (v)
		policy_parse_exceptions(v, out);
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

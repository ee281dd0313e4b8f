/* driftd: OCI state / config.json parsing (bounded scanner, no tree). */
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

int oci_valid_id(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > OCI_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return 0;
	for (i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '+' ||
		      c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* ---- a bounded JSON scanner (RFC 8259) that keeps only what it is asked ---- */

struct js {
	const char *start, *p, *end;	/* start: for error offsets */
	unsigned depth;
	char *err;
	size_t errlen;
};

#define JFAIL(j, msg) jfail_at(j, msg)

static int jfail_at(struct js *j, const char *msg)
{
	if (j->err && !j->err[0])
		snprintf(j->err, j->errlen, "invalid JSON at byte %zu: %s",
			 (size_t)(j->p - j->start), msg);
	return -1;
}

static void ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' ||
				 *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(struct js *j, unsigned *out)
{
	int i, h;

	if (j->end - j->p < 4)
		return JFAIL(j, "truncated \\u escape");
	*out = 0;
	for (i = 0; i < 4; i++) {
		h = hexval(j->p[i]);
		if (h < 0)
			return JFAIL(j, "bad \\u escape");
		*out = *out << 4 | (unsigned)h;
	}
	j->p += 4;
	return 0;
}

struct sbuf {
	char *s;		/* NULL: only validate */
	size_t len, max;
	bool toolong, nul;
};

static void sb_put(struct sbuf *b, const char *c, size_t n)
{
	if (!b->s)
		return;
	if (b->len + n > b->max) {
		b->toolong = true;
		return;
	}
	memcpy(b->s + b->len, c, n);
	b->len += n;
}

/* A string at j->p ('"'); decoded into B when B->s (bounded by B->max). */
static int jstring(struct js *j, struct sbuf *b)
{
	if (j->p >= j->end || *j->p != '"')
		return JFAIL(j, "expected a string");
	j->p++;
	for (;;) {
		const char *run = j->p;
		unsigned cp, lo;
		char u[4];

		while (j->p < j->end && *j->p != '"' && *j->p != '\\' &&
		       (unsigned char)*j->p >= 0x20)
			j->p++;
		sb_put(b, run, (size_t)(j->p - run));
		if (j->p >= j->end)
			return JFAIL(j, "unterminated string");
		if (*j->p == '"') {
			j->p++;
			return 0;
		}
		if ((unsigned char)*j->p < 0x20)
			return JFAIL(j, "control character in a string");
		j->p++;		/* backslash */
		if (j->p >= j->end)
			return JFAIL(j, "unterminated string");
		switch (*j->p++) {
		case '"': sb_put(b, "\"", 1); break;
		case '\\': sb_put(b, "\\", 1); break;
		case '/': sb_put(b, "/", 1); break;
		case 'b': sb_put(b, "\b", 1); break;
		case 'f': sb_put(b, "\f", 1); break;
		case 'n': sb_put(b, "\n", 1); break;
		case 'r': sb_put(b, "\r", 1); break;
		case 't': sb_put(b, "\t", 1); break;
		case 'u':
			if (hex4(j, &cp))
				return -1;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
					return JFAIL(j, "lone surrogate");
				j->p += 2;
				if (hex4(j, &lo))
					return -1;
				if (lo < 0xdc00 || lo >= 0xe000)
					return JFAIL(j, "bad surrogate pair");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return JFAIL(j, "lone surrogate");
			}
			if (cp == 0)
				b->nul = true;
			if (cp < 0x80) {
				u[0] = (char)cp;
				sb_put(b, u, 1);
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | cp >> 6);
				u[1] = (char)(0x80 | (cp & 0x3f));
				sb_put(b, u, 2);
			} else if (cp < 0x10000) {
				u[0] = (char)(0xe0 | cp >> 12);
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				sb_put(b, u, 3);
			} else {
				u[0] = (char)(0xf0 | cp >> 18);
				u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[3] = (char)(0x80 | (cp & 0x3f));
				sb_put(b, u, 4);
			}
			break;
		default:
			return JFAIL(j, "bad escape");
		}
	}
}

/* A string into a new allocation of at most MAX bytes. 1 = too long/NUL. */
static int jstring_dup(struct js *j, size_t max, char **out)
{
	struct sbuf b = { .max = max };
	int ret;

	b.s = malloc(max + 1);
	if (!b.s)
		abort();
	ret = jstring(j, &b);
	if (ret) {
		free(b.s);
		return ret;
	}
	if (b.toolong || b.nul) {
		free(b.s);
		*out = NULL;
		return 1;
	}
	b.s[b.len] = '\0';
	*out = b.s;
	return 0;
}

static int jnumber(struct js *j, long long *out)
{
	const char *s = j->p;
	bool neg = false, frac = false;
	unsigned long long v = 0;
	bool over = false;

	if (j->p < j->end && *j->p == '-') {
		neg = true;
		j->p++;
	}
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return JFAIL(j, "bad number");
	if (*j->p == '0' && j->p + 1 < j->end && j->p[1] >= '0' && j->p[1] <= '9')
		return JFAIL(j, "leading zero");
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		if (v > 1000000000000ULL)
			over = true;
		v = v * 10 + (unsigned)(*j->p - '0');
		j->p++;
	}
	if (j->p < j->end && *j->p == '.') {
		frac = true;
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return JFAIL(j, "bad number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		frac = true;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return JFAIL(j, "bad number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	(void)s;
	if (out) {
		if (frac || over)
			return 1;	/* not an integer driftd can use */
		*out = neg ? -(long long)v : (long long)v;
	}
	return 0;
}

static int jlit(struct js *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return JFAIL(j, "unexpected character");
	j->p += n;
	return 0;
}

#define JSON_DEPTH	64

static int jskip(struct js *j);

/* Walks an object; FN is called for each member with j->p at its value
 * and must consume it (or return 1 to have it skipped). */
typedef int (*member_fn)(struct js *j, const char *key, bool key_ok, void *arg);

static int jobject(struct js *j, member_fn fn, void *arg)
{
	char key[OCI_MAX_ANN_KEY + 1];
	struct sbuf kb = { .s = key, .max = OCI_MAX_ANN_KEY };
	int ret;

	ws(j);
	if (j->p >= j->end || *j->p != '{')
		return JFAIL(j, "expected an object");
	if (++j->depth > JSON_DEPTH)
		return JFAIL(j, "nested too deeply");
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		ws(j);
		kb.len = 0;
		kb.toolong = kb.nul = false;
		if (jstring(j, &kb))
			return -1;
		key[kb.len] = '\0';
		ws(j);
		if (j->p >= j->end || *j->p != ':')
			return JFAIL(j, "expected ':'");
		j->p++;
		ws(j);
		ret = fn ? fn(j, key, !kb.toolong && !kb.nul, arg) : 1;
		if (ret < 0)
			return -1;
		if (ret > 0 && jskip(j))
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			j->depth--;
			return 0;
		}
		return JFAIL(j, "expected ',' or '}'");
	}
}

typedef int (*elem_fn)(struct js *j, size_t idx, void *arg);

static int jarray(struct js *j, elem_fn fn, void *arg)
{
	size_t idx = 0;
	int ret;

	ws(j);
	if (j->p >= j->end || *j->p != '[')
		return JFAIL(j, "expected an array");
	if (++j->depth > JSON_DEPTH)
		return JFAIL(j, "nested too deeply");
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		ws(j);
		ret = fn ? fn(j, idx++, arg) : 1;
		if (ret < 0)
			return -1;
		if (ret > 0 && jskip(j))
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			j->depth--;
			return 0;
		}
		return JFAIL(j, "expected ',' or ']'");
	}
}

static int jskip(struct js *j)
{
	struct sbuf none = { 0 };

	ws(j);
	if (j->p >= j->end)
		return JFAIL(j, "truncated input");
	switch (*j->p) {
	case '{': return jobject(j, NULL, NULL);
	case '[': return jarray(j, NULL, NULL);
	case '"': return jstring(j, &none);
	case 't': return jlit(j, "true");
	case 'f': return jlit(j, "false");
	case 'n': return jlit(j, "null");
	default: return jnumber(j, NULL);
	}
}

static bool is_null(struct js *j)
{
	if ((size_t)(j->end - j->p) >= 4 && !memcmp(j->p, "null", 4)) {
		j->p += 4;
		return true;
	}
	return false;
}

static int jtop(const char *buf, size_t len, size_t max, struct js *j,
		char *err, size_t errlen, member_fn fn, void *arg)
{
	err[0] = '\0';
	if (len == 0) {
		snprintf(err, errlen, "empty input");
		return -1;
	}
	if (len > max) {
		snprintf(err, errlen, "input larger than %zu bytes", max);
		return -1;
	}
	j->start = buf;
	j->p = buf;
	j->end = buf + len;
	j->depth = 0;
	j->err = err;
	j->errlen = errlen;
	ws(j);
	if (j->p >= j->end || *j->p != '{') {
		snprintf(err, errlen, "top level is not a JSON object");
		return -1;
	}
	if (jobject(j, fn, arg))
		return -1;
	ws(j);
	if (j->p != j->end) {
		snprintf(err, errlen, "trailing data after JSON");
		return -1;
	}
	return 0;
}

/* ---- annotations ---- */

int oci_ann_wanted(const char *key)
{
	static const char *const keys[] = {
		/* CRI-O (internal/annotations, kubelet labels) */
		"io.kubernetes.pod.namespace", "io.kubernetes.pod.name",
		"io.kubernetes.container.name", "io.kubernetes.cri-o.ImageName",
		"io.kubernetes.cri-o.ImageRef",
		/* containerd (internal/cri/annotations) */
		"io.kubernetes.cri.sandbox-namespace",
		"io.kubernetes.cri.sandbox-name",
		"io.kubernetes.cri.container-name", "io.kubernetes.cri.image-name",
		NULL };
	size_t i;

	if (!strncmp(key, "drift.io/", 9))
		return 1;
	for (i = 0; keys[i]; i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

static void ann_set(struct oci_annotations *a, const char *key, char *value)
{
	struct oci_kv *kv;
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (!strcmp(a->kv[i].key, key)) {	/* the last one wins */
			free(a->kv[i].value);
			a->kv[i].value = value;
			return;
		}
	}
	kv = realloc(a->kv, (a->n + 1) * sizeof(*kv));
	if (!kv)
		abort();
	a->kv = kv;
	kv[a->n].key = xstrdup(key);
	kv[a->n].value = value;
	a->n++;
}

static int ann_member(struct js *j, const char *key, bool key_ok, void *arg)
{
	struct oci_annotations *a = arg;
	char *v;
	int ret;

	if (!key_ok || !oci_ann_wanted(key))
		return 1;			/* skipped, whatever it is */
	if (*j->p != '"') {
		if (a->dropped++ == 0)
			snprintf(a->dropped_key, sizeof(a->dropped_key), "%s", key);
		return 1;
	}
	ret = jstring_dup(j, OCI_MAX_ANN_VALUE, &v);
	if (ret < 0)
		return -1;
	if (ret > 0) {
		if (a->dropped++ == 0)
			snprintf(a->dropped_key, sizeof(a->dropped_key), "%s", key);
		return 0;
	}
	ann_set(a, key, v);
	return 0;
}

static int parse_annotations(struct js *j, struct oci_annotations *a)
{
	if (is_null(j))
		return 0;
	if (*j->p != '{')
		return JFAIL(j, "\"annotations\" is not an object");
	return jobject(j, ann_member, a);
}

/* ---- state ---- */

struct state_ctx {
	struct oci_state *s;
	bool has_id, has_bundle, has_status, has_pid;
	long long pid;
};

static int str_member(struct js *j, const char *name, size_t max, char **dst,
		      bool *seen)
{
	int ret;

	if (*seen)
		return JFAIL(j, "duplicate member");
	*seen = true;
	if (is_null(j))
		return 0;
	if (*j->p != '"')
		return JFAIL(j, "expected a string");
	ret = jstring_dup(j, max, dst);
	if (ret > 0) {
		snprintf(j->err, j->errlen, "\"%s\" is too long or contains a NUL character", name);
		return -1;
	}
	return ret;
}

static int state_member(struct js *j, const char *key, bool key_ok, void *arg)
{
	struct state_ctx *c = arg;

	if (!key_ok)
		return 1;
	if (!strcmp(key, "id"))
		return str_member(j, "id", OCI_ID_MAX, &c->s->id, &c->has_id);
	if (!strcmp(key, "status"))
		return str_member(j, "status", 64, &c->s->status, &c->has_status);
	if (!strcmp(key, "bundle"))
		return str_member(j, "bundle", PATH_MAX - 1, &c->s->bundle,
				  &c->has_bundle);
	if (!strcmp(key, "pid")) {
		int ret;

		if (c->has_pid)
			return JFAIL(j, "duplicate member");
		c->has_pid = true;
		ret = jnumber(j, &c->pid);
		if (ret > 0 || (ret == 0 && (c->pid < 0 || c->pid > 4194304))) {
			snprintf(j->err, j->errlen, "\"pid\" is not an integer in range");
			return -1;
		}
		return ret;
	}
	if (!strcmp(key, "annotations"))
		return parse_annotations(j, &c->s->ann);
	return 1;
}

int oci_parse_state(const char *buf, size_t len, struct oci_state *out,
		    char *err, size_t errlen)
{
	struct state_ctx c = { .s = out };
	struct js j;

	memset(out, 0, sizeof(*out));
	if (jtop(buf, len, OCI_MAX_STATE, &j, err, errlen, state_member, &c))
		goto fail;
	if (!out->id || !oci_valid_id(out->id)) {
		snprintf(err, errlen, "missing or invalid container \"id\"");
		goto fail;
	}
	if (!out->bundle || out->bundle[0] != '/') {
		snprintf(err, errlen, "missing or relative \"bundle\"");
		goto fail;
	}
	out->pid = (int)c.pid;
	return 0;
fail:
	oci_state_free(out);
	return -1;
}

/* ---- config.json ---- */

struct config_ctx {
	struct oci_config *c;
	bool has_root, has_path, has_linux, has_cg, has_mounts;
	struct oci_mount cur;
	bool m_dst, m_src, m_type;
};

static int root_member(struct js *j, const char *key, bool key_ok, void *arg)
{
	struct config_ctx *c = arg;

	if (key_ok && !strcmp(key, "path"))
		return str_member(j, "root.path", PATH_MAX - 1, &c->c->root_path,
				  &c->has_path);
	return 1;
}

static int linux_member(struct js *j, const char *key, bool key_ok, void *arg)
{
	struct config_ctx *c = arg;

	if (key_ok && !strcmp(key, "cgroupsPath"))
		return str_member(j, "linux.cgroupsPath", PATH_MAX - 1,
				  &c->c->cgroups_path, &c->has_cg);
	return 1;
}

static int mount_member(struct js *j, const char *key, bool key_ok, void *arg)
{
	struct config_ctx *c = arg;

	if (!key_ok)
		return 1;
	if (!strcmp(key, "destination"))
		return str_member(j, "mounts[].destination", PATH_MAX - 1,
				  &c->cur.destination, &c->m_dst);
	if (!strcmp(key, "source"))
		return str_member(j, "mounts[].source", PATH_MAX - 1,
				  &c->cur.source, &c->m_src);
	if (!strcmp(key, "type"))
		return str_member(j, "mounts[].type", 64, &c->cur.type, &c->m_type);
	return 1;
}

static void mount_clear(struct oci_mount *m)
{
	free(m->destination);
	free(m->source);
	free(m->type);
	memset(m, 0, sizeof(*m));
}

static int mount_elem(struct js *j, size_t idx, void *arg)
{
	struct config_ctx *c = arg;
	struct oci_mount *v;

	if (idx >= OCI_MAX_MOUNTS || *j->p != '{')
		return 1;
	c->m_dst = c->m_src = c->m_type = false;
	if (jobject(j, mount_member, c)) {
		mount_clear(&c->cur);
		return -1;
	}
	if (!c->cur.destination) {
		mount_clear(&c->cur);
		return 0;
	}
	v = realloc(c->c->mounts, (c->c->nmounts + 1) * sizeof(*v));
	if (!v)
		abort();
	c->c->mounts = v;
	v[c->c->nmounts++] = c->cur;
	memset(&c->cur, 0, sizeof(c->cur));
	return 0;
}

static int config_member(struct js *j, const char *key, bool key_ok, void *arg)
{
	struct config_ctx *c = arg;

	if (!key_ok)
		return 1;
	if (!strcmp(key, "root")) {
		if (c->has_root)
			return JFAIL(j, "duplicate member");
		c->has_root = true;
		if (*j->p != '{') {
			snprintf(j->err, j->errlen, "\"root\" is not an object");
			return -1;
		}
		return jobject(j, root_member, c);
	}
	if (!strcmp(key, "linux")) {
		if (c->has_linux || *j->p != '{')
			return 1;
		c->has_linux = true;
		return jobject(j, linux_member, c);
	}
	if (!strcmp(key, "mounts")) {
		if (c->has_mounts || *j->p != '[')
			return 1;
		c->has_mounts = true;
		return jarray(j, mount_elem, c);
	}
	if (!strcmp(key, "annotations"))
		return parse_annotations(j, &c->c->ann);
	return 1;
}

int oci_parse_config(const char *buf, size_t len, struct oci_config *out,
		     char *err, size_t errlen)
{
	struct config_ctx c = { .c = out };
	struct js j;

	memset(out, 0, sizeof(*out));
	if (jtop(buf, len, OCI_MAX_INPUT, &j, err, errlen, config_member, &c))
		goto fail;
	if (!out->root_path || !out->root_path[0]) {
		snprintf(err, errlen, "missing \"root.path\"");
		goto fail;
	}
	return 0;
fail:
	oci_config_free(out);
	return -1;
}

void oci_ann_free(struct oci_annotations *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->kv[i].key);
		free(a->kv[i].value);
	}
	free(a->kv);
	a->kv = NULL;
	a->n = 0;
}

const char *oci_ann_get(const struct oci_annotations *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->kv[i].key, key))
			return a->kv[i].value;
	return NULL;
}

void oci_ann_merge(struct oci_annotations *dst, const struct oci_annotations *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		struct oci_kv *kv;

		if (oci_ann_get(dst, src->kv[i].key))
			continue;
		kv = realloc(dst->kv, (dst->n + 1) * sizeof(*kv));
		if (!kv)
			abort();
		dst->kv = kv;
		kv[dst->n].key = xstrdup(src->kv[i].key);
		kv[dst->n].value = xstrdup(src->kv[i].value);
		dst->n++;
	}
}

void oci_state_free(struct oci_state *s)
{
	free(s->id);
	free(s->status);
	free(s->bundle);
	oci_ann_free(&s->ann);
	memset(s, 0, sizeof(*s));
}

void oci_config_free(struct oci_config *c)
{
	free(c->root_path);
	free(c->cgroups_path);
	oci_ann_free(&c->ann);
	for (size_t i = 0; i < c->nmounts; i++)
		mount_clear(&c->mounts[i]);
	free(c->mounts);
	memset(c, 0, sizeof(*c));
}

/* driftd: OCI state / config.json parsing with json-c. */
#include <json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

#define JSON_DEPTH	64

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

static json_object *parse_json(const char *buf, size_t len, char *err,
			       size_t errlen)
{
	struct json_tokener *tok;
	json_object *obj;
	size_t used, i;

	if (len == 0) {
		snprintf(err, errlen, "empty input");
		return NULL;
	}
	if (len > OCI_MAX_INPUT) {
		snprintf(err, errlen, "input larger than %u bytes", OCI_MAX_INPUT);
		return NULL;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "NUL byte in input");
		return NULL;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (!obj) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(err, errlen, "invalid JSON: %s",
			 e == json_tokener_continue ? "truncated input"
						    : json_tokener_error_desc(e));
		json_tokener_free(tok);
		return NULL;
	}
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (i = used; i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\t' &&
		    buf[i] != '\r') {
			snprintf(err, errlen, "trailing data after JSON");
			json_object_put(obj);
			return NULL;
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "top level is not a JSON object");
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* String member, or NULL; -1 if present with another type / bad content. */
static int get_string(json_object *o, const char *key, const char **out,
		      size_t max, char *err, size_t errlen)
{
	json_object *v;
	const char *s;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "\"%s\" is not a string", key);
		return -1;
	}
	s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(s)) {
		snprintf(err, errlen, "\"%s\" contains a NUL character", key);
		return -1;
	}
	if (strlen(s) > max) {
		snprintf(err, errlen, "\"%s\" is too long", key);
		return -1;
	}
	*out = s;
	return 0;
}

static int parse_annotations(json_object *o, struct oci_annotations *out,
			     char *err, size_t errlen)
{
	json_object *a;
	size_t n;

	out->kv = NULL;
	out->n = 0;
	if (!json_object_object_get_ex(o, "annotations", &a) ||
	    json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_object)) {
		snprintf(err, errlen, "\"annotations\" is not an object");
		return -1;
	}
	n = (size_t)json_object_object_length(a);
	if (n > OCI_MAX_ANNOTATIONS) {
		snprintf(err, errlen, "more than %u annotations", OCI_MAX_ANNOTATIONS);
		return -1;
	}
	out->kv = calloc(n ? n : 1, sizeof(*out->kv));
	if (!out->kv)
		abort();
	json_object_object_foreach(a, key, val) {
		const char *s;

		if (!json_object_is_type(val, json_type_string)) {
			snprintf(err, errlen, "annotation \"%.64s\" is not a string", key);
			goto fail;
		}
		s = json_object_get_string(val);
		if ((size_t)json_object_get_string_len(val) != strlen(s) ||
		    strlen(key) == 0 || strlen(key) > OCI_MAX_ANN_KEY ||
		    strlen(s) > OCI_MAX_ANN_VALUE) {
			snprintf(err, errlen, "annotation \"%.64s\" is malformed or too long", key);
			goto fail;
		}
		out->kv[out->n].key = xstrdup(key);
		out->kv[out->n].value = xstrdup(s);
		out->n++;
	}
	return 0;
fail:
	oci_ann_free(out);
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
		if (dst->n >= OCI_MAX_ANNOTATIONS)
			return;
		kv = realloc(dst->kv, (dst->n + 1) * sizeof(*kv));
		if (!kv)
			abort();
		dst->kv = kv;
		kv[dst->n].key = xstrdup(src->kv[i].key);
		kv[dst->n].value = xstrdup(src->kv[i].value);
		dst->n++;
	}
}

int oci_parse_state(const char *buf, size_t len, struct oci_state *out,
		    char *err, size_t errlen)
{
	json_object *o, *v;
	const char *id, *status, *bundle;
	int64_t pid = 0;

	memset(out, 0, sizeof(*out));
	o = parse_json(buf, len, err, errlen);
	if (!o)
		return -1;
	if (get_string(o, "id", &id, OCI_ID_MAX, err, errlen) ||
	    get_string(o, "status", &status, 64, err, errlen) ||
	    get_string(o, "bundle", &bundle, PATH_MAX - 1, err, errlen))
		goto fail;
	if (!id || !oci_valid_id(id)) {
		snprintf(err, errlen, "missing or invalid container \"id\"");
		goto fail;
	}
	if (!bundle || bundle[0] != '/') {
		snprintf(err, errlen, "missing or relative \"bundle\"");
		goto fail;
	}
	if (json_object_object_get_ex(o, "pid", &v)) {
		if (!json_object_is_type(v, json_type_int)) {
			snprintf(err, errlen, "\"pid\" is not an integer");
			goto fail;
		}
		pid = json_object_get_int64(v);
		if (pid < 0 || pid > 4194304) {
			snprintf(err, errlen, "\"pid\" out of range");
			goto fail;
		}
	}
	if (parse_annotations(o, &out->ann, err, errlen))
		goto fail;
	out->id = xstrdup(id);
	out->status = status ? xstrdup(status) : NULL;
	out->bundle = xstrdup(bundle);
	out->pid = (int)pid;
	json_object_put(o);
	return 0;
fail:
	json_object_put(o);
	return -1;
}

int oci_parse_config(const char *buf, size_t len, struct oci_config *out,
		     char *err, size_t errlen)
{
	json_object *o, *root, *linux_;
	const char *path = NULL, *cg = NULL;

	memset(out, 0, sizeof(*out));
	o = parse_json(buf, len, err, errlen);
	if (!o)
		return -1;
	if (json_object_object_get_ex(o, "root", &root)) {
		if (!json_object_is_type(root, json_type_object)) {
			snprintf(err, errlen, "\"root\" is not an object");
			goto fail;
		}
		if (get_string(root, "path", &path, PATH_MAX - 1, err, errlen))
			goto fail;
	}
	if (!path || !path[0]) {
		snprintf(err, errlen, "missing \"root.path\"");
		goto fail;
	}
	if (json_object_object_get_ex(o, "linux", &linux_) &&
	    json_object_is_type(linux_, json_type_object)) {
		if (get_string(linux_, "cgroupsPath", &cg, PATH_MAX - 1, err, errlen))
			goto fail;
	}
	if (parse_annotations(o, &out->ann, err, errlen))
		goto fail;
	out->root_path = xstrdup(path);
	out->cgroups_path = cg ? xstrdup(cg) : NULL;
	json_object_put(o);
	return 0;
fail:
	json_object_put(o);
	return -1;
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
	memset(c, 0, sizeof(*c));
}

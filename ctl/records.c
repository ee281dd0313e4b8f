// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * driftd's container records (STATE_DIR/containers/<id>.json, see
 * docs/driftd.md): what driftctl knows about containers beyond the
 * kernel's bindings (name, pod, namespace, image). Parsed with json-c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driftctl.h"

#define RECORD_MAX_BYTES (1 << 20)

const char *records_dir(void)
{
	const char *d = getenv("DRIFT_STATE_DIR");

	return d && *d ? d : "/run/drift";
}

static char *dup_field(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

void record_free(struct ct_record *r)
{
	free(r->id);
	free(r->name);
	free(r->pod);
	free(r->namespace);
	free(r->image);
	free(r->set);
	free(r->mode);
	free(r->mode_source);
	free(r->lib_mode);
	free(r->lib_mode_source);
	memset(r, 0, sizeof(*r));
}

int record_parse(const char *text, size_t len, struct ct_record *r)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL, *v;
	int ret = -EPROTO;

	memset(r, 0, sizeof(*r));
	if (!tok)
		return -ENOMEM;
	size_t end;

	if (len > RECORD_MAX_BYTES)
		goto out;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object))
		goto out;
	/* one object and nothing after it but white space */
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!strchr(" \t\r\n", text[end]))
			goto out;
	r->id = dup_field(o, "id");
	if (!r->id || !*r->id)
		goto out;
	if (!json_object_object_get_ex(o, "cgroup_id", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) <= 0)
		goto out;
	r->cgroup_id = (uint64_t)json_object_get_int64(v);
	r->name = dup_field(o, "name");
	r->pod = dup_field(o, "pod");
	r->namespace = dup_field(o, "namespace");
	r->image = dup_field(o, "image");
	r->set = dup_field(o, "set");
	r->mode = dup_field(o, "mode");
	r->mode_source = dup_field(o, "mode_source");
	r->lib_mode = dup_field(o, "lib_mode");
	r->lib_mode_source = dup_field(o, "lib_mode_source");
	ret = 0;
out:
	if (ret)
		record_free(r);
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

static int read_small_file(int dfd, const char *name, char **out, size_t *len)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (b.len + (size_t)n > RECORD_MAX_BYTES ||
		    drift_buf_append(&b, chunk, (size_t)n)) {
			close(fd);
			drift_buf_free(&b);
			return -EFBIG;
		}
	}
	close(fd);
	if (n < 0) {
		drift_buf_free(&b);
		return -EIO;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

int records_load(const char *dir, struct ct_record **out, size_t *n)
{
	struct ct_record *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	char *path;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (asprintf(&path, "%s/containers", dir) < 0)
		return -ENOMEM;
	d = opendir(path);
	if (!d) {
		int err = errno;

		free(path);
		return err == ENOENT ? 0 : -err;	/* no driftd: none */
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), len;
		struct ct_record r;
		char *text;

		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		if (read_small_file(dirfd(d), de->d_name, &text, &len))
			continue;
		if (record_parse(text, len, &r)) {
			fprintf(stderr, "driftctl: ignoring malformed record %s/%s\n",
				path, de->d_name);
			free(text);
			continue;
		}
		free(text);
		if (cnt == cap) {
			struct ct_record *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				record_free(&r);
				records_free(v, cnt);
				closedir(d);
				free(path);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = r;
	}
	closedir(d);
	free(path);
	*out = v;
	*n = cnt;
	return 0;
}

void records_free(struct ct_record *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		record_free(&v[i]);
	free(v);
}

/* A container by id, unique id prefix or name. */
size_t records_match(const struct ct_record *v, size_t n, const char *key,
		     const struct ct_record **hits, size_t max)
{
	size_t i, k = 0, klen = strlen(key);

	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].id, key)) {
			if (max)
				hits[0] = &v[i];
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		if (v[i].name && !strcmp(v[i].name, key)) {
			if (k < max)
				hits[k] = &v[i];
			k++;
		}
	}
	if (k)
		return k;
	for (i = 0; i < n; i++) {
		if (klen >= 4 && !strncmp(v[i].id, key, klen)) {
			if (k < max)
				hits[k] = &v[i];
			k++;
		}
	}
	return k;
}

const struct ct_record *records_find(const struct ct_record *v, size_t n,
				     const char *key)
{
	const struct ct_record *hit = NULL;

	return records_match(v, n, key, &hit, 1) == 1 ? hit : NULL;
}

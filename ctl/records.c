// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * driftd's container records (STATE_DIR/containers/<id>.json, see
 * docs/driftd.md): what driftctl knows about containers beyond the
 * kernel's bindings (name, pod, namespace, image). The schema and the
 * reading are common/record.c's, as driftd's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftctl.h"

const char *records_dir(void)
{
	const char *d = getenv("DRIFT_STATE_DIR");

	return d && *d ? d : "/run/drift";
}

int records_load(const char *dir, struct drift_record **out, size_t *n)
{
	struct drift_record *v = NULL;
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
		size_t l = strlen(de->d_name);
		struct drift_record r;
		char err[256];
		int ret;

		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		ret = drift_record_read(dirfd(d), de->d_name, &r, err, sizeof(err));
		if (ret == -ENOENT)	/* the container went meanwhile */
			continue;
		if (ret) {
			fprintf(stderr, "driftctl: ignoring record %s/%s: %s\n",
				path, de->d_name, err);
			continue;
		}
		if (cnt == cap) {
			struct drift_record *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				drift_record_free(&r);
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

void records_free(struct drift_record *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		drift_record_free(&v[i]);
	free(v);
}

/* A container by id, unique id prefix or name. */
size_t records_match(const struct drift_record *v, size_t n, const char *key,
		     const struct drift_record **hits, size_t max)
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

const struct drift_record *records_find(const struct drift_record *v, size_t n,
				     const char *key)
{
	const struct drift_record *hit = NULL;

	return records_match(v, n, key, &hit, 1) == 1 ? hit : NULL;
}

/*
 * driftd: what containers-storage says about a container (podman: no CRI
 * runtime whose annotations driftd trusts, cri none): its name and its
 * image's name and id, from overlay-containers/containers.json and
 * overlay-images/images.json. Those files are the runtime's and change as
 * containers come and go: each is read whole but bounded (64 MiB), every
 * value used is type-checked, and a file that is missing or malformed only
 * leaves the names unknown.
 */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftd.h"
#include "mountinfo.h"

#define STORAGE_ROOT "/var/lib/containers/storage"

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

static json_object *load_json(const char *path)
{
	size_t len;
	char *text = read_file_all(path, 64u << 20, &len);
	json_object *o;

	if (!text)
		return NULL;
	o = json_tokener_parse(text);
	free(text);
	return o;
}

static const char *first_name(json_object *entry)
{
	json_object *names, *n;

	if (json_object_object_get_ex(entry, "names", &names) &&
	    json_object_is_type(names, json_type_array) &&
	    json_object_array_length(names) > 0) {
		n = json_object_array_get_idx(names, 0);
		if (json_object_is_type(n, json_type_string))
			return json_object_get_string(n);
	}
	return NULL;
}

static json_object *find_by_id(json_object *arr, const char *id)
{
	size_t i, n;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return NULL;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i), *v;

		if (json_object_object_get_ex(e, "id", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), id))
			return e;
	}
	return NULL;
}

void storage_lookup(const char *id, char **name, char **image, char **image_id)
{
	json_object *ctrs, *imgs = NULL, *c, *v, *img;
	const char *s;

	ctrs = load_json(STORAGE_ROOT "/overlay-containers/containers.json");
	c = find_by_id(ctrs, id);
	if (!c)
		goto out;
	if (!*name && (s = first_name(c)))
		*name = xstrdup(s);
	if (!*image && json_object_object_get_ex(c, "image", &v) &&
	    json_object_is_type(v, json_type_string)) {
		const char *iid = json_object_get_string(v);

		if (image_id && !*image_id && strlen(iid) == 64) {
			*image_id = malloc(72);
			if (!*image_id)
				abort();
			snprintf(*image_id, 72, "sha256:%s", iid);
		}
		imgs = load_json(STORAGE_ROOT "/overlay-images/images.json");
		img = find_by_id(imgs, iid);
		s = img ? first_name(img) : NULL;
		*image = xstrdup(s ? s : iid);
	}
out:
	if (ctrs)
		json_object_put(ctrs);
	if (imgs)
		json_object_put(imgs);
}

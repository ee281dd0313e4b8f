/*
 * driftd: the record of each container it governs,
 * STATE_DIR/containers/<id>.json, so that a restarted driftd knows what
 * each binding in the kernel is (reconcile.c adopts them) and driftctl can
 * name containers. The schema, its writing and its bounded reading are
 * common/record.c's; here only what driftd adds: where records live, the
 * atomic rewrite, and what a record must have for driftd to adopt it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driftd.h"
#include "log.h"
#include "record.h"

static void state_path(struct driftd *d, const char *id, char *out, size_t n)
{
	snprintf(out, n, "%s/containers/%s.json", d->cfg.state_dir, id);
}

/* C's record fields, borrowed: valid while C is. */
static void container_record(const struct container *c, struct drift_record *r)
{
	drift_record_init(r);
	r->id = (char *)c->id;
	r->name = c->name;
	r->pod = c->pod;
	r->namespace_ = c->namespace_;
	r->image = c->image;
	r->cgroup = c->cgroup_path;
	r->cgroup_id = c->cgroup_id;
	r->set = (char *)c->set;
	r->mode = c->mode;
	r->mode_source = c->mode_source;
	r->lib_mode = c->lib_mode;
	r->lib_mode_source = c->lib_mode_source;
	r->bundle = c->bundle;
	r->pid = c->pid;
	r->created = c->created;
	r->snapshot = c->snapshot;
	r->layers = c->layers;
	r->nlayers = c->nlayers;
	r->exceptions = c->exceptions;
	r->nexceptions = c->nexceptions;
}

int container_save(struct driftd *d, const struct container *c)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	struct drift_record r;
	json_object *o;
	const char *text;
	int fd, ret = 0;
	size_t len;

	container_record(c, &r);
	o = drift_record_to_json(&r);
	if (!o)
		abort();
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	if (len + 1 > DRIFT_RECORD_MAX_BYTES)
		log_warn("container %s: record of %zu bytes, larger than a record may be (%u): a restarted driftd will not know this container",
			 c->id, len + 1, DRIFT_RECORD_MAX_BYTES);

	state_path(d, c->id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) != 0) {
		ret = -errno;
		log_warn("saving %s: %s", tmp, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (!ret && rename(tmp, path) != 0) {
		ret = -errno;
		log_warn("saving %s: %s", path, strerror(errno));
	}
	json_object_put(o);
	return ret;
}

void container_unsave(struct driftd *d, const char *id)
{
	char path[PATH_MAX];

	state_path(d, id, path, sizeof(path));
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("removing %s: %s", path, strerror(errno));
}

/*
 * A container from the record R (whose strings it takes), or NULL with ERR
 * saying why: what driftd needs beyond what every record has.
 */
static struct container *container_from_record(struct drift_record *r,
					       char *err, size_t errlen)
{
	struct container *c;

	if (!oci_valid_id(r->id)) {
		snprintf(err, errlen, "\"id\" is not a container id");
		return NULL;
	}
	if (!r->cgroup || r->cgroup[0] != '/') {
		snprintf(err, errlen, "no \"cgroup\" path");
		return NULL;
	}
	if (!r->set || !r->set[0] || r->mode < 0) {
		snprintf(err, errlen, "no \"%s\"", r->mode < 0 ? "mode" : "set");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	snprintf(c->id, sizeof(c->id), "%s", r->id);
	snprintf(c->set, sizeof(c->set), "%s", r->set);
	c->name = r->name;
	c->pod = r->pod;
	c->namespace_ = r->namespace_;
	c->image = r->image;
	c->cgroup_path = r->cgroup;
	c->cgroup_id = r->cgroup_id;
	c->mode = r->mode;
	c->mode_source = r->mode_source;
	/* a record from before library modes */
	c->lib_mode = r->lib_mode >= 0 ? r->lib_mode : r->mode;
	c->lib_mode_source = r->lib_mode_source;
	c->bundle = r->bundle;
	c->pid = r->pid;
	c->created = r->created;
	c->snapshot = r->snapshot;
	c->layers = r->layers;
	c->nlayers = r->nlayers;
	c->exceptions = r->exceptions;
	c->nexceptions = r->nexceptions;
	r->name = r->pod = r->namespace_ = r->image = r->cgroup = NULL;
	r->mode_source = r->lib_mode_source = r->bundle = NULL;
	r->layers = r->exceptions = NULL;
	r->nlayers = r->nexceptions = 0;
	return c;
}

int containers_load(struct driftd *d)
{
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct dirent *de;
	DIR *dh;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/containers", d->cfg.state_dir);
	dh = opendir(dir);
	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dh))) {
		size_t l = strlen(de->d_name);
		struct drift_record r;
		struct container *c = NULL;
		char err[256];
		int ret;

		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ret = drift_record_read(dirfd(dh), de->d_name, &r, err, sizeof(err));
		if (ret == -ENOENT)
			continue;
		if (!ret)
			c = container_from_record(&r, err, sizeof(err));
		drift_record_free(&r);
		if (!c) {
			log_warn("%s: unreadable container record (%s), removed",
				 path, err);
			unlink(path);
			continue;
		}
		if (container_find(d, c->id)) {
			container_free(c);
			continue;
		}
		container_link(d, c);
		n++;
	}
	closedir(dh);
	return n;
}

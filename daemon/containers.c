/*
 * driftd: the containers driftd governs. A container is learnt from the
 * OCI hook (or found at start-up), bound in the kernel to the set of its
 * image, kept in d->containers (then a while in d->recent, for late
 * events) and recorded (records.c) so that a restarted driftd knows what
 * each binding is. Here: that registry, and a container's start (policy,
 * set, binding) and removal.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "driftd.h"
#include "log.h"
#include "util.h"
#include "mountinfo.h"
#include "policy.h"

static char *xstrdup_or_null(const char *s)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		abort();
	return p;
}

void container_free(struct container *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->pod);
	free(c->namespace_);
	free(c->image);
	free(c->cgroup_path);
	free(c->mode_source);
	free(c->lib_mode_source);
	free(c->bundle);
	drift_strv_free(c->layers, c->nlayers);
	drift_strv_free(c->exceptions, c->nexceptions);
	free(c);
}

struct container *container_find(struct driftd *d, const char *id)
{
	struct container *c;

	for (c = d->containers; c; c = c->next)
		if (!strcmp(c->id, id))
			return c;
	return NULL;
}

struct container *container_find_cgroup(struct driftd *d, uint64_t cgid)
{
	struct container *c;

	for (c = d->containers; c; c = c->next)
		if (c->cgroup_id == cgid)
			return c;
	return NULL;
}

#define RECENT_KEEP_S	30
#define RECENT_MAX	256

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

const struct container *container_find_event(struct driftd *d, const char *id,
					     uint64_t cgid)
{
	struct container *lists[2] = { d->containers, d->recent };
	struct container *c;
	int i;

	for (i = 0; i < 2; i++) {
		for (c = lists[i]; c; c = c->next)
			if (id && id[0] && !strcmp(c->id, id))
				return c;
		for (c = lists[i]; c; c = c->next)
			if (c->cgroup_id == cgid)
				return c;
	}
	return NULL;
}

void containers_expire_recent(struct driftd *d)
{
	struct container **pp = &d->recent, *c;
	int64_t now = mono_s();
	unsigned n = 0;

	while ((c = *pp)) {
		if (now - c->removed > RECENT_KEEP_S || ++n > RECENT_MAX) {
			*pp = c->next;
			container_free(c);
		} else {
			pp = &c->next;
		}
	}
}

void container_link(struct driftd *d, struct container *c)
{
	c->next = d->containers;
	d->containers = c;
}

static void container_unlink(struct driftd *d, struct container *c)
{
	struct container **pp;

	for (pp = &d->containers; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return;
		}
	}
}

int cgroup_of_pid(int pid, char *path, size_t size)
{
	char fn[64], *text, *line, *save = NULL;
	int ret = -ENOENT;

	snprintf(fn, sizeof(fn), "/proc/%d/cgroup", pid);
	text = read_file_all(fn, 1 << 20, NULL);
	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "0::", 3)) {
			if (line[3] != '/' || strlen(line + 3) >= size) {
				ret = -EINVAL;
				break;
			}
			snprintf(path, size, "%s", line + 3);
			ret = 0;
			break;
		}
	}
	free(text);
	return ret;
}

bool pidfd_alive(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

int cgroup_lookup(const char *rel, uint64_t *id)
{
	char full[PATH_MAX];

	if (snprintf(full, sizeof(full), "%s%s", CGROUP_ROOT, rel) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	return drift_cgroup_resolve(full, id, NULL, 0);
}

/* ---- binding a new container ---- */

/*
 * The mount of ROOT: from the container's own mount table only while its
 * process has not run anything of the container yet (PID > 0: the
 * createRuntime/prestart hook), else from driftd's (the host's) table,
 * which the container cannot change. A running container's mountinfo is
 * never read: with CAP_SYS_ADMIN in its user namespace it could mount an
 * overlay whose "lower" layer is its own upper directory.
 */
static int find_root_mount(int pid, const char *root, struct mount_entry *me)
{
	char fn[64];
	size_t len;
	char *text;
	int ret = -1;

	if (pid > 0) {
		snprintf(fn, sizeof(fn), "/proc/%d/mountinfo", pid);
		text = read_file_all(fn, 16u << 20, &len);
		if (text) {
			ret = mountinfo_find(text, len, root, me);
			free(text);
		}
	}
	if (ret != 0) {
		text = read_file_all("/proc/self/mountinfo", 16u << 20, &len);
		if (text) {
			ret = mountinfo_find(text, len, root, me);
			free(text);
		}
	}
	return ret;
}

/*
 * Computes the set of the container's root: shared image set for an
 * overlay root, a snapshot otherwise. Fills c->set, c->layers, c->snapshot.
 */
static int container_set(struct driftd *d, struct container *c, int pid,
			 const char *root, char **hl, size_t nhl,
			 char *err, size_t errlen)
{
	struct mount_entry me;
	struct overlay_layers ol;
	size_t i;
	int ret;

	if (find_root_mount(pid, root, &me) == 0 && !strcmp(me.fstype, "overlay")) {
		ret = overlay_parse_opts(me.super_opts, &ol, err, errlen);
		mount_entry_free(&me);
		if (ret)
			return -EINVAL;
		if (overlay_resolve(&ol, NULL, err, errlen)) {
			/* Resolving needs our mount namespace's view. */
			overlay_layers_free(&ol);
			return -ENOENT;
		}
		/* the host-library sources are layers of the set too */
		for (i = 0; i < nhl; i++)
			drift_strv_push(&ol.lower, &ol.nlower, hl[i]);
		ret = imageset_for_layers(d, ol.lower, ol.nlower, c->image, c->set,
					  sizeof(c->set), err, errlen);
		if (!ret) {
			c->layers = ol.lower;
			c->nlayers = ol.nlower;
			ol.lower = NULL;
			ol.nlower = 0;
		}
		overlay_layers_free(&ol);
		return ret;
	}
	mount_entry_free(&me);
	if (pid <= 0) {
		snprintf(err, errlen, "root %.200s is not an overlay driftd can see, and the container already runs: a snapshot now could include what it wrote",
			 root);
		return -EPERM;
	}
	/* Not an overlay: snapshot of the root before the container runs. */
	c->snapshot = true;
	drift_strv_push(&c->layers, &c->nlayers, root);
	for (i = 0; i < nhl; i++)
		drift_strv_push(&c->layers, &c->nlayers, hl[i]);
	return imageset_for_root(d, c->layers[0], c->layers + 1, c->nlayers - 1,
				 c->id, c->image, c->set, sizeof(c->set),
				 err, errlen);
}

static char *read_bundle_config(const char *bundle, struct oci_config *cfg,
				char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t len;
	char *text;
	int ret;

	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >= (int)sizeof(path)) {
		snprintf(err, errlen, "bundle path too long");
		return NULL;
	}
	text = read_file_all(path, OCI_MAX_INPUT, &len);
	if (!text) {
		snprintf(err, errlen, "%.300s: %s", path,
			 errno == EFBIG ? "larger than 64 MiB" : strerror(errno));
		return NULL;
	}
	ret = oci_parse_config(text, len, cfg, err, errlen);
	free(text);
	if (ret)
		return NULL;
	return cfg->root_path;
}

/*
 * The container's root as the host sees it (the bundle's root.path: at
 * createRuntime the overlay is mounted there), or NULL: the kernel matches
 * path exceptions as seen from it.
 */
static const char *container_rootfs(const struct container *c, char *buf,
				    size_t len)
{
	struct oci_config cfg = { 0 };
	const char *root = NULL;
	char err[256];

	if (c->bundle && c->bundle[0] &&
	    read_bundle_config(c->bundle, &cfg, err, sizeof(err)) &&
	    cfg.root_path[0] &&
	    snprintf(buf, len, cfg.root_path[0] == '/' ? "%s%s" : "%s/%s",
		     cfg.root_path[0] == '/' ? "" : c->bundle,
		     cfg.root_path) < (int)len)
		root = buf;
	oci_config_free(&cfg);
	return root;
}

int container_bind(struct driftd *d, struct container *c,
		   char *err, size_t errlen)
{
	char rootbuf[PATH_MAX * 2];
	const char *root = container_rootfs(c, rootbuf, sizeof(rootbuf));
	size_t i;
	int ret;

	ret = dk_bind(d->k, c->cgroup_id, c->set, c->mode, c->lib_mode, c->id,
		      false, root);
	if (ret == -EEXIST)
		ret = dk_bind(d->k, c->cgroup_id, c->set, c->mode, c->lib_mode,
			      c->id, true, root);
	if (ret) {
		snprintf(err, errlen, "binding cgroup %s: %s", c->cgroup_path,
			 dk_errmsg(d->k));
		return ret;
	}
	for (i = 0; i < c->nexceptions; i++) {
		ret = dk_exception_add_path(d->k, c->cgroup_id, c->exceptions[i]);
		if (ret && ret != -EEXIST)
			log_warn("container %s: exception %s: %s", c->id,
				 c->exceptions[i], dk_errmsg(d->k));
	}
	return 0;
}

/*
 * host-library: a bind mount of the OCI spec whose host source (a
 * directory or a file) is at or below an administrator's "host-library"
 * path (GPU runtimes, CDI) is added to the container's set as one more
 * layer: its files by identity, as they are when the container starts.
 * Files written there later, or changed (ctime), are not allowed. A path
 * exception at the destination would not do: a bind mount is not on the
 * container root's filesystem, where path exceptions are matched.
 */
#define HOST_LIBRARIES_MAX 64

static void host_libraries(struct driftd *d, const struct oci_config *oc,
			   const char *id, char ***v, size_t *n)
{
	size_t i, j;

	for (i = 0; i < oc->nmounts; i++) {
		const struct oci_mount *m = &oc->mounts[i];
		char real[PATH_MAX];

		if (!m->source || m->source[0] != '/' || !m->destination ||
		    m->destination[0] != '/' || !strcmp(m->destination, "/") ||
		    (m->type && strcmp(m->type, "bind") && strcmp(m->type, "none")))
			continue;
		if (!realpath(m->source, real))
			continue;
		for (j = 0; j < d->cfg.nhost_libraries; j++) {
			if (!policy_path_under(real, strlen(real), d->cfg.host_libraries[j]))
				continue;
			if (*n >= HOST_LIBRARIES_MAX) {
				log_warn("container %s: more than %d host-library mounts, %s not allowed",
					 id, HOST_LIBRARIES_MAX, m->destination);
				return;
			}
			drift_strv_push(v, n, real);
			log_info("container %s: host library %s (from %s, host-library %s) allowed",
				 id, m->destination, real, d->cfg.host_libraries[j]);
			break;
		}
	}
}

int container_start(struct driftd *d, const struct oci_state *st,
		    bool running, char *msg, size_t msglen,
		    enum hook_result *res)
{
	struct oci_config ocfg = { 0 };
	struct oci_annotations ann = { 0 };
	struct container_meta meta = { 0 };
	struct policy_result pol;
	struct container *c, *old;
	char root[PATH_MAX * 2], realroot[PATH_MAX], cg[PATH_MAX];
	char err[512] = "";
	char *sname = NULL, *simage = NULL, *sdigest = NULL;
	const char *dname, *dimage;
	char **hl = NULL;		/* host-library sources */
	size_t nhl = 0;
	int pidfd = -1;
	size_t i;
	int ret;

	*res = HOOK_ERROR;
	old = container_find(d, st->id);
	if (st->status && !strcmp(st->status, "stopped")) {
		if (old)
			container_remove(d, old, "stopped (poststop hook)");
		snprintf(msg, msglen, "container %s stopped", st->id);
		*res = HOOK_REMOVED;
		return 0;
	}
	if (st->pid <= 0) {
		snprintf(msg, msglen, "state has no pid (use the createRuntime or prestart stage)");
		return -EINVAL;
	}
	/* Held until the binding is in place: a reused pid is detected. */
	pidfd = pidfd_open(st->pid, 0);
	if (pidfd < 0) {
		snprintf(msg, msglen, "container process %d: %s", st->pid,
			 strerror(errno));
		return -ESRCH;
	}

	/* Annotations: the state's, completed by the bundle's config.json. */
	oci_ann_merge(&ann, &st->ann);
	if (!st->bundle || !st->bundle[0] ||
	    !read_bundle_config(st->bundle, &ocfg, err, sizeof(err))) {
		snprintf(msg, msglen, "bundle config: %s", err[0] ? err : "no bundle");
		ret = -EINVAL;
		goto out;
	}
	oci_ann_merge(&ann, &ocfg.ann);
	if (ann.dropped || ocfg.ann.dropped || st->ann.dropped)
		log_warn("container %s: annotation %s too long or not a string, ignored",
			 st->id, st->ann.dropped ? st->ann.dropped_key : ocfg.ann.dropped_key);
	if (ocfg.root_path[0] == '/')
		snprintf(root, sizeof(root), "%s", ocfg.root_path);
	else
		snprintf(root, sizeof(root), "%s/%s", st->bundle, ocfg.root_path);
	if (!realpath(root, realroot)) {
		snprintf(msg, msglen, "root %.200s: %s", root, strerror(errno));
		ret = -ENOENT;
		goto out;
	}

	/* Metadata only from what the workload cannot write. */
	policy_meta_from_annotations(d->cfg.cri, &ann, &meta);
	if (d->cfg.cri == CRI_NONE) {
		storage_lookup(st->id, &sname, &simage, &sdigest);
		meta.name = sname;
		meta.image = simage;
		if (sdigest)
			meta.digests[meta.ndigests++] = sdigest;
	}
	policy_decide(&d->cfg, &meta, &ann, &pol);
	for (i = 0; i < pol.nwarnings; i++)
		log_warn("container %s: %s", st->id, pol.warnings[i]);
	if (pol.refused) {
		snprintf(err, sizeof(err), "%u annotation request(s) refused by policy: %s",
			 pol.refused, pol.nwarnings ? pol.warnings[0] : "");
		events_emit_notice(d, "annotation_refused", NULL, st->id, err);
		err[0] = '\0';
	}
	if (pol.mode == DRIFTD_MODE_EXEMPT) {
		snprintf(msg, msglen, "container %s exempt (%s)", st->id, pol.source);
		log_info("%s", msg);
		policy_result_free(&pol);
		*res = HOOK_EXEMPT;
		ret = 0;
		goto out;
	}

	ret = cgroup_of_pid(st->pid, cg, sizeof(cg));
	if (ret) {
		snprintf(msg, msglen, "cgroup of pid %d: %s", st->pid, strerror(-ret));
		policy_result_free(&pol);
		goto out;
	}
	if (!strcmp(cg, "/")) {
		snprintf(msg, msglen, "pid %d is in the root cgroup: refusing to bind the whole host",
			 st->pid);
		policy_result_free(&pol);
		ret = -EINVAL;
		goto out;
	}

	/* Display names: trusted ones, else the workload's own labels. */
	dname = meta.name ? meta.name : oci_ann_get(&ann, ANN_NAME);
	dimage = meta.image ? meta.image : oci_ann_get(&ann, ANN_IMAGE);
	c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	snprintf(c->id, sizeof(c->id), "%s", st->id);
	c->name = xstrdup_or_null(dname);
	c->pod = xstrdup_or_null(meta.pod);
	c->namespace_ = xstrdup_or_null(meta.namespace_);
	c->image = xstrdup_or_null(dimage);
	c->cgroup_path = xstrdup_or_null(cg);
	c->mode = pol.mode;
	c->mode_source = xstrdup_or_null(pol.source);
	c->lib_mode = pol.lib_mode;
	c->lib_mode_source = xstrdup_or_null(pol.lib_source);
	c->bundle = xstrdup_or_null(st->bundle);
	c->pid = st->pid;
	c->created = time(NULL);
	c->exceptions = pol.exceptions;
	c->nexceptions = pol.nexceptions;
	pol.exceptions = NULL;
	pol.nexceptions = 0;
	policy_result_free(&pol);
	host_libraries(d, &ocfg, c->id, &hl, &nhl);

	ret = cgroup_lookup(cg, &c->cgroup_id);
	if (ret) {
		snprintf(msg, msglen, "cgroup %s: %s", cg, strerror(-ret));
		container_free(c);
		goto out;
	}
	/* May drop driftd_lock while it scans: look things up again after. */
	ret = container_set(d, c, running ? 0 : st->pid, realroot, hl, nhl,
			    err, sizeof(err));
	old = container_find(d, st->id);
	if (ret) {
		snprintf(msg, msglen, "allowlist: %s", err);
		container_free(c);
		goto out;
	}
	/* The process checked above is still the container's? */
	if (!pidfd_alive(pidfd)) {
		snprintf(msg, msglen, "container process %d exited while being bound",
			 st->pid);
		container_free(c);
		ret = -ESRCH;
		goto out;
	}
	/* The same id again (createRuntime and prestart both configured). */
	if (old && old->cgroup_id == c->cgroup_id && !strcmp(old->set, c->set) &&
	    old->mode == c->mode && old->lib_mode == c->lib_mode) {
		snprintf(msg, msglen, "container %s already bound (set %s, mode %s)",
			 c->id, c->set, config_mode_name(c->mode));
		container_free(c);
		*res = HOOK_BOUND;
		ret = 0;
		goto out;
	}
	imageset_find(d, c->set)->users++;
	ret = container_bind(d, c, err, sizeof(err));
	if (ret) {
		snprintf(msg, msglen, "%s", err);
		d->m.bind_errors++;
		imageset_put(d, c->set);
		container_free(c);
		goto out;
	}
	if (old) {
		container_unlink(d, old);
		if (old->cgroup_id != c->cgroup_id)
			dk_unbind(d->k, old->cgroup_id);
		imageset_put(d, old->set);
		container_free(old);
	}
	container_link(d, c);
	container_save(d, c);
	snprintf(msg, msglen, "container %s (%s, image %s) bound: cgroup %s, set %s (%u entries), mode %s (%s), lib-mode %s (%s)",
		 c->id, c->name ? c->name : "-", c->image ? c->image : "-",
		 c->cgroup_path, c->set, imageset_find(d, c->set)->entries,
		 config_mode_name(c->mode), c->mode_source,
		 config_mode_name(c->lib_mode), c->lib_mode_source);
	log_info("%s", msg);
	*res = HOOK_BOUND;
	ret = 0;
out:
	if (pidfd >= 0)
		close(pidfd);
	drift_strv_free(hl, nhl);
	free(sname);
	free(simage);
	free(sdigest);
	oci_ann_free(&ann);
	oci_config_free(&ocfg);
	return ret;
}

void container_remove(struct driftd *d, struct container *c, const char *why)
{
	int ret;

	metrics_binding_gone(d, c);	/* its final counts stay in the sums */
	ret = dk_unbind(d->k, c->cgroup_id);
	if (ret && ret != -ENOENT)
		log_warn("unbinding container %s (cgroup id %llu): %s", c->id,
			 (unsigned long long)c->cgroup_id, dk_errmsg(d->k));
	log_info("container %s (%s) removed: %s", c->id, c->name ? c->name : "-",
		 why);
	d->m.unbinds++;
	container_unlink(d, c);
	container_unsave(d, c->id);
	imageset_put(d, c->set);
	c->removed = mono_s();
	c->next = d->recent;
	d->recent = c;
	containers_expire_recent(d);
}

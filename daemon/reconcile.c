/*
 * driftd: reconciliation with the kernel.
 *
 * At start-up: the kernel keeps enforcing while driftd is down, so driftd
 * first reads what the kernel has (bindings, sets) and what it recorded
 * (STATE_DIR/containers), adopts what is still alive, rebinds live
 * containers that lost their binding, unbinds what belongs to containers
 * that are gone, deletes its sets that nothing uses, binds containers the
 * hook reported as started unprotected, and finally discovers running
 * containers nobody bound.
 * Periodically: containers whose cgroup disappeared are unbound.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "driftd.h"
#include "hookproto.h"
#include "log.h"
#include "mountinfo.h"
#include "util.h"

struct kstate {
	struct dk_binding_info *b;
	size_t nb;
	struct dk_set_info *s;
	size_t ns;
};

static void add_binding(const struct dk_binding_info *b, void *arg)
{
	struct kstate *ks = arg;

	ks->b = realloc(ks->b, (ks->nb + 1) * sizeof(*ks->b));
	if (!ks->b)
		abort();
	ks->b[ks->nb++] = *b;
}

/* Keeps the set, and a copy of its includes (valid in the callback only). */
static void add_set(const struct dk_set_info *s, void *arg)
{
	struct kstate *ks = arg;
	char **inc = NULL;
	size_t i, n = 0;

	ks->s = realloc(ks->s, (ks->ns + 1) * sizeof(*ks->s));
	if (!ks->s)
		abort();
	for (i = 0; i < s->nincludes; i++)
		drift_strv_push(&inc, &n, s->includes[i]);
	ks->s[ks->ns] = *s;
	ks->s[ks->ns].includes = (const char *const *)inc;
	ks->s[ks->ns].nincludes = n;
	ks->ns++;
}

static void kstate_free(struct kstate *ks)
{
	size_t i;

	for (i = 0; i < ks->ns; i++)
		drift_strv_free((char **)ks->s[i].includes, ks->s[i].nincludes);
	free(ks->s);
	free(ks->b);
}

static struct dk_binding_info *kbinding(struct kstate *ks, uint64_t cgid)
{
	size_t i;

	for (i = 0; i < ks->nb; i++)
		if (ks->b[i].cgroup_id == cgid)
			return &ks->b[i];
	return NULL;
}

static struct dk_set_info *kset(struct kstate *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->ns; i++)
		if (!strcmp(ks->s[i].name, name))
			return &ks->s[i];
	return NULL;
}


static bool cgroup_alive(const struct container *c)
{
	uint64_t id;

	return cgroup_lookup(c->cgroup_path, &id) == 0 && id == c->cgroup_id;
}

/* cgroup id -> path relative to CGROUP_ROOT (only for orphans). */
static int cgroup_path_of_id(uint64_t id, char *out, size_t n)
{
	char *p = drift_cgroup_path_of(CGROUP_ROOT, id);
	const char *rel;

	if (!p)
		return -errno;
	rel = p + strlen(CGROUP_ROOT);
	snprintf(out, n, "%s", rel[0] ? rel : "/");
	free(p);
	return 0;
}

static int rebuild_set(struct driftd *d, struct container *c, struct kstate *ks)
{
	char err[512];
	struct dk_set_info *s = kset(ks, c->set);
	int ret;

	if (s || imageset_find(d, c->set)) {
		imageset_adopt(d, c->set, s);
		return 0;
	}
	if (c->nlayers == 0)
		return -ENOENT;
	if (c->snapshot)
		ret = imageset_for_root(d, c->layers[0], c->layers + 1,
					c->nlayers - 1, c->id, c->image, c->set,
					sizeof(c->set), err, sizeof(err));
	else
		ret = imageset_for_layers(d, c->layers, c->nlayers, c->image,
					  c->set, sizeof(c->set), err, sizeof(err));
	if (ret)
		log_err("container %s: rebuilding its set: %s", c->id, err);
	return ret;
}

/*
 * Notes the hook left when it let a container start unprotected. A note is
 * removed only once it has been dealt with (bound, gone, unreadable); one
 * that could not be bound stays and is retried (every RETRY_S seconds), so
 * a driftd that fails or stops half-way never loses one.
 */
#define RETRY_S		5
#define RETRY_MAX	128

static struct {
	char id[OCI_ID_MAX + 1];
	time_t next;
} retry[RETRY_MAX];

static int retry_slot(const char *id, bool add)
{
	int i, free_i = -1;

	for (i = 0; i < RETRY_MAX; i++) {
		if (!strcmp(retry[i].id, id))
			return i;
		if (!retry[i].id[0] && free_i < 0)
			free_i = i;
	}
	if (add && free_i >= 0) {
		snprintf(retry[free_i].id, sizeof(retry[free_i].id), "%s", id);
		retry[free_i].next = 0;
	}
	return add ? free_i : -1;
}

static void retry_forget(const char *id)
{
	int i = retry_slot(id, false);

	if (i >= 0)
		retry[i].id[0] = '\0';
}

static void process_unprotected(struct driftd *d)
{
	char dir[PATH_MAX], path[PATH_MAX * 2], msg[1024];
	time_t now = time(NULL);
	struct dirent *de;
	DIR *dh;

	snprintf(dir, sizeof(dir), "%s/" HOOK_UNPROTECTED_DIR, d->cfg.state_dir);
	dh = opendir(dir);
	if (!dh)
		return;
	while ((de = readdir(dh))) {
		struct oci_state st;
		enum hook_result res;
		char err[256], proc[64];
		size_t len, l = strlen(de->d_name);
		char *text;
		int slot;
		bool first;

		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		text = read_file_all(path, HOOK_MAX_REQUEST, &len);
		if (!text) {
			log_warn("%s: %s", path, strerror(errno));
			continue;
		}
		if (oci_parse_state(text, len, &st, err, sizeof(err)) != 0) {
			log_err("%s: unreadable note of an unprotected start (%s), removed",
				path, err);
			free(text);
			unlink(path);
			continue;
		}
		free(text);
		slot = retry_slot(st.id, false);
		first = slot < 0;
		if (!first && retry[slot].next > now) {
			oci_state_free(&st);
			continue;
		}
		if (first)
			d->m.unprotected_starts++;
		snprintf(proc, sizeof(proc), "/proc/%d", st.pid);
		if (st.pid <= 0 || access(proc, F_OK) != 0) {
			events_emit_notice(d, "unprotected_start", NULL, st.id,
					   "container started while driftd could not answer; it is gone");
			goto done;
		}
		if (container_find(d, st.id))
			goto done;
		if (container_start(d, &st, true, msg, sizeof(msg), &res) == 0) {
			events_emit_notice(d, "unprotected_start",
					   container_find(d, st.id), st.id,
					   "container started while driftd could not answer; bound now");
			goto done;
		}
		if (first) {
			log_err("container %s (started unprotected): %s; retrying every %d s",
				st.id, msg, RETRY_S);
			events_emit_notice(d, "unprotected_start", NULL, st.id, msg);
		}
		slot = retry_slot(st.id, true);
		if (slot >= 0)
			retry[slot].next = now + RETRY_S;
		oci_state_free(&st);
		continue;
done:
		unlink(path);
		retry_forget(st.id);
		oci_state_free(&st);
	}
	closedir(dh);
}

/* A container id from a runtime's cgroup name. */
static int id_from_cgroup(const char *cg, char *id, size_t n)
{
	const char *base = strrchr(cg, '/');
	size_t len;
	int pre;

	base = base ? base + 1 : cg;
	pre = drift_cgroup_container_prefix(base);
	if (pre < 0)
		return -1;
	base += pre;
	len = strlen(base);
	if (len > 6 && !strcmp(base + len - 6, ".scope"))
		len -= 6;
	if (len == 0 || len >= n)
		return -1;
	memcpy(id, base, len);
	id[len] = '\0';
	/* crun puts the payload in a "container" sub-cgroup. */
	if (!strcmp(id, "container") && base != cg) {
		char parent[PATH_MAX];
		char *slash;

		snprintf(parent, sizeof(parent), "%s", cg);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			return id_from_cgroup(parent, id, n);
		}
	}
	return oci_valid_id(id) ? 0 : -1;
}

static bool covered(struct driftd *d, struct kstate *ks, const char *cg)
{
	char p[PATH_MAX];
	uint64_t id;

	snprintf(p, sizeof(p), "%s", cg);
	for (;;) {
		if (cgroup_lookup(p, &id) == 0 &&
		    (kbinding(ks, id) || container_find_cgroup(d, id)))
			return true;
		char *slash = strrchr(p, '/');

		if (!slash || slash == p)
			return false;
		*slash = '\0';
	}
}

static void find_bundle(const char *id, char *bundle, size_t n)
{
	static const char *const fmts[] = {
		"/var/lib/containers/storage/overlay-containers/%s/userdata",
		"/run/containers/storage/overlay-containers/%s/userdata",
		NULL };
	char p[PATH_MAX];
	size_t i;

	bundle[0] = '\0';
	for (i = 0; fmts[i]; i++) {
		snprintf(p, sizeof(p), fmts[i], id);
		char cfg[PATH_MAX + 16];

		snprintf(cfg, sizeof(cfg), "%s/config.json", p);
		if (access(cfg, R_OK) == 0) {
			snprintf(bundle, n, "%s", p);
			return;
		}
	}
}

static void discover(struct driftd *d, struct kstate *ks)
{
	struct dirent *de;
	DIR *dh = opendir("/proc");
	pid_t self = getpid();

	if (!dh)
		return;
	while ((de = readdir(dh))) {
		char cg[PATH_MAX], id[OCI_ID_MAX + 1], bundle[PATH_MAX];
		char msg[1024];
		struct oci_state st = { 0 };
		enum hook_result res;
		int pid = atoi(de->d_name);

		if (pid <= 1 || pid == self)
			continue;
		if (cgroup_of_pid(pid, cg, sizeof(cg)) || !strcmp(cg, "/") ||
		    covered(d, ks, cg))
			continue;
		/*
		 * A container is recognised by its cgroup name and its runtime's
		 * bundle (containers-storage), never by what its own mount table
		 * says: it may have changed it.
		 */
		if (id_from_cgroup(cg, id, sizeof(id)) != 0)
			continue;
		if (container_find(d, id))
			continue;
		find_bundle(id, bundle, sizeof(bundle));
		if (!bundle[0]) {
			log_debug("pid %d in cgroup %s: no runtime bundle for %s; not a container driftd can bind",
				  pid, cg, id);
			continue;
		}
		st.id = id;
		st.pid = pid;
		st.bundle = bundle;
		if (container_start(d, &st, true, msg, sizeof(msg), &res) == 0)
			log_info("discovered running container: %s", msg);
		else
			log_warn("discovered container %s (pid %d): %s", id, pid, msg);
	}
	closedir(dh);
}

int reconcile_startup(struct driftd *d)
{
	struct kstate ks = { 0 };
	struct container *c, *next;
	struct image_set *s;
	char err[512];
	size_t i;
	int ret, n, pass;

	n = containers_load(d);
	if (n < 0)
		log_warn("reading container records: %s", strerror(-n));
	ret = dk_bindings(d->k, add_binding, &ks);
	if (ret) {
		log_err("listing kernel bindings: %s", dk_errmsg(d->k));
		goto out;
	}
	ret = dk_sets(d->k, add_set, &ks);
	if (ret) {
		log_err("listing kernel sets: %s", dk_errmsg(d->k));
		goto out;
	}
	log_info("reconcile: %d container records, %zu kernel bindings, %zu kernel sets",
		 n, ks.nb, ks.ns);

	/* Live containers first, so that sets shared with dead ones stay. */
	for (c = d->containers; c; c = c->next) {
		struct dk_binding_info *b = kbinding(&ks, c->cgroup_id);
		struct dk_set_info *si;

		c->stale = !cgroup_alive(c);
		if (c->stale)
			continue;
		if (b) {
			if (b->mode >= 0 && b->mode != c->mode) {
				log_info("container %s: kernel mode %s kept (record said %s)",
					 c->id, config_mode_name(b->mode),
					 config_mode_name(c->mode));
				c->mode = b->mode;
				container_save(d, c);
			}
			if (strcmp(b->set, c->set))
				snprintf(c->set, sizeof(c->set), "%s", b->set);
			si = kset(&ks, c->set);
			imageset_adopt(d, c->set, si)->users++;
			log_info("container %s (%s): binding adopted (set %s, mode %s)",
				 c->id, c->name ? c->name : "-", c->set,
				 config_mode_name(c->mode));
			continue;
		}
		/* Alive but unbound (module reloaded?): bind it again. */
		if (rebuild_set(d, c, &ks) == 0) {
			imageset_find(d, c->set)->users++;
			if (container_bind(d, c, err, sizeof(err)) == 0) {
				log_warn("container %s had lost its binding: bound again",
					 c->id);
				container_save(d, c);
				continue;
			}
			log_err("container %s: %s", c->id, err);
			imageset_put(d, c->set);
		}
		c->stale = true;
		events_emit_notice(d, "bind_failed", c, c->id,
				   "running container could not be bound again");
	}
	for (c = d->containers; c; c = next) {
		next = c->next;
		if (!c->stale)
			continue;
		imageset_adopt(d, c->set, kset(&ks, c->set))->users++;
		container_remove(d, c, cgroup_alive(c) ? "could not be bound again"
						       : "cgroup gone while driftd was down");
	}

	/* Bindings of our sets with no record (state lost). */
	for (i = 0; i < ks.nb; i++) {
		struct dk_binding_info *b = &ks.b[i];
		char path[PATH_MAX];

		if (!setname_ours(b->set) || container_find_event(d, NULL, b->cgroup_id))
			continue;	/* ours, or just removed above */
		if (cgroup_path_of_id(b->cgroup_id, path, sizeof(path)) != 0) {
			log_info("binding %s (cgroup id %llu): cgroup gone, unbinding",
				 b->name, (unsigned long long)b->cgroup_id);
			dk_unbind(d->k, b->cgroup_id);
			continue;
		}
		if (!oci_valid_id(b->name) || container_find(d, b->name)) {
			log_warn("binding %s (cgroup %s) left as it is (no record)",
				 b->name, path);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c)
			abort();
		snprintf(c->id, sizeof(c->id), "%s", b->name);
		snprintf(c->set, sizeof(c->set), "%s", b->set);
		c->cgroup_path = strdup(path);
		c->cgroup_id = b->cgroup_id;
		c->mode = b->mode;
		c->mode_source = strdup("kernel");
		c->lib_mode = b->mode;		/* unknown: as the exec mode */
		c->lib_mode_source = strdup("kernel");
		c->created = time(NULL);
		struct dk_set_info *si = kset(&ks, c->set);

		imageset_adopt(d, c->set, si)->users++;
		container_link(d, c);
		container_save(d, c);
		log_info("binding %s (cgroup %s) adopted without a record", c->id, path);
	}

	/*
	 * Our sets nothing uses any more: image and root sets first, then the
	 * layer sets no image set includes (the kernel refuses to delete an
	 * included set).
	 */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ks.ns; i++) {
			const char *name = ks.s[i].name;
			struct layer_set *ls;

			if (!setname_ours(name) ||
			    setname_is_layer(name) != (pass == 1))
				continue;
			s = pass ? NULL : imageset_find(d, name);
			ls = pass ? layerset_find(d, name) : NULL;
			if ((s && s->users) || (ls && ls->users))
				continue;
			if (dk_set_del(d->k, name) == 0)
				log_info("set %s deleted (unused)", name);
		}
	}
	process_unprotected(d);
	if (d->cfg.discover)
		discover(d, &ks);
	ret = 0;
out:
	kstate_free(&ks);
	return ret;
}

void reconcile_periodic(struct driftd *d)
{
	struct container *c, *next;

	for (c = d->containers; c; c = next) {
		next = c->next;
		if (!cgroup_alive(c))
			container_remove(d, c, "cgroup gone");
	}
	containers_expire_recent(d);
	process_unprotected(d);
}

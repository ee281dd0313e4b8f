/*
 * driftd: the unix socket the OCI hook talks to (see hookproto.h).
 *
 * Who may talk: the socket is 0600 root, and each peer is checked
 * (SO_PEERCRED, then its process held by a pidfd while checked): uid 0,
 * in the same user, pid and network namespaces as the host's init
 * (/proc/1 as driftd sees it; OCI runtimes run createRuntime/prestart/
 * poststop hooks there), in its mount namespace or in one the runtime
 * made (below), and not in a cgroup driftd governs.
 * Root in a container that can see /run/drift is therefore refused: it
 * could otherwise say "stopped" for any container and have it unbound.
 *
 * The runtime does not always run in the host's mount namespace: podman
 * runs conmon, crun and so the hooks of a container with a user namespace
 * (--uidmap, --userns=auto) in a private mount namespace of its own, where
 * it mounts the container's ID-mapped layers; OpenShift can keep CRI-O and
 * the kubelet in one too. What tells such a namespace from a container's
 * is the root directory: a container's process has pivoted into its root
 * file system, the runtime's still has the host's (same device and inode
 * as /proc/1/root); and the cgroup: the runtime's (conmon's, the
 * runtime's own) is not named as a container's (libpod-, crio-, docker-,
 * cri-containerd-; conmon's libpod-conmon- and crio-conmon- are allowed).
 * A container that drift does not govern (exempt) and that has the host's
 * pid and network namespaces and the host's / mounted could otherwise
 * chroot into it and pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "driftd.h"
#include "fileid.h"
#include "hookproto.h"
#include "log.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int hookserver_open(struct driftd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int fd;

	if (strlen(d->cfg.socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->cfg.socket_path);
	snprintf(dir, sizeof(dir), "%s", d->cfg.socket_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(sa.sun_path, 0600) != 0 || listen(fd, 128) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	d->hook_fd = fd;
	return 0;
}

/* Same namespace as /proc/1's? 1 yes, 0 no, -1 unreadable. */
static int same_ns(int pid, const char *ns)
{
	char a[64], b[64];
	struct stat sa, sb;

	snprintf(a, sizeof(a), "/proc/%d/ns/%s", pid, ns);
	snprintf(b, sizeof(b), "/proc/1/ns/%s", ns);
	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return -1;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Is one of the components of cgroup path CG a container's scope, as the
 * runtimes name them (crun's "container" sub-cgroup and what a container
 * makes below are under it)? Their conmon scopes are not.
 */
static bool container_cgroup_name(const char *cg)
{
	const char *c = cg;

	while (c && *c) {
		while (*c == '/')
			c++;
		if (drift_cgroup_container_prefix(c) > 0)
			return true;
		c = strchr(c, '/');
	}
	return false;
}

/*
 * A mount namespace the runtime made (see the top of the file): the same
 * root directory as /proc/1, and a cgroup (CG) that is not a container's by
 * its name: a container on a node (a Kubernetes agent with hostPID,
 * hostNetwork and the host's / mounted) that drift does not govern could
 * otherwise chroot into the host's root. The caller has checked the user
 * namespace already. 1 yes, 0 no, -1 unreadable.
 */
static int runtime_mnt_ns(int pid, const char *cg)
{
	char a[64];
	struct stat sa, sb;

	if (container_cgroup_name(cg))
		return 0;
	snprintf(a, sizeof(a), "/proc/%d/root/", pid);
	if (stat(a, &sa) != 0 || stat("/proc/1/root/", &sb) != 0)
		return -1;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Is cgroup path CG (relative) or one of its ancestors a container's? */
static bool cgroup_governed(struct driftd *d, const char *cg)
{
	char p[PATH_MAX];
	uint64_t id;

	snprintf(p, sizeof(p), "%s", cg);
	for (;;) {
		char *slash;

		if (strcmp(p, "/") && cgroup_lookup(p, &id) == 0 &&
		    container_find_cgroup(d, id))
			return true;
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			return false;
		*slash = '\0';
	}
}

/*
 * 0 when the peer may use the socket; else -1 with WHY. The peer's process
 * is held by a pidfd from before the checks until after them, so a pid
 * reused in between is detected.
 */
int hookserver_check_peer(struct driftd *d, const struct ucred *cred,
			  char *why, size_t whylen)
{
	/* "mnt" last: runtime_mnt_ns() relies on the user namespace's check */
	static const char *const nss[] = { "user", "pid", "net", "mnt" };
	char cg[PATH_MAX];
	size_t i;
	int pfd, r;

	if (cred->uid != 0) {
		snprintf(why, whylen, "peer uid %u is not root", (unsigned)cred->uid);
		return -1;
	}
	if (cred->pid <= 0) {
		snprintf(why, whylen, "peer process not visible in driftd's pid namespace");
		return -1;
	}
	pfd = pidfd_open(cred->pid, 0);
	if (pfd < 0) {
		snprintf(why, whylen, "peer pid %d: %s", cred->pid, strerror(errno));
		return -1;
	}
	if (cgroup_of_pid(cred->pid, cg, sizeof(cg)) != 0) {
		snprintf(why, whylen, "peer pid %d: cgroup unreadable", cred->pid);
		goto refuse;
	}
	for (i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
		r = same_ns(cred->pid, nss[i]);
		if (r == 0 && !strcmp(nss[i], "mnt")) {
			r = runtime_mnt_ns(cred->pid, cg);
			if (r == 0) {
				snprintf(why, whylen, "peer pid %d is not in the host's mnt namespace and is not the runtime's (its root directory is not the host's, or its cgroup %.200s is a container's)",
					 cred->pid, cg);
				goto refuse;
			}
		}
		if (r != 1) {
			snprintf(why, whylen, "peer pid %d is %s the host's %s namespace",
				 cred->pid, r < 0 ? "unreadable for" : "not in", nss[i]);
			goto refuse;
		}
	}
	if (cgroup_governed(d, cg)) {
		snprintf(why, whylen, "peer pid %d runs in a governed container cgroup (%.200s)",
			 cred->pid, cg);
		goto refuse;
	}
	/* Still the same process as the one checked? */
	if (!pidfd_alive(pfd)) {
		snprintf(why, whylen, "peer pid %d exited while checked", cred->pid);
		goto refuse;
	}
	close(pfd);
	return 0;
refuse:
	close(pfd);
	return -1;
}

/* 0, or -1 when the hook did not take the whole answer (it gave up). */
static int reply(int fd, bool ok, const char *result, const char *message)
{
	json_object *o = json_object_new_object();
	const char *text;
	size_t len, off = 0;

	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "result", json_object_new_string(result));
	json_object_object_add(o, "message", json_object_new_string(message));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	while (off < len) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t w;

		if (poll(&p, 1, 1000) <= 0)
			break;
		w = send(fd, text + off, len - off, MSG_NOSIGNAL);
		if (w <= 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (w > 0)
			off += (size_t)w;
	}
	json_object_put(o);
	return off == len ? 0 : -1;
}

/* Reads until EOF, the size limit or the deadline. */
static char *read_request(int fd, unsigned timeout_ms, size_t *len,
			  const char **why)
{
	double deadline = mono() + timeout_ms / 1000.0;
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		abort();
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((deadline - mono()) * 1000);
		ssize_t r;

		if (left <= 0) {
			*why = "timed out reading the request";
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		if (n == cap) {
			if (cap >= HOOK_MAX_REQUEST) {
				*why = "request too large";
				break;
			}
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) {
			*why = "read error";
			break;
		}
		if (r == 0) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		n += (size_t)r;
	}
	free(buf);
	return NULL;
}

/*
 * Answers one connection. Called by a worker with driftd_lock held; the
 * lock is dropped while the request is read and the answer written, and
 * (imageset.c) while layers are scanned, so that a slow peer or a cold
 * image holds up only its own hook.
 */
static void handle(struct driftd *d, int fd, double t_accept, int *slot)
{
	static const char *const names[] = { "bound", "exempt", "removed", "error" };
	double t0 = mono();
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct oci_state st;
	char err[512], msg[1024], id[OCI_ID_MAX + 1] = "-";
	enum hook_result res = HOOK_ERROR;
	const char *why = "";
	unsigned timeout = d->cfg.request_timeout_ms;
	bool parsed = false;
	size_t len = 0;
	char *req;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
		snprintf(msg, sizeof(msg), "permission denied (no peer credentials)");
		goto answer;
	}
	if (hookserver_check_peer(d, &cred, err, sizeof(err)) != 0) {
		log_err("hook socket: refusing peer: %s", err);
		snprintf(msg, sizeof(msg), "permission denied: %s", err);
		d->m.hook_requests[HOOK_ERROR]++;
		goto answer;
	}
	pthread_mutex_unlock(&driftd_lock);
	req = read_request(fd, timeout, &len, &why);
	if (req) {
		parsed = oci_parse_state(req, len, &st, err, sizeof(err)) == 0;
		free(req);
	}
	pthread_mutex_lock(&driftd_lock);
	if (!req) {
		log_warn("hook request from pid %d: %s", cred.pid, why);
		snprintf(msg, sizeof(msg), "%s", why);
		d->m.hook_requests[HOOK_ERROR]++;
		goto answer;
	}
	if (!parsed) {
		snprintf(msg, sizeof(msg), "bad OCI state: %s", err);
		log_warn("hook request from pid %d: %s", cred.pid, msg);
		d->m.hook_requests[HOOK_ERROR]++;
		goto answer;
	}
	snprintf(id, sizeof(id), "%s", st.id);
	if (container_start(d, &st, false, msg, sizeof(msg), &res) != 0) {
		res = HOOK_ERROR;
		log_err("container %s NOT protected: %s", st.id, msg);
		events_emit_notice(d, "bind_failed", NULL, st.id, msg);
	}
	d->m.hook_requests[res]++;
	metrics_hook_latency(d, mono() - t_accept);
	log_info("hook: container %s: %s in %.1f ms (%.1f ms queued)", id,
		 names[res], (mono() - t_accept) * 1e3, (t0 - t_accept) * 1e3);
	oci_state_free(&st);
answer:
	*slot = -1;	/* no keepalive from here on: the answer follows */
	atomic_fetch_add_explicit(&driftd_progress, 1, memory_order_relaxed);
	pthread_mutex_unlock(&driftd_lock);
	if (reply(fd, res != HOOK_ERROR, names[res], msg) != 0) {
		pthread_mutex_lock(&driftd_lock);
		d->m.hook_abandoned++;
		log_warn("hook: container %s: the hook gave up %.1f ms after it connected, before the answer (%s): a fail-open hook started it unprotected if driftd had gone silent, else the start was refused",
			 id, (mono() - t_accept) * 1e3, names[res]);
		return;
	}
	pthread_mutex_lock(&driftd_lock);
}

/*
 * Accepted connections wait here (under driftd_lock) for one of the
 * hook-workers threads. The event loop stops accepting while the queue is
 * full: further hooks wait in the listen backlog, none is refused.
 */
#define HOOK_QUEUE_MAX	256

static struct {
	pthread_cond_t cv;
	struct { int fd; double t; } q[HOOK_QUEUE_MAX];
	unsigned head, n;
	int busy[HOOK_WORKERS_MAX];	/* the connection a worker answers */
	pthread_t thr[HOOK_WORKERS_MAX + 1];	/* the workers, the beater */
	unsigned nthr, nslots;
	bool stop;
} hq = { .cv = PTHREAD_COND_INITIALIZER };

atomic_ulong driftd_progress;

static void *worker(void *arg)
{
	struct driftd *d = arg;
	unsigned me;

	pthread_mutex_lock(&driftd_lock);
	me = hq.nslots++;
	for (;;) {
		int fd;
		double t;

		while (!hq.n && !hq.stop)
			pthread_cond_wait(&hq.cv, &driftd_lock);
		if (hq.stop)
			break;
		fd = hq.q[hq.head].fd;
		t = hq.q[hq.head].t;
		hq.head = (hq.head + 1) % HOOK_QUEUE_MAX;
		hq.n--;
		hq.busy[me] = fd;
		handle(d, fd, t, &hq.busy[me]);
		close(fd);
	}
	pthread_mutex_unlock(&driftd_lock);
	return NULL;
}

static void beat(int fd)
{
	/* best effort: a full buffer means the hook is not reading anyway */
	if (send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
	    errno != EAGAIN && errno != EPIPE && errno != ECONNRESET)
		log_warn("hook keepalive: %s", strerror(errno));
}

/*
 * Keepalives (hookproto.h): every HOOK_BEAT_MS, under driftd_lock, one
 * "\n" to every connection in the queue or in a worker, if the work moved.
 * A thread of its own, not the event loop: the loop itself may be in a
 * long scan (a note of an unprotected start) while hooks wait.
 */
static void *beater(void *arg)
{
	const struct timespec period = {
		.tv_sec = HOOK_BEAT_MS / 1000,
		.tv_nsec = (HOOK_BEAT_MS % 1000) * 1000000L,
	};
	unsigned long seen = 0, now;
	unsigned i;

	(void)arg;
	pthread_mutex_lock(&driftd_lock);
	while (!hq.stop) {
		pthread_mutex_unlock(&driftd_lock);
		nanosleep(&period, NULL);
		pthread_mutex_lock(&driftd_lock);
		now = atomic_load_explicit(&driftd_progress, memory_order_relaxed) +
		      atomic_load_explicit(&drift_hash_progress, memory_order_relaxed);
		if (now == seen)
			continue;	/* nothing moved: silent (a hung driftd) */
		seen = now;
		for (i = 0; i < hq.n; i++)
			beat(hq.q[(hq.head + i) % HOOK_QUEUE_MAX].fd);
		for (i = 0; i < HOOK_WORKERS_MAX; i++)
			if (hq.busy[i] >= 0)
				beat(hq.busy[i]);
	}
	pthread_mutex_unlock(&driftd_lock);
	return NULL;
}

int hookserver_start(struct driftd *d)
{
	unsigned i;
	int ret;

	for (i = 0; i < HOOK_WORKERS_MAX; i++)
		hq.busy[i] = -1;
	hq.nslots = 0;
	for (i = 0; i < d->cfg.hook_workers && i < HOOK_WORKERS_MAX; i++) {
		ret = pthread_create(&hq.thr[i], NULL, worker, d);
		if (ret)
			return -ret;
		hq.nthr++;
	}
	ret = pthread_create(&hq.thr[hq.nthr], NULL, beater, d);
	if (ret)
		return -ret;
	hq.nthr++;
	return 0;
}

bool hookserver_can_accept(void)
{
	return hq.n < HOOK_QUEUE_MAX;
}

/* Event loop, driftd_lock held. */
void hookserver_accept(struct driftd *d)
{
	while (hq.n < HOOK_QUEUE_MAX) {
		int fd = accept4(d->hook_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("hook socket accept: %s", strerror(errno));
			return;
		}
		hq.q[(hq.head + hq.n) % HOOK_QUEUE_MAX].fd = fd;
		hq.q[(hq.head + hq.n) % HOOK_QUEUE_MAX].t = mono();
		hq.n++;
		pthread_cond_signal(&hq.cv);
	}
}

/*
 * Stops the workers (driftd_lock held). A worker in a scan stops it
 * (imageset_abort) and answers its hook with an error; connections still
 * queued get "driftd is stopping".
 */
void hookserver_stop(struct driftd *d)
{
	unsigned i;

	(void)d;
	hq.stop = true;
	atomic_store(&imageset_abort, true);
	pthread_cond_broadcast(&hq.cv);
	pthread_mutex_unlock(&driftd_lock);
	for (i = 0; i < hq.nthr; i++)
		pthread_join(hq.thr[i], NULL);
	pthread_mutex_lock(&driftd_lock);
	hq.nthr = 0;
	while (hq.n) {
		int fd = hq.q[hq.head].fd;

		reply(fd, false, "error", "driftd is stopping");
		close(fd);
		hq.head = (hq.head + 1) % HOOK_QUEUE_MAX;
		hq.n--;
	}
}

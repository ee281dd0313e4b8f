/* driftd: the unix socket the OCI hook talks to (see hookproto.h). */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "driftd.h"
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

static void reply(int fd, bool ok, const char *result, const char *message)
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

static void handle(struct driftd *d, int fd)
{
	static const char *const names[] = { "bound", "exempt", "removed", "error" };
	double t0 = mono();
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct oci_state st;
	char err[512], msg[1024];
	enum hook_result res = HOOK_ERROR;
	const char *why = "";
	size_t len = 0;
	char *req;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 ||
	    cred.uid != 0) {
		log_warn("hook socket: refusing a client that is not root");
		reply(fd, false, "error", "permission denied");
		return;
	}
	req = read_request(fd, d->cfg.request_timeout_ms, &len, &why);
	if (!req) {
		log_warn("hook request from pid %d: %s", cred.pid, why);
		reply(fd, false, "error", why);
		d->m.hook_requests[HOOK_ERROR]++;
		return;
	}
	if (oci_parse_state(req, len, &st, err, sizeof(err)) != 0) {
		free(req);
		snprintf(msg, sizeof(msg), "bad OCI state: %s", err);
		log_warn("hook request from pid %d: %s", cred.pid, msg);
		reply(fd, false, "error", msg);
		d->m.hook_requests[HOOK_ERROR]++;
		return;
	}
	free(req);
	if (container_start(d, &st, NULL, msg, sizeof(msg), &res) != 0) {
		res = HOOK_ERROR;
		log_err("container %s NOT protected: %s", st.id, msg);
		events_emit_notice(d, "bind_failed", NULL, st.id, msg);
	}
	reply(fd, res != HOOK_ERROR, names[res], msg);
	d->m.hook_requests[res]++;
	metrics_hook_latency(d, mono() - t0);
	oci_state_free(&st);
}

void hookserver_accept(struct driftd *d)
{
	int i;

	for (i = 0; i < 64; i++) {
		int fd = accept4(d->hook_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("hook socket accept: %s", strerror(errno));
			return;
		}
		handle(d, fd);
		close(fd);
	}
}

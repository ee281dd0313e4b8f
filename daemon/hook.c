/*
 * drift-oci-hook: OCI runtime hook (createRuntime or prestart; poststop
 * unbinds at once). Reads the OCI state on stdin, hands it to driftd over
 * its unix socket and waits for the answer, so that the container is bound
 * to its image's allowlist before its first instruction runs.
 *
 * When driftd answers that it refuses the container, or the OCI state
 * cannot be read, the hook always exits 1: the runtime refuses to start the
 * container ("drift: ..." on stderr, syslog LOG_ERR).
 * When driftd cannot be reached (not running) or is silent (no answer
 * within the timeout and no keepalive in the last HOOK_BEAT_FRESH_MS: hung),
 * the hook fails
 *   closed (--fail-closed): exits 1, the runtime refuses to start the
 *                           container;
 *   open (--fail-open, the default): exits 0, the container starts
 *                           unprotected; this is logged to stderr and syslog
 *                           (LOG_CRIT) and left in STATE_DIR/unprotected/ so
 *                           that driftd binds it, counts and reports it when
 *                           back.
 * When driftd is alive but still working at the deadline (keepalives: a
 * cold image's first scan, a burst of starts), the hook exits 1 whatever
 * its policy: how long a scan takes is up to the image, and an image must
 * not be able to buy an unprotected start.
 * A rootless runtime (the hook in a user namespace other than the initial
 * one: rootless podman) is not governed: driftd and drift.ko act for root's
 * runtimes only, and the owner of a rootless container controls its
 * cgroup. The hook does not ask driftd; it applies its policy with that
 * reason (fail-open: starts UNPROTECTED, logged to stderr and syslog
 * LOG_CRIT; fail-closed: refused). driftd never hears of such a start.
 * The environment variable DRIFT_HOOK_FAIL=open|closed sets the default.
 * It never waits longer than --timeout-ms (default 10000) in total.
 */
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hookproto.h"
#include "oci.h"

static double deadline;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int left_ms(void)
{
	double l = (deadline - mono()) * 1000;

	return l <= 0 ? 0 : (int)l + 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: drift-oci-hook [--socket PATH] [--timeout-ms N] [--fail-open|--fail-closed]\n"
		"                      [--state-dir DIR] [--quiet]\n"
		"OCI hook (createRuntime/prestart/poststop): OCI state on stdin.\n");
}

/* Reads stdin until EOF within the deadline. */
static char *read_stdin(size_t *len, const char **why)
{
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap + 1);

	if (!buf) {
		*why = "out of memory";
		return NULL;
	}
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		ssize_t r;

		if (n == cap) {
			if (cap >= HOOK_MAX_REQUEST) {
				*why = "OCI state larger than the limit (16 MiB)";
				break;
			}
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf) {
				*why = "out of memory";
				return NULL;
			}
		}
		r = read(0, buf + n, cap - n);
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r == 0) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			*why = "cannot read the OCI state on stdin";
			break;
		}
		if (left_ms() == 0 || poll(&p, 1, left_ms()) == 0) {
			*why = "timed out reading the OCI state on stdin";
			break;
		}
	}
	free(buf);
	return NULL;
}

/*
 * 0 with driftd's answer in REPLY; -1 when driftd cannot be reached or is
 * silent (WHY says which); -2 when it was still working at the deadline
 * (a keepalive within HOOK_BEAT_FRESH_MS).
 */
static int ask_driftd(const char *sock, const char *req, size_t len,
		      char *reply, size_t rsize, const char **why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t off = 0, n = 0;
	double beat = 0;	/* when the last keepalive came */
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		*why = "socket path too long";
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*why = "socket() failed";
		return -1;
	}
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno == EAGAIN && left_ms() > 0) {	/* backlog full */
			usleep(10000);
			continue;
		}
		*why = errno == ENOENT || errno == ECONNREFUSED ?
			"driftd is not running (cannot connect to its socket)" :
			errno == EAGAIN ? "driftd is overloaded (timed out connecting)" :
			"cannot connect to driftd";
		close(fd);
		return -1;
	}
	while (off < len) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t w;

		if (left_ms() == 0 || poll(&p, 1, left_ms()) <= 0) {
			*why = "timed out sending to driftd";
			goto fail;
		}
		w = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			break;	/* driftd answered early (a refusal): read it */
		if (w <= 0) {
			*why = "driftd closed the connection";
			goto fail;
		}
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (left_ms() == 0 || poll(&p, 1, left_ms()) <= 0) {
			if (beat > 0 && (mono() - beat) * 1000 <= HOOK_BEAT_FRESH_MS) {
				*why = "driftd is working on it (a cold image's first scan, or a burst of starts) but did not answer";
				close(fd);
				return -2;
			}
			*why = beat > 0 ? "driftd went silent before it answered (hung?)" :
				"timed out waiting for driftd's answer";
			goto fail;
		}
		r = read(fd, reply + n, rsize - 1 - n);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		/*
		 * driftd closes a refused connection without reading the
		 * request: the kernel then reports ECONNRESET once its answer
		 * has been read. That answer is complete (the parser checks).
		 */
		if (r < 0 && errno == ECONNRESET && n > 0)
			break;
		if (r < 0) {
			*why = "error reading driftd's answer";
			goto fail;
		}
		if (r == 0) {
			if (n == 0) {
				*why = "driftd closed the connection without an answer";
				goto fail;
			}
			break;
		}
		if (n == 0) {	/* keepalives come before the answer only */
			ssize_t k = 0;

			while (k < r && reply[k] == '\n')
				k++;
			if (k) {
				beat = mono();
				memmove(reply, reply + k, (size_t)(r - k));
				r -= k;
			}
		}
		n += (size_t)r;
		if (n == rsize - 1) {
			*why = "driftd's answer is too long";
			goto fail;
		}
	}
	reply[n] = '\0';
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

/*
 * In a user namespace other than the initial one (a rootless runtime)?
 * Then 0 is the host uid that ns maps uid 0 to. The initial namespace's
 * map is "0 0 4294967295".
 */
static bool rootless(unsigned long *host_uid)
{
	unsigned long in, out, count;
	FILE *f = fopen("/proc/self/uid_map", "re");
	int n;

	if (!f)
		return false;
	n = fscanf(f, "%lu %lu %lu", &in, &out, &count);
	fclose(f);
	if (n != 3)
		return false;
	*host_uid = out;
	return !(in == 0 && out == 0 && count == 4294967295UL);
}

static void leave_marker(const char *state_dir, const char *id,
			 const char *state, size_t len)
{
	char path[4200], tmp[4300];
	int fd;

	snprintf(path, sizeof(path), "%s/" HOOK_UNPROTECTED_DIR, state_dir);
	mkdir(state_dir, 0700);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/" HOOK_UNPROTECTED_DIR "/%s.json",
		 state_dir, id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, state, len) == (ssize_t)len && close(fd) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

int main(int argc, char **argv)
{
	const char *sock = DRIFTD_DEFAULT_SOCKET, *state_dir = DRIFTD_DEFAULT_STATEDIR;
	const char *env = getenv("DRIFT_HOOK_FAIL"), *why = NULL;
	bool fail_closed = env && !strcmp(env, "closed"), quiet = false;
	bool stopped = false;
	long timeout_ms = 10000;
	char reply[HOOK_MAX_REPLY], id[OCI_ID_MAX + 1] = "";
	char errbuf[512];
	unsigned long host_uid;
	struct oci_state st;
	size_t len = 0;
	char *req;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fail-closed")) {
			fail_closed = true;
		} else if (!strcmp(argv[i], "--fail-open")) {
			fail_closed = false;
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "--state-dir") && i + 1 < argc) {
			state_dir = argv[++i];
		} else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc) {
			char *end;

			timeout_ms = strtol(argv[++i], &end, 10);
			if (*end || timeout_ms < 100 || timeout_ms > 600000) {
				fprintf(stderr, "drift-oci-hook: --timeout-ms: 100..600000\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	deadline = mono() + timeout_ms / 1000.0;

	openlog("drift-oci-hook", LOG_PID, LOG_DAEMON);
	req = read_stdin(&len, &why);
	if (!req) {
		/* Not driftd's fault, and nothing to protect with: refuse. */
		fprintf(stderr, "drift: container refused: %s\n", why);
		syslog(LOG_ERR, "container refused: %s", why);
		return 1;
	}
	if (oci_parse_state(req, len, &st, errbuf, sizeof(errbuf)) == 0) {
		snprintf(id, sizeof(id), "%s", st.id);
		stopped = st.status && !strcmp(st.status, "stopped");
		oci_state_free(&st);
	} else {
		/* driftd parses it again and answers with the details. */
		snprintf(id, sizeof(id), "?");
	}
	if (rootless(&host_uid)) {
		const char *what = "drift does not govern rootless containers (their owner controls their cgroup; driftd acts for root's runtimes only): run it with root's podman";

		if (stopped) {	/* poststop: nothing was bound */
			free(req);
			return 0;
		}
		if (fail_closed) {
			fprintf(stderr, "drift: rootless container %s (host uid %lu) REFUSED (fail-closed): %s\n",
				id, host_uid, what);
			syslog(LOG_ERR, "rootless container %s (host uid %lu) refused (fail-closed): %s",
			       id, host_uid, what);
			free(req);
			return 1;
		}
		fprintf(stderr, "drift: WARNING: rootless container %s (host uid %lu) starts UNPROTECTED (fail-open): %s, or install this hook with --fail-closed to refuse rootless starts\n",
			id, host_uid, what);
		syslog(LOG_CRIT, "rootless container %s (host uid %lu) starts UNPROTECTED (fail-open): %s",
		       id, host_uid, what);
		free(req);
		return 0;
	}
	ret = ask_driftd(sock, req, len, reply, sizeof(reply), &why);
	if (ret == -2) {
		/* driftd is alive: not the dead-daemon case fail-open is for. */
		fprintf(stderr, "drift: container %s REFUSED: %s within %ld ms. driftd goes on scanning, so a retry finds the image's layers ready; for large images raise --timeout-ms (and the runtime's hook timeout above it)\n",
			id[0] ? id : "?", why, timeout_ms);
		syslog(LOG_ERR, "container %s refused: %s within %ld ms",
		       id[0] ? id : "?", why, timeout_ms);
		free(req);
		return 1;
	}
	if (ret == 0) {
		json_object *o = json_tokener_parse(reply), *v;
		bool ok = false;
		const char *msg = "";

		if (o && json_object_object_get_ex(o, "ok", &v) &&
		    json_object_is_type(v, json_type_boolean)) {
			ok = json_object_get_boolean(v);
			if (json_object_object_get_ex(o, "message", &v) &&
			    json_object_is_type(v, json_type_string))
				msg = json_object_get_string(v);
			if (ok) {
				if (!quiet)
					fprintf(stderr, "drift-oci-hook: %s\n", msg);
				json_object_put(o);
				free(req);
				return 0;
			}
			/* driftd refused: never a start, whatever the policy. */
			fprintf(stderr, "drift: driftd refused container %s: %s\n",
				id, msg);
			syslog(LOG_ERR, "driftd refused container %s: %s", id, msg);
			json_object_put(o);
			free(req);
			return 1;
		}
		why = "driftd's answer is unreadable";
		if (o)
			json_object_put(o);
	}
	if (fail_closed) {
		fprintf(stderr, "drift: container %s REFUSED (driftd unreachable, fail-closed): %s\n",
			id[0] ? id : "?", why);
		syslog(LOG_ERR, "container %s refused (driftd unreachable, fail-closed): %s",
		       id[0] ? id : "?", why);
		free(req);
		return 1;
	}
	fprintf(stderr, "drift: WARNING: container %s starts UNPROTECTED (driftd unreachable, fail-open): %s\n",
		id[0] ? id : "?", why);
	syslog(LOG_CRIT, "container %s starts UNPROTECTED (driftd unreachable, fail-open): %s",
	       id[0] ? id : "?", why);
	if (req && id[0] && strcmp(id, "?"))
		leave_marker(state_dir, id, req, len);
	free(req);
	return 0;
}

/*
 * driftd: Prometheus metrics (text exposition format 0.0.4) over plain
 * HTTP on metrics-listen (default 127.0.0.1:9477, "off" disables).
 * Kernel counters are read at scrape time; see docs/driftd.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driftd.h"
#include "log.h"
#include "names.h"

static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
				   1, 2.5, 5, 10, 30 };

void metrics_hook_latency(struct driftd *d, double seconds)
{
	size_t i;

	for (i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++)
		if (seconds <= buckets[i])
			d->m.hook_latency_bucket[i]++;
	d->m.hook_latency_sum += seconds;
	d->m.hook_latency_count++;
}

int metrics_open(struct driftd *d)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	char host[256];
	const char *colon;
	int fd, one = 1, ret;

	d->metrics_fd = -1;
	if (!d->cfg.metrics_listen)
		return 0;
	colon = strrchr(d->cfg.metrics_listen, ':');
	snprintf(host, sizeof(host), "%.*s",
		 (int)(colon - d->cfg.metrics_listen), d->cfg.metrics_listen);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	ret = getaddrinfo(host, colon + 1, &hints, &ai);
	if (ret) {
		log_err("metrics-listen %s: %s", d->cfg.metrics_listen,
			gai_strerror(ret));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	d->metrics_fd = fd;
	return 0;
}

static void label(FILE *f, const char *k, const char *v, bool comma)
{
	fprintf(f, "%s%s=\"", comma ? "," : "", k);
	for (v = v ? v : ""; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static const char *const stat_names[DRIFT_STAT_MAX + 1] = {
	[DRIFT_STAT_EXECS_CHECKED] = "checked",
	[DRIFT_STAT_EXECS_ALLOWED] = "allowed",
	[DRIFT_STAT_EXECS_VERIFIED] = "verified",
	[DRIFT_STAT_EXECS_EXCEPTED] = "excepted",
	[DRIFT_STAT_EXECS_AUDITED] = "audited",
	[DRIFT_STAT_EXECS_DENIED] = "denied",
	[DRIFT_STAT_EXECS_UNGOVERNED] = "ungoverned",
};

struct scrape {
	struct driftd *d;
	FILE *f;
};

static void per_binding(const struct dk_binding_info *b, void *arg)
{
	struct scrape *s = arg;
	struct container *c = container_find_cgroup(s->d, b->cgroup_id);
	int i;

	for (i = DRIFT_STAT_EXECS_CHECKED; i <= DRIFT_STAT_EXECS_DENIED; i++) {
		fputs("drift_container_execs_total{", s->f);
		label(s->f, "container_id", c ? c->id : b->name, false);
		label(s->f, "container_name", c ? c->name : NULL, true);
		label(s->f, "image", c ? c->image : NULL, true);
		label(s->f, "namespace", c ? c->namespace_ : NULL, true);
		label(s->f, "pod", c ? c->pod : NULL, true);
		label(s->f, "mode", config_mode_name(b->mode), true);
		label(s->f, "result", stat_names[i], true);
		fprintf(s->f, "} %llu\n", (unsigned long long)b->stats.v[i]);
	}
}

static void per_set(const struct dk_set_info *si, void *arg)
{
	struct scrape *s = arg;
	struct image_set *is = imageset_find(s->d, si->name);

	fputs("drift_set_entries{", s->f);
	label(s->f, "set", si->name, false);
	label(s->f, "image", is ? is->image : NULL, true);
	fprintf(s->f, "} %u\n", si->entries);
	fputs("drift_set_bindings{", s->f);
	label(s->f, "set", si->name, false);
	fprintf(s->f, "} %u\n", si->refs);
	fputs("drift_set_memory_bytes{", s->f);
	label(s->f, "set", si->name, false);
	fprintf(s->f, "} %llu\n", (unsigned long long)si->memory);
}

static char *render(struct driftd *d, size_t *len)
{
	static const char *const hook_res[] = { "bound", "exempt", "removed", "error" };
	struct scrape s = { .d = d };
	struct dk_status st;
	struct container *c;
	char *buf = NULL;
	size_t i, j, n = 0;
	int up;

	s.f = open_memstream(&buf, len);
	if (!s.f)
		return NULL;
	up = dk_status(d->k, &st) == 0;
	fputs("# HELP drift_kernel_up 1 when the drift module answers.\n"
	      "# TYPE drift_kernel_up gauge\n", s.f);
	fprintf(s.f, "drift_kernel_up %d\n", up);
	if (up) {
		fputs("# HELP drift_execs_total Execs seen by the module, by result (all governed tasks).\n"
		      "# TYPE drift_execs_total counter\n", s.f);
		for (i = DRIFT_STAT_EXECS_CHECKED; i <= DRIFT_STAT_EXECS_UNGOVERNED; i++)
			fprintf(s.f, "drift_execs_total{result=\"%s\"} %llu\n",
				stat_names[i], (unsigned long long)st.stats.v[i]);
		fputs("# TYPE drift_kernel_events_total counter\n", s.f);
		fprintf(s.f, "drift_kernel_events_total{state=\"sent\"} %llu\n",
			(unsigned long long)st.stats.v[DRIFT_STAT_EVENTS_SENT]);
		fprintf(s.f, "drift_kernel_events_total{state=\"suppressed\"} %llu\n",
			(unsigned long long)st.stats.v[DRIFT_STAT_EVENTS_SUPPRESSED]);
		fprintf(s.f, "drift_kernel_events_total{state=\"dropped\"} %llu\n",
			(unsigned long long)st.stats.v[DRIFT_STAT_EVENTS_DROPPED]);
		fputs("# TYPE drift_kernel_hashes_total counter\n", s.f);
		fprintf(s.f, "drift_kernel_hashes_total %llu\n",
			(unsigned long long)st.stats.v[DRIFT_STAT_HASHES]);
		fputs("# TYPE drift_kernel_probe_missed_total counter\n", s.f);
		fprintf(s.f, "drift_kernel_probe_missed_total %llu\n",
			(unsigned long long)st.stats.v[DRIFT_STAT_PROBE_MISSED]);
		fputs("# HELP drift_sets Sets loaded in the kernel.\n# TYPE drift_sets gauge\n", s.f);
		fprintf(s.f, "drift_sets %u\n", st.set_count);
		fputs("# TYPE drift_bindings gauge\n", s.f);
		fprintf(s.f, "drift_bindings %u\n", st.binding_count);
		fputs("# HELP drift_sets_memory_bytes Kernel memory used by sets.\n"
		      "# TYPE drift_sets_memory_bytes gauge\n", s.f);
		fprintf(s.f, "drift_sets_memory_bytes %llu\n",
			(unsigned long long)st.memory);
		fputs("# HELP drift_set_entries Entries per set.\n# TYPE drift_set_entries gauge\n"
		      "# TYPE drift_set_bindings gauge\n# TYPE drift_set_memory_bytes gauge\n", s.f);
		dk_sets(d->k, per_set, &s);
		fputs("# HELP drift_container_execs_total Execs per container and result.\n"
		      "# TYPE drift_container_execs_total counter\n", s.f);
		dk_bindings(d->k, per_binding, &s);
	}
	for (c = d->containers; c; c = c->next)
		n++;
	fputs("# TYPE drift_containers gauge\n", s.f);
	fprintf(s.f, "drift_containers %zu\n", n);
	fputs("# HELP drift_events_total Events received from the kernel.\n"
	      "# TYPE drift_events_total counter\n", s.f);
	for (i = 1; i <= DRIFT_REASON_MAX; i++)
		for (j = 1; j <= DRIFT_ACTION_MAX; j++)
			fprintf(s.f, "drift_events_total{reason=\"%s\",action=\"%s\"} %llu\n",
				drift_reason_name(i), drift_action_name(j),
				(unsigned long long)d->m.events[i][j]);
	fputs("# TYPE drift_events_suppressed_total counter\n", s.f);
	fprintf(s.f, "drift_events_suppressed_total %llu\n",
		(unsigned long long)d->m.events_suppressed);
	fputs("# TYPE drift_events_lost_total counter\n", s.f);
	fprintf(s.f, "drift_events_lost_total %llu\n",
		(unsigned long long)d->m.events_lost);
	fputs("# TYPE drift_hook_requests_total counter\n", s.f);
	for (i = 0; i < 4; i++)
		fprintf(s.f, "drift_hook_requests_total{result=\"%s\"} %llu\n",
			hook_res[i], (unsigned long long)d->m.hook_requests[i]);
	fputs("# HELP drift_hook_latency_seconds Time driftd took to answer the OCI hook.\n"
	      "# TYPE drift_hook_latency_seconds histogram\n", s.f);
	for (i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++)
		fprintf(s.f, "drift_hook_latency_seconds_bucket{le=\"%g\"} %llu\n",
			buckets[i], (unsigned long long)d->m.hook_latency_bucket[i]);
	fprintf(s.f, "drift_hook_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)d->m.hook_latency_count);
	fprintf(s.f, "drift_hook_latency_seconds_sum %.6f\n", d->m.hook_latency_sum);
	fprintf(s.f, "drift_hook_latency_seconds_count %llu\n",
		(unsigned long long)d->m.hook_latency_count);
	fputs("# TYPE drift_layer_scans_total counter\n", s.f);
	fprintf(s.f, "drift_layer_scans_total %llu\n", (unsigned long long)d->m.layer_scans);
	fputs("# TYPE drift_layer_cache_hits_total counter\n", s.f);
	fprintf(s.f, "drift_layer_cache_hits_total %llu\n",
		(unsigned long long)d->m.layer_cache_hits);
	fputs("# TYPE drift_set_uploads_total counter\n", s.f);
	fprintf(s.f, "drift_set_uploads_total %llu\n", (unsigned long long)d->m.set_uploads);
	fputs("# TYPE drift_set_reuses_total counter\n", s.f);
	fprintf(s.f, "drift_set_reuses_total %llu\n", (unsigned long long)d->m.set_reuses);
	fputs("# TYPE drift_set_build_seconds_total counter\n", s.f);
	fprintf(s.f, "drift_set_build_seconds_total %.6f\n", d->m.set_build_seconds);
	fputs("# TYPE drift_bind_errors_total counter\n", s.f);
	fprintf(s.f, "drift_bind_errors_total %llu\n", (unsigned long long)d->m.bind_errors);
	fputs("# TYPE drift_unbinds_total counter\n", s.f);
	fprintf(s.f, "drift_unbinds_total %llu\n", (unsigned long long)d->m.unbinds);
	fputs("# HELP drift_unprotected_starts_total Containers the hook let start while driftd could not answer (fail-open).\n"
	      "# TYPE drift_unprotected_starts_total counter\n", s.f);
	fprintf(s.f, "drift_unprotected_starts_total %llu\n",
		(unsigned long long)d->m.unprotected_starts);
	fclose(s.f);
	return buf;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		ssize_t w;

		if (poll(&pf, 1, 1000) <= 0)
			return;
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

void metrics_accept(struct driftd *d)
{
	char req[2048], head[256];
	size_t n = 0, len = 0;
	char *body;
	int fd;

	fd = accept4(d->metrics_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	/* Read the request line and headers (1 s at most). */
	while (n < sizeof(req) - 1) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, 1000) <= 0)
			break;
		r = read(fd, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[n] = '\0';
	if (strncmp(req, "GET /metrics", 12) && strncmp(req, "GET / ", 6)) {
		const char *nf = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";

		send_all(fd, nf, strlen(nf));
		close(fd);
		return;
	}
	body = render(d, &len);
	snprintf(head, sizeof(head),
		 "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", body ? len : 0);
	send_all(fd, head, strlen(head));
	if (body)
		send_all(fd, body, len);
	free(body);
	close(fd);
}

/*
 * driftd: kernel events -> one line each in the event schema of
 * common/event.c (events-format json; docs/events.md), or Falco's JSON
 * output format (events-format falco).
 *
 * The event loop never waits for the output: a line is rendered in the
 * loop and appended to a bounded queue (EVENTS_QUEUE_BYTES); a writer
 * thread empties the queue into the file or stdout with blocking writes.
 * When the queue is full (a slow journal, a full disk, a stalled pipe)
 * the line is dropped and counted (drift_events_output_dropped_total).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driftd.h"
#include "event.h"
#include "log.h"
#include "names.h"

#define EVENTS_QUEUE_BYTES	(4u << 20)

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct drift_buf pending;	/* lines not yet written */
	size_t max;
	int fd;
	bool own_fd, started, stop;
	pthread_t thr;
	uint64_t lines, dropped, write_errors;
} q = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
	.max = EVENTS_QUEUE_BYTES, .fd = -1 };

int events_open(struct driftd *d)
{
	q.max = d->cfg.events_queue_bytes;
	if (!strcmp(d->cfg.events_output, "-")) {
		q.fd = STDOUT_FILENO;
		return 0;
	}
	q.fd = open(d->cfg.events_output, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640);
	if (q.fd < 0)
		return -errno;
	q.own_fd = true;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *writer(void *arg)
{
	struct drift_buf mine = DRIFT_BUF_INIT;
	int err;

	(void)arg;
	/* Cancelled by events_close() only while blocked in a write. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	for (;;) {
		struct drift_buf t;

		pthread_mutex_lock(&q.mu);
		while (!q.pending.len && !q.stop)
			pthread_cond_wait(&q.cv, &q.mu);
		if (!q.pending.len && q.stop) {
			pthread_mutex_unlock(&q.mu);
			break;
		}
		t = q.pending;
		q.pending = mine;
		mine = t;
		pthread_mutex_unlock(&q.mu);
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		err = write_all(q.fd, mine.data, mine.len);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (err) {
			pthread_mutex_lock(&q.mu);
			q.write_errors++;
			pthread_mutex_unlock(&q.mu);
			/* Logged once per burst; the count is in the metrics. */
			static time_t last;
			time_t now = time(NULL);

			if (now != last)
				log_err("events output: %s; lines are lost until it works",
					strerror(-err));
			last = now;
		}
		drift_buf_reset(&mine);
	}
	drift_buf_free(&mine);
	return NULL;
}

int events_start(struct driftd *d)
{
	int ret;

	(void)d;
	ret = pthread_create(&q.thr, NULL, writer, NULL);
	if (ret)
		return -ret;
	q.started = true;
	return 0;
}

void events_close(struct driftd *d)
{
	(void)d;
	pthread_mutex_lock(&q.mu);
	q.stop = true;
	pthread_cond_signal(&q.cv);
	pthread_mutex_unlock(&q.mu);
	if (q.started) {
		/* Flush what is queued, but do not hang on a stalled output. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 2;
		if (pthread_timedjoin_np(q.thr, NULL, &ts) != 0) {
			size_t left;

			pthread_mutex_lock(&q.mu);
			left = q.pending.len;
			pthread_mutex_unlock(&q.mu);
			log_warn("events output stalled: %zu queued bytes not written at exit",
				 left);
			pthread_cancel(q.thr);
			pthread_join(q.thr, NULL);
		}
	}
	else if (q.pending.len && q.fd >= 0)
		write_all(q.fd, q.pending.data, q.pending.len);
	q.started = false;
	drift_buf_free(&q.pending);
	if (q.own_fd)
		close(q.fd);
	q.fd = -1;
}

void events_output_stats(struct events_output_stats *s)
{
	pthread_mutex_lock(&q.mu);
	s->lines = q.lines;
	s->dropped = q.dropped;
	s->write_errors = q.write_errors;
	s->queued_bytes = q.pending.len;
	pthread_mutex_unlock(&q.mu);
}

/* Queues one rendered line (never blocks on the output). */
static void enqueue(const struct drift_buf *line)
{
	pthread_mutex_lock(&q.mu);
	if (q.pending.len + line->len > q.max ||
	    drift_buf_append(&q.pending, line->data, line->len)) {
		q.dropped++;
	} else {
		q.lines++;
		pthread_cond_signal(&q.cv);
	}
	pthread_mutex_unlock(&q.mu);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void events_fill(struct drift_event *e, const struct dk_event *ev,
		 const struct container *c, const char *host)
{
	memset(e, 0, sizeof(*e));
	e->time_ns = ev->time_ns;
	e->host = host;
	e->op = ev->op;
	e->action = ev->action;
	e->reason = ev->reason;
	e->mode = ev->mode;
	e->has_cgroup_id = true;
	e->cgroup_id = ev->cgroup_id;
	e->binding = ev->has_binding ? ev->binding : NULL;
	e->set = ev->set[0] ? ev->set : NULL;
	e->has_pid = true;
	e->pid = ev->pid;
	e->ppid = ev->ppid;
	e->uid = ev->uid;
	e->comm = ev->comm;
	e->path = ev->path;
	e->has_file = ev->has_file;
	e->dev_major = ev->file.dev_major;
	e->dev_minor = ev->file.dev_minor;
	e->ino = ev->file.ino;
	e->suppressed = ev->suppressed;
	if (c) {
		e->container_id = c->id;
		e->container_name = c->name;
		e->pod = c->pod;
		e->namespace_ = c->namespace_;
		e->image = c->image;
	}
}

void events_on_kernel(const struct dk_event *ev, void *arg)
{
	struct driftd *d = arg;
	struct drift_buf line = DRIFT_BUF_INIT;
	const struct container *c;
	struct drift_event e;
	int ret;

	c = container_find_event(d, ev->has_binding ? ev->binding : NULL,
				 ev->cgroup_id);
	if (ev->reason >= 0 && ev->reason <= DRIFT_REASON_MAX &&
	    ev->action >= 0 && ev->action <= DRIFT_ACTION_MAX)
		d->m.events[ev->reason][ev->action]++;
	d->m.events_suppressed += ev->suppressed;
	events_fill(&e, ev, c, d->hostname);
	if (d->cfg.events_format == EVENTS_FALCO)
		ret = drift_event_falco(&line, &e);
	else
		ret = drift_event_json(&line, &e);
	if (ret) {
		pthread_mutex_lock(&q.mu);
		q.dropped++;
		pthread_mutex_unlock(&q.mu);
	} else {
		enqueue(&line);
	}
	drift_buf_free(&line);
}

void events_emit_notice(struct driftd *d, const char *kind,
			const struct container *c, const char *id,
			const char *message)
{
	struct drift_buf line = DRIFT_BUF_INIT;
	struct drift_notice n = {
		.time_ns = now_ns(), .host = d->hostname, .notice = kind,
		.container_id = c ? c->id : id,
		.container_name = c ? c->name : NULL,
		.pod = c ? c->pod : NULL,
		.namespace_ = c ? c->namespace_ : NULL,
		.image = c ? c->image : NULL,
		.message = message,
	};
	int ret;

	if (d->cfg.events_format == EVENTS_FALCO)
		ret = drift_notice_falco(&line, &n);
	else
		ret = drift_notice_json(&line, &n);
	if (ret) {
		pthread_mutex_lock(&q.mu);
		q.dropped++;
		pthread_mutex_unlock(&q.mu);
	} else {
		enqueue(&line);
	}
	drift_buf_free(&line);
}

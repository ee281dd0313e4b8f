/*
 * driftd: kernel events -> one JSON object per line (events-format json), or
 * Falco's JSON output format (events-format falco) for Falco consumers such
 * as falcosidekick. Field reference: docs/driftd.md.
 */
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "driftd.h"
#include "log.h"
#include "names.h"

static const char *reason_name(int r)
{
	const char *n = r >= 0 ? drift_reason_name((unsigned)r) : NULL;

	return n ? n : "unknown";
}

static const char *action_name(int a)
{
	const char *n = a >= 0 ? drift_action_name((unsigned)a) : NULL;

	return n ? n : "unknown";
}

int events_open(struct driftd *d)
{
	if (!strcmp(d->cfg.events_output, "-")) {
		d->events_out = stdout;
		return 0;
	}
	d->events_out = fopen(d->cfg.events_output, "ae");
	if (!d->events_out)
		return -errno;
	return 0;
}

static void rfc3339(uint64_t ns, char *buf, size_t n)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char base[32];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%09lluZ", base,
		 (unsigned long long)(ns % 1000000000ull));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void write_line(struct driftd *d, json_object *o)
{
	fprintf(d->events_out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(d->events_out);
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static json_object *falco_event(struct driftd *d, const struct dk_event *ev,
				const struct container *c, const char *when)
{
	json_object *o = json_object_new_object(), *f = json_object_new_object();
	json_object *tags = json_object_new_array();
	bool deny = ev->action == DRIFT_ACTION_DENY;
	char out[DRIFT_PATH_MAX + 1024];

	snprintf(out, sizeof(out),
		 "%s: %s Drift detected: exec of a file not in the container image %s "
		 "(reason=%s container.id=%s container.name=%s image=%s k8s.ns=%s "
		 "k8s.pod=%s proc.exepath=%s proc.pcomm=%s proc.pid=%u user.uid=%u)",
		 when, deny ? "Critical" : "Warning", deny ? "denied" : "audited",
		 reason_name(ev->reason), c ? c->id : ev->binding,
		 c && c->name ? c->name : "<NA>",
		 c && c->image ? c->image : "<NA>",
		 c && c->namespace_ ? c->namespace_ : "<NA>",
		 c && c->pod ? c->pod : "<NA>", ev->path, ev->comm, ev->pid,
		 ev->uid);
	add_str(o, "output", out);
	add_str(o, "priority", deny ? "Critical" : "Warning");
	add_str(o, "rule", deny ? "Drift: exec not in image denied"
				: "Drift: exec not in image");
	add_str(o, "source", "syscall");
	add_str(o, "time", when);
	add_str(o, "hostname", d->hostname);
	json_object_array_add(tags, json_object_new_string("container"));
	json_object_array_add(tags, json_object_new_string("drift"));
	json_object_array_add(tags, json_object_new_string("mitre_execution"));
	json_object_object_add(o, "tags", tags);
	add_str(f, "container.id", c ? c->id : (ev->has_binding ? ev->binding : "host"));
	add_str(f, "container.name", c ? c->name : NULL);
	add_str(f, "container.image.repository", c ? c->image : NULL);
	add_str(f, "k8s.ns.name", c ? c->namespace_ : NULL);
	add_str(f, "k8s.pod.name", c ? c->pod : NULL);
	add_str(f, "evt.type", "execve");
	add_str(f, "evt.res", deny ? "EACCES" : "SUCCESS");
	add_str(f, "proc.name", basename_of(ev->path));
	add_str(f, "proc.exepath", ev->path);
	add_str(f, "proc.pcomm", ev->comm);
	json_object_object_add(f, "proc.pid", json_object_new_int64(ev->pid));
	json_object_object_add(f, "proc.ppid", json_object_new_int64(ev->ppid));
	json_object_object_add(f, "user.uid", json_object_new_int64(ev->uid));
	add_str(f, "drift.reason", reason_name(ev->reason));
	add_str(f, "drift.action", action_name(ev->action));
	add_str(f, "drift.mode", config_mode_name(ev->mode));
	json_object_object_add(f, "drift.suppressed",
			       json_object_new_int64(ev->suppressed));
	json_object_object_add(o, "output_fields", f);
	return o;
}

void events_on_kernel(const struct dk_event *ev, void *arg)
{
	struct driftd *d = arg;
	const struct container *c = NULL;
	char when[64], dev[32];
	json_object *o;

	c = container_find_event(d, ev->has_binding ? ev->binding : NULL,
				 ev->cgroup_id);
	if (ev->reason >= 0 && ev->reason <= DRIFT_REASON_MAX &&
	    ev->action >= 0 && ev->action <= DRIFT_ACTION_MAX)
		d->m.events[ev->reason][ev->action]++;
	d->m.events_suppressed += ev->suppressed;
	rfc3339(ev->time_ns, when, sizeof(when));

	if (d->cfg.events_format == EVENTS_FALCO) {
		o = falco_event(d, ev, c, when);
	} else {
		o = json_object_new_object();
		add_str(o, "time", when);
		json_object_object_add(o, "time_ns", json_object_new_uint64(ev->time_ns));
		add_str(o, "host", d->hostname);
		add_str(o, "kind", "exec");
		add_str(o, "action", action_name(ev->action));
		add_str(o, "reason", reason_name(ev->reason));
		add_str(o, "mode", config_mode_name(ev->mode));
		add_str(o, "container_id", c ? c->id : (ev->has_binding ? ev->binding : NULL));
		add_str(o, "container_name", c ? c->name : NULL);
		add_str(o, "pod", c ? c->pod : NULL);
		add_str(o, "namespace", c ? c->namespace_ : NULL);
		add_str(o, "image", c ? c->image : NULL);
		json_object_object_add(o, "cgroup_id", json_object_new_uint64(ev->cgroup_id));
		add_str(o, "binding", ev->has_binding ? ev->binding : NULL);
		add_str(o, "set", ev->set[0] ? ev->set : NULL);
		json_object_object_add(o, "pid", json_object_new_int64(ev->pid));
		json_object_object_add(o, "ppid", json_object_new_int64(ev->ppid));
		json_object_object_add(o, "uid", json_object_new_int64(ev->uid));
		add_str(o, "comm", ev->comm);
		add_str(o, "path", ev->path);
		if (ev->has_file) {
			snprintf(dev, sizeof(dev), "%u:%u", ev->file.dev_major,
				 ev->file.dev_minor);
			add_str(o, "dev", dev);
			json_object_object_add(o, "ino", json_object_new_uint64(ev->file.ino));
		}
		json_object_object_add(o, "suppressed", json_object_new_int64(ev->suppressed));
	}
	write_line(d, o);
	json_object_put(o);
}

void events_emit_notice(struct driftd *d, const char *kind,
			const struct container *c, const char *id,
			const char *message)
{
	char when[64];
	json_object *o = json_object_new_object();

	rfc3339(now_ns(), when, sizeof(when));
	if (d->cfg.events_format == EVENTS_FALCO) {
		json_object *f = json_object_new_object();
		char out[1536];

		snprintf(out, sizeof(out), "%s: Critical driftd %s (container.id=%s %s)",
			 when, kind, c ? c->id : id, message);
		add_str(o, "output", out);
		add_str(o, "priority", "Critical");
		add_str(o, "rule", "Drift: container not protected");
		add_str(o, "source", "driftd");
		add_str(o, "time", when);
		add_str(o, "hostname", d->hostname);
		add_str(f, "container.id", c ? c->id : id);
		add_str(f, "drift.notice", kind);
		json_object_object_add(o, "output_fields", f);
	} else {
		add_str(o, "time", when);
		add_str(o, "host", d->hostname);
		add_str(o, "kind", kind);
		add_str(o, "container_id", c ? c->id : id);
		add_str(o, "container_name", c ? c->name : NULL);
		add_str(o, "image", c ? c->image : NULL);
		add_str(o, "message", message);
	}
	write_line(d, o);
	json_object_put(o);
}

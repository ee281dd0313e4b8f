// SPDX-License-Identifier: GPL-2.0 OR MIT
/* drift common: the event schema's renderings (see event.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "names.h"

#define TRY(x) do { if ((x) != 0) return -1; } while (0)

bool drift_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned cp;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n;
	}
	return true;
}

int drift_base64(struct drift_buf *b, const void *data, size_t len)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		char q[4] = { tbl[p[i] >> 2], tbl[(p[i] & 3) << 4 | p[i + 1] >> 4],
			      tbl[(p[i + 1] & 15) << 2 | p[i + 2] >> 6],
			      tbl[p[i + 2] & 63] };

		TRY(drift_buf_append(b, q, 4));
	}
	if (len - i == 1) {
		char q[4] = { tbl[p[i] >> 2], tbl[(p[i] & 3) << 4], '=', '=' };

		TRY(drift_buf_append(b, q, 4));
	} else if (len - i == 2) {
		char q[4] = { tbl[p[i] >> 2], tbl[(p[i] & 3) << 4 | p[i + 1] >> 4],
			      tbl[(p[i + 1] & 15) << 2], '=' };

		TRY(drift_buf_append(b, q, 4));
	}
	return 0;
}

void drift_time_rfc3339(char out[40], uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char base[32];

	if (!gmtime_r(&s, &tm) ||
	    !strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(base, sizeof(base), "1970-01-01T00:00:00");
	snprintf(out, 40, "%.24s.%09" PRIu64 "Z", base, (uint64_t)(ns % 1000000000u));
}

void drift_image_split(const char *image, char *repo, size_t repolen,
		       char *tag, size_t taglen, char *digest, size_t diglen)
{
	const char *at, *slash, *colon;
	size_t rlen;

	repo[0] = tag[0] = digest[0] = '\0';
	if (!image)
		return;
	at = strchr(image, '@');
	rlen = at ? (size_t)(at - image) : strlen(image);
	if (at)
		snprintf(digest, diglen, "%s", at + 1);
	/* The last '/' before the digest; a ':' after it starts the tag. */
	slash = NULL;
	colon = NULL;
	for (const char *p = image; p < image + rlen; p++) {
		if (*p == '/') {
			slash = p;
			colon = NULL;
		} else if (*p == ':') {
			colon = p;
		}
	}
	(void)slash;
	if (colon) {
		snprintf(tag, taglen, "%.*s", (int)(image + rlen - colon - 1),
			 colon + 1);
		rlen = (size_t)(colon - image);
	}
	snprintf(repo, repolen, "%.*s", (int)rlen, image);
}

/* Is s (len bytes) made only of the characters Kubernetes uses for
 * generated name suffixes (k8s.io/apimachinery rand.String: no vowels,
 * no 0, 1, 3)? */
static bool k8s_rand(const char *s, size_t len)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(alphabet, s[i]) || !s[i])
			return false;
	return len > 0;
}

static bool all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

void drift_workload_name(const char *pod, const char *image, char *out,
			 size_t n)
{
	char repo[512], tag[256], dig[256];
	const char *dash;
	size_t len;

	if (!n)
		return;
	if (!pod || !*pod) {
		drift_image_split(image, repo, sizeof(repo), tag, sizeof(tag),
				  dig, sizeof(dig));
		snprintf(out, n, "%s", repo[0] ? repo : "unknown");
		return;
	}
	len = strlen(pod);
	dash = memrchr(pod, '-', len);
	if (dash && dash > pod && k8s_rand(dash + 1, len - (size_t)(dash - pod) - 1) &&
	    len - (size_t)(dash - pod) - 1 == 5) {
		/* Deployment (-<hash>-<5>), DaemonSet, Job (-<5>), CronJob
		 * (-<minutes>-<5>) */
		const char *d2;

		len = (size_t)(dash - pod);
		d2 = memrchr(pod, '-', len);
		if (d2 && d2 > pod) {
			size_t sl = len - (size_t)(d2 - pod) - 1;

			if ((sl >= 6 && sl <= 10 && k8s_rand(d2 + 1, sl)) ||
			    (sl >= 8 && all_digits(d2 + 1, sl)))
				len = (size_t)(d2 - pod);
		}
	} else if (dash && dash > pod &&
		   all_digits(dash + 1, len - (size_t)(dash - pod) - 1)) {
		len = (size_t)(dash - pod);	/* StatefulSet ordinal */
	}
	snprintf(out, n, "%.*s", (int)len, pod);
}

/* ---- JSON ------------------------------------------------------------ */

static int key(struct drift_buf *b, bool *first, const char *k)
{
	TRY(drift_buf_puts(b, *first ? "{\"" : ",\""));
	*first = false;
	TRY(drift_buf_puts(b, k));
	return drift_buf_puts(b, "\":");
}

static int kstr(struct drift_buf *b, bool *first, const char *k, const char *v)
{
	TRY(key(b, first, k));
	return drift_json_escape(b, v);
}

/* A string from the container: the lossy form, and its bytes in base64
 * when they are not valid UTF-8. */
static int kraw(struct drift_buf *b, bool *first, const char *k, const char *v)
{
	char k64[32];

	TRY(kstr(b, first, k, v));
	if (!v || drift_utf8_valid(v, strlen(v)))
		return 0;
	snprintf(k64, sizeof(k64), "%s_b64", k);
	TRY(key(b, first, k64));
	TRY(drift_buf_putc(b, '"'));
	TRY(drift_base64(b, v, strlen(v)));
	return drift_buf_putc(b, '"');
}

static int ku64s(struct drift_buf *b, bool *first, const char *k, bool has,
		 uint64_t v)
{
	TRY(key(b, first, k));
	if (!has)
		return drift_buf_puts(b, "null");
	return drift_buf_printf(b, "\"%" PRIu64 "\"", v);
}

static int knum(struct drift_buf *b, bool *first, const char *k, bool has,
		uint64_t v)
{
	TRY(key(b, first, k));
	if (!has)
		return drift_buf_puts(b, "null");
	return drift_buf_printf(b, "%" PRIu64, v);
}

/* Enum name, its number as a string when this build does not know it. */
static int kenum(struct drift_buf *b, bool *first, const char *k, int v,
		 const char *(*name)(unsigned int))
{
	char num[16];
	const char *s;

	if (v < 0)
		return kstr(b, first, k, NULL);
	s = name((unsigned)v);
	if (!s) {
		snprintf(num, sizeof(num), "%d", v);
		s = num;
	}
	return kstr(b, first, k, s);
}

static const char *op_or_exec(int op)
{
	const char *s = op >= 0 ? drift_op_name((unsigned)op) : NULL;

	return s ? s : "exec";
}

int drift_event_json(struct drift_buf *b, const struct drift_event *ev)
{
	char when[40], dev[32];
	bool f = true;

	drift_time_rfc3339(when, ev->time_ns);
	TRY(knum(b, &f, "schema", true, DRIFT_EVENT_SCHEMA));
	TRY(kstr(b, &f, "kind", "drift"));
	TRY(kstr(b, &f, "time", when));
	TRY(ku64s(b, &f, "time_ns", true, ev->time_ns));
	TRY(kstr(b, &f, "host", ev->host));
	TRY(kenum(b, &f, "op", ev->op < 0 ? DRIFT_OP_EXEC : ev->op, drift_op_name));
	TRY(kenum(b, &f, "action", ev->action, drift_action_name));
	TRY(kenum(b, &f, "reason", ev->reason, drift_reason_name));
	TRY(kenum(b, &f, "mode", ev->mode, drift_mode_name));
	TRY(kstr(b, &f, "container_id", ev->container_id));
	TRY(kstr(b, &f, "container_name", ev->container_name));
	TRY(kstr(b, &f, "pod", ev->pod));
	TRY(kstr(b, &f, "namespace", ev->namespace_));
	TRY(kstr(b, &f, "image", ev->image));
	TRY(kstr(b, &f, "binding", ev->binding));
	TRY(kstr(b, &f, "set", ev->set));
	TRY(ku64s(b, &f, "cgroup_id", ev->has_cgroup_id, ev->cgroup_id));
	TRY(knum(b, &f, "pid", ev->has_pid, ev->pid));
	TRY(knum(b, &f, "ppid", ev->has_pid, ev->ppid));
	TRY(knum(b, &f, "uid", ev->has_pid, ev->uid));
	TRY(kraw(b, &f, "comm", ev->comm));
	TRY(kraw(b, &f, "path", ev->path));
	snprintf(dev, sizeof(dev), "%" PRIu32 ":%" PRIu32, ev->dev_major,
		 ev->dev_minor);
	TRY(kstr(b, &f, "dev", ev->has_file ? dev : NULL));
	TRY(ku64s(b, &f, "ino", ev->has_file, ev->ino));
	TRY(knum(b, &f, "suppressed", true, ev->suppressed));
	return drift_buf_puts(b, "}\n");
}

int drift_notice_json(struct drift_buf *b, const struct drift_notice *n)
{
	char when[40];
	bool f = true;

	drift_time_rfc3339(when, n->time_ns);
	TRY(knum(b, &f, "schema", true, DRIFT_EVENT_SCHEMA));
	TRY(kstr(b, &f, "kind", n->notice));
	TRY(kstr(b, &f, "time", when));
	TRY(ku64s(b, &f, "time_ns", true, n->time_ns));
	TRY(kstr(b, &f, "host", n->host));
	TRY(kstr(b, &f, "container_id", n->container_id));
	TRY(kstr(b, &f, "container_name", n->container_name));
	TRY(kstr(b, &f, "pod", n->pod));
	TRY(kstr(b, &f, "namespace", n->namespace_));
	TRY(kstr(b, &f, "image", n->image));
	TRY(kstr(b, &f, "message", n->message));
	return drift_buf_puts(b, "}\n");
}

/* ---- Falco ----------------------------------------------------------- */

/* key=value for the output text; value escaped for a terminal. */
static int okv(struct drift_buf *b, const char *k, const char *v)
{
	TRY(drift_buf_printf(b, " %s=", k));
	if (!v || !*v)
		return drift_buf_puts(b, "<NA>");
	return drift_text_escape(b, v);
}

static const char *basename_of(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p;
}

static int falco_container(struct drift_buf *b, bool *f, const char *id,
			   const char *name, const char *image,
			   const char *ns, const char *pod)
{
	char repo[512], tag[256], dig[256], shortid[16];

	drift_image_split(image, repo, sizeof(repo), tag, sizeof(tag), dig,
			  sizeof(dig));
	if (id)
		snprintf(shortid, sizeof(shortid), "%.12s", id);
	TRY(kstr(b, f, "container.id", id ? shortid : NULL));
	TRY(kstr(b, f, "container.full_id", id));
	TRY(kstr(b, f, "container.name", name));
	TRY(kstr(b, f, "container.image", image));
	TRY(kstr(b, f, "container.image.repository", repo[0] ? repo : NULL));
	TRY(kstr(b, f, "container.image.tag", tag[0] ? tag : NULL));
	TRY(kstr(b, f, "container.image.digest", dig[0] ? dig : NULL));
	TRY(kstr(b, f, "k8s.ns.name", ns));
	return kstr(b, f, "k8s.pod.name", pod);
}

static int falco_head(struct drift_buf *b, const char *priority,
		      const char *rule, const char *when, const char *host,
		      const char *tags)
{
	TRY(drift_buf_printf(b, ",\"priority\":\"%s\",\"rule\":", priority));
	TRY(drift_json_escape(b, rule));
	TRY(drift_buf_printf(b, ",\"source\":\"drift\",\"time\":\"%s\",\"hostname\":",
			     when));
	TRY(drift_json_escape(b, host ? host : ""));
	return drift_buf_printf(b, ",\"tags\":[%s]", tags);
}

int drift_event_falco(struct drift_buf *b, const struct drift_event *ev)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	bool deny = ev->action == DRIFT_ACTION_DENY, f = true;
	const char *prio = deny ? "Critical" : "Warning";
	const char *op = op_or_exec(ev->op);
	const char *reason = ev->reason >= 0 ?
		drift_reason_name((unsigned)ev->reason) : NULL;
	const char *mode = ev->mode >= 0 ? drift_mode_name((unsigned)ev->mode) : NULL;
	const char *action = ev->action >= 0 ?
		drift_action_name((unsigned)ev->action) : NULL;
	char when[40], clock[32], rule[96], shortid[16];
	int ret = -1;

	drift_time_rfc3339(when, ev->time_ns);
	/* Falco starts its output with evt.time: "HH:MM:SS.nnnnnnnnn". */
	snprintf(clock, sizeof(clock), "%.18s", when + 11);
	snprintf(rule, sizeof(rule), "Drift: %s of a file not in the container image",
		 op);
	if (ev->container_id)
		snprintf(shortid, sizeof(shortid), "%.12s", ev->container_id);
	if (drift_buf_printf(&out, "%s: %s %s %s (", clock, prio,
			     deny ? "Denied" : "Audited", rule + 7) ||
	    drift_buf_printf(&out, "reason=%s", reason ? reason : "<NA>") ||
	    okv(&out, "proc.exepath", ev->path) ||
	    okv(&out, "proc.name", basename_of(ev->path)) ||
	    drift_buf_printf(&out, " proc.pid=%" PRIu32 " proc.ppid=%" PRIu32
			     " user.uid=%" PRIu32, ev->pid, ev->ppid, ev->uid) ||
	    okv(&out, "container.id", ev->container_id ? shortid : NULL) ||
	    okv(&out, "container.name", ev->container_name) ||
	    okv(&out, "image", ev->image) ||
	    okv(&out, "k8s.ns", ev->namespace_) ||
	    okv(&out, "k8s.pod", ev->pod) ||
	    drift_buf_putc(&out, ')'))
		goto out;
	if (drift_buf_puts(b, "{\"output\":") ||
	    drift_json_escape_n(b, out.data, out.len) ||
	    falco_head(b, prio, rule, when, ev->host,
		       "\"container\",\"drift\",\"mitre_execution\",\"T1059\"") ||
	    drift_buf_puts(b, ",\"output_fields\":"))
		goto out;
	if (falco_container(b, &f, ev->container_id, ev->container_name,
			    ev->image, ev->namespace_, ev->pod) ||
	    kstr(b, &f, "evt.type", op[0] == 'e' ? "execve" : op) ||
	    kstr(b, &f, "evt.res", deny ? "EACCES" : "SUCCESS") ||
	    knum(b, &f, "evt.time", true, ev->time_ns) ||
	    kstr(b, &f, "proc.name", basename_of(ev->path)) ||
	    kstr(b, &f, "proc.exepath", ev->path) ||
	    knum(b, &f, "proc.pid", ev->has_pid, ev->pid) ||
	    knum(b, &f, "proc.ppid", ev->has_pid, ev->ppid) ||
	    knum(b, &f, "user.uid", ev->has_pid, ev->uid) ||
	    kstr(b, &f, "drift.op", op) ||
	    kstr(b, &f, "drift.reason", reason) ||
	    kstr(b, &f, "drift.action", action) ||
	    kstr(b, &f, "drift.mode", mode) ||
	    kstr(b, &f, "drift.comm", ev->comm) ||
	    kstr(b, &f, "drift.binding", ev->binding) ||
	    ku64s(b, &f, "drift.cgroup_id", ev->has_cgroup_id, ev->cgroup_id) ||
	    knum(b, &f, "drift.suppressed", true, ev->suppressed) ||
	    drift_buf_puts(b, "}}\n"))
		goto out;
	ret = 0;
out:
	drift_buf_free(&out);
	return ret;
}

int drift_notice_falco(struct drift_buf *b, const struct drift_notice *n)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	char when[40], clock[32];
	bool f = true;
	int ret = -1;

	drift_time_rfc3339(when, n->time_ns);
	snprintf(clock, sizeof(clock), "%.18s", when + 11);
	if (drift_buf_printf(&out, "%s: Critical Drift: container not protected (",
			     clock) ||
	    drift_buf_puts(&out, "drift.notice=") ||
	    drift_text_escape(&out, n->notice ? n->notice : "<NA>") ||
	    okv(&out, "container.id", n->container_id) ||
	    okv(&out, "container.name", n->container_name) ||
	    okv(&out, "image", n->image) ||
	    okv(&out, "k8s.ns", n->namespace_) ||
	    okv(&out, "k8s.pod", n->pod) ||
	    okv(&out, "message", n->message) ||
	    drift_buf_putc(&out, ')'))
		goto out;
	if (drift_buf_puts(b, "{\"output\":") ||
	    drift_json_escape_n(b, out.data, out.len) ||
	    falco_head(b, "Critical", "Drift: container not protected", when,
		       n->host, "\"container\",\"drift\"") ||
	    drift_buf_puts(b, ",\"output_fields\":"))
		goto out;
	if (falco_container(b, &f, n->container_id, n->container_name,
			    n->image, n->namespace_, n->pod) ||
	    knum(b, &f, "evt.time", true, n->time_ns) ||
	    kstr(b, &f, "drift.notice", n->notice) ||
	    kstr(b, &f, "drift.message", n->message) ||
	    drift_buf_puts(b, "}}\n"))
		goto out;
	ret = 0;
out:
	drift_buf_free(&out);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drift common: the event schema (docs/events.md, docs/event.schema.json).
 *
 * One function builds the JSON line of an event; driftd (its event log) and
 * `driftctl monitor --json` both call it, so the same kernel event reads the
 * same in both. The Falco rendering (driftd's events-format falco) is here
 * too, built from the same struct.
 *
 * Rules every rendering follows:
 *   - "schema" is DRIFT_EVENT_SCHEMA; a field is never renamed or retyped
 *     within one schema version (new fields may be added);
 *   - 64-bit identifiers (time_ns, cgroup_id, ino) are decimal strings;
 *   - "time" is RFC 3339 in UTC with nanoseconds;
 *   - every string is valid UTF-8 JSON: a byte that is not part of valid
 *     UTF-8 becomes U+FFFD, and for "path" and "comm" (bytes from the
 *     container) the exact bytes are then given as base64 in "path_b64" /
 *     "comm_b64" (those keys appear only in that case).
 */
#ifndef DRIFT_COMMON_EVENT_H
#define DRIFT_COMMON_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define DRIFT_EVENT_SCHEMA	1

/* A kernel event (DRIFT_CMD_EVENT) with what is known of its container. */
struct drift_event {
	uint64_t time_ns;		/* CLOCK_REALTIME */
	const char *host;		/* node name; NULL: null */
	int op, action, reason, mode;	/* protocol enums; -1: unknown */
	bool has_cgroup_id;
	uint64_t cgroup_id;
	const char *binding, *set;	/* NULL: default policy / none */
	bool has_pid;			/* pid, ppid, uid present */
	uint32_t pid, ppid, uid;
	const char *comm, *path;	/* NUL-terminated, any bytes */
	bool has_file;
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	uint32_t suppressed;
	/* From driftd's container records; NULL when not known. */
	const char *container_id, *container_name, *pod, *namespace_, *image;
};

/* A driftd notice (a container it could not protect, ...). */
struct drift_notice {
	uint64_t time_ns;
	const char *host;
	const char *notice;		/* the JSON "kind": "bind_failed",
					 * "unprotected_start" */
	const char *container_id, *container_name, *pod, *namespace_, *image;
	const char *message;
};

/*
 * Appends one JSON object and '\n'. Returns 0 or -1 (ENOMEM; the buffer
 * may then hold a partial line: reset it).
 */
int drift_event_json(struct drift_buf *b, const struct drift_event *ev);
int drift_notice_json(struct drift_buf *b, const struct drift_notice *n);

/*
 * Falco's JSON output format (one alert per line): output, priority,
 * rule, time, source ("drift"), tags, hostname and output_fields named as
 * Falco names them (container.id is the 12-character short id,
 * container.full_id the whole id, evt.time nanoseconds). Values in
 * "output" are escaped with drift_text_escape (no control character,
 * no invalid UTF-8 can reach a terminal or forge a line).
 */
int drift_event_falco(struct drift_buf *b, const struct drift_event *ev);
int drift_notice_falco(struct drift_buf *b, const struct drift_notice *n);

/* "2026-12-01T12:00:00.123456789Z" */
void drift_time_rfc3339(char out[40], uint64_t ns);

/*
 * Splits an image reference "[registry/]repo[:tag][@digest]" into its
 * repository, tag and digest (each "" when absent; truncated to the
 * given sizes). A ':' before the last '/' is a registry port, not a tag.
 */
void drift_image_split(const char *image, char *repo, size_t repolen,
		       char *tag, size_t taglen, char *digest, size_t diglen);

/* Appends base64 (RFC 4648, with padding) of len bytes. 0 or -1. */
int drift_base64(struct drift_buf *b, const void *data, size_t len);

/* Is s[0..len) valid UTF-8 (no overlong forms, surrogates, > U+10FFFF)? */
bool drift_utf8_valid(const char *s, size_t len);

/*
 * The workload a container belongs to, for bounded metric labels: the
 * pod name without the suffixes Kubernetes generates (ReplicaSet hash and
 * pod id "-<hash>-<5>", "-<5>", StatefulSet ordinal "-N"); without a pod,
 * the image repository; without either, "unknown". Writes at most n bytes.
 */
void drift_workload_name(const char *pod, const char *image, char *out,
			 size_t n);

#endif

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * drift common: driftd's container record (see record.h). One table below
 * is the schema: the writer and the parser both walk it, so a key, its
 * type and its bound are spelled once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drift_netlink.h"
#include "names.h"
#include "record.h"
#include "util.h"

enum field_type {
	F_STR,		/* char *, at most .max bytes */
	F_U64,		/* uint64_t, > 0 */
	F_MODE,		/* int: enum drift_mode by name, -1 absent */
	F_INT,		/* int */
	F_I64,		/* int64_t */
	F_BOOL,		/* bool */
	F_STRV,		/* char **, count at .noff, at most .max entries */
};

struct field {
	const char *key;
	enum field_type type;
	size_t off, noff;
	size_t max;
	bool required;
};

#define AT(m)		offsetof(struct drift_record, m)
#define STR(k, m, max)	{ k, F_STR, AT(m), 0, max, false }
#define STRV(k, m, n)	{ k, F_STRV, AT(m), AT(n), DRIFT_RECORD_STRV_MAX, false }

/* In the order driftd has always written them: records stay byte-equal. */
static const struct field fields[] = {
	{ "id", F_STR, AT(id), 0, DRIFT_RECORD_ID_MAX, true },
	STR("name", name, DRIFT_RECORD_STR_MAX),
	STR("pod", pod, DRIFT_RECORD_STR_MAX),
	STR("namespace", namespace_, DRIFT_RECORD_STR_MAX),
	STR("image", image, DRIFT_RECORD_STR_MAX),
	STR("cgroup", cgroup, DRIFT_RECORD_STR_MAX),
	{ "cgroup_id", F_U64, AT(cgroup_id), 0, 0, true },
	STR("set", set, DRIFT_NAME_MAX - 1),
	{ "mode", F_MODE, AT(mode), 0, 0, false },
	STR("mode_source", mode_source, DRIFT_RECORD_STR_MAX),
	{ "lib_mode", F_MODE, AT(lib_mode), 0, 0, false },
	STR("lib_mode_source", lib_mode_source, DRIFT_RECORD_STR_MAX),
	STR("bundle", bundle, DRIFT_RECORD_STR_MAX),
	{ "pid", F_INT, AT(pid), 0, 0, false },
	{ "created", F_I64, AT(created), 0, 0, false },
	{ "snapshot", F_BOOL, AT(snapshot), 0, 0, false },
	STRV("layers", layers, nlayers),
	STRV("exceptions", exceptions, nexceptions),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
#define FIELD(r, f, type) ((type *)((char *)(r) + (f)->off))
#define CFIELD(r, f, type) ((const type *)((const char *)(r) + (f)->off))

void drift_record_init(struct drift_record *r)
{
	memset(r, 0, sizeof(*r));
	r->mode = -1;
	r->lib_mode = -1;
}

void drift_record_free(struct drift_record *r)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];

		if (f->type == F_STR)
			free(*FIELD(r, f, char *));
		else if (f->type == F_STRV)
			drift_strv_free(*FIELD(r, f, char **),
					*(size_t *)((char *)r + f->noff));
	}
	drift_record_init(r);
}

/* ---- writing ---- */

static json_object *strv_json(char *const *v, size_t n)
{
	json_object *a = json_object_new_array(), *s;
	size_t i;

	for (i = 0; a && i < n; i++) {
		s = json_object_new_string(v[i] ? v[i] : "");
		if (!s || json_object_array_add(a, s)) {
			json_object_put(s);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

/* The value of one field, NULL when it is left out (or out of memory). */
static json_object *field_json(const struct drift_record *r,
			       const struct field *f)
{
	const char *s;
	int m;

	switch (f->type) {
	case F_STR:
		s = *CFIELD(r, f, char *);
		return s ? json_object_new_string(s) : NULL;
	case F_U64:
		return json_object_new_uint64(*CFIELD(r, f, uint64_t));
	case F_MODE:
		m = *CFIELD(r, f, int);
		s = m >= 0 ? drift_mode_name((unsigned)m) : NULL;
		return s ? json_object_new_string(s) : NULL;
	case F_INT:
		return json_object_new_int(*CFIELD(r, f, int));
	case F_I64:
		return json_object_new_int64(*CFIELD(r, f, int64_t));
	case F_BOOL:
		return json_object_new_boolean(*CFIELD(r, f, bool));
	case F_STRV:
		return strv_json(*(char **const *)((const char *)r + f->off),
				 *(const size_t *)((const char *)r + f->noff));
	}
	return NULL;
}

json_object *drift_record_to_json(const struct drift_record *r)
{
	json_object *o = json_object_new_object(), *v;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < NFIELDS; i++) {
		v = field_json(r, &fields[i]);
		if (v && json_object_object_add(o, fields[i].key, v)) {
			json_object_put(v);
			goto nomem;
		}
		/* only a NULL string or an absent mode is left out */
		if (!v && fields[i].type != F_STR && fields[i].type != F_MODE)
			goto nomem;
	}
	return o;
nomem:
	json_object_put(o);
	return NULL;
}

/* ---- parsing ---- */

static int perr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

static int wrong_type(const struct field *f, json_object *v, const char *want,
		      char *err, size_t errlen)
{
	return perr(err, errlen, "\"%s\" is %s, not %s", f->key,
		    json_type_to_name(json_object_get_type(v)), want);
}

/* A bounded string without NUL bytes, copied to *OUT. */
static int get_str(const struct field *f, const char *what, json_object *v,
		   char **out, char *err, size_t errlen)
{
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return wrong_type(f, v, "a string", err, errlen);
	len = (size_t)json_object_get_string_len(v);
	if (len > f->max)
		return perr(err, errlen, "%s \"%s\" is longer than %zu bytes",
			    what, f->key, f->max);
	if (memchr(json_object_get_string(v), '\0', len))
		return perr(err, errlen, "%s \"%s\" contains a NUL byte",
			    what, f->key);
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : -ENOMEM;
}

static int get_strv(struct drift_record *r, const struct field *f,
		    json_object *v, char *err, size_t errlen)
{
	struct field elem = { .key = f->key, .max = DRIFT_RECORD_STR_MAX };
	char ***out = FIELD(r, f, char **);
	size_t *n = (size_t *)((char *)r + f->noff), len, i;
	int ret;

	if (!json_object_is_type(v, json_type_array))
		return wrong_type(f, v, "an array", err, errlen);
	len = json_object_array_length(v);
	if (len > f->max)
		return perr(err, errlen, "\"%s\" has more than %zu entries",
			    f->key, f->max);
	*out = calloc(len + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		ret = get_str(&elem, "an entry of", json_object_array_get_idx(v, i),
			      &(*out)[i], err, errlen);
		if (ret)
			return ret;
		(*n)++;
	}
	return 0;
}

static int get_field(struct drift_record *r, const struct field *f,
		     json_object *v, char *err, size_t errlen)
{
	enum drift_mode m;
	int64_t i;

	switch (f->type) {
	case F_STR:
		return get_str(f, "field", v, FIELD(r, f, char *), err, errlen);
	case F_STRV:
		return get_strv(r, f, v, err, errlen);
	case F_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return wrong_type(f, v, "a boolean", err, errlen);
		*FIELD(r, f, bool) = json_object_get_boolean(v);
		return 0;
	case F_MODE:
		if (!json_object_is_type(v, json_type_string))
			return wrong_type(f, v, "a string", err, errlen);
		if (drift_mode_parse(json_object_get_string(v), &m))
			return perr(err, errlen, "\"%s\" is \"%.32s\", not off, audit or enforce",
				    f->key, json_object_get_string(v));
		*FIELD(r, f, int) = (int)m;
		return 0;
	default:
		break;
	}
	if (!json_object_is_type(v, json_type_int))
		return wrong_type(f, v, "an integer", err, errlen);
	/* json-c keeps integers above INT64_MAX as uint64; this clamps them */
	i = json_object_get_int64(v);
	if (f->type == F_U64) {
		if (i <= 0)
			return perr(err, errlen, "\"%s\" is not a positive integer",
				    f->key);
		*FIELD(r, f, uint64_t) = json_object_get_uint64(v);
	} else if (f->type == F_INT) {
		if (i < INT_MIN || i > INT_MAX)
			return perr(err, errlen, "\"%s\" is out of range", f->key);
		*FIELD(r, f, int) = (int)i;
	} else {
		*FIELD(r, f, int64_t) = i;
	}
	return 0;
}

static int parse_object(json_object *o, struct drift_record *r,
			char *err, size_t errlen)
{
	json_object *v;
	size_t i;
	int ret;

	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];

		/* null, as a missing key: unknown (json-c gives NULL for it) */
		if (!json_object_object_get_ex(o, f->key, &v) || !v) {
			if (f->required)
				return perr(err, errlen, "no \"%s\"", f->key);
			continue;
		}
		ret = get_field(r, f, v, err, errlen);
		if (ret)
			return ret;
	}
	if (!r->id[0])
		return perr(err, errlen, "\"id\" is empty");
	return 0;
}

int drift_record_parse(const char *text, size_t len, struct drift_record *r,
		       char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *o = NULL;
	size_t end;
	int ret;

	drift_record_init(r);
	if (len > DRIFT_RECORD_MAX_BYTES)
		return perr(err, errlen, "larger than %u bytes", DRIFT_RECORD_MAX_BYTES);
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		ret = perr(err, errlen, "not JSON: %s", !len ? "empty file" :
			   json_tokener_get_error(tok) == json_tokener_continue ?
			   "truncated" :
			   json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		ret = perr(err, errlen, "not a JSON object");
		goto out;
	}
	/* one object and nothing after it but white space */
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!strchr(" \t\r\n", text[end]) || !text[end]) {
			ret = perr(err, errlen, "data after the record's object");
			goto out;
		}
	}
	ret = parse_object(o, r, err, errlen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
out:
	if (ret)
		drift_record_free(r);
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

/* ---- reading a file ---- */

static int read_bounded(int fd, struct drift_buf *b, char *err, size_t errlen)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "reading: %s", strerror(errno));
			return -EIO;
		}
		if (b->len + (size_t)n > DRIFT_RECORD_MAX_BYTES) {
			snprintf(err, errlen, "larger than %u bytes",
				 DRIFT_RECORD_MAX_BYTES);
			return -EFBIG;
		}
		if (drift_buf_append(b, chunk, (size_t)n)) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

int drift_record_read(int dfd, const char *name, struct drift_record *r,
		      char *err, size_t errlen)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	struct stat st;
	int fd, ret;

	drift_record_init(r);
	/* O_NONBLOCK: a FIFO put there must not hang the reader */
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
		    O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", ret == -ELOOP ?
			 "a symbolic link, not a record" : strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		ret = -EINVAL;
	} else if (st.st_size > (off_t)DRIFT_RECORD_MAX_BYTES) {
		snprintf(err, errlen, "larger than %u bytes", DRIFT_RECORD_MAX_BYTES);
		ret = -EFBIG;
	} else {
		ret = read_bounded(fd, &b, err, errlen);
	}
	close(fd);
	if (!ret)
		ret = drift_record_parse(b.data ? b.data : "", b.len, r, err, errlen);
	drift_buf_free(&b);
	return ret;
}

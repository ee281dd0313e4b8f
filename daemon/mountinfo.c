/* driftd: mountinfo and overlayfs option parsing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mountinfo.h"

#define OVL_MAX_LAYERS	4096

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		abort();
	return p;
}

void mountinfo_unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			char c = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) |
					(s[3] - '0'));
			/* A NUL would truncate: keep the escape as is. */
			if (c) {
				*w++ = c;
				s += 4;
				continue;
			}
		}
		*w++ = *s++;
	}
	*w = '\0';
}

void mount_entry_free(struct mount_entry *e)
{
	free(e->root);
	free(e->mount_point);
	free(e->fstype);
	free(e->source);
	free(e->super_opts);
	memset(e, 0, sizeof(*e));
}

/* Splits one line into fields; returns 0 and fills OUT on a valid line. */
static int parse_line(char *line, struct mount_entry *out)
{
	char *f[64];
	unsigned n = 0, i, sep = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == 64)
			return -1;
		f[n++] = t;
	}
	/* id parent maj:min root mp opts [optional...] - fstype source superopts */
	if (n < 10)
		return -1;
	for (i = 6; i < n; i++) {
		if (!strcmp(f[i], "-")) {
			sep = i;
			break;
		}
	}
	if (!sep || sep + 4 != n)
		return -1;
	if (!strchr(f[2], ':'))
		return -1;
	out->root = xstrdup(f[3]);
	out->mount_point = xstrdup(f[4]);
	mountinfo_unescape(out->root);
	mountinfo_unescape(out->mount_point);
	out->fstype = xstrdup(f[sep + 1]);
	out->source = xstrdup(f[sep + 2]);
	mountinfo_unescape(out->source);
	out->super_opts = xstrdup(f[sep + 3]);
	return 0;
}

int mountinfo_find(const char *text, size_t len, const char *mount_point,
		   struct mount_entry *out)
{
	size_t pos = 0;
	int found = -1;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		struct mount_entry e = { 0 };
		char *line;

		if (end - pos > 0 && !memchr(text + pos, '\0', end - pos)) {
			line = xstrndup(text + pos, end - pos);
			if (parse_line(line, &e) == 0) {
				if (!strcmp(e.mount_point, mount_point)) {
					mount_entry_free(out);
					*out = e;
					found = 0;
				} else {
					mount_entry_free(&e);
				}
			}
			free(line);
		}
		pos = end + 1;
	}
	return found;
}

void overlay_layers_free(struct overlay_layers *l)
{
	size_t i;

	for (i = 0; i < l->nlower; i++)
		free(l->lower[i]);
	free(l->lower);
	free(l->upper);
	free(l->work);
	memset(l, 0, sizeof(*l));
}

static int add_lower(struct overlay_layers *l, const char *p, size_t n,
		     char *err, size_t errlen)
{
	char **v;
	char *s;
	size_t i, j;

	if (n == 0)
		return 0;	/* "::" data-only separator, or empty */
	if (l->nlower >= OVL_MAX_LAYERS) {
		snprintf(err, errlen, "more than %u lower layers", OVL_MAX_LAYERS);
		return -1;
	}
	s = malloc(n + 1);
	if (!s)
		abort();
	/* overlayfs escapes ':' (and '\') in lowerdir with a backslash. */
	for (i = 0, j = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		s[j++] = p[i];
	}
	s[j] = '\0';
	if (j >= PATH_MAX) {
		free(s);
		snprintf(err, errlen, "lower layer path too long");
		return -1;
	}
	v = realloc(l->lower, (l->nlower + 1) * sizeof(*v));
	if (!v)
		abort();
	l->lower = v;
	v[l->nlower++] = s;
	return 0;
}

static int split_lowers(struct overlay_layers *l, const char *v, char *err,
			size_t errlen)
{
	const char *start = v, *p;

	for (p = v;; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == ':' || *p == '\0') {
			if (add_lower(l, start, (size_t)(p - start), err, errlen))
				return -1;
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return 0;
}

int overlay_parse_opts(const char *super_opts, struct overlay_layers *out,
		       char *err, size_t errlen)
{
	char *opts = xstrdup(super_opts), *save = NULL, *o;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		mountinfo_unescape(o);
		if (!strncmp(o, "lowerdir=", 9)) {
			if (split_lowers(out, o + 9, err, errlen))
				goto out;
		} else if (!strncmp(o, "lowerdir+=", 10) ||
			   !strncmp(o, "datadir+=", 9)) {
			const char *v = strchr(o, '=') + 1;

			if (add_lower(out, v, strlen(v), err, errlen))
				goto out;
		} else if (!strncmp(o, "upperdir=", 9)) {
			free(out->upper);
			out->upper = xstrdup(o + 9);
		} else if (!strncmp(o, "workdir=", 8)) {
			free(out->work);
			out->work = xstrdup(o + 8);
		}
	}
	if (out->nlower == 0) {
		snprintf(err, errlen, "overlay without lowerdir");
		goto out;
	}
	ret = 0;
out:
	free(opts);
	if (ret)
		overlay_layers_free(out);
	return ret;
}

int overlay_resolve(struct overlay_layers *l, const char *base, char *err,
		    size_t errlen)
{
	char basebuf[PATH_MAX];
	char joined[PATH_MAX * 2 + 2];
	char real[PATH_MAX];
	size_t i;

	if (!base && l->upper && l->upper[0] == '/') {
		char *slash;

		snprintf(basebuf, sizeof(basebuf), "%s", l->upper);
		/* <home>/<layer>/diff -> <home> */
		for (i = 0; i < 2; i++) {
			slash = strrchr(basebuf, '/');
			if (!slash || slash == basebuf) {
				basebuf[0] = '\0';
				break;
			}
			*slash = '\0';
		}
		if (basebuf[0])
			base = basebuf;
	}
	for (i = 0; i < l->nlower; i++) {
		const char *p = l->lower[i];

		if (p[0] != '/') {
			if (!base) {
				snprintf(err, errlen,
					 "relative lower layer \"%.200s\" and no base directory",
					 p);
				return -1;
			}
			snprintf(joined, sizeof(joined), "%s/%s", base, p);
			p = joined;
		}
		if (!realpath(p, real)) {
			snprintf(err, errlen, "lower layer \"%.200s\": %s", p,
				 strerror(errno));
			return -1;
		}
		free(l->lower[i]);
		l->lower[i] = xstrdup(real);
	}
	return 0;
}

char *read_file_all(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 16384, n = 0;
	char *buf;
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	if (!buf)
		abort();
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				free(buf);
				close(fd);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

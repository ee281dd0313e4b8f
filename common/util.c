// SPDX-License-Identifier: GPL-2.0 OR MIT
/* drift common: buffers, escaping, number parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int drift_buf_reserve(struct drift_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	/* No object may exceed PTRDIFF_MAX bytes. */
	if (more > (size_t)PTRDIFF_MAX - b->len - 1) {
		errno = ENOMEM;
		return -1;
	}
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int drift_buf_append(struct drift_buf *b, const void *data, size_t len)
{
	if (drift_buf_reserve(b, len))
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int drift_buf_puts(struct drift_buf *b, const char *s)
{
	return drift_buf_append(b, s, strlen(s));
}

int drift_buf_putc(struct drift_buf *b, char c)
{
	return drift_buf_append(b, &c, 1);
}

int drift_buf_vprintf(struct drift_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (drift_buf_reserve(b, (size_t)n))
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int drift_buf_printf(struct drift_buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = drift_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}

void drift_buf_reset(struct drift_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void drift_buf_free(struct drift_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *drift_buf_steal(struct drift_buf *b)
{
	char *p;

	if (!b->data && drift_buf_reserve(b, 0))
		return NULL;
	b->data[b->len] = '\0';
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/*
 * Length of the valid UTF-8 sequence at s[0..len), or 0 if s[0] does not
 * start one (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
 */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
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
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

int drift_json_escape_n(struct drift_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	char esc[16];

	if (drift_buf_putc(b, '"'))
		return -1;
	while (i < len) {
		unsigned char c = p[i];

		if (c >= 0x80) {
			n = utf8_seq(p + i, len - i);
			if (n == 0) {
				if (drift_buf_puts(b, "\\ufffd"))
					return -1;
				i++;
				continue;
			}
			if (drift_buf_append(b, p + i, n))
				return -1;
			i += n;
			continue;
		}
		switch (c) {
		case '"':  if (drift_buf_puts(b, "\\\"")) return -1; break;
		case '\\': if (drift_buf_puts(b, "\\\\")) return -1; break;
		case '\n': if (drift_buf_puts(b, "\\n")) return -1; break;
		case '\r': if (drift_buf_puts(b, "\\r")) return -1; break;
		case '\t': if (drift_buf_puts(b, "\\t")) return -1; break;
		case '\b': if (drift_buf_puts(b, "\\b")) return -1; break;
		case '\f': if (drift_buf_puts(b, "\\f")) return -1; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				if (drift_buf_puts(b, esc))
					return -1;
			} else if (drift_buf_putc(b, (char)c)) {
				return -1;
			}
		}
		i++;
	}
	return drift_buf_putc(b, '"');
}

int drift_json_escape(struct drift_buf *b, const char *s)
{
	if (!s)
		return drift_buf_puts(b, "null");
	return drift_json_escape_n(b, s, strlen(s));
}

int drift_text_escape_n(struct drift_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	char esc[16];

	while (i < len) {
		unsigned char c = p[i];

		n = c >= 0x80 ? utf8_seq(p + i, len - i) : 1;
		if (c >= 0x80 && n > 0) {
			/* C1 controls (U+0080..U+009F) are escapes too. */
			if (!(n == 2 && c == 0xc2 && p[i + 1] < 0xa0)) {
				if (drift_buf_append(b, p + i, n))
					return -1;
				i += n;
				continue;
			}
			n = 2;
			snprintf(esc, sizeof(esc), "\\x%02x\\x%02x", c,
				 p[i + 1]);
			if (drift_buf_puts(b, esc))
				return -1;
			i += n;
			continue;
		}
		if (c == '\\') {
			if (drift_buf_puts(b, "\\\\"))
				return -1;
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			if (drift_buf_puts(b, esc))
				return -1;
		} else if (drift_buf_putc(b, (char)c)) {
			return -1;
		}
		i++;
	}
	if (drift_buf_reserve(b, 0))
		return -1;
	b->data[b->len] = '\0';
	return 0;
}

int drift_text_escape(struct drift_buf *b, const char *s)
{
	return drift_text_escape_n(b, s ? s : "(null)", strlen(s ? s : "(null)"));
}

int drift_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int base = 10, d;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -EINVAL;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned int)(*p - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int drift_parse_u32_max(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret = drift_parse_u64(s, &v);

	if (ret)
		return ret;
	if (v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

void drift_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		abort();
	*v = nv;
	nv[*n] = NULL;
	if (s) {
		nv[*n] = strdup(s);
		if (!nv[*n])
			abort();
	}
	(*n)++;
}

void drift_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

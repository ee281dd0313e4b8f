/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drift common: small helpers. Growable buffers, JSON and terminal string
 * escaping, strict number parsing. (The directory walk that builds sets is
 * in walk.h.)
 */
#ifndef DRIFT_COMMON_UTIL_H
#define DRIFT_COMMON_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/*
 * Growable byte buffer. `data` is always NUL-terminated once anything was
 * appended (the NUL is not counted in `len`), so text can be used as a C
 * string. Every append returns 0, or -1 with errno = ENOMEM (the buffer is
 * then unchanged). Zero-initialise (DRIFT_BUF_INIT) before use.
 */
struct drift_buf {
	char *data;
	size_t len;
	size_t cap;
};
#define DRIFT_BUF_INIT { NULL, 0, 0 }

int drift_buf_reserve(struct drift_buf *b, size_t more);
int drift_buf_append(struct drift_buf *b, const void *data, size_t len);
int drift_buf_puts(struct drift_buf *b, const char *s);
int drift_buf_putc(struct drift_buf *b, char c);
int drift_buf_printf(struct drift_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int drift_buf_vprintf(struct drift_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void drift_buf_reset(struct drift_buf *b);	/* len = 0, keeps memory */
void drift_buf_free(struct drift_buf *b);
/* Takes the contents (malloc'd, NUL-terminated, never NULL on success). */
char *drift_buf_steal(struct drift_buf *b);

/*
 * Appends `s` (len bytes; may contain NUL) as a quoted JSON string. The
 * output is always valid JSON in UTF-8: ", \ and control characters are
 * escaped, NUL becomes \u0000, and each byte that is not part of a valid
 * UTF-8 sequence (overlong, surrogate, > U+10FFFF, truncated) becomes
 * U+FFFD. Returns 0 or -1 (ENOMEM).
 */
int drift_json_escape_n(struct drift_buf *b, const char *s, size_t len);
int drift_json_escape(struct drift_buf *b, const char *s); /* NULL: null */

/*
 * Appends `s` for a terminal: control characters, DEL, backslash and bytes
 * outside valid UTF-8 are written as \xNN (\\ for backslash), so a file
 * name cannot move the cursor or forge a line. Printable UTF-8 is kept.
 */
int drift_text_escape_n(struct drift_buf *b, const char *s, size_t len);
int drift_text_escape(struct drift_buf *b, const char *s);

/*
 * Strict unsigned parsing: the whole string must be a number, decimal or
 * 0x-prefixed hexadecimal; no sign, no spaces, no empty string.
 * Returns 0, -EINVAL (not a number) or -ERANGE (too large / above max).
 */
int drift_parse_u64(const char *s, uint64_t *out);
/*
 * Growable string vectors (char **v, size_t n): push appends a copy of S
 * (NULL stays NULL); both abort() when out of memory, as the daemon does.
 */
void drift_strv_push(char ***v, size_t *n, const char *s);
void drift_strv_free(char **v, size_t n);
int drift_parse_u32_max(const char *s, uint32_t max, uint32_t *out);

#endif

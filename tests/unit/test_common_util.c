/* Unit tests: common/util.c with hostile input. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Strict checker: is s[0..len) exactly one JSON string literal in UTF-8? */
static int utf8_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	int n, i;
	unsigned cp;

	if (c < 0x80) return 1;
	if (c >= 0xc2 && c <= 0xdf) { n = 2; cp = c & 0x1f; }
	else if (c >= 0xe0 && c <= 0xef) { n = 3; cp = c & 0x0f; }
	else if (c >= 0xf0 && c <= 0xf4) { n = 4; cp = c & 7; }
	else return 0;
	if (len < (size_t)n) return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int valid_json_string(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 1;
	int n;

	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return 0;
	while (i < len - 1) {
		if (s[i] == '\\') {
			if (i + 1 >= len - 1) return 0;
			switch (s[i + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				i += 2;
				continue;
			case 'u':
				if (i + 5 >= len) return 0;
				for (n = 2; n < 6; n++)
					if (!strchr("0123456789abcdefABCDEF", s[i + n]) || !s[i + n])
						return 0;
				i += 6;
				continue;
			default:
				return 0;
			}
		}
		if (s[i] == '"' || s[i] < 0x20)
			return 0;
		n = utf8_len(s + i, len - 1 - i);
		if (!n) return 0;
		i += n;
	}
	return i == len - 1;
}

static char *esc_json(const char *s, size_t len)
{
	struct drift_buf b = DRIFT_BUF_INIT;

	ck_assert_int_eq(drift_json_escape_n(&b, s, len), 0);
	ck_assert_uint_eq(strlen(b.data), b.len);
	return drift_buf_steal(&b);
}

START_TEST(buf_basics)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	char *s;
	int i;

	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(drift_buf_printf(&b, "%d,", i % 10), 0);
	ck_assert_uint_eq(b.len, 20000);
	ck_assert_uint_eq(strlen(b.data), 20000);
	ck_assert_int_eq(drift_buf_append(&b, "a\0b", 3), 0);
	ck_assert_uint_eq(b.len, 20003);
	ck_assert_int_eq(b.data[20003], 0);
	drift_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(drift_buf_puts(&b, "x"), 0);
	ck_assert_int_eq(drift_buf_putc(&b, 'y'), 0);
	s = drift_buf_steal(&b);
	ck_assert_str_eq(s, "xy");
	free(s);
	ck_assert_ptr_null(b.data);
	s = drift_buf_steal(&b);	/* empty buffer: "" */
	ck_assert_str_eq(s, "");
	free(s);
	/* absurd reservation fails cleanly */
	ck_assert_int_eq(drift_buf_reserve(&b, SIZE_MAX), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_int_eq(drift_buf_reserve(&b, SIZE_MAX - 1), -1);
	drift_buf_free(&b);
	drift_buf_free(&b);	/* twice is fine */
}
END_TEST

START_TEST(json_escape_basic)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	char *s;

	s = esc_json("plain /usr/bin/ls", 17);
	ck_assert_str_eq(s, "\"plain /usr/bin/ls\"");
	free(s);
	s = esc_json("a\"b\\c\nd\te\x01\x1f\x7f", 12);
	ck_assert_str_eq(s, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\\u007f\"");
	free(s);
	s = esc_json("nul\0in", 6);
	ck_assert_str_eq(s, "\"nul\\u0000in\"");
	free(s);
	/* valid UTF-8 is kept */
	s = esc_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14);
	ck_assert_str_eq(s, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	free(s);
	/* invalid: lone continuation, overlong, surrogate, truncated, > U+10FFFF */
	s = esc_json("\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf4\x90\x80\x80|\xff", 18);
	ck_assert_str_eq(s, "\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
			 "\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\"");
	free(s);
	ck_assert_int_eq(drift_json_escape(&b, NULL), 0);
	ck_assert_str_eq(b.data, "null");
	drift_buf_free(&b);
}
END_TEST

START_TEST(json_escape_fuzz)
{
	unsigned char in[64];
	unsigned int seed = 12345;
	int round, i;

	/* every single byte */
	for (i = 0; i < 256; i++) {
		char c = (char)i, *s = esc_json(&c, 1);

		ck_assert_msg(valid_json_string(s, strlen(s)), "byte %d: %s", i, s);
		free(s);
	}
	/* random byte strings, biased toward UTF-8 lead/continuation bytes */
	for (round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(in));
		char *s;

		for (i = 0; i < (int)len; i++) {
			unsigned r = (unsigned)rand_r(&seed);

			in[i] = (r & 0x300) ? (unsigned char)(0x80 | (r & 0x7f)) :
				(unsigned char)r;
		}
		s = esc_json((char *)in, len);
		ck_assert_msg(valid_json_string(s, strlen(s)), "round %d", round);
		free(s);
	}
}
END_TEST

START_TEST(text_escape)
{
	struct drift_buf b = DRIFT_BUF_INIT;

	ck_assert_int_eq(drift_text_escape(&b, "/bin/ls"), 0);
	ck_assert_str_eq(b.data, "/bin/ls");
	drift_buf_reset(&b);
	/* terminal escapes, newlines, backslash, C1 CSI, invalid bytes */
	ck_assert_int_eq(drift_text_escape(&b, "a\x1b[2Jb\nc\\d\xc2\x9b" "e\xff\xc3\xa9"), 0);
	ck_assert_str_eq(b.data, "a\\x1b[2Jb\\x0ac\\\\d\\xc2\\x9be\\xff\xc3\xa9");
	drift_buf_reset(&b);
	ck_assert_int_eq(drift_text_escape_n(&b, "x\0y", 3), 0);
	ck_assert_str_eq(b.data, "x\\x00y");
	drift_buf_reset(&b);
	ck_assert_int_eq(drift_text_escape_n(&b, "", 0), 0);
	ck_assert_str_eq(b.data, "");
	drift_buf_free(&b);
}
END_TEST

START_TEST(parse_numbers)
{
	uint64_t v = 99;
	uint32_t w = 99;
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1e3", "1.0", "0x", "0xg", "x10",
		"1_000", "\xd9\xa3", "12abc", "0X", "--", "1\n",
	};
	size_t i;

	ck_assert_int_eq(drift_parse_u64("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(drift_parse_u64("007", &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(drift_parse_u64("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(drift_parse_u64("0xFFFFffffFFFFffff", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(drift_parse_u64("18446744073709551616", &v), -ERANGE);
	ck_assert_int_eq(drift_parse_u64("99999999999999999999999", &v), -ERANGE);
	ck_assert_int_eq(drift_parse_u64("0x10000000000000000", &v), -ERANGE);
	v = 42;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(drift_parse_u64(bad[i], &v) == -EINVAL, "'%s'", bad[i]);
	ck_assert_int_eq(drift_parse_u64(NULL, &v), -EINVAL);
	ck_assert_uint_eq(v, 42);

	ck_assert_int_eq(drift_parse_u32_max("100000", 100000, &w), 0);
	ck_assert_uint_eq(w, 100000);
	ck_assert_int_eq(drift_parse_u32_max("100001", 100000, &w), -ERANGE);
	ck_assert_int_eq(drift_parse_u32_max("4294967296", UINT32_MAX, &w), -ERANGE);
	ck_assert_int_eq(drift_parse_u32_max("4294967295", UINT32_MAX, &w), 0);
	ck_assert_uint_eq(w, UINT32_MAX);
	ck_assert_int_eq(drift_parse_u32_max("", 5, &w), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common_util");
	TCase *tc = tcase_create("util");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, buf_basics);
	tcase_add_test(tc, json_escape_basic);
	tcase_add_test(tc, json_escape_fuzz);
	tcase_add_test(tc, text_escape);
	tcase_add_test(tc, parse_numbers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

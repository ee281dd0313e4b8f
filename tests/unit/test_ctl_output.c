/*
 * Unit tests: ctl/output.c. JSON output is parsed back with json-c in
 * strict mode with UTF-8 validation; text output must stay one line per
 * record whatever the kernel sends (names, paths and comms are untrusted).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "driftctl.h"

static struct drift_buf out = DRIFT_BUF_INIT;

static void teardown(void)
{
	drift_buf_free(&out);
}

/* Parses out.data strictly (one value, valid UTF-8, nothing after). */
static json_object *parse_json(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	ck_assert_msg(o && json_tokener_get_error(tok) == json_tokener_success,
		      "invalid JSON: %.*s", (int)len, s);
	ck_assert_int_eq(json_tokener_get_parse_end(tok), len);
	json_tokener_free(tok);
	return o;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
	return v;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_string),
		      "%s is not a string", key);
	return json_object_get_string(v);
}

static uint64_t get_u64(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	ck_assert_msg(json_object_is_type(v, json_type_int), "%s not int", key);
	return json_object_get_uint64(v);
}

static bool is_null(json_object *o, const char *key)
{
	return json_object_is_type(get(o, key), json_type_null);
}

static size_t count_char(const char *s, size_t len, char c)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == c;
	return n;
}

/* No raw control characters but the final newlines. */
static void assert_clean_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		ck_assert_msg(c == '\n' || (c >= 0x20 && c != 0x7f),
			      "raw control byte 0x%02x at %zu", c, i);
	}
}

/* ---- JSON writer ------------------------------------------------------- */

START_TEST(t_jw)
{
	struct jw w;
	json_object *o;

	jw_init(&w, &out);
	jw_obj_begin(&w);
	jw_key(&w, "a");
	jw_arr_begin(&w);
	jw_u64(&w, UINT64_MAX);
	jw_i64(&w, INT64_MIN);
	jw_bool(&w, true);
	jw_null(&w);
	jw_str(&w, NULL);
	jw_str(&w, "q\"\\\n\t\x01");
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "k\"ey");
	jw_str(&w, "");
	jw_obj_end(&w);
	ck_assert_int_eq(w.err, 0);
	o = parse_json(out.data, out.len);
	ck_assert_str_eq(get_str(o, "k\"ey"), "");
	{
		json_object *a = get(o, "a");

		ck_assert_uint_eq(json_object_array_length(a), 8);
		ck_assert_uint_eq(json_object_get_uint64(
			json_object_array_get_idx(a, 0)), UINT64_MAX);
		ck_assert_int_eq(json_object_get_int64(
			json_object_array_get_idx(a, 1)), INT64_MIN);
		ck_assert_str_eq(json_object_get_string(
			json_object_array_get_idx(a, 5)), "q\"\\\n\t\x01");
	}
	json_object_put(o);

	/* nesting deeper than the writer supports is an error, not a crash */
	drift_buf_reset(&out);
	jw_init(&w, &out);
	for (int i = 0; i < 40; i++)
		jw_arr_begin(&w);
	for (int i = 0; i < 40; i++)
		jw_arr_end(&w);
	ck_assert_int_ne(w.err, 0);
}
END_TEST

/* ---- values ----------------------------------------------------------- */

START_TEST(t_values)
{
	char b[48];

	ck_assert_str_eq(mode_str(DRIFT_MODE_ENFORCE), "enforce");
	ck_assert_str_eq(mode_str(-1), "-");
	ck_assert_str_eq(mode_str(9), "9");
	ck_assert_str_eq(reason_str(DRIFT_REASON_NOT_IN_IMAGE), "not_in_image");
	ck_assert_str_eq(reason_str(200), "200");
	ck_assert_str_eq(action_str(DRIFT_ACTION_DENY), "deny");
	ck_assert_str_eq(action_str(3), "3");
	devstr(b, 4294967295U, 4294967295U);
	ck_assert_str_eq(b, "4294967295:4294967295");
	timestr(b, 0);
	ck_assert_str_eq(b, "1970-01-01T00:00:00.000000Z");
	timestr(b, 1795429688501859770ULL);
	ck_assert_str_eq(b, "2026-11-23T10:28:08.501859Z");
	timestr(b, UINT64_MAX);		/* year 2554: still formatted */
	ck_assert_uint_gt(strlen(b), 0);
}
END_TEST

/* ---- tables -------------------------------------------------------------- */

START_TEST(t_table)
{
	static const char *hdr[] = { "NAME", "N" };
	static bool right[] = { false, true };
	struct table t;
	char *nl;

	table_init(&t, 2, hdr, right);
	ck_assert_int_eq(table_add(&t, "a", "1"), 0);
	ck_assert_int_eq(table_add(&t, "evil\nname\x1b[31m", "12345"), 0);
	ck_assert_int_eq(table_render(&t, &out), 0);
	table_free(&t);
	ck_assert_uint_eq(count_char(out.data, out.len, '\n'), 3);
	assert_clean_text(out.data, out.len);
	/* right-aligned numbers end in the same column */
	nl = strchr(out.data, '\n');
	ck_assert_ptr_nonnull(nl);
	{
		size_t w0 = (size_t)(nl - out.data);
		char *l2 = nl + 1, *l3 = strchr(l2, '\n') + 1;

		ck_assert_uint_eq((size_t)(strchr(l2, '\n') - l2), w0);
		ck_assert_uint_eq((size_t)(strchr(l3, '\n') - l3), w0);
	}
}
END_TEST

/* ---- status ---------------------------------------------------------------- */

START_TEST(t_status)
{
	struct status_info st = { 0 };
	json_object *o, *s;

	st.version = "0.1.0";
	st.default_mode = DRIFT_MODE_AUDIT;
	st.default_set = "base\"set";
	st.locked = 1;
	st.selftest = 1;
	st.has_sets = st.has_bindings = st.has_memory = true;
	st.has_rate = st.has_burst = true;
	st.sets = 2;
	st.bindings = 3;
	st.memory = 69 * 1024;
	st.rate = 100;
	st.burst = 200;
	st.stats.has[DRIFT_STAT_EXECS_DENIED] = true;
	st.stats.v[DRIFT_STAT_EXECS_DENIED] = 4;

	ck_assert_int_eq(render_status(&st, true, &out), 0);
	o = parse_json(out.data, out.len);
	ck_assert_str_eq(get_str(o, "version"), "0.1.0");
	ck_assert_str_eq(get_str(o, "default_mode"), "audit");
	ck_assert_str_eq(get_str(o, "default_set"), "base\"set");
	ck_assert(json_object_get_boolean(get(o, "locked")));
	ck_assert(json_object_get_boolean(get(o, "selftest")));
	ck_assert_uint_eq(get_u64(o, "sets"), 2);
	ck_assert_uint_eq(get_u64(o, "bindings"), 3);
	ck_assert_uint_eq(get_u64(o, "memory"), 69 * 1024);
	ck_assert_uint_eq(get_u64(o, "event_rate"), 100);
	ck_assert_uint_eq(get_u64(o, "event_burst"), 200);
	s = get(o, "stats");
	ck_assert_uint_eq(get_u64(s, "execs_denied"), 4);
	json_object_put(o);

	drift_buf_reset(&out);
	ck_assert_int_eq(render_status(&st, false, &out), 0);
	assert_clean_text(out.data, out.len);
	ck_assert_ptr_nonnull(strstr(out.data, "drift module 0.1.0\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "default mode:  audit\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "locked:        yes"));
	ck_assert_ptr_nonnull(strstr(out.data, "execs_denied"));

	/* absent values: null in JSON, no crash in text */
	memset(&st, 0, sizeof(st));
	st.default_mode = st.locked = st.selftest = -1;
	drift_buf_reset(&out);
	ck_assert_int_eq(render_status(&st, true, &out), 0);
	o = parse_json(out.data, out.len);
	ck_assert(is_null(o, "version"));
	ck_assert(is_null(o, "default_set"));
	ck_assert(is_null(o, "locked"));
	ck_assert(is_null(o, "sets"));
	json_object_put(o);
	drift_buf_reset(&out);
	ck_assert_int_eq(render_status(&st, false, &out), 0);
}
END_TEST

/* ---- sets, bindings ------------------------------------------------------- */

START_TEST(t_sets)
{
	char *inc[] = { "drift-layer-a", "drift-layer-b" };
	struct set_info s[2] = {
		{ .name = "img1", .has_entries = true, .entries = 929,
		  .has_own = true, .own = 3,
		  .has_refs = true, .refs = 1, .has_memory = true,
		  .memory = 68072, .has_loaded = true,
		  .loaded_ns = 1795429862707164680ULL,
		  .includes = inc, .nincludes = 2 },
		{ .name = "we\tird\n" },
	};
	json_object *o, *a, *x;

	ck_assert_int_eq(render_sets(s, 2, true, &out), 0);
	o = parse_json(out.data, out.len);
	a = get(o, "sets");
	ck_assert_uint_eq(json_object_array_length(a), 2);
	ck_assert_str_eq(get_str(json_object_array_get_idx(a, 0), "name"), "img1");
	ck_assert_uint_eq(get_u64(json_object_array_get_idx(a, 0), "entries"), 929);
	ck_assert_uint_eq(get_u64(json_object_array_get_idx(a, 0), "own_entries"), 3);
	ck_assert_uint_eq(get_u64(json_object_array_get_idx(a, 0), "loaded_ns"),
			  1795429862707164680ULL);
	x = get(json_object_array_get_idx(a, 0), "includes");
	ck_assert_uint_eq(json_object_array_length(x), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(x, 0)),
			 "drift-layer-a");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(x, 1)),
			 "drift-layer-b");
	ck_assert_str_eq(get_str(json_object_array_get_idx(a, 1), "name"),
			 "we\tird\n");
	ck_assert(is_null(json_object_array_get_idx(a, 1), "own_entries"));
	x = get(json_object_array_get_idx(a, 1), "includes");
	ck_assert_uint_eq(json_object_array_length(x), 0);
	json_object_put(o);

	drift_buf_reset(&out);
	ck_assert_int_eq(render_sets(s, 2, false, &out), 0);
	ck_assert_uint_eq(count_char(out.data, out.len, '\n'), 3);
	assert_clean_text(out.data, out.len);
	ck_assert_ptr_nonnull(strstr(out.data, "OWN"));
	ck_assert_ptr_nonnull(strstr(out.data, "INCLUDES"));
	ck_assert_ptr_nonnull(strstr(out.data, "drift-layer-a,drift-layer-b"));

	drift_buf_reset(&out);
	ck_assert_int_eq(render_sets(NULL, 0, true, &out), 0);
	o = parse_json(out.data, out.len);
	ck_assert_uint_eq(json_object_array_length(get(o, "sets")), 0);
	json_object_put(o);
}
END_TEST

START_TEST(t_bindings)
{
	struct exc_info ex[3] = {
		{ .type = DRIFT_EXC_PATH_PREFIX, .path = "/opt/\"x\"/" },
		{ .type = DRIFT_EXC_FILE, .has_file = true,
		  .file = { .ino = 19, .dev_major = 0, .dev_minor = 40,
			    .generation = 5,
			    .flags = DRIFT_FILE_F_GENERATION |
				     DRIFT_FILE_F_SHA256,
			    .sha256 = { 0xde, 0xad, 0xbe, 0xef } } },
		{ .type = 77 },
	};
	struct binding_info b[2] = {
		{ .has_cgid = true, .cgid = 23, .name = "ct1", .set = "img1",
		  .mode = DRIFT_MODE_ENFORCE, .lib_mode = DRIFT_MODE_AUDIT,
		  .has_flags = true, .flags = DRIFT_BIND_F_FILELESS_MAP,
		  .excs = ex, .nexcs = 3 },
		{ .has_cgid = true, .cgid = UINT64_MAX, .name = "\x1b]0;pwn\a",
		  .set = NULL, .mode = -1, .lib_mode = -1 },
	};
	json_object *o, *a, *e, *x;

	b[0].stats.has[DRIFT_STAT_EXECS_CHECKED] = true;
	b[0].stats.v[DRIFT_STAT_EXECS_CHECKED] = 10;
	ck_assert_int_eq(render_bindings(b, 2, true, &out), 0);
	o = parse_json(out.data, out.len);
	a = get(o, "bindings");
	ck_assert_uint_eq(json_object_array_length(a), 2);
	x = json_object_array_get_idx(a, 0);
	ck_assert_uint_eq(get_u64(x, "cgroup_id"), 23);
	ck_assert_str_eq(get_str(x, "name"), "ct1");
	ck_assert_str_eq(get_str(x, "set"), "img1");
	ck_assert_str_eq(get_str(x, "mode"), "enforce");
	ck_assert_str_eq(get_str(x, "lib_mode"), "audit");
	ck_assert(json_object_get_boolean(get(x, "fileless_map")));
	ck_assert_uint_eq(get_u64(get(x, "stats"), "execs_checked"), 10);
	e = get(x, "exceptions");
	ck_assert_uint_eq(json_object_array_length(e), 3);
	ck_assert_str_eq(get_str(json_object_array_get_idx(e, 0), "type"), "path");
	ck_assert_str_eq(get_str(json_object_array_get_idx(e, 0), "path"),
			 "/opt/\"x\"/");
	ck_assert_str_eq(get_str(json_object_array_get_idx(e, 1), "type"), "file");
	ck_assert_str_eq(get_str(json_object_array_get_idx(e, 1), "dev"), "0:40");
	ck_assert_uint_eq(get_u64(json_object_array_get_idx(e, 1), "ino"), 19);
	ck_assert_uint_eq(get_u64(json_object_array_get_idx(e, 1), "generation"), 5);
	ck_assert_str_eq(get_str(json_object_array_get_idx(e, 1), "sha256"),
			 "deadbeef00000000000000000000000000000000000000000000000000000000");
	x = json_object_array_get_idx(a, 1);
	ck_assert_uint_eq(get_u64(x, "cgroup_id"), UINT64_MAX);
	ck_assert_str_eq(get_str(x, "name"), "\x1b]0;pwn\a");
	ck_assert(is_null(x, "set"));
	ck_assert(is_null(x, "lib_mode"));
	ck_assert(is_null(x, "fileless_map"));
	json_object_put(o);

	drift_buf_reset(&out);
	ck_assert_int_eq(render_bindings(b, 2, false, &out), 0);
	ck_assert_uint_eq(count_char(out.data, out.len, '\n'), 3);
	assert_clean_text(out.data, out.len);
	ck_assert_ptr_nonnull(strstr(out.data, "path:/opt/"));
	ck_assert_ptr_nonnull(strstr(out.data, "file:0:40/19"));
	ck_assert_ptr_nonnull(strstr(out.data, " LIB "));
	ck_assert_ptr_nonnull(strstr(out.data, "audit,fileless-map"));
}
END_TEST

/* ---- events ----------------------------------------------------------------- */

START_TEST(t_event)
{
	struct event_info ev = {
		.has_time = true, .time_ns = 1795429688501859770ULL,
		.has_cgid = true, .cgid = 23, .binding = "ct1", .set = "img1",
		.has_pid = true, .pid = 213, .has_ppid = true, .ppid = 210,
		.has_uid = true, .uid = 0, .comm = "sh",
		.path = "/tmp/c/busybox", .has_file = true,
		.file = { .ino = 27, .dev_major = 0, .dev_minor = 40 },
		.reason = DRIFT_REASON_NOT_IN_IMAGE,
		.action = DRIFT_ACTION_DENY, .mode = DRIFT_MODE_ENFORCE,
		.op = DRIFT_OP_MMAP,
		.has_suppressed = true, .suppressed = 0,
	};
	static const char *keys[] = { "time_ns", "cgroup_id", "binding", "set",
		"pid", "ppid", "uid", "comm", "path", "dev", "ino", "reason",
		"action", "mode", "op", "suppressed" };
	json_object *o;

	ck_assert_int_eq(render_event(&ev, true, &out), 0);
	/* one object, one line */
	ck_assert_uint_eq(count_char(out.data, out.len, '\n'), 1);
	ck_assert_int_eq(out.data[out.len - 1], '\n');
	o = parse_json(out.data, out.len - 1);
	ck_assert_int_eq(json_object_object_length(o), 16);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		get(o, keys[i]);
	ck_assert_uint_eq(get_u64(o, "time_ns"), 1795429688501859770ULL);
	ck_assert_uint_eq(get_u64(o, "cgroup_id"), 23);
	ck_assert_str_eq(get_str(o, "binding"), "ct1");
	ck_assert_uint_eq(get_u64(o, "pid"), 213);
	ck_assert_str_eq(get_str(o, "path"), "/tmp/c/busybox");
	ck_assert_str_eq(get_str(o, "dev"), "0:40");
	ck_assert_uint_eq(get_u64(o, "ino"), 27);
	ck_assert_str_eq(get_str(o, "reason"), "not_in_image");
	ck_assert_str_eq(get_str(o, "action"), "deny");
	ck_assert_str_eq(get_str(o, "mode"), "enforce");
	ck_assert_str_eq(get_str(o, "op"), "mmap");
	ck_assert_uint_eq(get_u64(o, "suppressed"), 0);
	json_object_put(o);

	drift_buf_reset(&out);
	ck_assert_int_eq(render_event(&ev, false, &out), 0);
	ck_assert_str_eq(out.data, "2026-11-23T10:28:08.501859Z deny op=mmap "
			 "reason=not_in_image mode=enforce binding=ct1 set=img1 "
			 "cgroup=23 pid=213 ppid=210 uid=0 comm=sh "
			 "path=/tmp/c/busybox dev=0:40 ino=27\n");
}
END_TEST

/* Hostile strings from the kernel (paths are chosen by the container). */
START_TEST(t_event_hostile)
{
	struct event_info ev = {
		.has_cgid = true, .cgid = 1,
		.comm = "a\"b\\c\nd\x1b[2J",
		.path = "/tmp/\xff\xfe bad utf8 \xc3\x28 \x7f\r\n/x",
		.reason = 99, .action = -1, .mode = 200, .op = 77,
	};
	json_object *o;

	ck_assert_int_eq(render_event(&ev, true, &out), 0);
	ck_assert_uint_eq(count_char(out.data, out.len, '\n'), 1);
	assert_clean_text(out.data, out.len);
	o = parse_json(out.data, out.len - 1);
	ck_assert_str_eq(get_str(o, "comm"), "a\"b\\c\nd\x1b[2J");
	ck_assert_ptr_nonnull(strstr(get_str(o, "path"), "bad utf8"));
	ck_assert(is_null(o, "binding"));	/* the default policy */
	ck_assert(is_null(o, "time_ns"));
	ck_assert(is_null(o, "dev"));
	ck_assert(is_null(o, "action"));
	/* unknown enum values stay numbers */
	ck_assert_uint_eq(get_u64(o, "reason"), 99);
	ck_assert_uint_eq(get_u64(o, "mode"), 200);
	ck_assert_uint_eq(get_u64(o, "op"), 77);
	json_object_put(o);

	drift_buf_reset(&out);
	ck_assert_int_eq(render_event(&ev, false, &out), 0);
	ck_assert_uint_eq(count_char(out.data, out.len, '\n'), 1);
	assert_clean_text(out.data, out.len);
	ck_assert_ptr_nonnull(strstr(out.data, "binding=(default)"));
	ck_assert_ptr_nonnull(strstr(out.data, "reason=99"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_output");
	TCase *tc = tcase_create("output");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, t_jw);
	tcase_add_test(tc, t_values);
	tcase_add_test(tc, t_table);
	tcase_add_test(tc, t_status);
	tcase_add_test(tc, t_sets);
	tcase_add_test(tc, t_bindings);
	tcase_add_test(tc, t_event);
	tcase_add_test(tc, t_event_hostile);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

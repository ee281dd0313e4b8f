/* Unit tests: common/event.c, the event schema and the Falco rendering. */
#include <check.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "names.h"

static json_object *parse_line(const struct drift_buf *b)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	ck_assert_ptr_nonnull(b->data);
	ck_assert_int_gt(b->len, 2);
	ck_assert_int_eq(b->data[b->len - 1], '\n');
	/* exactly one line */
	ck_assert_ptr_eq(memchr(b->data, '\n', b->len - 1), NULL);
	ck_assert(drift_utf8_valid(b->data, b->len));
	o = json_tokener_parse_ex(tok, b->data, (int)b->len - 1);
	ck_assert_int_eq(json_tokener_get_error(tok), json_tokener_success);
	ck_assert_int_eq(json_tokener_get_parse_end(tok), b->len - 1);
	json_tokener_free(tok);
	ck_assert_ptr_nonnull(o);
	return o;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no key %s", k);
	return v ? json_object_get_string(v) : NULL;
}

static bool is_null(json_object *o, const char *k)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no key %s", k);
	return v == NULL;
}

static struct drift_event sample(void)
{
	struct drift_event e = {
		.time_ns = 18446744073709551615ull, .host = "node1",
		.op = DRIFT_OP_MMAP, .action = DRIFT_ACTION_DENY,
		.reason = DRIFT_REASON_NOT_IN_IMAGE, .mode = DRIFT_MODE_ENFORCE,
		.has_cgroup_id = true, .cgroup_id = 9007199254740993ull,
		.binding = "0123456789abcdef0123", .set = "drift-img-1",
		.has_pid = true, .pid = 42, .ppid = 1, .uid = 0,
		.comm = "sh", .path = "/tmp/x",
		.has_file = true, .dev_major = 0, .dev_minor = 44,
		.ino = 12345678901234567890ull,
		.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		.container_name = "web", .pod = "web-7d4b9c5f6d-x2k9p",
		.namespace_ = "shop", .image = "registry:5000/shop/web:1.2@sha256:ab",
	};

	return e;
}

START_TEST(schema_fields)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	struct drift_event e = sample();
	json_object *o, *v;

	ck_assert_int_eq(drift_event_json(&b, &e), 0);
	o = parse_line(&b);
	ck_assert(json_object_object_get_ex(o, "schema", &v));
	ck_assert_int_eq(json_object_get_int(v), DRIFT_EVENT_SCHEMA);
	ck_assert_str_eq(str(o, "kind"), "drift");
	/* 64-bit values as exact decimal strings */
	ck_assert_str_eq(str(o, "time_ns"), "18446744073709551615");
	ck_assert(json_object_object_get_ex(o, "time_ns", &v));
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_str_eq(str(o, "cgroup_id"), "9007199254740993");
	ck_assert_str_eq(str(o, "ino"), "12345678901234567890");
	ck_assert_str_eq(str(o, "time"), "2554-07-21T23:34:33.709551615Z");
	ck_assert_str_eq(str(o, "op"), "mmap");
	ck_assert_str_eq(str(o, "action"), "deny");
	ck_assert_str_eq(str(o, "reason"), "not_in_image");
	ck_assert_str_eq(str(o, "mode"), "enforce");
	ck_assert_str_eq(str(o, "dev"), "0:44");
	ck_assert_str_eq(str(o, "namespace"), "shop");
	ck_assert(json_object_object_get_ex(o, "pid", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert(!json_object_object_get_ex(o, "path_b64", &v));
	json_object_put(o);

	/* Unknown values: null container, op defaults to exec, a reason this
	 * build does not know is its number. */
	drift_buf_reset(&b);
	e.container_id = e.container_name = e.pod = e.namespace_ = e.image = NULL;
	e.op = -1;
	e.reason = 77;
	e.has_file = false;
	ck_assert_int_eq(drift_event_json(&b, &e), 0);
	o = parse_line(&b);
	ck_assert_str_eq(str(o, "op"), "exec");
	ck_assert_str_eq(str(o, "reason"), "77");
	ck_assert(is_null(o, "container_id"));
	ck_assert(is_null(o, "ino"));
	ck_assert(is_null(o, "dev"));
	json_object_put(o);
	drift_buf_free(&b);
}
END_TEST

START_TEST(invalid_utf8_path)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	struct drift_event e = sample();
	json_object *o;

	e.path = "/tmp/\xff\xfe\n\"x\xc3\xa9";	/* bad bytes, newline, quote, é */
	e.comm = "ok\x80";
	ck_assert_int_eq(drift_event_json(&b, &e), 0);
	o = parse_line(&b);
	ck_assert_str_eq(str(o, "path"), "/tmp/\xef\xbf\xbd\xef\xbf\xbd\n\"x\xc3\xa9");
	ck_assert_str_eq(str(o, "path_b64"), "L3RtcC///goieMOp");
	ck_assert_str_eq(str(o, "comm_b64"), "b2uA");
	json_object_put(o);
	drift_buf_free(&b);
}
END_TEST

START_TEST(notice)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	struct drift_notice n = { .time_ns = 1, .host = "h",
				  .notice = "unprotected_start",
				  .container_id = "abc", .message = "m\x01" };
	json_object *o;

	ck_assert_int_eq(drift_notice_json(&b, &n), 0);
	o = parse_line(&b);
	ck_assert_str_eq(str(o, "kind"), "unprotected_start");
	ck_assert_str_eq(str(o, "time"), "1970-01-01T00:00:00.000000001Z");
	ck_assert_str_eq(str(o, "message"), "m\x01");
	json_object_put(o);
	drift_buf_reset(&b);
	ck_assert_int_eq(drift_notice_falco(&b, &n), 0);
	o = parse_line(&b);
	ck_assert_str_eq(str(o, "source"), "drift");
	ck_assert_str_eq(str(o, "priority"), "Critical");
	json_object_put(o);
	drift_buf_free(&b);
}
END_TEST

START_TEST(falco)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	struct drift_event e = sample();
	json_object *o, *f, *v;
	const char *out;

	e.time_ns = 1764590400123456789ull;
	e.path = "/tmp/evil\n12:00:00.000000000: Critical forged \x1b[2J\xff";
	ck_assert_int_eq(drift_event_falco(&b, &e), 0);
	o = parse_line(&b);
	ck_assert_str_eq(str(o, "source"), "drift");
	ck_assert_str_eq(str(o, "priority"), "Critical");
	ck_assert_str_eq(str(o, "time"), "2025-12-01T12:00:00.123456789Z");
	ck_assert_str_eq(str(o, "hostname"), "node1");
	ck_assert(json_object_object_get_ex(o, "tags", &v));
	ck_assert(json_object_is_type(v, json_type_array));
	out = str(o, "output");
	ck_assert_msg(!strchr(out, '\n') && !strchr(out, '\x1b'),
		      "control characters reached the output text: %s", out);
	ck_assert(strstr(out, "/tmp/evil\\x0a12:00") != NULL);
	ck_assert(strncmp(out, "12:00:00.123456789: Critical ", 29) == 0);
	ck_assert(json_object_object_get_ex(o, "output_fields", &f));
	ck_assert_str_eq(str(f, "container.id"), "0123456789ab");
	ck_assert_str_eq(str(f, "container.full_id"), e.container_id);
	ck_assert_str_eq(str(f, "container.image.repository"), "registry:5000/shop/web");
	ck_assert_str_eq(str(f, "container.image.tag"), "1.2");
	ck_assert_str_eq(str(f, "container.image.digest"), "sha256:ab");
	ck_assert_str_eq(str(f, "k8s.ns.name"), "shop");
	ck_assert_str_eq(str(f, "k8s.pod.name"), "web-7d4b9c5f6d-x2k9p");
	ck_assert_str_eq(str(f, "evt.type"), "mmap");
	ck_assert_str_eq(str(f, "evt.res"), "EACCES");
	ck_assert(json_object_object_get_ex(f, "evt.time", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert_uint_eq((uint64_t)json_object_get_uint64(v), e.time_ns);
	ck_assert(json_object_object_get_ex(f, "proc.pid", &v));
	ck_assert_int_eq(json_object_get_int(v), 42);
	json_object_put(o);

	drift_buf_reset(&b);
	e.action = DRIFT_ACTION_AUDIT;
	e.op = DRIFT_OP_EXEC;
	e.container_id = NULL;
	ck_assert_int_eq(drift_event_falco(&b, &e), 0);
	o = parse_line(&b);
	ck_assert_str_eq(str(o, "priority"), "Warning");
	ck_assert(json_object_object_get_ex(o, "output_fields", &f));
	ck_assert_str_eq(str(f, "evt.type"), "execve");
	ck_assert_str_eq(str(f, "evt.res"), "SUCCESS");
	ck_assert(is_null(f, "container.id"));
	json_object_put(o);
	drift_buf_free(&b);
}
END_TEST

START_TEST(image_split)
{
	char r[64], t[64], d[80];

	drift_image_split("docker.io/library/nginx:1.25", r, sizeof(r), t, sizeof(t), d, sizeof(d));
	ck_assert_str_eq(r, "docker.io/library/nginx");
	ck_assert_str_eq(t, "1.25");
	ck_assert_str_eq(d, "");
	drift_image_split("localhost:5000/app", r, sizeof(r), t, sizeof(t), d, sizeof(d));
	ck_assert_str_eq(r, "localhost:5000/app");
	ck_assert_str_eq(t, "");
	drift_image_split("app@sha256:00", r, sizeof(r), t, sizeof(t), d, sizeof(d));
	ck_assert_str_eq(r, "app");
	ck_assert_str_eq(d, "sha256:00");
	drift_image_split(NULL, r, sizeof(r), t, sizeof(t), d, sizeof(d));
	ck_assert_str_eq(r, "");
	drift_image_split("a:b:c", r, 2, t, 2, d, 2);	/* truncation */
	ck_assert_str_eq(r, "a");
	ck_assert_str_eq(t, "c");
}
END_TEST

START_TEST(workload)
{
	static const char *const cases[][3] = {
		{ "web-7d4b9c5f6d-x2k9p", NULL, "web" },	/* Deployment */
		{ "node-exporter-x2k9p", NULL, "node-exporter" },	/* DaemonSet */
		{ "db-0", NULL, "db" },				/* StatefulSet */
		{ "backup-28391520-x2k9p", NULL, "backup" },	/* CronJob */
		{ "hello", NULL, "hello" },			/* a plain pod */
		{ "my-pod-hello", NULL, "my-pod-hello" },	/* vowels: not generated */
		{ NULL, "localhost/bb:1", "localhost/bb" },
		{ "", NULL, "unknown" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		drift_workload_name(cases[i][0], cases[i][1], out, sizeof(out));
		ck_assert_str_eq(out, cases[i][2]);
	}
}
END_TEST

START_TEST(base64)
{
	struct drift_buf b = DRIFT_BUF_INIT;

	ck_assert_int_eq(drift_base64(&b, "", 0), 0);
	ck_assert_int_eq(drift_base64(&b, "f", 1), 0);
	ck_assert_int_eq(drift_base64(&b, "fo", 2), 0);
	ck_assert_int_eq(drift_base64(&b, "foo", 3), 0);
	ck_assert_int_eq(drift_base64(&b, "foob", 4), 0);
	ck_assert_str_eq(b.data, "Zg==Zm8=Zm9vZm9vYg==");
	drift_buf_free(&b);
}
END_TEST

/* Random bytes in every string: the line stays one valid JSON object. */
START_TEST(fuzz)
{
	char path[300], comm[20];
	unsigned seed = 1;
	int i, k;

	for (i = 0; i < 2000; i++) {
		struct drift_buf b = DRIFT_BUF_INIT;
		struct drift_event e = sample();
		json_object *o;

		for (k = 0; k < (int)sizeof(path) - 1; k++)
			path[k] = (char)(rand_r(&seed) % 255 + 1);
		path[rand_r(&seed) % (sizeof(path) - 1)] = '\0';
		path[sizeof(path) - 1] = '\0';
		for (k = 0; k < (int)sizeof(comm) - 1; k++)
			comm[k] = (char)(rand_r(&seed) % 255 + 1);
		comm[sizeof(comm) - 1] = '\0';
		e.path = path;
		e.comm = comm;
		e.container_name = comm;
		ck_assert_int_eq(drift_event_json(&b, &e), 0);
		o = parse_line(&b);
		json_object_put(o);
		drift_buf_reset(&b);
		ck_assert_int_eq(drift_event_falco(&b, &e), 0);
		o = parse_line(&b);
		json_object_put(o);
		drift_buf_free(&b);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common_event");
	TCase *tc = tcase_create("event");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, schema_fields);
	tcase_add_test(tc, invalid_utf8_path);
	tcase_add_test(tc, notice);
	tcase_add_test(tc, falco);
	tcase_add_test(tc, image_split);
	tcase_add_test(tc, workload);
	tcase_add_test(tc, base64);
	tcase_add_test(tc, fuzz);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

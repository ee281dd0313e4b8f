/* Unit tests: OCI state / config.json parsing (daemon/oci.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

static int st(const char *json, struct oci_state *s, char *err)
{
	return oci_parse_state(json, strlen(json), s, err, 256);
}

START_TEST(crun_state)
{
	struct oci_state s;
	char err[256];
	const char *j = "{\"ociVersion\":\"1.0\",\"id\":\"c1\",\"pid\":157,"
		"\"root\":\"rootfs\",\"bundle\":\"/tmp/b\",\"status\":\"created\","
		"\"annotations\":{\"drift.io/mode\":\"enforce\",\"k\":\"\"}}\n";

	ck_assert_int_eq(st(j, &s, err), 0);
	ck_assert_str_eq(s.id, "c1");
	ck_assert_int_eq(s.pid, 157);
	ck_assert_str_eq(s.bundle, "/tmp/b");
	ck_assert_str_eq(s.status, "created");
	/* Only the keys driftd reads are kept. */
	ck_assert_uint_eq(s.ann.n, 1);
	ck_assert_str_eq(oci_ann_get(&s.ann, "drift.io/mode"), "enforce");
	ck_assert_ptr_null(oci_ann_get(&s.ann, "k"));
	ck_assert_ptr_null(oci_ann_get(&s.ann, "missing"));
	oci_state_free(&s);
}
END_TEST

START_TEST(podman_state)
{
	struct oci_state s;
	char err[256];
	const char *j = "{\"ociVersion\":\"1.0\",\"id\":\"9caa9f579761fc5e97aea2d5f60e151c78279482f6a54b7b316a8721ef4449a3\","
		"\"pid\":264,\"root\":\"/var/lib/containers/storage/overlay/dc9e/merged\","
		"\"bundle\":\"/var/lib/containers/storage/overlay-containers/9caa/userdata\","
		"\"status\":\"created\",\"annotations\":{\"io.container.manager\":\"libpod\","
		"\"io.podman.annotations.autoremove\":\"TRUE\"}}";

	ck_assert_int_eq(st(j, &s, err), 0);
	ck_assert_uint_eq(strlen(s.id), 64);
	ck_assert_ptr_null(oci_ann_get(&s.ann, "io.container.manager"));
	ck_assert_uint_eq(s.ann.n, 0);
	oci_state_free(&s);
}
END_TEST

START_TEST(malformed_state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"null",
		"[]",
		"\"id\"",
		"{",
		"{\"id\":\"c1\",\"bundle\":\"/b\"",			/* truncated */
		"{\"id\":\"c1\",\"bundle\":\"/b\"} trailing",
		"{\"bundle\":\"/b\",\"pid\":1}",			/* no id */
		"{\"id\":\"\",\"bundle\":\"/b\"}",
		"{\"id\":\"../../etc/passwd\",\"bundle\":\"/b\"}",
		"{\"id\":\"a/b\",\"bundle\":\"/b\"}",
		"{\"id\":\"..\",\"bundle\":\"/b\"}",
		"{\"id\":\"a b\",\"bundle\":\"/b\"}",
		"{\"id\":\"c\\u0000d\",\"bundle\":\"/b\"}",
		"{\"id\":5,\"bundle\":\"/b\"}",
		"{\"id\":\"c1\"}",					/* no bundle */
		"{\"id\":\"c1\",\"bundle\":\"relative\"}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":\"12\"}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":-1}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":1.5}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":99999999999}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":[]}",
		"{'id':'c1','bundle':'/b'}",				/* not strict JSON */
		"{\"id\":\"c1\",\"id\":\"c2\",\"bundle\":\"/b\"}",	/* duplicate */
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"x\":[1,]}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"x\":01}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"x\":\"\\ud800\"}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"x\":\"a\tb\"}",	/* raw control */
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"x\":tru}",
		"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":{\"a\":1,}}",
		NULL
	};
	struct oci_state s;
	char err[256];
	size_t i;

	for (i = 0; bad[i]; i++) {
		err[0] = '\0';
		ck_assert_msg(st(bad[i], &s, err) == -1, "accepted: %s", bad[i]);
		ck_assert_msg(err[0] != '\0', "no message for: %s", bad[i]);
	}
	/* What driftd does not read is skipped, whatever its type or content. */
	{
		static const char *const ok[] = {
			"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":{\"a\":1}}",
			"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":{\"a\":{\"b\":[null,true,1e5,-0.5]}}}",
			"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":{\"\":\"x\"}}",
			"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":{\"a\":\"x\\u0000y\"}}",
			"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":{\"drift.io/mode\":5}}",
			"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":{\"drift.io/mode\":\"a\\u0000\"}}",
			"{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":null}",
			NULL };

		for (i = 0; ok[i]; i++) {
			ck_assert_msg(st(ok[i], &s, err) == 0, "refused: %s: %s", ok[i], err);
			ck_assert_ptr_null(oci_ann_get(&s.ann, "drift.io/mode"));
			oci_state_free(&s);
		}
	}
	/* Escapes are decoded (UTF-16 surrogate pairs too). */
	ck_assert_int_eq(st("{\"id\":\"c1\",\"bundle\":\"/b\",\"annotations\":{\"drift.io/exc\\u0065ptions\":\"/\\u00e9\\ud83d\\ude00\\/x\"}}", &s, err), 0);
	ck_assert_str_eq(oci_ann_get(&s.ann, "drift.io/exceptions"), "/\xc3\xa9\xf0\x9f\x98\x80/x");
	oci_state_free(&s);
	/* Embedded NUL in the raw input. */
	ck_assert_int_eq(oci_parse_state("{\"id\":\"a\"}\0{}", 12, &s, err, sizeof(err)), -1);
}
END_TEST

START_TEST(hostile_sizes)
{
	struct oci_state s;
	char err[256];
	size_t n = 2000, i, off;
	char *deep = malloc(n * 2 + 64);
	char *many, *huge;

	/* Deep nesting: refused by the depth limit, no stack blow-up. */
	off = (size_t)sprintf(deep, "{\"id\":\"c\",\"bundle\":\"/b\",\"x\":");
	for (i = 0; i < n; i++)
		deep[off++] = '[';
	for (i = 0; i < n; i++)
		deep[off++] = ']';
	strcpy(deep + off, "}");
	ck_assert_int_eq(st(deep, &s, err), -1);
	free(deep);

	/* 2000 annotations: all skipped but the one driftd reads. */
	many = malloc(2000 * 32 + 128);
	off = (size_t)sprintf(many, "{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":{");
	for (i = 0; i < 2000; i++)
		off += (size_t)sprintf(many + off, "%s\"k%zu\":\"v\"", i ? "," : "", i);
	strcpy(many + off, ",\"drift.io/mode\":\"enforce\"}}");
	ck_assert_int_eq(st(many, &s, err), 0);
	ck_assert_uint_eq(s.ann.n, 1);
	ck_assert_str_eq(oci_ann_get(&s.ann, "drift.io/mode"), "enforce");
	oci_state_free(&s);
	free(many);

	/* A 2 MiB value of something driftd does not read. */
	huge = malloc((17u << 20) + 128);
	off = (size_t)sprintf(huge, "{\"id\":\"c\",\"bundle\":\"/b\",\"x\":\"");
	memset(huge + off, 'a', 2u << 20);
	strcpy(huge + off + (2u << 20), "\"}");
	ck_assert_int_eq(st(huge, &s, err), 0);
	oci_state_free(&s);
	/* A 1 MiB annotation does not reject the state... */
	off = (size_t)sprintf(huge, "{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":{\"a\":\"");
	memset(huge + off, 'a', 1u << 20);
	strcpy(huge + off + (1u << 20), "\",\"drift.io/mode\":\"enforce\"}}");
	ck_assert_int_eq(st(huge, &s, err), 0);
	ck_assert_str_eq(oci_ann_get(&s.ann, "drift.io/mode"), "enforce");
	oci_state_free(&s);
	/* ...nor does an over-long value of a key driftd reads: dropped. */
	off = (size_t)sprintf(huge, "{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":{\"drift.io/exceptions\":\"");
	memset(huge + off, 'a', 100000);
	strcpy(huge + off + 100000, "\",\"drift.io/mode\":\"enforce\"}}");
	ck_assert_int_eq(st(huge, &s, err), 0);
	ck_assert_ptr_null(oci_ann_get(&s.ann, "drift.io/exceptions"));
	ck_assert_uint_eq(s.ann.dropped, 1);
	ck_assert_str_eq(s.ann.dropped_key, "drift.io/exceptions");
	ck_assert_str_eq(oci_ann_get(&s.ann, "drift.io/mode"), "enforce");
	oci_state_free(&s);
	/* Over the state limit (16 MiB): refused (the start fails, safe). */
	off = (size_t)sprintf(huge, "{\"id\":\"c\",\"bundle\":\"/b\",\"x\":\"");
	memset(huge + off, 'a', 17u << 20);
	strcpy(huge + off + (17u << 20), "\"}");
	ck_assert_int_eq(st(huge, &s, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
	free(huge);

	/* Id length limit. */
	ck_assert_int_eq(oci_valid_id("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 1);
	ck_assert_int_eq(oci_valid_id("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 0);
	ck_assert_int_eq(oci_valid_id("a+b_c.d-1"), 1);
}
END_TEST

START_TEST(config_json)
{
	struct oci_config c;
	char err[256];
	const char *j = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]},"
		"\"root\":{\"path\":\"rootfs\",\"readonly\":false},"
		"\"linux\":{\"cgroupsPath\":\"/mine\",\"namespaces\":[]},"
		"\"annotations\":{\"drift.io/exceptions\":\"/opt/\"}}";

	ck_assert_int_eq(oci_parse_config(j, strlen(j), &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.root_path, "rootfs");
	ck_assert_str_eq(c.cgroups_path, "/mine");
	ck_assert_str_eq(oci_ann_get(&c.ann, "drift.io/exceptions"), "/opt/");
	oci_config_free(&c);

	/* 5 MiB of environment, mounts (host-library), a huge annotation. */
	{
		size_t big = 5u << 20, off;
		char *t = malloc(big + 1024);

		off = (size_t)sprintf(t, "{\"process\":{\"env\":[\"A=");
		memset(t + off, 'x', big);
		off += big;
		off += (size_t)sprintf(t + off, "\",\"B=1\"]},\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
				       "{\"destination\":\"/usr/lib/gpu\",\"type\":\"bind\",\"source\":\"/usr/lib/nvidia\",\"options\":[\"ro\",\"rbind\"]},"
				       "7,{\"type\":\"tmpfs\"}],"
				       "\"root\":{\"path\":\"/r\"},\"annotations\":{\"drift.io/mode\":\"audit\"}}");
		ck_assert_int_eq(oci_parse_config(t, off, &c, err, sizeof(err)), 0);
		ck_assert_str_eq(c.root_path, "/r");
		ck_assert_uint_eq(c.nmounts, 2);
		ck_assert_str_eq(c.mounts[1].destination, "/usr/lib/gpu");
		ck_assert_str_eq(c.mounts[1].source, "/usr/lib/nvidia");
		ck_assert_str_eq(c.mounts[1].type, "bind");
		ck_assert_str_eq(oci_ann_get(&c.ann, "drift.io/mode"), "audit");
		oci_config_free(&c);
		free(t);
	}

	j = "{\"root\":\"rootfs\"}";
	ck_assert_int_eq(oci_parse_config(j, strlen(j), &c, err, sizeof(err)), -1);
	j = "{\"root\":{\"path\":\"\"}}";
	ck_assert_int_eq(oci_parse_config(j, strlen(j), &c, err, sizeof(err)), -1);
	j = "{\"root\":{\"path\":7}}";
	ck_assert_int_eq(oci_parse_config(j, strlen(j), &c, err, sizeof(err)), -1);
	j = "{\"process\":{}}";
	ck_assert_int_eq(oci_parse_config(j, strlen(j), &c, err, sizeof(err)), -1);
	j = "{\"root\":{\"path\":\"r\"},\"linux\":{\"cgroupsPath\":[]}}";
	ck_assert_int_eq(oci_parse_config(j, strlen(j), &c, err, sizeof(err)), -1);
}
END_TEST

START_TEST(merge)
{
	struct oci_state s;
	struct oci_config c;
	struct oci_annotations a = { 0 };
	char err[256];
	const char *sj = "{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":{\"drift.io/a\":\"state\"}}";
	const char *cj = "{\"root\":{\"path\":\"r\"},\"annotations\":{\"drift.io/a\":\"config\",\"drift.io/b\":\"config\"}}";

	ck_assert_int_eq(st(sj, &s, err), 0);
	ck_assert_int_eq(oci_parse_config(cj, strlen(cj), &c, err, sizeof(err)), 0);
	oci_ann_merge(&a, &s.ann);
	oci_ann_merge(&a, &c.ann);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_str_eq(oci_ann_get(&a, "drift.io/a"), "state");
	ck_assert_str_eq(oci_ann_get(&a, "drift.io/b"), "config");
	oci_ann_free(&a);
	oci_state_free(&s);
	oci_config_free(&c);
}
END_TEST

Suite *daemon_oci_suite(void)
{
	Suite *s = suite_create("daemon_oci");
	TCase *tc = tcase_create("oci");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, crun_state);
	tcase_add_test(tc, podman_state);
	tcase_add_test(tc, malformed_state);
	tcase_add_test(tc, hostile_sizes);
	tcase_add_test(tc, config_json);
	tcase_add_test(tc, merge);
	suite_add_tcase(s, tc);
	return s;
}

#ifndef DRIFT_UNIT_NO_MAIN
int main(void)
{
	SRunner *sr = srunner_create(daemon_oci_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
#endif

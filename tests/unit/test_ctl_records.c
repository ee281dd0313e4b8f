/*
 * driftctl's reader of driftd's container records (ctl/records.c, over
 * common/record.c: the schema's own cases are in test_common_record.c).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driftctl.h"

static int parse(const char *s, struct drift_record *r)
{
	char err[256];

	return drift_record_parse(s, strlen(s), r, err, sizeof(err));
}

START_TEST(full_record)
{
	struct drift_record r;

	ck_assert_int_eq(parse("{\"id\":\"9caa01\",\"name\":\"web\",\"pod\":\"web-1\","
			       "\"namespace\":\"shop\",\"image\":\"localhost/bb:1\","
			       "\"cgroup_id\":1234,\"set\":\"drift-img-0f\","
			       "\"mode\":\"enforce\",\"layers\":[\"/x\"]}", &r), 0);
	ck_assert_str_eq(r.id, "9caa01");
	ck_assert_str_eq(r.name, "web");
	ck_assert_str_eq(r.pod, "web-1");
	ck_assert_str_eq(r.namespace_, "shop");
	ck_assert_str_eq(r.image, "localhost/bb:1");
	ck_assert_str_eq(r.set, "drift-img-0f");
	ck_assert_uint_eq(r.cgroup_id, 1234);
	drift_record_free(&r);
}
END_TEST

START_TEST(nulls_are_absent)
{
	struct drift_record r;

	ck_assert_int_eq(parse("{\"id\":\"a1\",\"cgroup_id\":7,\"pod\":null,"
			       "\"namespace\":null}", &r), 0);
	ck_assert_ptr_null(r.pod);
	ck_assert_ptr_null(r.namespace_);
	drift_record_free(&r);
}
END_TEST

START_TEST(malformed_records_are_refused)
{
	static const char *bad[] = {
		"", "[]", "{", "null", "{\"id\":\"a\"}",
		"{\"cgroup_id\":7}", "{\"id\":\"\",\"cgroup_id\":7}",
		"{\"id\":\"a\",\"cgroup_id\":\"7\"}",
		"{\"id\":\"a\",\"cgroup_id\":-1}", "{\"id\":\"a\",\"cgroup_id\":0}",
		"{\"id\":\"a\",\"cgroup_id\":7} trailing",
		"{\"id\":\"a\",\"cgroup_id\":7,\"name\":5}",	/* not a string */
	};
	struct drift_record r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i], &r) == -EPROTO, "accepted: %s", bad[i]);
		ck_assert_ptr_null(r.id);
	}
}
END_TEST

START_TEST(find_by_id_name_and_prefix)
{
	struct drift_record v[3] = {
		{ .id = "9caa0123", .name = "web", .cgroup_id = 1 },
		{ .id = "9cbb4567", .name = "db", .cgroup_id = 2 },
		{ .id = "ffee", .name = NULL, .cgroup_id = 3 },
	};

	ck_assert_ptr_eq(records_find(v, 3, "web"), &v[0]);
	ck_assert_ptr_eq(records_find(v, 3, "9cbb4567"), &v[1]);
	ck_assert_ptr_eq(records_find(v, 3, "9caa"), &v[0]);	/* prefix */
	ck_assert_ptr_null(records_find(v, 3, "9c"));		/* too short */
	ck_assert_ptr_eq(records_find(v, 3, "ffee"), &v[2]);
	ck_assert_ptr_null(records_find(v, 3, "nope"));
	v[1].id = "9caa9999";
	ck_assert_ptr_null(records_find(v, 3, "9caa"));		/* ambiguous */
}
END_TEST

/* A name shared by several containers is ambiguous: all are reported. */
START_TEST(match_reports_every_container)
{
	struct drift_record v[4] = {
		{ .id = "aaaa1", .name = "web", .cgroup_id = 1 },
		{ .id = "bbbb2", .name = "web", .cgroup_id = 2 },
		{ .id = "web", .name = "x", .cgroup_id = 3 },
		{ .id = "cccc3", .name = "db", .cgroup_id = 4 },
	};
	const struct drift_record *hits[4];

	ck_assert_uint_eq(records_match(v, 2, "web", hits, 4), 2);
	ck_assert_ptr_eq(hits[0], &v[0]);
	ck_assert_ptr_eq(hits[1], &v[1]);
	ck_assert_ptr_null(records_find(v, 2, "web"));
	/* An exact id wins over names. */
	ck_assert_uint_eq(records_match(v, 4, "web", hits, 4), 1);
	ck_assert_ptr_eq(hits[0], &v[2]);
	/* Only MAX are stored, all are counted. */
	ck_assert_uint_eq(records_match(v, 2, "web", hits, 1), 2);
	ck_assert_uint_eq(records_match(v, 4, "db", hits, 4), 1);
	ck_assert_uint_eq(records_match(v, 4, "zz", hits, 4), 0);
	/* The record carries driftd's decision. */
	{
		const char *j = "{\"id\":\"a\",\"cgroup_id\":7,\"mode\":\"enforce\","
			"\"mode_source\":\"/etc/drift/driftd.conf:4\",\"lib_mode\":\"audit\","
			"\"lib_mode_source\":\"default lib-mode\"}";
		struct drift_record r;

		ck_assert_int_eq(parse(j, &r), 0);
		ck_assert_str_eq(r.mode_source, "/etc/drift/driftd.conf:4");
		ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
		ck_assert_int_eq(r.lib_mode, DRIFT_MODE_AUDIT);
		ck_assert_str_eq(r.lib_mode_source, "default lib-mode");
		drift_record_free(&r);
	}
}
END_TEST

START_TEST(load_directory_skips_bad_files)
{
	char dir[] = "/tmp/drift-records-XXXXXX", sub[128], f[160];
	struct drift_record *v;
	size_t n;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* no containers/ directory: no driftd, no records, no error */
	ck_assert_int_eq(records_load(dir, &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	snprintf(sub, sizeof(sub), "%s/containers", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(f, sizeof(f), "%s/good.json", sub);
	fp = fopen(f, "w");
	fputs("{\"id\":\"good\",\"cgroup_id\":42,\"image\":\"img\"}", fp);
	fclose(fp);
	snprintf(f, sizeof(f), "%s/bad.json", sub);
	fp = fopen(f, "w");
	fputs("{not json", fp);
	fclose(fp);
	snprintf(f, sizeof(f), "%s/other.txt", sub);
	fp = fopen(f, "w");
	fputs("{\"id\":\"x\",\"cgroup_id\":1}", fp);
	fclose(fp);
	ck_assert_int_eq(records_load(dir, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].id, "good");
	ck_assert_uint_eq(v[0].cgroup_id, 42);
	records_free(v, n);
	unlink(f);
	snprintf(f, sizeof(f), "%s/bad.json", sub);
	unlink(f);
	snprintf(f, sizeof(f), "%s/good.json", sub);
	unlink(f);
	rmdir(sub);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_records");
	TCase *tc = tcase_create("records");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, full_record);
	tcase_add_test(tc, nulls_are_absent);
	tcase_add_test(tc, malformed_records_are_refused);
	tcase_add_test(tc, find_by_id_name_and_prefix);
	tcase_add_test(tc, match_reports_every_container);
	tcase_add_test(tc, load_directory_skips_bad_files);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Unit tests: driftctl report (ctl/cmd_report.c) on hand-made event logs. */
#include <check.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driftctl.h"

static const char *log_text =
	"{\"schema\":1,\"kind\":\"drift\",\"time_ns\":\"1000000000\",\"op\":\"exec\",\"action\":\"audit\",\"reason\":\"not_in_image\",\"namespace\":\"shop\",\"image\":\"web:1\",\"container_id\":\"a\",\"path\":\"/tmp/x\"}\n"
	"{\"schema\":1,\"kind\":\"drift\",\"time_ns\":\"3000000000\",\"op\":\"exec\",\"action\":\"audit\",\"reason\":\"not_in_image\",\"namespace\":\"shop\",\"image\":\"web:1\",\"container_id\":\"b\",\"path\":\"/tmp/x\"}\n"
	"{\"schema\":1,\"kind\":\"drift\",\"time_ns\":\"2000000000\",\"op\":\"exec\",\"action\":\"audit\",\"reason\":\"fileless\",\"namespace\":\"shop\",\"image\":\"web:1\",\"container_id\":\"a\",\"path\":\"/memfd:x (deleted)\"}\n"
	"{\"schema\":1,\"kind\":\"drift\",\"time_ns\":\"2000000000\",\"op\":\"exec\",\"action\":\"deny\",\"reason\":\"not_in_image\",\"namespace\":\"ops\",\"image\":\"t:1\",\"container_id\":\"c\",\"path\":\"/bin/x\"}\n"
	"{\"schema\":1,\"kind\":\"bind_failed\",\"time_ns\":\"2000000000\"}\n"
	"<6>driftd: a log line in the journal\n"
	"{\"schema\":2,\"kind\":\"drift\",\"time_ns\":\"2000000000\",\"action\":\"audit\"}\n"
	"{\"schema\":1,\"kind\":\"drift\",\"time_ns\":\"99999999999999999999999\",\"action\":\"audit\"}\n";

static json_object *run(bool has_since, uint64_t since)
{
	struct drift_buf out = DRIFT_BUF_INIT;
	FILE *in = fmemopen((void *)log_text, strlen(log_text), "r");
	json_object *o;

	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(report_run(in, "log", has_since, since, "x", false, true, &out), 0);
	fclose(in);
	o = json_tokener_parse(out.data);
	ck_assert_ptr_nonnull(o);
	drift_buf_free(&out);
	return o;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no %s", k);
	return v;
}

START_TEST(groups_and_verdicts)
{
	json_object *o = run(false, 0), *nss, *shop = NULL, *ops = NULL, *p;
	size_t i;

	ck_assert_int_eq(json_object_get_int(get(o, "events")), 4);
	nss = get(o, "namespaces");
	ck_assert_int_eq(json_object_array_length(nss), 2);
	for (i = 0; i < 2; i++) {
		json_object *n = json_object_array_get_idx(nss, i);

		if (!strcmp(json_object_get_string(get(n, "namespace")), "shop"))
			shop = n;
		else
			ops = n;
	}
	ck_assert_ptr_nonnull(shop);
	ck_assert_str_eq(json_object_get_string(get(shop, "verdict")), "not_clean");
	ck_assert_str_eq(json_object_get_string(get(ops, "verdict")), "enforced");
	p = json_object_array_get_idx(get(shop, "paths"), 0);	/* most hits first */
	ck_assert_str_eq(json_object_get_string(get(p, "path")), "/tmp/x");
	ck_assert_int_eq(json_object_get_int(get(p, "would_deny")), 2);
	ck_assert_str_eq(json_object_get_string(get(p, "first")), "1970-01-01T00:00:01.000000000Z");
	ck_assert_str_eq(json_object_get_string(get(p, "last")), "1970-01-01T00:00:03.000000000Z");
	ck_assert_int_eq(json_object_array_length(get(p, "containers")), 2);
	ck_assert_str_eq(json_object_get_string(get(p, "allow_exception")), "/tmp/x");
	p = json_object_array_get_idx(get(shop, "paths"), 1);
	ck_assert_str_eq(json_object_get_string(get(p, "reason")), "fileless");
	ck_assert_ptr_null(get(p, "allow_exception"));
	json_object_put(o);
}
END_TEST

START_TEST(since)
{
	json_object *o = run(true, 60);	/* every event is from 1970 */

	ck_assert_int_eq(json_object_get_int(get(o, "events")), 0);
	json_object_put(o);
}
END_TEST

START_TEST(durations)
{
	uint64_t v;

	ck_assert_int_eq(parse_duration("90s", &v), 0);
	ck_assert_uint_eq(v, 90);
	ck_assert_int_eq(parse_duration("30m", &v), 0);
	ck_assert_uint_eq(v, 1800);
	ck_assert_int_eq(parse_duration("7d", &v), 0);
	ck_assert_uint_eq(v, 604800);
	ck_assert_int_eq(parse_duration("12", &v), 0);
	ck_assert_uint_eq(v, 12);
	ck_assert_int_ne(parse_duration("", &v), 0);
	ck_assert_int_ne(parse_duration("h", &v), 0);
	ck_assert_int_ne(parse_duration("-1h", &v), 0);
	ck_assert_int_ne(parse_duration("5x", &v), 0);
	ck_assert_int_ne(parse_duration("99999999999999999999d", &v), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_report");
	TCase *tc = tcase_create("report");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, groups_and_verdicts);
	tcase_add_test(tc, since);
	tcase_add_test(tc, durations);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Unit tests: common/names.c (enum <-> name round trips). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

START_TEST(mode_round_trip)
{
	enum drift_mode m;
	unsigned int v;

	for (v = 0; v <= DRIFT_MODE_MAX; v++) {
		const char *n = drift_mode_name(v);

		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(drift_mode_parse(n, &m), 0);
		ck_assert_uint_eq(m, v);
	}
	ck_assert_str_eq(drift_mode_name(DRIFT_MODE_OFF), "off");
	ck_assert_str_eq(drift_mode_name(DRIFT_MODE_AUDIT), "audit");
	ck_assert_str_eq(drift_mode_name(DRIFT_MODE_ENFORCE), "enforce");
	ck_assert_ptr_null(drift_mode_name(DRIFT_MODE_MAX + 1));
	ck_assert_ptr_null(drift_mode_name(~0U));
}
END_TEST

START_TEST(mode_parse_rejects)
{
	enum drift_mode m = DRIFT_MODE_AUDIT;
	static const char *const bad[] = {
		"", "Enforce", "ENFORCE", "enforce ", " off", "of", "offf",
		"enforce\n", "0", "1", "2", "none", "deny",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(drift_mode_parse(bad[i], &m), -EINVAL);
	ck_assert_int_eq(drift_mode_parse(NULL, &m), -EINVAL);
	ck_assert_uint_eq(m, DRIFT_MODE_AUDIT);	/* untouched */
}
END_TEST

START_TEST(reason_round_trip)
{
	static const char *const want[] = {
		"none", "not_in_image", "modified", "fileless", "no_set",
		"verify_failed", "writable", "selftest",
	};
	enum drift_reason r;
	unsigned int v;

	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), __DRIFT_REASON_MAX);
	for (v = 0; v <= DRIFT_REASON_MAX; v++) {
		ck_assert_str_eq(drift_reason_name(v), want[v]);
		ck_assert_int_eq(drift_reason_parse(want[v], &r), 0);
		ck_assert_uint_eq(r, v);
	}
	ck_assert_ptr_null(drift_reason_name(DRIFT_REASON_MAX + 1));
	ck_assert_int_eq(drift_reason_parse("not-in-image", &r), -EINVAL);
}
END_TEST

START_TEST(op_round_trip)
{
	static const char *const want[] = { "exec", "mmap", "mprotect" };
	enum drift_op o;
	unsigned int v;

	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), __DRIFT_OP_MAX);
	for (v = 0; v <= DRIFT_OP_MAX; v++) {
		ck_assert_str_eq(drift_op_name(v), want[v]);
		ck_assert_int_eq(drift_op_parse(want[v], &o), 0);
		ck_assert_uint_eq(o, v);
	}
	ck_assert_ptr_null(drift_op_name(DRIFT_OP_MAX + 1));
	ck_assert_int_eq(drift_op_parse("mmap2", &o), -EINVAL);
}
END_TEST

START_TEST(action_round_trip)
{
	static const char *const want[] = { "allow", "audit", "deny" };
	enum drift_action a;
	unsigned int v;

	for (v = 0; v <= DRIFT_ACTION_MAX; v++) {
		ck_assert_str_eq(drift_action_name(v), want[v]);
		ck_assert_int_eq(drift_action_parse(want[v], &a), 0);
		ck_assert_uint_eq(a, v);
	}
	ck_assert_ptr_null(drift_action_name(3));
	ck_assert_int_eq(drift_action_parse("enforce", &a), -EINVAL);
}
END_TEST

START_TEST(exception_types)
{
	enum drift_exception_type t;

	ck_assert_ptr_null(drift_exception_type_name(DRIFT_EXC_UNSPEC));
	ck_assert_str_eq(drift_exception_type_name(DRIFT_EXC_FILE), "file");
	ck_assert_str_eq(drift_exception_type_name(DRIFT_EXC_PATH_PREFIX), "path");
	ck_assert_int_eq(drift_exception_type_parse("path", &t), 0);
	ck_assert_uint_eq(t, DRIFT_EXC_PATH_PREFIX);
	ck_assert_int_eq(drift_exception_type_parse("", &t), -EINVAL);
}
END_TEST

START_TEST(stat_round_trip)
{
	enum drift_stat_attr s;
	unsigned int v, named = 0;

	ck_assert_ptr_null(drift_stat_name(DRIFT_STAT_UNSPEC));
	ck_assert_ptr_null(drift_stat_name(DRIFT_STAT_PAD));
	for (v = DRIFT_STAT_PAD + 1; v <= DRIFT_STAT_MAX; v++) {
		const char *n = drift_stat_name(v);

		ck_assert_ptr_nonnull(n);
		ck_assert_ptr_nonnull(drift_stat_help(v));
		ck_assert_int_eq(drift_stat_parse(n, &s), 0);
		ck_assert_uint_eq(s, v);
		/* lowercase identifiers only: usable as JSON keys, labels */
		ck_assert_uint_eq(strspn(n, "abcdefghijklmnopqrstuvwxyz_"),
				  strlen(n));
		named++;
	}
	ck_assert_uint_eq(named, DRIFT_STAT_MAX - 1);
	ck_assert_str_eq(drift_stat_name(DRIFT_STAT_EXECS_CHECKED), "execs_checked");
	ck_assert_str_eq(drift_stat_name(DRIFT_STAT_EVENTS_DROPPED), "events_dropped");
	ck_assert_str_eq(drift_stat_name(DRIFT_STAT_PROBE_MISSED), "probe_missed");
	ck_assert_ptr_null(drift_stat_name(DRIFT_STAT_MAX + 1));
	ck_assert_int_eq(drift_stat_parse("pad", &s), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common_names");
	TCase *tc = tcase_create("names");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, mode_round_trip);
	tcase_add_test(tc, mode_parse_rejects);
	tcase_add_test(tc, reason_round_trip);
	tcase_add_test(tc, action_round_trip);
	tcase_add_test(tc, op_round_trip);
	tcase_add_test(tc, exception_types);
	tcase_add_test(tc, stat_round_trip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

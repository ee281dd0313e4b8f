/*
 * The main() of a suite that is one test case: every suite needs the same
 * Check calls, so a new one says only its names and its tests:
 *
 *	const TTest *const tests[] = { test_a, test_b };
 *	return check_run("common_x", "x", 0, tests, 2);
 *
 * TIMEOUT: seconds per test (0: Check's default, 4 s or CK_DEFAULT_TIMEOUT).
 * Returns main()'s status: EXIT_FAILURE if any test failed.
 */
#ifndef DRIFT_TESTS_CHECK_RUN_H
#define DRIFT_TESTS_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(const char *suite, const char *tcase, int timeout,
			    const TTest *const *tests, size_t n)
{
	Suite *s = suite_create(suite);
	TCase *tc = tcase_create(tcase);
	SRunner *sr;
	size_t i;
	int failed;

	suite_add_tcase(s, tc);
	if (timeout)
		tcase_set_timeout(tc, timeout);
	for (i = 0; i < n; i++)
		tcase_add_test(tc, tests[i]);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

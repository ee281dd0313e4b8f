/* driftd's kernel set names (daemon/setname.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "setname.h"

static const struct setname_layer L1 = {
	.path = "/var/lib/l1", .dev = 2049, .ino = 1234,
	.ctime_sec = 1700000000, .ctime_nsec = 5,
};
static const struct setname_layer L2 = {
	.path = "/var/lib/l2", .dev = 2049, .ino = 99,
	.ctime_sec = 1700000001, .ctime_nsec = 123456789,
};

/* Fixed values: a name must not change between driftd versions (sets
 * adopted after an upgrade keep being shared). SHA-256, first 16 bytes. */
START_TEST(names_are_stable)
{
	struct setname_layer two[2] = { L1, L2 };
	char n[DRIFT_NAME_MAX];

	setname_image(two, 2, true, n);
	ck_assert_str_eq(n, "drift-img-68951aad1bb89c5e6ffd70d9b22868c6");
	setname_layer(&L1, true, n);
	ck_assert_str_eq(n, "drift-layer-05f1e7b19e6a97b4a55c752cc9a49db3");
	setname_layer(&L1, false, n);
	ck_assert_str_eq(n, "drift-layer-a9747a69f94bf4845c0f166366ac4505");
}
END_TEST

/* Every part of a layer's identity changes its name. */
START_TEST(every_part_counts)
{
	char base[DRIFT_NAME_MAX], n[DRIFT_NAME_MAX], img[DRIFT_NAME_MAX];
	struct setname_layer l;

	setname_layer(&L1, true, base);
	l = L1; l.path = "/var/lib/l1x";
	setname_layer(&l, true, n);
	ck_assert_str_ne(n, base);
	l = L1; l.dev = 2050;
	setname_layer(&l, true, n);
	ck_assert_str_ne(n, base);
	l = L1; l.ino = 1235;
	setname_layer(&l, true, n);
	ck_assert_str_ne(n, base);
	l = L1; l.ctime_sec++;
	setname_layer(&l, true, n);
	ck_assert_str_ne(n, base);
	l = L1; l.ctime_nsec++;
	setname_layer(&l, true, n);
	ck_assert_str_ne(n, base);
	/* "|1:23:..." and "|12:3:..." are different layers */
	l = L1; l.dev = 1; l.ino = 23;
	setname_layer(&l, true, n);
	l.dev = 12; l.ino = 3;
	setname_layer(&l, true, img);
	ck_assert_str_ne(n, img);
	/* same input, same name; a one-layer image is not its layer */
	l = L1;
	setname_layer(&l, true, n);
	ck_assert_str_eq(n, base);
	setname_image(&L1, 1, true, img);
	ck_assert_str_ne(img + strlen(SET_PREFIX_IMAGE),
			 base + strlen(SET_PREFIX_LAYER));
}
END_TEST

START_TEST(image_order_counts)
{
	struct setname_layer ab[2] = { L1, L2 }, ba[2] = { L2, L1 };
	char x[DRIFT_NAME_MAX], y[DRIFT_NAME_MAX];

	setname_image(ab, 2, true, x);
	setname_image(ba, 2, true, y);
	ck_assert_str_ne(x, y);
	setname_image(ab, 2, false, y);
	ck_assert_str_ne(x, y);
	setname_image(ab, 1, true, y);
	ck_assert_str_ne(x, y);
}
END_TEST

/* Names fit the kernel's limit whatever the path's length. */
START_TEST(names_fit)
{
	static char path[8192];
	struct setname_layer l = L1;
	char n[DRIFT_NAME_MAX];

	memset(path, 'p', sizeof(path) - 1);
	l.path = path;
	l.dev = l.ino = UINT64_MAX;
	l.ctime_sec = INT64_MIN;
	l.ctime_nsec = UINT32_MAX;
	setname_layer(&l, true, n);
	ck_assert_uint_eq(strlen(n), strlen(SET_PREFIX_LAYER) + 32);
	ck_assert_uint_lt(strlen(n), DRIFT_NAME_MAX);
	setname_image(&l, 1, false, n);
	ck_assert_uint_eq(strlen(n), strlen(SET_PREFIX_IMAGE) + 32);
	setname_image(NULL, 0, true, n);	/* no layers: still a name */
	ck_assert_uint_eq(strlen(n), strlen(SET_PREFIX_IMAGE) + 32);
}
END_TEST

START_TEST(ours)
{
	ck_assert(setname_ours("drift-img-0123"));
	ck_assert(setname_ours("drift-layer-0123"));
	ck_assert(setname_ours("drift-root-abc"));
	ck_assert(!setname_ours("drift-imgx"));
	ck_assert(!setname_ours("web"));
	ck_assert(!setname_ours(""));
	ck_assert(setname_is_layer("drift-layer-0"));
	ck_assert(!setname_is_layer("drift-img-0"));
	ck_assert(!setname_is_layer("drift-laye"));
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
		names_are_stable, every_part_counts, image_order_counts,
		names_fit, ours,
	};
	Suite *suite = suite_create("daemon_setname");
	TCase *tc = tcase_create("setname");
	SRunner *runner;
	int nfailed;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(suite, tc);
	runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	nfailed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Unit tests: common/cgroup.c (path -> cgroup id, errors). */
#include <check.h>
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

/* First cgroup2 mount point of this machine, or NULL. */
static char *cgroup2_mount(void)
{
	static char path[4096];
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "r");
	char *res = NULL;

	if (!f)
		return NULL;
	while ((m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			snprintf(path, sizeof(path), "%s", m->mnt_dir);
			res = path;
			break;
		}
	}
	endmntent(f);
	return res;
}

START_TEST(ids)
{
	char err[256];
	uint64_t id = 7;

	ck_assert_int_eq(drift_cgroup_resolve("id:12345", &id, err, sizeof(err)), 0);
	ck_assert_uint_eq(id, 12345);
	ck_assert_int_eq(drift_cgroup_resolve("id:0x10", &id, err, sizeof(err)), 0);
	ck_assert_uint_eq(id, 16);
	ck_assert_int_eq(drift_cgroup_resolve("id:18446744073709551615", &id,
					      err, sizeof(err)), 0);
	ck_assert_uint_eq(id, UINT64_MAX);

	id = 7;
	ck_assert_int_eq(drift_cgroup_resolve("id:", &id, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "id:NUMBER"));
	ck_assert_int_eq(drift_cgroup_resolve("id:-1", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(drift_cgroup_resolve("id:12x", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(drift_cgroup_resolve("id: 1", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(drift_cgroup_resolve("id:18446744073709551616", &id,
					      err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(id, 7);
}
END_TEST

START_TEST(empty_and_missing)
{
	char err[512];
	uint64_t id = 7;

	ck_assert_int_eq(drift_cgroup_resolve("", &id, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "id:NUMBER"));
	ck_assert_int_eq(drift_cgroup_resolve(NULL, &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(drift_cgroup_resolve("/nonexistent/drift-test", &id,
					      err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "no such cgroup"));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/drift-test"));
	/* relative: below the root given */
	ck_assert_int_eq(drift_cgroup_resolve_at("/nonexistent", "a/b", &id,
						 err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/a/b"));
	ck_assert_uint_eq(id, 7);
	/* NULL error buffer is allowed */
	ck_assert_int_eq(drift_cgroup_resolve("/nonexistent", &id, NULL, 0), -ENOENT);
	/* tiny error buffer: truncated, terminated */
	ck_assert_int_eq(drift_cgroup_resolve("/nonexistent", &id, err, 4), -ENOENT);
	ck_assert_uint_eq(strlen(err), 3);
}
END_TEST

START_TEST(not_cgroup2)
{
	char err[512];
	uint64_t id = 7;
	char tmpl[] = "/tmp/drift-cg-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_int_eq(drift_cgroup_resolve(tmpl, &id, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not on a cgroup v2"));
	ck_assert_uint_eq(id, 7);
	rmdir(tmpl);
	ck_assert_int_eq(drift_cgroup_resolve("/etc/hostname", &id, err,
					      sizeof(err)), -ENOTDIR);
	ck_assert_ptr_nonnull(strstr(err, "not a cgroup directory"));
}
END_TEST

START_TEST(real_cgroup2)
{
	char *mnt = cgroup2_mount();
	char err[512], *back;
	struct stat st;
	uint64_t id = 0;

	if (!mnt) {
		fprintf(stderr, "real_cgroup2: no cgroup2 mount here, skipped\n");
		return;
	}
	ck_assert_int_eq(stat(mnt, &st), 0);
	ck_assert_int_eq(drift_cgroup_resolve(mnt, &id, err, sizeof(err)), 0);
	ck_assert_uint_eq(id, st.st_ino);
	/* the same directory, relative to a root */
	ck_assert_int_eq(drift_cgroup_resolve_at(mnt, ".", &id, err, sizeof(err)), 0);
	ck_assert_uint_eq(id, st.st_ino);
	back = drift_cgroup_path_of(mnt, id);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(back, mnt);
	free(back);
	ck_assert_ptr_null(drift_cgroup_path_of(mnt, UINT64_MAX));
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* The runtimes' container scope names, and their conmon scopes. */
START_TEST(container_names)
{
	ck_assert_int_eq(drift_cgroup_container_prefix("libpod-0123abcd.scope"), 7);
	ck_assert_int_eq(drift_cgroup_container_prefix("crio-0123abcd.scope"), 5);
	ck_assert_int_eq(drift_cgroup_container_prefix("docker-0123.scope"), 7);
	ck_assert_int_eq(drift_cgroup_container_prefix("cri-containerd-0123.scope"), 15);
	ck_assert_int_eq(drift_cgroup_container_prefix("libpod-conmon-0123.scope"), -1);
	ck_assert_int_eq(drift_cgroup_container_prefix("crio-conmon-0123.scope"), -1);
	ck_assert_int_eq(drift_cgroup_container_prefix("system.slice"), 0);
	ck_assert_int_eq(drift_cgroup_container_prefix("libpod_parent"), 0);
	ck_assert_int_eq(drift_cgroup_container_prefix(""), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common_cgroup");
	TCase *tc = tcase_create("cgroup");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, ids);
	tcase_add_test(tc, empty_and_missing);
	tcase_add_test(tc, not_cgroup2);
	tcase_add_test(tc, real_cgroup2);
	tcase_add_test(tc, container_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

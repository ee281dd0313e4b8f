/* Unit tests: common/fileid.c on real temporary files. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "fileid.h"

#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* FIPS 180-2 vector: one million 'a' (crosses the read chunk size). */
#define SHA_MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static char dir[256];

static void setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/drift-fileid-XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static char *mkpath(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t len,
		       mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

static void hexof(const struct drift_file_id *id, char out[65])
{
	drift_hex(id->sha256, DRIFT_SHA256_LEN, out);
}

START_TEST(sha_known_vectors)
{
	struct drift_file_id id;
	char hex[65];
	char *big;

	write_file(mkpath("abc"), "abc", 3, 0755);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("abc"), &id,
						 DRIFT_FILEID_SHA256), 0);
	hexof(&id, hex);
	ck_assert_str_eq(hex, SHA_ABC);
	ck_assert(id.flags & DRIFT_FILE_F_SHA256);
	ck_assert(id.flags & DRIFT_FILE_F_CTIME);
	ck_assert_uint_eq(id.reserved, 0);

	write_file(mkpath("empty"), "", 0, 0755);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("empty"), &id,
						 DRIFT_FILEID_SHA256), 0);
	hexof(&id, hex);
	ck_assert_str_eq(hex, SHA_EMPTY);

	big = malloc(1000000);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 1000000);
	write_file(mkpath("big"), big, 1000000, 0700);
	free(big);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("big"), &id,
						 DRIFT_FILEID_SHA256), 0);
	hexof(&id, hex);
	ck_assert_str_eq(hex, SHA_MILLION_A);
}
END_TEST

START_TEST(sha_mem_and_hex)
{
	uint8_t md[DRIFT_SHA256_LEN];
	uint8_t raw[3] = { 0x00, 0xab, 0xff };
	char hex[65];

	ck_assert_int_eq(drift_sha256_mem("abc", 3, md), 0);
	drift_hex(md, sizeof(md), hex);
	ck_assert_str_eq(hex, SHA_ABC);
	drift_hex(raw, 3, hex);
	ck_assert_str_eq(hex, "00abff");
}
END_TEST

START_TEST(identity_matches_stat)
{
	struct drift_file_id id;
	struct stat st;
	int gen = 0, fd;
	bool has_gen;

	write_file(mkpath("x"), "#!/bin/sh\n", 10, 0755);
	ck_assert_int_eq(stat(mkpath("x"), &st), 0);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("x"), &id, 0), 0);
	ck_assert_uint_eq(id.ino, st.st_ino);
	ck_assert_uint_eq(id.dev_major, major(st.st_dev));
	ck_assert_uint_eq(id.dev_minor, minor(st.st_dev));
	ck_assert_int_eq(id.ctime_sec, st.st_ctim.tv_sec);
	ck_assert_uint_eq(id.ctime_nsec, (uint32_t)st.st_ctim.tv_nsec);
	ck_assert(id.flags & DRIFT_FILE_F_CTIME);
	/* no hash asked: no digest, no flag */
	ck_assert(!(id.flags & DRIFT_FILE_F_SHA256));
	for (size_t i = 0; i < DRIFT_SHA256_LEN; i++)
		ck_assert_uint_eq(id.sha256[i], 0);
	ck_assert_uint_eq(id.flags & ~(unsigned)__DRIFT_FILE_F_ALL, 0);

	/* the generation flag follows exactly what the filesystem says */
	fd = open(mkpath("x"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	has_gen = ioctl(fd, FS_IOC_GETVERSION, &gen) == 0;
	close(fd);
	ck_assert_int_eq(!!(id.flags & DRIFT_FILE_F_GENERATION), has_gen);
	if (has_gen)
		ck_assert_uint_eq(id.generation, (uint32_t)gen);
	else
		ck_assert_uint_eq(id.generation, 0);
}
END_TEST

/* tmpfs has no FS_IOC_GETVERSION: the flag must be absent there. */
START_TEST(generation_absent_on_tmpfs)
{
	struct drift_file_id id;
	char p[] = "/dev/shm/drift-fileid-XXXXXX";
	int fd = mkstemp(p);
	int gen;

	if (fd < 0)
		return;	/* no /dev/shm here: nothing to check */
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	if (ioctl(fd, FS_IOC_GETVERSION, &gen) == 0) {
		close(fd);
		unlink(p);
		return;	/* this tmpfs has generations after all */
	}
	ck_assert_int_eq(drift_file_id_from_fd(fd, &id, DRIFT_FILEID_SHA256), 0);
	close(fd);
	unlink(p);
	ck_assert(!(id.flags & DRIFT_FILE_F_GENERATION));
	ck_assert(id.flags & DRIFT_FILE_F_SHA256);
	ck_assert(id.flags & DRIFT_FILE_F_CTIME);
}
END_TEST

START_TEST(ctime_changes_on_chmod)
{
	struct drift_file_id a, b;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	write_file(mkpath("c"), "abc", 3, 0755);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("c"), &a, 0), 0);
	nanosleep(&ts, NULL);
	ck_assert_int_eq(chmod(mkpath("c"), 0700), 0);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("c"), &b, 0), 0);
	ck_assert_uint_eq(a.ino, b.ino);
	ck_assert(a.ctime_sec != b.ctime_sec || a.ctime_nsec != b.ctime_nsec);
}
END_TEST

START_TEST(errors)
{
	struct drift_file_id id;

	memset(&id, 0xaa, sizeof(id));
	errno = 0;
	ck_assert_int_eq(drift_file_id_from_path(mkpath("missing"), &id, 0), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(id.flags, 0);	/* zeroed on error */
	ck_assert_uint_eq(id.ino, 0);

	ck_assert_int_eq(drift_file_id_from_path("", &id, 0), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(drift_file_id_from_path(NULL, &id, 0), -1);
	ck_assert_int_eq(errno, EINVAL);

	write_file(mkpath("f"), "abc", 3, 0755);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("f"), &id, 1U << 30), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* a directory has an identity, but no content to hash */
	ck_assert_int_eq(drift_file_id_from_path(dir, &id, 0), 0);
	ck_assert_int_eq(drift_file_id_from_path(dir, &id, DRIFT_FILEID_SHA256), -1);
	ck_assert_int_eq(errno, EISDIR);

	/* a FIFO must neither block nor be read */
	ck_assert_int_eq(mkfifo(mkpath("fifo"), 0600), 0);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("fifo"), &id,
						 DRIFT_FILEID_SHA256), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("fifo"), &id, 0), 0);
}
END_TEST

START_TEST(symlinks)
{
	struct drift_file_id a, b;

	write_file(mkpath("target"), "abc", 3, 0755);
	ck_assert_int_eq(symlink("target", mkpath("link")), 0);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("target"), &a, 0), 0);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("link"), &b, 0), 0);
	ck_assert_uint_eq(a.ino, b.ino);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("link"), &b,
						 DRIFT_FILEID_NOFOLLOW), -1);
	ck_assert_int_eq(errno, ELOOP);
}
END_TEST

START_TEST(fd_variants)
{
	struct drift_file_id a, b;
	char hex[65];
	int fd;

	write_file(mkpath("f"), "abc", 3, 0755);
	ck_assert_int_eq(drift_file_id_from_path(mkpath("f"), &a,
						 DRIFT_FILEID_SHA256), 0);
	/* the file offset is not used and not moved */
	fd = open(mkpath("f"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 2, SEEK_SET), 2);
	ck_assert_int_eq(drift_file_id_from_fd(fd, &b, DRIFT_FILEID_SHA256), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 2);
	close(fd);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	hexof(&b, hex);
	ck_assert_str_eq(hex, SHA_ABC);

	/* O_PATH: identity only */
	fd = open(mkpath("f"), O_PATH);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(drift_file_id_from_fd(fd, &b, 0), 0);
	ck_assert_uint_eq(b.ino, a.ino);
	ck_assert(!(b.flags & DRIFT_FILE_F_GENERATION));
	ck_assert_int_eq(drift_file_id_from_fd(fd, &b, DRIFT_FILEID_SHA256), -1);
	close(fd);

	ck_assert_int_eq(drift_file_id_from_fd(-1, &b, 0), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common_fileid");
	TCase *tc = tcase_create("fileid");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sha_known_vectors);
	tcase_add_test(tc, sha_mem_and_hex);
	tcase_add_test(tc, identity_matches_stat);
	tcase_add_test(tc, generation_absent_on_tmpfs);
	tcase_add_test(tc, ctime_changes_on_chmod);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, symlinks);
	tcase_add_test(tc, fd_variants);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

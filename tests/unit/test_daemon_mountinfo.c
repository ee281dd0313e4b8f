/* Unit tests: mountinfo and overlayfs options (daemon/mountinfo.c). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mountinfo.h"

/* Real lines seen in the QEMU guest (crun bundle and podman). */
static const char *const guest =
	"53 52 0:40 / /tmp/b/rootfs rw,relatime - overlay ovl rw,lowerdir=/tmp/img,upperdir=/tmp/ovl/up,workdir=/tmp/ovl/work\n"
	"56 51 0:26 / /var rw,relatime - overlay ovl-var rw,lowerdir=/newroot/var,upperdir=/ovl/var/upper,workdir=/ovl/var/work\n"
	"64 63 0:43 / /var/lib/containers/storage/overlay/dc9e/merged rw,relatime - overlay overlay rw,lowerdir=/var/lib/containers/storage/overlay/l/NJ7DAA7PC5WQ2ULCBA6A664GZ2,upperdir=/var/lib/containers/storage/overlay/dc9e/diff,workdir=/var/lib/containers/storage/overlay/dc9e/work,volatile\n"
	"70 53 0:40 / /tmp/b/rootfs rw,relatime shared:5 master:1 - overlay ovl rw,lowerdir=/tmp/img2:/tmp/img,upperdir=/tmp/ovl/up,workdir=/tmp/ovl/work\n"
	"71 70 0:43 / /tmp/b/rootfs/proc rw,relatime - proc proc rw\n"
	"80 1 0:50 / /with\\040space rw - tmpfs my\\040src rw\n";

START_TEST(find_top_most)
{
	struct mount_entry e;

	ck_assert_int_eq(mountinfo_find(guest, strlen(guest), "/tmp/b/rootfs", &e), 0);
	ck_assert_str_eq(e.fstype, "overlay");
	ck_assert_str_eq(e.source, "ovl");
	ck_assert_ptr_nonnull(strstr(e.super_opts, "lowerdir=/tmp/img2:/tmp/img"));
	mount_entry_free(&e);
	ck_assert_int_eq(mountinfo_find(guest, strlen(guest), "/with space", &e), 0);
	ck_assert_str_eq(e.source, "my src");
	mount_entry_free(&e);
	ck_assert_int_eq(mountinfo_find(guest, strlen(guest), "/nope", &e), -1);
	mount_entry_free(&e);
	ck_assert_int_eq(mountinfo_find(guest, strlen(guest), "/tmp/b", &e), -1);
	mount_entry_free(&e);
}
END_TEST

START_TEST(malformed_lines)
{
	static const char *const text =
		"\n"
		"garbage\n"
		"1 2 3 4 5 6 7 8 9 10\n"				/* no separator */
		"1 2 0:1 / /x rw - overlay\n"				/* too short */
		"1 2 0:1 / /x rw - overlay a b c\n"			/* too long */
		"1 2 nocolon / /x rw - overlay src opts\n"
		"- - - - - - - - - -\n"
		"1 2 0:1 / /x rw a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 - t s o\n"
		"1 2 0:1 / /x rw - tmpfs good rw\n"
		"1 2 0:1 / /y rw - tmpfs nonewline rw";
	struct mount_entry e;

	ck_assert_int_eq(mountinfo_find(text, strlen(text), "/x", &e), 0);
	ck_assert_str_eq(e.source, "good");
	mount_entry_free(&e);
	ck_assert_int_eq(mountinfo_find(text, strlen(text), "/y", &e), 0);
	ck_assert_str_eq(e.source, "nonewline");
	mount_entry_free(&e);
	/* NUL bytes inside a line: the line is skipped. */
	ck_assert_int_eq(mountinfo_find("1 2 0:1 / /z\0 rw - t s o\n", 25, "/z", &e), -1);
	mount_entry_free(&e);
	ck_assert_int_eq(mountinfo_find("", 0, "/", &e), -1);
	mount_entry_free(&e);
}
END_TEST

START_TEST(unescape)
{
	char a[] = "a\\040b\\011c\\012d\\134e";
	char b[] = "\\000x\\9\\04\\";
	char c[] = "\\377";

	mountinfo_unescape(a);
	ck_assert_str_eq(a, "a b\tc\nd\\e");
	mountinfo_unescape(b);
	ck_assert_str_eq(b, "\\000x\\9\\04\\");
	mountinfo_unescape(c);
	ck_assert_int_eq((unsigned char)c[0], 0xff);
}
END_TEST

START_TEST(overlay_options)
{
	struct overlay_layers l;
	char err[256];

	ck_assert_int_eq(overlay_parse_opts("rw,lowerdir=/a:/b\\:c:/d,upperdir=/u/x/diff,workdir=/u/x/work,volatile",
					    &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.nlower, 3);
	ck_assert_str_eq(l.lower[0], "/a");
	ck_assert_str_eq(l.lower[1], "/b:c");
	ck_assert_str_eq(l.lower[2], "/d");
	ck_assert_str_eq(l.upper, "/u/x/diff");
	ck_assert_str_eq(l.work, "/u/x/work");
	overlay_layers_free(&l);

	/* Escaped comma and space from seq_show_option. */
	ck_assert_int_eq(overlay_parse_opts("lowerdir=/a\\054b:/c\\040d", &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.nlower, 2);
	ck_assert_str_eq(l.lower[0], "/a,b");
	ck_assert_str_eq(l.lower[1], "/c d");
	ck_assert_ptr_null(l.upper);
	overlay_layers_free(&l);

	/* New-style lowerdir+= and data-only layers, podman's l/ names. */
	ck_assert_int_eq(overlay_parse_opts("lowerdir+=/x,lowerdir+=/y,datadir+=/z", &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.nlower, 3);
	overlay_layers_free(&l);
	ck_assert_int_eq(overlay_parse_opts("lowerdir=l/AAA:l/BBB::/data,upperdir=/s/o/L/diff", &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.nlower, 3);
	ck_assert_str_eq(l.lower[0], "l/AAA");
	overlay_layers_free(&l);

	/* No lowerdir, empty, hostile. */
	ck_assert_int_eq(overlay_parse_opts("rw,upperdir=/u", &l, err, sizeof(err)), -1);
	ck_assert_int_eq(overlay_parse_opts("", &l, err, sizeof(err)), -1);
	ck_assert_int_eq(overlay_parse_opts(",,,,", &l, err, sizeof(err)), -1);
	ck_assert_int_eq(overlay_parse_opts("lowerdir=", &l, err, sizeof(err)), -1);
	ck_assert_int_eq(overlay_parse_opts("lowerdir=:::", &l, err, sizeof(err)), -1);
	ck_assert_int_eq(overlay_parse_opts("lowerdir=\\", &l, err, sizeof(err)), 0);
	overlay_layers_free(&l);
	{
		size_t n = 6000, i, off = 9;
		char *big = malloc(n * 3 + 16);

		memcpy(big, "lowerdir=", 9);
		for (i = 0; i < n; i++) {
			big[off++] = '/';
			big[off++] = 'a';
			big[off++] = ':';
		}
		big[off - 1] = '\0';
		ck_assert_int_eq(overlay_parse_opts(big, &l, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "more than"));
		free(big);
	}
}
END_TEST

START_TEST(resolve_short_names)
{
	char base[] = "/tmp/driftd-mi-XXXXXX";
	char p[PATH_MAX + 64], q[3 * PATH_MAX], err[256], real[PATH_MAX];
	struct overlay_layers l;

	ck_assert_ptr_nonnull(mkdtemp(base));
	ck_assert_ptr_nonnull(realpath(base, real));
	/* <home>/LAYER/diff, <home>/l/SHORT -> ../LAYER/diff (containers/storage) */
	snprintf(p, sizeof(p), "%s/layer1", base); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/layer1/diff", base); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/ctr", base); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/ctr/diff", base); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/l", base); mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/l/SHORT", base);
	ck_assert_int_eq(symlink("../layer1/diff", p), 0);

	snprintf(q, sizeof(q), "lowerdir=l/SHORT:%s/l/SHORT,upperdir=%s/ctr/diff", base, base);
	ck_assert_int_eq(overlay_parse_opts(q, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(overlay_resolve(&l, NULL, err, sizeof(err)), 0);
	snprintf(p, sizeof(p), "%s/layer1/diff", real);
	ck_assert_str_eq(l.lower[0], p);
	ck_assert_str_eq(l.lower[1], p);
	overlay_layers_free(&l);

	/* Relative with no upper: needs a base. */
	ck_assert_int_eq(overlay_parse_opts("lowerdir=l/SHORT", &l, err, sizeof(err)), 0);
	ck_assert_int_eq(overlay_resolve(&l, NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(overlay_resolve(&l, base, err, sizeof(err)), 0);
	ck_assert_str_eq(l.lower[0], p);
	overlay_layers_free(&l);

	/* Missing layer. */
	ck_assert_int_eq(overlay_parse_opts("lowerdir=/nonexistent/driftd", &l, err, sizeof(err)), 0);
	ck_assert_int_eq(overlay_resolve(&l, NULL, err, sizeof(err)), -1);
	overlay_layers_free(&l);

	snprintf(p, sizeof(p), "%s/l/SHORT", base); unlink(p);
	snprintf(p, sizeof(p), "%s/l", base); rmdir(p);
	snprintf(p, sizeof(p), "%s/ctr/diff", base); rmdir(p);
	snprintf(p, sizeof(p), "%s/ctr", base); rmdir(p);
	snprintf(p, sizeof(p), "%s/layer1/diff", base); rmdir(p);
	snprintf(p, sizeof(p), "%s/layer1", base); rmdir(p);
	rmdir(base);
}
END_TEST

START_TEST(read_proc)
{
	size_t len;
	char *t = read_file_all("/proc/self/mountinfo", 16u << 20, &len);
	struct mount_entry e;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(mountinfo_find(t, len, "/", &e), 0);
	mount_entry_free(&e);
	free(t);
	ck_assert_ptr_null(read_file_all("/nonexistent/x", 100, &len));
}
END_TEST

Suite *daemon_mountinfo_suite(void)
{
	Suite *s = suite_create("daemon_mountinfo");
	TCase *tc = tcase_create("mountinfo");

	tcase_add_test(tc, find_top_most);
	tcase_add_test(tc, malformed_lines);
	tcase_add_test(tc, unescape);
	tcase_add_test(tc, overlay_options);
	tcase_add_test(tc, resolve_short_names);
	tcase_add_test(tc, read_proc);
	suite_add_tcase(s, tc);
	return s;
}

#ifndef DRIFT_UNIT_NO_MAIN
int main(void)
{
	SRunner *sr = srunner_create(daemon_mountinfo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
#endif

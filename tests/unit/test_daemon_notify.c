/* driftd's service-manager notification (sd_notify protocol). */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static int listener(const char *name, bool abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memcpy(sa.sun_path + (abstract ? 1 : 0), name, len);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					  len + (abstract ? 1 : 0))), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(no_socket_is_not_an_error)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_service_manager("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	ck_assert_int_eq(notify_service_manager("READY=1"), 0);
}
END_TEST

START_TEST(path_socket_gets_the_state)
{
	char dir[] = "/tmp/drift-notify-XXXXXX", path[128];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path, false);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(notify_service_manager("READY=1\nSTATUS=up"), 0);
	expect_datagram(fd, "READY=1\nSTATUS=up");
	close(fd);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(abstract_socket_gets_the_state)
{
	char name[64], env[70];
	int fd;

	snprintf(name, sizeof(name), "drift-notify-test-%d", (int)getpid());
	fd = listener(name, true);
	snprintf(env, sizeof(env), "@%s", name);
	setenv("NOTIFY_SOCKET", env, 1);
	ck_assert_int_eq(notify_service_manager("STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}
END_TEST

START_TEST(bad_socket_names_are_errors)
{
	char longname[200];

	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_int_eq(notify_service_manager("READY=1"), -EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	ck_assert_int_eq(notify_service_manager("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "/nonexistent/drift/notify", 1);
	ck_assert_int_eq(notify_service_manager("READY=1"), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_notify");
	TCase *tc = tcase_create("notify");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, no_socket_is_not_an_error);
	tcase_add_test(tc, path_socket_gets_the_state);
	tcase_add_test(tc, abstract_socket_gets_the_state);
	tcase_add_test(tc, bad_socket_names_are_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

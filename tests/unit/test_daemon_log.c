/* Unit tests: driftd's log lines (daemon/log.c): syslog priority prefixes
 * when stderr is the journal (JOURNAL_STREAM), plain text elsewhere. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* Runs the log calls with stderr on a temp file; returns what was written. */
static char *capture(const char *journal_env)
{
	char path[] = "/tmp/drift-log-XXXXXX", env[64];
	int fd = mkstemp(path), saved = dup(2);
	struct stat st;
	static char buf[4096];
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	if (journal_env && !strcmp(journal_env, "self")) {
		snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", env, 1);
	} else if (journal_env) {
		setenv("JOURNAL_STREAM", journal_env, 1);
	} else {
		unsetenv("JOURNAL_STREAM");
	}
	fflush(stderr);
	dup2(fd, 2);
	dlog_reset();
	log_err("disk %s", "gone");
	log_warn("w");
	log_info("i");
	log_debug("hidden at the default verbosity");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

START_TEST(journal_prefixes)
{
	const char *out = capture("self");

	ck_assert_str_eq(out, "<3>disk gone\n<4>w\n<6>i\n");
}
END_TEST

START_TEST(plain_text)
{
	const char *out = capture(NULL);

	ck_assert_msg(strstr(out, "Z driftd error: disk gone\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "Z driftd warning: w\n") != NULL, "%s", out);
	ck_assert(out[0] != '<');
	/* JOURNAL_STREAM naming another stream (stdout only), or garbage */
	out = capture("1:2");
	ck_assert(out[0] != '<');
	out = capture("x:y");
	ck_assert(out[0] != '<');
}
END_TEST

START_TEST(stream_match)
{
	ck_assert(!dlog_stream_is_journal(NULL, 2));
	ck_assert(!dlog_stream_is_journal("", 2));
	ck_assert(!dlog_stream_is_journal("12", 2));
	ck_assert(!dlog_stream_is_journal("1:2:3", 2));
	ck_assert(!dlog_stream_is_journal("1:2", -1));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_log");
	TCase *tc = tcase_create("log");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, journal_prefixes);
	tcase_add_test(tc, plain_text);
	tcase_add_test(tc, stream_match);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Unit tests: driftd configuration parser (daemon/config.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "drift_netlink.h"

struct errs {
	char msg[64][600];
	unsigned n;
};

static void collect(void *arg, const char *msg)
{
	struct errs *e = arg;

	if (e->n < 64)
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	e->n++;
}

static unsigned parse(struct driftd_config *c, const char *text, struct errs *e)
{
	memset(e, 0, sizeof(*e));
	return config_parse_text(c, "t.conf", text, strlen(text), collect, e);
}

START_TEST(defaults)
{
	struct driftd_config c;

	config_init(&c);
	ck_assert_int_eq(c.default_mode, DRIFT_MODE_AUDIT);
	ck_assert_str_eq(c.socket_path, "/run/drift/driftd.sock");
	ck_assert_str_eq(c.metrics_listen, "127.0.0.1:9477");
	ck_assert_uint_eq(c.nrules, 1);
	ck_assert_int_eq(c.rules[0].mode, DRIFTD_MODE_EXEMPT);
	ck_assert_str_eq(c.rules[0].pattern, "drift-system");
	config_free(&c);
}
END_TEST

START_TEST(valid_file)
{
	struct driftd_config c;
	struct errs e;
	const char *t =
		"# comment\n"
		"\n"
		"mode enforce\n"
		"socket /run/x/d.sock   # trailing comment\n"
		"state-dir /var/run/drift\n"
		"events /var/log/drift.jsonl\n"
		"events-format falco\n"
		"metrics-listen [::1]:9100\n"
		"reconcile-interval-ms 500\n"
		"request-timeout-ms 3000\n"
		"hook-workers 16\n"
		"annotations no\n"
		"cri-runtime cri-o\n"
		"hash yes\n"
		"discover off\n"
		"rule namespace kube-* audit\n"
		"rule image docker.io/library/nginx:* enforce\n"
		"exempt image registry.k8s.io/pause*\r\n";

	config_init(&c);
	ck_assert_uint_eq(parse(&c, t, &e), 0);
	ck_assert_int_eq(c.default_mode, DRIFT_MODE_ENFORCE);
	ck_assert_str_eq(c.socket_path, "/run/x/d.sock");
	ck_assert_str_eq(c.state_dir, "/var/run/drift");
	ck_assert_str_eq(c.events_output, "/var/log/drift.jsonl");
	ck_assert_int_eq(c.events_format, EVENTS_FALCO);
	ck_assert_str_eq(c.metrics_listen, "[::1]:9100");
	ck_assert_uint_eq(c.reconcile_ms, 500);
	ck_assert_uint_eq(c.request_timeout_ms, 3000);
	ck_assert_uint_eq(c.hook_workers, 16);
	ck_assert(!c.annotations);
	ck_assert_int_eq(c.cri, CRI_CRIO);
	ck_assert(!c.discover);
	ck_assert_uint_eq(c.nrules, 4);
	ck_assert_int_eq(c.rules[1].kind, RULE_NAMESPACE);
	ck_assert_int_eq(c.rules[1].mode, DRIFT_MODE_AUDIT);
	ck_assert_uint_eq(c.rules[1].line, 16);
	ck_assert_int_eq(c.rules[3].kind, RULE_IMAGE);
	ck_assert_int_eq(c.rules[3].mode, DRIFTD_MODE_EXEMPT);
	ck_assert_str_eq(c.rules[3].pattern, "registry.k8s.io/pause*");
	config_free(&c);
}
END_TEST

START_TEST(bad_lines_all_reported)
{
	struct driftd_config c;
	struct errs e;
	const char *t =
		"mode enforce\n"
		"mode sometimes\n"			/* 2 */
		"socket relative/path\n"		/* 3 */
		"bogus-key 1\n"				/* 4 */
		"reconcile-interval-ms 12abc\n"		/* 5 */
		"reconcile-interval-ms 99999999999999999999\n" /* 6 */
		"rule pod foo audit\n"			/* 7 */
		"rule namespace foo\n"			/* 8 */
		"rule namespace foo maybe\n"		/* 9 */
		"metrics-listen nonsense\n"		/* 10 */
		"metrics-listen 1.2.3.4:99999\n"	/* 11 */
		"hash perhaps\n"			/* 12 */
		"events-format xml\n"			/* 13 */
		"mode\n"				/* 14 */
		"mode audit extra\n"			/* 15 */
		"rule namespace prod enforce\n"		/* 16: good */
		"events stdout\n"			/* 17: good */
		"hook-workers 0\n"			/* 18 */
		"hook-workers 65\n";			/* 19 */

	config_init(&c);
	ck_assert_uint_eq(parse(&c, t, &e), 16);
	ck_assert_uint_eq(e.n, 16);
	ck_assert_ptr_nonnull(strstr(e.msg[0], "t.conf:2: mode"));
	ck_assert_ptr_nonnull(strstr(e.msg[1], "t.conf:3: socket"));
	ck_assert_ptr_nonnull(strstr(e.msg[2], "t.conf:4: unknown key"));
	ck_assert_ptr_nonnull(strstr(e.msg[3], "t.conf:5:"));
	ck_assert_ptr_nonnull(strstr(e.msg[4], "t.conf:6:"));
	ck_assert_ptr_nonnull(strstr(e.msg[13], "t.conf:15:"));
	ck_assert_ptr_nonnull(strstr(e.msg[14], "t.conf:18: hook-workers"));
	ck_assert_ptr_nonnull(strstr(e.msg[15], "t.conf:19: hook-workers"));
	ck_assert_uint_eq(c.hook_workers, 4);
	/* (driftd then refuses the file: main.c, tests t70.) */
	ck_assert_int_eq(c.default_mode, DRIFT_MODE_ENFORCE);
	ck_assert_str_eq(c.socket_path, "/run/drift/driftd.sock");
	ck_assert_uint_eq(c.reconcile_ms, 1000);
	ck_assert_uint_eq(c.nrules, 2);
	ck_assert_str_eq(c.rules[1].pattern, "prod");
	ck_assert_uint_eq(c.rules[1].line, 16);
	config_free(&c);
}
END_TEST

START_TEST(policy_keys)
{
	struct driftd_config c;
	struct errs e;
	const char *t =
		"lib-mode audit\n"					/* 1 */
		"cri-runtime containerd\n"				/* 2 */
		"rule namespace prod-* enforce lib-mode audit\n"	/* 3 */
		"rule image-digest sha256:ab* enforce\n"		/* 4 */
		"rule container web off\n"				/* 5 */
		"allow namespace dev-* loosen\n"			/* 6 */
		"allow namespace tools exceptions /opt/tools/ /srv\n"	/* 7 */
		"allow all exceptions /opt/x\n"				/* 8 */
		"allow container c1 loosen exceptions /a /b/c\n"	/* 9 */
		"host-library /usr/lib/nvidia\n";			/* 10 */

	config_init(&c);
	ck_assert_uint_eq(parse(&c, t, &e), 0);
	ck_assert_int_eq(c.default_lib_mode, DRIFT_MODE_AUDIT);
	ck_assert_int_eq(c.cri, CRI_CONTAINERD);
	ck_assert_uint_eq(c.nrules, 4);
	ck_assert_int_eq(c.rules[1].lib_mode, DRIFT_MODE_AUDIT);
	ck_assert_int_eq(c.rules[2].kind, RULE_IMAGE_DIGEST);
	ck_assert_int_eq(c.rules[2].lib_mode, DRIFTD_LIB_SAME);
	ck_assert_int_eq(c.rules[3].kind, RULE_CONTAINER);
	ck_assert_uint_eq(c.ngrants, 4);
	ck_assert(c.grants[0].loosen);
	ck_assert_uint_eq(c.grants[0].nprefixes, 0);
	ck_assert(!c.grants[1].loosen);
	ck_assert_uint_eq(c.grants[1].nprefixes, 2);
	ck_assert_str_eq(c.grants[1].prefixes[1], "/srv");
	ck_assert_int_eq(c.grants[2].kind, RULE_ALL);
	ck_assert_ptr_null(c.grants[2].pattern);
	ck_assert(c.grants[3].loosen);
	ck_assert_uint_eq(c.grants[3].nprefixes, 2);
	ck_assert_uint_eq(c.grants[3].line, 9);
	ck_assert_uint_eq(c.nhost_libraries, 1);
	ck_assert_str_eq(c.host_libraries[0], "/usr/lib/nvidia");
	config_free(&c);
}
END_TEST

/* Every bad policy line is an error naming FILE:LINE. */
START_TEST(policy_errors)
{
	static const char *const bad[] = {
		"annotations-can-disable yes",
		"lib-mode exempt",
		"lib-mode sometimes",
		"cri-runtime docker",
		"rule namespace a enforce lib-mode",
		"rule namespace a enforce lib-mode maybe",
		"rule namespace a enforce libmode audit",
		"exempt namespace a lib-mode audit",
		"rule namespace a exempt lib-mode audit",
		"rule all * enforce",
		"allow namespace dev",
		"allow namespace dev widen",
		"allow namespace dev exceptions",
		"allow namespace dev exceptions relative/",
		"allow namespace dev exceptions /",
		"allow namespace dev exceptions /opt/../etc",
		"allow namespace dev loosen loosen",
		"allow pod x loosen",
		"allow",
		"host-library",
		"host-library lib",
		"host-library /",
		"host-library /usr/./lib",
		"mode enforce extra",
		"mode enforc",
		NULL };
	struct driftd_config c;
	struct errs e;
	char line[200];
	size_t i;

	for (i = 0; bad[i]; i++) {
		config_init(&c);
		snprintf(line, sizeof(line), "mode enforce\n%s\n", bad[i]);
		ck_assert_msg(parse(&c, line, &e) == 1, "accepted: %s", bad[i]);
		ck_assert_msg(strstr(e.msg[0], "t.conf:2: ") == e.msg[0],
			      "no FILE:LINE for %s: %s", bad[i], e.msg[0]);
		config_free(&c);
	}
}
END_TEST

START_TEST(hostile_input)
{
	struct driftd_config c;
	struct errs e;
	size_t big = 100000, i;
	char *t = malloc(big + 64);
	char nul[] = "mode audit\nmode en\0force\nmode enforce\n";

	/* A very long line, then a good one. */
	for (i = 0; i < big; i++)
		t[i] = 'a';
	strcpy(t + big, "\nmode off\n");
	config_init(&c);
	ck_assert_uint_eq(parse(&c, t, &e), 1);
	ck_assert_ptr_nonnull(strstr(e.msg[0], "t.conf:1: line longer"));
	ck_assert_int_eq(c.default_mode, DRIFT_MODE_OFF);
	config_free(&c);

	/* An embedded NUL is an error on its line only. */
	config_init(&c);
	memset(&e, 0, sizeof(e));
	ck_assert_uint_eq(config_parse_text(&c, "n.conf", nul, sizeof(nul) - 1,
					    collect, &e), 1);
	ck_assert_ptr_nonnull(strstr(e.msg[0], "n.conf:2: NUL"));
	ck_assert_int_eq(c.default_mode, DRIFT_MODE_ENFORCE);
	config_free(&c);

	/* Control characters, too many words, no trailing newline. */
	config_init(&c);
	ck_assert_uint_eq(parse(&c, "mode \x01\x02\nrule a b c d e f g h i j\nmode enforce", &e), 2);
	ck_assert_int_eq(c.default_mode, DRIFT_MODE_ENFORCE);
	config_free(&c);

	/* Empty input, only whitespace and comments. */
	config_init(&c);
	ck_assert_uint_eq(parse(&c, "", &e), 0);
	ck_assert_uint_eq(parse(&c, "   \n\t\n#x\n  # y\n", &e), 0);
	config_free(&c);

	/* Many rules do not crash (limit reported once reached). */
	config_init(&c);
	{
		size_t n = 5000, off = 0;
		char *r = malloc(n * 40);

		for (i = 0; i < n; i++)
			off += (size_t)sprintf(r + off, "rule image img%zu audit\n", i);
		memset(&e, 0, sizeof(e));
		ck_assert_uint_gt(config_parse_text(&c, "r.conf", r, off, collect, &e), 0);
		ck_assert_uint_eq(c.nrules, 4096);
		free(r);
	}
	config_free(&c);
	free(t);
}
END_TEST

START_TEST(load_file)
{
	struct driftd_config c;
	struct errs e = { .n = 0 };
	char path[] = "/tmp/driftd-conf-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs("mode enforce\nnope\n", f);
	fclose(f);
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, path, collect, &e), 1);
	ck_assert_ptr_nonnull(strstr(e.msg[0], ":2: unknown key"));
	ck_assert_ptr_nonnull(strstr(e.msg[0], path));
	ck_assert_int_eq(c.default_mode, DRIFT_MODE_ENFORCE);
	unlink(path);
	ck_assert_int_eq(config_load_file(&c, path, collect, &e), -1);
	config_free(&c);
}
END_TEST

START_TEST(mode_names)
{
	ck_assert_int_eq(config_mode_from_name("off"), DRIFT_MODE_OFF);
	ck_assert_int_eq(config_mode_from_name("audit"), DRIFT_MODE_AUDIT);
	ck_assert_int_eq(config_mode_from_name("enforce"), DRIFT_MODE_ENFORCE);
	ck_assert_int_eq(config_mode_from_name("exempt"), DRIFTD_MODE_EXEMPT);
	ck_assert_int_eq(config_mode_from_name("Enforce"), -2);
	ck_assert_int_eq(config_mode_from_name(""), -2);
	ck_assert_str_eq(config_mode_name(DRIFT_MODE_ENFORCE), "enforce");
	ck_assert_str_eq(config_mode_name(42), "unknown");
}
END_TEST

Suite *daemon_config_suite(void)
{
	Suite *s = suite_create("daemon_config");
	TCase *tc = tcase_create("config");
	tcase_set_timeout(tc, 120);	/* hostile_input is heavy under ASan on a loaded host */

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, valid_file);
	tcase_add_test(tc, bad_lines_all_reported);
	tcase_add_test(tc, policy_keys);
	tcase_add_test(tc, policy_errors);
	tcase_add_test(tc, hostile_input);
	tcase_add_test(tc, load_file);
	tcase_add_test(tc, mode_names);
	suite_add_tcase(s, tc);
	return s;
}

#ifndef DRIFT_UNIT_NO_MAIN
int main(void)
{
	SRunner *sr = srunner_create(daemon_config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
#endif

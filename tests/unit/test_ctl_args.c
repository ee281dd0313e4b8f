/* Unit tests: ctl/args.c, the driftctl command line (good and bad input). */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "driftctl.h"

#define MAXARGS 32

static char *argv_store[MAXARGS + 1];
static struct ctl_req req;
static struct drift_buf err = DRIFT_BUF_INIT;

/* Parses "driftctl" + the NULL-terminated words. */
static int parse(const char *first, ...)
{
	va_list ap;
	const char *w;
	int argc = 0;

	for (int i = 0; i < MAXARGS; i++) {
		free(argv_store[i]);
		argv_store[i] = NULL;
	}
	ctl_req_free(&req);
	drift_buf_free(&err);
	argv_store[argc++] = strdup("driftctl");
	va_start(ap, first);
	for (w = first; w; w = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, MAXARGS);
		argv_store[argc++] = strdup(w);
	}
	va_end(ap);
	argv_store[argc] = NULL;
	return ctl_parse_args(argc, argv_store, &req, &err);
}

static void teardown(void)
{
	for (int i = 0; i < MAXARGS; i++) {
		free(argv_store[i]);
		argv_store[i] = NULL;
	}
	ctl_req_free(&req);
	drift_buf_free(&err);
}

#define USAGE(...) do { \
	ck_assert_int_eq(parse(__VA_ARGS__, NULL), EXIT_USAGE); \
	ck_assert_ptr_nonnull(err.data); \
	ck_assert_uint_gt(strlen(err.data), 0); \
} while (0)
#define OK(...) do { \
	int r_ = parse(__VA_ARGS__, NULL); \
	ck_assert_msg(r_ == 0, "unexpected usage error: %s", \
		      err.data ? err.data : "?"); \
} while (0)

START_TEST(t_global)
{
	ck_assert_int_eq(parse(NULL), EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err.data, "missing command"));
	USAGE("frobnicate");
	ck_assert_ptr_nonnull(strstr(err.data, "frobnicate"));
	USAGE("--bogus", "status");
	OK("--version");
	ck_assert_int_eq(req.cmd, CTL_VERSION);
	OK("--help");
	ck_assert_int_eq(req.cmd, CTL_HELP);
	OK("help", "bind");
	ck_assert_int_eq(req.cmd, CTL_HELP);
	ck_assert_str_eq(req.help_topic, "bind");
	USAGE("help", "nosuchcommand");
	USAGE("help", "a", "b");
	OK("bind", "--help");
	ck_assert_int_eq(req.cmd, CTL_HELP);
	ck_assert_str_eq(req.help_topic, "bind");
	ck_assert_ptr_nonnull(ctl_help("monitor"));
	ck_assert_ptr_nonnull(ctl_help("unlock"));
	ck_assert_ptr_null(ctl_help("nope"));
	ck_assert_ptr_nonnull(ctl_usage(NULL));
}
END_TEST

START_TEST(t_simple)
{
	OK("status");
	ck_assert_int_eq(req.cmd, CTL_STATUS);
	ck_assert(!req.json);
	OK("--json", "status");
	ck_assert(req.json);
	OK("status", "--json");
	ck_assert(req.json);
	USAGE("status", "extra");
	OK("sets");
	ck_assert_int_eq(req.cmd, CTL_SETS);
	ck_assert_ptr_null(req.set);
	OK("sets", "img");
	ck_assert_str_eq(req.set, "img");
	USAGE("sets", "a", "b");
	OK("bindings", "id:42");
	ck_assert_int_eq(req.cmd, CTL_BINDINGS);
	ck_assert_str_eq(req.cgroup, "id:42");
	OK("lock");
	ck_assert_int_eq(req.cmd, CTL_LOCK);
	OK("unlock");
	ck_assert_int_eq(req.cmd, CTL_UNLOCK);
	USAGE("lock", "now");
	USAGE("lock", "--json");	/* --json only where there is output */
	OK("seal");
	ck_assert_int_eq(req.cmd, CTL_SEAL);
	USAGE("seal", "now");
	USAGE("unbind");
	USAGE("unbind", "a", "b");
	OK("unbind", "c1");
	ck_assert_int_eq(req.cmd, CTL_UNBIND);
	ck_assert_str_eq(req.cgroup, "c1");
	USAGE("status", "--nope");
}
END_TEST

START_TEST(t_set)
{
	char longname[DRIFT_NAME_MAX + 8];

	OK("set", "load", "img", "/bin/sh", "--from-dir", "/layer",
	   "--from-list", "-", "--no-hash", "--xdev");
	ck_assert_int_eq(req.cmd, CTL_SET_LOAD);
	ck_assert_str_eq(req.set, "img");
	ck_assert(req.no_hash);
	ck_assert(req.xdev);
	ck_assert_uint_eq(req.nsrcs, 3);
	{
		/* every source is there once, in some order */
		int seen[3] = { 0 };

		for (size_t i = 0; i < req.nsrcs; i++) {
			const struct ctl_src *s = &req.srcs[i];

			if (s->type == SRC_FILE)
				ck_assert_str_eq(s->path, "/bin/sh");
			else if (s->type == SRC_DIR)
				ck_assert_str_eq(s->path, "/layer");
			else
				ck_assert_str_eq(s->path, "-");
			seen[s->type]++;
		}
		ck_assert(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
	}
	OK("set", "load", "img", "/a", "/b");
	ck_assert_uint_eq(req.nsrcs, 2);
	ck_assert(!req.no_hash);
	USAGE("set");
	USAGE("set", "frob", "x");
	USAGE("set", "load");
	USAGE("set", "load", "img");	/* nothing to load */
	USAGE("set", "load", "", "/a");
	USAGE("set", "load", "img", "--from-dir");
	USAGE("set", "load", "img", "--from-dir", "");
	USAGE("set", "load", "img", "");
	memset(longname, 'x', DRIFT_NAME_MAX);
	longname[DRIFT_NAME_MAX] = '\0';
	USAGE("set", "load", longname, "/a");
	longname[DRIFT_NAME_MAX - 1] = '\0';	/* 127 bytes: fits */
	OK("set", "load", longname, "/a");
	OK("set", "del", "img");
	ck_assert_int_eq(req.cmd, CTL_SET_DEL);
	ck_assert_str_eq(req.set, "img");
	USAGE("set", "del");
	USAGE("set", "del", "a", "b");
}
END_TEST

/* set load --include: repeatable, in order; alone it is a valid load. */
START_TEST(t_set_include)
{
	char longname[DRIFT_NAME_MAX + 8];
	char names[DRIFT_MAX_INCLUDES + 1][16];
	char *argv[DRIFT_MAX_INCLUDES * 2 + 8];
	int argc = 0;

	OK("set", "load", "img", "--include", "layer-a", "--include=layer-b");
	ck_assert_int_eq(req.cmd, CTL_SET_LOAD);
	ck_assert_str_eq(req.set, "img");
	ck_assert_uint_eq(req.nsrcs, 0);
	ck_assert_uint_eq(req.nincludes, 2);
	ck_assert_str_eq(req.includes[0], "layer-a");
	ck_assert_str_eq(req.includes[1], "layer-b");
	OK("set", "load", "img", "/a", "--include", "base", "--from-dir", "/d");
	ck_assert_uint_eq(req.nsrcs, 2);
	ck_assert_uint_eq(req.nincludes, 1);
	ck_assert_str_eq(req.includes[0], "base");
	OK("set", "load", "img", "/a");
	ck_assert_uint_eq(req.nincludes, 0);
	USAGE("set", "load", "img", "--include");
	USAGE("set", "load", "img", "--include", "");
	USAGE("set", "load", "img", "--include", "a", "--include", "a");
	USAGE("set", "load", "img", "--include", "img");	/* itself */
	memset(longname, 'x', DRIFT_NAME_MAX);
	longname[DRIFT_NAME_MAX] = '\0';
	USAGE("set", "load", "img", "--include", longname);
	longname[DRIFT_NAME_MAX - 1] = '\0';
	OK("set", "load", "img", "--include", longname);

	/* DRIFT_MAX_INCLUDES are fine, one more is a usage error */
	argv[argc++] = "driftctl";
	argv[argc++] = "set";
	argv[argc++] = "load";
	argv[argc++] = "img";
	for (int i = 0; i <= DRIFT_MAX_INCLUDES; i++) {
		snprintf(names[i], sizeof(names[i]), "l%d", i);
		argv[argc++] = "--include";
		argv[argc++] = names[i];
	}
	argv[argc] = NULL;
	ctl_req_free(&req);
	drift_buf_free(&err);
	ck_assert_int_eq(ctl_parse_args(argc - 2, argv, &req, &err), 0);
	ck_assert_uint_eq(req.nincludes, DRIFT_MAX_INCLUDES);
	ctl_req_free(&req);
	ck_assert_int_eq(ctl_parse_args(argc, argv, &req, &err), EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err.data, "--include"));
}
END_TEST

START_TEST(t_bind_mode)
{
	OK("bind", "c1", "img");
	ck_assert_int_eq(req.cmd, CTL_BIND);
	ck_assert_str_eq(req.cgroup, "c1");
	ck_assert_str_eq(req.set, "img");
	ck_assert_int_eq(req.mode, -1);
	ck_assert_ptr_null(req.name);
	ck_assert(!req.replace);
	ck_assert_ptr_null(req.root);
	OK("bind", "c1", "img", "--root", "/run/ct/rootfs");
	ck_assert_str_eq(req.root, "/run/ct/rootfs");
	USAGE("bind", "c1", "img", "--root", "");
	USAGE("bind", "c1", "img", "--root");
	OK("bind", "--mode", "audit", "/sys/fs/cgroup/x", "img", "--name",
	   "web", "--replace");
	ck_assert_int_eq(req.mode, DRIFT_MODE_AUDIT);
	ck_assert_str_eq(req.name, "web");
	ck_assert(req.replace);
	ck_assert_str_eq(req.cgroup, "/sys/fs/cgroup/x");
	OK("bind", "c1", "img", "--mode=off");
	ck_assert_int_eq(req.mode, DRIFT_MODE_OFF);
	USAGE("bind");
	USAGE("bind", "c1");
	USAGE("bind", "c1", "img", "extra");
	USAGE("bind", "c1", "img", "--mode", "strict");
	USAGE("bind", "c1", "img", "--mode");
	USAGE("bind", "c1", "img", "--name", "");
	USAGE("bind", "c1", "");

	OK("mode", "c1", "enforce");
	ck_assert_int_eq(req.cmd, CTL_MODE);
	ck_assert_int_eq(req.mode, DRIFT_MODE_ENFORCE);
	ck_assert_str_eq(req.cgroup, "c1");
	ck_assert_int_eq(req.lib_mode, -1);
	ck_assert_int_eq(req.bind_flags, -1);
	USAGE("mode", "c1");
	USAGE("mode", "c1", "ENFORCE2");
	USAGE("mode", "c1", "audit", "x");
	USAGE("mode");

	/* library mode and the fileless-map flag */
	OK("bind", "c1", "img", "--lib-mode", "enforce", "--fileless-map");
	ck_assert_int_eq(req.mode, -1);
	ck_assert_int_eq(req.lib_mode, DRIFT_MODE_ENFORCE);
	ck_assert_int_eq(req.bind_flags, DRIFT_BIND_F_FILELESS_MAP);
	OK("bind", "c1", "img");
	ck_assert_int_eq(req.lib_mode, -1);
	ck_assert_int_eq(req.bind_flags, -1);
	USAGE("bind", "c1", "img", "--lib-mode", "on");
	USAGE("bind", "c1", "img", "--lib-mode");
	OK("mode", "c1", "--lib", "audit");
	ck_assert_int_eq(req.mode, -1);
	ck_assert_int_eq(req.lib_mode, DRIFT_MODE_AUDIT);
	ck_assert_str_eq(req.cgroup, "c1");
	OK("mode", "c1", "enforce", "--lib", "off", "--no-fileless-map");
	ck_assert_int_eq(req.mode, DRIFT_MODE_ENFORCE);
	ck_assert_int_eq(req.lib_mode, DRIFT_MODE_OFF);
	ck_assert_int_eq(req.bind_flags, 0);
	OK("mode", "ns:shop", "--fileless-map");
	ck_assert_int_eq(req.bind_flags, DRIFT_BIND_F_FILELESS_MAP);
	USAGE("mode", "c1", "--lib", "bogus");
	USAGE("mode", "--lib", "audit");
	USAGE("mode", "c1", "audit", "x", "--lib", "off");

	OK("selftest");
	ck_assert_int_eq(req.cmd, CTL_SELFTEST);
	OK("selftest", "--json");
	ck_assert(req.json);
	USAGE("selftest", "now");
}
END_TEST

START_TEST(t_default)
{
	OK("default", "--mode", "audit", "--set", "img");
	ck_assert_int_eq(req.cmd, CTL_DEFAULT);
	ck_assert_int_eq(req.mode, DRIFT_MODE_AUDIT);
	ck_assert_str_eq(req.set, "img");
	ck_assert(!req.no_set);
	OK("default", "--no-set", "--mode", "off");
	ck_assert(req.no_set);
	OK("default", "--event-rate", "1", "--event-burst", "100000");
	ck_assert(req.has_rate && req.rate == 1);
	ck_assert(req.has_burst && req.burst == 100000);
	ck_assert_int_eq(req.mode, -1);
	USAGE("default");			/* nothing to change */
	USAGE("default", "--set", "a", "--no-set");
	USAGE("default", "--event-rate", "0");
	USAGE("default", "--event-rate", "100001");
	USAGE("default", "--event-rate", "-5");
	USAGE("default", "--event-rate", "12abc");
	USAGE("default", "--event-burst", "");
	USAGE("default", "--event-rate", "99999999999999999999999");
	USAGE("default", "--mode", "on");
	USAGE("default", "--mode", "off", "positional");
}
END_TEST

START_TEST(t_exception)
{
	char longpath[DRIFT_PATH_MAX + 8];

	OK("exception", "add", "c1", "--path", "/opt/");
	ck_assert_int_eq(req.cmd, CTL_EXC_ADD);
	ck_assert_int_eq(req.exc_type, DRIFT_EXC_PATH_PREFIX);
	ck_assert_str_eq(req.exc_arg, "/opt/");
	ck_assert_str_eq(req.cgroup, "c1");
	OK("exception", "del", "--file", "/usr/bin/x", "id:7");
	ck_assert_int_eq(req.cmd, CTL_EXC_DEL);
	ck_assert_int_eq(req.exc_type, DRIFT_EXC_FILE);
	ck_assert_str_eq(req.exc_arg, "/usr/bin/x");
	ck_assert_str_eq(req.cgroup, "id:7");
	USAGE("exception");
	USAGE("exception", "frob", "c1", "--path", "/x");
	USAGE("exception", "add", "c1");
	USAGE("exception", "add", "--path", "/x");
	USAGE("exception", "add", "c1", "--path", "/x", "--file", "/y");
	USAGE("exception", "add", "c1", "--path", "/x", "--path", "/y");
	USAGE("exception", "add", "c1", "--path", "relative/");
	USAGE("exception", "add", "c1", "--path", "");
	USAGE("exception", "add", "c1", "--file", "");
	longpath[0] = '/';
	memset(longpath + 1, 'a', DRIFT_PATH_MAX);
	longpath[DRIFT_PATH_MAX + 1] = '\0';
	USAGE("exception", "add", "c1", "--path", longpath);
}
END_TEST

START_TEST(t_monitor)
{
	OK("monitor");
	ck_assert_int_eq(req.cmd, CTL_MONITOR);
	ck_assert(!req.has_count && !req.has_timeout);
	OK("--json", "monitor", "--count", "3", "--timeout", "1.5");
	ck_assert(req.json);
	ck_assert(req.has_count && req.count == 3);
	ck_assert(req.has_timeout && req.timeout_ms == 1500);
	OK("monitor", "--timeout", "2");
	ck_assert_uint_eq(req.timeout_ms, 2000);
	OK("monitor", "--timeout", "0.25");
	ck_assert_uint_eq(req.timeout_ms, 250);
	OK("monitor", "--timeout", "0.0015");	/* beyond ms: truncated */
	ck_assert_uint_eq(req.timeout_ms, 1);
	OK("monitor", "--json");
	ck_assert(req.json);
	USAGE("monitor", "--count", "abc");
	USAGE("monitor", "--count", "0");
	USAGE("monitor", "--count", "-1");
	USAGE("monitor", "--count", "");
	USAGE("monitor", "--timeout", "x");
	USAGE("monitor", "--timeout", "1.");
	USAGE("monitor", "--timeout", ".");
	USAGE("monitor", "--timeout", "-1");
	USAGE("monitor", "--timeout", "1e3");
	USAGE("monitor", "--timeout", "");
	USAGE("monitor", "--timeout", "999999999999");
	USAGE("monitor", "extra");
	USAGE("monitor", "--count");
}
END_TEST

/* getopt state must not leak from one parse into the next. */
START_TEST(t_reparse)
{
	USAGE("bind", "c1", "img", "--bogus");
	OK("bind", "c1", "img", "--mode", "audit");
	ck_assert_int_eq(req.mode, DRIFT_MODE_AUDIT);
	OK("mode", "c2", "off");
	ck_assert_str_eq(req.cgroup, "c2");
	for (int i = 0; i < 50; i++) {
		OK("exception", "add", "c1", "--path", "/a/");
		USAGE("monitor", "--count", "x");
	}
}
END_TEST

START_TEST(t_exit_codes)
{
	ck_assert_int_eq(ctl_exit_code(0), EXIT_OK);
	ck_assert_int_eq(ctl_exit_code(-EPERM), EXIT_PERM);
	ck_assert_int_eq(ctl_exit_code(-EACCES), EXIT_PERM);
	ck_assert_int_eq(ctl_exit_code(-ENOENT), EXIT_NOTFOUND);
	ck_assert_int_eq(ctl_exit_code(-EINVAL), EXIT_REFUSED);
	ck_assert_int_eq(ctl_exit_code(-EEXIST), EXIT_REFUSED);
	ck_assert_int_eq(ctl_exit_code(-EBUSY), EXIT_REFUSED);
	ck_assert_int_eq(ctl_exit_code(-EPROTO), EXIT_REFUSED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_args");
	TCase *tc = tcase_create("args");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, t_global);
	tcase_add_test(tc, t_simple);
	tcase_add_test(tc, t_set);
	tcase_add_test(tc, t_set_include);
	tcase_add_test(tc, t_bind_mode);
	tcase_add_test(tc, t_default);
	tcase_add_test(tc, t_exception);
	tcase_add_test(tc, t_monitor);
	tcase_add_test(tc, t_reparse);
	tcase_add_test(tc, t_exit_codes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

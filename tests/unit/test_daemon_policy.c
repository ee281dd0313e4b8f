/* Unit tests: mode selection and annotations (daemon/policy.c). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift_netlink.h"
#include "policy.h"

static struct oci_annotations ann_of(const char *const *kv)
{
	struct oci_annotations a = { 0 };
	size_t n = 0, i;

	while (kv[2 * n])
		n++;
	a.kv = calloc(n + 1, sizeof(*a.kv));
	for (i = 0; i < n; i++) {
		a.kv[i].key = strdup(kv[2 * i]);
		a.kv[i].value = strdup(kv[2 * i + 1]);
	}
	a.n = n;
	return a;
}

static void cfg_with(struct driftd_config *c, const char *text)
{
	config_init(c);
	ck_assert_uint_eq(config_parse_text(c, "p.conf", text, strlen(text), NULL, NULL), 0);
}

START_TEST(rules_and_default)
{
	struct driftd_config c;
	struct container_meta m = { 0 };
	struct policy_result r;

	cfg_with(&c, "mode enforce\n"
		     "rule namespace kube-system audit\n"
		     "rule image *pause* exempt\n"
		     "rule namespace dev-* off\n"
		     "rule image docker.io/library/* audit\n");
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
	ck_assert_str_eq(r.source, "default");
	policy_result_free(&r);

	m.namespace_ = "kube-system";
	m.image = "registry.k8s.io/pause:3.9";
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);	/* first match wins */
	ck_assert_str_eq(r.source, "p.conf:2");
	policy_result_free(&r);

	m.namespace_ = "prod";
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFTD_MODE_EXEMPT);
	policy_result_free(&r);

	m.namespace_ = "dev-alice";
	m.image = "x";
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_OFF);
	policy_result_free(&r);

	m.namespace_ = NULL;
	m.image = "docker.io/library/nginx:1";
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
	policy_result_free(&r);

	/* driftd's own namespace is exempt by default. */
	m.namespace_ = "drift-system";
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFTD_MODE_EXEMPT);
	policy_result_free(&r);
	config_free(&c);
}
END_TEST

static int mode_of(const char *name)
{
	return name ? config_mode_from_name(name) : -9;
}

/*
 * Every combination of node rule mode, drift.io/mode annotation and
 * grant: tightening always applies; loosening only where an "allow ...
 * loosen" line matches this container; invalid values never change it.
 */
START_TEST(mode_matrix)
{
	static const char *const rule_modes[] = { "off", "audit", "enforce" };
	static const char *const ann_modes[] = { NULL, "off", "audit", "enforce",
						 "bogus", "exempt" };
	/* 0: no grant, 1: loosen for this namespace, 2: for another one,
	 * 3: only exceptions for this namespace, 4: annotations no */
	unsigned g, ri, ai;

	for (g = 0; g < 5; g++) {
		for (ri = 0; ri < 3; ri++) {
			for (ai = 0; ai < 6; ai++) {
				struct driftd_config c;
				struct container_meta m = { .namespace_ = "team" };
				struct policy_result r;
				struct oci_annotations a = { 0 };
				char text[512];
				const char *grant[] = { "", "allow namespace te* loosen\n",
							"allow namespace other loosen\n",
							"allow namespace team exceptions /opt\n",
							"annotations no\nallow namespace team loosen\n" };
				int rule = mode_of(rule_modes[ri]);
				int want = ann_modes[ai] ? mode_of(ann_modes[ai]) : -9;
				int expect = rule;
				bool may_loosen = g == 1;
				bool tightened = false, loosened = false;

				snprintf(text, sizeof(text), "mode audit\nrule namespace team %s\n%s",
					 rule_modes[ri], grant[g]);
				cfg_with(&c, text);
				if (ann_modes[ai]) {
					const char *kv[] = { "drift.io/mode", ann_modes[ai], NULL };

					a = ann_of(kv);
				}
				if (g != 4 && want >= 0) {
					if (want > rule) {
						expect = want;
						tightened = true;
					} else if (want < rule && may_loosen) {
						expect = want;
						loosened = true;
					}
				}
				policy_decide(&c, &m, &a, &r);
				ck_assert_msg(r.mode == expect,
					      "grant %u rule %s ann %s: mode %d, want %d",
					      g, rule_modes[ri], ann_modes[ai] ? ann_modes[ai] : "-",
					      r.mode, expect);
				/* Library mode follows ("same") by default. */
				ck_assert_int_eq(r.lib_mode, expect);
				if (tightened)
					ck_assert_ptr_nonnull(strstr(r.source, "tightens p.conf:2"));
				else if (loosened)
					ck_assert_ptr_nonnull(strstr(r.source, "allowed by p.conf:3"));
				else
					ck_assert_str_eq(r.source, "p.conf:2");
				/* A refused loosening is counted and explained. */
				if (g != 4 && want >= 0 && want < rule && !may_loosen) {
					ck_assert_uint_eq(r.refused, 1);
					ck_assert_ptr_nonnull(strstr(r.warnings[0], "may only tighten"));
				} else {
					ck_assert_uint_eq(r.refused, 0);
				}
				policy_result_free(&r);
				oci_ann_free(&a);
				config_free(&c);
			}
		}
	}
}
END_TEST

/* drift.io/lib-mode against the rule's / node's library mode. */
START_TEST(lib_mode_matrix)
{
	static const char *const modes[] = { "off", "audit", "enforce" };
	unsigned li, ai, g;

	for (g = 0; g < 2; g++) {
		for (li = 0; li < 3; li++) {
			for (ai = 0; ai < 3; ai++) {
				struct driftd_config c;
				struct container_meta m = { .name = "web" };
				struct policy_result r;
				struct oci_annotations a;
				char text[256];
				const char *kv[] = { "drift.io/lib-mode", modes[ai], NULL };
				int expect;

				snprintf(text, sizeof(text),
					 "mode enforce\nrule container web enforce lib-mode %s\n%s",
					 modes[li], g ? "allow container web loosen\n" : "");
				cfg_with(&c, text);
				a = ann_of(kv);
				policy_decide(&c, &m, &a, &r);
				expect = (int)ai >= (int)li || g ? (int)ai : (int)li;
				ck_assert_int_eq(r.lib_mode, expect);
				ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);	/* untouched */
				if ((int)ai == (int)li)
					ck_assert_str_eq(r.lib_source, "p.conf:2");
				policy_result_free(&r);
				oci_ann_free(&a);
				config_free(&c);
			}
		}
	}
}
END_TEST

START_TEST(lib_mode_defaults)
{
	static const char *const off[] = { "drift.io/mode", "off", NULL };
	static const char *const enf[] = { "drift.io/mode", "enforce", NULL };
	struct driftd_config c;
	struct container_meta m = { .namespace_ = "a" };
	struct policy_result r;
	struct oci_annotations a;

	/* "same": follows the exec mode, including an annotation's. */
	cfg_with(&c, "mode audit\n");
	a = ann_of(enf);
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
	ck_assert_int_eq(r.lib_mode, DRIFT_MODE_ENFORCE);
	ck_assert_str_eq(r.lib_source, "same as mode");
	policy_result_free(&r);
	oci_ann_free(&a);
	config_free(&c);

	/* A node lib-mode stays when drift.io/mode tightens the exec mode. */
	cfg_with(&c, "mode audit\nlib-mode audit\n");
	a = ann_of(enf);
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
	ck_assert_int_eq(r.lib_mode, DRIFT_MODE_AUDIT);
	ck_assert_str_eq(r.lib_source, "default lib-mode");
	policy_result_free(&r);
	oci_ann_free(&a);
	/* ... and is not loosened by drift.io/mode. */
	a = ann_of(off);
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
	ck_assert_int_eq(r.lib_mode, DRIFT_MODE_AUDIT);
	policy_result_free(&r);
	oci_ann_free(&a);
	config_free(&c);

	/* Exempt: nothing is checked, annotations cannot bring it back. */
	cfg_with(&c, "exempt namespace a\n");
	a = ann_of(enf);
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFTD_MODE_EXEMPT);
	ck_assert_int_eq(r.lib_mode, DRIFT_MODE_OFF);
	policy_result_free(&r);
	oci_ann_free(&a);
	config_free(&c);
}
END_TEST

/* drift.io/exceptions: refused unless granted, and only under the bound. */
START_TEST(exception_grants)
{
	static const char *const kv[] = { "drift.io/exceptions",
		"/bin /usr /tmp /var /opt/tools/ /opt/tools/x/y /opt/toolsX /srv/a", NULL };
	struct driftd_config c;
	struct container_meta m = { .namespace_ = "dev" };
	struct policy_result r;
	struct oci_annotations a = ann_of(kv);

	/* Default: none, whatever they are. */
	cfg_with(&c, "mode enforce\n");
	policy_decide(&c, &m, &a, &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	ck_assert_uint_eq(r.refused, 1);
	ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
	policy_result_free(&r);
	config_free(&c);

	/* Granted for another namespace: none. */
	cfg_with(&c, "mode enforce\nallow namespace prod exceptions /opt/tools\n");
	policy_decide(&c, &m, &a, &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	ck_assert_uint_eq(r.refused, 1);
	policy_result_free(&r);
	config_free(&c);

	/* Granted: only at or below the prefixes (component-wise). */
	cfg_with(&c, "mode enforce\nallow namespace d* exceptions /opt/tools/ /srv\n");
	policy_decide(&c, &m, &a, &r);
	ck_assert_uint_eq(r.nexceptions, 3);
	ck_assert_str_eq(r.exceptions[0], "/opt/tools/");
	ck_assert_str_eq(r.exceptions[1], "/opt/tools/x/y");
	ck_assert_str_eq(r.exceptions[2], "/srv/a");
	ck_assert_uint_eq(r.refused, 5);	/* /bin /usr /tmp /var /opt/toolsX */
	policy_result_free(&r);
	config_free(&c);

	/* A loosen grant alone does not allow exceptions. */
	cfg_with(&c, "mode enforce\nallow namespace dev loosen\n");
	policy_decide(&c, &m, &a, &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	policy_result_free(&r);
	config_free(&c);

	/* Unknown namespace (no CRI runtime): a namespace grant never applies. */
	m.namespace_ = NULL;
	cfg_with(&c, "mode enforce\nallow namespace * exceptions /opt\n");
	policy_decide(&c, &m, &a, &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	policy_result_free(&r);
	config_free(&c);
	/* "allow all" does. */
	cfg_with(&c, "mode enforce\nallow all exceptions /opt\n");
	policy_decide(&c, &m, &a, &r);
	ck_assert_uint_eq(r.nexceptions, 3);
	policy_result_free(&r);
	config_free(&c);
	oci_ann_free(&a);
}
END_TEST

START_TEST(path_under)
{
	ck_assert(policy_path_under("/opt/tools", 10, "/opt/tools/"));
	ck_assert(policy_path_under("/opt/tools/x", 12, "/opt/tools"));
	ck_assert(!policy_path_under("/opt/toolsx", 11, "/opt/tools"));
	ck_assert(!policy_path_under("/opt", 4, "/opt/tools"));
	ck_assert(policy_path_under("/a", 2, "/"));
}
END_TEST

START_TEST(invalid_annotations)
{
	static const char *const vals[] = { "enforce please", "ENFORCE", "exempt",
					    "", "  ", NULL };
	struct driftd_config c;
	struct container_meta m = { 0 };
	struct policy_result r;
	size_t i;

	cfg_with(&c, "mode audit\n");
	for (i = 0; vals[i]; i++) {
		const char *kv[] = { "drift.io/mode", vals[i], NULL };
		struct oci_annotations a = ann_of(kv);

		policy_decide(&c, &m, &a, &r);
		ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
		ck_assert_uint_eq(r.nwarnings, 1);
		policy_result_free(&r);
		oci_ann_free(&a);
	}
	{
		const char *kv[] = { "drift.io/mode", " enforce\n", NULL };
		struct oci_annotations a = ann_of(kv);

		policy_decide(&c, &m, &a, &r);
		ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
		policy_result_free(&r);
		oci_ann_free(&a);
	}
	config_free(&c);
}
END_TEST

START_TEST(exceptions)
{
	static char *const opt[] = { "/" };
	struct policy_result r;
	char *big;
	size_t i, off;

	memset(&r, 0, sizeof(r));
	policy_parse_exceptions(" /opt/tools/ , /usr/local/bin/x,\n/opt/tools/,relative,/, /a/../etc, /a/./b, /ok\t", opt, 1, &r);
	ck_assert_uint_eq(r.nexceptions, 3);
	ck_assert_str_eq(r.exceptions[0], "/opt/tools/");
	ck_assert_str_eq(r.exceptions[1], "/usr/local/bin/x");
	ck_assert_str_eq(r.exceptions[2], "/ok");
	ck_assert_uint_eq(r.nwarnings, 4);
	policy_result_free(&r);

	/* White space separates too (podman splits --annotation at commas). */
	policy_parse_exceptions("/opt/a /opt/b\t/opt/c", opt, 1, &r);
	ck_assert_uint_eq(r.nexceptions, 3);
	ck_assert_str_eq(r.exceptions[2], "/opt/c");
	policy_result_free(&r);

	/* Control characters, empty, only separators. */
	policy_parse_exceptions("/a\x01" "b,,,", opt, 1, &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	ck_assert_uint_eq(r.nwarnings, 1);
	policy_result_free(&r);
	policy_parse_exceptions("", opt, 1, &r);
	policy_parse_exceptions(",,, \n ,", opt, 1, &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	policy_result_free(&r);

	/* Too long an entry, too many entries. */
	big = malloc(DRIFT_PATH_MAX + 16);
	big[0] = '/';
	memset(big + 1, 'a', DRIFT_PATH_MAX + 2);
	big[DRIFT_PATH_MAX + 3] = '\0';
	policy_parse_exceptions(big, opt, 1, &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	ck_assert_uint_eq(r.nwarnings, 1);
	policy_result_free(&r);
	free(big);
	big = malloc(200 * 16);
	for (i = 0, off = 0; i < 200; i++)
		off += (size_t)sprintf(big + off, "/p%zu,", i);
	policy_parse_exceptions(big, opt, 1, &r);
	ck_assert_uint_eq(r.nexceptions, DRIFT_MAX_EXCEPTIONS);
	policy_result_free(&r);
	free(big);
}
END_TEST

/*
 * Which keys are trusted depends on the runtime the administrator names:
 * a key the runtime does not set itself is the workload's.
 */
START_TEST(meta)
{
	static const char *const crio[] = {
		"io.kubernetes.pod.namespace", "shop",
		"io.kubernetes.pod.name", "cart-1",
		"io.kubernetes.container.name", "cart",
		"io.kubernetes.cri-o.ImageName", "quay.io/shop/cart:2",
		"io.kubernetes.cri-o.ImageRef", "sha256:abcd",
		/* forged by the pod owner (containerd's keys on CRI-O): */
		"io.kubernetes.cri.sandbox-namespace", "drift-system",
		"io.kubernetes.cri.image-name", "registry.k8s.io/pause:3",
		NULL };
	static const char *const containerd[] = {
		"io.kubernetes.cri.sandbox-namespace", "ns2",
		"io.kubernetes.cri.sandbox-name", "pod2",
		"io.kubernetes.cri.container-name", "c2",
		"io.kubernetes.cri.image-name", "docker.io/library/redis@sha256:77",
		/* passed through from the pod's annotations: */
		"io.kubernetes.pod.namespace", "drift-system",
		"io.kubernetes.cri-o.ImageName", "registry.k8s.io/pause:3",
		NULL };
	static const char *const bare[] = { "drift.io/image", "localhost/bb:1",
		"io.kubernetes.pod.namespace", "drift-system",
		"io.kubernetes.cri.sandbox-namespace", "drift-system", NULL };
	struct container_meta m = { 0 };
	struct oci_annotations a;
	struct driftd_config c;
	struct policy_result r;

	a = ann_of(crio);
	policy_meta_from_annotations(CRI_CRIO, &a, &m);
	ck_assert_str_eq(m.namespace_, "shop");
	ck_assert_str_eq(m.pod, "cart-1");
	ck_assert_str_eq(m.name, "cart");
	ck_assert_str_eq(m.image, "quay.io/shop/cart:2");
	ck_assert_uint_eq(m.ndigests, 1);
	ck_assert_str_eq(m.digests[0], "sha256:abcd");
	oci_ann_free(&a);

	memset(&m, 0, sizeof(m));
	a = ann_of(containerd);
	policy_meta_from_annotations(CRI_CONTAINERD, &a, &m);
	ck_assert_str_eq(m.namespace_, "ns2");
	ck_assert_str_eq(m.pod, "pod2");
	ck_assert_str_eq(m.name, "c2");
	ck_assert_str_eq(m.image, "docker.io/library/redis@sha256:77");
	ck_assert_str_eq(m.digests[0], "sha256:77");
	oci_ann_free(&a);

	/* No CRI runtime (podman, crun): no annotation is metadata. */
	memset(&m, 0, sizeof(m));
	a = ann_of(bare);
	policy_meta_from_annotations(CRI_NONE, &a, &m);
	ck_assert_ptr_null(m.namespace_);
	ck_assert_ptr_null(m.name);
	ck_assert_ptr_null(m.image);
	/* ... so the built-in drift-system exemption cannot be reached. */
	config_init(&c);
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
	ck_assert_str_eq(r.source, "default");
	policy_result_free(&r);
	config_free(&c);
	oci_ann_free(&a);
}
END_TEST

/* Every selector, first match wins, unknown metadata never matches. */
START_TEST(selectors)
{
	struct driftd_config c;
	struct container_meta m = { 0 };
	struct policy_result r;

	cfg_with(&c, "mode audit\n"
		     "rule image-digest sha256:aa* enforce\n"
		     "rule container db* off\n"
		     "rule image quay.io/* enforce lib-mode audit\n"
		     "rule namespace * exempt\n");
	m.digests[0] = "sha256:bb";
	m.digests[1] = "sha256:aa11";
	m.ndigests = 2;
	m.name = "db1";
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
	ck_assert_str_eq(r.source, "p.conf:2");
	policy_result_free(&r);
	m.digests[1] = "aa22";	/* CRI-O's bare id */
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
	policy_result_free(&r);
	m.ndigests = 1;
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_OFF);
	ck_assert_str_eq(r.source, "p.conf:3");
	policy_result_free(&r);
	m.name = NULL;
	m.image = "quay.io/x:1";
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
	ck_assert_int_eq(r.lib_mode, DRIFT_MODE_AUDIT);
	ck_assert_str_eq(r.lib_source, "p.conf:4");
	policy_result_free(&r);
	m.image = NULL;
	policy_decide(&c, &m, NULL, &r);	/* namespace unknown: no match */
	ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
	policy_result_free(&r);
	m.namespace_ = "x";
	policy_decide(&c, &m, NULL, &r);
	ck_assert_int_eq(r.mode, DRIFTD_MODE_EXEMPT);
	policy_result_free(&r);
	config_free(&c);
}
END_TEST

Suite *daemon_policy_suite(void)
{
	Suite *s = suite_create("daemon_policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, rules_and_default);
	tcase_add_test(tc, mode_matrix);
	tcase_add_test(tc, lib_mode_matrix);
	tcase_add_test(tc, lib_mode_defaults);
	tcase_add_test(tc, exception_grants);
	tcase_add_test(tc, path_under);
	tcase_add_test(tc, invalid_annotations);
	tcase_add_test(tc, exceptions);
	tcase_add_test(tc, meta);
	tcase_add_test(tc, selectors);
	suite_add_tcase(s, tc);
	return s;
}

#ifndef DRIFT_UNIT_NO_MAIN
int main(void)
{
	SRunner *sr = srunner_create(daemon_policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
#endif

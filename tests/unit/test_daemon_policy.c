/* Unit tests: mode selection and annotations (daemon/policy.c). */
#include <check.h>
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

START_TEST(annotations)
{
	static const char *const kv1[] = { "drift.io/mode", " enforce\n", NULL };
	static const char *const kv2[] = { "drift.io/mode", "off", NULL };
	static const char *const kv3[] = { "drift.io/mode", "enforce please", NULL };
	static const char *const kv4[] = { "drift.io/mode", "ENFORCE", NULL };
	static const char *const kv5[] = { "drift.io/mode", "exempt", NULL };
	static const char *const kv6[] = { "drift.io/mode", "", NULL };
	struct driftd_config c;
	struct container_meta m = { 0 };
	struct policy_result r;
	struct oci_annotations a;

	cfg_with(&c, "mode audit\n");
	a = ann_of(kv1);
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_ENFORCE);
	ck_assert_str_eq(r.source, "annotation");
	policy_result_free(&r);
	oci_ann_free(&a);

	a = ann_of(kv2);
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_OFF);
	policy_result_free(&r);
	c.annotations_can_disable = false;
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
	ck_assert_uint_eq(r.nwarnings, 1);
	policy_result_free(&r);
	c.annotations = false;
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
	ck_assert_uint_eq(r.nwarnings, 0);
	policy_result_free(&r);
	oci_ann_free(&a);
	c.annotations = true;

	{
		const char *const *bad[] = { kv3, kv4, kv5, kv6 };
		size_t i;

		for (i = 0; i < 4; i++) {
			a = ann_of(bad[i]);
			policy_decide(&c, &m, &a, &r);
			ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
			ck_assert_uint_eq(r.nwarnings, 1);
			policy_result_free(&r);
			oci_ann_free(&a);
		}
	}

	/* Exempt by rule: annotations cannot bring it back. */
	config_free(&c);
	cfg_with(&c, "exempt namespace infra\n");
	m.namespace_ = "infra";
	a = ann_of(kv1);
	policy_decide(&c, &m, &a, &r);
	ck_assert_int_eq(r.mode, DRIFTD_MODE_EXEMPT);
	policy_result_free(&r);
	oci_ann_free(&a);
	config_free(&c);
}
END_TEST

START_TEST(exceptions)
{
	struct policy_result r;
	char *big;
	size_t i, off;

	memset(&r, 0, sizeof(r));
	policy_parse_exceptions(" /opt/tools/ , /usr/local/bin/x,\n/opt/tools/,relative,/, /a/../etc, /a/./b, /ok\t", &r);
	ck_assert_uint_eq(r.nexceptions, 3);
	ck_assert_str_eq(r.exceptions[0], "/opt/tools/");
	ck_assert_str_eq(r.exceptions[1], "/usr/local/bin/x");
	ck_assert_str_eq(r.exceptions[2], "/ok");
	ck_assert_uint_eq(r.nwarnings, 4);
	policy_result_free(&r);

	/* White space separates too (podman splits --annotation at commas). */
	policy_parse_exceptions("/opt/a /opt/b\t/opt/c", &r);
	ck_assert_uint_eq(r.nexceptions, 3);
	ck_assert_str_eq(r.exceptions[2], "/opt/c");
	policy_result_free(&r);

	/* Control characters, empty, only separators. */
	policy_parse_exceptions("/a\x01" "b,,,", &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	ck_assert_uint_eq(r.nwarnings, 1);
	policy_result_free(&r);
	policy_parse_exceptions("", &r);
	policy_parse_exceptions(",,, \n ,", &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	policy_result_free(&r);

	/* Too long an entry, too many entries. */
	big = malloc(DRIFT_PATH_MAX + 16);
	big[0] = '/';
	memset(big + 1, 'a', DRIFT_PATH_MAX + 2);
	big[DRIFT_PATH_MAX + 3] = '\0';
	policy_parse_exceptions(big, &r);
	ck_assert_uint_eq(r.nexceptions, 0);
	ck_assert_uint_eq(r.nwarnings, 1);
	policy_result_free(&r);
	free(big);
	big = malloc(200 * 16);
	for (i = 0, off = 0; i < 200; i++)
		off += (size_t)sprintf(big + off, "/p%zu,", i);
	policy_parse_exceptions(big, &r);
	ck_assert_uint_eq(r.nexceptions, DRIFT_MAX_EXCEPTIONS);
	policy_result_free(&r);
	free(big);
}
END_TEST

START_TEST(meta)
{
	static const char *const crio[] = {
		"io.kubernetes.pod.namespace", "shop",
		"io.kubernetes.pod.name", "cart-1",
		"io.kubernetes.container.name", "cart",
		"io.kubernetes.cri-o.ImageName", "quay.io/shop/cart:2",
		NULL };
	static const char *const containerd[] = {
		"io.kubernetes.cri.sandbox-namespace", "ns2",
		"io.kubernetes.cri.sandbox-name", "pod2",
		"io.kubernetes.cri.container-name", "c2",
		"io.kubernetes.cri.image-name", "docker.io/library/redis:7",
		NULL };
	static const char *const bare[] = { "drift.io/image", "localhost/bb:1",
					    "drift.io/name", "", NULL };
	struct container_meta m = { 0 };
	struct oci_annotations a;

	a = ann_of(crio);
	policy_meta_from_annotations(&a, &m);
	ck_assert_str_eq(m.namespace_, "shop");
	ck_assert_str_eq(m.pod, "cart-1");
	ck_assert_str_eq(m.name, "cart");
	ck_assert_str_eq(m.image, "quay.io/shop/cart:2");
	oci_ann_free(&a);

	memset(&m, 0, sizeof(m));
	a = ann_of(containerd);
	policy_meta_from_annotations(&a, &m);
	ck_assert_str_eq(m.namespace_, "ns2");
	ck_assert_str_eq(m.pod, "pod2");
	ck_assert_str_eq(m.name, "c2");
	ck_assert_str_eq(m.image, "docker.io/library/redis:7");
	oci_ann_free(&a);

	memset(&m, 0, sizeof(m));
	a = ann_of(bare);
	policy_meta_from_annotations(&a, &m);
	ck_assert_ptr_null(m.namespace_);
	ck_assert_ptr_null(m.name);		/* empty values are ignored */
	ck_assert_str_eq(m.image, "localhost/bb:1");
	oci_ann_free(&a);
}
END_TEST

Suite *daemon_policy_suite(void)
{
	Suite *s = suite_create("daemon_policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, rules_and_default);
	tcase_add_test(tc, annotations);
	tcase_add_test(tc, exceptions);
	tcase_add_test(tc, meta);
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

/*
 * driftd's container record (common/record.c): the writer's exact bytes,
 * the parser's bounds and types, and the file reader's refusals.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "drift_netlink.h"
#include "record.h"
#include "util.h"

/* What driftd has always written for full_record() (key order, escapes). */
static const char golden[] =
	"{\"id\":\"9caa01\",\"name\":\"web\",\"pod\":\"web-1\",\"namespace\":\"shop\","
	"\"image\":\"localhost\\/bb:1\",\"cgroup\":\"\\/libpod_parent\\/libpod-9caa01\","
	"\"cgroup_id\":1234,\"set\":\"drift-img-0f\",\"mode\":\"enforce\","
	"\"mode_source\":\"annotation drift.io\\/mode\",\"lib_mode\":\"audit\","
	"\"lib_mode_source\":\"same as mode\",\"bundle\":\"\\/run\\/b\",\"pid\":264,"
	"\"created\":1790000000,\"snapshot\":true,"
	"\"layers\":[\"\\/l\\/1\",\"\\/l\\/2\"],\"exceptions\":[\"\\/opt\\/tools\\/\"]}";

static char *layers[] = { "/l/1", "/l/2" };
static char *exceptions[] = { "/opt/tools/" };

static void full_record(struct drift_record *r)
{
	drift_record_init(r);
	r->id = "9caa01";
	r->name = "web";
	r->pod = "web-1";
	r->namespace_ = "shop";
	r->image = "localhost/bb:1";
	r->cgroup = "/libpod_parent/libpod-9caa01";
	r->cgroup_id = 1234;
	r->set = "drift-img-0f";
	r->mode = DRIFT_MODE_ENFORCE;
	r->mode_source = "annotation drift.io/mode";
	r->lib_mode = DRIFT_MODE_AUDIT;
	r->lib_mode_source = "same as mode";
	r->bundle = "/run/b";
	r->pid = 264;
	r->created = 1790000000;
	r->snapshot = true;
	r->layers = layers;
	r->nlayers = 2;
	r->exceptions = exceptions;
	r->nexceptions = 1;
}

static int parse(const char *s, struct drift_record *r, char *err, size_t n)
{
	return drift_record_parse(s, strlen(s), r, err, n);
}

START_TEST(writes_the_bytes_driftd_always_wrote)
{
	struct drift_record r;
	json_object *o;

	full_record(&r);
	o = drift_record_to_json(&r);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			 golden);
	json_object_put(o);
}
END_TEST

START_TEST(round_trip_of_a_full_record)
{
	struct drift_record w, r;
	char err[256] = "";
	json_object *o;
	const char *text;

	full_record(&w);
	o = drift_record_to_json(&w);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ck_assert_int_eq(parse(text, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.id, w.id);
	ck_assert_str_eq(r.name, w.name);
	ck_assert_str_eq(r.pod, w.pod);
	ck_assert_str_eq(r.namespace_, w.namespace_);
	ck_assert_str_eq(r.image, w.image);
	ck_assert_str_eq(r.cgroup, w.cgroup);
	ck_assert_uint_eq(r.cgroup_id, w.cgroup_id);
	ck_assert_str_eq(r.set, w.set);
	ck_assert_int_eq(r.mode, w.mode);
	ck_assert_str_eq(r.mode_source, w.mode_source);
	ck_assert_int_eq(r.lib_mode, w.lib_mode);
	ck_assert_str_eq(r.lib_mode_source, w.lib_mode_source);
	ck_assert_str_eq(r.bundle, w.bundle);
	ck_assert_int_eq(r.pid, w.pid);
	ck_assert_int_eq(r.created, w.created);
	ck_assert(r.snapshot);
	ck_assert_uint_eq(r.nlayers, 2);
	ck_assert_str_eq(r.layers[0], "/l/1");
	ck_assert_str_eq(r.layers[1], "/l/2");
	ck_assert_uint_eq(r.nexceptions, 1);
	ck_assert_str_eq(r.exceptions[0], "/opt/tools/");
	drift_record_free(&r);
	ck_assert_ptr_null(r.id);
	json_object_put(o);
	/* as driftd writes it: with a newline */
	{
		char *nl;

		ck_assert_int_gt(asprintf(&nl, "%s\n", golden), 0);
		ck_assert_int_eq(parse(nl, &r, err, sizeof(err)), 0);
		ck_assert_str_eq(r.name, "web");
		drift_record_free(&r);
		free(nl);
	}
}
END_TEST

/* A record of an older driftd: no library mode, nothing optional. */
START_TEST(old_records_load)
{
	struct drift_record r;
	char err[256] = "";

	ck_assert_int_eq(parse("{\"id\":\"9caa01\",\"cgroup\":\"\\/a\",\"cgroup_id\":9,"
			       "\"set\":\"drift-img-1\",\"mode\":\"audit\",\"pid\":3,"
			       "\"created\":5,\"snapshot\":false,\"layers\":[],"
			       "\"exceptions\":[]}", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.mode, DRIFT_MODE_AUDIT);
	ck_assert_int_eq(r.lib_mode, -1);
	ck_assert_ptr_null(r.lib_mode_source);
	ck_assert_ptr_null(r.name);
	ck_assert_str_eq(r.cgroup, "/a");
	ck_assert_uint_eq(r.nlayers, 0);
	drift_record_free(&r);

	ck_assert_int_eq(parse("{\"id\":\"x\",\"cgroup_id\":1}", &r, err,
			       sizeof(err)), 0);
	ck_assert_int_eq(r.mode, -1);
	ck_assert_ptr_null(r.set);
	ck_assert_ptr_null(r.layers);
	ck_assert_int_eq(r.pid, 0);
	ck_assert(!r.snapshot);
	drift_record_free(&r);
	/* keys a newer driftd may add are ignored */
	ck_assert_int_eq(parse("{\"id\":\"x\",\"cgroup_id\":1,\"later\":[{}]}", &r,
			       err, sizeof(err)), 0);
	drift_record_free(&r);
}
END_TEST

START_TEST(wrong_types_are_refused)
{
	static const struct { const char *json, *key; } bad[] = {
		{ "\"id\":7,\"cgroup_id\":1", "\"id\"" },
		{ "\"id\":\"a\",\"cgroup_id\":\"1\"", "\"cgroup_id\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1.5", "\"cgroup_id\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"name\":5", "\"name\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"image\":{}", "\"image\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"cgroup\":[]", "\"cgroup\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"set\":true", "\"set\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"mode\":2", "\"mode\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"mode\":\"exempt\"", "\"mode\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"lib_mode\":\"ENFORCE\"", "\"lib_mode\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"pid\":\"3\"", "\"pid\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"pid\":4294967296", "\"pid\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"created\":false", "\"created\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"snapshot\":1", "\"snapshot\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"layers\":\"\\/l\"", "\"layers\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"layers\":[\"\\/l\",3]", "\"layers\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"exceptions\":[null]", "\"exceptions\"" },
		{ "\"id\":\"a\",\"cgroup_id\":1,\"name\":\"a\\u0000b\"", "\"name\"" },
	};
	struct drift_record r;
	char text[256], err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{%s}", bad[i].json);
		err[0] = '\0';
		ck_assert_msg(parse(text, &r, err, sizeof(err)) == -EPROTO,
			      "accepted: %s", text);
		ck_assert_ptr_null(r.id);
		ck_assert_msg(strstr(err, bad[i].key), "%s: message \"%s\" does not name %s",
			      text, err, bad[i].key);
	}
}
END_TEST

/* A record of one string field of LEN bytes, or one array of N entries. */
static char *with_string(const char *key, size_t len)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	size_t i;

	drift_buf_printf(&b, "{\"id\":\"a\",\"cgroup_id\":1,\"%s\":\"", key);
	for (i = 0; i < len; i++)
		drift_buf_putc(&b, 'x');
	drift_buf_puts(&b, "\"}");
	return drift_buf_steal(&b);
}

static char *with_array(const char *key, size_t n)
{
	struct drift_buf b = DRIFT_BUF_INIT;
	size_t i;

	drift_buf_printf(&b, "{\"id\":\"a\",\"cgroup_id\":1,\"%s\":[", key);
	for (i = 0; i < n; i++)
		drift_buf_puts(&b, i ? ",\"l\"" : "\"l\"");
	drift_buf_puts(&b, "]}");
	return drift_buf_steal(&b);
}

static int parse_free(char *text)
{
	struct drift_record r;
	char err[256];
	int ret = parse(text, &r, err, sizeof(err));

	if (!ret)
		drift_record_free(&r);
	free(text);
	return ret;
}

START_TEST(oversized_strings_and_arrays_are_refused)
{
	static const struct { const char *key; size_t max; } s[] = {
		{ "id", DRIFT_RECORD_ID_MAX },
		{ "set", 127 },
		{ "name", DRIFT_RECORD_STR_MAX },
		{ "pod", DRIFT_RECORD_STR_MAX },
		{ "namespace", DRIFT_RECORD_STR_MAX },
		{ "image", DRIFT_RECORD_STR_MAX },
		{ "cgroup", DRIFT_RECORD_STR_MAX },
		{ "mode_source", DRIFT_RECORD_STR_MAX },
		{ "lib_mode_source", DRIFT_RECORD_STR_MAX },
		{ "bundle", DRIFT_RECORD_STR_MAX },
	};
	struct drift_buf big = DRIFT_BUF_INIT;
	struct drift_record r;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		ck_assert_msg(parse_free(with_string(s[i].key, s[i].max)) == 0,
			      "%s of %zu bytes refused", s[i].key, s[i].max);
		ck_assert_msg(parse_free(with_string(s[i].key, s[i].max + 1)) == -EPROTO,
			      "%s of %zu bytes accepted", s[i].key, s[i].max + 1);
	}
	ck_assert_int_eq(parse_free(with_array("layers", DRIFT_RECORD_STRV_MAX)), 0);
	ck_assert_int_eq(parse_free(with_array("layers", DRIFT_RECORD_STRV_MAX + 1)),
			 -EPROTO);
	ck_assert_int_eq(parse_free(with_array("exceptions", DRIFT_RECORD_STRV_MAX + 1)),
			 -EPROTO);
	/* an entry is bounded too */
	drift_buf_puts(&big, "{\"id\":\"a\",\"cgroup_id\":1,\"layers\":[\"");
	for (i = 0; i <= DRIFT_RECORD_STR_MAX; i++)
		drift_buf_putc(&big, 'x');
	drift_buf_puts(&big, "\"]}");
	ck_assert_int_eq(parse_free(drift_buf_steal(&big)), -EPROTO);
	/* the whole text: white space after the object still counts */
	drift_buf_puts(&big, "{\"id\":\"a\",\"cgroup_id\":1}");
	while (big.len <= DRIFT_RECORD_MAX_BYTES)
		drift_buf_putc(&big, ' ');
	ck_assert_int_eq(drift_record_parse(big.data, big.len, &r, err, sizeof(err)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "larger"));
	drift_buf_free(&big);
}
END_TEST

/* Every proper prefix of a record is refused, none read past its end. */
START_TEST(truncated_json_is_refused)
{
	struct drift_record r;
	char err[256];
	size_t len = strlen(golden), i;
	char *copy;

	for (i = 0; i < len; i++) {
		copy = malloc(i ? i : 1);	/* exact size: ASan sees overreads */
		memcpy(copy, golden, i);
		ck_assert_msg(drift_record_parse(copy, i, &r, err, sizeof(err)) == -EPROTO,
			      "prefix of %zu bytes accepted", i);
		ck_assert_ptr_null(r.id);
		free(copy);
	}
	copy = malloc(len);
	memcpy(copy, golden, len);
	ck_assert_int_eq(drift_record_parse(copy, len, &r, err, sizeof(err)), 0);
	drift_record_free(&r);
	free(copy);
	/* and garbage, NUL bytes or a second object after it */
	ck_assert_int_eq(drift_record_parse("{\"id\":\"a\",\"cgroup_id\":1}\n\0",
					    26, &r, err, sizeof(err)), -EPROTO);
	ck_assert_int_eq(parse("{\"id\":\"a\",\"cgroup_id\":1}{}", &r, err,
			       sizeof(err)), -EPROTO);
	ck_assert_int_eq(parse("[{\"id\":\"a\",\"cgroup_id\":1}]", &r, err,
			       sizeof(err)), -EPROTO);
}
END_TEST

static char dir[] = "/tmp/drift-record-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(reading_files)
{
	static const char *const made[] = { "good.json", "link.json", "fifo.json",
		"dir.json", "big.json", "empty.json", "cut.json" };
	struct drift_record r;
	size_t i;
	char err[256], path[128], *big;
	int dfd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	put("good.json", "{\"id\":\"good\",\"cgroup_id\":42}\n");
	ck_assert_int_eq(drift_record_read(dfd, "good.json", &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.id, "good");
	drift_record_free(&r);
	snprintf(path, sizeof(path), "%s/good.json", dir);
	ck_assert_int_eq(drift_record_read(AT_FDCWD, path, &r, err, sizeof(err)), 0);
	drift_record_free(&r);

	ck_assert_int_eq(drift_record_read(dfd, "none.json", &r, err, sizeof(err)),
			 -ENOENT);
	ck_assert_int_eq(symlinkat("good.json", dfd, "link.json"), 0);
	ck_assert_int_eq(drift_record_read(dfd, "link.json", &r, err, sizeof(err)),
			 -ELOOP);
	ck_assert_ptr_nonnull(strstr(err, "symbolic link"));
	/* a FIFO: refused at once, not waited on */
	ck_assert_int_eq(mkfifoat(dfd, "fifo.json", 0600), 0);
	ck_assert_int_eq(drift_record_read(dfd, "fifo.json", &r, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "not a regular file");
	ck_assert_int_eq(mkdirat(dfd, "dir.json", 0700), 0);
	ck_assert_int_eq(drift_record_read(dfd, "dir.json", &r, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_null(r.id);

	big = calloc(1, DRIFT_RECORD_MAX_BYTES + 2);
	memset(big, ' ', DRIFT_RECORD_MAX_BYTES + 1);
	memcpy(big, "{\"id\":\"a\",\"cgroup_id\":1}", 24);
	put("big.json", big);
	free(big);
	ck_assert_int_eq(drift_record_read(dfd, "big.json", &r, err, sizeof(err)),
			 -EFBIG);
	put("empty.json", "");
	ck_assert_int_eq(drift_record_read(dfd, "empty.json", &r, err, sizeof(err)),
			 -EPROTO);
	put("cut.json", "{\"id\":\"a\",\"cgroup_");
	ck_assert_int_eq(drift_record_read(dfd, "cut.json", &r, err, sizeof(err)),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));

	for (i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (unlinkat(dfd, made[i], 0))
			unlinkat(dfd, made[i], AT_REMOVEDIR);
	close(dfd);
	rmdir(dir);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		writes_the_bytes_driftd_always_wrote,
		round_trip_of_a_full_record,
		old_records_load,
		wrong_types_are_refused,
		oversized_strings_and_arrays_are_refused,
		truncated_json_is_refused,
		reading_files,
	};

	/* 30 s: reading_files must not hang on its FIFO, nor fail by luck */
	return check_run("common_record", "record", 30, tests,
			 sizeof(tests) / sizeof(tests[0]));
}

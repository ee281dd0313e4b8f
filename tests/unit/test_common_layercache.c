/*
 * Unit tests: common/layercache.c, driftd's per-layer scan cache. A cache
 * file that is stale, corrupted, truncated, extended, not private or not
 * ours is never used (the caller rescans); a good one round-trips.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileid.h"
#include "layercache.h"

static char dir[64], cdir[128];

static struct drift_lc_key key(bool hash)
{
	struct drift_lc_key k = {
		.path = "/var/lib/containers/storage/overlay/abc/diff",
		.dev = 0x801, .ino = 1234, .ctime_sec = 1700000000,
		.ctime_nsec = 42, .hash = hash,
	};
	return k;
}

static void make_ids(struct drift_file_id *ids, size_t n, bool hash)
{
	size_t i;

	memset(ids, 0, n * sizeof(*ids));
	for (i = 0; i < n; i++) {
		ids[i].ino = 1000 + i;
		ids[i].dev_major = 8;
		ids[i].dev_minor = 1;
		ids[i].ctime_sec = 1700000000 + (int64_t)i;
		ids[i].flags = DRIFT_FILE_F_CTIME |
			       (hash ? DRIFT_FILE_F_SHA256 : 0) |
			       (i % 3 ? 0 : DRIFT_FILE_F_MAP_ONLY);
		memset(ids[i].sha256, (int)i, DRIFT_SHA256_LEN);
	}
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/drift-lc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cdir, sizeof(cdir), "%s/lib/layers", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *cache_path(const struct drift_lc_key *k)
{
	static char p[256];
	char name[DRIFT_LC_NAME_LEN];

	drift_lc_name(k, name);
	snprintf(p, sizeof(p), "%s/%s", cdir, name);
	return p;
}

static unsigned char *slurp(const char *p, size_t *len)
{
	struct stat st;
	unsigned char *b;
	int fd = open(p, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

static void spit(const char *p, const void *b, size_t len)
{
	int fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
	ck_assert_int_eq(chmod(p, 0600), 0);
}

START_TEST(round_trip)
{
	struct drift_lc_key k = key(true);
	struct drift_file_id ids[100];
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	const char *why = NULL;
	char name[DRIFT_LC_NAME_LEN], name2[DRIFT_LC_NAME_LEN];
	bool tr = true;
	struct stat st;

	make_ids(ids, 100, true);
	/* no directory yet: a plain miss */
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), -ENOENT);
	ck_assert_int_eq(drift_lc_store(cdir, &k, ids, 100, false), 0);
	ck_assert_int_eq(lstat(cdir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(lstat(cache_path(&k), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), 0);
	ck_assert(!tr);
	ck_assert_uint_eq(iv.n, 100);
	ck_assert_mem_eq(iv.v, ids, sizeof(ids));

	/* appended to what is there; truncated flag kept */
	ck_assert_int_eq(drift_lc_store(cdir, &k, ids, 10, true), 0);
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), 0);
	ck_assert(tr);
	ck_assert_uint_eq(iv.n, 110);
	drift_idvec_free(&iv);

	/* an empty layer is a valid cache too */
	ck_assert_int_eq(drift_lc_store(cdir, &k, NULL, 0, false), 0);
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), 0);
	ck_assert_uint_eq(iv.n, 0);

	/* names: stable, per path and directory identity */
	drift_lc_name(&k, name);
	drift_lc_name(&k, name2);
	ck_assert_str_eq(name, name2);
	ck_assert_uint_eq(strlen(name), DRIFT_LC_NAME_LEN - 1);
	k.ino++;
	drift_lc_name(&k, name2);
	ck_assert_str_ne(name, name2);
	drift_idvec_free(&iv);
}
END_TEST

START_TEST(stale_keys_miss)
{
	struct drift_lc_key k = key(true), o;
	struct drift_file_id ids[5];
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	const char *why = NULL;
	bool tr;
	unsigned char *b;
	size_t len;

	make_ids(ids, 5, true);
	ck_assert_int_eq(drift_lc_store(cdir, &k, ids, 5, false), 0);
	/* same file name (path, dev, ino), other ctime: the layer changed */
	o = k;
	o.ctime_nsec++;
	ck_assert_int_eq(drift_lc_load(cdir, &o, &iv, &tr, &why), -ESTALE);
	ck_assert_ptr_nonnull(why);
	o = k;
	o.ctime_sec--;
	ck_assert_int_eq(drift_lc_load(cdir, &o, &iv, &tr, &why), -ESTALE);
	/* hashing turned off since: entries have digests the key does not */
	o = k;
	o.hash = false;
	ck_assert_int_eq(drift_lc_load(cdir, &o, &iv, &tr, &why), -ESTALE);
	ck_assert_uint_eq(iv.n, 0);
	/* a file of another layer copied over this one's name */
	b = slurp(cache_path(&k), &len);
	o = k;
	o.path = "/other/layer";
	ck_assert_int_eq(drift_lc_parse(b, len, &o, &iv, &tr, &why), -ESTALE);
	/* another version */
	((struct drift_lc_header *)b)->version = DRIFT_LC_VERSION + 1;
	ck_assert_int_eq(drift_lc_parse(b, len, &k, &iv, &tr, &why), -ESTALE);
	ck_assert_uint_eq(iv.n, 0);
	free(b);
}
END_TEST

START_TEST(corruption_rejected)
{
	struct drift_lc_key k = key(false);
	struct drift_file_id ids[20];
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	const char *why;
	unsigned char *b, *m;
	size_t len, i;
	bool tr;
	int bit;

	make_ids(ids, 20, false);
	ck_assert_int_eq(drift_lc_store(cdir, &k, ids, 20, false), 0);
	b = slurp(cache_path(&k), &len);
	m = malloc(len + 100);
	ck_assert_ptr_nonnull(m);

	/* every single-bit flip anywhere is refused */
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			memcpy(m, b, len);
			m[i] ^= (unsigned char)(1U << bit);
			ck_assert_int_ne(drift_lc_parse(m, len, &k, &iv, &tr,
							&why), 0);
			ck_assert_uint_eq(iv.n, 0);
		}
	}
	/* every truncation, and extensions */
	for (i = 0; i < len; i++)
		ck_assert_int_ne(drift_lc_parse(b, i, &k, &iv, &tr, &why), 0);
	memcpy(m, b, len);
	memset(m + len, 0, 100);
	ck_assert_int_eq(drift_lc_parse(m, len + 72, &k, &iv, &tr, &why),
			 -EBADMSG);
	ck_assert_uint_eq(iv.n, 0);
	ck_assert_int_eq(drift_lc_parse(b, len, &k, &iv, &tr, &why), 0);
	ck_assert_uint_eq(iv.n, 20);
	drift_idvec_free(&iv);

	/* a corrupted file on disk: a miss, with a reason */
	memcpy(m, b, len);
	m[len / 2] ^= 0x40;
	spit(cache_path(&k), m, len);
	why = NULL;
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), -EBADMSG);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_eq(iv.n, 0);
	free(m);
	free(b);
}
END_TEST

/* A well-formed file (right checksum) with a bad entry or header field. */
static void reseal(unsigned char *b, size_t len)
{
	ck_assert_int_eq(drift_sha256_mem(b, len - DRIFT_SHA256_LEN,
					  b + len - DRIFT_SHA256_LEN), 0);
}

START_TEST(well_formed_but_invalid)
{
	struct drift_lc_key k = key(true);
	struct drift_file_id ids[4], e;
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	struct drift_lc_header *h;
	const char *why;
	unsigned char *b, *m;
	size_t len;
	bool tr;

	make_ids(ids, 4, true);
	ck_assert_int_eq(drift_lc_store(cdir, &k, ids, 4, false), 0);
	b = slurp(cache_path(&k), &len);
	m = malloc(len);
	ck_assert_ptr_nonnull(m);
	/* entries are not aligned in the file: copy them in and out */
#define ENTRY(i, stmt) do { \
		unsigned char *at_ = m + sizeof(*h) + strlen(k.path) + \
				     (i) * sizeof(e); \
		memcpy(&e, at_, sizeof(e)); stmt; memcpy(at_, &e, sizeof(e)); \
	} while (0)

	memcpy(m, b, len);
	ENTRY(2, e.flags |= 1U << 20);			/* unknown file flag */
	reseal(m, len);
	ck_assert_int_eq(drift_lc_parse(m, len, &k, &iv, &tr, &why), -EBADMSG);
	memcpy(m, b, len);
	ENTRY(1, e.reserved = 1);
	reseal(m, len);
	ck_assert_int_eq(drift_lc_parse(m, len, &k, &iv, &tr, &why), -EBADMSG);
	memcpy(m, b, len);
	ENTRY(0, e.flags &= ~DRIFT_FILE_F_CTIME);	/* would match any version */
	reseal(m, len);
	ck_assert_int_eq(drift_lc_parse(m, len, &k, &iv, &tr, &why), -EBADMSG);
	memcpy(m, b, len);
	ENTRY(3, e.flags &= ~DRIFT_FILE_F_SHA256);	/* hash key, no digest */
	reseal(m, len);
	ck_assert_int_eq(drift_lc_parse(m, len, &k, &iv, &tr, &why), -EBADMSG);
	memcpy(m, b, len);
	h = (void *)m;
	h->count = (uint64_t)1 << 40;		/* huge count */
	reseal(m, len);
	ck_assert_int_eq(drift_lc_parse(m, len, &k, &iv, &tr, &why), -EBADMSG);
	memcpy(m, b, len);
	h->path_len = 0xffffffffu;
	reseal(m, len);
	ck_assert_int_eq(drift_lc_parse(m, len, &k, &iv, &tr, &why), -EBADMSG);
	memcpy(m, b, len);
	h->flags |= 1U << 7;
	reseal(m, len);
	ck_assert_int_eq(drift_lc_parse(m, len, &k, &iv, &tr, &why), -EBADMSG);
	memcpy(m, b, len);
	h->count = 3;				/* fewer than the bytes */
	reseal(m, len);
	ck_assert_int_eq(drift_lc_parse(m, len, &k, &iv, &tr, &why), -EBADMSG);
	ck_assert_uint_eq(iv.n, 0);
	free(m);
	free(b);
}
END_TEST

START_TEST(not_private_not_used)
{
	struct drift_lc_key k = key(false);
	struct drift_file_id ids[3];
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	const char *why;
	char other[256], *p;
	bool tr;

	make_ids(ids, 3, false);
	ck_assert_int_eq(drift_lc_store(cdir, &k, ids, 3, false), 0);
	p = cache_path(&k);
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), 0);
	drift_idvec_free(&iv);

	ck_assert_int_eq(chmod(p, 0644), 0);	/* readable by others */
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), -EPERM);
	ck_assert_int_eq(chmod(p, 0660), 0);
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), -EPERM);
	ck_assert_int_eq(chmod(p, 0600), 0);

	/* a second link (planted elsewhere) */
	snprintf(other, sizeof(other), "%s/hardlink", dir);
	ck_assert_int_eq(link(p, other), 0);
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), -EPERM);
	ck_assert_int_eq(unlink(other), 0);

	/* a symlink in place of the file, to a valid cache elsewhere */
	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	ck_assert_int_eq(rename(p, other), 0);
	ck_assert_int_eq(symlink(other, p), 0);
	ck_assert_int_lt(drift_lc_load(cdir, &k, &iv, &tr, &why), 0);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(rename(other, p), 0);

	/* a directory open to others: nothing in it is trusted */
	ck_assert_int_eq(chmod(cdir, 0777), 0);
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), -EPERM);
	ck_assert_int_eq(drift_lc_store(cdir, &k, ids, 3, false), -EPERM);
	ck_assert_int_eq(chmod(cdir, 0700), 0);

	/* a symlinked cache directory */
	snprintf(other, sizeof(other), "%s/linkdir", dir);
	ck_assert_int_eq(symlink(cdir, other), 0);
	ck_assert_int_eq(drift_lc_load(other, &k, &iv, &tr, &why), -EPERM);
	ck_assert_uint_eq(iv.n, 0);

	/* a directory where the file should be */
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_int_lt(drift_lc_load(cdir, &k, &iv, &tr, &why), 0);
	ck_assert_int_eq(rmdir(p), 0);
	ck_assert_int_eq(drift_lc_load(cdir, &k, &iv, &tr, &why), -ENOENT);
	ck_assert_uint_eq(iv.n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common_layercache");
	TCase *tc = tcase_create("layercache");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, stale_keys_miss);
	tcase_add_test(tc, corruption_rejected);
	tcase_add_test(tc, well_formed_but_invalid);
	tcase_add_test(tc, not_private_not_used);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

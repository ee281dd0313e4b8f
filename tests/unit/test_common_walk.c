/*
 * Unit tests: common/walk.c, the set-building walk, against trees a
 * hostile image could hold: symlinks to host files, symlink loops, deep
 * trees, huge directories, FIFOs, bind mounts (in a private mount
 * namespace when the test may create one; the mount check itself is also
 * tested on crafted statx results).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileid.h"
#include "walk.h"

#define MAXSEEN 256

struct seen {
	char name[MAXSEEN][256];
	bool map_only[MAXSEEN];
	struct drift_file_id id[MAXSEEN];
	int n;
	int errs[MAXSEEN];
	int nerr;
	unsigned int idflags;
};

static int collect(const struct drift_walk_file *f, void *arg)
{
	struct seen *s = arg;
	const char *slash = strrchr(f->path, '/');

	ck_assert_int_lt(s->n, MAXSEEN);
	ck_assert(S_ISREG(f->stx->stx_mode));
	ck_assert_str_eq(slash + 1, f->name);
	snprintf(s->name[s->n], 256, "%s", f->name);
	s->map_only[s->n] = f->map_only;
	ck_assert_int_eq(drift_file_id_walked(f, s->idflags, &s->id[s->n]), 0);
	s->n++;
	return 0;
}

static void on_error(const char *path, int err, void *arg)
{
	struct seen *s = arg;

	ck_assert_ptr_nonnull(path);
	if (s->nerr < MAXSEEN)
		s->errs[s->nerr++] = err;
}

static int find(struct seen *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return i;
	return -1;
}

static int count_err(struct seen *s, int err)
{
	int n = 0;

	for (int i = 0; i < s->nerr; i++)
		n += s->errs[i] == err;
	return n;
}

static void put(const char *dir, const char *name, const void *data,
		size_t len, mode_t mode)
{
	char p[1024];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	if (len)
		ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	ck_assert_int_eq(chmod(p, mode), 0);
}

static void link_at(const char *dir, const char *name, const char *target)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_int_eq(symlink(target, p), 0);
}

static void rmtree(const char *dir)
{
	char cmd[1100];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char elf[] = "\177ELF\002\001\001\000rest of a header";

static int walk(const char *dir, struct seen *s, unsigned int flags,
		unsigned int depth, uint64_t entries,
		struct drift_walk_result *r)
{
	struct drift_walk_opts o = {
		.flags = flags, .max_depth = depth, .max_entries = entries,
		.file = collect, .error = on_error, .arg = s,
	};

	return drift_walk_set_files(dir, &o, r);
}

START_TEST(what_is_in_a_set)
{
	char dir[] = "/tmp/drift-walk-XXXXXX", sub[200], p[600];
	struct drift_walk_result r;
	struct drift_file_id ref;
	struct seen *s = calloc(1, sizeof(*s));
	int i;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "prog", elf, sizeof(elf), 0755);		/* in */
	put(dir, "exec_other", "x", 1, 0601);			/* in */
	put(dir, "script", "#!/bin/sh\n", 10, 0755);		/* in: exec'd */
	put(dir, "libfoo.so.1", elf, sizeof(elf), 0644);	/* in, map only */
	put(dir, "ext.cpython-311.so", elf, sizeof(elf), 0400);	/* in, map only */
	put(dir, "data.txt", "hello world", 11, 0644);		/* out */
	put(dir, "mod.py", "import os\n", 10, 0644);		/* out */
	put(dir, "short", "\177EL", 3, 0644);			/* out */
	put(dir, "empty", "", 0, 0644);				/* out */
	put(dir, "name with\nnewline", elf, sizeof(elf), 0644);	/* in */
	snprintf(sub, sizeof(sub), "%s/usr/lib", dir);
	snprintf(p, sizeof(p), "mkdir -p '%s'", sub);
	ck_assert_int_eq(system(p), 0);
	put(sub, "libdeep.so", elf, sizeof(elf), 0644);		/* in, map only */
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0755), 0);			/* out, no hang */
	snprintf(p, sizeof(p), "%s/fifo644", dir);
	ck_assert_int_eq(mkfifo(p, 0644), 0);

	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ELF, 0, 0, &r), 0);
	ck_assert_int_eq(s->n, 7);
	ck_assert_uint_eq(r.files, 7);
	ck_assert_uint_eq(r.map_only, 4);
	ck_assert_int_eq(r.truncated, DRIFT_WALK_COMPLETE);
	ck_assert_int_eq(s->nerr, 0);
	ck_assert(!s->map_only[find(s, "prog")]);
	ck_assert(!s->map_only[find(s, "exec_other")]);
	ck_assert(!s->map_only[find(s, "script")]);
	ck_assert(s->map_only[find(s, "libfoo.so.1")]);
	ck_assert(s->map_only[find(s, "ext.cpython-311.so")]);
	ck_assert(s->map_only[find(s, "name with\nnewline")]);
	ck_assert(s->map_only[find(s, "libdeep.so")]);
	ck_assert_int_eq(find(s, "data.txt"), -1);
	ck_assert_int_eq(find(s, "mod.py"), -1);
	ck_assert_int_eq(find(s, "short"), -1);

	/* identities: the kernel's flags and the same inode as a stat */
	i = find(s, "libfoo.so.1");
	ck_assert_uint_eq(s->id[i].flags & DRIFT_FILE_F_MAP_ONLY,
			  DRIFT_FILE_F_MAP_ONLY);
	ck_assert(s->id[i].flags & DRIFT_FILE_F_CTIME);
	ck_assert(!(s->id[i].flags & DRIFT_FILE_F_SHA256));
	snprintf(p, sizeof(p), "%s/libfoo.so.1", dir);
	ck_assert_int_eq(drift_file_id_from_path(p, &ref, 0), 0);
	ck_assert_uint_eq(s->id[i].ino, ref.ino);
	ck_assert_uint_eq(s->id[i].dev_major, ref.dev_major);
	ck_assert_uint_eq(s->id[i].dev_minor, ref.dev_minor);
	ck_assert_int_eq(s->id[i].ctime_sec, ref.ctime_sec);
	ck_assert_uint_eq(s->id[i].ctime_nsec, ref.ctime_nsec);
	i = find(s, "prog");
	ck_assert_uint_eq(s->id[i].flags & DRIFT_FILE_F_MAP_ONLY, 0);
	/* metadata-only identity of an executable: no open, no generation */
	ck_assert_uint_eq(s->id[i].flags, DRIFT_FILE_F_CTIME);

	/* with hashing: the digest of the content, map-only kept */
	memset(s, 0, sizeof(*s));
	s->idflags = DRIFT_FILEID_SHA256;
	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ELF, 0, 0, &r), 0);
	ck_assert_int_eq(s->n, 7);
	i = find(s, "libfoo.so.1");
	snprintf(p, sizeof(p), "%s/libfoo.so.1", dir);
	ck_assert_int_eq(drift_file_id_from_path(p, &ref, DRIFT_FILEID_SHA256), 0);
	ck_assert_mem_eq(s->id[i].sha256, ref.sha256, DRIFT_SHA256_LEN);
	ck_assert(s->id[i].flags & DRIFT_FILE_F_SHA256);
	ck_assert(s->id[i].flags & DRIFT_FILE_F_MAP_ONLY);
	i = find(s, "prog");
	snprintf(p, sizeof(p), "%s/prog", dir);
	ck_assert_int_eq(drift_file_id_from_path(p, &ref, DRIFT_FILEID_SHA256), 0);
	ck_assert_mem_eq(s->id[i].sha256, ref.sha256, DRIFT_SHA256_LEN);
	ck_assert_uint_eq(s->id[i].flags & DRIFT_FILE_F_MAP_ONLY, 0);

	/* without DRIFT_WALK_ELF: executables only, as before */
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(walk(dir, s, 0, 0, 0, &r), 0);
	ck_assert_int_eq(s->n, 3);
	ck_assert_uint_eq(r.map_only, 0);

	/* a trailing slash and "." give the same walk */
	memset(s, 0, sizeof(*s));
	snprintf(p, sizeof(p), "%s///", dir);
	ck_assert_int_eq(walk(p, s, DRIFT_WALK_ELF, 0, 0, &r), 0);
	ck_assert_int_eq(s->n, 7);

	rmtree(dir);
	free(s);
}
END_TEST

/* _i: 0 with openat2(), 1 with the openat() fallback */
START_TEST(symlinks_never_followed)
{
	unsigned int mode = _i ? DRIFT_WALK_NO_OPENAT2 : 0;
	char dir[] = "/tmp/drift-walk-XXXXXX", p[600];
	struct drift_walk_result r;
	struct seen *s = calloc(1, sizeof(*s));
	struct stat host;
	int i;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "real", elf, sizeof(elf), 0755);
	/* links to host files and directories that hold executables */
	link_at(dir, "sh", "/bin/sh");
	link_at(dir, "bin", "/usr/bin");
	link_at(dir, "lib", "/usr/lib");
	link_at(dir, "root", "/");
	link_at(dir, "up", "..");
	link_at(dir, "rel_real", "real");
	link_at(dir, "dangling", "/nonexistent/x");
	/* loops */
	link_at(dir, "self", "self");
	link_at(dir, "a", "b");
	link_at(dir, "b", "a");
	link_at(dir, "dot", ".");
	snprintf(p, sizeof(p), "%s/d", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	link_at(p, "back", "..");
	link_at(p, "proc_root", "/proc/self/root");

	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ELF | mode, 0, 0, &r), 0);
	ck_assert_int_eq(s->n, 1);
	ck_assert_str_eq(s->name[0], "real");
	ck_assert_int_eq(s->nerr, 0);
	ck_assert_int_eq(r.truncated, DRIFT_WALK_COMPLETE);
	/* 13 entries at the top, 2 in d/: nothing else was entered */
	ck_assert_uint_eq(r.entries, 15);
	ck_assert_int_eq(stat("/bin/sh", &host), 0);
	for (i = 0; i < s->n; i++)
		ck_assert(s->id[i].ino != host.st_ino);

	/* ROOT itself is the caller's: a symlink naming it is followed */
	memset(s, 0, sizeof(*s));
	snprintf(p, sizeof(p), "%s/d", dir);
	ck_assert_int_eq(walk(p, s, DRIFT_WALK_ELF, 0, 0, &r), 0);
	ck_assert_int_eq(s->n, 0);

	rmtree(dir);
	free(s);
}
END_TEST

START_TEST(deep_tree)
{
	char dir[] = "/tmp/drift-walk-XXXXXX";
	struct drift_walk_result r;
	struct seen *s = calloc(1, sizeof(*s));
	int fd, i, top;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* DRIFT_WALK_MAX_DEPTH + 10 levels, an executable at every level */
	top = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(top, 0);
	fd = dup(top);
	for (i = 0; i < DRIFT_WALK_MAX_DEPTH + 10; i++) {
		int f = openat(fd, "x", O_WRONLY | O_CREAT, 0755), nfd;

		ck_assert_int_ge(f, 0);
		close(f);
		ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
		nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(nfd, 0);
		close(fd);
		fd = nfd;
	}
	close(fd);
	close(top);

	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ELF, 0, 0, &r), 0);
	ck_assert_int_eq(r.truncated, DRIFT_WALK_TOO_DEEP);
	/* levels 0..MAX_DEPTH are walked, then the subtree is skipped */
	ck_assert_int_eq(s->n, DRIFT_WALK_MAX_DEPTH + 1);
	ck_assert_int_eq(count_err(s, ELOOP), 1);
	ck_assert_str_ne(drift_walk_limit_text(r.truncated), "");

	/* a lower limit from the caller */
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ELF, 3, 0, &r), 0);
	ck_assert_int_eq(r.truncated, DRIFT_WALK_TOO_DEEP);
	ck_assert_int_eq(s->n, 4);

	rmtree(dir);
	free(s);
}
END_TEST

START_TEST(entry_limit)
{
	char dir[] = "/tmp/drift-walk-XXXXXX", name[32];
	struct drift_walk_result r;
	struct seen *s = calloc(1, sizeof(*s));
	int i;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		put(dir, name, "", 0, 0755);
	}
	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ELF, 0, 100, &r), 0);
	ck_assert_int_eq(r.truncated, DRIFT_WALK_COMPLETE);
	ck_assert_int_eq(s->n, 100);

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ELF, 0, 40, &r), 0);
	ck_assert_int_eq(r.truncated, DRIFT_WALK_TOO_MANY);
	ck_assert_uint_eq(r.entries, 40);
	ck_assert_int_eq(s->n, 40);
	ck_assert_int_eq(count_err(s, E2BIG), 1);
	ck_assert_uint_eq(r.errors, 0);

	rmtree(dir);
	free(s);
}
END_TEST

START_TEST(mount_check_logic)
{
	struct statx root, e;

	memset(&root, 0, sizeof(root));
	root.stx_mask = STATX_MNT_ID;
	root.stx_dev_major = 8;
	root.stx_dev_minor = 1;
	root.stx_mnt_id = 42;
	e = root;
	ck_assert(drift_walk_same_mount(&root, &e));
	e.stx_dev_minor = 2;			/* another filesystem */
	ck_assert(!drift_walk_same_mount(&root, &e));
	e = root;
	e.stx_dev_major = 0;
	ck_assert(!drift_walk_same_mount(&root, &e));
	e = root;
	e.stx_mnt_id = 43;			/* bind mount, same fs */
	ck_assert(!drift_walk_same_mount(&root, &e));
	e.stx_mask = 0;				/* kernel < 5.8: dev only */
	ck_assert(drift_walk_same_mount(&root, &e));
	e.stx_dev_minor = 2;
	ck_assert(!drift_walk_same_mount(&root, &e));

	ck_assert(drift_is_elf_magic("\177ELF", 4));
	ck_assert(!drift_is_elf_magic("\177EL", 3));
	ck_assert(!drift_is_elf_magic("#!/b", 4));
	ck_assert(!drift_is_elf_magic("\177elf", 4));
}
END_TEST

/* A real bind mount, in a mount namespace of this test's own process. */
START_TEST(bind_mount_not_crossed)
{
	unsigned int mode = _i ? DRIFT_WALK_NO_OPENAT2 : 0;
	char dir[] = "/tmp/drift-walk-XXXXXX", p[600], q[600];
	struct drift_walk_result r;
	struct seen *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "mine", elf, sizeof(elf), 0755);
	snprintf(p, sizeof(p), "%s/same_fs", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(q, sizeof(q), "%s/other_fs", dir);
	ck_assert_int_eq(mkdir(q, 0755), 0);
	snprintf(p, sizeof(p), "%s/host", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put(p, "hostprog", elf, sizeof(elf), 0755);
	put(dir, "bound_file", "", 0, 0755);

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		rmtree(dir);
		free(s);
		fprintf(stderr, "bind_mount_not_crossed: cannot create a mount "
			"namespace (%s): covered by mount_check_logic and the "
			"guest test t41\n", strerror(errno));
		return;
	}
	/* same filesystem, bind mounted: only the mount id tells */
	snprintf(q, sizeof(q), "%s/same_fs", dir);
	ck_assert_int_eq(mount(p, q, NULL, MS_BIND, NULL), 0);
	/* another filesystem */
	snprintf(q, sizeof(q), "%s/other_fs", dir);
	ck_assert_int_eq(mount("t", q, "tmpfs", 0, "mode=755"), 0);
	put(q, "tmpfsprog", elf, sizeof(elf), 0755);
	/* a single file bind mounted over an image file */
	snprintf(q, sizeof(q), "%s/bound_file", dir);
	snprintf(p, sizeof(p), "%s/host/hostprog", dir);
	ck_assert_int_eq(mount(p, q, NULL, MS_BIND, NULL), 0);
	snprintf(p, sizeof(p), "%s/host", dir);

	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ELF | mode, 0, 0, &r), 0);
	/* mine, and hostprog reached through its own directory only */
	ck_assert_int_eq(s->n, 2);
	ck_assert_int_ge(find(s, "mine"), 0);
	ck_assert_int_ge(find(s, "hostprog"), 0);
	ck_assert_int_eq(find(s, "tmpfsprog"), -1);
	ck_assert_int_eq(find(s, "bound_file"), -1);
	ck_assert_uint_eq(r.crossings, 3);
	ck_assert_int_eq(count_err(s, EXDEV), 3);

	/* the bind-mounted directory walked as a root of its own is fine */
	memset(s, 0, sizeof(*s));
	snprintf(q, sizeof(q), "%s/same_fs", dir);
	ck_assert_int_eq(walk(q, s, DRIFT_WALK_ELF, 0, 0, &r), 0);
	ck_assert_int_eq(s->n, 1);

	snprintf(q, sizeof(q), "%s/same_fs", dir);
	umount2(q, MNT_DETACH);
	snprintf(q, sizeof(q), "%s/other_fs", dir);
	umount2(q, MNT_DETACH);
	snprintf(q, sizeof(q), "%s/bound_file", dir);
	umount2(q, MNT_DETACH);
	rmtree(dir);
	free(s);
}
END_TEST

static int stop42(const struct drift_walk_file *f, void *arg)
{
	(void)f;
	++*(int *)arg;
	return 42;
}

START_TEST(errors_and_bad_arguments)
{
	char dir[] = "/tmp/drift-walk-XXXXXX", p[600];
	struct drift_walk_opts o = { .file = stop42 };
	struct drift_walk_result r;
	struct seen *s = calloc(1, sizeof(*s));
	int calls = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "a", "", 0, 0755);
	put(dir, "b", "", 0, 0755);
	o.arg = &calls;
	ck_assert_int_eq(drift_walk_set_files(dir, &o, &r), 42);
	ck_assert_int_eq(calls, 1);

	ck_assert_int_eq(walk("/nonexistent", s, 0, 0, 0, &r), -1);
	ck_assert_int_eq(errno, ENOENT);
	snprintf(p, sizeof(p), "%s/a", dir);
	ck_assert_int_eq(walk(p, s, 0, 0, 0, &r), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_int_eq(walk(dir, s, 1U << 9, 0, 0, &r), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(walk(dir, s, DRIFT_WALK_ALL + 1, 0, 0, &r), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(walk("", s, 0, 0, 0, &r), -1);
	ck_assert_int_eq(errno, EINVAL);
	o.file = NULL;
	ck_assert_int_eq(drift_walk_set_files(dir, &o, &r), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* an unreadable directory is reported, the rest is walked */
	if (geteuid() != 0) {
		snprintf(p, sizeof(p), "%s/closed", dir);
		ck_assert_int_eq(mkdir(p, 0), 0);
		memset(s, 0, sizeof(*s));
		ck_assert_int_eq(walk(dir, s, 0, 0, 0, &r), 0);
		ck_assert_int_eq(s->n, 2);
		ck_assert_int_eq(count_err(s, EACCES), 1);
		ck_assert_uint_eq(r.errors, 1);
	}
	rmtree(dir);
	free(s);
}
END_TEST

START_TEST(idvec_bounds)
{
	struct drift_idvec iv = DRIFT_IDVEC_INIT;
	struct drift_file_id id[3];
	size_t i;

	memset(id, 0, sizeof(id));
	for (i = 0; i < 3000; i++) {
		id[0].ino = i;
		ck_assert_int_eq(drift_idvec_push(&iv, &id[0]), 0);
	}
	ck_assert_uint_eq(iv.n, 3000);
	for (i = 0; i < 3000; i++)
		ck_assert_uint_eq(iv.v[i].ino, i);
	ck_assert_int_eq(drift_idvec_append(&iv, id, 3), 0);
	ck_assert_uint_eq(iv.n, 3003);
	ck_assert_int_eq(drift_idvec_append(&iv, id, 0), 0);
	/* past the set limit: refused, nothing added, nothing allocated */
	ck_assert_int_eq(drift_idvec_append(&iv, id, DRIFT_SET_MAX_ENTRIES),
			 -E2BIG);
	ck_assert_int_eq(drift_idvec_append(&iv, id, SIZE_MAX), -E2BIG);
	ck_assert_uint_eq(iv.n, 3003);
	i = iv.n;
	iv.n = DRIFT_SET_MAX_ENTRIES;
	ck_assert_int_eq(drift_idvec_push(&iv, id), -E2BIG);
	iv.n = i;
	drift_idvec_free(&iv);
	ck_assert_ptr_null(iv.v);
	ck_assert_uint_eq(iv.n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common_walk");
	TCase *tc = tcase_create("walk");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, what_is_in_a_set);
	tcase_add_loop_test(tc, symlinks_never_followed, 0, 2);
	tcase_add_test(tc, deep_tree);
	tcase_add_test(tc, entry_limit);
	tcase_add_test(tc, mount_check_logic);
	tcase_add_loop_test(tc, bind_mount_not_crossed, 0, 2);
	tcase_add_test(tc, errors_and_bad_arguments);
	tcase_add_test(tc, idvec_bounds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

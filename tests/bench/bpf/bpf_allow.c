// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_allow: load and attach the baseline BPF LSM allowlist
 * (allowlist.bpf.o) for the benchmark, fill it, and hold it until killed.
 *
 *   bpf_allow OBJ COUNT CGROUP_DIR... -- FILE...
 *
 * Execs are checked (lsm/bprm_check_security). SIGUSR1 switches the check
 * of executable mappings on or off (lsm/mmap_file and lsm/file_mprotect:
 * what drift's library mode checks) and prints "bpf_allow: lib=1" or
 * "lib=0" once done: the benchmark measures both with one load of the
 * object (loading it twice per measurement stalled the guest's bpf_allow
 * after a few rounds).
 * Every CGROUP_DIR (cgroup v2 directory; its inode number is the cgroup
 * id) is governed and allowed the FILEs (stat()ed as given: pass them
 * through the container's root, which is what the kernel sees at exec)
 * plus synthetic (device, inode) pairs on a device that does not exist, up
 * to COUNT entries per cgroup. Prints "bpf_allow: ready entries=N
 * fill_ms=T" once attached and filled, then sleeps until SIGTERM/SIGINT;
 * the program is detached when the process exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct allow_key {
	__u64 cgroup_id;
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

static volatile sig_atomic_t stop;

static volatile sig_atomic_t toggle;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		toggle = 1;
	else
		stop = 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static __u32 kdev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

int main(int argc, char **argv)
{
	unsigned long count, i, nfiles = 0, ncg = 0, n = 0;
	struct bpf_object *obj;
	static const char *const lib_progs[] = { "allowlist_mmap", "allowlist_mprotect" };
	struct bpf_link *link, *lib_links[2] = { NULL, NULL };
	struct bpf_program *prog;
	sigset_t block, old;
	bool lib = false;
	int allowed, governed, a, sep = 0, err;
	struct allow_key *keys;
	__u8 *vals;
	double t0;

	if (argc < 5) {
		fprintf(stderr, "usage: bpf_allow OBJ COUNT CGROUP_DIR... -- FILE...\n");
		return 2;
	}
	count = strtoul(argv[2], NULL, 10);
	for (a = 3; a < argc; a++)
		if (strcmp(argv[a], "--") == 0)
			sep = a;
	if (!sep || sep == 3 || !count) {
		fprintf(stderr, "bpf_allow: need COUNT > 0, cgroups, then -- and files\n");
		return 2;
	}
	ncg = (unsigned long)(sep - 3);
	nfiles = (unsigned long)(argc - sep - 1);
	if (nfiles > count)
		count = nfiles;
	keys = calloc(count, sizeof(*keys));
	vals = calloc(count, 1);
	if (!keys || !vals) {
		perror("bpf_allow");
		return 2;
	}

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || libbpf_get_error(obj)) {
		fprintf(stderr, "bpf_allow: cannot open %s\n", argv[1]);
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "bpf_allow: load: %s\n", strerror(-err));
		return 1;
	}
	allowed = bpf_object__find_map_fd_by_name(obj, "allowed");
	governed = bpf_object__find_map_fd_by_name(obj, "governed");
	prog = bpf_object__find_program_by_name(obj, "allowlist_check");
	if (allowed < 0 || governed < 0 || !prog) {
		fprintf(stderr, "bpf_allow: maps or program missing in %s\n", argv[1]);
		return 1;
	}

	t0 = now_ms();
	for (a = 3; a < sep; a++) {
		struct stat st;
		__u64 cg;
		__u8 one = 1;

		if (stat(argv[a], &st) < 0) {
			fprintf(stderr, "bpf_allow: %s: %s\n", argv[a], strerror(errno));
			return 2;
		}
		cg = st.st_ino;
		for (i = 0; i < nfiles; i++) {
			struct stat fs;

			if (stat(argv[sep + 1 + i], &fs) < 0) {
				fprintf(stderr, "bpf_allow: %s: %s\n", argv[sep + 1 + i], strerror(errno));
				return 2;
			}
			keys[i] = (struct allow_key){ cg, fs.st_ino, kdev(fs.st_dev), 0 };
		}
		for (; i < count; i++)
			keys[i] = (struct allow_key){ cg, 0x100000000ull + i, (4095u << 20) | 0xfffffu, 0 };
		for (i = 0; i < count; i += 8192) {
			__u32 chunk = (__u32)(count - i < 8192 ? count - i : 8192);

			err = bpf_map_update_batch(allowed, &keys[i], &vals[i], &chunk, NULL);
			if (err) { /* older kernels: one by one */
				unsigned long j;

				for (j = i; j < i + 8192 && j < count; j++)
					if (bpf_map_update_elem(allowed, &keys[j], &one, BPF_ANY)) {
						fprintf(stderr, "bpf_allow: map update: %s\n", strerror(errno));
						return 1;
					}
			}
		}
		n += count;
		if (bpf_map_update_elem(governed, &cg, &one, BPF_ANY)) {
			fprintf(stderr, "bpf_allow: governed: %s\n", strerror(errno));
			return 1;
		}
	}
	link = bpf_program__attach_lsm(prog);
	if (!link || libbpf_get_error(link)) {
		fprintf(stderr, "bpf_allow: attach lsm/bprm_check_security failed (is \"bpf\" in the kernel's lsm= list?)\n");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("bpf_allow: ready entries=%lu cgroups=%lu fill_ms=%.1f\n", n, ncg, now_ms() - t0);
	fflush(stdout);
	while (!stop) {
		sigsuspend(&old);	/* no signal lost between test and wait */
		if (!toggle || stop)
			continue;
		toggle = 0;
		lib = !lib;
		for (i = 0; i < 2; i++) {
			struct bpf_program *p;

			if (!lib) {
				bpf_link__destroy(lib_links[i]);
				lib_links[i] = NULL;
				continue;
			}
			p = bpf_object__find_program_by_name(obj, lib_progs[i]);
			lib_links[i] = p ? bpf_program__attach_lsm(p) : NULL;
			if (!lib_links[i] || libbpf_get_error(lib_links[i])) {
				fprintf(stderr, "bpf_allow: attach %s failed\n", lib_progs[i]);
				return 1;
			}
		}
		printf("bpf_allow: lib=%d\n", lib);
		fflush(stdout);
	}
	for (i = 0; i < 2; i++)
		if (lib_links[i])
			bpf_link__destroy(lib_links[i]);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}

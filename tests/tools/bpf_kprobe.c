// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_kprobe: attach the BPF kprobe and kretprobe of bpf_kprobe.bpf.c on
 * security_bprm_check, the function drift hooks with its own ftrace_ops
 * (t24-hook-selftest.sh: coexistence with a BPF kprobe).
 *
 *   bpf_kprobe [--stdin] [OBJ]
 *
 * OBJ defaults to bpf_kprobe.bpf.o next to this program. Prints
 * "attached" once both programs are attached, then waits for SIGTERM or
 * SIGINT (with --stdin also for end of file on stdin), detaches and
 * prints "kprobe=N kprobe_null=N kretprobe=N kretprobe_err=N": kprobe
 * hits with a non-NULL bprm argument, with a NULL one, kretprobe hits,
 * and those of them that returned nonzero (a denied exec). Exit status 0;
 * 1 on any error, with a message on stderr.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_kprobe.h"

static const char *const prog_names[] = { "bprm_check_entry", "bprm_check_return" };
#define NPROGS (sizeof(prog_names) / sizeof(prog_names[0]))

static int default_obj(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n < 0) {
		fprintf(stderr, "bpf_kprobe: /proc/self/exe: %s\n", strerror(errno));
		return -1;
	}
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash || (size_t)(slash - buf) + sizeof("/bpf_kprobe.bpf.o") > len) {
		fprintf(stderr, "bpf_kprobe: cannot derive the object path from %s\n", buf);
		return -1;
	}
	strcpy(slash, "/bpf_kprobe.bpf.o");
	return 0;
}

/* until SIGTERM/SIGINT (or, with watch_stdin, end of file on stdin) */
static int wait_stop(int watch_stdin)
{
	struct pollfd pfd[2];
	sigset_t set;
	char buf[256];
	int nfds = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pfd[0].fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (pfd[0].fd < 0) {
		fprintf(stderr, "bpf_kprobe: signalfd: %s\n", strerror(errno));
		return -1;
	}
	pfd[0].events = POLLIN;
	if (watch_stdin) {
		pfd[1].fd = STDIN_FILENO;
		pfd[1].events = POLLIN;
		nfds = 2;
	}
	for (;;) {
		if (poll(pfd, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bpf_kprobe: poll: %s\n", strerror(errno));
			return -1;
		}
		if (pfd[0].revents)
			break;
		if (nfds == 2 && pfd[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break;
		}
	}
	close(pfd[0].fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[NPROGS] = { 0 };
	__u64 v[BPF_KPROBE_NCOUNTERS] = { 0 };
	char path[PATH_MAX];
	const char *objpath = NULL;
	struct bpf_object *obj;
	int watch_stdin = 0, counters, err, ret = 1, a;
	unsigned int i;
	sigset_t set;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--stdin") == 0) {
			watch_stdin = 1;
		} else if (argv[a][0] != '-' && !objpath) {
			objpath = argv[a];
		} else {
			fprintf(stderr, "usage: bpf_kprobe [--stdin] [OBJ]\n");
			return 2;
		}
	}
	if (!objpath) {
		if (default_obj(path, sizeof(path)) < 0)
			return 1;
		objpath = path;
	}

	/* blocked from the start: a SIGTERM right after "attached" is not lost */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		fprintf(stderr, "bpf_kprobe: sigprocmask: %s\n", strerror(errno));
		return 1;
	}

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	obj = bpf_object__open_file(objpath, NULL);
	if (!obj) {
		fprintf(stderr, "bpf_kprobe: cannot open %s: %s\n", objpath, strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "bpf_kprobe: load %s: %s\n", objpath, strerror(-err));
		goto out;
	}
	counters = bpf_object__find_map_fd_by_name(obj, "counters");
	if (counters < 0) {
		fprintf(stderr, "bpf_kprobe: no map \"counters\" in %s\n", objpath);
		goto out;
	}
	for (i = 0; i < NPROGS; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, prog_names[i]);

		if (!prog) {
			fprintf(stderr, "bpf_kprobe: no program %s in %s\n", prog_names[i], objpath);
			goto out;
		}
		links[i] = bpf_program__attach(prog);
		if (!links[i]) {
			fprintf(stderr, "bpf_kprobe: attach %s (%s): %s\n", prog_names[i],
				bpf_program__section_name(prog), strerror(errno));
			goto out;
		}
	}
	printf("attached\n");
	if (fflush(stdout) != 0) {
		fprintf(stderr, "bpf_kprobe: stdout: %s\n", strerror(errno));
		goto out;
	}

	if (wait_stop(watch_stdin) < 0)
		goto out;

	for (i = 0; i < NPROGS; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	for (i = 0; i < BPF_KPROBE_NCOUNTERS; i++) {
		__u32 key = i;

		if (bpf_map_lookup_elem(counters, &key, &v[i]) < 0) {
			fprintf(stderr, "bpf_kprobe: read counter %u: %s\n", i, strerror(errno));
			goto out;
		}
	}
	printf("kprobe=%llu kprobe_null=%llu kretprobe=%llu kretprobe_err=%llu\n",
	       (unsigned long long)v[BPF_KPROBE_ENTRY],
	       (unsigned long long)v[BPF_KPROBE_ENTRY_NULL],
	       (unsigned long long)v[BPF_KPROBE_RETURN],
	       (unsigned long long)v[BPF_KPROBE_RETURN_ERR]);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "bpf_kprobe: stdout: %s\n", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < NPROGS; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return ret;
}

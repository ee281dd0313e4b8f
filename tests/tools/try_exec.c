// SPDX-License-Identifier: GPL-2.0
/*
 * try_exec PATH [ARG...]
 *
 * execv()s PATH with argv[0] = PATH and the given arguments. On success the
 * program replaces this one. On failure prints the errno name (e.g.
 * "EACCES") on stdout and exits 126 (EACCES), 127 (ENOENT) or 125 (other).
 *
 * With TRY_EXEC_MAKE_IT_FAIL=1 in the environment it first writes 1 to
 * /proc/self/make-it-fail, so that with fault injection's task filter on
 * (tests/stress/s03-faults.sh) the kernel allocations of this execve()
 * (drift's included) may fail, and only those. With TRY_EXEC_FAIL_NTH=N
 * it writes N to /proc/self/fail-nth: the Nth fault-injection point this
 * task passes from there on (slab or page allocation) fails, whatever the
 * probability (systematic fault injection: N = 1, 2, ... walks the
 * execve() path allocation by allocation).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: try_exec PATH [ARG...]\n");
		return 2;
	}
	if (getenv("TRY_EXEC_MAKE_IT_FAIL")) {
		int fd = open("/proc/self/make-it-fail", O_WRONLY);

		if (fd >= 0) {
			if (write(fd, "1", 1) != 1)
				perror("try_exec: make-it-fail");
			close(fd);
		}
	}
	if (getenv("TRY_EXEC_FAIL_NTH")) {
		const char *n = getenv("TRY_EXEC_FAIL_NTH");
		int fd = open("/proc/self/fail-nth", O_WRONLY);

		if (fd >= 0) {
			if (write(fd, n, strlen(n)) != (ssize_t)strlen(n))
				perror("try_exec: fail-nth");
			close(fd);
		}
	}
	execv(argv[1], argv + 1);
	probe_fail("try_exec", argv[1], errno);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * try_exec PATH [ARG...]
 *
 * execv()s PATH with argv[0] = PATH and the given arguments. On success the
 * program replaces this one. On failure prints the errno name (e.g.
 * "EACCES") on stdout and exits 126 (EACCES), 127 (ENOENT) or 125 (other).
 */
#include <stdio.h>
#include <unistd.h>

#include "probe.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: try_exec PATH [ARG...]\n");
		return 2;
	}
	execv(argv[1], argv + 1);
	probe_fail("try_exec", argv[1], errno);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * memfd_exec [--name NAME] FILE [ARG...]
 *
 * Copies FILE into a memfd (memfd_create(NAME, 0), default name
 * "drift-test") and fexecve()s it with argv[0] = FILE: a fileless exec.
 * On failure prints the errno name on stdout and exits 126 (EACCES),
 * 127 (ENOENT) or 125 (other); set-up errors exit 124.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"

extern char **environ;

int main(int argc, char **argv)
{
	const char *name = "drift-test";
	char buf[65536];
	int i = 1, in, mfd;
	ssize_t n;

	if (argc > 2 && strcmp(argv[1], "--name") == 0) {
		name = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: memfd_exec [--name NAME] FILE [ARG...]\n");
		return 2;
	}
	in = open(argv[i], O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		perror(argv[i]);
		return 124;
	}
	mfd = memfd_create(name, 0);
	if (mfd < 0) {
		perror("memfd_create");
		return 124;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (n > 0) {
			ssize_t w = write(mfd, p, (size_t)n);

			if (w < 0) {
				perror("write memfd");
				return 124;
			}
			p += w;
			n -= w;
		}
	}
	if (n < 0) {
		perror("read");
		return 124;
	}
	close(in);
	fexecve(mfd, argv + i, environ);
	probe_fail("memfd_exec", argv[i], errno);
}

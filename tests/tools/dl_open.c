// SPDX-License-Identifier: GPL-2.0
/*
 * dl_open FILE: dlopen(FILE) as a dynamic program would. Prints "ok" or
 * "DLERROR: <dlerror()>" (exit 1). Dynamically linked on purpose.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	void *h;

	if (argc != 2) {
		fprintf(stderr, "usage: dl_open FILE\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		printf("DLERROR: %s\n", dlerror());
		return 1;
	}
	printf("ok\n");
	return 0;
}

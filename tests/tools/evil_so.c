// SPDX-License-Identifier: GPL-2.0
/*
 * evil.so: a "dropped" shared object for the library-mode tests. Its
 * constructor announces itself, so a test sees whether it ran.
 */
#include <stdio.h>

__attribute__((constructor)) static void evil_init(void)
{
	fputs("EVIL-SO-RAN\n", stderr);
}

int evil_answer(void)
{
	return 42;
}

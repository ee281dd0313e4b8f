/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the exec probes of tests/tools: how an exec failure is
 * reported so that shell tests can parse it.
 *
 *   stdout: the errno name alone on one line ("EACCES")
 *   exit:   126 for EACCES, 127 for ENOENT, 125 for anything else
 */
#ifndef DRIFT_TEST_PROBE_H
#define DRIFT_TEST_PROBE_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline const char *probe_errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "EUNKNOWN";
}

static inline int probe_exit_code(int err)
{
	return err == EACCES ? 126 : err == ENOENT ? 127 : 125;
}

/* Report a failed exec of 'what' and exit with probe_exit_code(). */
static inline void __attribute__((noreturn))
probe_fail(const char *prog, const char *what, int err)
{
	printf("%s\n", probe_errname(err));
	fflush(stdout);
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	_exit(probe_exit_code(err));
}

#endif

// SPDX-License-Identifier: GPL-2.0 OR MIT
/* drift common: names of the protocol's enums. */
#include <errno.h>
#include <string.h>

#include "names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const mode_names[] = {
	[DRIFT_MODE_OFF] = "off",
	[DRIFT_MODE_AUDIT] = "audit",
	[DRIFT_MODE_ENFORCE] = "enforce",
};

static const char *const reason_names[] = {
	[DRIFT_REASON_NONE] = "none",
	[DRIFT_REASON_NOT_IN_IMAGE] = "not_in_image",
	[DRIFT_REASON_MODIFIED] = "modified",
	[DRIFT_REASON_FILELESS] = "fileless",
	[DRIFT_REASON_NO_SET] = "no_set",
	[DRIFT_REASON_VERIFY_FAILED] = "verify_failed",
	[DRIFT_REASON_WRITABLE] = "writable",
	[DRIFT_REASON_SELFTEST] = "selftest",
};

static const char *const op_names[] = {
	[DRIFT_OP_EXEC] = "exec",
	[DRIFT_OP_MMAP] = "mmap",
	[DRIFT_OP_MPROTECT] = "mprotect",
};

static const char *const action_names[] = {
	[DRIFT_ACTION_ALLOW] = "allow",
	[DRIFT_ACTION_AUDIT] = "audit",
	[DRIFT_ACTION_DENY] = "deny",
};

static const char *const exc_names[] = {
	[DRIFT_EXC_FILE] = "file",
	[DRIFT_EXC_PATH_PREFIX] = "path",
};

static const char *const stat_names[] = {
	[DRIFT_STAT_EXECS_CHECKED] = "execs_checked",
	[DRIFT_STAT_EXECS_ALLOWED] = "execs_allowed",
	[DRIFT_STAT_EXECS_VERIFIED] = "execs_verified",
	[DRIFT_STAT_EXECS_EXCEPTED] = "execs_excepted",
	[DRIFT_STAT_EXECS_AUDITED] = "execs_audited",
	[DRIFT_STAT_EXECS_DENIED] = "execs_denied",
	[DRIFT_STAT_EXECS_UNGOVERNED] = "execs_ungoverned",
	[DRIFT_STAT_HASHES] = "hashes",
	[DRIFT_STAT_VERIFY_ERRORS] = "verify_errors",
	[DRIFT_STAT_EVENTS_SENT] = "events_sent",
	[DRIFT_STAT_EVENTS_SUPPRESSED] = "events_suppressed",
	[DRIFT_STAT_EVENTS_DROPPED] = "events_dropped",
	[DRIFT_STAT_PROBE_MISSED] = "probe_missed",
	[DRIFT_STAT_MAPS_CHECKED] = "maps_checked",
	[DRIFT_STAT_MAPS_ALLOWED] = "maps_allowed",
	[DRIFT_STAT_MAPS_AUDITED] = "maps_audited",
	[DRIFT_STAT_MAPS_DENIED] = "maps_denied",
	[DRIFT_STAT_SELFTEST_RUNS] = "selftest_runs",
	[DRIFT_STAT_SELFTEST_FAILURES] = "selftest_failures",
	[DRIFT_STAT_REFUSED] = "refused",
	[DRIFT_STAT_EXECVE_CHECKS] = "execve_checks",
};

static const char *const stat_helps[] = {
	[DRIFT_STAT_EXECS_CHECKED] = "execs of governed tasks checked",
	[DRIFT_STAT_EXECS_ALLOWED] = "execs allowed: in the set, or mode off",
	[DRIFT_STAT_EXECS_VERIFIED] = "execs allowed by content (SHA-256)",
	[DRIFT_STAT_EXECS_EXCEPTED] = "execs allowed by an exception",
	[DRIFT_STAT_EXECS_AUDITED] = "execs not in the set, allowed (audit)",
	[DRIFT_STAT_EXECS_DENIED] = "execs not in the set, denied (enforce)",
	[DRIFT_STAT_EXECS_UNGOVERNED] = "execs with no binding and mode off",
	[DRIFT_STAT_HASHES] = "files hashed for verification",
	[DRIFT_STAT_VERIFY_ERRORS] = "verification failures (denied)",
	[DRIFT_STAT_EVENTS_SENT] = "events multicast",
	[DRIFT_STAT_EVENTS_SUPPRESSED] = "events dropped by the rate limit",
	[DRIFT_STAT_EVENTS_DROPPED] = "events dropped: queue full, no memory, no listener",
	[DRIFT_STAT_PROBE_MISSED] = "kprobe hits missed",
	[DRIFT_STAT_MAPS_CHECKED] = "executable file mappings of governed tasks checked",
	[DRIFT_STAT_MAPS_ALLOWED] = "executable mappings allowed: in the set, or library mode off",
	[DRIFT_STAT_MAPS_AUDITED] = "executable mappings not in the set, allowed (audit)",
	[DRIFT_STAT_MAPS_DENIED] = "executable mappings not in the set, denied (enforce)",
	[DRIFT_STAT_SELFTEST_RUNS] = "self-tests of the hooks run",
	[DRIFT_STAT_SELFTEST_FAILURES] = "self-tests that failed: enforcement not proven",
	[DRIFT_STAT_REFUSED] = "changes refused: seal, capability or governed caller (module load/unload, /proc/PID/mem writes too)",
	[DRIFT_STAT_EXECVE_CHECKS] = "execveat(AT_EXECVE_CHECK) requests answered (Linux 6.14+)",
};

_Static_assert(ARRAY_SIZE(mode_names) == __DRIFT_MODE_MAX, "mode names");
_Static_assert(ARRAY_SIZE(reason_names) == __DRIFT_REASON_MAX, "reason names");
_Static_assert(ARRAY_SIZE(op_names) == __DRIFT_OP_MAX, "op names");
_Static_assert(ARRAY_SIZE(action_names) == __DRIFT_ACTION_MAX, "action names");
_Static_assert(ARRAY_SIZE(exc_names) == __DRIFT_EXC_MAX, "exception names");
_Static_assert(ARRAY_SIZE(stat_names) == __DRIFT_STAT_MAX, "stat names");
_Static_assert(ARRAY_SIZE(stat_helps) == __DRIFT_STAT_MAX, "stat helps");

static const char *lookup(const char *const *tab, size_t n, unsigned int v)
{
	return v < n ? tab[v] : NULL;
}

static int rlookup(const char *const *tab, size_t n, const char *s,
		   unsigned int *out)
{
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (tab[i] && strcmp(tab[i], s) == 0) {
			*out = (unsigned int)i;
			return 0;
		}
	}
	return -EINVAL;
}

#define NAME_FUNCS(kind, tab, type)					\
const char *drift_##kind##_name(unsigned int v)				\
{									\
	return lookup(tab, ARRAY_SIZE(tab), v);				\
}									\
int drift_##kind##_parse(const char *s, type *out)			\
{									\
	unsigned int v;							\
	int ret = rlookup(tab, ARRAY_SIZE(tab), s, &v);			\
									\
	if (ret == 0)							\
		*out = (type)v;						\
	return ret;							\
}

NAME_FUNCS(mode, mode_names, enum drift_mode)
NAME_FUNCS(reason, reason_names, enum drift_reason)
NAME_FUNCS(action, action_names, enum drift_action)
NAME_FUNCS(op, op_names, enum drift_op)
NAME_FUNCS(exception_type, exc_names, enum drift_exception_type)
NAME_FUNCS(stat, stat_names, enum drift_stat_attr)

const char *drift_stat_help(unsigned int v)
{
	return lookup(stat_helps, ARRAY_SIZE(stat_helps), v);
}

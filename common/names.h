/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drift common: names of the protocol's enums (include/drift_netlink.h).
 *
 * Every *_name() function returns a static string, or NULL for a value it
 * does not know (a newer kernel may send one): callers print the number.
 * Every *_parse() function takes the exact lowercase name and returns 0 and
 * the value, or -EINVAL (nothing written) for an unknown name or NULL.
 */
#ifndef DRIFT_COMMON_NAMES_H
#define DRIFT_COMMON_NAMES_H

#include "drift_netlink.h"

/* off | audit | enforce */
const char *drift_mode_name(unsigned int mode);
int drift_mode_parse(const char *s, enum drift_mode *out);

/* none | not_in_image | modified | fileless | no_set | verify_failed */
const char *drift_reason_name(unsigned int reason);
int drift_reason_parse(const char *s, enum drift_reason *out);

/* allow | audit | deny */
const char *drift_action_name(unsigned int action);
int drift_action_parse(const char *s, enum drift_action *out);
const char *drift_op_name(unsigned int op);
int drift_op_parse(const char *s, enum drift_op *out);

/* file | path */
const char *drift_exception_type_name(unsigned int type);
int drift_exception_type_parse(const char *s, enum drift_exception_type *out);

/*
 * Counters of enum drift_stat_attr: "execs_checked", "execs_allowed", ...,
 * "probe_missed" (the enum name without DRIFT_STAT_, lowercase).
 * DRIFT_STAT_UNSPEC and DRIFT_STAT_PAD have no name.
 */
const char *drift_stat_name(unsigned int stat);
int drift_stat_parse(const char *s, enum drift_stat_attr *out);

/* One-line description of a counter, for help texts; NULL if unknown. */
const char *drift_stat_help(unsigned int stat);

#endif

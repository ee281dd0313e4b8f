// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: per-cpu u64 arrays indexed by enum drift_stat_attr, one global
 * and one per binding. Incremented lock-free on the exec path, summed when
 * read over netlink.
 */
#include "drift.h"

struct drift_stats __percpu *drift_global_stats;

struct drift_stats __percpu *drift_stats_alloc(void)
{
	return alloc_percpu(struct drift_stats);
}

void drift_stats_free(struct drift_stats __percpu *s)
{
	free_percpu(s);
}

void drift_stats_sum(struct drift_stats __percpu *s, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * __DRIFT_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct drift_stats *p = per_cpu_ptr(s, cpu);

		for (i = 0; i < __DRIFT_STAT_MAX; i++)
			out[i] += READ_ONCE(p->c[i]);
	}
}

static bool stat_is_global_only(int i)
{
	return i == DRIFT_STAT_EXECS_UNGOVERNED ||
	       i == DRIFT_STAT_PROBE_MISSED || i == DRIFT_STAT_HASHES ||
	       i == DRIFT_STAT_SELFTEST_RUNS ||
	       i == DRIFT_STAT_SELFTEST_FAILURES || i == DRIFT_STAT_REFUSED ||
	       i == DRIFT_STAT_EXECVE_CHECKS;
}

/*
 * Puts DRIFT_A_STATS: every counter for the global set, the per-binding
 * ones for a binding.
 */
int drift_stats_put(struct sk_buff *skb, const u64 *vals, bool global)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, DRIFT_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = DRIFT_STAT_EXECS_CHECKED; i < __DRIFT_STAT_MAX; i++) {
		if (!global && stat_is_global_only(i))
			continue;
		if (nla_put_u64_64bit(skb, i, vals[i], DRIFT_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

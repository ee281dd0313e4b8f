// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF kprobe and kretprobe of tests/integration/t24-hook-selftest.sh:
 * they share security_bprm_check with drift's ftrace hook and count what
 * they see (loaded and read by bpf_kprobe.c). No CO-RE, no BTF needed.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf_kprobe.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPF_KPROBE_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &i);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* security_bprm_check(struct linux_binprm *bprm) */
SEC("kprobe/security_bprm_check")
int bprm_check_entry(struct pt_regs *ctx)
{
	if (PT_REGS_PARM1(ctx))
		count(BPF_KPROBE_ENTRY);
	else
		count(BPF_KPROBE_ENTRY_NULL);
	return 0;
}

SEC("kretprobe/security_bprm_check")
int bprm_check_return(struct pt_regs *ctx)
{
	count(BPF_KPROBE_RETURN);
	if ((long)PT_REGS_RC(ctx) != 0)
		count(BPF_KPROBE_RETURN_ERR);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* SPDX-License-Identifier: GPL-2.0 */
/* Indexes of the counters array of bpf_kprobe.bpf.c (read by bpf_kprobe.c) */
#ifndef BPF_KPROBE_H
#define BPF_KPROBE_H
enum {
	BPF_KPROBE_ENTRY,	/* kprobe hits with a non-NULL bprm */
	BPF_KPROBE_ENTRY_NULL,	/* kprobe hits with a NULL bprm (never expected) */
	BPF_KPROBE_RETURN,	/* kretprobe hits */
	BPF_KPROBE_RETURN_ERR,	/* kretprobe hits with a nonzero return value */
	BPF_KPROBE_NCOUNTERS
};
#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline drift is compared with in `make bench`: the minimal
 * allowlist a user could deploy instead, as a BPF LSM program. On
 * bprm_check_security, a task whose cgroup is in `governed` may exec a
 * file only if (cgroup id, device, inode) is in `allowed`; else -EACCES.
 * No events, no content checks, no modes: the cheapest useful check.
 * With mappings too (bpf_allow --lib, what drift's library mode checks):
 * mmap_file and file_mprotect of a file with PROT_EXEC added are allowed
 * only for (cgroup id, device, inode) in `allowed` as well.
 * Kernel structures are declared with CO-RE relocations (no vmlinux.h):
 * libbpf fixes the field offsets from the running kernel's BTF at load.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define EACCES 13

struct super_block {
	__u32 s_dev;
} __attribute__((preserve_access_index));
struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));
struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));
struct vm_area_struct {
	unsigned long vm_flags;
	struct file *vm_file;
} __attribute__((preserve_access_index));

#define PROT_EXEC 0x4
#define VM_EXEC 0x4
struct linux_binprm {
	struct file *file;
} __attribute__((preserve_access_index));

struct allow_key {
	__u64 cgroup_id;
	__u64 ino;
	__u32 dev;	/* kernel dev_t: major << 20 | minor */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 21);
	__type(key, struct allow_key);
	__type(value, __u8);
} allowed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} governed SEC(".maps");

/* 0 when the current task's cgroup is not governed or FILE is allowed */
static __always_inline int check_file(struct file *file)
{
	struct allow_key k = {};
	struct inode *inode;

	k.cgroup_id = bpf_get_current_cgroup_id();
	if (!bpf_map_lookup_elem(&governed, &k.cgroup_id))
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	k.ino = BPF_CORE_READ(inode, i_ino);
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	return bpf_map_lookup_elem(&allowed, &k) ? 0 : -EACCES;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(allowlist_check, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	return check_file(BPF_CORE_READ(bprm, file));
}

SEC("lsm/mmap_file")
int BPF_PROG(allowlist_mmap, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC))
		return 0;
	return check_file(file);
}

SEC("lsm/file_mprotect")
int BPF_PROG(allowlist_mprotect, struct vm_area_struct *vma,
	     unsigned long reqprot, unsigned long prot, int ret)
{
	struct file *file;

	if (ret)
		return ret;
	if (!(prot & PROT_EXEC) || (BPF_CORE_READ(vma, vm_flags) & VM_EXEC))
		return 0;
	file = BPF_CORE_READ(vma, vm_file);
	if (!file)
		return 0;
	return check_file(file);
}

char LICENSE[] SEC("license") = "GPL";

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels drift builds for. Everything that depends
 * on the kernel is here, nowhere else. Kbuild probes the kernel's headers
 * (and its Module.symvers for exports) and defines DRIFT_HAVE_*: distribution
 * kernels carry backports (RHEL 9's 5.14 has many 6.x APIs, Debian's 6.1
 * has inode_get_ctime() and GENL_MCAST_CAP_*), so the version number is only
 * the floor below. docs/DESIGN.md, "Kernel compatibility", has the table.
 */
#ifndef _DRIFT_COMPAT_H
#define _DRIFT_COMPAT_H

#include <linux/version.h>
#include <linux/cgroup.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/siphash.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "drift needs Linux 5.10 or newer (kprobes on ftrace, genl policies)"
#endif

/*
 * The hooks' ftrace callback takes a struct ftrace_regs and uses
 * ftrace_test_recursion_trylock(ip, parent_ip) and FTRACE_OPS_FL_RECURSION
 * (all 5.11). No fallback for 5.10's pt_regs callbacks.
 */
#ifndef DRIFT_HAVE_FTRACE_REGS
#error "drift needs ftrace callbacks with struct ftrace_regs (Linux 5.11 or a backport)"
#endif

/* 6.9 replaced d_real(dentry, NULL) by d_real(dentry, D_REAL_DATA). */
#ifdef DRIFT_HAVE_D_REAL_TYPE
#define drift_real_inode(dentry) d_inode(d_real((dentry), D_REAL_DATA))
#else
#define drift_real_inode(dentry) d_real_inode(dentry)
#endif

/*
 * 6.6 hid i_ctime behind accessors (the 6.1 stable series has
 * inode_get_ctime() too), 6.7 i_mtime.
 */
#ifdef DRIFT_HAVE_INODE_GET_CTIME
#define drift_inode_ctime(inode) inode_get_ctime(inode)
#else
#define drift_inode_ctime(inode) ((inode)->i_ctime)
#endif
#ifdef DRIFT_HAVE_INODE_GET_MTIME
#define drift_inode_mtime(inode) inode_get_mtime(inode)
#else
#define drift_inode_mtime(inode) ((inode)->i_mtime)
#endif

/*
 * 6.14: execveat(fd, path, argv, envp, AT_EXECVE_CHECK) runs an exec up to
 * security_bprm_creds_for_exec() and returns its answer (is_check set);
 * security_bprm_check() is never reached. Without the flag nothing is
 * a check.
 */
#ifdef DRIFT_HAVE_BPRM_IS_CHECK
#define DRIFT_KERNEL_EXECVE_CHECK true
#define drift_bprm_is_check(bprm) ((bprm)->is_check)
#else
#define DRIFT_KERNEL_EXECVE_CHECK false
#define drift_bprm_is_check(bprm) false
#endif

/* 6.1 added resv_start_op; a new family leaves it at 0 (strict). */
#ifdef DRIFT_HAVE_GENL_RESV_START_OP
#define DRIFT_GENL_RESV_START_OP .resv_start_op = 0,
#else
#define DRIFT_GENL_RESV_START_OP
#endif

/*
 * Joining the "events" group. GENL_MCAST_CAP_NET_ADMIN and
 * GENL_MCAST_CAP_SYS_ADMIN came together (6.7, backported to the stable
 * series, Debian's 6.1.0-x included): the group then needs both
 * capabilities in the initial user namespace. A kernel with only the
 * CAP_NET_ADMIN flag gets that; a kernel with neither has no way to restrict
 * a generic netlink group (genl_bind() ignores group flags and a family has
 * no bind callback before 6.6): the module then says so at load
 * (DRIFT_MCGRP_OPEN) and any local user can read events. docs/DESIGN.md.
 */
#if defined(GENL_MCAST_CAP_SYS_ADMIN)
#define DRIFT_MCGRP_FLAGS (GENL_MCAST_CAP_NET_ADMIN | GENL_MCAST_CAP_SYS_ADMIN)
#elif defined(GENL_MCAST_CAP_NET_ADMIN)
#define DRIFT_MCGRP_FLAGS GENL_MCAST_CAP_NET_ADMIN
#define DRIFT_MCGRP_WEAK 1
#else
#define DRIFT_MCGRP_FLAGS 0
#define DRIFT_MCGRP_OPEN 1
#endif

/* 6.2 split the operations: pre_doit receives a struct genl_split_ops. */
#ifdef DRIFT_HAVE_GENL_SPLIT_OPS
#define drift_genl_ops genl_split_ops
#else
#define drift_genl_ops genl_ops
#endif

/*
 * The SHA-256 library: struct sha256_state until 6.16, struct sha256_ctx
 * since 6.17; sha256_init/update/final keep their names.
 */
#ifdef DRIFT_HAVE_SHA256_CTX
#define drift_sha256_ctx sha256_ctx
#else
#define drift_sha256_ctx sha256_state
#endif

/*
 * cgroup_get_from_id() (exported since 5.14) returned NULL for an unknown
 * id until 6.1 ("cgroup: Homogenize cgroup_get_from_id() return value"),
 * an ERR_PTR since; no header tells which, so take both.
 */
static inline struct cgroup *drift_cgroup_get_from_id(u64 id)
{
	struct cgroup *cg = cgroup_get_from_id(id);

	return cg ?: ERR_PTR(-ENOENT);
}

/*
 * ftrace_free_filter() is exported since 6.2 and by the stable series
 * since early 2023. Without it, resetting the filter frees ours: ftrace
 * installs its static EMPTY_HASH in its place (__ftrace_hash_move(),
 * ftrace_hash_move_and_update_ops()). The ops is unregistered by then.
 */
#ifdef DRIFT_HAVE_FTRACE_FREE_FILTER
#define drift_ftrace_free_filter(ops) ftrace_free_filter(ops)
#else
#define drift_ftrace_free_filter(ops) ftrace_set_filter((ops), NULL, 0, 1)
#endif

#endif /* _DRIFT_COMPAT_H */

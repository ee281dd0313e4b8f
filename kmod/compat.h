/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels drift builds for. Everything that depends
 * on the kernel version is here, nowhere else.
 */
#ifndef _DRIFT_COMPAT_H
#define _DRIFT_COMPAT_H

#include <linux/version.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/siphash.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "drift needs Linux 5.10 or newer (kprobes on ftrace, genl policies)"
#endif

/* 6.9 replaced d_real(dentry, NULL) by d_real(dentry, D_REAL_DATA). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define drift_real_inode(dentry) d_inode(d_real((dentry), D_REAL_DATA))
#else
#define drift_real_inode(dentry) d_real_inode(dentry)
#endif

/* 6.6 hid the inode timestamps behind accessors. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define drift_inode_ctime(inode) inode_get_ctime(inode)
#else
#define drift_inode_ctime(inode) ((inode)->i_ctime)
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define drift_inode_mtime(inode) inode_get_mtime(inode)
#else
#define drift_inode_mtime(inode) ((inode)->i_mtime)
#endif

/* 6.1 added resv_start_op; a new family leaves it at 0 (strict). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
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

/*
 * 6.2 split the operations: pre_doit receives a struct genl_split_ops.
 * Kbuild probes the header (DRIFT_HAVE_GENL_SPLIT_OPS), since backports
 * (RHEL 9) make version numbers meaningless here.
 */
#ifdef DRIFT_HAVE_GENL_SPLIT_OPS
#define drift_genl_ops genl_split_ops
#else
#define drift_genl_ops genl_ops
#endif

#endif /* _DRIFT_COMPAT_H */

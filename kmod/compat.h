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

/* Backported to 6.1 stable: only CAP_NET_ADMIN may join the group. */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define DRIFT_MCGRP_FLAGS GENL_MCAST_CAP_NET_ADMIN
#else
#define DRIFT_MCGRP_FLAGS 0
#define DRIFT_MCGRP_CHECK_IN_BIND 1
#endif

#endif /* _DRIFT_COMPAT_H */

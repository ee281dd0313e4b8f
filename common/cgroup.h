/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * drift common: cgroup v2 path -> 64-bit cgroup id.
 *
 * `spec` is one of
 *   /sys/fs/cgroup/kubepods.slice/...   an absolute path to a cgroup2
 *                                       directory (any mount point)
 *   machine.slice/libpod-1234           relative to /sys/fs/cgroup
 *   id:12345                            a cgroup id, taken as is
 *                                       (decimal, or 0x hexadecimal)
 * The id of a cgroup is the inode number of its directory (stat().st_ino,
 * 64-bit kernels >= 5.5), which is what the kernel's cgroup_id() returns.
 *
 * Returns 0 and the id, or a negative errno with a message in `err` (when
 * err is not NULL; truncated to errlen) that says what to do:
 *   -ENOENT   no such cgroup directory
 *   -ENOTDIR  the path is not a directory
 *   -EINVAL   empty spec, bad "id:" number, or not on cgroup2 (e.g. a v1
 *             hierarchy)
 *   -EACCES/-EPERM, ...  from stat()/statfs()
 */
#ifndef DRIFT_COMMON_CGROUP_H
#define DRIFT_COMMON_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define DRIFT_CGROUP_ROOT "/sys/fs/cgroup"

int drift_cgroup_resolve(const char *spec, uint64_t *id, char *err,
			 size_t errlen);

/* Same, with relative paths taken relative to `root` (for tests). */
int drift_cgroup_resolve_at(const char *root, const char *spec, uint64_t *id,
			    char *err, size_t errlen);

/*
 * Finds the directory of cgroup `id` below `root` (NULL: /sys/fs/cgroup)
 * by walking the hierarchy (no symlinks followed, one filesystem).
 * Returns a malloc'd absolute path, or NULL with errno (ENOENT: not found).
 */
char *drift_cgroup_path_of(const char *root, uint64_t id);

/*
 * The container runtimes' names for a container's cgroup: for cgroup
 * directory NAME (one path component), the length of its runtime prefix
 * ("libpod-", "crio-", "docker-", "cri-containerd-") when it names a
 * container's scope; -1 for a runtime's conmon scope ("libpod-conmon-",
 * "crio-conmon-"); 0 for any other name.
 */
int drift_cgroup_container_prefix(const char *name);

#endif

// SPDX-License-Identifier: GPL-2.0 OR MIT
/* drift common: cgroup v2 path -> cgroup id. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "util.h"

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int drift_cgroup_resolve_at(const char *root, const char *spec, uint64_t *id,
			    char *err, size_t errlen)
{
	struct drift_buf path = DRIFT_BUF_INIT;
	struct statfs sfs;
	struct stat st;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!spec || !*spec) {
		set_err(err, errlen, "empty cgroup: give a cgroup v2 path "
			"(absolute, or relative to %s) or id:NUMBER",
			root ? root : DRIFT_CGROUP_ROOT);
		return -EINVAL;
	}
	if (strncmp(spec, "id:", 3) == 0) {
		ret = drift_parse_u64(spec + 3, id);
		if (ret) {
			set_err(err, errlen, "bad cgroup id '%.64s': expected "
				"id:NUMBER (decimal or 0x hex, the inode number "
				"of the cgroup directory)", spec + 3);
			return -EINVAL;
		}
		return 0;
	}
	if (spec[0] != '/') {
		if (!root)
			root = DRIFT_CGROUP_ROOT;
		if (drift_buf_puts(&path, root) || drift_buf_putc(&path, '/') ||
		    drift_buf_puts(&path, spec)) {
			set_err(err, errlen, "out of memory");
			drift_buf_free(&path);
			return -ENOMEM;
		}
	} else if (drift_buf_puts(&path, spec)) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}

	if (stat(path.data, &st) != 0) {
		ret = -errno;
		if (ret == -ENOENT)
			set_err(err, errlen, "no such cgroup: %.512s (cgroup v2 "
				"paths are absolute or relative to %s; list them "
				"with 'ls %s' or 'systemd-cgls')", path.data,
				root ? root : DRIFT_CGROUP_ROOT,
				root ? root : DRIFT_CGROUP_ROOT);
		else
			set_err(err, errlen, "cannot stat cgroup %.512s: %s",
				path.data, strerror(-ret));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "%.512s is not a cgroup directory (give the "
			"directory, not a file inside it)", path.data);
		ret = -ENOTDIR;
		goto out;
	}
	if (statfs(path.data, &sfs) != 0) {
		ret = -errno;
		set_err(err, errlen, "cannot statfs %.512s: %s", path.data,
			strerror(-ret));
		goto out;
	}
	if ((unsigned long)sfs.f_type != (unsigned long)CGROUP2_SUPER_MAGIC) {
		set_err(err, errlen, "%.512s is not on a cgroup v2 filesystem "
			"(drift needs the unified hierarchy: mount -t cgroup2 "
			"none %s)", path.data, DRIFT_CGROUP_ROOT);
		ret = -EINVAL;
		goto out;
	}
	*id = (uint64_t)st.st_ino;
	ret = 0;
out:
	drift_buf_free(&path);
	return ret;
}

int drift_cgroup_resolve(const char *spec, uint64_t *id, char *err,
			 size_t errlen)
{
	return drift_cgroup_resolve_at(NULL, spec, id, err, errlen);
}

static _Thread_local struct {
	uint64_t id;
	char *found;
} find_state;

static int find_cb(const char *fpath, const struct stat *sb, int type,
		   struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || (uint64_t)sb->st_ino != find_state.id)
		return 0;
	find_state.found = strdup(fpath);
	return 1;
}

char *drift_cgroup_path_of(const char *root, uint64_t id)
{
	char *res;
	int ret;

	if (!root)
		root = DRIFT_CGROUP_ROOT;
	find_state.id = id;
	find_state.found = NULL;
	ret = nftw(root, find_cb, 32, FTW_PHYS | FTW_MOUNT);
	res = find_state.found;
	find_state.found = NULL;
	if (ret == 1 && !res) {
		errno = ENOMEM;
		return NULL;
	}
	if (!res)
		errno = ret < 0 ? errno : ENOENT;
	return res;
}

int drift_cgroup_container_prefix(const char *name)
{
	static const char *const prefixes[] = { "libpod-", "crio-", "docker-",
						"cri-containerd-", NULL };
	size_t i;

	if (!strncmp(name, "libpod-conmon-", 14) || !strncmp(name, "crio-conmon-", 12))
		return -1;
	for (i = 0; prefixes[i]; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return (int)strlen(prefixes[i]);
	return 0;
}

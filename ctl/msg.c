// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl: request messages (pure: build into a caller's buffer). */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>

#include "driftctl.h"

struct nlmsghdr *msg_start(void *buf, size_t size, uint16_t family,
			   uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (size < NLMSG_HDRLEN + GENL_HDRLEN) {
		errno = E2BIG;
		return NULL;
	}
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = DRIFT_GENL_VERSION;
	return nlh;
}

/* A name attribute: non-empty (unless allow_empty), < DRIFT_NAME_MAX. */
static bool put_name(struct nlmsghdr *nlh, size_t size, uint16_t type,
		     const char *s, bool allow_empty)
{
	size_t len;

	if (!s) {
		errno = EINVAL;
		return false;
	}
	len = strlen(s);
	if ((!len && !allow_empty) || len >= DRIFT_NAME_MAX) {
		errno = len ? ENAMETOOLONG : EINVAL;
		return false;
	}
	if (!mnl_attr_put_strz_check(nlh, size, type, s)) {
		errno = E2BIG;
		return false;
	}
	return true;
}

static bool put_u64(struct nlmsghdr *nlh, size_t size, uint16_t type,
		    uint64_t v)
{
	if (!mnl_attr_put_check(nlh, size, type, sizeof(v), &v)) {
		errno = E2BIG;
		return false;
	}
	return true;
}

static bool put_u32(struct nlmsghdr *nlh, size_t size, uint16_t type,
		    uint32_t v)
{
	if (!mnl_attr_put_u32_check(nlh, size, type, v)) {
		errno = E2BIG;
		return false;
	}
	return true;
}

static bool put_u8(struct nlmsghdr *nlh, size_t size, uint16_t type,
		   uint8_t v)
{
	if (!mnl_attr_put_u8_check(nlh, size, type, v)) {
		errno = E2BIG;
		return false;
	}
	return true;
}

static bool valid_mode(int mode)
{
	if (mode < 0 || mode > DRIFT_MODE_MAX) {
		errno = EINVAL;
		return false;
	}
	return true;
}

struct nlmsghdr *msg_get_status(void *buf, size_t size, uint16_t family)
{
	return msg_start(buf, size, family, DRIFT_CMD_GET_STATUS, 0);
}

struct nlmsghdr *msg_set_begin(void *buf, size_t size, uint16_t family,
			       const char *set, uint32_t hint)
{
	struct nlmsghdr *nlh = msg_start(buf, size, family,
					 DRIFT_CMD_SET_BEGIN, 0);

	if (!nlh || !put_name(nlh, size, DRIFT_A_SET_NAME, set, false) ||
	    !put_u32(nlh, size, DRIFT_A_SET_SIZE_HINT, hint))
		return NULL;
	return nlh;
}

struct nlmsghdr *msg_set_add(void *buf, size_t size, uint16_t family,
			     const char *set, const struct drift_file_id *ids,
			     size_t n)
{
	struct nlmsghdr *nlh;

	if (n == 0 || n > DRIFT_SET_CHUNK_MAX) {
		errno = EINVAL;
		return NULL;
	}
	nlh = msg_start(buf, size, family, DRIFT_CMD_SET_ADD, 0);
	if (!nlh || !put_name(nlh, size, DRIFT_A_SET_NAME, set, false))
		return NULL;
	if (!mnl_attr_put_check(nlh, size, DRIFT_A_SET_ENTRIES,
				n * sizeof(*ids), ids)) {
		errno = E2BIG;
		return NULL;
	}
	return nlh;
}

struct nlmsghdr *msg_set_name_cmd(void *buf, size_t size, uint16_t family,
				  uint8_t cmd, const char *set)
{
	struct nlmsghdr *nlh;

	if (cmd != DRIFT_CMD_SET_COMMIT && cmd != DRIFT_CMD_SET_ABORT &&
	    cmd != DRIFT_CMD_SET_DEL) {
		errno = EINVAL;
		return NULL;
	}
	nlh = msg_start(buf, size, family, cmd, 0);
	if (!nlh || !put_name(nlh, size, DRIFT_A_SET_NAME, set, false))
		return NULL;
	return nlh;
}

struct nlmsghdr *msg_set_commit(void *buf, size_t size, uint16_t family,
				const char *set, const char *const *includes,
				size_t nincludes)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	size_t i;

	if (nincludes > DRIFT_MAX_INCLUDES || (nincludes && !includes)) {
		errno = nincludes > DRIFT_MAX_INCLUDES ? E2BIG : EINVAL;
		return NULL;
	}
	nlh = msg_set_name_cmd(buf, size, family, DRIFT_CMD_SET_COMMIT, set);
	if (!nlh || !nincludes)
		return nlh;
	nest = mnl_attr_nest_start_check(nlh, size, DRIFT_A_SET_INCLUDES);
	if (!nest) {
		errno = E2BIG;
		return NULL;
	}
	for (i = 0; i < nincludes; i++)
		if (!put_name(nlh, size, DRIFT_A_SET_NAME, includes[i], false))
			return NULL;
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

struct nlmsghdr *msg_get_set(void *buf, size_t size, uint16_t family,
			     const char *set)
{
	struct nlmsghdr *nlh = msg_start(buf, size, family, DRIFT_CMD_GET_SET,
					 set ? 0 : NLM_F_DUMP);

	if (nlh && set && !put_name(nlh, size, DRIFT_A_SET_NAME, set, false))
		return NULL;
	return nlh;
}

/* DRIFT_A_LIB_MODE and DRIFT_A_BIND_FLAGS, each when >= 0 */
static bool put_lib(struct nlmsghdr *nlh, size_t size, int lib_mode,
		    int64_t flags)
{
	if (lib_mode >= 0 && (!valid_mode(lib_mode) ||
			      !put_u8(nlh, size, DRIFT_A_LIB_MODE,
				      (uint8_t)lib_mode)))
		return false;
	if (flags >= 0) {
		if (flags & ~(int64_t)__DRIFT_BIND_F_ALL) {
			errno = EINVAL;
			return false;
		}
		if (!mnl_attr_put_check(nlh, size, DRIFT_A_BIND_FLAGS,
					sizeof(uint32_t), &(uint32_t){ (uint32_t)flags })) {
			errno = E2BIG;
			return false;
		}
	}
	return true;
}

struct nlmsghdr *msg_bind(void *buf, size_t size, uint16_t family,
			  uint64_t cgid, const char *set, int mode,
			  int lib_mode, int64_t flags, const char *name,
			  bool replace, int root_fd)
{
	struct nlmsghdr *nlh = msg_start(buf, size, family, DRIFT_CMD_BIND, 0);

	if (!nlh || !put_u64(nlh, size, DRIFT_A_CGROUP_ID, cgid) ||
	    !put_name(nlh, size, DRIFT_A_SET_NAME, set, false))
		return NULL;
	if (replace && !mnl_attr_put_check(nlh, size, DRIFT_A_REPLACE, 0, NULL)) {
		errno = E2BIG;
		return NULL;
	}
	if (mode >= 0 && (!valid_mode(mode) ||
			  !put_u8(nlh, size, DRIFT_A_MODE, (uint8_t)mode)))
		return NULL;
	if (!put_lib(nlh, size, lib_mode, flags))
		return NULL;
	if (name && !put_name(nlh, size, DRIFT_A_BINDING_NAME, name, false))
		return NULL;
	if (root_fd >= 0 &&
	    !put_u32(nlh, size, DRIFT_A_ROOT_FD, (uint32_t)root_fd))
		return NULL;
	return nlh;
}

struct nlmsghdr *msg_unbind(void *buf, size_t size, uint16_t family,
			    uint64_t cgid)
{
	struct nlmsghdr *nlh = msg_start(buf, size, family, DRIFT_CMD_UNBIND, 0);

	if (!nlh || !put_u64(nlh, size, DRIFT_A_CGROUP_ID, cgid))
		return NULL;
	return nlh;
}

struct nlmsghdr *msg_set_mode(void *buf, size_t size, uint16_t family,
			      uint64_t cgid, int mode, int lib_mode,
			      int64_t flags)
{
	struct nlmsghdr *nlh;

	if ((mode < 0 && lib_mode < 0 && flags < 0) ||
	    (mode >= 0 && !valid_mode(mode))) {
		errno = EINVAL;
		return NULL;
	}
	nlh = msg_start(buf, size, family, DRIFT_CMD_SET_MODE, 0);
	if (!nlh || !put_u64(nlh, size, DRIFT_A_CGROUP_ID, cgid) ||
	    (mode >= 0 && !put_u8(nlh, size, DRIFT_A_MODE, (uint8_t)mode)) ||
	    !put_lib(nlh, size, lib_mode, flags))
		return NULL;
	return nlh;
}

struct nlmsghdr *msg_selftest(void *buf, size_t size, uint16_t family)
{
	return msg_start(buf, size, family, DRIFT_CMD_SELFTEST, 0);
}

struct nlmsghdr *msg_get_binding(void *buf, size_t size, uint16_t family,
				 bool has_cgid, uint64_t cgid)
{
	struct nlmsghdr *nlh = msg_start(buf, size, family,
					 DRIFT_CMD_GET_BINDING,
					 has_cgid ? 0 : NLM_F_DUMP);

	if (nlh && has_cgid && !put_u64(nlh, size, DRIFT_A_CGROUP_ID, cgid))
		return NULL;
	return nlh;
}

struct nlmsghdr *msg_exception(void *buf, size_t size, uint16_t family,
			       uint8_t cmd, uint64_t cgid, int type,
			       const struct drift_file_id *file,
			       const char *path)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if ((cmd != DRIFT_CMD_EXCEPTION_ADD && cmd != DRIFT_CMD_EXCEPTION_DEL) ||
	    (type == DRIFT_EXC_FILE && !file) ||
	    (type == DRIFT_EXC_PATH_PREFIX &&
	     (!path || path[0] != '/' || strlen(path) >= DRIFT_PATH_MAX)) ||
	    (type != DRIFT_EXC_FILE && type != DRIFT_EXC_PATH_PREFIX)) {
		errno = EINVAL;
		return NULL;
	}
	nlh = msg_start(buf, size, family, cmd, 0);
	if (!nlh || !put_u64(nlh, size, DRIFT_A_CGROUP_ID, cgid))
		return NULL;
	nest = mnl_attr_nest_start_check(nlh, size, DRIFT_A_EXCEPTION);
	if (!nest || !put_u8(nlh, size, DRIFT_EXC_A_TYPE, (uint8_t)type))
		goto too_big;
	if (type == DRIFT_EXC_FILE) {
		if (!mnl_attr_put_check(nlh, size, DRIFT_EXC_A_FILE,
					sizeof(*file), file))
			goto too_big;
	} else if (!mnl_attr_put_strz_check(nlh, size, DRIFT_EXC_A_PATH, path)) {
		goto too_big;
	}
	mnl_attr_nest_end(nlh, nest);
	return nlh;
too_big:
	errno = E2BIG;
	return NULL;
}

struct nlmsghdr *msg_set_config(void *buf, size_t size, uint16_t family,
				const struct config_req *cfg)
{
	struct nlmsghdr *nlh = msg_start(buf, size, family,
					 DRIFT_CMD_SET_CONFIG, 0);

	if (!nlh)
		return NULL;
	/* The set first: a mode other than off needs one. */
	if (cfg->set && !put_name(nlh, size, DRIFT_A_SET_NAME, cfg->set, true))
		return NULL;
	if (cfg->mode >= 0 && (!valid_mode(cfg->mode) ||
			       !put_u8(nlh, size, DRIFT_A_DEFAULT_MODE,
				       (uint8_t)cfg->mode)))
		return NULL;
	if (cfg->locked >= 0 &&
	    !put_u8(nlh, size, DRIFT_A_LOCKED, cfg->locked ? 1 : 0))
		return NULL;
	if (cfg->sealed >= 0 &&
	    !put_u8(nlh, size, DRIFT_A_SEALED, cfg->sealed ? 1 : 0))
		return NULL;
	if (cfg->has_rate && !put_u32(nlh, size, DRIFT_A_EVENT_RATE, cfg->rate))
		return NULL;
	if (cfg->has_burst &&
	    !put_u32(nlh, size, DRIFT_A_EVENT_BURST, cfg->burst))
		return NULL;
	return nlh;
}

/*
 * driftd: after start-up driftd keeps only what it needs:
 *   CAP_NET_ADMIN       drift netlink commands and the events group,
 *   CAP_SYS_ADMIN       the same: drift.ko also wants it for every change
 *                       and for the events group (a network pod has
 *                       CAP_NET_ADMIN only),
 *   CAP_SYS_PTRACE      /proc/<pid>/mountinfo, /proc/<pid>/root of containers,
 *   CAP_DAC_READ_SEARCH reading (hashing) image files whatever their mode.
 * Everything else is dropped from the effective, permitted, inheritable
 * and bounding sets, and no_new_privs is set.
 */
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "driftd.h"
#include "log.h"

int privs_drop(void)
{
	static const cap_value_t keep[] = { CAP_NET_ADMIN, CAP_SYS_ADMIN,
					    CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	const int nkeep = (int)(sizeof(keep) / sizeof(keep[0]));
	cap_value_t c;
	cap_t caps;
	int ret = 0;

	if (!CAP_IS_SUPPORTED(CAP_SETPCAP))
		return -ENOTSUP;
	for (c = 0; c <= CAP_LAST_CAP; c++) {
		size_t i;
		bool kept = false;

		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (keep[i] == c)
				kept = true;
		if (!kept && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) != 0 &&
		    errno != EINVAL) {
			ret = -errno;
			log_warn("dropping capability %d from the bounding set: %s",
				 (int)c, strerror(errno));
		}
	}
	caps = cap_init();
	if (!caps)
		return -ENOMEM;
	if (cap_set_flag(caps, CAP_PERMITTED, nkeep, keep, CAP_SET) != 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, nkeep, keep, CAP_SET) != 0 ||
	    cap_set_proc(caps) != 0) {
		ret = -errno;
		log_err("dropping capabilities: %s", strerror(errno));
	}
	cap_free(caps);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		ret = -errno;
	return ret;
}

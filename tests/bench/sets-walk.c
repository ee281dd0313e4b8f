// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sets-walk DIR [hash]: the userspace half of `driftctl set load --from-dir`
 * (common/walk.c and the identities, no netlink), timed. Built and run by
 * tests/bench/sets-load.sh; works on any host, no module needed.
 * Prints: files=N map_only=N entries=N seconds=S
 */
#include <stdio.h>
#include <time.h>

#include "fileid.h"
#include "walk.h"

struct st {
	struct drift_idvec iv;
	unsigned int flags;
};

static int cb(const struct drift_walk_file *f, void *arg)
{
	struct st *s = arg;
	struct drift_file_id id;

	if (drift_file_id_walked(f, s->flags, &id))
		return 0;
	return drift_idvec_push(&s->iv, &id);
}

int main(int argc, char **argv)
{
	struct st s = { DRIFT_IDVEC_INIT, argc > 2 ? DRIFT_FILEID_SHA256 : 0 };
	struct drift_walk_opts o = {
		.flags = DRIFT_WALK_ELF, .file = cb, .arg = &s,
	};
	struct drift_walk_result r;
	struct timespec a, b;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: sets-walk DIR [hash]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	ret = drift_walk_set_files(argv[1], &o, &r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (ret) {
		perror("walk");
		return 1;
	}
	printf("files=%zu map_only=%llu entries=%llu seconds=%.4f\n", s.iv.n,
	       (unsigned long long)r.map_only, (unsigned long long)r.entries,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	drift_idvec_free(&s.iv);
	return 0;
}

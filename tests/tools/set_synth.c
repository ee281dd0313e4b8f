// SPDX-License-Identifier: GPL-2.0
/*
 * set_synth: load a set of a chosen size into drift.ko, fast, and time the
 * kernel's part of it. Used by the benchmark and the stress tests.
 *
 *   set_synth NAME COUNT [--seed S] [--chunk N] [--hint H] [--sha256]
 *             [--zero-ino] [--dup-stale before|after] [--include SET]...
 *             [FILE...]
 *
 * The set holds the identities of the FILEs (as driftctl computes them,
 * common/fileid.c, without SHA-256) and synthetic identities up to COUNT
 * entries in all: inode numbers on a device that does not exist
 * (major 4095, minor 0xfffff), so they never match a real file and never
 * collide with each other. The identities are computed before the first
 * message, so the upload measures only netlink + the module:
 *
 *   SET_BEGIN (size hint COUNT, or H with --hint; 0 sends none), SET_ADD
 *   in chunks of N entries (default and maximum DRIFT_SET_CHUNK_MAX),
 *   SET_COMMIT (with DRIFT_A_SET_INCLUDES listing each --include SET, in
 *   order; COUNT may be 0 then: a set of includes only).
 *
 * Test knobs: --sha256 gives the synthetic entries a (made-up, non-zero)
 * SHA-256; --zero-ino makes the last entry's inode number 0 (the kernel
 * must refuse it); --dup-stale before|after adds, for the first FILE, a
 * second entry of the same (dev, ino) with another ctime, sent just before
 * or after the real one (the kernel keeps the last: after, the file looks
 * modified). That entry counts in COUNT.
 *
 * Output, one line:
 *   set_synth: NAME entries=N files=F bytes=B upload_ms=U commit_ms=C
 *              total_ms=T memcpy_ms=M ratio_memcpy=R
 * total_ms is BEGIN..COMMIT acked (CLOCK_MONOTONIC), commit_ms the COMMIT
 * alone (table build and publication), memcpy_ms the time of a plain
 * memcpy of the same B bytes into freshly allocated memory in this process
 * (page faults included, the same work the kernel's copy has to do at
 * least once), ratio_memcpy = total_ms / memcpy_ms.
 * Exit 0 when every message was acked with success, 1 when the kernel
 * refused one (its errno and extack are printed; the family look-up
 * included, e.g. ENOMEM), 2 on usage errors, 3 when the drift family does
 * not exist (ENOENT).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "drift_netlink.h"
#include "fileid.h"

#define SYNTH_MAJOR 4095u
#define SYNTH_MINOR 0xfffffu

static struct mnl_socket *nl;
static uint16_t family;
static unsigned int seq;
static char *buf;
static size_t bufsize;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cb_family(const struct nlmsghdr *h, void *data)
{
	struct nlattr *a;

	(void)data;
	mnl_attr_for_each(a, h, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* Send and wait for the ack; 0 or a positive errno (extack printed). */
static int transact(struct nlmsghdr *h, mnl_cb_t cb)
{
	unsigned int s = h->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		return errno;
	while ((n = mnl_socket_recvfrom(nl, buf, bufsize)) > 0) {
		const struct nlmsghdr *e = (const struct nlmsghdr *)buf;

		if (e->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *err = mnl_nlmsg_get_payload(e);

			if (err->error && (e->nlmsg_flags & NLM_F_ACK_TLVS)) {
				const struct nlattr *attr;
				size_t off = sizeof(*err);

				mnl_attr_for_each_payload((const void *)((const char *)err + off),
							  e->nlmsg_len - MNL_NLMSG_HDRLEN - off)
					if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
					    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
						fprintf(stderr, "set_synth: kernel says: %s\n",
							mnl_attr_get_str(attr));
			}
			if (err->error)
				return -err->error;
		}
		r = mnl_cb_run(buf, (size_t)n, s, portid, cb, NULL);
		if (r < 0)
			return errno ? errno : EPROTO;
		if (r == MNL_CB_STOP)
			return 0;
	}
	return n < 0 ? errno : EPROTO;
}

static struct nlmsghdr *msg(uint16_t type, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return h;
}

static const char *includes[DRIFT_MAX_INCLUDES + 8];
static unsigned int nincludes;

static int named(uint8_t cmd, const char *name, uint32_t hint)
{
	struct nlmsghdr *h = msg(family, cmd, DRIFT_GENL_VERSION);

	mnl_attr_put_strz(h, DRIFT_A_SET_NAME, name);
	if (hint)
		mnl_attr_put_u32(h, DRIFT_A_SET_SIZE_HINT, hint);
	if (cmd == DRIFT_CMD_SET_COMMIT && nincludes) {
		struct nlattr *nest = mnl_attr_nest_start(h, DRIFT_A_SET_INCLUDES);
		unsigned int i;

		for (i = 0; i < nincludes; i++)
			mnl_attr_put_strz(h, DRIFT_A_SET_NAME, includes[i]);
		mnl_attr_nest_end(h, nest);
	}
	return transact(h, NULL);
}

static void usage(void)
{
	fprintf(stderr, "usage: set_synth NAME COUNT [--seed S] [--chunk N] [--hint H] [--sha256]\n"
		"                 [--zero-ino] [--dup-stale before|after] [--include SET]...\n"
		"                 [FILE...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long count, chunk = DRIFT_SET_CHUNK_MAX, seed = 1, i, nfiles = 0;
	unsigned long hint = ULONG_MAX, nreal;
	int sha = 0, zero_ino = 0, dup = 0;	/* dup: 1 before, 2 after */
	struct drift_file_id *ids;
	double t0, t1, t2, t3, m0, m1;
	const char *name;
	size_t bytes;
	char *copy;
	int one = 1, err, a;

	if (argc < 3)
		usage();
	name = argv[1];
	count = strtoul(argv[2], NULL, 10);
	if (count > DRIFT_SET_MAX_ENTRIES) {
		fprintf(stderr, "set_synth: COUNT must be 0..%u\n", DRIFT_SET_MAX_ENTRIES);
		return 2;
	}
	ids = calloc(count ? count : 1, sizeof(*ids));
	if (!ids) {
		perror("set_synth");
		return 2;
	}
	for (a = 3; a < argc; a++) {
		if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) {
			seed = strtoul(argv[++a], NULL, 10);
		} else if (strcmp(argv[a], "--chunk") == 0 && a + 1 < argc) {
			chunk = strtoul(argv[++a], NULL, 10);
			if (!chunk || chunk > DRIFT_SET_CHUNK_MAX)
				usage();
		} else if (strcmp(argv[a], "--hint") == 0 && a + 1 < argc) {
			hint = strtoul(argv[++a], NULL, 10);
			if (hint > UINT32_MAX)
				usage();
		} else if (strcmp(argv[a], "--sha256") == 0) {
			sha = 1;
		} else if (strcmp(argv[a], "--include") == 0 && a + 1 < argc) {
			if (nincludes == sizeof(includes) / sizeof(includes[0]))
				usage();
			includes[nincludes++] = argv[++a];
		} else if (strcmp(argv[a], "--zero-ino") == 0) {
			zero_ino = 1;
		} else if (strcmp(argv[a], "--dup-stale") == 0 && a + 1 < argc) {
			a++;
			if (strcmp(argv[a], "before") == 0)
				dup = 1;
			else if (strcmp(argv[a], "after") == 0)
				dup = 2;
			else
				usage();
		} else if (nfiles < count) {
			if (drift_file_id_from_path(argv[a], &ids[nfiles], 0) < 0) {
				fprintf(stderr, "set_synth: %s: %s\n", argv[a], strerror(errno));
				return 2;
			}
			nfiles++;
		} else {
			fprintf(stderr, "set_synth: more FILEs than COUNT\n");
			return 2;
		}
	}
	nreal = nfiles;
	if (dup) {
		/* a stale twin of the first FILE: before it, or after it */
		if (!nfiles || nfiles >= count) {
			fprintf(stderr, "set_synth: --dup-stale needs a FILE and COUNT > FILEs\n");
			return 2;
		}
		memmove(&ids[2], &ids[1], (nfiles - 1) * sizeof(*ids));
		ids[1] = ids[0];
		ids[dup == 1 ? 0 : 1].flags |= DRIFT_FILE_F_CTIME;
		ids[dup == 1 ? 0 : 1].ctime_sec -= 1;
		nfiles++;
	}
	/* synthetic: distinct inodes on a device that does not exist */
	for (i = nfiles; i < count; i++) {
		ids[i].ino = seed * 0x100000000ull + i;
		ids[i].dev_major = SYNTH_MAJOR;
		ids[i].dev_minor = SYNTH_MINOR;
		ids[i].generation = (uint32_t)(i * 2654435761u);
		ids[i].flags = DRIFT_FILE_F_GENERATION | DRIFT_FILE_F_CTIME;
		ids[i].ctime_sec = 1700000000 + (int64_t)(i % 86400);
		ids[i].ctime_nsec = (uint32_t)(i % 1000000000);
		if (sha) {
			ids[i].flags |= DRIFT_FILE_F_SHA256;
			memcpy(ids[i].sha256, &ids[i].ino, sizeof(ids[i].ino));
			ids[i].sha256[DRIFT_SHA256_LEN - 1] = 0x5a;
		}
	}
	if (zero_ino && count)
		ids[count - 1].ino = 0;
	bytes = count * sizeof(*ids);

	bufsize = MNL_SOCKET_BUFFER_SIZE + chunk * sizeof(*ids) + 4096;
	buf = malloc(bufsize);
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!buf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("set_synth: netlink");
		return 2;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	{
		struct nlmsghdr *h = msg(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);

		mnl_attr_put_strz(h, CTRL_ATTR_FAMILY_NAME, DRIFT_GENL_NAME);
		err = transact(h, cb_family);
		if (err && err != ENOENT) {
			/* e.g. ENOMEM under fault injection: refused */
			fprintf(stderr, "set_synth: resolving the \"%s\" netlink family: %s\n",
				DRIFT_GENL_NAME, strerror(err));
			return 1;
		}
		if (err || !family) {
			fprintf(stderr, "set_synth: no \"%s\" netlink family (module not loaded?)\n",
				DRIFT_GENL_NAME);
			return 3;
		}
	}

	t0 = now_ms();
	err = named(DRIFT_CMD_SET_BEGIN, name,
		    (uint32_t)(hint == ULONG_MAX ? count : hint));
	for (i = 0; !err && i < count; i += chunk) {
		unsigned long n = count - i < chunk ? count - i : chunk;
		struct nlmsghdr *h = msg(family, DRIFT_CMD_SET_ADD, DRIFT_GENL_VERSION);

		mnl_attr_put_strz(h, DRIFT_A_SET_NAME, name);
		mnl_attr_put(h, DRIFT_A_SET_ENTRIES, n * sizeof(*ids), &ids[i]);
		err = transact(h, NULL);
	}
	t1 = now_ms();
	if (!err)
		err = named(DRIFT_CMD_SET_COMMIT, name, 0);
	t2 = now_ms();
	if (err) {
		fprintf(stderr, "set_synth: loading %s failed: %s\n", name, strerror(err));
		named(DRIFT_CMD_SET_ABORT, name, 0);
		return 1;
	}
	t3 = t2 - t0;

	m0 = now_ms();
	copy = malloc(bytes);
	if (!copy) {
		perror("set_synth");
		return 2;
	}
	memcpy(copy, ids, bytes);
	__asm__ volatile("" : : "r"(copy) : "memory");
	m1 = now_ms();
	printf("set_synth: %s entries=%lu files=%lu bytes=%zu upload_ms=%.1f commit_ms=%.1f total_ms=%.1f memcpy_ms=%.2f ratio_memcpy=%.1f\n",
	       name, count, nreal, bytes, t1 - t0, t2 - t1, t3, m1 - m0,
	       m1 - m0 > 0 ? t3 / (m1 - m0) : 0.0);
	free(copy);
	free(ids);
	mnl_socket_close(nl);
	return 0;
}

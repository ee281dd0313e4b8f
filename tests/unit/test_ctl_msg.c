/* Unit tests: ctl/msg.c, request building, checked by parsing with libmnl. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "driftctl.h"

#define FAM 0x1234

static unsigned char buf[NL_SEND_BUF];

/* Attributes of a message (or a nest) by type, checked to tile exactly. */
struct attrs {
	const struct nlattr *tb[DRIFT_A_MAX + 1];
	int count[DRIFT_A_MAX + 1];
	int n;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	uint16_t t = mnl_attr_get_type(a);

	ck_assert_int_le(t, DRIFT_A_MAX);
	at->tb[t] = a;
	at->count[t]++;
	at->n++;
	return MNL_CB_OK;
}

/* Checks the headers and collects the attributes. */
static void check_msg(const struct nlmsghdr *nlh, uint8_t cmd, uint16_t flags,
		      struct attrs *at)
{
	const struct genlmsghdr *g;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a;

	ck_assert_ptr_eq(nlh, (void *)buf);
	ck_assert_uint_ge(nlh->nlmsg_len, off);
	ck_assert_uint_le(nlh->nlmsg_len, sizeof(buf));
	ck_assert_uint_eq(nlh->nlmsg_type, FAM);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | flags);
	g = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(g->cmd, cmd);
	ck_assert_uint_eq(g->version, DRIFT_GENL_VERSION);
	ck_assert_uint_eq(g->reserved, 0);
	memset(at, 0, sizeof(*at));
	ck_assert_int_eq(mnl_attr_parse(nlh, GENL_HDRLEN, attr_cb, at),
			 MNL_CB_OK);
	/* the attributes tile the message exactly */
	while (off < nlh->nlmsg_len) {
		a = (const struct nlattr *)((const char *)nlh + off);
		ck_assert(mnl_attr_ok(a, (int)(nlh->nlmsg_len - off)));
		off += MNL_ALIGN(a->nla_len);
	}
	ck_assert_uint_eq(off, nlh->nlmsg_len);
}

static void check_str(const struct attrs *at, int type, const char *want)
{
	const struct nlattr *a = at->tb[type];

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(mnl_attr_validate(a, MNL_TYPE_NUL_STRING), 0);
	ck_assert_str_eq(mnl_attr_get_str(a), want);
	ck_assert_uint_eq(mnl_attr_get_payload_len(a), strlen(want) + 1);
}

static void check_u64(const struct attrs *at, int type, uint64_t want)
{
	ck_assert_ptr_nonnull(at->tb[type]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(at->tb[type]), 8);
	ck_assert_uint_eq(mnl_attr_get_u64(at->tb[type]), want);
}

static void check_u32(const struct attrs *at, int type, uint32_t want)
{
	ck_assert_ptr_nonnull(at->tb[type]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(at->tb[type]), 4);
	ck_assert_uint_eq(mnl_attr_get_u32(at->tb[type]), want);
}

static void check_u8(const struct attrs *at, int type, uint8_t want)
{
	ck_assert_ptr_nonnull(at->tb[type]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(at->tb[type]), 1);
	ck_assert_uint_eq(mnl_attr_get_u8(at->tb[type]), want);
}

START_TEST(t_status_and_dumps)
{
	struct nlmsghdr *nlh;
	struct attrs at;

	nlh = msg_get_status(buf, sizeof(buf), FAM);
	check_msg(nlh, DRIFT_CMD_GET_STATUS, 0, &at);
	ck_assert_int_eq(at.n, 0);

	nlh = msg_get_set(buf, sizeof(buf), FAM, NULL);
	check_msg(nlh, DRIFT_CMD_GET_SET, NLM_F_DUMP, &at);
	ck_assert_int_eq(at.n, 0);
	nlh = msg_get_set(buf, sizeof(buf), FAM, "img");
	check_msg(nlh, DRIFT_CMD_GET_SET, 0, &at);
	ck_assert_int_eq(at.n, 1);
	check_str(&at, DRIFT_A_SET_NAME, "img");

	nlh = msg_get_binding(buf, sizeof(buf), FAM, false, 0);
	check_msg(nlh, DRIFT_CMD_GET_BINDING, NLM_F_DUMP, &at);
	ck_assert_int_eq(at.n, 0);
	nlh = msg_get_binding(buf, sizeof(buf), FAM, true, 0xfedcba9876543210ULL);
	check_msg(nlh, DRIFT_CMD_GET_BINDING, 0, &at);
	check_u64(&at, DRIFT_A_CGROUP_ID, 0xfedcba9876543210ULL);
}
END_TEST

START_TEST(t_sets)
{
	static struct drift_file_id ids[DRIFT_SET_CHUNK_MAX + 1];
	struct nlmsghdr *nlh;
	struct attrs at;
	size_t i;

	nlh = msg_set_begin(buf, sizeof(buf), FAM, "img", 4242);
	check_msg(nlh, DRIFT_CMD_SET_BEGIN, 0, &at);
	check_str(&at, DRIFT_A_SET_NAME, "img");
	check_u32(&at, DRIFT_A_SET_SIZE_HINT, 4242);

	for (i = 0; i < DRIFT_SET_CHUNK_MAX + 1; i++) {
		ids[i].ino = 1000 + i;
		ids[i].dev_major = 8;
		ids[i].dev_minor = (uint32_t)i;
		ids[i].flags = DRIFT_FILE_F_SHA256;
		ids[i].sha256[0] = (uint8_t)i;
	}
	/* a full chunk fits NL_SEND_BUF */
	nlh = msg_set_add(buf, sizeof(buf), FAM, "img", ids, DRIFT_SET_CHUNK_MAX);
	check_msg(nlh, DRIFT_CMD_SET_ADD, 0, &at);
	check_str(&at, DRIFT_A_SET_NAME, "img");
	ck_assert_ptr_nonnull(at.tb[DRIFT_A_SET_ENTRIES]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(at.tb[DRIFT_A_SET_ENTRIES]),
			  DRIFT_SET_CHUNK_MAX * sizeof(struct drift_file_id));
	ck_assert_int_eq(memcmp(mnl_attr_get_payload(at.tb[DRIFT_A_SET_ENTRIES]),
				ids, DRIFT_SET_CHUNK_MAX * sizeof(ids[0])), 0);
	nlh = msg_set_add(buf, sizeof(buf), FAM, "img", ids + 5, 1);
	check_msg(nlh, DRIFT_CMD_SET_ADD, 0, &at);
	ck_assert_uint_eq(mnl_attr_get_payload_len(at.tb[DRIFT_A_SET_ENTRIES]),
			  sizeof(struct drift_file_id));

	errno = 0;
	ck_assert_ptr_null(msg_set_add(buf, sizeof(buf), FAM, "img", ids,
				       DRIFT_SET_CHUNK_MAX + 1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(msg_set_add(buf, sizeof(buf), FAM, "img", ids, 0));
	ck_assert_int_eq(errno, EINVAL);
	/* a buffer too small for the entries */
	errno = 0;
	ck_assert_ptr_null(msg_set_add(buf, 4096, FAM, "img", ids, 100));
	ck_assert_int_eq(errno, E2BIG);

	nlh = msg_set_name_cmd(buf, sizeof(buf), FAM, DRIFT_CMD_SET_COMMIT, "a");
	check_msg(nlh, DRIFT_CMD_SET_COMMIT, 0, &at);
	check_str(&at, DRIFT_A_SET_NAME, "a");
	nlh = msg_set_name_cmd(buf, sizeof(buf), FAM, DRIFT_CMD_SET_ABORT, "a");
	check_msg(nlh, DRIFT_CMD_SET_ABORT, 0, &at);
	nlh = msg_set_name_cmd(buf, sizeof(buf), FAM, DRIFT_CMD_SET_DEL, "a");
	check_msg(nlh, DRIFT_CMD_SET_DEL, 0, &at);
	ck_assert_int_eq(at.n, 1);
	errno = 0;
	ck_assert_ptr_null(msg_set_name_cmd(buf, sizeof(buf), FAM,
					    DRIFT_CMD_BIND, "a"));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* SET_COMMIT with DRIFT_A_SET_INCLUDES: a nest of names, in order. */
START_TEST(t_set_commit_includes)
{
	static const char *inc[] = { "drift-layer-a", "drift-layer-b", "c" };
	static const char *many[DRIFT_MAX_INCLUDES + 1];
	static const char *bad[] = { "ok", "" };
	/* refused: too many, an empty name, no names, a buffer too small */
	static const struct {
		const char *const *inc;
		size_t n, size;
		int err;
	} no[] = {
		{ many, DRIFT_MAX_INCLUDES + 1, sizeof(buf), E2BIG },
		{ bad, 2, sizeof(buf), EINVAL },
		{ NULL, 1, sizeof(buf), EINVAL },
		{ many, DRIFT_MAX_INCLUDES, 256, E2BIG },
	};
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	struct attrs at;
	size_t i = 0;

	/* none: the same message as a plain commit */
	nlh = msg_set_commit(buf, sizeof(buf), FAM, "img", NULL, 0);
	check_msg(nlh, DRIFT_CMD_SET_COMMIT, 0, &at);
	check_str(&at, DRIFT_A_SET_NAME, "img");
	ck_assert_int_eq(at.n, 1);
	ck_assert_ptr_null(at.tb[DRIFT_A_SET_INCLUDES]);

	nlh = msg_set_commit(buf, sizeof(buf), FAM, "img", inc, 3);
	check_msg(nlh, DRIFT_CMD_SET_COMMIT, 0, &at);
	check_str(&at, DRIFT_A_SET_NAME, "img");
	ck_assert_int_eq(at.n, 2);
	ck_assert_int_eq(at.count[DRIFT_A_SET_INCLUDES], 1);
	a = at.tb[DRIFT_A_SET_INCLUDES];
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(mnl_attr_validate(a, MNL_TYPE_NESTED), 0);
	{
		const struct nlattr *n;

		mnl_attr_for_each_nested(n, a) {
			ck_assert_uint_lt(i, 3);
			ck_assert_uint_eq(mnl_attr_get_type(n), DRIFT_A_SET_NAME);
			ck_assert_int_eq(mnl_attr_validate(n, MNL_TYPE_NUL_STRING), 0);
			ck_assert_str_eq(mnl_attr_get_str(n), inc[i]);
			i++;
		}
	}
	ck_assert_uint_eq(i, 3);

	/* at most DRIFT_MAX_INCLUDES; names must be valid */
	for (i = 0; i <= DRIFT_MAX_INCLUDES; i++)
		many[i] = "drift-layer-0123456789abcdef0123456789abcdef";
	nlh = msg_set_commit(buf, sizeof(buf), FAM, "img", many,
			     DRIFT_MAX_INCLUDES);
	check_msg(nlh, DRIFT_CMD_SET_COMMIT, 0, &at);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		errno = 0;
		ck_assert_ptr_null(msg_set_commit(buf, no[i].size, FAM, "img",
						  no[i].inc, no[i].n));
		ck_assert_int_eq(errno, no[i].err);
	}
}
END_TEST

START_TEST(t_names)
{
	char name[DRIFT_NAME_MAX + 1];

	memset(name, 'n', sizeof(name));
	name[DRIFT_NAME_MAX - 1] = '\0';	/* 127 bytes: the longest */
	ck_assert_ptr_nonnull(msg_set_begin(buf, sizeof(buf), FAM, name, 0));
	name[DRIFT_NAME_MAX - 1] = 'n';
	name[DRIFT_NAME_MAX] = '\0';		/* 128 bytes: too long */
	errno = 0;
	ck_assert_ptr_null(msg_set_begin(buf, sizeof(buf), FAM, name, 0));
	ck_assert_int_eq(errno, ENAMETOOLONG);
	errno = 0;
	ck_assert_ptr_null(msg_set_begin(buf, sizeof(buf), FAM, "", 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(msg_set_begin(buf, sizeof(buf), FAM, NULL, 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(msg_bind(buf, sizeof(buf), FAM, 1, "s", -1, -1, -1, "", false, -1));
	ck_assert_int_eq(errno, EINVAL);
	/* buffers too small even for the headers, or for one attribute */
	errno = 0;
	ck_assert_ptr_null(msg_start(buf, 8, FAM, DRIFT_CMD_GET_STATUS, 0));
	ck_assert_int_eq(errno, E2BIG);
	errno = 0;
	ck_assert_ptr_null(msg_set_begin(buf, NLMSG_HDRLEN + GENL_HDRLEN + 8,
					 FAM, "abcdefghijkl", 0));
	ck_assert_int_eq(errno, E2BIG);
}
END_TEST

START_TEST(t_bind)
{
	struct nlmsghdr *nlh;
	struct attrs at;

	nlh = msg_bind(buf, sizeof(buf), FAM, 77, "img", -1, -1, -1, NULL, false, -1);
	check_msg(nlh, DRIFT_CMD_BIND, 0, &at);
	ck_assert_int_eq(at.n, 2);
	ck_assert_ptr_null(at.tb[DRIFT_A_REPLACE]);
	check_u64(&at, DRIFT_A_CGROUP_ID, 77);
	check_str(&at, DRIFT_A_SET_NAME, "img");
	ck_assert_ptr_null(at.tb[DRIFT_A_MODE]);
	ck_assert_ptr_null(at.tb[DRIFT_A_BINDING_NAME]);

	nlh = msg_bind(buf, sizeof(buf), FAM, 78, "img", DRIFT_MODE_AUDIT, -1,
		       -1, "web", true, -1);
	/* DRIFT_A_REPLACE (a flag), not NLM_F_REPLACE: genetlink refuses
	 * that nlmsg flag for new families */
	check_msg(nlh, DRIFT_CMD_BIND, 0, &at);
	ck_assert_int_eq(at.n, 5);
	ck_assert_ptr_nonnull(at.tb[DRIFT_A_REPLACE]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(at.tb[DRIFT_A_REPLACE]), 0);
	check_u8(&at, DRIFT_A_MODE, DRIFT_MODE_AUDIT);
	check_str(&at, DRIFT_A_BINDING_NAME, "web");

	nlh = msg_bind(buf, sizeof(buf), FAM, 78, "img", DRIFT_MODE_OFF, -1,
		       -1, NULL, false, 5);
	check_msg(nlh, DRIFT_CMD_BIND, 0, &at);
	check_u32(&at, DRIFT_A_ROOT_FD, 5);
	nlh = msg_bind(buf, sizeof(buf), FAM, 78, "img", DRIFT_MODE_OFF, -1,
		       -1, NULL, false, -1);
	check_msg(nlh, DRIFT_CMD_BIND, 0, &at);
	check_u8(&at, DRIFT_A_MODE, DRIFT_MODE_OFF);
	ck_assert_ptr_null(at.tb[DRIFT_A_LIB_MODE]);
	ck_assert_ptr_null(at.tb[DRIFT_A_BIND_FLAGS]);

	/* library mode and flags */
	nlh = msg_bind(buf, sizeof(buf), FAM, 79, "img", DRIFT_MODE_ENFORCE,
		       DRIFT_MODE_AUDIT, DRIFT_BIND_F_FILELESS_MAP, NULL, false, -1);
	check_msg(nlh, DRIFT_CMD_BIND, 0, &at);
	ck_assert_int_eq(at.n, 5);
	check_u8(&at, DRIFT_A_LIB_MODE, DRIFT_MODE_AUDIT);
	ck_assert_ptr_nonnull(at.tb[DRIFT_A_BIND_FLAGS]);
	ck_assert_uint_eq(mnl_attr_get_u32(at.tb[DRIFT_A_BIND_FLAGS]),
			  DRIFT_BIND_F_FILELESS_MAP);
	nlh = msg_bind(buf, sizeof(buf), FAM, 79, "img", -1, -1, 0, NULL,
		       false, -1);
	check_msg(nlh, DRIFT_CMD_BIND, 0, &at);
	ck_assert_uint_eq(mnl_attr_get_u32(at.tb[DRIFT_A_BIND_FLAGS]), 0);
	errno = 0;
	ck_assert_ptr_null(msg_bind(buf, sizeof(buf), FAM, 1, "s", -1,
				    DRIFT_MODE_MAX + 1, -1, NULL, false, -1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(msg_bind(buf, sizeof(buf), FAM, 1, "s", -1, -1,
				    (int64_t)__DRIFT_BIND_F_ALL + 1, NULL,
				    false, -1));
	ck_assert_int_eq(errno, EINVAL);

	errno = 0;
	ck_assert_ptr_null(msg_bind(buf, sizeof(buf), FAM, 1, "s",
				    DRIFT_MODE_MAX + 1, -1, -1, NULL, false, -1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(msg_bind(buf, sizeof(buf), FAM, 1, NULL, 0, -1, -1,
				    NULL, false, -1));
	ck_assert_int_eq(errno, EINVAL);

	nlh = msg_unbind(buf, sizeof(buf), FAM, 99);
	check_msg(nlh, DRIFT_CMD_UNBIND, 0, &at);
	ck_assert_int_eq(at.n, 1);
	check_u64(&at, DRIFT_A_CGROUP_ID, 99);

	nlh = msg_set_mode(buf, sizeof(buf), FAM, 5, DRIFT_MODE_ENFORCE, -1, -1);
	check_msg(nlh, DRIFT_CMD_SET_MODE, 0, &at);
	ck_assert_int_eq(at.n, 2);
	check_u64(&at, DRIFT_A_CGROUP_ID, 5);
	check_u8(&at, DRIFT_A_MODE, DRIFT_MODE_ENFORCE);
	/* the library mode alone, or the flags alone */
	nlh = msg_set_mode(buf, sizeof(buf), FAM, 5, -1, DRIFT_MODE_ENFORCE, -1);
	check_msg(nlh, DRIFT_CMD_SET_MODE, 0, &at);
	ck_assert_int_eq(at.n, 2);
	ck_assert_ptr_null(at.tb[DRIFT_A_MODE]);
	check_u8(&at, DRIFT_A_LIB_MODE, DRIFT_MODE_ENFORCE);
	nlh = msg_set_mode(buf, sizeof(buf), FAM, 5, -1, -1, 0);
	check_msg(nlh, DRIFT_CMD_SET_MODE, 0, &at);
	ck_assert_int_eq(at.n, 2);
	ck_assert_uint_eq(mnl_attr_get_u32(at.tb[DRIFT_A_BIND_FLAGS]), 0);
	errno = 0;
	ck_assert_ptr_null(msg_set_mode(buf, sizeof(buf), FAM, 5, -1, -1, -1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(msg_set_mode(buf, sizeof(buf), FAM, 5, 3, -1, -1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(msg_set_mode(buf, sizeof(buf), FAM, 5, -1, 3, -1));
	ck_assert_int_eq(errno, EINVAL);

	nlh = msg_selftest(buf, sizeof(buf), FAM);
	check_msg(nlh, DRIFT_CMD_SELFTEST, 0, &at);
	ck_assert_int_eq(at.n, 0);
}
END_TEST

struct exc_attrs {
	const struct nlattr *tb[DRIFT_EXC_A_MAX + 1];
	int n;
};

static int exc_cb(const struct nlattr *a, void *data)
{
	struct exc_attrs *e = data;
	uint16_t t = mnl_attr_get_type(a);

	ck_assert_int_le(t, DRIFT_EXC_A_MAX);
	e->tb[t] = a;
	e->n++;
	return MNL_CB_OK;
}

START_TEST(t_exception)
{
	struct drift_file_id id = { .ino = 42, .dev_major = 253, .dev_minor = 1,
				    .generation = 7,
				    .flags = DRIFT_FILE_F_GENERATION };
	struct exc_attrs e;
	struct nlmsghdr *nlh;
	struct attrs at;
	const struct nlattr *nest;

	nlh = msg_exception(buf, sizeof(buf), FAM, DRIFT_CMD_EXCEPTION_ADD, 12,
			    DRIFT_EXC_FILE, &id, NULL);
	check_msg(nlh, DRIFT_CMD_EXCEPTION_ADD, 0, &at);
	ck_assert_int_eq(at.n, 2);
	check_u64(&at, DRIFT_A_CGROUP_ID, 12);
	nest = at.tb[DRIFT_A_EXCEPTION];
	ck_assert_ptr_nonnull(nest);
	/* the kernel wants NLA_F_NESTED on a nested attribute */
	ck_assert(nest->nla_type & NLA_F_NESTED);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(mnl_attr_parse_nested(nest, exc_cb, &e), MNL_CB_OK);
	ck_assert_int_eq(e.n, 2);
	ck_assert_ptr_nonnull(e.tb[DRIFT_EXC_A_TYPE]);
	ck_assert_uint_eq(mnl_attr_get_u8(e.tb[DRIFT_EXC_A_TYPE]), DRIFT_EXC_FILE);
	ck_assert_ptr_nonnull(e.tb[DRIFT_EXC_A_FILE]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(e.tb[DRIFT_EXC_A_FILE]),
			  sizeof(id));
	ck_assert_int_eq(memcmp(mnl_attr_get_payload(e.tb[DRIFT_EXC_A_FILE]),
				&id, sizeof(id)), 0);

	nlh = msg_exception(buf, sizeof(buf), FAM, DRIFT_CMD_EXCEPTION_DEL, 12,
			    DRIFT_EXC_PATH_PREFIX, NULL, "/opt/x/");
	check_msg(nlh, DRIFT_CMD_EXCEPTION_DEL, 0, &at);
	nest = at.tb[DRIFT_A_EXCEPTION];
	ck_assert(nest->nla_type & NLA_F_NESTED);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(mnl_attr_parse_nested(nest, exc_cb, &e), MNL_CB_OK);
	ck_assert_int_eq(e.n, 2);
	ck_assert_uint_eq(mnl_attr_get_u8(e.tb[DRIFT_EXC_A_TYPE]),
			  DRIFT_EXC_PATH_PREFIX);
	ck_assert_str_eq(mnl_attr_get_str(e.tb[DRIFT_EXC_A_PATH]), "/opt/x/");

	/* bad input */
	errno = 0;
	ck_assert_ptr_null(msg_exception(buf, sizeof(buf), FAM,
					 DRIFT_CMD_EXCEPTION_ADD, 1,
					 DRIFT_EXC_PATH_PREFIX, NULL, "rel/"));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(msg_exception(buf, sizeof(buf), FAM,
					 DRIFT_CMD_EXCEPTION_ADD, 1,
					 DRIFT_EXC_PATH_PREFIX, NULL, NULL));
	ck_assert_ptr_null(msg_exception(buf, sizeof(buf), FAM,
					 DRIFT_CMD_EXCEPTION_ADD, 1,
					 DRIFT_EXC_FILE, NULL, NULL));
	ck_assert_ptr_null(msg_exception(buf, sizeof(buf), FAM,
					 DRIFT_CMD_EXCEPTION_ADD, 1, 9, &id,
					 "/x"));
	ck_assert_ptr_null(msg_exception(buf, sizeof(buf), FAM, DRIFT_CMD_BIND,
					 1, DRIFT_EXC_FILE, &id, NULL));
	{
		char *p = malloc(DRIFT_PATH_MAX + 1);

		ck_assert_ptr_nonnull(p);
		p[0] = '/';
		memset(p + 1, 'a', DRIFT_PATH_MAX - 1);
		p[DRIFT_PATH_MAX] = '\0';	/* 4096 bytes + NUL: too long */
		errno = 0;
		ck_assert_ptr_null(msg_exception(buf, sizeof(buf), FAM,
						 DRIFT_CMD_EXCEPTION_ADD, 1,
						 DRIFT_EXC_PATH_PREFIX, NULL, p));
		ck_assert_int_eq(errno, EINVAL);
		p[DRIFT_PATH_MAX - 1] = '\0';	/* 4095: the longest */
		ck_assert_ptr_nonnull(msg_exception(buf, sizeof(buf), FAM,
						    DRIFT_CMD_EXCEPTION_ADD, 1,
						    DRIFT_EXC_PATH_PREFIX, NULL,
						    p));
		/* ... and does not fit a small buffer */
		errno = 0;
		ck_assert_ptr_null(msg_exception(buf, 1024, FAM,
						 DRIFT_CMD_EXCEPTION_ADD, 1,
						 DRIFT_EXC_PATH_PREFIX, NULL, p));
		ck_assert_int_eq(errno, E2BIG);
		free(p);
	}
}
END_TEST

START_TEST(t_config)
{
	struct config_req cfg = { .mode = -1, .locked = -1, .sealed = -1 };
	struct nlmsghdr *nlh;
	struct attrs at;

	nlh = msg_set_config(buf, sizeof(buf), FAM, &cfg);
	check_msg(nlh, DRIFT_CMD_SET_CONFIG, 0, &at);
	ck_assert_int_eq(at.n, 0);

	cfg.locked = 1;
	nlh = msg_set_config(buf, sizeof(buf), FAM, &cfg);
	check_msg(nlh, DRIFT_CMD_SET_CONFIG, 0, &at);
	ck_assert_int_eq(at.n, 1);
	check_u8(&at, DRIFT_A_LOCKED, 1);
	cfg.locked = 0;
	nlh = msg_set_config(buf, sizeof(buf), FAM, &cfg);
	check_msg(nlh, DRIFT_CMD_SET_CONFIG, 0, &at);
	check_u8(&at, DRIFT_A_LOCKED, 0);
	cfg.locked = -1;
	cfg.sealed = 1;
	nlh = msg_set_config(buf, sizeof(buf), FAM, &cfg);
	check_msg(nlh, DRIFT_CMD_SET_CONFIG, 0, &at);
	ck_assert_int_eq(at.n, 1);
	check_u8(&at, DRIFT_A_SEALED, 1);

	cfg = (struct config_req){ .mode = DRIFT_MODE_ENFORCE, .set = "img",
				   .locked = -1, .sealed = -1, .has_rate = true, .rate = 10,
				   .has_burst = true, .burst = 20 };
	nlh = msg_set_config(buf, sizeof(buf), FAM, &cfg);
	check_msg(nlh, DRIFT_CMD_SET_CONFIG, 0, &at);
	ck_assert_int_eq(at.n, 4);
	check_u8(&at, DRIFT_A_DEFAULT_MODE, DRIFT_MODE_ENFORCE);
	check_str(&at, DRIFT_A_SET_NAME, "img");
	check_u32(&at, DRIFT_A_EVENT_RATE, 10);
	check_u32(&at, DRIFT_A_EVENT_BURST, 20);
	ck_assert_ptr_null(at.tb[DRIFT_A_LOCKED]);

	/* "" clears the default set */
	cfg = (struct config_req){ .mode = DRIFT_MODE_OFF, .set = "",
				   .locked = -1, .sealed = -1 };
	nlh = msg_set_config(buf, sizeof(buf), FAM, &cfg);
	check_msg(nlh, DRIFT_CMD_SET_CONFIG, 0, &at);
	check_str(&at, DRIFT_A_SET_NAME, "");
	check_u8(&at, DRIFT_A_DEFAULT_MODE, DRIFT_MODE_OFF);

	cfg.mode = 7;
	errno = 0;
	ck_assert_ptr_null(msg_set_config(buf, sizeof(buf), FAM, &cfg));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl_msg");
	TCase *tc = tcase_create("msg");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, t_status_and_dumps);
	tcase_add_test(tc, t_sets);
	tcase_add_test(tc, t_set_commit_includes);
	tcase_add_test(tc, t_names);
	tcase_add_test(tc, t_bind);
	tcase_add_test(tc, t_exception);
	tcase_add_test(tc, t_config);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

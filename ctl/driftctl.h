/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * driftctl: the drift admin CLI. Internal declarations shared by the
 * files of ctl/:
 *
 *   main.c     dispatch: parsed request -> command, exit codes, main()
 *   args.c     command line parsing and help texts (pure)
 *   nl.c       libmnl transport: socket, family resolution, requests,
 *              acks/extack, dumps, multicast (reply loop parsing is pure)
 *   msg.c      request message building (pure)
 *   reply.c    reply/event attribute parsing (pure)
 *   output.c   text tables and JSON rendering (pure)
 *   cmd_*.c    one file per concept (status, sets, bindings, config,
 *              monitor)
 */
#ifndef DRIFTCTL_H
#define DRIFTCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libmnl/libmnl.h>

#include "drift_netlink.h"
#include "record.h"
#include "util.h"

#define DRIFTCTL_VERSION "0.1.0"

/* Exit codes (docs/DESIGN.md). */
enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,	/* the kernel refused (or another failure) */
	EXIT_USAGE = 2,
	EXIT_NOMODULE = 3,	/* drift family not found */
	EXIT_PERM = 4,		/* EPERM */
	EXIT_NOTFOUND = 5,	/* no such cgroup/set/binding */
};

/* ---- args.c --------------------------------------------------------- */

enum ctl_cmd {
	CTL_NONE,
	CTL_HELP,
	CTL_VERSION,
	CTL_STATUS,
	CTL_SETS,
	CTL_BINDINGS,
	CTL_SET_LOAD,
	CTL_SET_DEL,
	CTL_BIND,
	CTL_UNBIND,
	CTL_MODE,
	CTL_DEFAULT,
	CTL_EXC_ADD,
	CTL_EXC_DEL,
	CTL_LOCK,
	CTL_UNLOCK,
	CTL_SEAL,
	CTL_MONITOR,
	CTL_CONTAINERS,
	CTL_REPORT,
	CTL_SELFTEST,
};

enum ctl_src_type { SRC_FILE, SRC_LIST, SRC_DIR };

struct ctl_src {
	enum ctl_src_type type;
	const char *path;
};

struct ctl_req {
	enum ctl_cmd cmd;
	bool json;
	const char *help_topic;	/* CTL_HELP: command to explain, or NULL */

	const char *cgroup;	/* CGROUP argument (path or id:N) */
	const char *set;	/* set name (set load/del, bind, default --set) */
	const char *name;	/* bind --name */
	int mode;		/* enum drift_mode, -1 when not given */
	int lib_mode;		/* --lib-mode / --lib, -1 when not given */
	int64_t bind_flags;	/* DRIFT_A_BIND_FLAGS, -1 when not given */
	bool replace;		/* bind --replace */
	const char *root;	/* bind --root DIR */

	/* set load */
	bool no_hash;
	bool xdev;
	struct ctl_src *srcs;
	size_t nsrcs;
	const char **includes;	/* --include SET, in order */
	size_t nincludes;

	/* default */
	bool no_set;
	bool has_rate, has_burst;
	uint32_t rate, burst;

	/* exception add/del */
	int exc_type;		/* DRIFT_EXC_FILE or DRIFT_EXC_PATH_PREFIX */
	const char *exc_arg;

	/* monitor */
	bool has_count;
	uint64_t count;
	bool has_timeout;
	uint64_t timeout_ms;

	/* report */
	const char *events_file;	/* --events, "-" = stdin */
	bool has_since;
	uint64_t since_s;		/* --since, seconds */
	const char *since_text;
};

/*
 * Parses argv (argv[0] is the program name). Returns 0, or EXIT_USAGE with
 * a message (without "driftctl: " prefix) in `err`. May permute argv.
 * The request points into argv; free it with ctl_req_free().
 */
int ctl_parse_args(int argc, char **argv, struct ctl_req *req,
		   struct drift_buf *err);
void ctl_req_free(struct ctl_req *req);
/* Usage text of a command ("bind", "set", ... or NULL for all). */
const char *ctl_usage(const char *topic);
/* Long help: usage plus explanation; NULL if `topic` is unknown. */
const char *ctl_help(const char *topic);
const char *ctl_cmd_topic(enum ctl_cmd cmd);

/* ---- nl.c ------------------------------------------------------------ */

#define NL_RECV_BUF	(64 * 1024)
/* Room for one SET_ADD of DRIFT_SET_CHUNK_MAX entries plus headers. */
#define NL_SEND_BUF	(DRIFT_SET_CHUNK_MAX * sizeof(struct drift_file_id) + 8192)

struct nl_err {
	int error;		/* positive errno from the kernel, 0 if none */
	char *msg;		/* extack message (malloc'd) or NULL */
	uint32_t offs;		/* extack offset of the bad attribute, or 0 */
	int miss_type;		/* extack missing attribute type, or -1 */
};

struct nl {
	struct mnl_socket *sk;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t version;	/* family version from the controller */
	uint32_t mcgrp;		/* "events" group id, 0 if none */
	void *sbuf;		/* NL_SEND_BUF bytes */
	void *rbuf;		/* NL_RECV_BUF bytes */
	struct nl_err err;	/* of the last failed request */
};

/* Called for each family message of a reply; returns MNL_CB_OK/STOP/ERROR. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Opens the socket and resolves the drift family and its "events" group.
 * Returns 0, -ENOENT when the family does not exist (module not loaded),
 * or another -errno. On error a message is in `err` when given.
 */
int nl_open(struct nl *nl, struct drift_buf *err);
void nl_close(struct nl *nl);

/*
 * Sends the request built in nl->sbuf (NLM_F_ACK is added; the sequence
 * number and port are filled in) and processes the reply: every family
 * message is passed to `cb`. Returns 0 when acked / dump done, or -errno
 * (kernel error: extack in nl->err; a malformed reply: -EPROTO).
 */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *data);

/*
 * Pure reply-loop step over one received datagram: returns 1 if more
 * messages are expected, 0 on the final ack / NLMSG_DONE, or -errno
 * (kernel error recorded in *err, -EPROTO for malformed data). Messages
 * whose seq/portid do not match are skipped.
 */
int nl_process(const void *buf, size_t len, uint32_t seq, uint32_t portid,
	       uint16_t family, nl_msg_cb cb, void *data, struct nl_err *err);
void nl_err_reset(struct nl_err *err);

/* Parses a CTRL_CMD_NEWFAMILY message (pure). */
struct nl_family {
	uint16_t id;
	uint32_t version;
	uint32_t events_grp;	/* 0 if the group is not there */
};
int nl_parse_family(const struct nlmsghdr *nlh, const char *group,
		    struct nl_family *fam);

/* Joins the events group; returns 0 or -errno. */
int nl_join_events(struct nl *nl);
/*
 * Waits up to timeout_ms (-1: forever) for one datagram on the socket
 * and stores it in nl->rbuf. Returns its length, 0 on timeout, -errno.
 */
long nl_recv_wait(struct nl *nl, int timeout_ms);

/* ---- msg.c ----------------------------------------------------------- */

/* Every builder returns the message in buf, or NULL (errno: E2BIG/EINVAL). */
struct nlmsghdr *msg_start(void *buf, size_t size, uint16_t family,
			   uint8_t cmd, uint16_t flags);
struct nlmsghdr *msg_get_status(void *buf, size_t size, uint16_t family);
struct nlmsghdr *msg_set_begin(void *buf, size_t size, uint16_t family,
			       const char *set, uint32_t hint);
struct nlmsghdr *msg_set_add(void *buf, size_t size, uint16_t family,
			     const char *set, const struct drift_file_id *ids,
			     size_t n);
/* cmd: DRIFT_CMD_SET_COMMIT, _SET_ABORT or _SET_DEL */
struct nlmsghdr *msg_set_name_cmd(void *buf, size_t size, uint16_t family,
				  uint8_t cmd, const char *set);
/*
 * SET_COMMIT of SET with DRIFT_A_SET_INCLUDES = INCLUDES (at most
 * DRIFT_MAX_INCLUDES names; none: no attribute, the set includes nothing).
 */
struct nlmsghdr *msg_set_commit(void *buf, size_t size, uint16_t family,
				const char *set, const char *const *includes,
				size_t nincludes);
/* set == NULL: dump */
struct nlmsghdr *msg_get_set(void *buf, size_t size, uint16_t family,
			     const char *set);
/* mode, lib_mode, flags < 0: not sent; name NULL: not sent */
struct nlmsghdr *msg_bind(void *buf, size_t size, uint16_t family,
			  uint64_t cgid, const char *set, int mode,
			  int lib_mode, int64_t flags, const char *name,
			  bool replace, int root_fd);
struct nlmsghdr *msg_unbind(void *buf, size_t size, uint16_t family,
			    uint64_t cgid);
/* each < 0: not sent; at least one must be given */
struct nlmsghdr *msg_set_mode(void *buf, size_t size, uint16_t family,
			      uint64_t cgid, int mode, int lib_mode,
			      int64_t flags);
struct nlmsghdr *msg_selftest(void *buf, size_t size, uint16_t family);
/* has_cgid false: dump */
struct nlmsghdr *msg_get_binding(void *buf, size_t size, uint16_t family,
				 bool has_cgid, uint64_t cgid);
/* cmd: DRIFT_CMD_EXCEPTION_ADD or _DEL; file used for DRIFT_EXC_FILE */
struct nlmsghdr *msg_exception(void *buf, size_t size, uint16_t family,
			       uint8_t cmd, uint64_t cgid, int type,
			       const struct drift_file_id *file,
			       const char *path);

struct config_req {
	int mode;		/* -1: not sent */
	const char *set;	/* NULL: not sent; "" clears */
	int locked;		/* -1: not sent */
	int sealed;		/* -1: not sent */
	bool has_rate, has_burst;
	uint32_t rate, burst;
};
struct nlmsghdr *msg_set_config(void *buf, size_t size, uint16_t family,
				const struct config_req *cfg);

/* ---- reply.c --------------------------------------------------------- */

struct stats {
	uint64_t v[DRIFT_STAT_MAX + 1];
	bool has[DRIFT_STAT_MAX + 1];
};

struct status_info {
	char *version;
	int default_mode;	/* -1 if absent */
	char *default_set;	/* NULL if none */
	int locked, selftest;	/* -1 if absent */
	bool has_selftest_ns;
	uint64_t selftest_ns;	/* last self-test, CLOCK_REALTIME */
	int sealed;		/* -1 if absent */
	bool has_staging;
	uint32_t staging;	/* sets being loaded */
	bool has_sets, has_bindings, has_memory, has_rate, has_burst;
	uint32_t sets, bindings, rate, burst;
	uint64_t memory;
	struct stats stats;
};

struct set_info {
	char *name;
	bool has_entries, has_own, has_refs, has_memory, has_loaded;
	uint32_t entries;	/* own + included */
	uint32_t own;		/* loaded into the set itself */
	uint32_t refs;
	uint64_t memory, loaded_ns;
	char **includes;	/* DRIFT_A_SET_INCLUDES, in order */
	size_t nincludes;
};

struct exc_info {
	int type;
	bool has_file;
	struct drift_file_id file;
	char *path;
};

struct binding_info {
	bool has_cgid;
	uint64_t cgid;
	char *name, *set;
	int mode;		/* -1 if absent */
	int lib_mode;		/* -1 if absent */
	bool has_flags;
	uint32_t flags;		/* enum drift_bind_flags */
	struct stats stats;
	struct exc_info *excs;
	size_t nexcs;
};

struct event_info {
	bool has_time, has_cgid, has_pid, has_ppid, has_uid, has_file,
	     has_suppressed;
	uint64_t time_ns, cgid;
	char *binding, *set, *comm, *path;
	uint32_t pid, ppid, uid, suppressed;
	struct drift_file_id file;
	int reason, action, mode;	/* -1 if absent */
	int op;				/* enum drift_op, -1 if absent (exec) */
};

struct commit_info {
	char *name;
	bool has_count;
	uint32_t count;
};

/*
 * Each parser takes a whole generic netlink message of the drift family,
 * fills the struct (zeroed first; free with the matching *_free) and
 * returns 0, or -EPROTO for a malformed message (wrong attribute sizes,
 * unterminated strings, bad nesting). Unknown attributes are ignored.
 */
int parse_status(const struct nlmsghdr *nlh, struct status_info *st);
void status_free(struct status_info *st);
int parse_set(const struct nlmsghdr *nlh, struct set_info *si);
void set_info_free(struct set_info *si);
int parse_binding(const struct nlmsghdr *nlh, struct binding_info *bi);
void binding_free(struct binding_info *bi);
int parse_event(const struct nlmsghdr *nlh, struct event_info *ev);
void event_free(struct event_info *ev);
int parse_commit(const struct nlmsghdr *nlh, struct commit_info *ci);
void commit_free(struct commit_info *ci);

/* ---- output.c -------------------------------------------------------- */

/* Minimal streaming JSON writer over a drift_buf. */
struct jw {
	struct drift_buf *b;
	int depth;
	bool first[32];
	bool after_key;
	int err;
};
void jw_init(struct jw *w, struct drift_buf *b);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);	/* NULL: null */
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);

/* Text table: cells are escaped for the terminal; columns aligned. */
struct table {
	size_t ncols;
	const char **headers;
	bool *right;		/* right-align column (numbers) */
	char **cells;		/* rows * ncols, malloc'd strings */
	size_t nrows, cap;
};
void table_init(struct table *t, size_t ncols, const char **headers,
		bool *right);
int table_add(struct table *t, ...);	/* ncols const char * values */
int table_render(const struct table *t, struct drift_buf *out);
void table_free(struct table *t);

/* Name of an enum value, or "N" when unknown (into a static buffer). */
const char *mode_str(int mode);
const char *reason_str(int reason);
const char *action_str(int action);
const char *op_str(int op);
/* "8:1" */
void devstr(char out[24], uint32_t major, uint32_t minor);
/* "2026-11-23T10:15:35.123456Z" (UTC, microseconds) */
void timestr(char out[48], uint64_t ns);

int render_status(const struct status_info *st, bool json,
		  struct drift_buf *out);
int render_sets(const struct set_info *sets, size_t n, bool json,
		struct drift_buf *out);
int render_bindings(const struct binding_info *b, size_t n, bool json,
		    struct drift_buf *out);
/* One line, with its '\n'. */
struct drift_record;
int render_containers(const struct drift_record *r, size_t n,
		      const struct binding_info *b, size_t nb, bool json,
		      struct drift_buf *out);
int render_event(const struct event_info *ev, bool json,
		 struct drift_buf *out);

/* ---- main.c / cmd_*.c ------------------------------------------------ */

/* Prints "driftctl: <what>: <reason>" and returns the exit code for -err. */
int ctl_fail(struct nl *nl, const char *what, int err);
/* Exit code for a negative errno. */
int ctl_exit_code(int err);
/* Opens nl, printing the right message; returns 0 or an exit code. */
int ctl_open(struct nl *nl);
/* Resolves req->cgroup, printing the error; returns 0 or an exit code. */
int ctl_cgroup(const char *spec, uint64_t *id);
/* Writes out to stdout; returns 0 or EXIT_REFUSED. */
int ctl_write(struct drift_buf *out);

int cmd_status(const struct ctl_req *req);
int cmd_sets(const struct ctl_req *req);
int cmd_set_load(const struct ctl_req *req);
int cmd_set_del(const struct ctl_req *req);
int cmd_bindings(const struct ctl_req *req);
int cmd_bind(const struct ctl_req *req);
int cmd_unbind(const struct ctl_req *req);
int cmd_mode(const struct ctl_req *req);
int cmd_exception(const struct ctl_req *req);
int cmd_default(const struct ctl_req *req);
int cmd_lock(const struct ctl_req *req);
int cmd_seal(const struct ctl_req *req);
int cmd_monitor(const struct ctl_req *req);
int cmd_containers(const struct ctl_req *req);
int cmd_report(const struct ctl_req *req);

/*
 * cmd_report.c: reads event lines (docs/events.md) from IN and renders the
 * report into OUT; with LIVE, driftd's records and the kernel's bindings
 * say which containers run in audit now. Returns 0 or -errno.
 */
int report_run(FILE *in, const char *src, bool has_since, uint64_t since_s,
	       const char *since_text, bool live, bool json,
	       struct drift_buf *out);
/* "90s", "30m", "24h", "7d" or plain seconds -> seconds; 0 or -EINVAL. */
int parse_duration(const char *s, uint64_t *out);
int cmd_selftest(const struct ctl_req *req);

/* Dumps every binding (cmd_bindings.c); free with bindings_free(). */
int bindings_fetch(struct nl *nl, struct binding_info **v, size_t *n);
void bindings_free(struct binding_info *v, size_t n);

/* ---- records.c: driftd's container records ---------------------------- */

/* $DRIFT_STATE_DIR or /run/drift */
const char *records_dir(void);
/*
 * Every readable record below DIR/containers (none without driftd); the
 * others are named on stderr and skipped. Records: common/record.h.
 */
int records_load(const char *dir, struct drift_record **out, size_t *n);
void records_free(struct drift_record *v, size_t n);
/*
 * Every record KEY names: the one with that id; else all with that name;
 * else all whose id starts with KEY (4+ characters). Up to MAX pointers in
 * HITS; returns how many matched (more than one: ambiguous).
 */
size_t records_match(const struct drift_record *v, size_t n, const char *key,
		     const struct drift_record **hits, size_t max);
/* By id, name or unique id prefix (4+ characters); NULL if none or several. */
const struct drift_record *records_find(const struct drift_record *v, size_t n,
				     const char *key);

int driftctl_main(int argc, char **argv);

#endif

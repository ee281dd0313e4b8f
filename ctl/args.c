// SPDX-License-Identifier: GPL-2.0 OR MIT
/* driftctl: command line parsing and help texts (pure). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "driftctl.h"
#include "names.h"

static const char usage_all[] =
"usage: driftctl [--json] COMMAND [ARGS]\n"
"\n"
"  driftctl [--json] status                     module state and counters\n"
"  driftctl [--json] sets [NAME]                loaded sets\n"
"  driftctl [--json] bindings [CGROUP]          cgroup bindings\n"
"  driftctl [--json] containers                 containers driftd governs\n"
"  driftctl set load NAME [--no-hash] [--xdev] [--include SET]...\n"
"                    [FILE... | --from-list LISTFILE | --from-dir DIR]\n"
"  driftctl set del NAME\n"
"  driftctl bind CGROUP SET [--mode off|audit|enforce] [--lib-mode MODE]\n"
"                    [--fileless-map] [--name NAME] [--replace] [--root DIR]\n"
"  driftctl unbind CGROUP\n"
"  driftctl mode CGROUP|ns:NAMESPACE [MODE] [--lib MODE]\n"
"                    [--fileless-map|--no-fileless-map]\n"
"  driftctl default [--mode MODE] [--set SET|--no-set] [--event-rate N]\n"
"                   [--event-burst N]\n"
"  driftctl exception add|del CGROUP (--file PATH | --path PREFIX)\n"
"  driftctl lock | unlock\n"
"  driftctl [--json] selftest\n"
"  driftctl seal\n"
"  driftctl [--json] monitor [--count N] [--timeout SECONDS]\n"
"  driftctl [--json] report [--since DURATION] [--events FILE]\n"
"  driftctl help [COMMAND]  |  driftctl COMMAND --help  |  driftctl --version\n"
"\n"
"CGROUP is a cgroup v2 path (absolute, or relative to /sys/fs/cgroup),\n"
"id:NUMBER, or ct:CONTAINER (a container driftd governs: id, name or id\n"
"prefix). Every command but status needs CAP_NET_ADMIN; every changing\n"
"command also CAP_SYS_ADMIN and a cgroup drift does not govern.\n"
"Exit codes: 0 ok, 1 refused by the kernel, 2 usage, 3 module not loaded,\n"
"4 permission denied, 5 not found.\n";

struct topic {
	const char *name;
	const char *help;
};

static const struct topic topics[] = {
	{ "status",
"usage: driftctl [--json] status\n"
"\n"
"Shows the module version, the default policy (mode and set), whether the\n"
"module is locked, the load-time self-test result, the number of sets and\n"
"bindings, the memory used by sets, the event rate limit and the global\n"
"counters. Needs no privileges.\n" },
	{ "sets",
"usage: driftctl [--json] sets [NAME]\n"
"\n"
"Lists the loaded sets (or one set): the entries it allows (ENTRIES: its\n"
"own and those of the sets it includes), its own entries (OWN), references\n"
"(REFS: bindings, the default, and sets that include it), memory (its own\n"
"entries and structures), the time of the last load, and the sets it\n"
"includes (INCLUDES; JSON: own_entries, includes).\n" },
	{ "bindings",
"usage: driftctl [--json] bindings [CGROUP]\n"
"\n"
"Lists the cgroup bindings (or one binding): cgroup id, name, set, mode,\n"
"counters and exceptions. With --json every counter is shown.\n" },
	{ "set",
"usage: driftctl set load NAME [--no-hash] [--xdev] [--include SET]...\n"
"                    [FILE... | --from-list LISTFILE | --from-dir DIR]\n"
"       driftctl set del NAME\n"
"\n"
"set load  identifies the given files (device, inode, generation, ctime and,\n"
"          unless --no-hash, the SHA-256 of the content) and loads them as\n"
"          set NAME. Loading a NAME that exists replaces its contents\n"
"          atomically for every binding that uses it, what it includes\n"
"          too (a load without --include includes nothing).\n"
"  FILE...           the files themselves (symlinks are followed; a file\n"
"                    without an execute bit may be mapped, not exec'd)\n"
"  --from-list FILE  one path per line ('-' reads stdin; empty lines and\n"
"                    lines starting with '#' are skipped)\n"
"  --from-dir DIR    below DIR (a layer directory or a root): every regular\n"
"                    file with an execute bit, and every ELF file without\n"
"                    one (libraries: they may be mapped executable, not\n"
"                    exec'd); symlinks are never followed, other mounts\n"
"                    never entered; more than 128 directory levels or\n"
"                    16777216 entries is an error\n"
"  --xdev            accepted for compatibility: --from-dir always stays on\n"
"                    DIR's mount\n"
"  --no-hash         do not hash contents: faster, but then a chmod/touch of\n"
"                    an image file inside a container (a copy-up) is denied\n"
"                    like a modification\n"
"  --include SET     NAME also allows every entry of set SET, as SET is at\n"
"                    any time (repeatable, at most 256). One level: SET\n"
"                    must include nothing, and a set that others include\n"
"                    cannot include. Entries are stored once, in SET: an\n"
"                    image set that includes its layers' sets shares them\n"
"                    with every image that has those layers. A load with\n"
"                    only --include has no entries of its own.\n"
"          Sources can be combined and repeated. Files under --from-dir\n"
"          that cannot be read are reported and left out (a left-out file\n"
"          is denied, never allowed).\n"
"set del   removes set NAME; bindings using it keep it until they go. A\n"
"          set that another set includes cannot be removed (EBUSY).\n" },
	{ "bind",
"usage: driftctl bind CGROUP SET [--mode off|audit|enforce]\n"
"                    [--lib-mode off|audit|enforce] [--fileless-map]\n"
"                    [--name NAME] [--replace] [--root DIR]\n"
"\n"
"Governs CGROUP (and its descendants without a binding of their own) with\n"
"SET. The mode (exec) defaults to enforce. --lib-mode governs executable\n"
"file mappings (the dynamic loader, LD_PRELOAD, dlopen, mmap/mprotect with\n"
"PROT_EXEC): the file must be in SET too; it defaults to off for a new\n"
"binding. --fileless-map also checks executable mappings of memfd and\n"
"SysV shared memory (denied as fileless in library mode enforce; without\n"
"it they are allowed and counted; deleted files are always checked).\n"
"--name labels the binding in events\n"
"(default: the cgroup id). --replace changes set, mode and name of an\n"
"existing binding atomically, keeping its counters and exceptions (its\n"
"library mode and --fileless-map unless given, and its root unless --root\n"
"is given). --root DIR is the container's root\n"
"directory (its rootfs as the host sees it): path exceptions are matched\n"
"as seen from it, so a chroot inside the container cannot steer them; a\n"
"binding without a root accepts no path exceptions.\n" },
	{ "unbind",
"usage: driftctl unbind CGROUP\n"
"\n"
"Removes the binding of CGROUP.\n" },
	{ "containers",
"usage: driftctl [--json] containers\n"
"\n"
"Lists the containers driftd governs (its records in $DRIFT_STATE_DIR,\n"
"default /run/drift) with their name, namespace and image, joined with the\n"
"kernel's bindings: the mode in force (UNBOUND if the kernel has no\n"
"binding) and the counters. With --json every counter is shown.\n" },
	{ "mode",
"usage: driftctl mode CGROUP [off|audit|enforce] [--lib off|audit|enforce]\n"
"                    [--fileless-map|--no-fileless-map]\n"
"       driftctl mode ns:NAMESPACE [MODE] [--lib MODE] ...\n"
"\n"
"Changes the mode (exec), the library mode (--lib: executable file\n"
"mappings) and the fileless-map check of the binding of CGROUP (or of\n"
"every container driftd governs in a Kubernetes namespace); what is not\n"
"given stays. It applies to the next exec or mapping. driftd keeps a mode\n"
"changed here.\n"
"  off      not checked\n"
"  audit    allowed and reported\n"
"  enforce  denied with EACCES and reported\n" },
	{ "default",
"usage: driftctl default [--mode off|audit|enforce] [--set SET | --no-set]\n"
"                        [--event-rate N] [--event-burst N]\n"
"\n"
"Changes the policy of tasks whose cgroup has no bound ancestor, and the\n"
"event rate limit (events per second per binding and burst, 1..100000).\n"
"A default mode other than off needs a default set. See 'driftctl status'\n"
"for the current values.\n" },
	{ "exception",
"usage: driftctl exception add|del CGROUP (--file PATH | --path PREFIX)\n"
"\n"
"Allows one file (--file: identified now by device, inode, generation and\n"
"ctime, so it stops matching once the file is rewritten, chmod'ed or\n"
"renamed) or every path under a prefix as seen from the container's root\n"
"given at bind --root (--path: '/opt/x/' matches everything below that\n"
"directory, '/opt/x' that path and below) for the binding of CGROUP.\n"
"A binding without a root refuses path exceptions.\n" },
	{ "lock",
"usage: driftctl lock | unlock\n"
"\n"
"lock keeps the module in memory: rmmod fails with EBUSY until 'driftctl\n"
"unlock'.\n" },
	{ "seal",
"usage: driftctl seal\n"
"\n"
"Seals the module: until it is unloaded, it accepts only changes that\n"
"tighten enforcement (raising modes, new bindings of ungoverned cgroups,\n"
"new sets, deleting exceptions, lock). Unbind, lowering a mode, adding an\n"
"exception, replacing or deleting a set in use, changing the default set,\n"
"unlock and unseal fail with exit code 4. With lock, the seal lasts until\n"
"reboot.\n" },
	{ "monitor",
"usage: driftctl [--json] monitor [--count N] [--timeout SECONDS]\n"
"\n"
"Prints every event as it arrives, one per line (--json: one JSON object\n"
"per line in the event schema driftd writes too, docs/events.md: schema,\n"
"time, time_ns, op, action, reason, mode, container, path, ...).\n"
"  --count N          exit 0 after N events\n"
"  --timeout SECONDS  stop after SECONDS (fractions allowed); with --count,\n"
"                     exit 1 if fewer than N events arrived\n" },
	{ "report",
"usage: driftctl [--json] report [--since DURATION] [--events FILE]\n"
"\n"
"Reads driftd's event log (JSON lines, docs/events.md) and shows, per\n"
"namespace and image, what audit mode would have denied: each path with\n"
"its operation and reason, how often, first and last seen, and the\n"
"exception that would allow it (the drift.io/exceptions annotation, or\n"
"'driftctl exception add ct:ID --path PATH' now). A namespace whose\n"
"containers run in audit (driftd's records and the module's bindings)\n"
"with no would-be denial in the log is CLEAN to enforce, with the command\n"
"that does it.\n"
"  --since DURATION  only events of the last DURATION (90s, 30m, 24h, 7d)\n"
"  --events FILE     the event log ('-': stdin; default: the 'events' file\n"
"                    of $DRIFTD_CONFIG or /etc/drift/driftd.conf)\n" },
	{ "selftest",
"usage: driftctl [--json] selftest\n"
"\n"
"Runs the module's self-test now: each hooked kernel function (exec,\n"
"mmap, mprotect, interpreter open) is called with a sentinel argument that\n"
"only an armed hook turns into EACCES (also reported in 'driftctl\n"
"status', counted, and sent as an event with reason selftest when it\n"
"fails; the module also runs it every selftest_interval seconds). Then\n"
"the real path: a sentinel cgroup (/sys/fs/cgroup/drift-selftest-PID) is\n"
"bound in enforce mode to an empty set, a child joins it and exec's\n"
"driftctl, which must fail with EACCES (one deny event names binding\n"
"drift-selftest-PID); everything is removed afterwards. Exits 0 when both\n"
"passed, 1 when enforcement is not proven.\n" },
	{ NULL, NULL },
};

const char *ctl_usage(const char *topic)
{
	(void)topic;
	return usage_all;
}

const char *ctl_help(const char *topic)
{
	const struct topic *t;

	if (!topic)
		return usage_all;
	if (strcmp(topic, "unlock") == 0)
		topic = "lock";
	for (t = topics; t->name; t++)
		if (strcmp(t->name, topic) == 0)
			return t->help;
	return NULL;
}

const char *ctl_cmd_topic(enum ctl_cmd cmd)
{
	switch (cmd) {
	case CTL_STATUS: return "status";
	case CTL_SETS: return "sets";
	case CTL_BINDINGS: return "bindings";
	case CTL_CONTAINERS: return "containers";
	case CTL_SET_LOAD: case CTL_SET_DEL: return "set";
	case CTL_BIND: return "bind";
	case CTL_UNBIND: return "unbind";
	case CTL_MODE: return "mode";
	case CTL_DEFAULT: return "default";
	case CTL_EXC_ADD: case CTL_EXC_DEL: return "exception";
	case CTL_LOCK: case CTL_UNLOCK: return "lock";
	case CTL_SEAL: return "seal";
	case CTL_MONITOR: return "monitor";
	case CTL_REPORT: return "report";
	case CTL_SELFTEST: return "selftest";
	default: return NULL;
	}
}

void ctl_req_free(struct ctl_req *req)
{
	free(req->srcs);
	req->srcs = NULL;
	req->nsrcs = 0;
	free(req->includes);
	req->includes = NULL;
	req->nincludes = 0;
}

/* ---- helpers --------------------------------------------------------- */

static int usage_err(struct drift_buf *err, const char *topic,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int usage_err(struct drift_buf *err, const char *topic,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	drift_buf_vprintf(err, fmt, ap);
	va_end(ap);
	if (topic)
		drift_buf_printf(err, " (see 'driftctl %s --help')", topic);
	else
		drift_buf_puts(err, " (see 'driftctl help')");
	return EXIT_USAGE;
}

static int bad_option(struct drift_buf *err, const char *topic, char **argv,
		      int c)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		return usage_err(err, topic, "option '%s' needs a value", opt);
	if (optopt && optopt != '?')
		return usage_err(err, topic, "unknown option '-%c'", optopt);
	return usage_err(err, topic, "unknown option '%s'", opt);
}

static int check_name(struct drift_buf *err, const char *topic,
		      const char *what, const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return usage_err(err, topic, "empty %s name", what);
	if (len >= DRIFT_NAME_MAX)
		return usage_err(err, topic, "%s name too long (%zu bytes, at "
				 "most %d)", what, len, DRIFT_NAME_MAX - 1);
	return 0;
}

static int parse_mode(struct drift_buf *err, const char *topic,
		      const char *s, int *mode)
{
	enum drift_mode m;

	if (drift_mode_parse(s, &m))
		return usage_err(err, topic, "unknown mode '%s': use off, "
				 "audit or enforce", s);
	*mode = (int)m;
	return 0;
}

/* "SECONDS" with up to 3 decimals -> milliseconds. */
static int parse_seconds(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0;
	const char *p = s;
	int digits = 0, fd = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 100000000ULL)
			return -ERANGE;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, fd++) {
			if (fd < 3)
				frac = frac * 10 + (uint64_t)(*p - '0');
		}
		if (!fd)
			return -EINVAL;
		for (; fd < 3; fd++)
			frac *= 10;
	}
	if (*p || (!digits && !frac && p == s))
		return -EINVAL;
	if (!digits && p == s)
		return -EINVAL;
	*ms = whole * 1000 + frac;
	return 0;
}

static int add_src(struct ctl_req *req, enum ctl_src_type type,
		   const char *path)
{
	struct ctl_src *s = realloc(req->srcs, (req->nsrcs + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	req->srcs = s;
	s[req->nsrcs].type = type;
	s[req->nsrcs].path = path;
	req->nsrcs++;
	return 0;
}

static int add_include(struct ctl_req *req, const char *set)
{
	const char **v = realloc(req->includes,
				 (req->nincludes + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	req->includes = v;
	v[req->nincludes++] = set;
	return 0;
}

/* Exactly `n` positionals left? */
static int want_args(struct drift_buf *err, const char *topic, int argc,
		     char **argv, int min, int max, const char *what)
{
	int n = argc - optind;

	if (n < min)
		return usage_err(err, topic, "missing %s", what);
	if (n > max)
		return usage_err(err, topic, "unexpected argument '%s'",
				 argv[optind + max]);
	return 0;
}

/* ---- commands -------------------------------------------------------- */

/* status, sets, bindings, lock, unlock, unbind, set del, mode: few options */
static int parse_simple(struct ctl_req *req, int argc, char **argv,
			const char *topic, bool json_ok, struct drift_buf *err)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":jh", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (!json_ok)
				return usage_err(err, topic, "--json is for "
						 "status, sets, bindings, "
						 "containers and monitor");
			req->json = true;
			break;
		case 'h':
			req->cmd = CTL_HELP;
			req->help_topic = topic;
			return 0;
		default:
			return bad_option(err, topic, argv, c);
		}
	}
	return 0;
}

static int parse_set_load(struct ctl_req *req, int argc, char **argv,
			  struct drift_buf *err)
{
	static const struct option lo[] = {
		{ "no-hash", no_argument, NULL, 'n' },
		{ "xdev", no_argument, NULL, 'x' },
		{ "one-file-system", no_argument, NULL, 'x' },
		{ "from-list", required_argument, NULL, 'l' },
		{ "from-dir", required_argument, NULL, 'd' },
		{ "include", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t j;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":nxl:d:i:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			req->no_hash = true;
			break;
		case 'x':
			req->xdev = true;
			break;
		case 'l':
		case 'd':
			if (!*optarg)
				return usage_err(err, "set", "empty path for %s",
						 c == 'l' ? "--from-list" : "--from-dir");
			if (add_src(req, c == 'l' ? SRC_LIST : SRC_DIR, optarg))
				return usage_err(err, "set", "out of memory");
			break;
		case 'i':
			ret = check_name(err, "set", "included set", optarg);
			if (ret)
				return ret;
			for (j = 0; j < req->nincludes; j++)
				if (!strcmp(req->includes[j], optarg))
					return usage_err(err, "set", "--include %s "
							 "given twice", optarg);
			if (req->nincludes == DRIFT_MAX_INCLUDES)
				return usage_err(err, "set", "more than %d "
						 "--include", DRIFT_MAX_INCLUDES);
			if (add_include(req, optarg))
				return usage_err(err, "set", "out of memory");
			break;
		case 'h':
			req->cmd = CTL_HELP;
			req->help_topic = "set";
			return 0;
		default:
			return bad_option(err, "set", argv, c);
		}
	}
	if (optind >= argc)
		return usage_err(err, "set", "missing set NAME");
	req->set = argv[optind++];
	ret = check_name(err, "set", "set", req->set);
	if (ret)
		return ret;
	for (; optind < argc; optind++) {
		if (!*argv[optind])
			return usage_err(err, "set", "empty file name");
		if (add_src(req, SRC_FILE, argv[optind]))
			return usage_err(err, "set", "out of memory");
	}
	for (j = 0; j < req->nincludes; j++)
		if (!strcmp(req->includes[j], req->set))
			return usage_err(err, "set", "set '%s' cannot include "
					 "itself", req->set);
	if (!req->nsrcs && !req->nincludes)
		return usage_err(err, "set", "nothing to load into '%s': give "
				 "FILE..., --from-list LISTFILE, --from-dir DIR "
				 "or --include SET", req->set);
	return 0;
}

static int parse_set_cmd(struct ctl_req *req, int argc, char **argv,
		     struct drift_buf *err)
{
	int ret;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc >= 2) {
			req->cmd = CTL_HELP;
			req->help_topic = "set";
			return 0;
		}
		return usage_err(err, "set", "missing 'load' or 'del'");
	}
	if (strcmp(argv[1], "load") == 0) {
		req->cmd = CTL_SET_LOAD;
		return parse_set_load(req, argc - 1, argv + 1, err);
	}
	if (strcmp(argv[1], "del") == 0 || strcmp(argv[1], "delete") == 0) {
		req->cmd = CTL_SET_DEL;
		ret = parse_simple(req, argc - 1, argv + 1, "set", false, err);
		if (ret || req->cmd == CTL_HELP)
			return ret;
		ret = want_args(err, "set", argc - 1, argv + 1, 1, 1, "set NAME");
		if (ret)
			return ret;
		req->set = argv[1 + optind];
		return check_name(err, "set", "set", req->set);
	}
	return usage_err(err, "set", "unknown 'set %s': use 'set load' or "
			 "'set del'", argv[1]);
}

/*
 * The mapping options 'bind' and 'mode' share: --lib-mode MODE (-l),
 * --fileless-map (-F), --no-fileless-map (-n, 'mode' only).
 */
static int parse_lib_opt(struct ctl_req *req, struct drift_buf *err,
			 const char *cmd, int c)
{
	switch (c) {
	case 'l':
		return parse_mode(err, cmd, optarg, &req->lib_mode);
	case 'F':
		req->bind_flags = DRIFT_BIND_F_FILELESS_MAP;
		return 0;
	default:	/* 'n' */
		req->bind_flags = 0;
		return 0;
	}
}

static int parse_bind(struct ctl_req *req, int argc, char **argv,
		      struct drift_buf *err)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "lib-mode", required_argument, NULL, 'l' },
		{ "fileless-map", no_argument, NULL, 'F' },
		{ "name", required_argument, NULL, 'N' },
		{ "replace", no_argument, NULL, 'r' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	while ((c = getopt_long(argc, argv, ":m:l:FN:rR:h", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			ret = parse_mode(err, "bind", optarg, &req->mode);
			if (ret)
				return ret;
			break;
		case 'l':
		case 'F':
			ret = parse_lib_opt(req, err, "bind", c);
			if (ret)
				return ret;
			break;
		case 'N':
			ret = check_name(err, "bind", "binding", optarg);
			if (ret)
				return ret;
			req->name = optarg;
			break;
		case 'r':
			req->replace = true;
			break;
		case 'R':
			if (!*optarg)
				return usage_err(err, "bind", "--root needs a "
						 "directory");
			req->root = optarg;
			break;
		case 'h':
			req->cmd = CTL_HELP;
			req->help_topic = "bind";
			return 0;
		default:
			return bad_option(err, "bind", argv, c);
		}
	}
	ret = want_args(err, "bind", argc, argv, 2, 2,
			argc - optind == 0 ? "CGROUP and SET" : "SET");
	if (ret)
		return ret;
	req->cgroup = argv[optind];
	req->set = argv[optind + 1];
	return check_name(err, "bind", "set", req->set);
}

static int parse_mode_cmd(struct ctl_req *req, int argc, char **argv,
			  struct drift_buf *err)
{
	static const struct option lo[] = {
		{ "lib", required_argument, NULL, 'l' },
		{ "lib-mode", required_argument, NULL, 'l' },
		{ "fileless-map", no_argument, NULL, 'F' },
		{ "no-fileless-map", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	while ((c = getopt_long(argc, argv, ":l:Fnh", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
		case 'F':
		case 'n':
			ret = parse_lib_opt(req, err, "mode", c);
			if (ret)
				return ret;
			break;
		case 'h':
			req->cmd = CTL_HELP;
			req->help_topic = "mode";
			return 0;
		default:
			return bad_option(err, "mode", argv, c);
		}
	}
	if (req->lib_mode < 0 && req->bind_flags < 0) {
		ret = want_args(err, "mode", argc, argv, 2, 2,
				argc - optind == 0 ? "CGROUP and MODE" : "MODE");
	} else {
		ret = want_args(err, "mode", argc, argv, 1, 2, "CGROUP");
	}
	if (ret)
		return ret;
	req->cgroup = argv[optind];
	if (optind + 1 >= argc)
		return 0;
	return parse_mode(err, "mode", argv[optind + 1], &req->mode);
}

static int parse_u32_opt(struct drift_buf *err, const char *topic,
			 const char *opt, const char *s, uint32_t min,
			 uint32_t max, uint32_t *out)
{
	int ret = drift_parse_u32_max(s, max, out);

	if (ret == -EINVAL)
		return usage_err(err, topic, "%s: '%s' is not a number", opt, s);
	if (ret || *out < min)
		return usage_err(err, topic, "%s: %s is out of range (%u..%u)",
				 opt, s, min, max);
	return 0;
}

static int parse_default(struct ctl_req *req, int argc, char **argv,
			 struct drift_buf *err)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "set", required_argument, NULL, 's' },
		{ "no-set", no_argument, NULL, 'S' },
		{ "event-rate", required_argument, NULL, 'r' },
		{ "event-burst", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	while ((c = getopt_long(argc, argv, ":m:s:Sr:b:h", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			ret = parse_mode(err, "default", optarg, &req->mode);
			if (ret)
				return ret;
			break;
		case 's':
			ret = check_name(err, "default", "set", optarg);
			if (ret)
				return ret;
			req->set = optarg;
			break;
		case 'S':
			req->no_set = true;
			break;
		case 'r':
			ret = parse_u32_opt(err, "default", "--event-rate",
					    optarg, 1, 100000, &req->rate);
			if (ret)
				return ret;
			req->has_rate = true;
			break;
		case 'b':
			ret = parse_u32_opt(err, "default", "--event-burst",
					    optarg, 1, 100000, &req->burst);
			if (ret)
				return ret;
			req->has_burst = true;
			break;
		case 'h':
			req->cmd = CTL_HELP;
			req->help_topic = "default";
			return 0;
		default:
			return bad_option(err, "default", argv, c);
		}
	}
	ret = want_args(err, "default", argc, argv, 0, 0, "");
	if (ret)
		return ret;
	if (req->set && req->no_set)
		return usage_err(err, "default", "--set and --no-set exclude "
				 "each other");
	if (req->mode < 0 && !req->set && !req->no_set && !req->has_rate &&
	    !req->has_burst)
		return usage_err(err, "default", "nothing to change: give "
				 "--mode, --set, --no-set, --event-rate or "
				 "--event-burst ('driftctl status' shows the "
				 "current values)");
	return 0;
}

static int parse_exception_cmd(struct ctl_req *req, int argc, char **argv,
			   struct drift_buf *err)
{
	static const struct option lo[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "path", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	if (argc < 2)
		return usage_err(err, "exception", "missing 'add' or 'del'");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		req->cmd = CTL_HELP;
		req->help_topic = "exception";
		return 0;
	}
	if (strcmp(argv[1], "add") == 0)
		req->cmd = CTL_EXC_ADD;
	else if (strcmp(argv[1], "del") == 0 || strcmp(argv[1], "delete") == 0)
		req->cmd = CTL_EXC_DEL;
	else
		return usage_err(err, "exception", "unknown 'exception %s': use "
				 "'exception add' or 'exception del'", argv[1]);
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, ":f:p:h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 'p':
			if (req->exc_arg)
				return usage_err(err, "exception", "give one "
						 "--file or one --path");
			req->exc_type = c == 'f' ? DRIFT_EXC_FILE :
				DRIFT_EXC_PATH_PREFIX;
			req->exc_arg = optarg;
			break;
		case 'h':
			req->cmd = CTL_HELP;
			req->help_topic = "exception";
			return 0;
		default:
			return bad_option(err, "exception", argv, c);
		}
	}
	ret = want_args(err, "exception", argc, argv, 1, 1, "CGROUP");
	if (ret)
		return ret;
	req->cgroup = argv[optind];
	if (!req->exc_arg)
		return usage_err(err, "exception", "give --file PATH or --path "
				 "PREFIX");
	if (!*req->exc_arg)
		return usage_err(err, "exception", "empty path");
	if (req->exc_type == DRIFT_EXC_PATH_PREFIX) {
		if (req->exc_arg[0] != '/')
			return usage_err(err, "exception", "--path needs an "
					 "absolute path as the container sees "
					 "it, e.g. /usr/local/bin/");
		if (strlen(req->exc_arg) >= DRIFT_PATH_MAX)
			return usage_err(err, "exception", "--path longer than "
					 "%d bytes", DRIFT_PATH_MAX - 1);
	}
	return 0;
}

static int parse_monitor(struct ctl_req *req, int argc, char **argv,
			 struct drift_buf *err)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	while ((c = getopt_long(argc, argv, ":jc:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			req->json = true;
			break;
		case 'c':
			ret = drift_parse_u64(optarg, &req->count);
			if (ret || req->count == 0)
				return usage_err(err, "monitor", "--count: '%s' "
						 "is not a number >= 1", optarg);
			req->has_count = true;
			break;
		case 't':
			if (parse_seconds(optarg, &req->timeout_ms))
				return usage_err(err, "monitor", "--timeout: '%s' "
						 "is not a number of seconds",
						 optarg);
			req->has_timeout = true;
			break;
		case 'h':
			req->cmd = CTL_HELP;
			req->help_topic = "monitor";
			return 0;
		default:
			return bad_option(err, "monitor", argv, c);
		}
	}
	return want_args(err, "monitor", argc, argv, 0, 0, "");
}

int parse_duration(const char *s, uint64_t *out)
{
	static const struct { char c; uint64_t mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	char num[32];
	size_t len = s ? strlen(s) : 0, i;
	uint64_t v, mul = 1;

	if (!len || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len + 1);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (num[len - 1] == units[i].c) {
			mul = units[i].mul;
			num[--len] = '\0';
			break;
		}
	if (!len || num[0] < '0' || num[0] > '9' || drift_parse_u64(num, &v) ||
	    v > UINT64_MAX / 1000000000ull / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int parse_report(struct ctl_req *req, int argc, char **argv,
			struct drift_buf *err)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":js:e:h", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			req->json = true;
			break;
		case 's':
			if (parse_duration(optarg, &req->since_s))
				return usage_err(err, "report", "--since: '%s' is not a "
						 "duration like 90s, 30m, 24h or 7d",
						 optarg);
			req->has_since = true;
			req->since_text = optarg;
			break;
		case 'e':
			if (!*optarg)
				return usage_err(err, "report", "--events: empty file name");
			req->events_file = optarg;
			break;
		case 'h':
			req->cmd = CTL_HELP;
			req->help_topic = "report";
			return 0;
		default:
			return bad_option(err, "report", argv, c);
		}
	}
	return want_args(err, "report", argc, argv, 0, 0, "");
}

struct cmd_word {
	const char *word;
	enum ctl_cmd cmd;
};

static const struct cmd_word words[] = {
	{ "status", CTL_STATUS },
	{ "sets", CTL_SETS },
	{ "bindings", CTL_BINDINGS },
	{ "containers", CTL_CONTAINERS },
	{ "set", CTL_SET_LOAD },
	{ "bind", CTL_BIND },
	{ "unbind", CTL_UNBIND },
	{ "mode", CTL_MODE },
	{ "default", CTL_DEFAULT },
	{ "exception", CTL_EXC_ADD },
	{ "lock", CTL_LOCK },
	{ "unlock", CTL_UNLOCK },
	{ "seal", CTL_SEAL },
	{ "monitor", CTL_MONITOR },
	{ "report", CTL_REPORT },
	{ "selftest", CTL_SELFTEST },
	{ "help", CTL_HELP },
	{ "version", CTL_VERSION },
	{ NULL, CTL_NONE },
};

int ctl_parse_args(int argc, char **argv, struct ctl_req *req,
		   struct drift_buf *err)
{
	const struct cmd_word *w;
	int i = 1, ret;

	memset(req, 0, sizeof(*req));
	req->mode = -1;
	req->lib_mode = -1;
	req->bind_flags = -1;
	req->exc_type = 0;
	opterr = 0;
	optind = 0;		/* full getopt reset (glibc) */

	/* global options before the command */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0) {
			req->json = true;
		} else if (strcmp(argv[i], "--help") == 0 ||
			   strcmp(argv[i], "-h") == 0) {
			req->cmd = CTL_HELP;
			return 0;
		} else if (strcmp(argv[i], "--version") == 0 ||
			   strcmp(argv[i], "-V") == 0) {
			req->cmd = CTL_VERSION;
			return 0;
		} else {
			return usage_err(err, NULL, "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return usage_err(err, NULL, "missing command");
	for (w = words; w->word; w++)
		if (strcmp(w->word, argv[i]) == 0)
			break;
	if (!w->word)
		return usage_err(err, NULL, "unknown command '%s'", argv[i]);
	req->cmd = w->cmd;
	argc -= i;
	argv += i;

	switch (w->cmd) {
	case CTL_HELP:
		if (argc > 2)
			return usage_err(err, NULL, "'help' takes one COMMAND");
		if (argc == 2) {
			if (!ctl_help(argv[1]))
				return usage_err(err, NULL, "no help for "
						 "unknown command '%s'", argv[1]);
			req->help_topic = argv[1];
		}
		return 0;
	case CTL_VERSION:
		return want_args(err, NULL, argc, argv, 0, 0, "");
	case CTL_STATUS:
	case CTL_CONTAINERS:
	case CTL_LOCK:
	case CTL_UNLOCK:
	case CTL_SELFTEST:
	case CTL_SEAL:
		ret = parse_simple(req, argc, argv, ctl_cmd_topic(w->cmd),
				   w->cmd == CTL_STATUS ||
				   w->cmd == CTL_CONTAINERS ||
				   w->cmd == CTL_SELFTEST, err);
		if (ret || req->cmd == CTL_HELP)
			return ret;
		return want_args(err, ctl_cmd_topic(w->cmd), argc, argv, 0, 0, "");
	case CTL_SETS:
		ret = parse_simple(req, argc, argv, "sets", true, err);
		if (ret || req->cmd == CTL_HELP)
			return ret;
		ret = want_args(err, "sets", argc, argv, 0, 1, "");
		if (ret)
			return ret;
		if (optind < argc) {
			req->set = argv[optind];
			return check_name(err, "sets", "set", req->set);
		}
		return 0;
	case CTL_BINDINGS:
		ret = parse_simple(req, argc, argv, "bindings", true, err);
		if (ret || req->cmd == CTL_HELP)
			return ret;
		ret = want_args(err, "bindings", argc, argv, 0, 1, "");
		if (!ret && optind < argc)
			req->cgroup = argv[optind];
		return ret;
	case CTL_UNBIND:
		ret = parse_simple(req, argc, argv, "unbind", false, err);
		if (ret || req->cmd == CTL_HELP)
			return ret;
		ret = want_args(err, "unbind", argc, argv, 1, 1, "CGROUP");
		if (!ret)
			req->cgroup = argv[optind];
		return ret;
	case CTL_SET_LOAD:
		return parse_set_cmd(req, argc, argv, err);
	case CTL_BIND:
		return parse_bind(req, argc, argv, err);
	case CTL_MODE:
		return parse_mode_cmd(req, argc, argv, err);
	case CTL_DEFAULT:
		return parse_default(req, argc, argv, err);
	case CTL_EXC_ADD:
		return parse_exception_cmd(req, argc, argv, err);
	case CTL_MONITOR:
		return parse_monitor(req, argc, argv, err);
	case CTL_REPORT:
		return parse_report(req, argc, argv, err);
	default:
		return usage_err(err, NULL, "unknown command '%s'", argv[0]);
	}
}

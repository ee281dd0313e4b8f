/*
 * driftd configuration: a line-oriented file, "KEY VALUE..." per line,
 * '#' starts a comment. See docs/driftd.md and driftd.conf.example.
 * A bad line is reported as "FILE:LINE: what is wrong"; a file with any bad
 * line is refused as a whole (driftd does not start, a reload keeps the
 * running configuration): an error never weakens enforcement.
 */
#ifndef DRIFTD_CONFIG_H
#define DRIFTD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define DRIFTD_DEFAULT_CONFIG	"/etc/drift/driftd.conf"
#define DRIFTD_DEFAULT_SOCKET	"/run/drift/driftd.sock"
#define DRIFTD_DEFAULT_STATEDIR	"/run/drift"
#define DRIFTD_DEFAULT_METRICS	"127.0.0.1:9477"
#define HOOK_WORKERS_MAX	64	/* hook-workers: 1 to this */

/* Mode values used by policy: enum drift_mode, plus "exempt". */
#define DRIFTD_MODE_EXEMPT	(-1)	/* never bound, never blocked */
/* Library mode: "same as the exec mode" (the default). */
#define DRIFTD_LIB_SAME		(-3)

/* What a rule or grant matches on (see docs/driftd.md, "Rules"). */
enum rule_kind {
	RULE_NAMESPACE,		/* Kubernetes namespace (from the CRI runtime) */
	RULE_IMAGE,		/* image name as the runtime resolved it */
	RULE_IMAGE_DIGEST,	/* image id or repo digest, "sha256:..." */
	RULE_CONTAINER,		/* container name */
	RULE_ALL,		/* every container (grants only) */
};

struct drift_rule {
	enum rule_kind kind;
	char *pattern;		/* fnmatch(3) pattern */
	int mode;		/* enum drift_mode or DRIFTD_MODE_EXEMPT */
	int lib_mode;		/* enum drift_mode or DRIFTD_LIB_SAME */
	char *file;		/* where it was defined */
	unsigned line;
};

/* "allow": what annotations may do beyond tightening, and where. */
struct drift_grant {
	enum rule_kind kind;
	char *pattern;		/* NULL for RULE_ALL */
	bool loosen;		/* drift.io/mode, lib-mode may go below the rule */
	char **prefixes;	/* drift.io/exceptions only below these */
	size_t nprefixes;
	char *file;
	unsigned line;
};

/* Which CRI runtime sets the Kubernetes keys (who can be trusted). */
enum cri_runtime { CRI_NONE, CRI_CRIO, CRI_CONTAINERD };

enum events_format { EVENTS_JSON, EVENTS_FALCO };

struct driftd_config {
	int default_mode;		/* enum drift_mode, default audit */
	int default_lib_mode;		/* enum drift_mode or DRIFTD_LIB_SAME */
	enum cri_runtime cri;		/* default CRI_NONE */
	char *socket_path;
	char *state_dir;
	char *events_output;		/* "-" = stdout, else a file */
	enum events_format events_format;
	char *metrics_listen;		/* "host:port", NULL = off */
	unsigned reconcile_ms;		/* cgroup check interval */
	unsigned request_timeout_ms;	/* reading a hook request */
	unsigned hook_workers;		/* threads answering hooks */
	bool annotations;		/* honour drift.io/ annotations at all */
	bool hash;			/* SHA-256 of every image file */
	bool discover;			/* bind running containers at start */
	bool metrics_per_container;	/* drift_container_* series (opt-in) */
	unsigned events_queue_bytes;	/* event output queue bound */
	struct drift_rule *rules;
	size_t nrules;
	struct drift_grant *grants;
	size_t ngrants;
	char **host_libraries;		/* host paths an injected mount may map */
	size_t nhost_libraries;
};

/* Called once per problem with "FILE:LINE: message". */
typedef void (*config_err_fn)(void *arg, const char *msg);

void config_init(struct driftd_config *cfg);
void config_free(struct driftd_config *cfg);

/*
 * Parse TEXT (LEN bytes, may contain NULs: they are errors) named FNAME into
 * CFG, which holds defaults or earlier values. Returns the number of bad
 * lines (0 = clean). A caller must not use CFG when it is not 0.
 */
unsigned config_parse_text(struct driftd_config *cfg, const char *fname,
			   const char *text, size_t len,
			   config_err_fn err, void *arg);

/* Reads and parses a file. Returns bad lines, or -1 if unreadable. */
int config_load_file(struct driftd_config *cfg, const char *path,
		     config_err_fn err, void *arg);

/* "off" / "audit" / "enforce" / "exempt" -> value, -2 when unknown. */
int config_mode_from_name(const char *s);
const char *config_mode_name(int mode);
const char *config_kind_name(enum rule_kind k);

#endif

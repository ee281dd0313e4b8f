/*
 * driftd: binds every container started by an OCI runtime to the allowlist
 * of its image in the drift kernel module. See docs/driftd.md.
 */
#include <errno.h>
#include <getopt.h>
#include <json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driftd.h"
#include "hookproto.h"
#include "log.h"
#include "notify.h"

pthread_mutex_t driftd_lock = PTHREAD_MUTEX_INITIALIZER;

static void config_err(void *arg, const char *msg)
{
	unsigned *n = arg;

	(*n)++;
	log_err("config: %s", msg);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: driftd [--config FILE] [--verbose] [--keep-privileges]\n"
		"       driftd --check-config [FILE]\n"
		"       driftd --kernel-state\n"
		"  --config FILE      configuration (default " DRIFTD_DEFAULT_CONFIG ")\n"
		"  --check-config [FILE]  parse the configuration (FILE, or --config's),\n"
		"                     print FILE:LINE: errors, exit 0 when valid, 78 if not\n"
		"  --verbose          debug logging\n"
		"  --keep-privileges  do not drop capabilities (debugging only)\n"
		"  --kernel-state     print the kernel's bindings and sets as JSON, exit\n");
}

static void ks_binding(const struct dk_binding_info *b, void *arg)
{
	json_object *a = arg, *o = json_object_new_object();

	json_object_object_add(o, "cgroup_id", json_object_new_uint64(b->cgroup_id));
	json_object_object_add(o, "name", json_object_new_string(b->name));
	json_object_object_add(o, "set", json_object_new_string(b->set));
	json_object_object_add(o, "mode", json_object_new_string(config_mode_name(b->mode)));
	json_object_object_add(o, "execs_denied",
			       json_object_new_uint64(b->stats.v[DRIFT_STAT_EXECS_DENIED]));
	json_object_object_add(o, "execs_audited",
			       json_object_new_uint64(b->stats.v[DRIFT_STAT_EXECS_AUDITED]));
	json_object_array_add(a, o);
}

static void ks_set(const struct dk_set_info *s, void *arg)
{
	json_object *a = arg, *o = json_object_new_object();
	json_object *inc = json_object_new_array();
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "entries", json_object_new_uint64(s->entries));
	json_object_object_add(o, "own_entries", json_object_new_uint64(s->own));
	json_object_object_add(o, "refs", json_object_new_uint64(s->refs));
	json_object_object_add(o, "memory", json_object_new_uint64(s->memory));
	for (i = 0; i < s->nincludes; i++)
		json_object_array_add(inc, json_object_new_string(s->includes[i]));
	json_object_object_add(o, "includes", inc);
	json_object_array_add(a, o);
}

/* The module went away and came back: kernel.c restored what driftd had. */
static void on_kernel_reload(const struct dk_reload_info *i, void *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "drift module reloaded (%lu since start): %u sets, %u bindings restored, %u failed; not enforced for %.3f s",
		 i->reloads, i->sets, i->bindings, i->failed, i->gap_s);
	events_emit_notice(arg, "module_reloaded", NULL, "-", msg);
}

/* --kernel-state: the kernel's bindings and sets as JSON (for scripts). */
static int kernel_state(void)
{
	json_object *o = json_object_new_object();
	json_object *b = json_object_new_array(), *s = json_object_new_array();
	struct dk *k;
	int ret = dk_open(&k);

	if (ret) {
		fprintf(stderr, "driftd: drift module: %s\n", strerror(-ret));
		return 3;
	}
	if (dk_bindings(k, ks_binding, b) || dk_sets(k, ks_set, s)) {
		fprintf(stderr, "driftd: %s\n", dk_errmsg(k));
		dk_close(k);
		return 1;
	}
	json_object_object_add(o, "bindings", b);
	json_object_object_add(o, "sets", s);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	dk_close(k);
	return 0;
}

static int mkdirs(const char *dir)
{
	char p[4096];
	char *s;

	snprintf(p, sizeof(p), "%s", dir);
	for (s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

/*
 * SIGHUP: the new file applies only when it has no error at all; otherwise
 * the running configuration stays, and the log says why.
 */
static void reload(struct driftd *d)
{
	struct driftd_config nc;
	unsigned errs = 0;
	int ret;

	config_init(&nc);
	ret = config_load_file(&nc, d->config_path, config_err, &errs);
	if (ret < 0) {
		log_err("reload: %s: %s; keeping the running configuration",
			d->config_path, strerror(errno));
		config_free(&nc);
		return;
	}
	if (ret > 0 || errs) {
		log_err("reload: %s has %u error(s); keeping the running configuration",
			d->config_path, errs ? errs : (unsigned)ret);
		config_free(&nc);
		return;
	}
	/* Sockets, directories and outputs need a restart. */
	d->cfg.default_mode = nc.default_mode;
	d->cfg.default_lib_mode = nc.default_lib_mode;
	d->cfg.cri = nc.cri;
	d->cfg.events_format = nc.events_format;
	d->cfg.reconcile_ms = nc.reconcile_ms;
	d->cfg.request_timeout_ms = nc.request_timeout_ms;
	if (nc.hook_workers != d->cfg.hook_workers)
		log_warn("reload: hook-workers %u takes effect at the next start (%u running)",
			 nc.hook_workers, d->cfg.hook_workers);
	d->cfg.annotations = nc.annotations;
	d->cfg.hash = nc.hash;
	d->cfg.metrics_per_container = nc.metrics_per_container;
	SWAP(d->cfg.rules, nc.rules);
	SWAP(d->cfg.nrules, nc.nrules);
	SWAP(d->cfg.grants, nc.grants);
	SWAP(d->cfg.ngrants, nc.ngrants);
	SWAP(d->cfg.host_libraries, nc.host_libraries);
	SWAP(d->cfg.nhost_libraries, nc.nhost_libraries);
	config_free(&nc);
	log_info("configuration reloaded; applies to new containers");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", optional_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "keep-privileges", no_argument, NULL, 'K' },
		{ "kernel-state", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct driftd d = { .hook_fd = -1, .metrics_fd = -1 };
	bool check = false, keep = false, explicit_cfg = false;
	unsigned errs = 0;
	struct dk_status st;
	char dir[4200];
	sigset_t mask;
	double next;
	int o, ret, sfd;

	d.config_path = DRIFTD_DEFAULT_CONFIG;
	while ((o = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (o) {
		case 'c': d.config_path = optarg; explicit_cfg = true; break;
		case 'C':
			check = true;
			if (optarg) {
				d.config_path = optarg;
				explicit_cfg = true;
			}
			break;
		case 'v': dlog_verbosity = DLOG_DEBUG; break;
		case 'K': keep = true; break;
		case 'S': return kernel_state();
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* "--check-config FILE" (a separate word) names the file too. */
	if (check && optind == argc - 1 && !explicit_cfg) {
		d.config_path = argv[optind++];
		explicit_cfg = true;
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	config_init(&d.cfg);
	ret = config_load_file(&d.cfg, d.config_path, config_err, &errs);
	if (ret < 0 && (explicit_cfg || errno != ENOENT)) {
		log_err("%s: %s", d.config_path, strerror(errno));
		return EX_CONFIG;
	}
	if (ret > 0 && !errs)
		errs = (unsigned)ret;
	if (check) {
		printf("%s: %s (%u error(s))\n", d.config_path,
		       errs ? "INVALID" : "valid", errs);
		config_free(&d.cfg);
		return errs ? EX_CONFIG : 0;
	}
	if (errs) {
		log_err("%s: %u error(s): refusing to start (an invalid configuration is never applied in part)",
			d.config_path, errs);
		config_free(&d.cfg);
		return EX_CONFIG;
	}
	gethostname(d.hostname, sizeof(d.hostname) - 1);
	signal(SIGPIPE, SIG_IGN);

	snprintf(dir, sizeof(dir), "%s/containers", d.cfg.state_dir);
	if ((ret = mkdirs(dir)) != 0) {
		log_err("state directory %s: %s", dir, strerror(-ret));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/" HOOK_UNPROTECTED_DIR, d.cfg.state_dir);
	mkdirs(dir);

	ret = dk_open(&d.k);
	if (ret) {
		log_err("drift kernel module: %s", ret == -ENOENT ?
			"not loaded (generic netlink family \"drift\" not found)" :
			strerror(-ret));
		return 3;
	}
	dk_on_reload(d.k, on_kernel_reload, &d);
	dk_set_progress(d.k, &driftd_progress);
	ret = dk_status(d.k, &st);
	if (ret) {
		log_err("drift status: %s", dk_errmsg(d.k));
		return ret == -EPERM ? 4 : 1;
	}
	log_info("drift module %s: self-test %s, %u sets, %u bindings",
		 st.version, st.selftest ? "passed" : "NOT passed",
		 st.set_count, st.binding_count);

	if ((ret = events_open(&d)) != 0) {
		log_err("events output %s: %s", d.cfg.events_output, strerror(-ret));
		return 1;
	}
	ret = dk_events_open(&d.ev, events_on_kernel, &d);
	if (ret) {
		log_err("subscribing to drift events: %s", strerror(-ret));
		return ret == -EPERM ? 4 : 1;
	}
	if ((ret = hookserver_open(&d)) != 0) {
		log_err("hook socket %s: %s", d.cfg.socket_path, strerror(-ret));
		return 1;
	}
	if ((ret = metrics_open(&d)) != 0) {
		log_err("metrics-listen %s: %s", d.cfg.metrics_listen, strerror(-ret));
		return 1;
	}
	pthread_mutex_lock(&driftd_lock);
	if (reconcile_startup(&d) != 0)
		log_err("start-up reconciliation failed; continuing");
	pthread_mutex_unlock(&driftd_lock);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (!keep && (ret = privs_drop()) != 0)
		log_warn("dropping privileges: %s", strerror(-ret));
	/* Threads after privs_drop(): capabilities are per thread. */
	if ((ret = events_start(&d)) != 0 || (ret = metrics_start(&d)) != 0 ||
	    (ret = hookserver_start(&d)) != 0 ||
	    (ret = imageset_hasher_start(&d)) != 0) {
		log_err("starting the event writer / metrics / hook / hasher threads: %s",
			strerror(-ret));
		return 1;
	}
	log_info("ready: hook socket %s, metrics %s, default mode %s, events %s (%s)",
		 d.cfg.socket_path, d.cfg.metrics_listen ? d.cfg.metrics_listen : "off",
		 config_mode_name(d.cfg.default_mode),
		 strcmp(d.cfg.events_output, "-") ? d.cfg.events_output : "stdout",
		 d.cfg.events_format == EVENTS_FALCO ? "falco" : "json");
	if ((ret = notify_service_manager("READY=1\nSTATUS=hook socket listening")) != 0)
		log_warn("NOTIFY_SOCKET: %s", strerror(-ret));

	next = mono() + d.cfg.reconcile_ms / 1000.0;
	pthread_mutex_lock(&driftd_lock);
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = dk_events_fd(d.ev), .events = POLLIN },
			{ .fd = hookserver_can_accept() ? d.hook_fd : -1,
			  .events = POLLIN },
		};
		int timeout = (int)((next - mono()) * 1000);

		if (timeout < 0)
			timeout = 0;
		if (!hookserver_can_accept() && timeout > 10)
			timeout = 10;	/* hook queue full: look again soon */
		pthread_mutex_unlock(&driftd_lock);
		ret = poll(p, 3, timeout);
		pthread_mutex_lock(&driftd_lock);
		if (ret < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			d.m.events_lost += (uint64_t)dk_events_recv(d.ev);
		if (p[2].revents)
			hookserver_accept(&d);
		if (p[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					notify_service_manager("RELOADING=1");
					reload(&d);
					notify_service_manager("READY=1");
				} else {
					notify_service_manager("STOPPING=1");
					log_info("signal %u: exiting; bindings stay in the kernel",
						 si.ssi_signo);
					break;
				}
			}
		}
		if (mono() >= next) {
			reconcile_periodic(&d);
			next = mono() + d.cfg.reconcile_ms / 1000.0;
		}
	}
	hookserver_stop(&d);
	imageset_hasher_stop();
	pthread_mutex_unlock(&driftd_lock);
	metrics_close(&d);
	events_close(&d);
	unlink(d.cfg.socket_path);
	while (d.containers) {
		struct container *c = d.containers;

		d.containers = c->next;
		container_free(c);
	}
	while (d.recent) {
		struct container *c = d.recent;

		d.recent = c->next;
		container_free(c);
	}
	imageset_free_all(&d);
	close(sfd);
	close(d.hook_fd);
	dk_events_close(d.ev);
	dk_close(d.k);
	config_free(&d.cfg);
	return 0;
}

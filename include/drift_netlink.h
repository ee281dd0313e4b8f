/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * drift: container drift prevention - generic netlink protocol.
 *
 * This header is the single description of the protocol between the kernel
 * module (drift.ko) and userspace (driftd, driftctl). It is shared verbatim
 * by both sides.
 *
 * Family name: DRIFT_GENL_NAME ("drift"), version DRIFT_GENL_VERSION.
 * Multicast group: DRIFT_GENL_MCGRP_EVENTS ("events").
 *
 * Concepts
 * --------
 *
 * A *set* is a named, immutable allowlist of file identities: the executable
 * regular files of one container image (usually the files of its read-only
 * overlay layers). Many bindings can share one set. A set is built in pieces
 * (SET_BEGIN, SET_ADD..., SET_COMMIT) and becomes visible atomically on
 * commit; committing a name that already exists replaces the contents of that
 * set for every binding that uses it, without a window where the set is
 * empty or half loaded.
 *
 * A *binding* ties a cgroup (v2, identified by its 64-bit cgroup id, the
 * inode number of its directory in /sys/fs/cgroup) to a set, a mode and a
 * list of exceptions. A task is governed by the binding of the nearest
 * ancestor of its cgroup (its own cgroup included) that has one; tasks with
 * no bound ancestor follow the global default mode (DRIFT_MODE_OFF unless an
 * operator changes it) against the optional default set.
 *
 * Every exec (each binfmt pass: a "#!" script, then its interpreter) of a
 * governed task is checked: the identity of the real data inode of the file
 * (through overlayfs) must be in the set. Otherwise, in DRIFT_MODE_AUDIT the
 * exec is allowed and reported, in DRIFT_MODE_ENFORCE it fails with EACCES
 * and is reported. An image file that changed identity but not content is
 * allowed: a chmod/chown/touch of an image file copies the whole file up on
 * overlayfs without metacopy (the copy keeps the inode number of its origin
 * on a samefs overlay), and a non-overlay root changes the ctime. Such a file
 * is hashed and compared with the SHA-256 recorded for its origin; any
 * change of content is denied with DRIFT_REASON_MODIFIED. A new file is
 * never allowed for its content alone, even if it is a copy of an image
 * file.
 *
 * Executable file mappings (library mode). A binding also has a library
 * mode (DRIFT_A_LIB_MODE, same values), which governs every mapping of a
 * file that will be executable: mmap() with PROT_EXEC (or PROT_READ in a
 * READ_IMPLIES_EXEC personality), mprotect() adding PROT_EXEC to a file
 * mapping (DRIFT_OP_MPROTECT), and the loader's open of an exec's ELF
 * interpreter. The same identity rules apply (real inode, copy-up verified
 * by content; a file allowed in enforce for its verified content stays
 * write-denied, ETXTBSY, while it is mapped, so a write cannot change the
 * code of a live mapping); set entries flagged DRIFT_FILE_F_MAP_ONLY count for
 * mappings only. So `ld.so /tmp/x`, LD_PRELOAD and dlopen() of a dropped
 * .so, and PROT_EXEC mappings of dropped files fail with EACCES (the
 * loader prints its error) in enforce, and are reported in audit, with
 * DRIFT_A_EVENT_OP telling which operation was checked. Not checked:
 * anonymous memory (JIT code), files that are not regular (device memory,
 * /dev/zero), the executable's own mapping by the kernel's ELF loader
 * (decided by the exec check), and fileless files of the kernel's
 * internal mounts (memfd, SysV shared memory) unless the binding has
 * DRIFT_BIND_F_FILELESS_MAP (they are then denied as
 * DRIFT_REASON_FILELESS). Deleted and O_TMPFILE files of a filesystem are
 * always checked (DRIFT_REASON_FILELESS). mprotect() runs under the mmap lock,
 * where files are never read: a file whose ctime changed is allowed only
 * from the digest cache, otherwise denied (DRIFT_REASON_VERIFY_FAILED);
 * and since overlayfs puts its real (upper) file in the mapping, a
 * copied-up (chmod'ed) image file is not recognised there and mprotect()
 * adding PROT_EXEC to it is denied (DRIFT_REASON_NOT_IN_IMAGE). An exec whose ELF interpreter is
 * not allowed fails with EACCES in library mode enforce (before the point
 * of no return). Tasks without a binding: mappings are never checked (the
 * default policy governs execs only).
 *
 * Permissions: who may change what
 * --------------------------------
 *
 *  - Anyone: DRIFT_CMD_GET_STATUS.
 *  - CAP_NET_ADMIN in the initial user namespace (GENL_ADMIN_PERM): reading
 *    sets and bindings (GET_SET, GET_BINDING).
 *  - Changing commands (SET_CONFIG, SET_BEGIN/ADD/COMMIT/ABORT/DEL, BIND,
 *    UNBIND, SET_MODE, EXCEPTION_ADD/DEL) need, in addition, CAP_SYS_ADMIN
 *    in the initial user namespace, for the task that sends the request and
 *    the one that opened the socket (a CNI agent, kube-proxy or VPN sidecar
 *    in a hostNetwork pod holds CAP_NET_ADMIN only), and a sender whose own
 *    cgroup drift does not govern (neither bound nor below a bound cgroup,
 *    whatever the binding's mode): root inside a container cannot change
 *    drift. Refusals are EPERM with an extack message.
 *  - Joining the "events" group needs CAP_NET_ADMIN and CAP_SYS_ADMIN in the
 *    initial user namespace (GENL_MCAST_CAP_NET_ADMIN |
 *    GENL_MCAST_CAP_SYS_ADMIN, 6.7 and the stable series that carry them,
 *    Debian 6.1.0-x included). A kernel with only the CAP_NET_ADMIN flag
 *    checks only that, one with neither cannot restrict the group at all;
 *    drift.ko warns at load in both cases.
 *  - The seal (DRIFT_A_SEALED in SET_CONFIG): once set, only changes that
 *    tighten enforcement are accepted until the module is unloaded.
 *    Accepted: raising a binding's mode or the default mode; a new binding
 *    of a cgroup no binding governs yet, with a mode no lower than the
 *    default; BIND with DRIFT_A_REPLACE that keeps set and root and does not
 *    lower the mode, library mode or flags; new sets and replacing or deleting sets nothing uses;
 *    setting a default set when there is none; deleting exceptions; raising
 *    the event rate or burst; lock; sealing again. Refused with EPERM and an
 *    extack message: UNBIND, lowering any mode or library mode, removing a
 *    binding flag, a binding nested in a bound
 *    cgroup, EXCEPTION_ADD, replacing (SET_COMMIT) or deleting a set in use
 *    (by a binding or as the default), replacing or clearing the default
 *    set, lowering the event rate or burst, unlock and unseal. With lock,
 *    the seal lasts until reboot (or a forced rmmod).
 *  Each refusal made by drift.ko (a missing CAP_SYS_ADMIN, a governed
 *  sender, the seal) counts in DRIFT_STAT_REFUSED; the genetlink core's own
 *  CAP_NET_ADMIN checks happen before drift.ko sees the request and are not
 *  counted. Outside netlink, drift.ko also refuses (EPERM) loading and
 *  unloading kernel modules (init_module, finit_module, delete_module,
 *  forced or not) and loading a kexec kernel from a task in a governed
 *  cgroup, whatever the binding's mode, and writes into process memory
 *  through /proc/PID/mem (EIO) from a task whose binding has its mode or
 *  library mode in DRIFT_MODE_ENFORCE; those count in DRIFT_STAT_REFUSED
 *  too.
 *
 * Every attribute is validated by a policy; errors carry an extack message.
 *
 * Commands
 * --------
 *
 * DRIFT_CMD_GET_STATUS (do)
 *   Request: nothing.
 *   Reply:   DRIFT_A_VERSION (string, module version),
 *            DRIFT_A_DEFAULT_MODE (u8), DRIFT_A_SET_NAME (string, the
 *            default set, if any), DRIFT_A_LOCKED (u8), DRIFT_A_SEALED (u8),
 *            DRIFT_A_STAGING_COUNT (u32, sets being loaded),
 *            DRIFT_A_SELFTEST (u8, 1 when the last self-test passed),
 *            DRIFT_A_SELFTEST_NS (u64, CLOCK_REALTIME ns of the last
 *            self-test: at load, every selftest_interval seconds (module
 *            parameter, default 60), and on DRIFT_CMD_SELFTEST),
 *            DRIFT_A_SET_COUNT (u32), DRIFT_A_BINDING_COUNT (u32),
 *            DRIFT_A_MEMORY (u64, bytes used by sets: the node-wide
 *            table of entries, its digests, and each set's structures),
 *            DRIFT_A_EVENT_RATE (u32), DRIFT_A_EVENT_BURST (u32),
 *            DRIFT_A_STATS (nested, enum drift_stat_attr).
 *
 * DRIFT_CMD_SET_CONFIG (do, admin)
 *   Any of: DRIFT_A_DEFAULT_MODE (u8), DRIFT_A_SET_NAME (string: default
 *   set; an empty string clears it), DRIFT_A_LOCKED (u8: 1 locks the
 *   module in memory so rmmod fails with EBUSY, 0 unlocks),
 *   DRIFT_A_EVENT_RATE (u32, events per second per binding, 1..100000),
 *   DRIFT_A_EVENT_BURST (u32, 1..100000), DRIFT_A_SEALED (u8: 1 seals the
 *   module, see Permissions; 0 is refused once sealed).
 *   A default mode other than OFF needs a default set (EINVAL otherwise),
 *   so that a typo cannot deny every exec on the host. Nothing changes
 *   unless every part of the request is accepted.
 *
 * DRIFT_CMD_SET_BEGIN (do, admin)
 *   DRIFT_A_SET_NAME (required). Starts (or restarts) a staging area for
 *   that name. At most DRIFT_MAX_STAGING staging areas exist at once.
 *   Optional DRIFT_A_SET_SIZE_HINT (u32): expected number of entries.
 *   A staging area belongs to the netlink socket that began it: only that
 *   socket can add to, commit or abort it (ENOENT for others; SET_BEGIN of
 *   a name another socket is loading is EBUSY), and it is freed when that
 *   socket is closed, so a loader that dies half-way leaks nothing.
 *
 * DRIFT_CMD_SET_ADD (do, admin)
 *   DRIFT_A_SET_NAME (required), DRIFT_A_SET_ENTRIES (required): a packed
 *   array of struct drift_file_id, at most DRIFT_SET_CHUNK_MAX entries per
 *   message. Adds them to the staging area (all or none of a message; an
 *   entry with the (dev, ino) of an earlier one replaces it: the last one
 *   sent wins). ENOENT without SET_BEGIN; E2BIG past DRIFT_SET_MAX_ENTRIES
 *   (this set) or DRIFT_NODE_MAX_ENTRIES (all sets and staging areas);
 *   EINVAL (with a message) for an entry with ino 0, unknown flags, a
 *   device number the kernel cannot represent, ctime_nsec >= 1e9, or
 *   entries on more than DRIFT_SET_MAX_DEVS devices in one set (an image
 *   layer is on one).
 *
 * DRIFT_CMD_SET_COMMIT (do, admin)
 *   DRIFT_A_SET_NAME (required). Publishes the staging area's entries
 *   (duplicates already merged): it creates the set or
 *   atomically replaces the contents of the existing set of that name.
 *   Optional DRIFT_A_SET_INCLUDES (nested: DRIFT_A_SET_NAME attributes, at
 *   most DRIFT_MAX_INCLUDES): the set then also allows every entry of each
 *   named set, as that set is at any time (replacing an included set
 *   changes what its includers allow, for each includer atomically).
 *   A commit without it leaves the set including nothing. One level only:
 *   an included set must include nothing itself, and a set that some
 *   other set includes cannot include sets (EINVAL with a message);
 *   ENOENT (with a message) for a name that is not a set; E2BIG past
 *   DRIFT_MAX_INCLUDES.
 *   Reply: DRIFT_A_SET_NAME, DRIFT_A_SET_ENTRY_COUNT (u32, entries the set
 *   allows: its own, after merging, plus those of the sets it includes).
 *
 *   Memory: the entries of every set live in one node-wide table, each
 *   stored once with the set that loaded it; a set that includes others
 *   only references theirs. So images that share layers share memory when
 *   each layer is loaded as a set of its own and each image set includes
 *   its layers' sets (what driftd does): the node's memory grows with its
 *   unique files, not with its images. Lookups stay one probe sequence of
 *   that table, whatever the number of sets included.
 *
 * DRIFT_CMD_SET_ABORT (do, admin)
 *   DRIFT_A_SET_NAME (required). Drops the staging area.
 *
 * DRIFT_CMD_SET_DEL (do, admin)
 *   DRIFT_A_SET_NAME (required). Removes the name. Bindings that still use
 *   the set keep it until they go; the memory is freed when the last
 *   reference is dropped. EBUSY if it is the default set or another set
 *   includes it.
 *
 * DRIFT_CMD_GET_SET (dump, admin; or do with DRIFT_A_SET_NAME)
 *   One message per set: DRIFT_A_SET_NAME, DRIFT_A_SET_ENTRY_COUNT (u32,
 *   entries it allows, included sets' counted), DRIFT_A_SET_OWN_COUNT (u32,
 *   entries loaded into this set itself), DRIFT_A_SET_REFS (u32, bindings,
 *   the default and sets that include it), DRIFT_A_MEMORY (u64: the set's
 *   own entries' share of the node-wide table, plus its own structures;
 *   what deleting the set and the sets only it used would free),
 *   DRIFT_A_SET_LOADED_NS (u64, CLOCK_REALTIME ns of the last commit),
 *   DRIFT_A_SET_INCLUDES (nested DRIFT_A_SET_NAME list; absent when none).
 *
 * DRIFT_CMD_BIND (do, admin)
 *   DRIFT_A_CGROUP_ID (u64, required), DRIFT_A_SET_NAME (required),
 *   DRIFT_A_MODE (u8, default DRIFT_MODE_ENFORCE), DRIFT_A_LIB_MODE (u8,
 *   the library mode; default DRIFT_MODE_OFF for a new binding, so that a
 *   client that predates it, or a set without the image's libraries,
 *   changes nothing; driftd sets it from its policy), DRIFT_A_BIND_FLAGS
 *   (u32, enum drift_bind_flags, default 0), DRIFT_A_BINDING_NAME
 *   (string, default: the cgroup id in decimal), DRIFT_A_REPLACE (flag;
 *   a library mode or flags not given keep their current values),
 *   DRIFT_A_ROOT_FD (u32: a directory file descriptor of the sender, O_PATH
 *   is fine, of the container's root filesystem as the host sees it; the
 *   binding records that directory's filesystem and its path on it, not
 *   the name the sender used, and holds no reference: the root mount can
 *   be unmounted while bound; without it the binding accepts no path
 *   exceptions; a replacement without it keeps the root).
 *   EEXIST if the cgroup is already bound, unless DRIFT_A_REPLACE is given,
 *   which replaces set, mode and name atomically and keeps counters and
 *   exceptions. (Not NLM_F_REPLACE: generic netlink rejects that flag for
 *   new families.) ENOENT if the set or the cgroup does not exist. EINVAL
 *   for the root cgroup: the default mode and set govern tasks outside
 *   containers.
 *
 * DRIFT_CMD_UNBIND (do, admin)
 *   DRIFT_A_CGROUP_ID (u64, required). ENOENT if not bound.
 *
 * DRIFT_CMD_SET_MODE (do, admin)
 *   DRIFT_A_CGROUP_ID (u64, required) and at least one of DRIFT_A_MODE
 *   (u8), DRIFT_A_LIB_MODE (u8), DRIFT_A_BIND_FLAGS (u32); what is absent
 *   stays. Takes effect for the next exec or mapping.
 *
 * DRIFT_CMD_GET_BINDING (dump, admin; or do with DRIFT_A_CGROUP_ID)
 *   One message per binding: DRIFT_A_CGROUP_ID, DRIFT_A_BINDING_NAME,
 *   DRIFT_A_SET_NAME, DRIFT_A_MODE, DRIFT_A_LIB_MODE, DRIFT_A_BIND_FLAGS,
 *   DRIFT_A_STATS (nested, without the
 *   global-only counters),
 *   DRIFT_A_EXCEPTIONS (nested list of DRIFT_A_EXCEPTION, each nested
 *   enum drift_exception_attr).
 *
 * DRIFT_CMD_EXCEPTION_ADD / DRIFT_CMD_EXCEPTION_DEL (do, admin)
 *   DRIFT_A_CGROUP_ID (u64, required), DRIFT_A_EXCEPTION (nested,
 *   required) with DRIFT_EXC_A_TYPE and either DRIFT_EXC_A_FILE (a struct
 *   drift_file_id with DRIFT_FILE_F_CTIME, EINVAL without it; dev, ino,
 *   generation when flagged, and ctime are compared, so a file rewritten,
 *   chmod'ed or renamed in place stops matching; DEL finds it by dev and
 *   ino) or DRIFT_EXC_A_PATH (a path prefix as seen from the binding's root,
 *   DRIFT_A_ROOT_FD: EINVAL on a binding without a root; a prefix ending in
 *   '/' matches everything below that directory, otherwise it matches that
 *   exact path or anything below it). The path of the executed file is
 *   computed from the recorded root on the root's own filesystem, ignoring the
 *   task's root and mounts: a chroot, a bind mount or a filesystem mounted
 *   inside the container (a volume, a tmpfs) cannot make a file match, and
 *   a file that is not beneath the root on its filesystem, or deleted,
 *   never matches a path exception. At most
 *   DRIFT_MAX_EXCEPTIONS per binding (ENOSPC). ADD of an existing exception
 *   is EEXIST, DEL of a missing one ENOENT.
 *
 * DRIFT_CMD_EVENT (multicast on "events", never a request)
 *   DRIFT_A_EVENT_TIME_NS (u64, CLOCK_REALTIME), DRIFT_A_CGROUP_ID (u64, the
 *   cgroup of the task), DRIFT_A_BINDING_NAME (string, absent for the
 *   default policy), DRIFT_A_SET_NAME, DRIFT_A_EVENT_PID (u32),
 *   DRIFT_A_EVENT_PPID (u32), DRIFT_A_EVENT_UID (u32; pids and uid as seen
 *   from the initial namespaces), DRIFT_A_EVENT_COMM (string, the task's
 *   comm before the exec), DRIFT_A_EVENT_PATH (string, the path as the
 *   container sees it; memfd files read "/memfd:NAME (deleted)"),
 *   DRIFT_A_EVENT_FILE (struct drift_file_id of the real inode),
 *   DRIFT_A_EVENT_REASON (u8), DRIFT_A_EVENT_ACTION (u8), DRIFT_A_MODE (u8:
 *   the mode that decided, the library mode for mappings),
 *   DRIFT_A_EVENT_OP (u8, enum drift_op: what was checked),
 *   DRIFT_A_EVENT_SUPPRESSED (u32: events of this binding dropped by the
 *   rate limit since the previous event).
 *   A self-test that fails after having passed sends one event with
 *   DRIFT_REASON_SELFTEST, DRIFT_ACTION_ALLOW (execs may now run
 *   unchecked), no binding, and a descriptive DRIFT_A_EVENT_PATH; it is
 *   not rate limited.
 *
 * DRIFT_CMD_SELFTEST (do, admin)
 *   Runs the self-test now: each hooked kernel function is called with a
 *   sentinel argument that only an armed hook turns into EACCES. Reply:
 *   DRIFT_A_SELFTEST (u8, 1 passed), DRIFT_A_SELFTEST_NS (u64). Counted in
 *   DRIFT_STAT_SELFTEST_RUNS / _FAILURES.
 *   Events are rate limited per binding (token bucket, DRIFT_A_EVENT_RATE
 *   per second, DRIFT_A_EVENT_BURST); what the limit or a full queue drops
 *   is counted (DRIFT_STAT_EVENTS_SUPPRESSED, DRIFT_STAT_EVENTS_DROPPED),
 *   never lost silently.
 */
#ifndef _UAPI_DRIFT_NETLINK_H
#define _UAPI_DRIFT_NETLINK_H

#include <linux/types.h>

#define DRIFT_GENL_NAME		"drift"
#define DRIFT_GENL_VERSION	1
#define DRIFT_GENL_MCGRP_EVENTS	"events"

/* Limits (the kernel enforces them; userspace may rely on them). */
#define DRIFT_NAME_MAX		128	/* set and binding names, with NUL */
#define DRIFT_PATH_MAX		4096	/* exception paths, event paths */
#define DRIFT_SET_MAX_ENTRIES	4194304	/* 2^22 */
#define DRIFT_SET_CHUNK_MAX	512	/* entries per DRIFT_CMD_SET_ADD */
#define DRIFT_MAX_STAGING	64
#define DRIFT_MAX_SETS		16384
#define DRIFT_MAX_INCLUDES	256	/* sets included by one set */
#define DRIFT_SET_MAX_DEVS	16	/* devices of one set's own entries */
#define DRIFT_NODE_MAX_ENTRIES	33554432 /* 2^25, all sets' own entries */
#define DRIFT_MAX_BINDINGS	65536
#define DRIFT_MAX_EXCEPTIONS	64
#define DRIFT_SHA256_LEN	32

enum drift_mode {
	DRIFT_MODE_OFF = 0,	/* not checked */
	DRIFT_MODE_AUDIT = 1,	/* allowed, reported */
	DRIFT_MODE_ENFORCE = 2,	/* denied with EACCES, reported */
	__DRIFT_MODE_MAX
};

#define DRIFT_MODE_MAX (__DRIFT_MODE_MAX - 1)

enum drift_reason {
	DRIFT_REASON_NONE = 0,
	DRIFT_REASON_NOT_IN_IMAGE = 1,	/* identity and content not in set */
	DRIFT_REASON_MODIFIED = 2,	/* an image file whose content changed */
	DRIFT_REASON_FILELESS = 3,	/* memfd, O_TMPFILE or deleted file */
	DRIFT_REASON_NO_SET = 4,	/* governed, but no set to check */
	/* content could not be read, or its write guard not be kept */
	DRIFT_REASON_VERIFY_FAILED = 5,
	/*
	 * Would need verification, but the real inode is open for write or
	 * writably mapped: never verified (nor cached), denied.
	 */
	DRIFT_REASON_WRITABLE = 6,
	DRIFT_REASON_SELFTEST = 7,	/* a self-test event (status only) */
	__DRIFT_REASON_MAX
};

#define DRIFT_REASON_MAX (__DRIFT_REASON_MAX - 1)

enum drift_action {
	DRIFT_ACTION_ALLOW = 0,
	DRIFT_ACTION_AUDIT = 1,		/* allowed and reported */
	DRIFT_ACTION_DENY = 2,		/* denied and reported */
	__DRIFT_ACTION_MAX
};

#define DRIFT_ACTION_MAX (__DRIFT_ACTION_MAX - 1)

/* What was checked (DRIFT_A_EVENT_OP). */
enum drift_op {
	DRIFT_OP_EXEC = 0,	/* a binfmt pass of execve/execveat */
	DRIFT_OP_MMAP = 1,	/* mmap of a file with PROT_EXEC (or READ_IMPLIES_EXEC) */
	DRIFT_OP_MPROTECT = 2,	/* mprotect adding PROT_EXEC to a file mapping */
	__DRIFT_OP_MAX
};

#define DRIFT_OP_MAX (__DRIFT_OP_MAX - 1)

/* DRIFT_A_BIND_FLAGS */
enum drift_bind_flags {
	/*
	 * Executable mappings of memfd and SysV shared memory files are
	 * checked like any other file and so denied (reason fileless) in
	 * library mode enforce. Without this flag they are allowed (some
	 * runtimes double-map a memfd for W^X JIT code), and still counted.
	 * Deleted and O_TMPFILE files of a filesystem are checked either way.
	 */
	DRIFT_BIND_F_FILELESS_MAP = 1U << 0,
	__DRIFT_BIND_F_ALL = (1U << 1) - 1
};

/* struct drift_file_id.flags */
enum drift_file_flags {
	DRIFT_FILE_F_GENERATION = 1U << 0,	/* generation is valid */
	DRIFT_FILE_F_CTIME = 1U << 1,		/* ctime_* are valid */
	DRIFT_FILE_F_SHA256 = 1U << 2,		/* sha256 is valid */
	/*
	 * The file is in the set because it is an ELF object (shared library,
	 * loader, extension module) without an execute bit: it may be mapped
	 * executable, but an exec of it is decided as if it were absent.
	 */
	DRIFT_FILE_F_MAP_ONLY = 1U << 3,
	__DRIFT_FILE_F_ALL = (1U << 4) - 1
};

/*
 * Identity of a file, as userspace sees it with statx() on the file in its
 * layer directory (not through the overlay mount):
 *   dev_major/dev_minor = stx_dev_major/stx_dev_minor,
 *   ino = stx_ino,
 *   generation = ioctl(FS_IOC_GETVERSION) where the filesystem has one,
 *   ctime = stx_ctime,
 *   sha256 = SHA-256 of the file's content.
 * The kernel looks entries up by (dev, ino). A matching entry whose
 * generation (when flagged and not 0) differs is not a match. A matching
 * entry whose ctime (when flagged) differs is verified by content (sha256,
 * when flagged and not all zero): same content allows, other content is
 * DRIFT_REASON_MODIFIED. ino 0 is refused in a set. The kernel compares
 * ctimes as nanoseconds since the epoch modulo 2^63, and a flagged ctime of
 * exactly the epoch never matches (the file is verified or denied).
 */
struct drift_file_id {
	__u64 ino;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 generation;
	__u32 flags;
	__s64 ctime_sec;
	__u32 ctime_nsec;
	__u32 reserved;		/* must be 0 */
	__u8 sha256[DRIFT_SHA256_LEN];
};

enum drift_cmd {
	DRIFT_CMD_UNSPEC,
	DRIFT_CMD_GET_STATUS,
	DRIFT_CMD_SET_CONFIG,
	DRIFT_CMD_SET_BEGIN,
	DRIFT_CMD_SET_ADD,
	DRIFT_CMD_SET_COMMIT,
	DRIFT_CMD_SET_ABORT,
	DRIFT_CMD_SET_DEL,
	DRIFT_CMD_GET_SET,
	DRIFT_CMD_BIND,
	DRIFT_CMD_UNBIND,
	DRIFT_CMD_SET_MODE,
	DRIFT_CMD_GET_BINDING,
	DRIFT_CMD_EXCEPTION_ADD,
	DRIFT_CMD_EXCEPTION_DEL,
	DRIFT_CMD_EVENT,
	DRIFT_CMD_SELFTEST,
	__DRIFT_CMD_MAX
};

#define DRIFT_CMD_MAX (__DRIFT_CMD_MAX - 1)

enum drift_attr {
	DRIFT_A_UNSPEC,
	DRIFT_A_PAD,
	DRIFT_A_VERSION,		/* string */
	DRIFT_A_DEFAULT_MODE,		/* u8, enum drift_mode */
	DRIFT_A_LOCKED,			/* u8, 0 or 1 */
	DRIFT_A_SELFTEST,		/* u8, 0 or 1 */
	DRIFT_A_SET_COUNT,		/* u32 */
	DRIFT_A_BINDING_COUNT,		/* u32 */
	DRIFT_A_MEMORY,			/* u64, bytes */
	DRIFT_A_EVENT_RATE,		/* u32, events/s per binding */
	DRIFT_A_EVENT_BURST,		/* u32 */
	DRIFT_A_STATS,			/* nested, enum drift_stat_attr */
	DRIFT_A_SET_NAME,		/* string, < DRIFT_NAME_MAX */
	DRIFT_A_SET_SIZE_HINT,		/* u32 */
	DRIFT_A_SET_ENTRIES,		/* binary, struct drift_file_id[] */
	DRIFT_A_SET_ENTRY_COUNT,	/* u32 */
	DRIFT_A_SET_REFS,		/* u32 */
	DRIFT_A_SET_LOADED_NS,		/* u64 */
	DRIFT_A_CGROUP_ID,		/* u64 */
	DRIFT_A_BINDING_NAME,		/* string, < DRIFT_NAME_MAX */
	DRIFT_A_MODE,			/* u8, enum drift_mode */
	DRIFT_A_EXCEPTIONS,		/* nested, list of DRIFT_A_EXCEPTION */
	DRIFT_A_EXCEPTION,		/* nested, enum drift_exception_attr */
	DRIFT_A_EVENT_TIME_NS,		/* u64 */
	DRIFT_A_EVENT_PID,		/* u32 */
	DRIFT_A_EVENT_PPID,		/* u32 */
	DRIFT_A_EVENT_UID,		/* u32 */
	DRIFT_A_EVENT_COMM,		/* string */
	DRIFT_A_EVENT_PATH,		/* string */
	DRIFT_A_EVENT_FILE,		/* binary, struct drift_file_id */
	DRIFT_A_EVENT_REASON,		/* u8, enum drift_reason */
	DRIFT_A_EVENT_ACTION,		/* u8, enum drift_action */
	DRIFT_A_EVENT_SUPPRESSED,	/* u32 */
	DRIFT_A_REPLACE,		/* flag */
	DRIFT_A_LIB_MODE,		/* u8, enum drift_mode */
	DRIFT_A_BIND_FLAGS,		/* u32, enum drift_bind_flags */
	DRIFT_A_EVENT_OP,		/* u8, enum drift_op */
	DRIFT_A_ROOT_FD,		/* u32, a directory fd */
	DRIFT_A_SEALED,			/* u8, 0 or 1 */
	DRIFT_A_SELFTEST_NS,		/* u64, CLOCK_REALTIME ns */
	DRIFT_A_STAGING_COUNT,		/* u32, sets being loaded */
	DRIFT_A_SET_INCLUDES,		/* nested, list of DRIFT_A_SET_NAME */
	DRIFT_A_SET_OWN_COUNT,		/* u32 */
	__DRIFT_A_MAX
};

#define DRIFT_A_MAX (__DRIFT_A_MAX - 1)

enum drift_exception_type {
	DRIFT_EXC_UNSPEC,
	DRIFT_EXC_FILE = 1,		/* a file identity */
	DRIFT_EXC_PATH_PREFIX = 2,	/* a path prefix, container view */
	__DRIFT_EXC_MAX
};

#define DRIFT_EXC_MAX (__DRIFT_EXC_MAX - 1)

enum drift_exception_attr {
	DRIFT_EXC_A_UNSPEC,
	DRIFT_EXC_A_TYPE,		/* u8, enum drift_exception_type */
	DRIFT_EXC_A_FILE,		/* binary, struct drift_file_id */
	DRIFT_EXC_A_PATH,		/* string, absolute, < DRIFT_PATH_MAX */
	__DRIFT_EXC_A_MAX
};

#define DRIFT_EXC_A_MAX (__DRIFT_EXC_A_MAX - 1)

/*
 * Counters (all u64, nested in DRIFT_A_STATS). Global counters count every
 * exec the module saw; per-binding counters only that binding's.
 */
enum drift_stat_attr {
	DRIFT_STAT_UNSPEC,
	DRIFT_STAT_PAD,
	DRIFT_STAT_EXECS_CHECKED,	/* execs of governed tasks checked */
	DRIFT_STAT_EXECS_ALLOWED,	/* in the set (or mode off) */
	DRIFT_STAT_EXECS_VERIFIED,	/* allowed by content (sha256) */
	DRIFT_STAT_EXECS_EXCEPTED,	/* allowed by an exception */
	DRIFT_STAT_EXECS_AUDITED,	/* not in the set, allowed (audit) */
	DRIFT_STAT_EXECS_DENIED,	/* not in the set, denied (enforce) */
	DRIFT_STAT_EXECS_UNGOVERNED,	/* global only: no binding, mode off */
	DRIFT_STAT_HASHES,		/* global only: files hashed */
	DRIFT_STAT_VERIFY_ERRORS,	/* verification failures (denied) */
	DRIFT_STAT_EVENTS_SENT,		/* events multicast */
	DRIFT_STAT_EVENTS_SUPPRESSED,	/* dropped by the rate limit */
	DRIFT_STAT_EVENTS_DROPPED,	/* queue full, no memory, no listener */
	DRIFT_STAT_PROBE_MISSED,	/* global only: kprobe nmissed */
	DRIFT_STAT_MAPS_CHECKED,	/* executable file mappings checked */
	DRIFT_STAT_MAPS_ALLOWED,	/* in the set (or library mode off) */
	DRIFT_STAT_MAPS_AUDITED,	/* not in the set, allowed (audit) */
	DRIFT_STAT_MAPS_DENIED,		/* not in the set, denied (enforce) */
	DRIFT_STAT_SELFTEST_RUNS,	/* global only: self-tests run */
	DRIFT_STAT_SELFTEST_FAILURES,	/* global only: self-tests failed */
	/*
	 * global only: changes refused (seal, capability, governed caller;
	 * kernel module load/unload from a governed cgroup)
	 */
	DRIFT_STAT_REFUSED,
	/*
	 * global only: execveat(AT_EXECVE_CHECK) requests answered (Linux
	 * 6.14+), governed or not; each governed one is also decided and
	 * counted like an exec (EXECS_*), and a denied one fails with EACCES
	 */
	DRIFT_STAT_EXECVE_CHECKS,
	__DRIFT_STAT_MAX
};

#define DRIFT_STAT_MAX (__DRIFT_STAT_MAX - 1)

#endif /* _UAPI_DRIFT_NETLINK_H */

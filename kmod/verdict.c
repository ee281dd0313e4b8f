// SPDX-License-Identifier: GPL-2.0
/*
 * The decision for one exec (DRIFT_OP_EXEC, the binding's mode) or one
 * executable file mapping (DRIFT_OP_MMAP / DRIFT_OP_MPROTECT, the
 * binding's library mode). drift_fast_allow() runs in the ftrace callback
 * (preemption off): it only recognises the common case, a file of the
 * image, without allocating, in O(1). Everything else goes to
 * drift_decide(), which runs in the caller's process context: exceptions,
 * content verification, reasons, counters and events.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <uapi/linux/magic.h>

#include "drift.h"

/*
 * Whether entry @e (same dev and ino) is the file @id; 0 in e->gen or in
 * e->ctime's encoding means "not compared" (drift.h). A different
 * generation is another file that reuses the inode number. A different
 * ctime is the same file changed in place (a non-overlay root): not a match,
 * @ctime_changed tells the caller to verify the content.
 */
static bool entry_matches(const struct drift_entry *e,
			  const struct drift_id *id, bool *ctime_changed)
{
	u64 ctime = e->ctime & DRIFT_CTIME_MASK;

	if (e->gen && e->gen != id->gen)
		return false;
	if (ctime && ctime != drift_ctime_encode(id->ctime.tv_sec,
						 id->ctime.tv_nsec)) {
		*ctime_changed = true;
		return false;
	}
	return true;
}

/*
 * Counters by operation: mappings (mmap, mprotect) count in MAPS_*, where
 * an exception or a content match is an allow.
 */
static enum drift_stat_attr op_stat(int op, enum drift_stat_attr i)
{
	if (op == DRIFT_OP_EXEC)
		return i;
	switch (i) {
	case DRIFT_STAT_EXECS_CHECKED:
		return DRIFT_STAT_MAPS_CHECKED;
	case DRIFT_STAT_EXECS_AUDITED:
		return DRIFT_STAT_MAPS_AUDITED;
	case DRIFT_STAT_EXECS_DENIED:
		return DRIFT_STAT_MAPS_DENIED;
	case DRIFT_STAT_EXECS_ALLOWED:
	case DRIFT_STAT_EXECS_VERIFIED:
	case DRIFT_STAT_EXECS_EXCEPTED:
		return DRIFT_STAT_MAPS_ALLOWED;
	default:
		return i;
	}
}

static void count_op(struct drift_stats __percpu *b, int op,
		     enum drift_stat_attr i)
{
	drift_count2(b, op_stat(op, i));
}

/*
 * Whether @e allows @op: an entry flagged DRIFT_FILE_F_MAP_ONLY (an ELF
 * object without an execute bit) may be mapped, but an exec of it is
 * decided as if it were absent.
 */
static bool entry_usable(const struct drift_entry *e, int op)
{
	return e && !(op == DRIFT_OP_EXEC && (e->ctime & DRIFT_ENTRY_MAP_ONLY));
}

/*
 * Mappings that library mode never denies: files that are not regular
 * (device memory, /dev/zero, which is anonymous memory), and, unless the
 * binding asks for them, fileless files of the kernel's internal mounts
 * (memfd, SysV shared memory: some runtimes double-map a memfd for W^X JIT
 * code). A deleted or O_TMPFILE file of a mounted filesystem is not exempt:
 * "open a dropped .so, unlink it, LD_PRELOAD=/proc/self/fd/N" would
 * otherwise run it. Returns true when the mapping is allowed for one of
 * these reasons. (The ELF loader's mappings during an exec never get here:
 * hook.c, exec_time_map().)
 */
static bool map_exempt(const struct inode *real, u32 bflags)
{
	if (!S_ISREG(real->i_mode))
		return true;
	return real->i_nlink == 0 && (real->i_sb->s_flags & SB_KERNMOUNT) &&
	       !(bflags & DRIFT_BIND_F_FILELESS_MAP);
}

/*
 * What governs the current task for @op, under RCU, in one place for both
 * paths. A binding's mode for @op (the library mode for a mapping) and
 * set; without a binding, the default for an exec, and nothing
 * (DRIFT_MODE_OFF) for a mapping: mappings are governed by bindings only.
 */
static int binding_mode(const struct drift_binding *b, int op,
			struct drift_set **set)
{
	*set = rcu_dereference(b->set);
	return op == DRIFT_OP_EXEC ? READ_ONCE(b->mode) : READ_ONCE(b->lib_mode);
}

static int default_mode(int op, struct drift_set **set)
{
	*set = NULL;
	if (op != DRIFT_OP_EXEC)
		return DRIFT_MODE_OFF;
	*set = rcu_dereference(drift_default_set);
	return READ_ONCE(drift_default_mode);
}

/* A mode-off allow, counted the same on both paths. */
static void count_off(struct drift_binding *b, int op)
{
	if (b)
		count_op(b->stats, op, DRIFT_STAT_EXECS_ALLOWED);
	else if (op == DRIFT_OP_EXEC)
		drift_count(drift_global_stats, DRIFT_STAT_EXECS_UNGOVERNED);
}

bool drift_fast_allow(struct file *file, int op)
{
	struct drift_stats __percpu *bstats;
	const struct drift_entry *e;
	struct drift_binding *b;
	struct drift_set *set;
	struct drift_hit hit;
	bool ctime_changed = false, allow = true;
	struct inode *real;
	struct drift_id id;
	u64 cgid;
	int mode;

	rcu_read_lock();
	b = drift_binding_find_task(&cgid);
	mode = b ? binding_mode(b, op, &set) : default_mode(op, &set);
	if (mode == DRIFT_MODE_OFF) {
		count_off(b, op);
		goto out;
	}
	/* not off: a mapping here has a binding */
	real = drift_real_inode(file->f_path.dentry);
	if (op != DRIFT_OP_EXEC && map_exempt(real, READ_ONCE(b->flags)))
		goto allowed;
	allow = false;
	if (!set)
		goto out;
	drift_file_id_of(real, &id);
	e = drift_set_lookup(set, id.dev, id.ino, &hit);
	if (!entry_usable(e, op) || !entry_matches(e, &id, &ctime_changed))
		goto out;
	allow = true;
allowed:
	bstats = b ? b->stats : NULL;
	count_op(bstats, op, DRIFT_STAT_EXECS_CHECKED);
	count_op(bstats, op, DRIFT_STAT_EXECS_ALLOWED);
out:
	rcu_read_unlock();
	return allow;
}

bool drift_lib_governed(void)
{
	struct drift_binding *b;
	bool ret;
	u64 cgid;

	rcu_read_lock();
	b = drift_binding_find_task(&cgid);
	ret = b && READ_ONCE(b->lib_mode) != DRIFT_MODE_OFF;
	rcu_read_unlock();
	return ret;
}

/*
 * What governs writes into process memory (/proc/PID/mem) by the current
 * task: the stricter of its binding's exec and library modes; off without
 * a binding. Any context (the ftrace callback).
 */
int drift_mem_write_mode(void)
{
	struct drift_binding *b;
	int mode = DRIFT_MODE_OFF;
	u64 cgid;

	rcu_read_lock();
	b = drift_binding_find_task(&cgid);
	if (b)
		mode = max(READ_ONCE(b->mode), READ_ONCE(b->lib_mode));
	rcu_read_unlock();
	return mode;
}

/* Everything the slow path learns under RCU. */
struct drift_look {
	struct drift_binding *b;	/* referenced, or NULL */
	struct drift_set *set;		/* referenced, or NULL */
	u64 cgid;
	int mode;			/* exec or library mode, by op */
	u32 bflags;
	bool in_set, ctime_changed, copied_up, excepted, exempt;
	bool has_digest;		/* @digest: the image file's content */
	u8 digest[DRIFT_SHA256_LEN];
	char binding[DRIFT_NAME_MAX];
	char set_name[DRIFT_NAME_MAX];
};

static void look_up(struct file *file, int op, struct inode *real,
		    const struct drift_id *id, const char *path,
		    struct drift_look *l)
{
	struct inode *ovl = file_inode(file);
	const struct drift_entry *e;
	struct drift_binding *b;
	struct drift_set *set = NULL;
	struct drift_hit hit;

	rcu_read_lock();
	b = drift_binding_find_task(&l->cgid);
	if (b && drift_binding_tryget(b)) {
		l->b = b;
		l->mode = binding_mode(b, op, &set);
		l->bflags = READ_ONCE(b->flags);
		strscpy(l->binding, rcu_dereference(b->name)->s,
			sizeof(l->binding));
	} else {
		/* none, or one going away */
		l->mode = default_mode(op, &set);
	}
	if (set && refcount_inc_not_zero(&set->ref)) {
		l->set = set;
		strscpy(l->set_name, set->name, sizeof(l->set_name));
	}
	if (l->mode == DRIFT_MODE_OFF)
		goto out;
	if (op != DRIFT_OP_EXEC && map_exempt(real, l->bflags)) {
		l->exempt = true;
		goto out;
	}
	if (!l->set)
		goto out;

	e = drift_set_lookup(l->set, id->dev, id->ino, &hit);
	if (!entry_usable(e, op))
		e = NULL;
	else
		l->in_set = entry_matches(e, id, &l->ctime_changed);
	if (!e && ovl->i_sb->s_magic == OVERLAYFS_SUPER_MAGIC &&
	    ovl->i_ino != real->i_ino) {
		/*
		 * A copied-up file of a samefs overlay keeps the inode number
		 * of its lower origin: an image file that was changed, in its
		 * content or only in its metadata (chmod copies it all up).
		 */
		e = drift_set_lookup(l->set, id->dev, ovl->i_ino, &hit);
		if (!entry_usable(e, op))
			e = NULL;
		l->copied_up = e;
	}
	if (e && !l->in_set && (l->ctime_changed || l->copied_up)) {
		const u8 *digest = drift_hit_digest(&hit);

		if (digest) {
			l->has_digest = true;
			memcpy(l->digest, digest, DRIFT_SHA256_LEN);
		}
	}
	if (!l->in_set && l->b)
		l->excepted = drift_exception_match(rcu_dereference(l->b->exc),
						    id);
out:
	rcu_read_unlock();
}

/* The event of a denial or an audit: what was decided; event.c the rest. */
static void decision_event(int op, const struct drift_look *l,
			   const struct drift_id *id, const char *path,
			   int reason, int action)
{
	struct drift_event ev = {
		.cgid = l->cgid,
		.reason = reason,
		.action = action,
		.mode = l->mode,
		.op = op,
		.has_binding = l->b,
		.file = {
			.ino = id->ino,
			.dev_major = MAJOR(id->dev),
			.dev_minor = MINOR(id->dev),
			.generation = id->gen,
			.ctime_sec = id->ctime.tv_sec,
			.ctime_nsec = id->ctime.tv_nsec,
			.flags = DRIFT_FILE_F_GENERATION | DRIFT_FILE_F_CTIME,
		},
	};

	strscpy(ev.binding, l->binding, sizeof(ev.binding));
	strscpy(ev.set, l->set_name, sizeof(ev.set));
	drift_event_decision(l->b, &ev, path);
}

/*
 * Returns 0 (allow) or -EACCES. Process context; may sleep, but for
 * DRIFT_OP_MPROTECT (mmap_lock held for write) it never hashes: a file that
 * needs content verification is decided from the digest cache, else denied
 * (verify_failed).
 */
int drift_decide(struct file *file, int op, const char *hint)
{
	struct inode *real = drift_real_inode(file->f_path.dentry);
	struct drift_stats __percpu *bstats;
	struct drift_look l = { };
	bool fileless, verified = false, writable = false;
	const char *path = NULL;
	int verify_err = 0;
	struct drift_id id;
	char *pathbuf;
	int reason, action, ret = 0;

	pathbuf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (pathbuf) {
		char *p = d_path(&file->f_path, pathbuf, PATH_MAX);

		if (!IS_ERR(p))
			path = p;
	}
	drift_file_id_of(real, &id);
	fileless = real->i_nlink == 0;
	look_up(file, op, real, &id, path, &l);
	bstats = l.b ? l.b->stats : NULL;
	if (l.b && l.mode != DRIFT_MODE_OFF && !l.in_set && !l.excepted)
		l.excepted = drift_exception_match_path(l.b,
							&file->f_path);

	if (l.mode == DRIFT_MODE_OFF) {
		count_off(l.b, op);
		goto out;
	}
	count_op(bstats, op, DRIFT_STAT_EXECS_CHECKED);
	if (l.in_set || l.exempt) {
		count_op(bstats, op, DRIFT_STAT_EXECS_ALLOWED);
		goto out;
	}
	if (l.excepted) {
		count_op(bstats, op, DRIFT_STAT_EXECS_EXCEPTED);
		goto out;
	}
	if (l.has_digest && !fileless && S_ISREG(real->i_mode)) {
		u8 digest[DRIFT_SHA256_LEN];
		int err;

		if (op == DRIFT_OP_MPROTECT)
			err = drift_file_digest_cached(real, digest);
		else
			err = drift_file_digest(file, real, digest);
		if (!err) {
			verified = !memcmp(digest, l.digest, DRIFT_SHA256_LEN);
			/*
			 * A mapping allowed in enforce for its content keeps
			 * the file write-denied while it is mapped (verify.c,
			 * "Write guards"); exec does that itself.
			 */
			if (verified && op != DRIFT_OP_EXEC &&
			    l.mode == DRIFT_MODE_ENFORCE)
				err = drift_write_guard(file, real);
			else
				drift_file_writers_allow(real);
			if (err) {
				verified = false;
				verify_err = err;
			}
		} else if (err == -ETXTBSY) {
			writable = true;
		} else if (err != -EFBIG) {
			verify_err = err;
		}
	}
	if (verified) {
		count_op(bstats, op, DRIFT_STAT_EXECS_VERIFIED);
		goto out;
	}

	if (!l.set)
		reason = DRIFT_REASON_NO_SET;
	else if (fileless)
		reason = DRIFT_REASON_FILELESS;
	else if (writable)
		reason = DRIFT_REASON_WRITABLE;
	else if (verify_err)
		reason = DRIFT_REASON_VERIFY_FAILED;
	else if (l.ctime_changed || l.copied_up)
		reason = DRIFT_REASON_MODIFIED;
	else
		reason = DRIFT_REASON_NOT_IN_IMAGE;
	if (verify_err)
		drift_count2(bstats, DRIFT_STAT_VERIFY_ERRORS);
	if (l.mode == DRIFT_MODE_ENFORCE) {
		action = DRIFT_ACTION_DENY;
		count_op(bstats, op, DRIFT_STAT_EXECS_DENIED);
	} else {
		action = DRIFT_ACTION_AUDIT;
		count_op(bstats, op, DRIFT_STAT_EXECS_AUDITED);
	}
	decision_event(op, &l, &id, path ? path : (hint ? hint : "?"), reason,
		       action);
	if (action == DRIFT_ACTION_DENY)
		ret = -EACCES;
out:
	kfree(pathbuf);
	if (l.b)
		drift_binding_put(l.b);
	if (l.set)
		drift_set_put(l.set);
	return ret;
}

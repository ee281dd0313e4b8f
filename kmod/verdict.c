// SPDX-License-Identifier: GPL-2.0
/*
 * The decision for one exec. drift_fast_allow() runs in the kprobe
 * (preemption off): it only recognises the common case, a file of the
 * image, without allocating, in O(1). Everything else goes to
 * drift_decide(), which runs in the exec caller's process context and may
 * sleep: exceptions, content verification, reasons, counters and events.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <uapi/linux/magic.h>

#include "drift.h"

struct drift_id {
	u32 dev;
	u64 ino;
	u32 gen;
	struct timespec64 ctime;
};

static void file_identity(const struct inode *real, struct drift_id *id)
{
	id->dev = real->i_sb->s_dev;
	id->ino = real->i_ino;
	id->gen = real->i_generation;
	id->ctime = drift_inode_ctime(real);
}

/*
 * Whether entry @e (same dev and ino) is the file @id. A different
 * generation is another file that reuses the inode number. A different
 * ctime is the same file changed in place (a non-overlay root): not a match,
 * @ctime_changed tells the caller to verify the content.
 */
static bool entry_matches(const struct drift_entry *e,
			  const struct drift_id *id, bool *ctime_changed)
{
	if ((e->flags & DRIFT_FILE_F_GENERATION) && e->gen != id->gen)
		return false;
	if ((e->flags & DRIFT_FILE_F_CTIME) &&
	    (e->ctime_sec != id->ctime.tv_sec ||
	     e->ctime_nsec != id->ctime.tv_nsec)) {
		*ctime_changed = true;
		return false;
	}
	return true;
}

static void count2(struct drift_stats __percpu *b, enum drift_stat_attr i)
{
	drift_count(drift_global_stats, i);
	drift_count(b, i);
}

bool drift_fast_allow(struct linux_binprm *bprm)
{
	struct drift_stats __percpu *bstats = NULL;
	const struct drift_entry *e;
	struct drift_binding *b;
	struct drift_set *set;
	bool ctime_changed = false, allow = false;
	struct drift_id id;
	u64 cgid;
	int mode;

	rcu_read_lock();
	b = drift_binding_find_task(&cgid);
	if (b) {
		mode = READ_ONCE(b->mode);
		set = rcu_dereference(b->set);
		bstats = b->stats;
	} else {
		mode = READ_ONCE(drift_default_mode);
		set = rcu_dereference(drift_default_set);
		if (mode == DRIFT_MODE_OFF) {
			drift_count(drift_global_stats,
				    DRIFT_STAT_EXECS_UNGOVERNED);
			allow = true;
			goto out;
		}
	}
	if (mode == DRIFT_MODE_OFF) {
		count2(bstats, DRIFT_STAT_EXECS_ALLOWED);
		allow = true;
		goto out;
	}
	if (!set)
		goto out;
	file_identity(drift_real_inode(bprm->file->f_path.dentry), &id);
	e = drift_table_lookup(rcu_dereference(set->table), id.dev, id.ino);
	if (e && entry_matches(e, &id, &ctime_changed)) {
		count2(bstats, DRIFT_STAT_EXECS_CHECKED);
		count2(bstats, DRIFT_STAT_EXECS_ALLOWED);
		allow = true;
	}
out:
	rcu_read_unlock();
	return allow;
}

/* Everything the slow path learns under RCU. */
struct drift_look {
	struct drift_binding *b;	/* referenced, or NULL */
	struct drift_set *set;		/* referenced, or NULL */
	u64 cgid;
	int mode;
	bool in_set, ctime_changed, copied_up, excepted;
	bool has_digest;		/* @digest: the image file's content */
	u8 digest[DRIFT_SHA256_LEN];
	char binding[DRIFT_NAME_MAX];
	char set_name[DRIFT_NAME_MAX];
};

static void look_up(struct linux_binprm *bprm, struct inode *real,
		    const struct drift_id *id, const char *path,
		    struct drift_look *l)
{
	struct inode *ovl = file_inode(bprm->file);
	const struct drift_set_table *t = NULL;
	const struct drift_entry *e;
	struct drift_binding *b;
	struct drift_set *set;

	rcu_read_lock();
	b = drift_binding_find_task(&l->cgid);
	if (b && drift_binding_tryget(b)) {
		l->b = b;
		l->mode = READ_ONCE(b->mode);
		set = rcu_dereference(b->set);
		strscpy(l->binding, rcu_dereference(b->name)->s,
			sizeof(l->binding));
	} else {
		l->mode = READ_ONCE(drift_default_mode);
		set = rcu_dereference(drift_default_set);
	}
	if (set && refcount_inc_not_zero(&set->ref)) {
		l->set = set;
		strscpy(l->set_name, set->name, sizeof(l->set_name));
		t = rcu_dereference(set->table);
	}
	if (l->mode == DRIFT_MODE_OFF || !t)
		goto out;

	e = drift_table_lookup(t, id->dev, id->ino);
	if (e) {
		l->in_set = entry_matches(e, id, &l->ctime_changed);
	} else if (ovl->i_sb->s_magic == OVERLAYFS_SUPER_MAGIC &&
		   ovl->i_ino != real->i_ino) {
		/*
		 * A copied-up file of a samefs overlay keeps the inode number
		 * of its lower origin: an image file that was changed, in its
		 * content or only in its metadata (chmod copies it all up).
		 */
		e = drift_table_lookup(t, id->dev, ovl->i_ino);
		l->copied_up = e;
	}
	if (e && !l->in_set && (l->ctime_changed || l->copied_up) &&
	    (e->flags & DRIFT_FILE_F_SHA256)) {
		l->has_digest = true;
		memcpy(l->digest, e->sha256, DRIFT_SHA256_LEN);
	}
	if (!l->in_set && l->b)
		l->excepted = drift_exception_match(rcu_dereference(l->b->exc),
						    id->dev, id->ino, id->gen,
						    &id->ctime);
out:
	rcu_read_unlock();
}

static void emit_event(struct linux_binprm *bprm, const struct drift_look *l,
		       const struct drift_id *id, const char *path,
		       int reason, int action)
{
	struct drift_stats __percpu *bstats = l->b ? l->b->stats : NULL;
	struct drift_ratelimit *rl = l->b ? &l->b->rl : &drift_default_rl;
	struct drift_event *ev;
	int suppressed;

	if (!genl_has_listeners(&drift_family, &init_net, 0)) {
		/* nobody to tell: counted, not built */
		count2(bstats, DRIFT_STAT_EVENTS_DROPPED);
		return;
	}
	suppressed = drift_ratelimit_take(rl);
	if (suppressed < 0) {
		count2(bstats, DRIFT_STAT_EVENTS_SUPPRESSED);
		return;
	}
	if (!path)
		path = bprm->filename;
	ev = kzalloc(sizeof(*ev) + strlen(path) + 1, GFP_KERNEL);
	if (!ev) {
		count2(bstats, DRIFT_STAT_EVENTS_DROPPED);
		return;
	}
	ev->time_ns = drift_now_ns();
	ev->cgid = l->cgid;
	ev->pid = task_tgid_nr(current);
	rcu_read_lock();
	ev->ppid = task_tgid_nr(rcu_dereference(current->real_parent));
	rcu_read_unlock();
	ev->uid = from_kuid_munged(&init_user_ns, current_uid());
	ev->suppressed = suppressed;
	ev->reason = reason;
	ev->action = action;
	ev->mode = l->mode;
	ev->has_binding = l->b;
	get_task_comm(ev->comm, current);
	strscpy(ev->binding, l->binding, sizeof(ev->binding));
	strscpy(ev->set, l->set_name, sizeof(ev->set));
	ev->file.ino = id->ino;
	ev->file.dev_major = MAJOR(id->dev);
	ev->file.dev_minor = MINOR(id->dev);
	ev->file.generation = id->gen;
	ev->file.ctime_sec = id->ctime.tv_sec;
	ev->file.ctime_nsec = id->ctime.tv_nsec;
	ev->file.flags = DRIFT_FILE_F_GENERATION | DRIFT_FILE_F_CTIME;
	strcpy(ev->path, path);
	drift_event_queue(ev, bstats);
}

/* Returns 0 (allow) or -EACCES. Process context, may sleep. */
int drift_decide(struct linux_binprm *bprm)
{
	struct inode *real = drift_real_inode(bprm->file->f_path.dentry);
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
		char *p = d_path(&bprm->file->f_path, pathbuf, PATH_MAX);

		if (!IS_ERR(p))
			path = p;
	}
	file_identity(real, &id);
	fileless = real->i_nlink == 0;
	look_up(bprm, real, &id, path, &l);
	bstats = l.b ? l.b->stats : NULL;
	if (l.b && l.mode != DRIFT_MODE_OFF && !l.in_set && !l.excepted)
		l.excepted = drift_exception_match_path(l.b,
							&bprm->file->f_path);

	if (l.mode == DRIFT_MODE_OFF) {
		if (l.b)
			count2(bstats, DRIFT_STAT_EXECS_ALLOWED);
		else
			drift_count(drift_global_stats,
				    DRIFT_STAT_EXECS_UNGOVERNED);
		goto out;
	}
	count2(bstats, DRIFT_STAT_EXECS_CHECKED);
	if (l.in_set) {
		count2(bstats, DRIFT_STAT_EXECS_ALLOWED);
		goto out;
	}
	if (l.excepted) {
		count2(bstats, DRIFT_STAT_EXECS_EXCEPTED);
		goto out;
	}
	if (l.has_digest && !fileless && S_ISREG(real->i_mode)) {
		u8 digest[DRIFT_SHA256_LEN];
		int err = drift_file_digest(bprm->file, real, digest);

		if (!err)
			verified = !memcmp(digest, l.digest, DRIFT_SHA256_LEN);
		else if (err == -ETXTBSY)
			writable = true;
		else if (err != -EFBIG)
			verify_err = err;
	}
	if (verified) {
		count2(bstats, DRIFT_STAT_EXECS_VERIFIED);
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
		count2(bstats, DRIFT_STAT_VERIFY_ERRORS);
	if (l.mode == DRIFT_MODE_ENFORCE) {
		action = DRIFT_ACTION_DENY;
		count2(bstats, DRIFT_STAT_EXECS_DENIED);
	} else {
		action = DRIFT_ACTION_AUDIT;
		count2(bstats, DRIFT_STAT_EXECS_AUDITED);
	}
	emit_event(bprm, &l, &id, path, reason, action);
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

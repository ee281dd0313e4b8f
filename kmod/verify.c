// SPDX-License-Identifier: GPL-2.0
/*
 * Content verification. On overlayfs without metacopy (Debian's kernel,
 * containerd, CRI-O) a chmod/chown/touch of an image file copies the whole
 * file up: its identity changes although its content does not. The slow
 * path hashes such files (SHA-256 of bprm->file, which exec keeps
 * write-denied while we read it) and allows them when the digest is the one
 * recorded for the image file they came from.
 *
 * A small digest cache avoids hashing the same file again. It is keyed by
 * identity, ctime, mtime and size; ctime cannot be set from userspace and
 * moves on every write or metadata change, so a changed file misses. Time
 * stamps are coarse (one tick, or the filesystem's s_time_gran when that is
 * coarser), so a digest is not cached while the file's ctime is within
 * twice that (at least DRIFT_CACHE_SETTLE_NS) of now: a write in the same
 * tick as the hash would otherwise keep the old ctime and reuse a stale
 * digest.
 *
 * Write-while-verified: a file that is open for write or writably mapped
 * (a MAP_SHARED mapping made before the exec, through the real upper file)
 * can change after, or while, it is hashed. Such a file is never verified:
 * drift_file_digest() returns -ETXTBSY. From before its identity is read
 * until after the digest is cached, writers of the real inode are denied
 * (ETXTBSY to an open for write, as exec does for the file it runs), so the
 * bytes hashed are the file's bytes at that identity. Checking for writers
 * only before and after would miss one that opens, writes into a part
 * already hashed and closes in between (a library being mapped is not
 * write-denied by anyone else): the mapping would be allowed with the new
 * bytes, and in the same tick as the file's ctime the stale digest cached.
 *
 * Write guards: a verified file stays write-denied while it is mapped.
 * Exec keeps the program it runs write-denied for the life of the process;
 * nothing does that for a library or an ELF interpreter (MAP_DENYWRITE is
 * gone), and a write into the real file changes the pages of every live
 * mapping of it. So a copied-up image library that an enforced process
 * mapped after its content was verified could be overwritten with code
 * (a shell and dd suffice) that the process then runs. When drift_decide()
 * allows a mapping in enforce because the content matched, the writers'
 * denial taken for the hash is handed to a guard instead of being lifted:
 * an open for write of the real file fails with ETXTBSY. The guard holds
 * a reference to the file (so the inode and its mount stay) and is
 * released once nothing maps the file any more, at least
 * DRIFT_GUARD_GRACE after the last allow that relied on it (the decision
 * comes before the mapping exists). Exec (bprm) needs none.
 */
#include <crypto/sha2.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "drift.h"

#define DRIFT_VERIFY_MAX_SIZE	(256LL << 20)
#define DRIFT_VERIFY_CHUNK	(64 << 10)
#define DRIFT_CACHE_BITS	10
#define DRIFT_CACHE_SETTLE_NS	(20 * NSEC_PER_MSEC)
#define DRIFT_GUARD_BITS	10
#define DRIFT_GUARD_MAX		65536
#define DRIFT_GUARD_GRACE	(5 * HZ)

struct digest_cache_entry {
	bool valid;
	struct drift_id id;
	struct timespec64 mtime;
	loff_t size;
	u8 digest[DRIFT_SHA256_LEN];
};

static struct digest_cache_entry digest_cache[1 << DRIFT_CACHE_BITS];
static DEFINE_SPINLOCK(digest_cache_lock);

static void cache_key(struct digest_cache_entry *k, struct inode *inode)
{
	drift_file_id_of(inode, &k->id);
	k->mtime = drift_inode_mtime(inode);
	k->size = i_size_read(inode);
}

static bool cache_same(const struct digest_cache_entry *a,
		       const struct digest_cache_entry *b)
{
	return a->valid && a->id.dev == b->id.dev && a->id.ino == b->id.ino &&
	       a->id.gen == b->id.gen && a->size == b->size &&
	       timespec64_equal(&a->id.ctime, &b->id.ctime) &&
	       timespec64_equal(&a->mtime, &b->mtime);
}

static u32 cache_slot(const struct digest_cache_entry *k)
{
	return hash_64(k->id.ino ^ ((u64)k->id.dev << 32), DRIFT_CACHE_BITS);
}

static int hash_file(struct file *file, loff_t size, u8 *digest)
{
	struct drift_sha256_ctx sctx;
	loff_t pos = 0;
	void *buf;
	int err = 0;

	buf = kmalloc(DRIFT_VERIFY_CHUNK, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	sha256_init(&sctx);
	while (pos < size) {
		ssize_t n = kernel_read(file, buf, DRIFT_VERIFY_CHUNK, &pos);

		if (n < 0) {
			err = n;
			break;
		}
		if (n == 0)
			break;
		sha256_update(&sctx, buf, n);
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	if (!err)
		sha256_final(&sctx, digest);
	kfree(buf);
	return err;
}

/*
 * Deny writers of @real, as deny_write_access() does for an exec'd file
 * (i_writecount < 0 makes get_write_access() fail with ETXTBSY). False if
 * it is open for write or writably mapped: its content may change under us.
 */
static bool deny_writers(struct inode *real)
{
	if (mapping_writably_mapped(real->i_mapping))
		return false;
	return atomic_dec_unless_positive(&real->i_writecount);
}

static void allow_writers(struct inode *real)
{
	atomic_inc(&real->i_writecount);
}

/*
 * The digest cache alone, for callers that must not read the file (the
 * mprotect hook runs under mmap_lock). 0 and @digest on a hit, with the
 * writers of @real denied (end with drift_file_writers_allow() or hand to
 * drift_write_guard()); -ETXTBSY if it has writers, else -ENODATA. Never
 * sleeps.
 */
int drift_file_digest_cached(struct inode *real, u8 *digest)
{
	struct digest_cache_entry key = { .valid = true };
	struct digest_cache_entry *slot;
	int err = -ENODATA;

	if (!deny_writers(real))
		return -ETXTBSY;
	cache_key(&key, real);
	slot = &digest_cache[cache_slot(&key)];
	spin_lock(&digest_cache_lock);
	if (cache_same(slot, &key)) {
		memcpy(digest, slot->digest, DRIFT_SHA256_LEN);
		err = 0;
	}
	spin_unlock(&digest_cache_lock);
	if (err)
		allow_writers(real);
	return err;
}

/*
 * SHA-256 of the file being executed or mapped. @real is its real (data)
 * inode, whose writers are denied while it is read. Returns 0, with the
 * writers still denied (end with drift_file_writers_allow() or hand to
 * drift_write_guard()), -ETXTBSY (has writers: never verified), -EFBIG
 * (too large to verify) or an I/O error. Sleeps.
 */
int drift_file_digest(struct file *file, struct inode *real, u8 *digest)
{
	struct digest_cache_entry key = { .valid = true };
	struct digest_cache_entry *slot;
	struct timespec64 now;
	bool hit = false;
	u64 settle;
	int err = 0;

	might_sleep();
	if (!deny_writers(real))
		return -ETXTBSY;
	cache_key(&key, real);
	if (key.size > DRIFT_VERIFY_MAX_SIZE) {
		err = -EFBIG;
		goto out;
	}
	slot = &digest_cache[cache_slot(&key)];
	spin_lock(&digest_cache_lock);
	if (cache_same(slot, &key)) {
		memcpy(digest, slot->digest, DRIFT_SHA256_LEN);
		hit = true;
	}
	spin_unlock(&digest_cache_lock);
	if (hit)
		goto out;

	drift_count(drift_global_stats, DRIFT_STAT_HASHES);
	err = hash_file(file, key.size, digest);
	if (err)
		goto out;

	/*
	 * Read while writers are still denied: a write after allow_writers()
	 * gets a ctime of at least @now, which differs from a settled one.
	 */
	settle = max_t(u64, DRIFT_CACHE_SETTLE_NS,
		       2ULL * real->i_sb->s_time_gran);
	ktime_get_coarse_real_ts64(&now);
	if (timespec64_to_ns(&now) - timespec64_to_ns(&key.id.ctime) < settle)
		goto out;
	memcpy(key.digest, digest, DRIFT_SHA256_LEN);
	spin_lock(&digest_cache_lock);
	*slot = key;
	spin_unlock(&digest_cache_lock);
out:
	if (err)
		allow_writers(real);
	return err;
}

void drift_file_writers_allow(struct inode *real)
{
	allow_writers(real);
}

/* ---- write guards ---- */

struct write_guard {
	struct hlist_node node;
	struct inode *real;	/* its writers denied once, for this guard */
	struct file *file;	/* keeps @real and its mount */
	unsigned long stamp;	/* jiffies of the last allow relying on it */
};

static DEFINE_HASHTABLE(write_guards, DRIFT_GUARD_BITS);
static DEFINE_SPINLOCK(write_guard_lock);
static unsigned int write_guard_count;
static void write_guard_scan(struct work_struct *work);
static DECLARE_DELAYED_WORK(write_guard_work, write_guard_scan);

/*
 * Keep @real (the real inode of @file) write-denied while it is mapped.
 * Takes over the writers' denial of a successful drift_file_digest*().
 * 0, or -ENOMEM / -ENOSPC (DRIFT_GUARD_MAX files guarded): the denial is
 * lifted and the caller must not allow the mapping. Process context.
 */
int drift_write_guard(struct file *file, struct inode *real)
{
	struct write_guard *g, *new;

	new = kmalloc(sizeof(*new), GFP_KERNEL);
	spin_lock(&write_guard_lock);
	hash_for_each_possible(write_guards, g, node, (unsigned long)real) {
		if (g->real == real) {
			g->stamp = jiffies;
			spin_unlock(&write_guard_lock);
			kfree(new);
			allow_writers(real);	/* @g holds one already */
			return 0;
		}
	}
	if (!new || write_guard_count >= DRIFT_GUARD_MAX) {
		spin_unlock(&write_guard_lock);
		allow_writers(real);
		if (!new)
			return -ENOMEM;
		kfree(new);
		return -ENOSPC;
	}
	new->real = real;
	new->file = get_file(file);
	new->stamp = jiffies;
	hash_add(write_guards, &new->node, (unsigned long)real);
	write_guard_count++;
	spin_unlock(&write_guard_lock);
	queue_delayed_work(system_wq, &write_guard_work, HZ);
	return 0;
}

/*
 * Move the guards to lift to @done: every one (@all), else those of files
 * nothing maps any more, past their grace. Returns how many remain.
 */
static unsigned int write_guards_take(struct hlist_head *done, bool all)
{
	struct write_guard *g;
	struct hlist_node *tmp;
	unsigned int left;
	int bkt;

	spin_lock(&write_guard_lock);
	hash_for_each_safe(write_guards, bkt, tmp, g, node) {
		if (!all &&
		    (time_before(jiffies, g->stamp + DRIFT_GUARD_GRACE) ||
		     mapping_mapped(g->real->i_mapping)))
			continue;
		hash_del(&g->node);
		hlist_add_head(&g->node, done);
		write_guard_count--;
	}
	left = write_guard_count;
	spin_unlock(&write_guard_lock);
	return left;
}

static void write_guards_lift(struct hlist_head *done)
{
	struct write_guard *g;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(g, tmp, done, node) {
		allow_writers(g->real);
		fput(g->file);
		kfree(g);
	}
}

/* Once a second while guards exist: lift those of unmapped files. */
static void write_guard_scan(struct work_struct *work)
{
	HLIST_HEAD(done);
	unsigned int left = write_guards_take(&done, false);

	write_guards_lift(&done);
	if (left)
		queue_delayed_work(system_wq, &write_guard_work, HZ);
}

/* Unload, once no task can be in drift_decide(): lift every guard. */
void drift_verify_exit(void)
{
	HLIST_HEAD(done);

	cancel_delayed_work_sync(&write_guard_work);
	write_guards_take(&done, true);
	write_guards_lift(&done);
}

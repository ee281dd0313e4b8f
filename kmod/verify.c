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
 */
#include <crypto/sha2.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "drift.h"

#define DRIFT_VERIFY_MAX_SIZE	(256LL << 20)
#define DRIFT_VERIFY_CHUNK	(64 << 10)
#define DRIFT_CACHE_BITS	10
#define DRIFT_CACHE_SETTLE_NS	(20 * NSEC_PER_MSEC)

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
 * mprotect hook runs under mmap_lock). 0 and @digest on a hit, else
 * -ENODATA. Never sleeps.
 */
int drift_file_digest_cached(struct inode *real, u8 *digest)
{
	struct digest_cache_entry key = { .valid = true };
	struct digest_cache_entry *slot;
	int err = -ENODATA;

	cache_key(&key, real);
	slot = &digest_cache[cache_slot(&key)];
	spin_lock(&digest_cache_lock);
	if (cache_same(slot, &key)) {
		memcpy(digest, slot->digest, DRIFT_SHA256_LEN);
		err = 0;
	}
	spin_unlock(&digest_cache_lock);
	return err;
}

/*
 * SHA-256 of the file being executed or mapped. @real is its real (data)
 * inode, whose writers are denied while it is read. Returns 0, -ETXTBSY
 * (has writers: never verified), -EFBIG (too large to verify) or an I/O
 * error. Sleeps.
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
	allow_writers(real);
	return err;
}

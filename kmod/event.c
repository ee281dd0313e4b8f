// SPDX-License-Identifier: GPL-2.0
/*
 * Events. The slow path (process context) builds an event and queues it;
 * a kernel thread of the module's own ("drift_events") multicasts queued
 * events on the "events" group. Nothing is sent from the probe. A thread
 * rather than a work item on a shared kworker: what it allocates can be
 * singled out (fault injection: /proc/PID/make-it-fail with failslab's
 * task filter, tests/stress/s03), and its name says what it is.
 *
 * Each binding has a token bucket; what it refuses is counted
 * (events_suppressed) and the count rides on the binding's next event. A
 * full queue, an allocation failure or a group nobody listens to counts
 * events_dropped. Nothing is lost without a counter moving.
 */
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "drift.h"

#define DRIFT_EVENT_QUEUE_MAX 4096

static LIST_HEAD(event_queue);
static DEFINE_SPINLOCK(event_lock);
static unsigned int event_queued;
static bool events_stopping;
static struct task_struct *event_thread;
static DECLARE_WAIT_QUEUE_HEAD(event_wq);

static struct drift_ratelimit drift_default_rl;

void drift_ratelimit_init(struct drift_ratelimit *rl)
{
	spin_lock_init(&rl->lock);
	rl->last_ns = ktime_get_ns();
	rl->tokens = (u64)READ_ONCE(drift_event_burst) * NSEC_PER_SEC;
	rl->suppressed = 0;
}

/*
 * Takes a token. Returns the number of events suppressed since the last
 * one that passed (>= 0), or -1 when this one is suppressed too.
 */
static int drift_ratelimit_take(struct drift_ratelimit *rl)
{
	u64 rate = READ_ONCE(drift_event_rate);
	u64 cap = (u64)READ_ONCE(drift_event_burst) * NSEC_PER_SEC;
	u64 now = ktime_get_ns(), elapsed;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&rl->lock, flags);
	elapsed = min_t(u64, now - rl->last_ns, 100 * NSEC_PER_SEC);
	rl->last_ns = now;
	rl->tokens = min(rl->tokens + elapsed * rate, cap);
	if (rl->tokens >= NSEC_PER_SEC) {
		rl->tokens -= NSEC_PER_SEC;
		ret = min_t(u32, rl->suppressed, INT_MAX);
		rl->suppressed = 0;
	} else {
		rl->suppressed++;
		ret = -1;
	}
	spin_unlock_irqrestore(&rl->lock, flags);
	return ret;
}

/* Takes ownership of @ev. */
static void drift_event_queue(struct drift_event *ev,
			      struct drift_stats __percpu *bstats)
{
	bool queued = false;

	spin_lock(&event_lock);
	if (!events_stopping && event_queued < DRIFT_EVENT_QUEUE_MAX) {
		list_add_tail(&ev->node, &event_queue);
		event_queued++;
		queued = true;
	}
	spin_unlock(&event_lock);
	if (!queued) {
		drift_count2(bstats, DRIFT_STAT_EVENTS_DROPPED);
		kfree(ev);
		return;
	}
	/*
	 * Per binding, an event handed to the sender counts as sent: the
	 * binding may be gone when it goes out. The global counters tell a
	 * send that failed afterwards (events_dropped).
	 */
	drift_count(bstats, DRIFT_STAT_EVENTS_SENT);
	wake_up(&event_wq);
}

/*
 * A decision's event: @tmpl holds what verdict.c decided (op, reason,
 * action, mode, file, binding and set names, cgroup); this adds who and
 * when and the path, under @b's rate limit (the default's when @b is NULL,
 * the default set's decisions). Counted, never built, when nobody listens.
 */
void drift_event_decision(struct drift_binding *b,
			  const struct drift_event *tmpl, const char *path)
{
	struct drift_stats __percpu *bstats = b ? b->stats : NULL;
	struct drift_ratelimit *rl = b ? &b->rl : &drift_default_rl;
	size_t len = strlen(path);
	struct drift_event *ev;
	int suppressed;

	if (!genl_has_listeners(&drift_family, &init_net, 0)) {
		drift_count2(bstats, DRIFT_STAT_EVENTS_DROPPED);
		return;
	}
	suppressed = drift_ratelimit_take(rl);
	if (suppressed < 0) {
		drift_count2(bstats, DRIFT_STAT_EVENTS_SUPPRESSED);
		return;
	}
	ev = kmalloc(sizeof(*ev) + len + 1, GFP_KERNEL);
	if (!ev) {
		drift_count2(bstats, DRIFT_STAT_EVENTS_DROPPED);
		return;
	}
	*ev = *tmpl;
	ev->time_ns = drift_now_ns();
	ev->pid = task_tgid_nr(current);
	rcu_read_lock();
	ev->ppid = task_tgid_nr(rcu_dereference(current->real_parent));
	rcu_read_unlock();
	ev->uid = from_kuid_munged(&init_user_ns, current_uid());
	ev->suppressed = suppressed;
	get_task_comm(ev->comm, current);
	memcpy(ev->path, path, len + 1);
	drift_event_queue(ev, bstats);
}

/*
 * The alarm when the self-test stops proving enforcement: reason selftest,
 * action allow (execs may be allowed unchecked), no binding. Not rate
 * limited (it is sent once per failure streak).
 */
void drift_event_selftest(void)
{
	static const char what[] = "(self-test: hooks not effective)";
	struct drift_event *ev;

	ev = kzalloc(sizeof(*ev) + sizeof(what), GFP_KERNEL);
	if (!ev) {
		drift_count(drift_global_stats, DRIFT_STAT_EVENTS_DROPPED);
		return;
	}
	ev->time_ns = drift_now_ns();
	ev->pid = task_tgid_nr(current);
	ev->reason = DRIFT_REASON_SELFTEST;
	ev->action = DRIFT_ACTION_ALLOW;
	ev->mode = READ_ONCE(drift_default_mode);
	ev->op = DRIFT_OP_EXEC;
	get_task_comm(ev->comm, current);
	memcpy(ev->path, what, sizeof(what));
	drift_event_queue(ev, NULL);
}

static int event_send(const struct drift_event *ev)
{
	struct sk_buff *skb;
	size_t len = 1024 + nla_total_size(strlen(ev->path) + 1);
	int err;

	if (!genl_has_listeners(&drift_family, &init_net, 0))
		return -ESRCH;
	skb = genlmsg_new(len, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	err = drift_event_fill(skb, ev);
	if (err) {
		nlmsg_free(skb);
		return err;
	}
	return genlmsg_multicast(&drift_family, skb, 0, 0, GFP_KERNEL);
}

static bool events_pending(void)
{
	bool pending;

	spin_lock(&event_lock);
	pending = event_queued != 0;
	spin_unlock(&event_lock);
	return pending;
}

/* Sends what is queued now. */
static void events_flush(void)
{
	struct drift_event *ev, *tmp;
	LIST_HEAD(batch);

	spin_lock(&event_lock);
	list_splice_init(&event_queue, &batch);
	event_queued = 0;
	spin_unlock(&event_lock);

	list_for_each_entry_safe(ev, tmp, &batch, node) {
		list_del(&ev->node);
		if (event_send(ev))
			drift_count(drift_global_stats,
				    DRIFT_STAT_EVENTS_DROPPED);
		else
			drift_count(drift_global_stats, DRIFT_STAT_EVENTS_SENT);
		kfree(ev);
		cond_resched();
	}
}

static int event_thread_fn(void *unused)
{
	while (!kthread_should_stop()) {
		wait_event_idle(event_wq,
				events_pending() || kthread_should_stop());
		events_flush();
	}
	return 0;
}

int drift_events_init(void)
{
	drift_ratelimit_init(&drift_default_rl);
	event_thread = kthread_run(event_thread_fn, NULL, "drift_events");
	if (IS_ERR(event_thread)) {
		pr_err("cannot start the event thread (%ld)\n",
		       PTR_ERR(event_thread));
		return PTR_ERR(event_thread);
	}
	return 0;
}

void drift_events_exit(void)
{
	struct drift_event *ev, *tmp;

	spin_lock(&event_lock);
	events_stopping = true;
	spin_unlock(&event_lock);
	kthread_stop(event_thread);
	/* queued after its last pass: never sent */
	list_for_each_entry_safe(ev, tmp, &event_queue, node) {
		list_del(&ev->node);
		drift_count(drift_global_stats, DRIFT_STAT_EVENTS_DROPPED);
		kfree(ev);
	}
	event_queued = 0;
}

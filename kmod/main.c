// SPDX-License-Identifier: GPL-2.0
/*
 * drift.ko: container drift prevention. Module init/exit, the global
 * configuration (default mode and set, event rate, lock) and the order in
 * which the parts come up and go down.
 */
#include <linux/module.h>
#include <linux/random.h>

#include "drift.h"

/* Serialises every change of sets, bindings and configuration. */
DEFINE_MUTEX(drift_mutex);
int drift_default_mode = DRIFT_MODE_OFF;
struct drift_set __rcu *drift_default_set;
u32 drift_event_rate = 100;
u32 drift_event_burst = 200;
bool drift_locked;
bool drift_sealed;
bool drift_selftest_ok;
siphash_key_t drift_hash_key;

/*
 * Sealed, SET_CONFIG may only tighten: raise the default mode, give a
 * default set where there was none, lock, raise the event limits (fewer
 * events suppressed), seal again. Everything is checked before anything
 * changes.
 */
static int config_sealed_check(struct nlattr **a, struct drift_set *old,
			       struct drift_set *set, int mode,
			       struct netlink_ext_ack *extack)
{
	if (a[DRIFT_A_SEALED] && !nla_get_u8(a[DRIFT_A_SEALED]))
		return drift_refuse(extack, "sealed: the seal stays until the module is reloaded");
	if (a[DRIFT_A_LOCKED] && !nla_get_u8(a[DRIFT_A_LOCKED]) && drift_locked)
		return drift_refuse(extack, "sealed: the module cannot be unlocked");
	if (mode < drift_default_mode)
		return drift_refuse(extack, "sealed: the default mode can only be raised");
	if (old && set != old)
		return drift_refuse(extack,
				    "sealed: the default set cannot be replaced or cleared");
	if ((a[DRIFT_A_EVENT_RATE] &&
	     nla_get_u32(a[DRIFT_A_EVENT_RATE]) < drift_event_rate) ||
	    (a[DRIFT_A_EVENT_BURST] &&
	     nla_get_u32(a[DRIFT_A_EVENT_BURST]) < drift_event_burst))
		return drift_refuse(extack, "sealed: the event rate and burst can only be raised");
	return 0;
}

/* Called with drift_mutex held, from DRIFT_CMD_SET_CONFIG. */
int drift_set_config(struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct drift_set *old, *set;
	struct nlattr **a = info->attrs;
	int mode, err;

	lockdep_assert_held(&drift_mutex);
	old = rcu_dereference_protected(drift_default_set,
					lockdep_is_held(&drift_mutex));
	set = old;
	if (a[DRIFT_A_SET_NAME]) {
		const char *name = nla_data(a[DRIFT_A_SET_NAME]);

		set = NULL;
		if (*name) {
			set = drift_set_find(name);
			if (!set) {
				NL_SET_ERR_MSG_ATTR(extack, a[DRIFT_A_SET_NAME],
						    "no such set");
				return -ENOENT;
			}
		}
	}
	mode = a[DRIFT_A_DEFAULT_MODE] ?
		nla_get_u8(a[DRIFT_A_DEFAULT_MODE]) : drift_default_mode;
	if (drift_sealed) {
		err = config_sealed_check(a, old, set, mode, extack);
		if (err)
			return err;
	}
	if (mode != DRIFT_MODE_OFF && !set) {
		NL_SET_ERR_MSG(extack,
			       "a default mode other than off needs a default set");
		return -EINVAL;
	}
	if (a[DRIFT_A_LOCKED]) {
		bool lock = nla_get_u8(a[DRIFT_A_LOCKED]);

		if (lock && !drift_locked) {
			if (!try_module_get(THIS_MODULE)) {
				NL_SET_ERR_MSG(extack, "module is going away");
				return -ENODEV;
			}
			drift_locked = true;
			pr_info("locked: rmmod refused until unlocked\n");
		} else if (!lock && drift_locked) {
			drift_locked = false;
			module_put(THIS_MODULE);
			pr_info("unlocked\n");
		}
	}
	if (set != old) {
		if (set)
			drift_set_get(set);
		rcu_assign_pointer(drift_default_set, set);
		if (old)
			drift_set_put(old);
	}
	WRITE_ONCE(drift_default_mode, mode);
	if (a[DRIFT_A_EVENT_RATE])
		WRITE_ONCE(drift_event_rate, nla_get_u32(a[DRIFT_A_EVENT_RATE]));
	if (a[DRIFT_A_EVENT_BURST])
		WRITE_ONCE(drift_event_burst,
			   nla_get_u32(a[DRIFT_A_EVENT_BURST]));
	if (a[DRIFT_A_SEALED] && nla_get_u8(a[DRIFT_A_SEALED]) &&
	    !drift_sealed) {
		drift_sealed = true;
		pr_info("sealed: only tightening changes until the module is reloaded\n");
	}
	return 0;
}

static void drift_default_set_clear(void)
{
	struct drift_set *old;

	mutex_lock(&drift_mutex);
	old = rcu_replace_pointer(drift_default_set, NULL,
				  lockdep_is_held(&drift_mutex));
	WRITE_ONCE(drift_default_mode, DRIFT_MODE_OFF);
	mutex_unlock(&drift_mutex);
	if (old)
		drift_set_put(old);
}

/*
 * Order: nothing can reach drift until its generic netlink family exists,
 * so that comes last; every failure undoes what came before it.
 */
static int __init drift_init(void)
{
	int err;

	get_random_bytes(&drift_hash_key, sizeof(drift_hash_key));
	drift_global_stats = drift_stats_alloc();
	if (!drift_global_stats)
		return -ENOMEM;
	err = drift_sets_init();
	if (err)
		goto err_stats;
	err = drift_events_init();
	if (err)
		goto err_sets;
	err = drift_hook_init();
	if (err)
		goto err_events;
	err = drift_netlink_init();
	if (err) {
		pr_err("cannot register the generic netlink family (%d)\n", err);
		goto err_hook;
	}
	pr_info("version %s loaded; default mode off\n", DRIFT_VERSION);
	return 0;

err_hook:
	drift_hook_exit();
	drift_verify_exit();
err_events:
	drift_events_exit();
err_sets:
	drift_sets_exit();
err_stats:
	drift_stats_free(drift_global_stats);
	return err;
}

static void __exit drift_exit(void)
{
	drift_hook_exit();		/* no task is inside drift code now */
	drift_verify_exit();		/* write guards lifted */
	drift_events_exit();		/* nothing queues events any more */
	drift_netlink_exit();		/* no new commands or listeners */
	drift_bindings_exit();
	drift_default_set_clear();
	drift_sets_exit();
	rcu_barrier();			/* our call_rcu callbacks have run */
	drift_stats_free(drift_global_stats);
	pr_info("unloaded\n");
}

module_init(drift_init);
module_exit(drift_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The drift authors");
MODULE_DESCRIPTION("Container drift prevention: exec only what is in the image");
MODULE_VERSION(DRIFT_VERSION);

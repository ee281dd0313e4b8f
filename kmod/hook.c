// SPDX-License-Identifier: GPL-2.0
/*
 * The exec hook: a kprobe on security_bprm_check(), which exec calls once
 * per binfmt pass (a "#!" script, then its interpreter). A module cannot
 * register an LSM, so the probe overrides the call instead:
 *
 *  - the pre-handler (preemption off) allows the common case in place
 *    (drift_fast_allow(), O(1), no allocation) and returns 0: the original
 *    function runs as if nothing happened;
 *  - otherwise it points regs->ip at drift_bprm_check_slow() and returns 1,
 *    so the call continues in our function, with the same argument, in the
 *    exec caller's process context. That function decides (it may sleep),
 *    then either returns -EACCES itself or runs the original through
 *    drift_call_original(). The pre-handler recognises that nested call by
 *    its return address (ftrace sets regs->sp to the return-address slot)
 *    and lets it through.
 *
 * A kprobe that changes regs->ip needs a post_handler so that ftrace gives
 * it IPMODIFY. drift_inflight counts tasks sent into the slow path; unload
 * unregisters the probe, waits for them, then synchronize_rcu_tasks()
 * covers the last instructions after the decrement.
 *
 * Load-time self-test: first on a module function (the probe mechanism can
 * change a result on this kernel at all), then on security_bprm_check
 * itself with a sentinel argument: only a redirected call returns -EACCES.
 */
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/wait.h>

#include "drift.h"

#ifndef CONFIG_X86_64
#error "drift's exec hook is implemented for x86_64 only"
#endif

typedef int (*bprm_check_fn)(struct linux_binprm *bprm);

static bprm_check_fn drift_orig;
static unsigned long drift_tramp_ret;	/* return address in the trampoline */
static atomic_t drift_inflight = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(drift_inflight_wq);
static struct linux_binprm drift_selftest_bprm;

/* The only caller of the original function; no tail call (barrier). */
static noinline int drift_call_original(struct linux_binprm *bprm)
{
	int ret = drift_orig(bprm);

	barrier();
	return ret;
}

static noinline int drift_capture_ret(struct linux_binprm *bprm)
{
	drift_tramp_ret = (unsigned long)__builtin_return_address(0);
	return 0;
}

static noinline int drift_selftest_deny(struct linux_binprm *bprm)
{
	return -EACCES;
}

static noinline int drift_bprm_check_slow(struct linux_binprm *bprm)
{
	int ret = drift_decide(bprm);

	if (!ret)
		ret = drift_call_original(bprm);
	if (atomic_dec_and_test(&drift_inflight))
		wake_up_all(&drift_inflight_wq);
	return ret;
}

static int drift_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct linux_binprm *bprm;

	bprm = (struct linux_binprm *)regs_get_kernel_argument(regs, 0);
	if (regs_get_kernel_stack_nth(regs, 0) == drift_tramp_ret)
		return 0;	/* our own call of the original */
	if (unlikely(bprm == &drift_selftest_bprm)) {
		instruction_pointer_set(regs, (unsigned long)drift_selftest_deny);
		return 1;
	}
	if (likely(drift_fast_allow(bprm)))
		return 0;
	atomic_inc(&drift_inflight);
	instruction_pointer_set(regs, (unsigned long)drift_bprm_check_slow);
	return 1;
}

/* Never called when the pre-handler redirects; needed for IPMODIFY. */
static void drift_post(struct kprobe *p, struct pt_regs *regs,
		       unsigned long flags)
{
}

static struct kprobe drift_kp = {
	.symbol_name = "security_bprm_check",
	.pre_handler = drift_pre,
	.post_handler = drift_post,
};

/* ---- self-test ---- */

static noinline int drift_selftest_target(struct linux_binprm *bprm)
{
	return bprm ? 0 : 1;
}

static int drift_selftest_pre(struct kprobe *p, struct pt_regs *regs)
{
	instruction_pointer_set(regs, (unsigned long)drift_selftest_deny);
	return 1;
}

static int selftest_mechanism(void)
{
	bprm_check_fn target = drift_selftest_target;
	struct kprobe kp = {
		.addr = (kprobe_opcode_t *)drift_selftest_target,
		.pre_handler = drift_selftest_pre,
		.post_handler = drift_post,
	};
	int err, ret;

	OPTIMIZER_HIDE_VAR(target);	/* a real indirect call */
	err = register_kprobe(&kp);
	if (err) {
		pr_err("self-test: cannot probe a module function (%d)\n", err);
		return err;
	}
	ret = target(&drift_selftest_bprm);
	unregister_kprobe(&kp);
	if (ret != -EACCES) {
		pr_err("self-test: a kprobe cannot change a function's result on this kernel (got %d); refusing to load\n",
		       ret);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int selftest_hook(void)
{
	int ret = drift_orig(&drift_selftest_bprm);

	if (ret != -EACCES) {
		pr_err("self-test: the security_bprm_check hook does not take effect (got %d); refusing to load\n",
		       ret);
		return -EOPNOTSUPP;
	}
	return 0;
}

int drift_hook_init(void)
{
	int err;

	/* Learn the trampoline's return address before the probe exists. */
	drift_orig = drift_capture_ret;
	drift_call_original(NULL);
	if (!drift_tramp_ret)
		return -EINVAL;

	err = selftest_mechanism();
	if (err)
		return err;

	err = register_kprobe(&drift_kp);
	if (err) {
		pr_err("cannot probe security_bprm_check (%d): needs CONFIG_KPROBES and kprobes enabled\n",
		       err);
		return err;
	}
	if (kprobe_disabled(&drift_kp)) {
		pr_err("kprobes are disabled (/sys/kernel/debug/kprobes/enabled); refusing to load\n");
		err = -EPERM;
		goto err_unregister;
	}
	drift_orig = (bprm_check_fn)drift_kp.addr;
	err = selftest_hook();
	if (err)
		goto err_unregister;
	drift_selftest_ok = true;
	pr_info("exec hook armed on security_bprm_check, self-test passed\n");
	return 0;

err_unregister:
	unregister_kprobe(&drift_kp);
	return err;
}

void drift_hook_exit(void)
{
	unregister_kprobe(&drift_kp);
	wait_event(drift_inflight_wq, !atomic_read(&drift_inflight));
	synchronize_rcu_tasks();
}

unsigned long drift_hook_missed(void)
{
	return drift_kp.nmissed;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The hooks. A module cannot register an LSM, so drift overrides calls of
 * the kernel functions below with one ftrace_ops of its own (IPMODIFY |
 * SAVE_REGS | PERMANENT | RECURSION):
 *
 *   security_bprm_check(bprm)             every binfmt pass of an exec
 *   security_bprm_creds_for_exec(bprm)    execveat(AT_EXECVE_CHECK), 6.14:
 *                                         the check ends there, before any
 *                                         bprm_check (hooked only where the
 *                                         kernel has it, see compat.h)
 *   security_mmap_file(file, prot, flags) mmap of a file, before mmap_lock
 *   security_file_mprotect(vma, req, prot) mprotect, under mmap_lock (write)
 *   open_exec(name)                       the loader opening an ELF
 *                                         interpreter (or #! interpreter)
 *   security_kernel_read_file(file, id, c) finit_module, kexec_file_load
 *   security_kernel_load_data(id, c)      init_module, kexec_load
 *   __x64_sys_delete_module(regs)         rmmod (and __ia32_sys_* when
 *                                         the kernel has it)
 *   access_remote_vm(mm, addr, buf, len, gup_flags)
 *                                         /proc/PID/mem reads and writes
 *
 * The last three refuse (EPERM) loading or unloading kernel modules and
 * loading a kexec kernel from a task in a governed cgroup, whatever the
 * binding's mode: kernel code is not in any image, and a privileged
 * container must not be able to unload drift (a forced rmmod ignores the
 * lock's module reference) or load code that disarms it. Counted in
 * DRIFT_STAT_REFUSED and logged (rate-limited).
 *
 * A write into process memory through /proc/PID/mem (the only
 * access_remote_vm() caller with FOLL_WRITE) is code injection that no
 * exec or mapping check sees: FOLL_FORCE writes even read-only text, which
 * is how a shell and dd run a binary that is in no file ("DDexec"). It is
 * refused (the write fails with EIO) when the writer's binding has its exec
 * or library mode in enforce, counted in DRIFT_STAT_REFUSED and logged;
 * logged only in audit. Reads are not affected.
 *
 * The callback runs with preemption off. It allows the common case in place
 * (O(1), no allocation: drift_fast_allow()) and returns; the original runs
 * as if nothing happened. Otherwise it points regs->ip at a module function
 * with the same signature (drift_*_slow()), so that the call continues
 * there, with the same arguments, in the caller's context. That function
 * decides (exec and mmap may sleep and hash; mprotect may not hash), then
 * either fails itself or calls the original at the start of its symbol.
 * The callback recognises that nested call by ftrace's parent_ip: the
 * return address of the hooked function, read by the ftrace trampoline
 * before any callback ran, so a kretprobe or a graph tracer that rewrites
 * the return address on the stack cannot hide it. Every call from this
 * module's text is let through (within_module()); the module calls the
 * hooked functions only to run the original, and for the self-test, whose
 * sentinel arguments are recognised before that test.
 *
 * Why not kprobes (the first version): a kprobe pre-handler only sees the
 * stack slot of the return address (which a kretprobe registered first has
 * already replaced), root can disarm every kprobe
 * (/sys/kernel/debug/kprobes/enabled) without the probe knowing, and on
 * IBT kernels kp.addr is symbol+4. A PERMANENT ftrace_ops makes
 * "sysctl kernel.ftrace_enabled=0" fail with EBUSY and is not affected by
 * the kprobe switch. See docs/DESIGN.md.
 *
 * The originals are called at the symbol's real start (which begins with
 * ENDBR on CONFIG_X86_KERNEL_IBT kernels), never at the ftrace location
 * (symbol+4 there): an indirect call to a non-ENDBR instruction faults on
 * CPUs that enforce IBT. The addresses are derived at load and checked
 * against kallsyms (sprint_symbol); the arithmetic is logged.
 *
 * drift_inflight counts tasks sent into a slow function; unload
 * unregisters the ops (ftrace waits for running callbacks), waits for
 * drift_inflight to drain, then synchronize_rcu_tasks() covers the last
 * instructions after the decrement.
 *
 * Self-test: at load, periodically (selftest_interval seconds) and on
 * DRIFT_CMD_SELFTEST, each hooked function is called with a sentinel
 * argument that the callback redirects to a stub returning -EACCES. The
 * first call is security_mmap_file(NULL, PROT_READ, sentinel flags), which
 * the real LSM chain handles safely (an anonymous mapping) should the ops
 * not fire; the others only run once that proved the ops live.
 */
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kernel_read_file.h>
#include <linux/kprobes.h>
#include <linux/mman.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/personality.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/security.h>
#include <linux/trace_recursion.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "drift.h"

#ifndef CONFIG_X86_64
#error "drift's hooks are implemented for x86_64 only"
#endif
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_REGS
#error "drift needs CONFIG_DYNAMIC_FTRACE_WITH_REGS"
#endif

static unsigned int selftest_interval = 60;
module_param(selftest_interval, uint, 0644);
MODULE_PARM_DESC(selftest_interval,
		 "seconds between periodic self-tests of the hooks (0: never)");

/*
 * Fault injection for the tests of the self-test alarm: the callback then
 * ignores the sentinels, exactly as if the hooks did not fire, so the
 * sentinel calls reach the real functions (the first one is an anonymous
 * security_mmap_file(), harmless, and the test stops there). Enforcement
 * itself is not affected.
 */
static bool selftest_break;
module_param(selftest_break, bool, 0600);
MODULE_PARM_DESC(selftest_break,
		 "testing only: make the self-test fail as if the hooks were gone");

/*
 * For the tests of the AT_EXECVE_CHECK path on kernels without it (6.1
 * here): hook security_bprm_creds_for_exec() and answer every exec there as
 * if it were a check, with the code a 6.14 kernel runs for a real one. A
 * denied exec then fails there, before security_bprm_check(). Fixed at load.
 */
static bool execve_check_test;
module_param(execve_check_test, bool, 0400);
MODULE_PARM_DESC(execve_check_test,
		 "testing only: answer every exec at security_bprm_creds_for_exec as an AT_EXECVE_CHECK");

enum {
	HOOK_BPRM, HOOK_CREDS, HOOK_MMAP, HOOK_MPROTECT, HOOK_OPEN_EXEC,
	HOOK_READ_FILE, HOOK_LOAD_DATA, HOOK_DELETE_MODULE,
	HOOK_DELETE_MODULE32, HOOK_REMOTE_VM, NHOOKS
};

struct drift_hook {
	const char *name;
	bool optional;		/* absent from some kernels: not hooked */
	bool unneeded;		/* this kernel does not need it: not hooked */
	unsigned long fentry;	/* ftrace location: the callback's ip */
	unsigned long start;	/* symbol start: what we call */
};

static struct drift_hook hooks[NHOOKS] = {
	[HOOK_BPRM] = { .name = "security_bprm_check" },
	[HOOK_CREDS] = { .name = "security_bprm_creds_for_exec" },
	[HOOK_MMAP] = { .name = "security_mmap_file" },
	[HOOK_MPROTECT] = { .name = "security_file_mprotect" },
	[HOOK_OPEN_EXEC] = { .name = "open_exec" },
	[HOOK_READ_FILE] = { .name = "security_kernel_read_file" },
	[HOOK_LOAD_DATA] = { .name = "security_kernel_load_data" },
	[HOOK_DELETE_MODULE] = { .name = "__x64_sys_delete_module" },
	[HOOK_DELETE_MODULE32] = { .name = "__ia32_sys_delete_module",
				   .optional = true },
	[HOOK_REMOTE_VM] = { .name = "access_remote_vm" },
};

static atomic_t drift_inflight = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(drift_inflight_wq);
static atomic_long_t drift_missed = ATOMIC_LONG_INIT(0);
static bool drift_ops_registered;

/* Self-test sentinels: only this module can pass these addresses. */
static struct linux_binprm drift_selftest_bprm;
static struct vm_area_struct drift_selftest_vma;
static const char drift_selftest_name[] = "/drift-selftest/nonexistent";
static struct file drift_selftest_file;
static struct pt_regs drift_selftest_regs;
static struct mm_struct drift_selftest_mm;
#define DRIFT_SELFTEST_LOAD_ID ((enum kernel_load_data_id)0x7d7d)
#define DRIFT_SELFTEST_MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | 0x7d000000UL)
static struct task_struct *drift_selftest_task;	/* the task testing now */

static void inflight_done(void)
{
	if (atomic_dec_and_test(&drift_inflight))
		wake_up_all(&drift_inflight_wq);
}

/* origcall.S: fn(a0, a1, a2), reached by a return (IBT, kCFI) */
unsigned long drift_call_orig(unsigned long a0, unsigned long a1,
			      unsigned long a2, unsigned long fn);

#define CALL_ORIG(h, a0, a1, a2)					\
	drift_call_orig((unsigned long)(a0), (unsigned long)(a1),	\
			(unsigned long)(a2), hooks[h].start)

/*
 * The only callers of the originals. noinline + __noclone: their text must
 * be in this module and not be a tail call (barrier()), so that the
 * original's return address lies in this module. The int results are the
 * low half of %rax, as the ABI has them.
 */
/* @h: HOOK_BPRM or HOOK_CREDS, both int fn(struct linux_binprm *) */
static noinline __noclone int call_orig_bprm(int h, struct linux_binprm *bprm)
{
	int ret = (int)CALL_ORIG(h, bprm, 0, 0);

	barrier();
	return ret;
}

static noinline __noclone int call_orig_mmap(struct file *file,
					     unsigned long prot,
					     unsigned long flags)
{
	int ret = (int)CALL_ORIG(HOOK_MMAP, file, prot, flags);

	barrier();
	return ret;
}

static noinline __noclone int call_orig_mprotect(struct vm_area_struct *vma,
						 unsigned long reqprot,
						 unsigned long prot)
{
	int ret = (int)CALL_ORIG(HOOK_MPROTECT, vma, reqprot, prot);

	barrier();
	return ret;
}

static noinline __noclone struct file *call_orig_open_exec(const char *name)
{
	struct file *f = (struct file *)CALL_ORIG(HOOK_OPEN_EXEC, name, 0, 0);

	barrier();
	return f;
}

static noinline __noclone int call_orig_read_file(struct file *file,
						  enum kernel_read_file_id id,
						  bool contents)
{
	int ret = (int)CALL_ORIG(HOOK_READ_FILE, file, id, contents);

	barrier();
	return ret;
}

static noinline __noclone int call_orig_load_data(enum kernel_load_data_id id,
						  bool contents)
{
	int ret = (int)CALL_ORIG(HOOK_LOAD_DATA, id, contents, 0);

	barrier();
	return ret;
}

/*
 * Only the self-test calls access_remote_vm(), with its sentinel mm, which
 * the callback answers before anything else: the other arguments are not
 * passed (the thunk carries three).
 */
static noinline __noclone int call_orig_remote_vm(struct mm_struct *mm)
{
	int ret = (int)CALL_ORIG(HOOK_REMOTE_VM, mm, 0, 0);

	barrier();
	return ret;
}

static noinline __noclone long call_orig_syscall(int h,
						 const struct pt_regs *regs)
{
	long ret = (long)CALL_ORIG(h, regs, 0, 0);

	barrier();
	return ret;
}

/* ---- redirect targets (same signatures as the hooked functions) ---- */

/* An exec's binfmt pass, or an AT_EXECVE_CHECK: decided the same way. */
static int bprm_slow(int h, struct linux_binprm *bprm)
{
	int ret = drift_decide(bprm->file, DRIFT_OP_EXEC, bprm->filename);

	if (!ret)
		ret = call_orig_bprm(h, bprm);
	inflight_done();
	return ret;
}

static noinline __noclone int drift_bprm_check_slow(struct linux_binprm *bprm)
{
	return bprm_slow(HOOK_BPRM, bprm);
}

static noinline __noclone int drift_bprm_creds_slow(struct linux_binprm *bprm)
{
	return bprm_slow(HOOK_CREDS, bprm);
}

static noinline __noclone int drift_mmap_file_slow(struct file *file,
						   unsigned long prot,
						   unsigned long flags)
{
	int ret = drift_decide(file, DRIFT_OP_MMAP, NULL);

	if (!ret)
		ret = call_orig_mmap(file, prot, flags);
	inflight_done();
	return ret;
}

/* mmap_lock is held for write: drift_decide() does not hash for this op. */
static noinline __noclone int drift_file_mprotect_slow(struct vm_area_struct *vma,
						       unsigned long reqprot,
						       unsigned long prot)
{
	int ret = drift_decide(vma->vm_file, DRIFT_OP_MPROTECT, NULL);

	if (!ret)
		ret = call_orig_mprotect(vma, reqprot, prot);
	inflight_done();
	return ret;
}

/*
 * The interpreter of an exec (an ELF program's PT_INTERP, a script's #!
 * line, a binfmt_misc handler) is opened before the point of no return and
 * mapped after it, where a denial kills the task with SIGSEGV. It is
 * decided here, as a mapping in library mode, once: execve() fails with
 * EACCES in enforce, audit reports here, and the ELF loader's mapping of
 * it that follows is not checked again (exec_time_map()).
 */
static noinline __noclone struct file *drift_open_exec_slow(const char *name)
{
	struct file *file = call_orig_open_exec(name);

	if (!IS_ERR(file) && !drift_fast_allow(file, DRIFT_OP_MMAP) &&
	    drift_decide(file, DRIFT_OP_MMAP, name)) {
		fput(file);
		file = ERR_PTR(-EACCES);
	}
	inflight_done();
	return file;
}

static noinline __noclone int drift_selftest_deny(void)
{
	return -EACCES;
}

static noinline __noclone struct file *drift_selftest_deny_file(void)
{
	return ERR_PTR(-EACCES);
}

static noinline __noclone long drift_selftest_deny_long(void)
{
	return -EACCES;
}

/* A governed task loading or unloading kernel code: see the top. */
static noinline __noclone int drift_refuse_kernel_code(void)
{
	return -EPERM;
}

static noinline __noclone long drift_refuse_kernel_code_long(void)
{
	return -EPERM;
}

/* A refused write into process memory: no byte written (mem_rw(): EIO). */
static noinline __noclone int drift_refuse_mem_write(void)
{
	return 0;
}

static bool mem_write_refused(void)
{
	int mode = drift_mem_write_mode();

	if (mode == DRIFT_MODE_OFF)
		return false;
	if (mode == DRIFT_MODE_AUDIT) {
		pr_info_ratelimited("audit: write into process memory (/proc/PID/mem) from a governed cgroup: pid %d (%s)\n",
				    task_tgid_nr(current), current->comm);
		return false;
	}
	drift_count(drift_global_stats, DRIFT_STAT_REFUSED);
	pr_warn_ratelimited("refused a write into process memory (/proc/PID/mem) from a governed cgroup: pid %d (%s)\n",
			    task_tgid_nr(current), current->comm);
	return true;
}

static bool kernel_code_refused(const char *what)
{
	if (!drift_caller_governed())
		return false;
	drift_count(drift_global_stats, DRIFT_STAT_REFUSED);
	pr_warn_ratelimited("refused %s from a governed cgroup: pid %d (%s)\n",
			    what, task_tgid_nr(current), current->comm);
	return true;
}

/* ---- the ftrace callback ---- */

/* Mirrors mmap_prot() (security/security.c): READ_IMPLIES_EXEC personas. */
static bool map_is_exec(struct file *file, unsigned long prot)
{
	if (prot & PROT_EXEC)
		return true;
	/* path_noexec() is not exported */
	return (prot & PROT_READ) &&
	       (current->personality & READ_IMPLIES_EXEC) &&
	       !(file->f_path.mnt->mnt_flags & MNT_NOEXEC) &&
	       !(file->f_path.mnt->mnt_sb->s_iflags & SB_I_NOEXEC);
}

/*
 * The ELF loader mapping, during an exec, the file being exec'd (decided
 * by the exec check) or its interpreter (decided when it was opened:
 * drift_open_exec_slow()). Both were opened by open_exec() or execve()'s
 * own open, with __FMODE_EXEC, which open(2) and fcntl(2) cannot set; and
 * only the kernel maps a file while its task is in execve().
 */
static bool exec_time_map(struct file *file)
{
	return current->in_execve && (file->f_flags & __FMODE_EXEC);
}

/* Returns where the call continues, or 0 to run the original. */
static unsigned long hook_target(unsigned long ip, unsigned long parent_ip,
				 struct pt_regs *regs, bool *slow)
{
	unsigned long a0 = regs_get_kernel_argument(regs, 0);

	*slow = true;
	if (ip == hooks[HOOK_MMAP].fentry) {
		struct file *file = (struct file *)a0;

		if (!file) {
			if (regs_get_kernel_argument(regs, 2) ==
			    DRIFT_SELFTEST_MAP_FLAGS &&
			    current == READ_ONCE(drift_selftest_task) &&
			    !READ_ONCE(selftest_break)) {
				*slow = false;
				return (unsigned long)drift_selftest_deny;
			}
			return 0;	/* anonymous memory: never checked */
		}
		if (!map_is_exec(file, regs_get_kernel_argument(regs, 1)) ||
		    exec_time_map(file) ||
		    within_module(parent_ip, THIS_MODULE) ||
		    drift_fast_allow(file, DRIFT_OP_MMAP))
			return 0;
		return (unsigned long)drift_mmap_file_slow;
	}
	if (ip == hooks[HOOK_MPROTECT].fentry) {
		struct vm_area_struct *vma = (struct vm_area_struct *)a0;

		if (vma == &drift_selftest_vma) {
			*slow = false;
			return (unsigned long)drift_selftest_deny;
		}
		/*
		 * only PROT_EXEC added to a file mapping (mprotect passes
		 * the prot READ_IMPLIES_EXEC already widened)
		 */
		if (!(regs_get_kernel_argument(regs, 2) & PROT_EXEC) ||
		    !vma->vm_file || (vma->vm_flags & VM_EXEC) ||
		    within_module(parent_ip, THIS_MODULE) ||
		    drift_fast_allow(vma->vm_file, DRIFT_OP_MPROTECT))
			return 0;
		return (unsigned long)drift_file_mprotect_slow;
	}
	if (ip == hooks[HOOK_BPRM].fentry || ip == hooks[HOOK_CREDS].fentry) {
		struct linux_binprm *bprm = (struct linux_binprm *)a0;
		bool check = ip == hooks[HOOK_CREDS].fentry;

		if (bprm == &drift_selftest_bprm) {
			*slow = false;
			return (unsigned long)drift_selftest_deny;
		}
		if (check) {
			/* a real exec is decided by security_bprm_check() */
			if (!drift_bprm_is_check(bprm) && !execve_check_test)
				return 0;
			drift_count(drift_global_stats,
				    DRIFT_STAT_EXECVE_CHECKS);
		}
		if (within_module(parent_ip, THIS_MODULE) ||
		    drift_fast_allow(bprm->file, DRIFT_OP_EXEC))
			return 0;
		return check ? (unsigned long)drift_bprm_creds_slow :
			       (unsigned long)drift_bprm_check_slow;
	}
	if (ip == hooks[HOOK_READ_FILE].fentry) {
		enum kernel_read_file_id id = regs_get_kernel_argument(regs, 1);

		*slow = false;
		if ((struct file *)a0 == &drift_selftest_file)
			return (unsigned long)drift_selftest_deny;
		if ((id == READING_MODULE || id == READING_KEXEC_IMAGE ||
		     id == READING_KEXEC_INITRAMFS) &&
		    !within_module(parent_ip, THIS_MODULE) &&
		    kernel_code_refused(kernel_read_file_id_str(id)))
			return (unsigned long)drift_refuse_kernel_code;
		return 0;
	}
	if (ip == hooks[HOOK_LOAD_DATA].fentry) {
		*slow = false;
		if (a0 == (unsigned long)DRIFT_SELFTEST_LOAD_ID &&
		    current == READ_ONCE(drift_selftest_task))
			return (unsigned long)drift_selftest_deny;
		if ((a0 == LOADING_MODULE || a0 == LOADING_KEXEC_IMAGE ||
		     a0 == LOADING_KEXEC_INITRAMFS) &&
		    !within_module(parent_ip, THIS_MODULE) &&
		    kernel_code_refused(a0 == LOADING_MODULE ?
					"init_module" : "kexec_load"))
			return (unsigned long)drift_refuse_kernel_code;
		return 0;
	}
	if (ip == hooks[HOOK_DELETE_MODULE].fentry ||
	    (hooks[HOOK_DELETE_MODULE32].fentry &&
	     ip == hooks[HOOK_DELETE_MODULE32].fentry)) {
		*slow = false;
		if ((struct pt_regs *)a0 == &drift_selftest_regs)
			return (unsigned long)drift_selftest_deny_long;
		if (!within_module(parent_ip, THIS_MODULE) &&
		    kernel_code_refused("delete_module"))
			return (unsigned long)drift_refuse_kernel_code_long;
		return 0;
	}
	if (ip == hooks[HOOK_REMOTE_VM].fentry) {
		*slow = false;
		if ((struct mm_struct *)a0 == &drift_selftest_mm)
			return (unsigned long)drift_selftest_deny;
		if ((regs_get_kernel_argument(regs, 4) & FOLL_WRITE) &&
		    !within_module(parent_ip, THIS_MODULE) &&
		    mem_write_refused())
			return (unsigned long)drift_refuse_mem_write;
		return 0;
	}
	if (ip == hooks[HOOK_OPEN_EXEC].fentry) {
		if ((const char *)a0 == drift_selftest_name) {
			*slow = false;
			return (unsigned long)drift_selftest_deny_file;
		}
		if (!current->in_execve || within_module(parent_ip, THIS_MODULE) ||
		    !drift_lib_governed())
			return 0;
		return (unsigned long)drift_open_exec_slow;
	}
	return 0;
}

static void notrace drift_ftrace_cb(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *op,
				    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	unsigned long target;
	bool slow;
	int bit;

	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0) {
		atomic_long_inc(&drift_missed);
		return;
	}
	target = hook_target(ip, parent_ip, regs, &slow);
	if (target) {
		if (slow)
			atomic_inc(&drift_inflight);
		instruction_pointer_set(regs, target);
	}
	ftrace_test_recursion_unlock(bit);
}

static struct ftrace_ops drift_ops = {
	.func = drift_ftrace_cb,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		 FTRACE_OPS_FL_RECURSION | FTRACE_OPS_FL_PERMANENT,
};

/* ---- addresses ---- */

#define ENDBR64_INSN 0xfa1e0ff3U	/* f3 0f 1e fa */
/*
 * What an IBT kernel's boot writes over the ENDBR of a function that is
 * never address-taken (arch/x86/include/asm/ibt.h, gen_endbr_poison()):
 * "osp nopl (%rax)" since 5.18, "nopl -42(%rax)" (carries UDB) since 6.15.
 */
#define ENDBR_POISON_OSP_NOP3 0x001f0f66U
#define ENDBR_POISON_UDB 0xd6401f0fU

/* The first insn of an IBT kernel's function: ENDBR, or its sealed form */
static const char *endbr_kind(u32 insn)
{
	switch (insn) {
	case ENDBR64_INSN:
		return "ENDBR64 at start";
	case ENDBR_POISON_OSP_NOP3:
	case ENDBR_POISON_UDB:
		return "sealed ENDBR at start";
	default:
		return NULL;
	}
}

/*
 * The ftrace location of @h->name (where a kprobe on the symbol lands:
 * symbol+4 after an ENDBR on IBT kernels, else the symbol) and the
 * symbol's start, verified with kallsyms.
 */
static int hook_resolve(struct drift_hook *h)
{
	struct kprobe kp = { .symbol_name = h->name };
	char sym[KSYM_SYMBOL_LEN], want[KSYM_NAME_LEN + 8];
	unsigned long off, size;
	u32 insn = 0;
	char *plus;
	int err;

	/* kallsyms_lookup_name() is not exported: let kprobes resolve it */
	err = register_kprobe(&kp);
	if (err) {
		if (!h->optional)
			pr_err("cannot resolve %s (%d)\n", h->name, err);
		return err;
	}
	h->fentry = (unsigned long)kp.addr;
	unregister_kprobe(&kp);

	sprint_symbol(sym, h->fentry);
	plus = strrchr(sym, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", &off, &size) != 2 ||
	    strncmp(sym, h->name, plus - sym) || strlen(h->name) != plus - sym) {
		pr_err("%s: kallsyms says its ftrace location is '%s'\n",
		       h->name, sym);
		return -EINVAL;
	}
	h->start = h->fentry - off;
	if (copy_from_kernel_nofault(&insn, (void *)h->start, sizeof(insn)))
		return -EFAULT;
	/*
	 * Only the ENDBR (or its sealed form) before the fentry call may be
	 * skipped. Both are 4-byte instructions that do nothing when run,
	 * and the originals are reached by a return, never an indirect call
	 * (origcall.S), so a sealed one is no obstacle.
	 */
	if (off != 0 && !(off == 4 && endbr_kind(insn))) {
		pr_err("%s: unexpected ftrace location +%lu (first insn %08x)\n",
		       h->name, off, insn);
		return -EINVAL;
	}
	sprint_symbol(sym, h->start);
	snprintf(want, sizeof(want), "%s+0x0/", h->name);
	if (strncmp(sym, want, strlen(want))) {
		pr_err("%s: its computed start is '%s'\n", h->name, sym);
		return -EINVAL;
	}
	pr_info("hook %s: ftrace location %pS = start %pS + %lu (%s); originals are called at the start\n",
		h->name, (void *)h->fentry, (void *)h->start, off,
		endbr_kind(insn) ?: "no ENDBR");
	return 0;
}

/* ---- self-test ---- */

static DEFINE_MUTEX(selftest_mutex);
static u64 selftest_last_ns;
static bool selftest_alarmed;

/* Runs the sentinel calls, one per hooked function. Process context. */
static int selftest_calls(void)
{
	struct file *f;
	int ret;

	ret = call_orig_mmap(NULL, PROT_READ, DRIFT_SELFTEST_MAP_FLAGS);
	if (ret != -EACCES) {
		pr_err("self-test: security_mmap_file not hooked (got %d)\n",
		       ret);
		return -EOPNOTSUPP;
	}
	/* the ops is live: the other sentinels cannot reach the originals */
	ret = call_orig_bprm(HOOK_BPRM, &drift_selftest_bprm);
	if (ret != -EACCES) {
		pr_err("self-test: security_bprm_check not hooked (got %d)\n",
		       ret);
		return -EOPNOTSUPP;
	}
	if (hooks[HOOK_CREDS].start &&
	    call_orig_bprm(HOOK_CREDS, &drift_selftest_bprm) != -EACCES) {
		pr_err("self-test: security_bprm_creds_for_exec not hooked\n");
		return -EOPNOTSUPP;
	}
	ret = call_orig_mprotect(&drift_selftest_vma, PROT_READ, PROT_READ);
	if (ret != -EACCES) {
		pr_err("self-test: security_file_mprotect not hooked (got %d)\n",
		       ret);
		return -EOPNOTSUPP;
	}
	f = call_orig_open_exec(drift_selftest_name);
	if (!IS_ERR(f) || PTR_ERR(f) != -EACCES) {
		if (!IS_ERR(f))
			fput(f);
		pr_err("self-test: open_exec not hooked\n");
		return -EOPNOTSUPP;
	}
	ret = call_orig_read_file(&drift_selftest_file, READING_MODULE, false);
	if (ret != -EACCES) {
		pr_err("self-test: security_kernel_read_file not hooked (got %d)\n",
		       ret);
		return -EOPNOTSUPP;
	}
	ret = call_orig_load_data(DRIFT_SELFTEST_LOAD_ID, false);
	if (ret != -EACCES) {
		pr_err("self-test: security_kernel_load_data not hooked (got %d)\n",
		       ret);
		return -EOPNOTSUPP;
	}
	if (call_orig_syscall(HOOK_DELETE_MODULE, &drift_selftest_regs) !=
	    -EACCES ||
	    (hooks[HOOK_DELETE_MODULE32].start &&
	     call_orig_syscall(HOOK_DELETE_MODULE32, &drift_selftest_regs) !=
	     -EACCES)) {
		pr_err("self-test: delete_module not hooked\n");
		return -EOPNOTSUPP;
	}
	ret = call_orig_remote_vm(&drift_selftest_mm);
	if (ret != -EACCES) {
		pr_err("self-test: access_remote_vm not hooked (got %d)\n", ret);
		return -EOPNOTSUPP;
	}
	return 0;
}

int drift_selftest_run(void)
{
	int err;

	mutex_lock(&selftest_mutex);
	if (!drift_ops_registered) {	/* unloading */
		mutex_unlock(&selftest_mutex);
		return -ENODEV;
	}
	WRITE_ONCE(drift_selftest_task, current);
	err = selftest_calls();
	WRITE_ONCE(drift_selftest_task, NULL);
	drift_count(drift_global_stats, DRIFT_STAT_SELFTEST_RUNS);
	WRITE_ONCE(selftest_last_ns, drift_now_ns());
	if (err) {
		drift_count(drift_global_stats, DRIFT_STAT_SELFTEST_FAILURES);
		if (!selftest_alarmed) {
			pr_crit("self-test FAILED: enforcement is no longer proven\n");
			drift_event_selftest();
		}
		selftest_alarmed = true;
		WRITE_ONCE(drift_selftest_ok, false);
	} else {
		if (selftest_alarmed)
			pr_info("self-test passes again\n");
		selftest_alarmed = false;
		WRITE_ONCE(drift_selftest_ok, true);
	}
	mutex_unlock(&selftest_mutex);
	return err;
}

u64 drift_selftest_time(void)
{
	return READ_ONCE(selftest_last_ns);
}

static void selftest_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(selftest_work, selftest_work_fn);

/*
 * The work ticks every min(interval, 10) seconds and runs the test when
 * the interval has passed, so a changed parameter takes effect soon.
 */
static void selftest_schedule(void)
{
	unsigned int s = READ_ONCE(selftest_interval);

	schedule_delayed_work(&selftest_work, clamp(s, 1U, 10U) * HZ);
}

static void selftest_work_fn(struct work_struct *work)
{
	u64 s = READ_ONCE(selftest_interval);

	if (s && drift_now_ns() - drift_selftest_time() >=
	    s * NSEC_PER_SEC - NSEC_PER_SEC / 2)
		drift_selftest_run();
	selftest_schedule();
}

/* ---- init / exit ---- */

int drift_hook_init(void)
{
	int i, err;

	/* AT_EXECVE_CHECK: only kernels that have it need the hook */
	hooks[HOOK_CREDS].unneeded = !DRIFT_KERNEL_EXECVE_CHECK &&
				     !execve_check_test;
	for (i = 0; i < NHOOKS; i++) {
		if (hooks[i].unneeded) {
			pr_info("hook %s: not needed by this kernel, not hooked\n",
				hooks[i].name);
			continue;
		}
		err = hook_resolve(&hooks[i]);
		if (err && hooks[i].optional) {
			pr_info("hook %s: not in this kernel, not hooked\n",
				hooks[i].name);
			hooks[i].fentry = 0;
			hooks[i].start = 0;
			continue;
		}
		if (err)
			goto err_filter;
		err = ftrace_set_filter_ip(&drift_ops, hooks[i].fentry, 0, 0);
		if (err) {
			pr_err("cannot trace %s (%d): needs dynamic ftrace\n",
			       hooks[i].name, err);
			goto err_filter;
		}
	}
	err = register_ftrace_function(&drift_ops);
	if (err) {
		pr_err("cannot register the ftrace hook (%d)%s\n", err,
		       err == -EBUSY ?
		       ": kernel.ftrace_enabled=0, or another IPMODIFY user" :
		       "");
		goto err_filter;
	}
	drift_ops_registered = true;
	err = drift_selftest_run();
	if (err) {
		pr_err("self-test failed; refusing to load\n");
		goto err_unregister;
	}
	selftest_schedule();
	pr_info("hooks armed (exec%s, mmap, mprotect, interpreter open, kernel module load/unload), self-test passed\n",
		hooks[HOOK_CREDS].start ? ", AT_EXECVE_CHECK" : "");
	return 0;

err_unregister:
	drift_ops_registered = false;
	unregister_ftrace_function(&drift_ops);
	synchronize_rcu_tasks();
err_filter:
	drift_ftrace_free_filter(&drift_ops);
	return err;
}

void drift_hook_exit(void)
{
	cancel_delayed_work_sync(&selftest_work);
	mutex_lock(&selftest_mutex);
	drift_ops_registered = false;
	mutex_unlock(&selftest_mutex);
	unregister_ftrace_function(&drift_ops);
	wait_event(drift_inflight_wq, !atomic_read(&drift_inflight));
	synchronize_rcu_tasks();
	drift_ftrace_free_filter(&drift_ops);
}

unsigned long drift_hook_missed(void)
{
	return atomic_long_read(&drift_missed);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drift_call_orig(a0, a1, a2, fn): calls fn(a0, a1, a2) and returns its
 * result, reaching fn by a return instead of an indirect call.
 *
 * The hooks call the original of a hooked function at its symbol's start.
 * On CONFIG_X86_KERNEL_IBT kernels an indirect call must land on an ENDBR,
 * and the boot seals (overwrites with a 4-byte NOP) the ENDBR of every
 * function that is never address-taken: security_bprm_check() and most of
 * the others drift hooks. An indirect call would fault (#CP) on CPUs that
 * enforce IBT, and with kCFI it would fail the callee's type-hash check.
 * A return is not checked by either, which is also how ftrace itself
 * reaches a redirected regs->ip. So: push fn where the return address
 * would be and return into it; fn then returns straight to our caller,
 * whose text is in this module (the hooks' recursion guard relies on it).
 */
#include <linux/linkage.h>
#include <asm/unwind_hints.h>

	.text
SYM_FUNC_START(drift_call_orig)
	push	%rcx
	UNWIND_HINT_FUNC
	RET
SYM_FUNC_END(drift_call_orig)

// SPDX-License-Identifier: GPL-2.0
/*
 * nop: the smallest useful static program; exits 0. Used by the exec
 * benchmarks and as the "image binary" of the integration tests. On x86-64
 * it is built without libc (a few KiB: exec cost is the kernel's, not
 * glibc's start-up); elsewhere it is a plain static C program.
 */
#if defined(__x86_64__) && defined(DRIFT_NOP_NOLIBC)
void _start(void);
void _start(void)
{
	__asm__ volatile("mov $60, %eax\n\t"	/* exit */
			 "xor %edi, %edi\n\t"
			 "syscall");
	__builtin_unreachable();
}
#else
int main(void)
{
	return 0;
}
#endif

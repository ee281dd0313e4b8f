// SPDX-License-Identifier: GPL-2.0
/*
 * mem_write: code injection through /proc/PID/mem, what "DDexec" does with
 * a shell and dd to run a binary that is in no file.
 *
 *   mem_write write   writes "mov eax, 42; ret" over the text of its own
 *                     function victim() (which returns 7) through
 *                     /proc/self/mem (the kernel forces the write into the
 *                     read-only mapping), then calls it
 *   mem_write read    reads its own text back through /proc/self/mem
 *
 * Prints "ok" (exit 0: the injected code ran, or the read matched) or the
 * errno name of the failing call (probe.h). Static, so it runs in any
 * container root.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "probe.h"

/* mov eax, 42; ret */
static const unsigned char code42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

static __attribute__((noinline, aligned(16))) int victim(void)
{
	__asm__ volatile("" ::: "memory");
	return 7;
}

int main(int argc, char **argv)
{
	int (*volatile fn)(void) = victim;
	unsigned char back[sizeof(code42)];
	uintptr_t addr = (uintptr_t)fn;
	ssize_t n;
	int fd;

	if (argc != 2 || (strcmp(argv[1], "write") && strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: mem_write write|read\n");
		return 2;
	}
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		probe_fail("mem_write", "/proc/self/mem", errno);
	if (!strcmp(argv[1], "read")) {
		n = pread(fd, back, sizeof(back), (off_t)addr);
		if (n != (ssize_t)sizeof(back))
			probe_fail("mem_write", "pread", n < 0 ? errno : EIO);
		if (memcmp(back, (const void *)addr, sizeof(back))) {
			printf("EBADREAD\n");
			return 125;
		}
		printf("ok\n");
		return 0;
	}
	n = pwrite(fd, code42, sizeof(code42), (off_t)addr);
	if (n != (ssize_t)sizeof(code42))
		probe_fail("mem_write", "pwrite", n < 0 ? errno : EIO);
	if (fn() != 42) {
		printf("EBADCODE\n");
		return 125;
	}
	printf("ok\n");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * map_exec: executable memory probes for the library-mode tests.
 *
 *   map_exec mmap FILE       mmap FILE with PROT_READ|PROT_EXEC (private)
 *   map_exec rie FILE        personality(READ_IMPLIES_EXEC), then mmap FILE
 *                            with PROT_READ only
 *   map_exec mprotect FILE   mmap FILE with PROT_READ, then mprotect it to
 *                            PROT_READ|PROT_EXEC
 *   map_exec hold FILE       mmap FILE with PROT_READ|PROT_EXEC (private),
 *                            print "mapped", wait for a line (or EOF) on
 *                            stdin; then, if the mapping now begins with
 *                            the code below (written into the file
 *                            meanwhile), run it ("injected" and "ok"),
 *                            else print "unchanged"
 *   map_exec memfd           memfd with code, mmap'ed PROT_READ|PROT_EXEC
 *   map_exec anon-rwx        anonymous RWX mapping, runs code from it
 *   map_exec wx-flip         anonymous RW, code written, mprotect to RX,
 *                            runs it (what a JIT does)
 *
 * Prints "ok" (exit 0) or the errno name of the failing call (exit as in
 * probe.h: 126 for EACCES). Static, so it runs in any container root.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>

#include "probe.h"

/* mov eax, 42; ret */
static const unsigned char code42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

static int ok(void)
{
	printf("ok\n");
	return 0;
}

static int run_code(void *p)
{
	int (*fn)(void) = (int (*)(void))p;

	if (fn() != 42) {
		printf("EBADCODE\n");
		return 125;
	}
	return ok();
}

static int map_file(const char *path, int prot, int rie)
{
	void *p;
	int fd;

	if (rie && personality(READ_IMPLIES_EXEC) < 0)
		probe_fail("map_exec", "personality", errno);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		probe_fail("map_exec", path, errno);
	p = mmap(NULL, 4096, prot, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		probe_fail("map_exec", "mmap", errno);
	return ok();
}

static int mprotect_file(const char *path)
{
	void *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		probe_fail("map_exec", path, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		probe_fail("map_exec", "mmap", errno);
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC))
		probe_fail("map_exec", "mprotect", errno);
	return ok();
}

static int hold(const char *path)
{
	char line[16];
	void *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		probe_fail("map_exec", path, errno);
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		probe_fail("map_exec", "mmap", errno);
	close(fd);
	printf("mapped\n");
	if (!fgets(line, sizeof(line), stdin) && ferror(stdin))
		probe_fail("map_exec", "stdin", errno);
	if (memcmp(p, code42, sizeof(code42))) {
		printf("unchanged\n");
		return 0;
	}
	printf("injected\n");
	return run_code(p);
}

static int memfd(void)
{
	int fd = memfd_create("map_exec", MFD_CLOEXEC);
	void *p;

	if (fd < 0)
		probe_fail("map_exec", "memfd_create", errno);
	if (write(fd, code42, sizeof(code42)) != (ssize_t)sizeof(code42) ||
	    ftruncate(fd, 4096))
		probe_fail("map_exec", "write", errno);
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		probe_fail("map_exec", "mmap", errno);
	return run_code(p);
}

static int anon(int flip)
{
	int prot = PROT_READ | PROT_WRITE | (flip ? 0 : PROT_EXEC);
	void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		probe_fail("map_exec", "mmap", errno);
	memcpy(p, code42, sizeof(code42));
	if (flip && mprotect(p, 4096, PROT_READ | PROT_EXEC))
		probe_fail("map_exec", "mprotect", errno);
	return run_code(p);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(op, "mmap") && argc == 3)
		return map_file(argv[2], PROT_READ | PROT_EXEC, 0);
	if (!strcmp(op, "rie") && argc == 3)
		return map_file(argv[2], PROT_READ, 1);
	if (!strcmp(op, "mprotect") && argc == 3)
		return mprotect_file(argv[2]);
	if (!strcmp(op, "hold") && argc == 3)
		return hold(argv[2]);
	if (!strcmp(op, "memfd"))
		return memfd();
	if (!strcmp(op, "anon-rwx"))
		return anon(0);
	if (!strcmp(op, "wx-flip"))
		return anon(1);
	fprintf(stderr, "usage: map_exec mmap|rie|mprotect|hold FILE | memfd | anon-rwx | wx-flip\n");
	return 2;
}

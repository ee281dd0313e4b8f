// SPDX-License-Identifier: GPL-2.0
/*
 * fail_on_send.so: LD_PRELOAD shim for tests/stress/s03-faults.sh. The
 * process's first sendto() or sendmsg() (libmnl's mnl_socket_sendto: the
 * first netlink request) first writes 1 to /proc/self/make-it-fail, so
 * that with fault injection's task filter on, the kernel allocations of
 * this process's netlink requests (drift's handlers run in its context)
 * may fail from there on, and not those of its start (exec, the dynamic
 * loader mapping its libraries): those would mostly keep it from ever
 * reaching drift. FAIL_ON_SEND_AFTER=K: from the (K+1)th send on instead
 * (K=1: after the generic netlink family look-up, at drift's first
 * request). FAIL_ON_SEND_NTH=N: write N to /proc/self/fail-nth instead
 * (the Nth fault-injection point from there on fails, whatever the
 * probability).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void arm(void)
{
	static int armed, sends;
	const char *after = getenv("FAIL_ON_SEND_AFTER");
	int fd;

	if (armed || (after && sends++ < atoi(after)))
		return;
	armed = 1;
	const char *nth = getenv("FAIL_ON_SEND_NTH");
	const char *file = nth ? "/proc/self/fail-nth" : "/proc/self/make-it-fail";
	const char *val = nth ? nth : "1";

	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		perror(file);
	if (fd >= 0)
		close(fd);
}

ssize_t sendto(int s, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int,
			       const struct sockaddr *, socklen_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, int,
				    const struct sockaddr *, socklen_t))
			dlsym(RTLD_NEXT, "sendto");
	arm();
	return real(s, buf, len, flags, to, tolen);
}

ssize_t sendmsg(int s, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);

	if (!real)
		real = (ssize_t (*)(int, const struct msghdr *, int))
			dlsym(RTLD_NEXT, "sendmsg");
	arm();
	return real(s, msg, flags);
}

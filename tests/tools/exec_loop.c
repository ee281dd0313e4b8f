// SPDX-License-Identifier: GPL-2.0
/*
 * exec_loop [-n COUNT] [-t SECONDS] [-s STOPFILE] [-e ok|eacces|any] [-q]
 *           PATH [ARG...]
 *
 * fork + execv(PATH) + wait, COUNT times (default: until -t SECONDS have
 * passed, or until STOPFILE exists, or SIGTERM/SIGINT). The program must
 * exit 0 when it runs. Each round is counted as
 *   ok      the program ran and exited 0
 *   eacces  execv failed with EACCES
 *   other   anything else (other errno, non-zero exit, signal)
 * and one line is printed at the end:
 *   exec_loop: execs=N ok=N eacces=N other=N seconds=S rate=R cpu=C
 * (rate = execs per second; cpu = the CPU time, user + system, of this
 * process and the children it reaped, over the loop: what the loop itself
 * ran, without the kernel threads and other tasks that ran beside it). -e makes the exit status 1 when a round did
 * not give the expected result (ok: eacces and other must be 0; eacces: ok
 * and other must be 0); the first unexpected round is reported on stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_EACCES 201
#define EXIT_OTHER 202

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double tv(const struct timeval *t)
{
	return t->tv_sec + t->tv_usec / 1e6;
}

/* CPU seconds of this process and its reaped children */
static double cpu_now(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return tv(&self.ru_utime) + tv(&self.ru_stime) +
	       tv(&kids.ru_utime) + tv(&kids.ru_stime);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: exec_loop [-n COUNT] [-t SECONDS] [-s STOPFILE] "
			"[-e ok|eacces|any] [-q] PATH [ARG...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long count = 0, execs = 0, ok = 0, eacces = 0, other = 0;
	const char *stopfile = NULL, *expect = "any";
	double seconds = 0, start, elapsed, cpu0, cpu;
	int opt, quiet = 0, bad = 0;
	struct sigaction sa;

	while ((opt = getopt(argc, argv, "+n:t:s:e:qh")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 's':
			stopfile = optarg;
			break;
		case 'e':
			expect = optarg;
			if (strcmp(expect, "ok") && strcmp(expect, "eacces") &&
			    strcmp(expect, "any"))
				usage();
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || (!count && seconds <= 0 && !stopfile))
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	cpu0 = cpu_now();
	start = now();
	while (!stop) {
		int status;
		pid_t pid;

		if (count && execs >= count)
			break;
		if (seconds > 0 && now() - start >= seconds)
			break;
		if (stopfile && (execs & 15) == 0 && access(stopfile, F_OK) == 0)
			break;
		pid = fork();
		if (pid < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("fork");
			return 3;
		}
		if (pid == 0) {
			execv(argv[optind], argv + optind);
			_exit(errno == EACCES ? EXIT_EACCES : EXIT_OTHER);
		}
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				perror("waitpid");
				return 3;
			}
		}
		execs++;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			ok++;
			if (strcmp(expect, "eacces") == 0 && !bad++)
				fprintf(stderr, "exec_loop: round %lu: ran, expected EACCES\n", execs);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_EACCES) {
			eacces++;
			if (strcmp(expect, "ok") == 0 && !bad++)
				fprintf(stderr, "exec_loop: round %lu: EACCES, expected success\n", execs);
		} else {
			other++;
			if (strcmp(expect, "any") && !bad++)
				fprintf(stderr, "exec_loop: round %lu: status 0x%x, expected %s\n",
					execs, status, expect);
		}
	}
	elapsed = now() - start;
	cpu = cpu_now() - cpu0;
	if (!quiet || bad)
		printf("exec_loop: execs=%lu ok=%lu eacces=%lu other=%lu seconds=%.6f rate=%.1f cpu=%.6f\n",
		       execs, ok, eacces, other, elapsed,
		       elapsed > 0 ? (double)execs / elapsed : 0.0, cpu);
	return bad ? 1 : 0;
}

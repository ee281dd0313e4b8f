/*
 * driftd: diagnostics on stderr, one line each.
 *
 * Under systemd, when stderr is connected to the journal (JOURNAL_STREAM
 * names stderr's device and inode, see systemd.exec(5)), each line starts
 * with its syslog priority, "<3>" for errors, "<4>" warnings, "<6>" info,
 * "<7>" debug (sd-daemon(3)), so `journalctl -p err` shows driftd's
 * errors; the journal adds the time. Elsewhere (a terminal, a file, a
 * container log) a line is "TIME driftd LEVEL: message".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

int dlog_verbosity = DLOG_INFO;

static int journal = -1;	/* unknown yet */

bool dlog_stream_is_journal(const char *env, int fd)
{
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void dlog_reset(void)
{
	journal = -1;
}

void dlog(enum dlog_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	static const int prio[] = { 3, 4, 6, 7 };
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if ((int)level > dlog_verbosity)
		return;
	if (journal < 0)
		journal = dlog_stream_is_journal(getenv("JOURNAL_STREAM"), 2);
	flockfile(stderr);
	if (journal) {
		fprintf(stderr, "<%d>", prio[level]);
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ driftd %s: ", ts, now.tv_nsec / 1000000,
			names[level]);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	funlockfile(stderr);
}

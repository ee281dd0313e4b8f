/* driftd: diagnostics on stderr, one line each, with a level and time. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

int dlog_verbosity = DLOG_INFO;

void dlog(enum dlog_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if ((int)level > dlog_verbosity)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ driftd %s: ", ts, now.tv_nsec / 1000000,
		names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/*
 * driftd: diagnostics on stderr (events go to their own stream), with
 * syslog priority prefixes ("<3>") when stderr is the journal. Safe to
 * call from any thread (one line is written whole).
 */
#ifndef DRIFTD_LOG_H
#define DRIFTD_LOG_H

#include <stdbool.h>

enum dlog_level { DLOG_ERR, DLOG_WARN, DLOG_INFO, DLOG_DEBUG };

extern int dlog_verbosity;	/* highest level printed, default DLOG_INFO */

void dlog(enum dlog_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Is fd the stream JOURNAL_STREAM ("DEV:INODE") names? */
bool dlog_stream_is_journal(const char *env, int fd);
/* Forget the cached answer (tests). */
void dlog_reset(void);

#define log_err(...)	dlog(DLOG_ERR, __VA_ARGS__)
#define log_warn(...)	dlog(DLOG_WARN, __VA_ARGS__)
#define log_info(...)	dlog(DLOG_INFO, __VA_ARGS__)
#define log_debug(...)	dlog(DLOG_DEBUG, __VA_ARGS__)

#endif

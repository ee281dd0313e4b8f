/* Readiness notification to the service manager (systemd Type=notify). */
#ifndef DRIFTD_NOTIFY_H
#define DRIFTD_NOTIFY_H

/*
 * Sends @state (e.g. "READY=1", "STOPPING=1") to $NOTIFY_SOCKET, if set.
 * Returns 0 when sent or when there is nobody to tell, -errno otherwise.
 */
int notify_service_manager(const char *state);

#endif

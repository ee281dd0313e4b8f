/*
 * The protocol between drift-oci-hook and driftd, over a unix stream socket
 * (default /run/drift/driftd.sock, root only):
 *   hook -> driftd: the OCI state exactly as the runtime gave it on the
 *                   hook's stdin (JSON), then shutdown(SHUT_WR);
 *   driftd -> hook: while the request waits or is worked on, a keepalive
 *                   "\n" about every HOOK_BEAT_MS, but only when driftd's
 *                   work moved since the last one (directory entries
 *                   scanned, data hashed, set chunks sent to the
 *                   kernel, hooks answered); then one JSON object {"ok": bool,
 *                   "result": "bound"|"exempt"|"removed"|"error",
 *                   "message": str}, then close. No keepalive follows
 *                   the first byte of the answer.
 * "ok": false means driftd refused the container (it could not protect it
 * as its policy requires): the hook always fails the start, whatever its
 * failure policy. The failure policy (--fail-closed / --fail-open) applies
 * only when driftd cannot be reached, or is silent: no answer in time and
 * no keepalive in the last HOOK_BEAT_FRESH_MS (not running, hung). A
 * driftd that is still working at the hook's deadline (a cold image's
 * first scan, a burst of starts) is not a dead one: the hook refuses the
 * start, whatever its policy, so that input a workload controls (an image
 * of millions of files) can never buy an unprotected start.
 * When the hook fails open it leaves STATE_DIR/unprotected/<id>.json (the
 * OCI state) so that driftd binds the container when it is back, counts it
 * (drift_unprotected_starts_total) and reports it (an "unprotected_start"
 * event).
 */
#ifndef DRIFTD_HOOKPROTO_H
#define DRIFTD_HOOKPROTO_H

#include "oci.h"

#define HOOK_MAX_REQUEST	OCI_MAX_STATE
#define HOOK_MAX_REPLY		8192
#define HOOK_UNPROTECTED_DIR	"unprotected"
#define HOOK_BEAT_MS		1000
#define HOOK_BEAT_FRESH_MS	(3 * HOOK_BEAT_MS)

#endif

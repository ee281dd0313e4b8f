/*
 * The protocol between drift-oci-hook and driftd, over a unix stream socket
 * (default /run/drift/driftd.sock, root only):
 *   hook -> driftd: the OCI state exactly as the runtime gave it on the
 *                   hook's stdin (JSON), then shutdown(SHUT_WR);
 *   driftd -> hook: one JSON object {"ok": bool, "result":
 *                   "bound"|"exempt"|"removed"|"error", "message": str},
 *                   then close.
 * "ok": false means driftd refused the container (it could not protect it
 * as its policy requires): the hook always fails the start, whatever its
 * failure policy. The failure policy (--fail-closed / --fail-open) applies
 * only when driftd cannot be reached or does not answer in time.
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

#endif

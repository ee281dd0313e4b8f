/*
 * The protocol between drift-oci-hook and driftd, over a unix stream socket
 * (default /run/drift/driftd.sock, root only):
 *   hook -> driftd: the OCI state exactly as the runtime gave it on the
 *                   hook's stdin (JSON), then shutdown(SHUT_WR);
 *   driftd -> hook: one JSON object {"ok": bool, "result":
 *                   "bound"|"exempt"|"removed"|"error", "message": str},
 *                   then close.
 * "ok": false means driftd could not protect the container; the hook then
 * applies its failure policy (--fail-closed / --fail-open).
 * When the hook fails open it leaves STATE_DIR/unprotected/<id>.json (the
 * OCI state) so that driftd binds the container when it is back.
 */
#ifndef DRIFTD_HOOKPROTO_H
#define DRIFTD_HOOKPROTO_H

#define HOOK_MAX_REQUEST	(1u << 20)
#define HOOK_MAX_REPLY		8192
#define HOOK_UNPROTECTED_DIR	"unprotected"

#endif

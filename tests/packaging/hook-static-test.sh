#!/bin/sh
# hook-static-test.sh HOOK [DYNAMIC_HOOK]
#
# Runs HOOK (the static drift-oci-hook from `make -C packaging hook-static`)
# chrooted into a directory that holds nothing but the hook, the way it must
# run on an RHCOS node whose libraries are not the build image's, and checks
# what a runtime would see:
#   1. only the hook in the root, no driftd: fail-open exits 0 and says the
#      container starts UNPROTECTED because driftd is not running;
#      --fail-closed exits 1 and says REFUSED;
#   2. the root also has /run/drift: fail-open leaves
#      /run/drift/unprotected/<id>.json holding the OCI state byte for byte;
#   3. a driftd stand-in listens on the root's /run/drift/driftd.sock: the
#      hook sends it the state (checked byte for byte), parses its JSON
#      answer (json-c, linked in) and exits 0 for "ok": true, 1 for "ok":
#      false with --fail-closed, printing driftd's message.
# With DYNAMIC_HOOK (daemon/drift-oci-hook, linked against shared
# libraries), it also checks that that one cannot run in such a root, i.e.
# that the empty root really tells a self-contained hook from one that is not.
# Needs root (chroot). Prints "ok: ..." lines; exits 1 on the first failure.
set -u
CHROOT=$(command -v chroot) || { echo "FAILED: chroot not found"; exit 1; }
hook=$1
dyn=${2:-}
t=$(mktemp -d)
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; [ -s "$t/err" ] && sed 's/^/    hook: /' "$t/err"; exit 1; }

[ "$(id -u)" = 0 ] || { echo "FAILED: needs root (chroot)"; exit 1; }
[ -x "$hook" ] || fail "$hook is not built (make -C packaging hook-static)"

id=c0ffee$(date +%s)
state='{"ociVersion":"1.0.2","id":"'$id'","status":"creating","pid":4242,"bundle":"/run/containers/storage/overlay-containers/'$id'/userdata","annotations":{"io.kubernetes.pod.namespace":"demo"}}'
printf '%s' "$state" >"$t/state"

mkroot() { # a fresh root holding only the hook (and what the case adds)
	rm -rf "$t/root" && mkdir -p "$t/root"
	cp "$hook" "$t/root/drift-oci-hook"
}
runhook() { # ARGS...: runs the hook in the root, clean environment
	env -i "$CHROOT" "$t/root" /drift-oci-hook --timeout-ms 3000 "$@" <"$t/state" >"$t/out" 2>"$t/err"
}

# 1. nothing but the hook
mkroot
[ "$(cd "$t/root" && find . | sort | tr '\n' ' ')" = ". ./drift-oci-hook " ] || fail "root is not empty"
runhook; rc=$?
[ $rc = 0 ] || fail "fail-open without driftd: exit $rc, expected 0"
grep -q "container $id starts UNPROTECTED (driftd unreachable, fail-open): driftd is not running" "$t/err" ||
	fail "fail-open message"
echo "ok: alone in an empty root, no driftd, fail-open: exit 0, '$(head -c 100 "$t/err")...'"
runhook --fail-closed; rc=$?
[ $rc = 1 ] || fail "fail-closed without driftd: exit $rc, expected 1"
grep -q "container $id REFUSED (driftd unreachable, fail-closed): driftd is not running" "$t/err" || fail "fail-closed message"
echo "ok: fail-closed: exit 1, '$(head -c 100 "$t/err")...'"
env -i DRIFT_HOOK_FAIL=closed "$CHROOT" "$t/root" /drift-oci-hook --timeout-ms 3000 <"$t/state" 2>"$t/err"
[ $? = 1 ] || fail "DRIFT_HOOK_FAIL=closed did not fail closed"
echo "ok: DRIFT_HOOK_FAIL=closed: exit 1"

# 2. the unprotected marker
mkroot
mkdir -p "$t/root/run/drift"
runhook || fail "fail-open with /run/drift: exit $?"
cmp -s "$t/state" "$t/root/run/drift/unprotected/$id.json" || fail "no unprotected/$id.json with the OCI state"
echo "ok: fail-open left /run/drift/unprotected/$id.json (the OCI state)"

# 3. a driftd stand-in on the root's socket
serve() { # OK MESSAGE [noread]: one-connection server; writes what it received to $t/got
	rm -f "$t/root/run/drift/driftd.sock" "$t/ready"
	python3 - "$t/root/run/drift/driftd.sock" "$t/got" "$1" "$2" "$t/ready" "${3:-read}" <<'EOF' &
import json, socket, sys, time
path, got, ok, msg, ready, mode = sys.argv[1:7]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
open(ready, "w").close()
s.settimeout(20)
c, _ = s.accept()
data = b""
if mode == "noread":
    # what driftd does with a refused peer: answer at once, close without
    # reading the request (the kernel then resets the connection)
    time.sleep(0.5)
    c.sendall(json.dumps({"ok": False, "result": "error", "message": msg}).encode())
    c.close()
    sys.exit(0)
while True:
    b = c.recv(65536)
    if not b:
        break
    data += b
open(got, "wb").write(data)
c.sendall(json.dumps({"ok": ok == "true", "result": "bound" if ok == "true" else "error",
                      "message": msg}).encode())
c.close()
EOF
	srv=$!
	i=0
	while [ ! -e "$t/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$t/ready" ] || fail "driftd stand-in did not start"
}
serve true "container $id bound to set sha256:feed (audit)"
runhook --fail-closed; rc=$?
wait "$srv"; srv=
[ $rc = 0 ] || fail "driftd said ok: exit $rc, expected 0"
cmp -s "$t/state" "$t/got" || fail "driftd stand-in received something else than the OCI state"
grep -qx "drift-oci-hook: container $id bound to set sha256:feed (audit)" "$t/err" || fail "bound message"
echo "ok: with a driftd socket: state sent byte for byte, answer parsed, exit 0: '$(cat "$t/err")'"
serve false "image layers of $id not found"
runhook --fail-closed; rc=$?
wait "$srv"; srv=
[ $rc = 1 ] || fail "driftd said not ok, fail-closed: exit $rc, expected 1"
grep -q "driftd refused container $id: image layers of $id not found" "$t/err" || fail "refusal message"
echo "ok: driftd answered ok=false, fail-closed: exit 1: '$(cat "$t/err")'"
serve false "permission denied: peer pid 1 is not in the host's mnt namespace" noread
runhook --fail-open; rc=$?
wait "$srv"; srv=
[ $rc = 1 ] || fail "driftd refused the peer without reading its request, fail-open: exit $rc, expected 1 ($(cat "$t/err"))"
grep -q "driftd refused container $id: permission denied: peer pid 1" "$t/err" || fail "peer refusal message: $(cat "$t/err")"
echo "ok: refused before its request was read (connection reset), fail-open: exit 1: '$(cat "$t/err")'"

# 4. the check tells a dynamically linked hook apart
if [ -n "$dyn" ]; then
	[ -x "$dyn" ] || fail "$dyn not built"
	rm -rf "$t/root" && mkdir -p "$t/root/run/drift" && cp "$dyn" "$t/root/drift-oci-hook"
	runhook; rc=$?
	[ $rc = 0 ] && fail "the dynamically linked $dyn ran in the empty root"
	[ -e "$t/root/run/drift/unprotected/$id.json" ] && fail "the dynamically linked hook left a marker"
	echo "ok: the dynamically linked hook cannot run there (exit $rc): the empty root is a real test"
fi
exit 0

#!/usr/bin/env python3
"""run-daemonset-init.py DAEMONSET_YAML HOOK_JSON HOOK_BINARY

Runs the driftd DaemonSet's init containers' shell commands on this machine
with their paths mapped into a scratch directory, as the kubelet would run
them in the pod:
  /host/...                 -> WORK/host/... (the node's hostPath volumes)
  /etc/drift-hook/drift.json -> HOOK_JSON (the drift-oci-hook ConfigMap)
  /usr/libexec/drift/drift-oci-hook -> HOOK_BINARY (what the image holds)
  /sys/module/drift/version -> WORK/sys/module/drift/version
and checks what the node ends up with: the hook binary (same bytes, mode
0755) in /var/lib/drift/bin, the hooks.d file (same bytes as the ConfigMap,
mode 0644) in /run/containers/oci/hooks.d and nothing else there (CRI-O reads
every *.json), also when run a second time (a pod restart); and that
wait-for-module waits while no module or another version is loaded and
returns once this version is.
"""
import os
import signal
import stat
import subprocess
import sys
import tempfile

import yaml

ds_file, hook_json, hook_bin = sys.argv[1:4]
problems = []


def bad(msg):
    problems.append(msg)
    print("FAILED: " + msg)


ds = [d for d in yaml.safe_load_all(open(ds_file)) if d and d.get("kind") == "DaemonSet"][0]
inits = {c["name"]: c for c in ds["spec"]["template"]["spec"]["initContainers"]}
work = tempfile.mkdtemp()
MAP = [("/host/", os.path.join(work, "host") + "/"),
       ("/etc/drift-hook/drift.json", os.path.abspath(hook_json)),
       ("/usr/libexec/drift/drift-oci-hook", os.path.abspath(hook_bin)),
       ("/sys/module/drift/version", os.path.join(work, "sys/module/drift/version"))]


def script(c):
    cmd = c["command"]
    if cmd[:2] not in (["/bin/sh", "-c"], ["/bin/sh", "-ec"]) or len(cmd) != 3:
        raise SystemExit("FAILED: %s: expected /bin/sh -c SCRIPT" % c["name"])
    s = cmd[2]
    for a, b in MAP:
        s = s.replace(a, b)
    return cmd[:2], s


def run(c, timeout):
    sh, s = script(c)
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
    for e in c.get("env", []):
        env[e["name"]] = e["value"]
    p = subprocess.Popen(["sh", sh[1], s], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)	# the shell and its sleep
        out, _ = p.communicate()
        return None, out


# install-hook, on a node where the hostPath directories exist (the kubelet
# creates them: type DirectoryOrCreate), twice.
for d in ("host/var/lib/drift", "host/run/containers/oci/hooks.d"):
    os.makedirs(os.path.join(work, d))
for attempt in (1, 2):
    rc, out = run(inits["install-hook"], 30)
    if rc != 0:
        bad("install-hook (run %d) exited %s: %s" % (attempt, rc, out))
    b = os.path.join(work, "host/var/lib/drift/bin/drift-oci-hook")
    j = os.path.join(work, "host/run/containers/oci/hooks.d/drift.json")
    for f, want, mode in ((b, hook_bin, 0o755), (j, hook_json, 0o644)):
        if not os.path.exists(f):
            bad("run %d: %s not installed" % (attempt, f[len(work) + 5:]))
            continue
        if open(f, "rb").read() != open(want, "rb").read():
            bad("run %d: %s differs from %s" % (attempt, f, want))
        if stat.S_IMODE(os.stat(f).st_mode) != mode:
            bad("run %d: %s has mode %o, expected %o" % (attempt, f, stat.S_IMODE(os.stat(f).st_mode), mode))
    left = sorted(os.listdir(os.path.dirname(j)))
    if left != ["drift.json"]:
        bad("run %d: hooks.d holds %s, expected only drift.json" % (attempt, left))
    left = sorted(os.listdir(os.path.dirname(b)))
    if left != ["drift-oci-hook"]:
        bad("run %d: /var/lib/drift/bin holds %s" % (attempt, left))
if not problems:
    print("ok: install-hook put the hook and drift.json in place (twice, nothing left behind)")

# wait-for-module
w = inits["wait-for-module"]
want = {e["name"]: e["value"] for e in w.get("env", [])}.get("DRIFT_MODULE_VERSION")
vf = os.path.join(work, "sys/module/drift/version")
rc, out = run(w, 3)
if rc is not None:
    bad("wait-for-module returned (%s) with no module loaded" % rc)
os.makedirs(os.path.dirname(vf))
open(vf, "w").write("0.0.1-old\n")
rc, out = run(w, 3)
if rc is not None:
    bad("wait-for-module returned (%s) with module 0.0.1-old loaded, waiting for %s" % (rc, want))
open(vf, "w").write(want + "\n")
rc, out = run(w, 10)
if rc != 0:
    bad("wait-for-module did not return once %s was loaded (%s): %s" % (want, rc, out))
if not problems:
    print("ok: wait-for-module waits with no module and with another version, returns for %s" % want)
subprocess.run(["rm", "-rf", work])
sys.exit(1 if problems else 0)

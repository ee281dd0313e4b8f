#!/usr/bin/env python3
"""check-manifests-mutations.py OPENSHIFT_DIR HOOKS_JSON

Shows that check-manifests.py catches what it claims to: copies the
manifests to a scratch directory, breaks them one way at a time (each a
mistake that would make the install fail or misbehave on a cluster) and
expects check-manifests.py to fail with the given message. The unbroken copy
must pass. Prints one line per mutation; exits 1 if any was not caught.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

here = os.path.dirname(os.path.abspath(__file__))
checker = os.path.join(here, "check-manifests.py")
src, hooks_json = sys.argv[1], sys.argv[2]


def edit_yaml(fn, kind, f):
    """applies f to the first document of KIND in file fn."""
    def apply(root):
        p = os.path.join(root, fn)
        docs = list(yaml.safe_load_all(open(p)))
        for d in docs:
            if d and d.get("kind") == kind:
                f(d)
                break
        else:
            raise SystemExit("mutation: no %s in %s" % (kind, fn))
        yaml.safe_dump_all(docs, open(p, "w"), sort_keys=False)
    return apply


def edit_text(fn, old, new):
    def apply(root):
        p = os.path.join(root, fn)
        s = open(p).read()
        if old not in s:
            raise SystemExit("mutation: %r not in %s" % (old, fn))
        open(p, "w").write(s.replace(old, new))
    return apply


def container(ds, name):
    pod = ds["spec"]["template"]["spec"]
    return [c for c in pod["containers"] + pod.get("initContainers", []) if c["name"] == name][0]


def mlc(m):
    return m["spec"]["moduleLoader"]["container"]


def km0(m):
    return mlc(m)["kernelMappings"][0]


D, M, X = "driftd-daemonset.yaml", "module.yaml", "metrics.yaml"
MUT = [
    ("Module field typo (pruned by the API server)",
     edit_yaml(M, "Module", lambda m: mlc(m).update(kernelMapping=mlc(m).pop("kernelMappings"))),
     "unknown field 'kernelMapping'"),
    ("Module without version (no ordered upgrade)",
     edit_yaml(M, "Module", lambda m: mlc(m).pop("version")), "no spec.moduleLoader.container.version"),
    ("Module version ahead of the DaemonSet's",
     edit_yaml(M, "Module", lambda m: mlc(m).update(version="9.9.9")), "expected the Module version '9.9.9'"),
    ("module image tag without the drift version",
     edit_yaml(M, "Module", lambda m: km0(m).update(containerImage="quay.io/drift/drift-kmod:${KERNEL_FULL_VERSION}")),
     "its tag must start with the version"),
    ("toleration without key and with operator Equal",
     edit_yaml(M, "Module", lambda m: m["spec"].update(tolerations=[{"operator": "Equal", "effect": "NoSchedule"}])),
     "without key the operator must be Exists"),
    ("filesToSign outside dirName",
     edit_yaml(M, "Module", lambda m: km0(m)["sign"].update(filesToSign=["/lib/modules/${KERNEL_FULL_VERSION}/drift.ko"])),
     "is not under dirName /opt/"),
    ("imagePullPolicy not in the enum",
     edit_yaml(M, "Module", lambda m: mlc(m).update(imagePullPolicy="Sometimes")), "is not one of"),
    ("sign without keySecret",
     edit_yaml(M, "Module", lambda m: km0(m)["sign"].pop("keySecret")), "missing required field 'keySecret'"),
    ("no imageRepoSecret",
     edit_yaml(M, "Module", lambda m: m["spec"].pop("imageRepoSecret")), "no imageRepoSecret"),
    ("driftd without preStop unlock",
     edit_yaml(D, "DaemonSet", lambda d: container(d, "driftd")["lifecycle"].pop("preStop")),
     "preStop must run driftctl unlock"),
    ("driftd outside the host network namespace",
     edit_yaml(D, "DaemonSet", lambda d: d["spec"]["template"]["spec"].update(hostNetwork=False)),
     "hostNetwork: drift.ko's netlink family"),
    ("DaemonSet not bound to the version label",
     edit_yaml(D, "DaemonSet", lambda d: d["spec"]["template"]["spec"]["nodeSelector"].pop(
         "kmm.node.kubernetes.io/version-module.drift-system.drift")), "expected the Module version"),
    ("DaemonSet named without its version",
     edit_yaml(D, "DaemonSet", lambda d: d["metadata"].update(name="driftd")), "name should be driftd-"),
    ("init container waits for another module version",
     edit_yaml(D, "DaemonSet", lambda d: container(d, "wait-for-module")["env"][0].update(value="0.0.9")),
     "waits for module version '0.0.9'"),
    ("hook not installed in the runtime hooks.d",
     edit_text(D, "/host/run/containers/oci/hooks.d/drift.json", "/host/run/containers/oci/hooks.d/drift.jsn"),
     "does not install /run/containers/oci/hooks.d/drift.json"),
    ("hooks.d file names the packaged path, not the node's",
     edit_text("drift-hook.json", "/var/lib/drift/bin/drift-oci-hook", "/usr/libexec/drift/drift-oci-hook"),
     "drift-hook.json differs"),
    ("driftd's layer cache on the read-only root",
     edit_yaml(D, "DaemonSet", lambda d: container(d, "driftd")["volumeMounts"].pop()),
     "layer cache /var/lib/drift/layers is not a writable hostPath"),
    ("ServiceMonitor with a bearerTokenFile",
     edit_yaml(X, "ServiceMonitor", lambda s: s["spec"]["endpoints"][0].update(
         bearerTokenFile="/var/run/secrets/kubernetes.io/serviceaccount/token")), "refuses file references"),
    ("ServiceMonitor TLS server name not the Service's",
     edit_yaml(X, "ServiceMonitor", lambda s: s["spec"]["endpoints"][0]["tlsConfig"].update(serverName="driftd")),
     "is not the Service's DNS name"),
    ("ServiceMonitor port name not in the Service",
     edit_yaml(X, "ServiceMonitor", lambda s: s["spec"]["endpoints"][0].update(port="http")),
     "is not a Service port name"),
    ("Service targets driftd's loopback port",
     edit_yaml(X, "Service", lambda s: s["spec"]["ports"][0].update(targetPort=9477)),
     "does not target the pods' metrics port"),
    ("kube-rbac-proxy upstream is not driftd's metrics-listen",
     edit_text(D, "--upstream=http://127.0.0.1:9477/", "--upstream=http://127.0.0.1:9100/"),
     "is not driftd's metrics-listen"),
    ("kube-rbac-proxy listening on all addresses",
     edit_text(D, "--secure-listen-address=$(POD_IP):9478", "--secure-listen-address=0.0.0.0:9478"),
     "does not listen on $(POD_IP):9478"),
    ("driftd metrics on every address of the node",
     edit_text("driftd.conf", "metrics-listen 127.0.0.1:9477", "metrics-listen 0.0.0.0:9477"),
     "expected the loopback"),
    ("scraper may not read /metrics",
     edit_yaml(X, "ClusterRole", lambda r: r["rules"][0].update(nonResourceURLs=["/healthz"])),
     "may not get /metrics"),
    ("no auth-delegator for kube-rbac-proxy",
     edit_text(X, "name: system:auth-delegator", "name: system:basic-user"), "needs system:auth-delegator"),
    ("SCC without host network",
     edit_yaml("scc.yaml", "SecurityContextConstraints", lambda s: s.update(allowHostNetwork=False)),
     "hostNetwork not allowed by the SCC"),
    ("SCC without secret volumes",
     edit_yaml("scc.yaml", "SecurityContextConstraints", lambda s: s["volumes"].remove("secret")),
     "volume types ['secret'] not allowed"),
]
EXAMPLES = [
    ("PreflightValidationOCP without kernelVersion",
     edit_yaml("preflight/preflightvalidationocp.yaml", "PreflightValidationOCP", lambda p: p["spec"].pop("kernelVersion")),
     "missing required field 'kernelVersion'"),
    ("PreflightValidationOCP with a field of another kind",
     edit_yaml("preflight/preflightvalidationocp.yaml", "PreflightValidationOCP",
               lambda p: p["spec"].update(releaseImage="quay.io/openshift-release-dev/ocp-release:4.19.0-x86_64")),
     "unknown field 'releaseImage'"),
    ("PreflightValidation with the OCP-only dtkImage",
     edit_yaml("preflight/preflightvalidation.yaml", "PreflightValidation", lambda p: p["spec"].update(dtkImage="x:1")),
     "unknown field 'dtkImage'"),
    ("PreflightValidation as a namespaced object",
     edit_yaml("preflight/preflightvalidation.yaml", "PreflightValidation",
               lambda p: p["metadata"].update(namespace="drift-system")), "is cluster-scoped"),
]


def run(root, examples):
    args = ["--examples", os.path.join(root, "preflight")] if examples else [root, hooks_json]
    r = subprocess.run([sys.executable, checker] + args, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def main():
    missed = 0
    for examples, muts in ((False, MUT), (True, EXAMPLES)):
        with tempfile.TemporaryDirectory() as t:
            root = os.path.join(t, "openshift")
            shutil.copytree(src, root)
            rc, out = run(root, examples)
            if rc:
                print("FAILED: the unmodified manifests do not pass:\n" + out)
                return 1
        for name, mutate, want in muts:
            with tempfile.TemporaryDirectory() as t:
                root = os.path.join(t, "openshift")
                shutil.copytree(src, root)
                mutate(root)
                rc, out = run(root, examples)
                if rc and want in out:
                    print("caught: %s" % name)
                else:
                    missed += 1
                    print("FAILED: not caught: %s (exit %d, expected %r)\n%s" % (name, rc, want, out))
    print("%d mutations, %d not caught" % (len(MUT) + len(EXAMPLES), missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

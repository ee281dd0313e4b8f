#!/usr/bin/env python3
"""Checks drift's OpenShift manifests with a real YAML parser (python3-yaml).

  check-manifests.py OPENSHIFT_DIR HOOKS_JSON   the source directory
  check-manifests.py --rendered FILE            output of `kubectl kustomize`

Per kind: apiVersion, required fields and their types (a subset of each
resource's OpenAPI schema), then cross-references: names the DaemonSet, the
Module and the RBAC use exist; the SCC allows what the pods ask for; the
MachineConfig's hook file is the hooks.d JSON with the node path; the
kustomization lists every manifest and its generator files exist.
Prints one line per problem and exits 1 if there is any.
"""
import json
import os
import re
import sys
import urllib.parse

import yaml

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


API = {
    "Namespace": "v1",
    "ServiceAccount": "v1",
    "ConfigMap": "v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    "DaemonSet": "apps/v1",
    "Module": "kmm.sigs.x-k8s.io/v1beta1",
    "SecurityContextConstraints": "security.openshift.io/v1",
    "MachineConfig": "machineconfiguration.openshift.io/v1",
}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding",
                  "SecurityContextConstraints", "MachineConfig"}
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
K8S_CAPS = re.compile(r"^[A-Z_]+$")


def get(obj, path, where, typ=None, required=True):
    """obj at dotted path; reports a missing or mistyped field."""
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            if required:
                bad(where, "missing %s" % path)
            return None
        cur = cur[part]
    if typ is not None and cur is not None and not isinstance(cur, typ):
        bad(where, "%s should be %s, is %s" % (path, typ.__name__
                                                if isinstance(typ, type) else typ,
                                                type(cur).__name__))
        return None
    return cur


def check_common(d, where):
    kind = d.get("kind")
    if kind not in API:
        bad(where, "unexpected kind %r" % kind)
        return False
    if d.get("apiVersion") != API[kind]:
        bad(where, "%s apiVersion %r, expected %r" % (kind, d.get("apiVersion"), API[kind]))
    name = get(d, "metadata.name", where, str)
    if name and not NAME_RE.match(name) and not (kind == "ClusterRole" and ":" in name):
        bad(where, "metadata.name %r is not a DNS name" % name)
    ns = get(d, "metadata.namespace", where, str, required=False)
    if kind in CLUSTER_SCOPED and ns:
        bad(where, "%s is cluster-scoped but has namespace %r" % (kind, ns))
    if kind not in CLUSTER_SCOPED and ns != "drift-system":
        bad(where, "%s %s: namespace %r, expected drift-system" % (kind, name, ns))
    return True


def check_container(c, where, volumes):
    get(c, "name", where, str)
    get(c, "image", where, str)
    for m in c.get("volumeMounts", []):
        if m.get("name") not in volumes:
            bad(where, "volumeMount %r has no volume" % m.get("name"))
        if not str(m.get("mountPath", "")).startswith("/"):
            bad(where, "mountPath of %r is not absolute" % m.get("name"))
    sc = c.get("securityContext", {})
    caps = sc.get("capabilities", {})
    for cap in caps.get("add", []) + caps.get("drop", []):
        if not K8S_CAPS.match(cap) or cap.startswith("CAP_"):
            bad(where, "capability %r (Kubernetes spells them without CAP_)" % cap)
    if sc.get("privileged"):
        bad(where, "container %s is privileged" % c.get("name"))
    for probe in ("readinessProbe", "livenessProbe"):
        p = c.get(probe)
        if p is not None and not any(k in p for k in ("exec", "httpGet", "tcpSocket", "grpc")):
            bad(where, "%s has no handler" % probe)


def check_kind(d, where):
    kind = d["kind"]
    if kind == "DaemonSet":
        sel = get(d, "spec.selector.matchLabels", where, dict) or {}
        labels = get(d, "spec.template.metadata.labels", where, dict) or {}
        for k, v in sel.items():
            if labels.get(k) != v:
                bad(where, "selector %s=%s does not match the pod labels" % (k, v))
        pod = get(d, "spec.template.spec", where, dict) or {}
        volumes = {}
        for v in pod.get("volumes", []):
            srcs = [k for k in v if k != "name"]
            if len(srcs) != 1:
                bad(where, "volume %s needs exactly one source" % v.get("name"))
            volumes[v.get("name")] = v
        cs = get(pod, "containers", where + " pod", list) or []
        if not cs:
            bad(where, "no containers")
        for c in cs + pod.get("initContainers", []):
            check_container(c, "%s container %s" % (where, c.get("name")), volumes)
    elif kind == "Module":
        ml = get(d, "spec.moduleLoader.container", where, dict) or {}
        if get(ml, "modprobe.moduleName", where + " moduleLoader.container", str) != "drift":
            bad(where, "modprobe.moduleName should be drift")
        kms = get(ml, "kernelMappings", where + " moduleLoader.container", list) or []
        if not kms:
            bad(where, "no kernelMappings")
        for i, km in enumerate(kms):
            w = "%s kernelMappings[%d]" % (where, i)
            has_re = "regexp" in km
            if has_re == ("literal" in km):
                bad(w, "exactly one of regexp / literal")
            if has_re:
                try:
                    re.compile(km["regexp"])
                except re.error as e:
                    bad(w, "bad regexp: %s" % e)
            img = get(km, "containerImage", w, str) or ""
            if "${KERNEL_FULL_VERSION}" not in img and "${KERNEL_VERSION}" not in img:
                bad(w, "containerImage must depend on the kernel version")
            b = km.get("build", ml.get("build"))
            if b is None:
                bad(w, "no build section (in-cluster build)")
            else:
                get(b, "dockerfileConfigMap.name", w + " build", str)
                for a in b.get("buildArgs", []):
                    if set(a) != {"name", "value"}:
                        bad(w, "buildArgs entries are {name, value}")
            s = km.get("sign", ml.get("sign"))
            if s is None:
                bad(w, "no sign section (Secure Boot)")
            else:
                get(s, "keySecret.name", w + " sign", str)
                get(s, "certSecret.name", w + " sign", str)
                files = get(s, "filesToSign", w + " sign", list) or []
                if not files or not all(f.startswith("/opt/lib/modules/${KERNEL_FULL_VERSION}/") for f in files):
                    bad(w, "filesToSign must be under /opt/lib/modules/${KERNEL_FULL_VERSION}/")
        if not isinstance(get(d, "spec.selector", where, dict), dict):
            pass
    elif kind == "SecurityContextConstraints":
        for f in ("allowHostDirVolumePlugin", "allowHostIPC", "allowHostNetwork", "allowHostPID",
                  "allowHostPorts", "allowPrivilegedContainer", "readOnlyRootFilesystem"):
            get(d, f, where, bool)
        for f in ("runAsUser", "seLinuxContext", "fsGroup", "supplementalGroups"):
            get(d, f + ".type", where, str)
        if d.get("allowPrivilegedContainer"):
            bad(where, "driftd's SCC must not allow privileged containers")
    elif kind == "MachineConfig":
        role = get(d, "metadata.labels", where, dict) or {}
        if "machineconfiguration.openshift.io/role" not in role:
            bad(where, "missing label machineconfiguration.openshift.io/role")
        ver = get(d, "spec.config.ignition.version", where, str) or ""
        if not re.match(r"^3\.[0-4]\.0$", ver):
            bad(where, "ignition version %r (OpenShift 4 uses 3.x)" % ver)
        for f in get(d, "spec.config.storage.files", where, list) or []:
            get(f, "path", where + " file", str)
            if not isinstance(f.get("mode"), int) or not 0 <= f["mode"] <= 0o7777:
                bad(where, "file mode must be a decimal integer (e.g. 420 for 0644)")
            src = get(f, "contents.source", where + " file", str) or ""
            if not src.startswith("data:"):
                bad(where, "contents.source must be a data: URL")
    elif kind in ("RoleBinding", "ClusterRoleBinding"):
        get(d, "roleRef.kind", where, str)
        get(d, "roleRef.name", where, str)
        if get(d, "roleRef.apiGroup", where, str) != "rbac.authorization.k8s.io":
            bad(where, "roleRef.apiGroup")
        for s in get(d, "subjects", where, list) or []:
            if s.get("kind") == "ServiceAccount" and not s.get("namespace"):
                bad(where, "ServiceAccount subject without namespace")
    elif kind == "ClusterRole":
        for r in get(d, "rules", where, list) or []:
            for f in ("apiGroups", "resources", "verbs"):
                get(r, f, where + " rule", list)
    elif kind == "ConfigMap":
        get(d, "data", where, dict)


def decode_data_url(src):
    head, _, body = src.partition(",")
    if head.endswith(";base64"):
        import base64
        return base64.b64decode(body).decode()
    return urllib.parse.unquote(body)


def cross_check(docs, hooks_json):
    by = {}
    for d in docs:
        by.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    ds = by.get("DaemonSet", {}).get("driftd")
    mod = by.get("Module", {}).get("drift")
    scc = by.get("SecurityContextConstraints", {}).get("drift-driftd")
    mc = [d for d in by.get("MachineConfig", {}).values()]
    for kind, name in (("Namespace", "drift-system"), ("DaemonSet", "driftd"), ("Module", "drift"),
                       ("SecurityContextConstraints", "drift-driftd"), ("ServiceAccount", "driftd")):
        if name not in by.get(kind, {}):
            bad("set", "no %s %s" % (kind, name))
    if len(mc) != 1:
        bad("set", "expected one MachineConfig, found %d" % len(mc))
    sas = by.get("ServiceAccount", {})
    if ds:
        pod = ds["spec"]["template"]["spec"]
        if pod.get("serviceAccountName") not in sas:
            bad("DaemonSet", "serviceAccountName %r is not defined" % pod.get("serviceAccountName"))
        if scc:
            allowed = set(scc.get("allowedCapabilities") or [])
            for c in pod.get("containers", []) + pod.get("initContainers", []):
                add = set(c.get("securityContext", {}).get("capabilities", {}).get("add", []))
                if not add <= allowed:
                    bad("DaemonSet", "%s adds %s, not allowed by the SCC" % (c["name"], sorted(add - allowed)))
            if pod.get("hostPID") and not scc.get("allowHostPID"):
                bad("DaemonSet", "hostPID not allowed by the SCC")
            vols = {k for v in pod.get("volumes", []) for k in v if k != "name"}
            if not vols <= set(scc.get("volumes") or []):
                bad("DaemonSet", "volume types %s not allowed by the SCC" % sorted(vols - set(scc["volumes"])))
            if scc.get("readOnlyRootFilesystem"):
                for c in pod.get("containers", []) + pod.get("initContainers", []):
                    if not c.get("securityContext", {}).get("readOnlyRootFilesystem"):
                        bad("DaemonSet", "%s must set readOnlyRootFilesystem (SCC)" % c["name"])
            ann = ds["spec"]["template"]["metadata"].get("annotations", {})
            if ann.get("openshift.io/required-scc") != "drift-driftd":
                bad("DaemonSet", "pod should require SCC drift-driftd")
        # The SCC may be used by the DaemonSet's service account.
        ok = False
        for rb in by.get("RoleBinding", {}).values():
            role = by.get("ClusterRole", {}).get(rb["roleRef"]["name"])
            if not role or not any(s.get("name") == pod.get("serviceAccountName") for s in rb.get("subjects", [])):
                continue
            for r in role.get("rules", []):
                if ("securitycontextconstraints" in r.get("resources", []) and "use" in r.get("verbs", [])
                        and "drift-driftd" in r.get("resourceNames", [])):
                    ok = True
        if not ok:
            bad("RBAC", "the driftd service account may not use SCC drift-driftd")
        cm_names = {v["configMap"]["name"] for v in pod.get("volumes", []) if "configMap" in v}
        for n in cm_names:
            if "ConfigMap" in by and n not in by["ConfigMap"]:
                bad("DaemonSet", "configMap %s is not generated" % n)
        # the hook binary location in the MachineConfig is what the init container installs
        init = " ".join(" ".join(c.get("command", [])) for c in pod.get("initContainers", []))
        if "/host/var/lib/drift/bin/drift-oci-hook" not in init:
            bad("DaemonSet", "init container does not install /var/lib/drift/bin/drift-oci-hook")
        main = " ".join(pod["containers"][0].get("command", []))
        if "/usr/sbin/driftd" not in main:
            bad("DaemonSet", "driftd container does not run /usr/sbin/driftd")
    if mod:
        ml = mod["spec"]["moduleLoader"]
        if ml.get("serviceAccountName") not in sas:
            bad("Module", "serviceAccountName %r is not defined" % ml.get("serviceAccountName"))
        for km in ml["container"]["kernelMappings"]:
            cm = km.get("build", {}).get("dockerfileConfigMap", {}).get("name")
            if "ConfigMap" in by:
                if cm not in by["ConfigMap"]:
                    bad("Module", "dockerfileConfigMap %s not generated" % cm)
                elif "dockerfile" not in by["ConfigMap"][cm].get("data", {}):
                    bad("Module", "ConfigMap %s has no 'dockerfile' key" % cm)
            args = {a["name"] for a in km.get("build", {}).get("buildArgs", [])}
            if "DRIFT_IMAGE" not in args:
                bad("Module", "build arg DRIFT_IMAGE (the source image) missing")
    for m in mc:
        for f in m["spec"]["config"]["storage"]["files"]:
            if f["path"] != "/etc/containers/oci/hooks.d/drift.json":
                continue
            try:
                got = json.loads(decode_data_url(f["contents"]["source"]))
            except ValueError as e:
                bad("MachineConfig", "hook file is not JSON: %s" % e)
                continue
            want = json.load(open(hooks_json)) if hooks_json else None
            if want:
                want["hook"]["path"] = "/var/lib/drift/bin/drift-oci-hook"
                if got != want:
                    bad("MachineConfig", "hook file differs from packaging/hooks/drift.json "
                        "(with the node path): %s" % json.dumps(got))
            if f.get("mode") != 0o644:
                bad("MachineConfig", "hook file mode should be 420 (0644)")
            break
        else:
            bad("MachineConfig", "does not write /etc/containers/oci/hooks.d/drift.json")


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--rendered":
        docs = load(sys.argv[2])
        for i, d in enumerate(docs):
            w = "%s[%d] %s/%s" % (os.path.basename(sys.argv[2]), i, d.get("kind"),
                                  d.get("metadata", {}).get("name"))
            if check_common(d, w):
                check_kind(d, w)
        cross_check(docs, None)
        label = "rendered kustomization"
    elif len(sys.argv) == 3:
        root, hooks_json = sys.argv[1], sys.argv[2]
        k = load(os.path.join(root, "kustomization.yaml"))[0]
        if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or k.get("kind") != "Kustomization":
            bad("kustomization.yaml", "apiVersion/kind")
        if "namespace" in k:
            bad("kustomization.yaml", "a top-level namespace would be set on the cluster-scoped SCC/MachineConfig")
        listed = set(k.get("resources", []))
        present = {f for f in os.listdir(root) if f.endswith(".yaml") and f != "kustomization.yaml"}
        for f in sorted(present - listed):
            bad("kustomization.yaml", "%s is not listed in resources" % f)
        docs = []
        for f in sorted(listed):
            if f not in present:
                bad("kustomization.yaml", "resource %s does not exist" % f)
                continue
            for i, d in enumerate(load(os.path.join(root, f))):
                w = "%s[%d] %s/%s" % (f, i, d.get("kind"), d.get("metadata", {}).get("name"))
                if check_common(d, w):
                    check_kind(d, w)
                    docs.append(d)
        # configMapGenerator: emulate it (files exist, keys are right).
        for g in k.get("configMapGenerator", []):
            data = {}
            for spec in g.get("files", []):
                key, _, fn = spec.rpartition("=")
                fn = fn or spec
                key = key or os.path.basename(fn)
                p = os.path.join(root, fn)
                if not os.path.exists(p):
                    bad("kustomization.yaml", "generator file %s does not exist" % fn)
                    continue
                data[key] = open(p).read()
            if g.get("namespace") != "drift-system":
                bad("kustomization.yaml", "generator %s without namespace drift-system" % g.get("name"))
            docs.append({"kind": "ConfigMap", "apiVersion": "v1",
                         "metadata": {"name": g["name"], "namespace": g.get("namespace")}, "data": data})
        if not k.get("generatorOptions", {}).get("disableNameSuffixHash"):
            bad("kustomization.yaml", "generated names must be stable (KMM refers to the ConfigMap by name)")
        cross_check(docs, hooks_json)
        label = "%d manifests in %s" % (len(docs), root)
    else:
        sys.exit(__doc__)
    for p in problems:
        print("FAILED: " + p)
    if problems:
        sys.exit(1)
    print("ok: %s" % label)


if __name__ == "__main__":
    main()

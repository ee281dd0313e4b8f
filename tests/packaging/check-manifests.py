#!/usr/bin/env python3
"""Checks drift's OpenShift manifests with a real YAML parser (python3-yaml).

  check-manifests.py OPENSHIFT_DIR HOOKS_JSON   the source directory
  check-manifests.py --rendered FILE            output of `kubectl kustomize`

  check-manifests.py --examples DIR              the PreflightValidation examples

Per kind: apiVersion, required fields and their types (a subset of each
resource's OpenAPI schema); the KMM kinds (Module, PreflightValidation,
PreflightValidationOCP) and ServiceMonitor completely against the schema
written down below from their Go types (an unknown field is an error: the
API server would silently drop it), plus the rules KMM's admission webhook
enforces. Then cross-references: names the DaemonSet, the Module, the
metrics objects and the RBAC use exist; the SCC allows what the pods ask
for; the module version, the ordered-upgrade node label, the DaemonSet's
name and node selector and packaging/VERSION agree; the hooks.d file the
DaemonSet installs is packaging/hooks/drift.json with the node path; the
metrics port chain (Service -> pod port "metrics" -> kube-rbac-proxy ->
driftd's metrics-listen) is consistent; the kustomization lists every
manifest and its generator files exist.
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
    "Service": "v1",
    "Secret": "v1",
    "DaemonSet": "apps/v1",
    "Module": "kmm.sigs.x-k8s.io/v1beta1",
    "PreflightValidation": "kmm.sigs.x-k8s.io/v1beta2",
    "PreflightValidationOCP": "kmm.sigs.x-k8s.io/v1beta2",
    "ServiceMonitor": "monitoring.coreos.com/v1",
    "SecurityContextConstraints": "security.openshift.io/v1",
}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding",
                  "SecurityContextConstraints", "PreflightValidation",
                  "PreflightValidationOCP"}


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


NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
K8S_CAPS = re.compile(r"^[A-Z_]+$")

# ---------------------------------------------------------------------------
# Schemas of the custom resources drift ships, written down from their Go
# types (JSON field names; "req" = the CRD requires it: a field without
# `omitempty` and without a `+optional` marker, or `+kubebuilder:validation:
# Required`). Only the fields listed exist: an unknown one is an error here
# because the API server prunes it silently. Sources read:
#
# KMM, kmm.sigs.x-k8s.io/v1beta1 Module: kubernetes-sigs/kernel-module-
#   management api/v1beta1/module_types.go (commit de3f8c9d, 2026-07-29) and
#   the same file in rh-ecosystem-edge/kernel-module-management (the
#   OpenShift operator; commit 0419e2f0, 2026-07-19), identical for every
#   field below. ModuleSpec.selector is required, moduleLoader optional;
#   ModuleLoaderSpec.container is required; ModuleLoaderContainerSpec.
#   kernelMappings is required with MinItems=1 and modprobe is required;
#   KernelMapping.containerImage has neither omitempty nor +optional;
#   Build.dockerfileConfigMap, Sign.keySecret and Sign.certSecret are
#   required; ModprobeSpec.dirName defaults to /opt; ModprobeArgs.load and
#   .unload have MinItems=1.
# KMM's admission webhook (internal/webhook/module.go, both repositories)
#   adds: exactly one of regexp / literal per kernel mapping, the regexp
#   compiles, every image names a tag or digest, filesToSign is non-empty
#   when sign is set and each file is under dirName + "/", a toleration
#   without key has operator Exists, len(name + namespace) <= 41
#   (maxCombinedLength; the ordered-upgrade label kmm.node.kubernetes.io/
#   version-module.<namespace>.<name> must stay a valid label name), and an
#   update may not add or remove spec.moduleLoader.container.version (the
#   Module has to be deleted and created again).
# KMM, kmm.sigs.x-k8s.io/v1beta2 PreflightValidation (cluster-scoped,
#   short name pfv): api/v1beta2/preflightvalidation_types.go in both
#   repositories: spec.kernelVersion (required), spec.pushBuiltImage (bool).
#   PreflightValidationOCP (rh-ecosystem-edge only, api/v1beta2/
#   preflightvalidationocp_types.go): the same plus spec.dtkImage (the Driver
#   Toolkit image of the target release, needed for DTK_AUTO builds).
#   internal/webhook/preflight.go: kernelVersion must not be empty and must
#   parse as a kernel version.
# Prometheus Operator, monitoring.coreos.com/v1 ServiceMonitor:
#   prometheus-operator/prometheus-operator (commit 6adcebc5, 2026-08-08)
#   pkg/apis/monitoring/v1/servicemonitor_types.go (ServiceMonitorSpec:
#   endpoints and selector required), types.go (Endpoint; Scheme enum
#   http/https/HTTP/HTTPS; SecretOrConfigMap), http_config.go
#   (bearerTokenSecret, tlsConfig), tls_types.go (SafeTLSConfig: ca, cert,
#   keySecret, serverName, insecureSkipVerify; TLSFilesConfig: caFile,
#   certFile, keyFile). A subset of Endpoint's fields is listed; the file
#   forms (bearerTokenFile, caFile, certFile, keyFile) are rejected because
#   OpenShift's user-workload Prometheus runs with arbitraryFSAccessThroughSMs
#   deny and drops such ServiceMonitors.
# ---------------------------------------------------------------------------
REQ, OPT = True, False
SCHEMA = {
    "ModuleSpec": {"moduleLoader": ("ModuleLoaderSpec", OPT), "devicePlugin": ("any", OPT),
                   "dra": ("any", OPT), "imageRepoSecret": ("LocalObjectReference", OPT),
                   "selector": ("map", REQ), "tolerations": ("[]Toleration", OPT),
                   "imageRebuildTriggerGeneration": ("int", OPT)},
    "ModuleLoaderSpec": {"container": ("ModuleLoaderContainerSpec", REQ),
                         "serviceAccountName": ("str", OPT)},
    "ModuleLoaderContainerSpec": {
        "build": ("Build", OPT), "sign": ("Sign", OPT), "version": ("str", OPT),
        "containerImage": ("str", OPT), "imagePullPolicy": ("PullPolicy", OPT),
        "kernelMappings": ("[]KernelMapping+", REQ), "modprobe": ("ModprobeSpec", REQ),
        "registryTLS": ("TLSOptions", OPT), "inTreeModuleToRemove": ("str", OPT),
        "inTreeModulesToRemove": ("[]str", OPT)},
    "KernelMapping": {"build": ("Build", OPT), "sign": ("Sign", OPT), "containerImage": ("str", REQ),
                      "literal": ("str", OPT), "registryTLS": ("TLSOptions", OPT), "regexp": ("str", OPT),
                      "inTreeModuleToRemove": ("str", OPT), "inTreeModulesToRemove": ("[]str", OPT)},
    "Build": {"buildArgs": ("[]BuildArg", OPT), "dockerfileConfigMap": ("LocalObjectReference", REQ),
              "baseImageRegistryTLS": ("TLSOptions", OPT), "secrets": ("[]LocalObjectReference", OPT),
              "kanikoParams": ("KanikoParams", OPT), "selector": ("map", OPT)},
    "BuildArg": {"name": ("str", REQ), "value": ("str", REQ)},
    "KanikoParams": {"tag": ("str", OPT)},
    "Sign": {"unsignedImage": ("str", OPT), "unsignedImageRegistryTLS": ("TLSOptions", OPT),
             "keySecret": ("LocalObjectReference", REQ), "certSecret": ("LocalObjectReference", REQ),
             "filesToSign": ("[]str", OPT)},
    "TLSOptions": {"insecure": ("bool", OPT), "insecureSkipTLSVerify": ("bool", OPT)},
    "ModprobeSpec": {"moduleName": ("str", OPT), "parameters": ("[]str", OPT), "dirName": ("str", OPT),
                     "args": ("ModprobeArgs", OPT), "rawArgs": ("ModprobeArgs", OPT),
                     "firmwarePath": ("str", OPT), "modulesLoadingOrder": ("[]str", OPT)},
    "ModprobeArgs": {"load": ("[]str+", OPT), "unload": ("[]str+", OPT)},
    "LocalObjectReference": {"name": ("str", OPT)},
    # k8s.io/api/core/v1 Toleration
    "Toleration": {"key": ("str", OPT), "operator": ("TolerationOperator", OPT),
                   "value": ("str", OPT), "effect": ("TaintEffect", OPT),
                   "tolerationSeconds": ("int", OPT)},
    "PreflightValidationSpec": {"kernelVersion": ("str", REQ), "pushBuiltImage": ("bool", OPT)},
    "PreflightValidationOCPSpec": {"kernelVersion": ("str", REQ), "dtkImage": ("str", OPT),
                                   "pushBuiltImage": ("bool", OPT)},
    "ServiceMonitorSpec": {"jobLabel": ("str", OPT), "targetLabels": ("[]str", OPT),
                           "podTargetLabels": ("[]str", OPT), "endpoints": ("[]Endpoint", REQ),
                           "selector": ("LabelSelector", REQ), "namespaceSelector": ("any", OPT),
                           "sampleLimit": ("int", OPT), "scrapeClass": ("str", OPT)},
    "Endpoint": {"port": ("str", OPT), "targetPort": ("any", OPT), "path": ("str", OPT),
                 "scheme": ("Scheme", OPT), "params": ("any", OPT), "interval": ("Duration", OPT),
                 "scrapeTimeout": ("Duration", OPT), "honorLabels": ("bool", OPT),
                 "honorTimestamps": ("bool", OPT), "metricRelabelings": ("[]any", OPT),
                 "relabelings": ("[]any", OPT), "bearerTokenSecret": ("SecretKeySelector", OPT),
                 "authorization": ("any", OPT), "basicAuth": ("any", OPT),
                 "tlsConfig": ("SafeTLSConfig", OPT), "followRedirects": ("bool", OPT),
                 "enableHttp2": ("bool", OPT), "filterRunning": ("bool", OPT)},
    "SafeTLSConfig": {"ca": ("SecretOrConfigMap", OPT), "cert": ("SecretOrConfigMap", OPT),
                      "keySecret": ("SecretKeySelector", OPT), "serverName": ("str", OPT),
                      "insecureSkipVerify": ("bool", OPT), "minVersion": ("str", OPT),
                      "maxVersion": ("str", OPT)},
    "SecretOrConfigMap": {"secret": ("SecretKeySelector", OPT), "configMap": ("SecretKeySelector", OPT)},
    "SecretKeySelector": {"name": ("str", OPT), "key": ("str", REQ), "optional": ("bool", OPT)},
    "LabelSelector": {"matchLabels": ("map", OPT), "matchExpressions": ("[]any", OPT)},
}
ENUMS = {
    "PullPolicy": {"Always", "IfNotPresent", "Never"},
    "TolerationOperator": {"Exists", "Equal"},
    "TaintEffect": {"NoSchedule", "PreferNoSchedule", "NoExecute"},
    "Scheme": {"http", "https", "HTTP", "HTTPS"},
}
DURATION_RE = re.compile(r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$")
# Fields the user-workload Prometheus refuses (files in its own container).
FS_FIELDS = {"bearerTokenFile", "caFile", "certFile", "keyFile"}


def validate(v, typ, where):
    """v against SCHEMA type typ; reports unknown/missing/mistyped fields."""
    if typ == "any":
        return
    if typ.startswith("[]"):
        inner, min1 = typ[2:].rstrip("+"), typ.endswith("+")
        if not isinstance(v, list):
            bad(where, "should be a list")
            return
        if min1 and not v:
            bad(where, "needs at least one item")
        for i, x in enumerate(v):
            validate(x, inner, "%s[%d]" % (where, i))
        return
    if typ == "str":
        if not isinstance(v, str):
            bad(where, "should be a string, is %s" % type(v).__name__)
    elif typ == "bool":
        if not isinstance(v, bool):
            bad(where, "should be a boolean, is %r" % (v,))
    elif typ == "int":
        if isinstance(v, bool) or not isinstance(v, int):
            bad(where, "should be an integer, is %r" % (v,))
    elif typ == "map":
        if not isinstance(v, dict) or not all(isinstance(k, str) and isinstance(x, str) for k, x in v.items()):
            bad(where, "should be a map of strings")
    elif typ in ENUMS:
        if v not in ENUMS[typ]:
            bad(where, "%r is not one of %s" % (v, sorted(ENUMS[typ])))
    elif typ == "Duration":
        if not isinstance(v, str) or not v or not DURATION_RE.match(v):
            bad(where, "%r is not a Prometheus duration" % (v,))
    else:
        fields = SCHEMA[typ]
        if not isinstance(v, dict):
            bad(where, "should be an object (%s)" % typ)
            return
        for k in v:
            if k not in fields:
                bad(where, "unknown field %r (not in %s; the API server would drop it)" % (k, typ))
        for k, (t, req) in fields.items():
            if k in v:
                validate(v[k], t, "%s.%s" % (where, k))
            elif req:
                bad(where, "missing required field %r (%s)" % (k, typ))


def image_has_tag(img):
    last = img.rsplit("/", 1)[-1]
    return ":" in last or "@" in img


def check_container(c, where, volumes):
    get(c, "name", where, str)
    img = get(c, "image", where, str) or ""
    if not image_has_tag(img):
        bad(where, "image %r has no tag" % img)
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
    for hook in ("postStart", "preStop"):
        h = c.get("lifecycle", {}).get(hook)
        if h is not None and not any(k in h for k in ("exec", "httpGet", "tcpSocket", "sleep")):
            bad(where, "lifecycle.%s has no handler" % hook)
    names = set()
    for p in c.get("ports", []):
        n = p.get("name")
        if n is not None and (not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", n) or len(n) > 15
                              or not re.search(r"[a-z]", n) or n in names):
            bad(where, "port name %r (IANA_SVC_NAME: <= 15 lower-case alphanumerics and -, unique)" % n)
        names.add(n)
        if not isinstance(p.get("containerPort"), int) or not 0 < p["containerPort"] < 65536:
            bad(where, "containerPort of %r" % n)
    for e in c.get("env", []):
        if ("value" in e) == ("valueFrom" in e):
            bad(where, "env %s needs exactly one of value / valueFrom" % e.get("name"))


def check_module(d, where):
    spec = d.get("spec")
    validate(spec, "ModuleSpec", where + " spec")
    if not isinstance(spec, dict):
        return
    name, ns = d["metadata"].get("name", ""), d["metadata"].get("namespace", "")
    if len(name + ns) > 41:
        bad(where, "len(name + namespace) > 41: KMM's webhook refuses it (version label)")
    for i, t in enumerate(spec.get("tolerations") or []):
        if isinstance(t, dict) and not t.get("key") and t.get("operator") != "Exists":
            bad(where, "tolerations[%d]: without key the operator must be Exists" % i)
    ml = (spec.get("moduleLoader") or {}).get("container")
    if not isinstance(ml, dict):
        bad(where, "no spec.moduleLoader.container: drift.ko would not be loaded")
        return
    if (ml.get("modprobe") or {}).get("moduleName") != "drift":
        bad(where, "modprobe.moduleName should be drift")
    dirname = (ml.get("modprobe") or {}).get("dirName", "/opt")
    if ml.get("containerImage") and not image_has_tag(ml["containerImage"]):
        bad(where, "containerImage needs a tag or digest")
    for i, km in enumerate(ml.get("kernelMappings") or []):
        w = "%s kernelMappings[%d]" % (where, i)
        if not isinstance(km, dict):
            continue
        if bool(km.get("regexp")) == bool(km.get("literal")):
            bad(w, "exactly one of regexp / literal")
        if km.get("regexp"):
            try:
                re.compile(km["regexp"])
            except re.error as e:
                bad(w, "bad regexp: %s" % e)
        img = km.get("containerImage") or ml.get("containerImage") or ""
        if not image_has_tag(img):
            bad(w, "containerImage %r needs a tag or digest" % img)
        if "${KERNEL_FULL_VERSION}" not in img and "${KERNEL_VERSION}" not in img:
            bad(w, "containerImage must depend on the kernel version")
        b = km.get("build", ml.get("build"))
        if b is None:
            bad(w, "no build section (in-cluster build)")
        s = km.get("sign", ml.get("sign"))
        if s is None:
            bad(w, "no sign section (Secure Boot)")
        elif isinstance(s, dict):
            files = s.get("filesToSign") or []
            if not files:
                bad(w, "sign needs filesToSign (KMM webhook)")
            for f in files:
                if not str(f).startswith(dirname + "/"):
                    bad(w, "filesToSign %r is not under dirName %s/ (KMM webhook)" % (f, dirname))
                if not str(f).startswith(dirname + "/lib/modules/${KERNEL_FULL_VERSION}/"):
                    bad(w, "filesToSign must be under %s/lib/modules/${KERNEL_FULL_VERSION}/" % dirname)
        for sub in ("build", "sign"):
            if isinstance(km.get(sub), dict) and isinstance(ml.get(sub), dict):
                bad(w, "%s both in the mapping and the container: the mapping's wins, say it once" % sub)


KVER_RE = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z._+-]+)?$")


def check_preflight(d, where):
    typ = "PreflightValidationOCPSpec" if d["kind"] == "PreflightValidationOCP" else "PreflightValidationSpec"
    validate(d.get("spec"), typ, where + " spec")
    kv = (d.get("spec") or {}).get("kernelVersion")
    if isinstance(kv, str) and not KVER_RE.match(kv):
        bad(where, "kernelVersion %r does not look like a kernel release (uname -r)" % kv)


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
        for k, v in (pod.get("nodeSelector") or {}).items():
            if not isinstance(v, str):
                bad(where, "nodeSelector %s: value must be a string (quote it)" % k)
        for i, t in enumerate(pod.get("tolerations") or []):
            validate(t, "Toleration", "%s tolerations[%d]" % (where, i))
    elif kind == "Module":
        check_module(d, where)
    elif kind in ("PreflightValidation", "PreflightValidationOCP"):
        check_preflight(d, where)
    elif kind == "ServiceMonitor":
        validate(d.get("spec"), "ServiceMonitorSpec", where + " spec")
        for i, e in enumerate((d.get("spec") or {}).get("endpoints") or []):
            tls = e.get("tlsConfig") or {}
            for f in sorted(FS_FIELDS & (set(e) | set(tls))):
                bad(where, "endpoints[%d].%s: the user-workload Prometheus refuses file references" % (i, f))
    elif kind == "Service":
        ports = get(d, "spec.ports", where, list) or []
        for p in ports:
            get(p, "port", where + " port", int)
            if not p.get("name"):
                bad(where, "Service ports need names (ServiceMonitor endpoints refer to them)")
        get(d, "spec.selector", where, dict)
    elif kind == "Secret":
        if d.get("type") == "kubernetes.io/service-account-token":
            if not (d["metadata"].get("annotations") or {}).get("kubernetes.io/service-account.name"):
                bad(where, "a service-account-token Secret needs kubernetes.io/service-account.name")
    elif kind == "SecurityContextConstraints":
        for f in ("allowHostDirVolumePlugin", "allowHostIPC", "allowHostNetwork", "allowHostPID",
                  "allowHostPorts", "allowPrivilegedContainer", "readOnlyRootFilesystem"):
            get(d, f, where, bool)
        for f in ("runAsUser", "seLinuxContext", "fsGroup", "supplementalGroups"):
            get(d, f + ".type", where, str)
        if d.get("allowPrivilegedContainer"):
            bad(where, "driftd's SCC must not allow privileged containers")
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
            get(r, "verbs", where + " rule", list)
            if "nonResourceURLs" in r:
                if "resources" in r or "apiGroups" in r:
                    bad(where, "a rule is either for nonResourceURLs or for resources")
            else:
                for f in ("apiGroups", "resources"):
                    get(r, f, where + " rule", list)
    elif kind == "ConfigMap":
        get(d, "data", where, dict)


def config_value(text, key):
    """The last value of KEY in a driftd.conf text (driftd: the last one wins)."""
    val = None
    for line in text.splitlines():
        t = line.split("#", 1)[0].split()
        if len(t) == 2 and t[0] == key:
            val = t[1]
    return val


def cross_check(docs, hooks_json, version):
    by = {}
    for d in docs:
        by.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    dss = list(by.get("DaemonSet", {}).values())
    mod = by.get("Module", {}).get("drift")
    scc = by.get("SecurityContextConstraints", {}).get("drift-driftd")
    for kind, name in (("Namespace", "drift-system"), ("Module", "drift"),
                       ("SecurityContextConstraints", "drift-driftd"), ("ServiceAccount", "driftd"),
                       ("Service", "drift-metrics"), ("ServiceMonitor", "driftd")):
        if name not in by.get(kind, {}):
            bad("set", "no %s %s" % (kind, name))
    if len(dss) != 1:
        bad("set", "expected one driftd DaemonSet (the current version's), found %d" % len(dss))
    if "MachineConfig" in by:
        bad("set", "a MachineConfig reboots the pool; the DaemonSet installs the hook")
    sas = by.get("ServiceAccount", {})
    cms = by.get("ConfigMap")
    mver = None
    if mod:
        ml = mod.get("spec", {}).get("moduleLoader") or {}
        c = ml.get("container") or {}
        mver = c.get("version")
        if not mver:
            bad("Module", "no spec.moduleLoader.container.version: KMM would replace the module on "
                "every node at once (no ordered upgrade)")
        elif version and mver != version:
            bad("Module", "version %r is not packaging/VERSION %r" % (mver, version))
        if ml.get("serviceAccountName") not in sas:
            bad("Module", "serviceAccountName %r is not defined" % ml.get("serviceAccountName"))
        sec = (mod["spec"].get("imageRepoSecret") or {}).get("name")
        if not sec:
            bad("Module", "no imageRepoSecret")
        for km in c.get("kernelMappings") or []:
            img = km.get("containerImage") or c.get("containerImage") or ""
            if mver and (":" + mver + "-") not in img.rsplit("/", 1)[-1]:
                bad("Module", "containerImage %r: its tag must start with the version %s- (KMM builds "
                    "only images that do not exist yet)" % (img, mver))
            b = km.get("build") or c.get("build") or {}
            cm = (b.get("dockerfileConfigMap") or {}).get("name")
            if cms is not None:
                if cm not in cms:
                    bad("Module", "dockerfileConfigMap %s not generated" % cm)
                elif "dockerfile" not in cms[cm].get("data", {}):
                    bad("Module", "ConfigMap %s has no 'dockerfile' key" % cm)
            args = {a["name"]: a["value"] for a in b.get("buildArgs", [])}
            if "DRIFT_IMAGE" not in args:
                bad("Module", "build arg DRIFT_IMAGE (the source image) missing")
            elif mver and not args["DRIFT_IMAGE"].endswith(":" + mver):
                bad("Module", "build arg DRIFT_IMAGE %r is not the drift image of version %s"
                    % (args["DRIFT_IMAGE"], mver))
    for ds in dss:
        w = "DaemonSet %s" % ds["metadata"]["name"]
        pod = ds["spec"]["template"]["spec"]
        conts = pod.get("containers", [])
        inits = pod.get("initContainers", [])
        allc = conts + inits
        vol_by_name = {v["name"]: v for v in pod.get("volumes", [])}
        if pod.get("serviceAccountName") not in sas:
            bad(w, "serviceAccountName %r is not defined" % pod.get("serviceAccountName"))
        if not pod.get("hostNetwork"):
            bad(w, "hostNetwork: drift.ko's netlink family exists only in the host's network namespace")
        # Ordered upgrade: one DaemonSet per module version, on the nodes
        # KMM loads that version on.
        if mod and mver:
            label = "kmm.node.kubernetes.io/version-module.%s.%s" % (mod["metadata"]["namespace"], "drift")
            ns_sel = pod.get("nodeSelector") or {}
            if ns_sel.get(label) != mver:
                bad(w, "nodeSelector %s=%r, expected the Module version %r" % (label, ns_sel.get(label), mver))
            if ds["metadata"]["name"] != "driftd-" + mver:
                bad(w, "name should be driftd-%s (one DaemonSet per version; a new version's "
                    "DaemonSet must not replace the old one's pods on nodes not relabelled yet)" % mver)
            msel = mod["spec"].get("selector") or {}
            for k, v in msel.items():
                if ns_sel.get(k) != v:
                    bad(w, "nodeSelector lacks the Module's selector %s=%r" % (k, v))
            if [t for t in pod.get("tolerations") or []] != (mod["spec"].get("tolerations") or []):
                bad(w, "tolerations differ from the Module's: the module must be loaded wherever driftd runs")
            waits = [c for c in inits if "/sys/module/drift/version" in " ".join(c.get("command", []))]
            if not waits:
                bad(w, "no init container waits for this version's module (/sys/module/drift/version)")
            for c in waits:
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                if env.get("DRIFT_MODULE_VERSION") != mver:
                    bad(w, "%s waits for module version %r, not %r" % (c["name"], env.get("DRIFT_MODULE_VERSION"), mver))
        for c in allc:
            img = c.get("image", "")
            repo = img.rsplit(":", 1)[0] if ":" in img.rsplit("/", 1)[-1] else img
            if repo.rsplit("/", 1)[-1] == "drift" and mver and not img.endswith(":" + mver):
                bad(w, "%s runs %s, not the drift image of version %s" % (c["name"], img, mver))
        driftd = [c for c in conts if "/usr/sbin/driftd" in " ".join(c.get("command", []))]
        if len(driftd) != 1:
            bad(w, "no container runs /usr/sbin/driftd")
        else:
            # driftd's layer cache (common/layercache.h) on a writable hostPath.
            cache = layer_cache_dir()
            env = {e["name"]: e.get("value") for e in driftd[0].get("env", [])}
            if cache and env.get("DRIFTD_LAYER_CACHE") != "off":
                cache = env.get("DRIFTD_LAYER_CACHE") or cache
                m = [m for m in driftd[0].get("volumeMounts", []) if m["mountPath"] == cache]
                v = vol_by_name.get(m[0]["name"], {}) if m else {}
                if not m or m[0].get("readOnly") or "hostPath" not in v:
                    bad(w, "driftd's layer cache %s is not a writable hostPath mount (read-only root: "
                        "every restart would scan every layer again)" % cache)
            lc = driftd[0].get("lifecycle", {})
            if lc.get("preStop", {}).get("exec", {}).get("command") != ["/usr/sbin/driftctl", "unlock"]:
                bad(w, "driftd's preStop must run driftctl unlock (KMM unloads the module after it)")
            if lc.get("postStart", {}).get("exec", {}).get("command") != ["/usr/sbin/driftctl", "lock"]:
                bad(w, "driftd's postStart should run driftctl lock")
        if scc:
            allowed = set(scc.get("allowedCapabilities") or [])
            for c in allc:
                add = set(c.get("securityContext", {}).get("capabilities", {}).get("add", []))
                if not add <= allowed:
                    bad(w, "%s adds %s, not allowed by the SCC" % (c["name"], sorted(add - allowed)))
            for f, s in (("hostPID", "allowHostPID"), ("hostNetwork", "allowHostNetwork")):
                if pod.get(f) and not scc.get(s):
                    bad(w, "%s not allowed by the SCC" % f)
            if any(p.get("hostPort") for c in allc for p in c.get("ports", [])) or pod.get("hostNetwork"):
                if any(c.get("ports") for c in allc) and not scc.get("allowHostPorts"):
                    bad(w, "ports of a host-network pod are host ports: the SCC must allow them")
            vols = {k for v in pod.get("volumes", []) for k in v if k != "name"}
            if not vols <= set(scc.get("volumes") or []):
                bad(w, "volume types %s not allowed by the SCC" % sorted(vols - set(scc["volumes"])))
            if scc.get("readOnlyRootFilesystem"):
                for c in allc:
                    if not c.get("securityContext", {}).get("readOnlyRootFilesystem"):
                        bad(w, "%s must set readOnlyRootFilesystem (SCC)" % c["name"])
            ann = ds["spec"]["template"]["metadata"].get("annotations", {})
            if ann.get("openshift.io/required-scc") != "drift-driftd":
                bad(w, "pod should require SCC drift-driftd")
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
        for v in vol_by_name.values():
            if "configMap" in v and cms is not None and v["configMap"]["name"] not in cms:
                bad(w, "configMap %s is not generated" % v["configMap"]["name"])
        # The hook: binary and hooks.d file on the node, from the init container.
        init = " ".join(" ".join(c.get("command", [])) for c in inits)
        for need in ("/host/var/lib/drift/bin/drift-oci-hook", "/host/run/containers/oci/hooks.d/drift.json"):
            if need not in init:
                bad(w, "init container does not install %s" % need[5:])
        hp = {v["hostPath"]["path"] for v in vol_by_name.values() if "hostPath" in v}
        for need in ("/var/lib/drift", "/run/containers/oci/hooks.d"):
            if need not in hp:
                bad(w, "no hostPath volume %s" % need)
        hookcm = [v["configMap"]["name"] for v in vol_by_name.values()
                  if "configMap" in v and v["name"] == "hook-config"]
        if cms is not None and hookcm and hookcm[0] in cms:
            try:
                got = json.loads(cms[hookcm[0]]["data"].get("drift.json", ""))
            except ValueError as e:
                got = None
                bad(w, "hook ConfigMap drift.json is not JSON: %s" % e)
            if got is not None and hooks_json:
                want = json.load(open(hooks_json))
                want["hook"]["path"] = "/var/lib/drift/bin/drift-oci-hook"
                if got.get("hook", {}).get("args", [])[1:] == ["--fail-closed"]:
                    want["hook"]["args"] = want["hook"]["args"] + ["--fail-closed"]
                if got != want:
                    bad(w, "drift-hook.json differs from packaging/hooks/drift.json (with the node "
                        "path /var/lib/drift/bin/drift-oci-hook): %s" % json.dumps(got))
        elif cms is not None:
            bad(w, "no hook-config volume from a generated ConfigMap with drift.json")
        # Metrics: Service port -> pod port "metrics" -> kube-rbac-proxy ->
        # driftd's metrics-listen (loopback; the host network is shared).
        svc = by.get("Service", {}).get("drift-metrics")
        podlabels = ds["spec"]["template"]["metadata"].get("labels", {})
        ports = {p.get("name"): (c, p) for c in conts for p in c.get("ports", [])}
        if "metrics" not in ports:
            bad(w, "no container port named metrics")
        elif svc:
            if not all(podlabels.get(k) == v for k, v in svc["spec"].get("selector", {}).items()):
                bad("Service drift-metrics", "selector does not match the driftd pods")
            sp = [p for p in svc["spec"]["ports"] if p.get("name") == "metrics"]
            if not sp or sp[0].get("targetPort") not in ("metrics", ports["metrics"][1]["containerPort"]):
                bad("Service drift-metrics", "port metrics does not target the pods' metrics port")
            proxy, port = ports["metrics"]
            args = proxy.get("args", [])
            lst = [a.split("=", 1)[1] for a in args if a.startswith("--secure-listen-address=")]
            if not lst or lst[0] != "$(POD_IP):%d" % port["containerPort"]:
                bad(w, "%s does not listen on $(POD_IP):%d" % (proxy["name"], port["containerPort"]))
            env = {e["name"]: e for e in proxy.get("env", [])}
            if env.get("POD_IP", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != "status.podIP":
                bad(w, "POD_IP must come from the downward API (status.podIP)")
            ups = [a.split("=", 1)[1] for a in args if a.startswith("--upstream=")]
            conf = (cms or {}).get("drift-driftd-config", {}).get("data", {}).get("driftd.conf")
            if conf is not None:
                ml = config_value(conf, "metrics-listen")
                if not ml or not ml.startswith("127.0.0.1:"):
                    bad(w, "driftd.conf metrics-listen %r: expected the loopback (127.0.0.1:PORT), "
                        "kube-rbac-proxy exposes it" % ml)
                elif not ups or ups[0].rstrip("/") != "http://" + ml:
                    bad(w, "kube-rbac-proxy --upstream %r is not driftd's metrics-listen %s" % (ups, ml))
            tlsvol = [m["name"] for m in proxy.get("volumeMounts", []) if "tls" in m["name"]]
            cert = (svc["metadata"].get("annotations") or {}).get("service.beta.openshift.io/serving-cert-secret-name")
            if not cert:
                bad("Service drift-metrics", "no serving-cert-secret-name annotation (service-ca)")
            elif not tlsvol or vol_by_name.get(tlsvol[0], {}).get("secret", {}).get("secretName") != cert:
                bad(w, "kube-rbac-proxy does not mount the serving certificate secret %s" % cert)
            if not any(m["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount" for m in proxy.get("volumeMounts", [])):
                bad(w, "kube-rbac-proxy needs a service account token (TokenReview/SubjectAccessReview)")
            for c in conts:
                if c is not proxy and any(m["mountPath"].startswith("/var/run/secrets/kubernetes.io")
                                          for m in c.get("volumeMounts", [])):
                    bad(w, "%s should not get an API token" % c["name"])
    # ServiceMonitor -> Service; its credentials exist; RBAC for the scrape.
    sm = by.get("ServiceMonitor", {}).get("driftd")
    svc = by.get("Service", {}).get("drift-metrics")
    if sm and svc:
        if not all(svc["metadata"].get("labels", {}).get(k) == v
                   for k, v in sm["spec"]["selector"].get("matchLabels", {}).items()):
            bad("ServiceMonitor", "selector does not match Service drift-metrics' labels")
        for e in sm["spec"]["endpoints"]:
            if e.get("port") not in [p.get("name") for p in svc["spec"]["ports"]]:
                bad("ServiceMonitor", "endpoint port %r is not a Service port name" % e.get("port"))
            if str(e.get("scheme", "")).lower() != "https":
                bad("ServiceMonitor", "scheme must be https (kube-rbac-proxy)")
            sn = (e.get("tlsConfig") or {}).get("serverName")
            if sn != "%s.%s.svc" % (svc["metadata"]["name"], svc["metadata"]["namespace"]):
                bad("ServiceMonitor", "tlsConfig.serverName %r is not the Service's DNS name" % sn)
            cam = ((e.get("tlsConfig") or {}).get("ca") or {}).get("configMap") or {}
            if cam != {"name": "openshift-service-ca.crt", "key": "service-ca.crt"}:
                bad("ServiceMonitor", "tlsConfig.ca should be ConfigMap openshift-service-ca.crt key service-ca.crt")
            tok = e.get("bearerTokenSecret") or {}
            sec = by.get("Secret", {}).get(tok.get("name"))
            if not sec or sec.get("type") != "kubernetes.io/service-account-token":
                bad("ServiceMonitor", "bearerTokenSecret %r is not a service-account-token Secret here" % tok.get("name"))
            elif tok.get("key") != "token":
                bad("ServiceMonitor", "bearerTokenSecret key must be token")
            else:
                sa = sec["metadata"]["annotations"]["kubernetes.io/service-account.name"]
                if sa not in sas:
                    bad("ServiceMonitor", "token Secret's service account %s is not defined" % sa)
                if not rbac_allows(by, sa, lambda r: "/metrics" in r.get("nonResourceURLs", [])
                                   and "get" in r.get("verbs", [])):
                    bad("RBAC", "service account %s may not get /metrics (kube-rbac-proxy would refuse "
                        "the scrape)" % sa)
    if dss:
        sa = dss[0]["spec"]["template"]["spec"].get("serviceAccountName")
        if not any(rb["roleRef"]["name"] == "system:auth-delegator" and
                   any(s.get("name") == sa for s in rb.get("subjects", []))
                   for rb in by.get("ClusterRoleBinding", {}).values()):
            bad("RBAC", "service account %s needs system:auth-delegator (kube-rbac-proxy reviews)" % sa)


def layer_cache_dir():
    """driftd's default layer cache directory, from common/layercache.h."""
    h = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common", "layercache.h")
    if not os.path.exists(h):
        return None
    m = re.search(r'#define\s+DRIFT_LC_DEFAULT_DIR\s+"([^"]+)"', open(h).read())
    return m.group(1) if m else None


def safe_cross_check(docs, hooks_json, version):
    """cross_check, unless a malformed document makes it trip (already reported)."""
    try:
        cross_check(docs, hooks_json, version)
    except (KeyError, TypeError, AttributeError, IndexError) as e:
        if not problems:
            raise
        bad("set", "cross-checks stopped at a malformed document (%s: %s); fix the errors above"
            % (type(e).__name__, e))


def rbac_allows(by, sa, pred):
    for rb in list(by.get("ClusterRoleBinding", {}).values()) + list(by.get("RoleBinding", {}).values()):
        if not any(s.get("kind") == "ServiceAccount" and s.get("name") == sa for s in rb.get("subjects", [])):
            continue
        role = by.get("ClusterRole", {}).get(rb["roleRef"]["name"])
        if role and any(pred(r) for r in role.get("rules", [])):
            return True
    return False


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def check_docs(docs, label):
    for i, d in enumerate(docs):
        w = "%s[%d] %s/%s" % (label, i, d.get("kind"), d.get("metadata", {}).get("name"))
        if check_common(d, w):
            check_kind(d, w)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    vf = os.path.join(here, "..", "..", "packaging", "VERSION")
    version = open(vf).read().strip() if os.path.exists(vf) else None
    if len(sys.argv) == 3 and sys.argv[1] == "--rendered":
        docs = load(sys.argv[2])
        check_docs(docs, os.path.basename(sys.argv[2]))
        safe_cross_check(docs, None, version)
        label = "rendered kustomization"
    elif len(sys.argv) == 3 and sys.argv[1] == "--examples":
        n = 0
        for f in sorted(os.listdir(sys.argv[2])):
            if f.endswith(".yaml"):
                docs = load(os.path.join(sys.argv[2], f))
                check_docs(docs, f)
                n += len(docs)
        if not n:
            bad(sys.argv[2], "no examples")
        label = "%d examples in %s" % (n, sys.argv[2])
    elif len(sys.argv) == 3:
        root, hooks_json = sys.argv[1], sys.argv[2]
        k = load(os.path.join(root, "kustomization.yaml"))[0]
        if k.get("apiVersion") != "kustomize.config.k8s.io/v1beta1" or k.get("kind") != "Kustomization":
            bad("kustomization.yaml", "apiVersion/kind")
        if "namespace" in k:
            bad("kustomization.yaml", "a top-level namespace would be set on the cluster-scoped SCC")
        listed = set(k.get("resources", []))
        present = {f for f in os.listdir(root) if f.endswith(".yaml") and f != "kustomization.yaml"}
        for f in sorted(present - listed):
            bad("kustomization.yaml", "%s is not listed in resources" % f)
        docs = []
        for f in sorted(listed):
            if f not in present:
                bad("kustomization.yaml", "resource %s does not exist" % f)
                continue
            fd = load(os.path.join(root, f))
            check_docs(fd, f)
            docs += [d for d in fd if d.get("kind") in API]
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
        safe_cross_check(docs, hooks_json, version)
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

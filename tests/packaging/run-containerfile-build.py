#!/usr/bin/env python3
"""run-containerfile-build.py CONTAINERFILE WORK KVER KSRC
   run-containerfile-build.py --image CONTAINERFILE CONTEXT WORK

Runs the build steps of the KMM Containerfile (packaging/openshift/
Containerfile.kmod) on this machine, without a container engine:

* the builder stage (FROM ${DTK_AUTO}): its WORKDIR becomes WORK/<dir>, its
  COPY --from=source copies from WORK/source/<path> (the caller put the
  driftd image's /usr/src/drift there), and every RUN is executed with the
  stage's ARGs expanded: KERNEL_FULL_VERSION=KVER, and KERNEL_SRC=KSRC as a
  --build-arg would (the DTK path /usr/src/kernels/<kver> does not exist
  here);
* the final stage: its COPY --from=builder of the module and its depmod RUN,
  with /opt mapped to WORK/opt.

With --image: the build stages of the drift image (packaging/openshift/
Containerfile), "builder" (driftd, driftctl, /usr/src/drift) and "hook"
(the static drift-oci-hook): each runs in WORK/<stage> with COPY . /src
copying CONTEXT there and /src, /out, /hook mapped into it (package installs
skipped); then the final stage's COPY --from steps assemble WORK/image,
which must hold what the DaemonSet runs and Containerfile.kmod copies, with
a statically linked hook.

Exits non-zero when a step fails or a path the Containerfile names is missing.
"""
import os
import re
import shutil
import subprocess
import sys


def parse(path):
    """[(instruction, args)] with line continuations joined, comments dropped."""
    out, cur = [], ""
    for line in open(path):
        s = line.rstrip("\n")
        if not cur and (not s.strip() or s.lstrip().startswith("#")):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        ins, _, rest = cur.strip().partition(" ")
        out.append((ins.upper(), rest.strip()))
        cur = ""
    return out


def expand(s, env):
    def rep(m):
        name = m.group(1) or m.group(2)
        if name not in env:
            raise SystemExit("FAILED: ${%s} has no value in %r" % (name, s))
        return env[name]
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", rep, s)


def image(cf, context, work):
    stages, cur = [], None
    for ins, rest in parse(cf):
        if ins == "FROM":
            cur = {"from": rest, "steps": []}
            stages.append(cur)
        elif cur is not None:
            cur["steps"].append((ins, rest))
    named = {st["from"].split(" AS ")[1]: st for st in stages if " AS " in st["from"]}
    for want in ("builder", "hook"):
        if want not in named:
            raise SystemExit("FAILED: expected a stage '... AS %s'" % want)
    # Each build stage runs in WORK/<stage>, with its absolute paths /src,
    # /out and /hook mapped there.
    for name in ("builder", "hook"):
        sw = os.path.join(work, name)
        os.makedirs(sw, exist_ok=True)
        cwd, ran = sw, 0
        mapped = lambda c, sw=sw: re.sub(r"(?<![\w/])/(src|out|hook)\b",
                                         lambda m: os.path.join(sw, m.group(1)), c)
        for ins, rest in named[name]["steps"]:
            if ins == "WORKDIR":
                cwd = mapped(rest)
                os.makedirs(cwd, exist_ok=True)
            elif ins == "COPY":
                src, dst = rest.split()
                if src != ".":
                    raise SystemExit("FAILED: unexpected COPY %s" % rest)
                shutil.copytree(context, mapped(dst), dirs_exist_ok=True, symlinks=True)
                print("COPY %s -> %s" % (context, mapped(dst)))
            elif ins == "RUN":
                if re.search(r"\b(microdnf|dnf|yum|apt-get)\b", rest):
                    print("skip (package install): %s" % rest)
                    continue
                cmd = mapped(rest)
                print("RUN (in %s): %s" % (cwd, cmd), flush=True)
                r = subprocess.run(["sh", "-ec", cmd], cwd=cwd, stdout=subprocess.DEVNULL)
                if r.returncode:
                    raise SystemExit("FAILED: RUN %s: exit %d" % (cmd, r.returncode))
                ran += 1
        if not ran:
            raise SystemExit("FAILED: the %s stage has no RUN step" % name)
    # The final stage: its COPY --from steps, into WORK/image.
    final = stages[-1]
    img = os.path.join(work, "image")
    copies = [r.split() for i, r in final["steps"] if i == "COPY"]
    if ["--from=builder", "/out/", "/"] not in copies:
        raise SystemExit("FAILED: the final stage does not COPY --from=builder /out/ /")
    for c in copies:
        if len(c) != 3 or not c[0].startswith("--from="):
            raise SystemExit("FAILED: unexpected COPY %s in the final stage" % " ".join(c))
        stage = c[0][7:]
        src = os.path.join(work, stage, c[1].lstrip("/"))
        dst = os.path.join(img, c[2].lstrip("/"))
        if not os.path.exists(src):
            raise SystemExit("FAILED: COPY %s: the %s stage did not make %s" % (" ".join(c), stage, c[1]))
        if os.path.isdir(src):
            shutil.copytree(src, dst, dirs_exist_ok=True, symlinks=True)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
        print("COPY %s -> %s" % (src, dst))
    for f in ("usr/sbin/driftd", "usr/sbin/driftctl", "usr/libexec/drift/drift-oci-hook",
              "etc/drift/driftd.conf", "usr/src/drift/dkms-build.mk", "usr/src/drift/dkms-check-kernel",
              "usr/src/drift/kmod/Kbuild", "usr/src/drift/include/drift_netlink.h"):
        if not os.path.exists(os.path.join(img, f)):
            raise SystemExit("FAILED: the image would lack /%s" % f)
    # Every library the Makefiles link (pkg-config modules) has its -devel
    # package in the builder's dnf line and its runtime package in the final
    # stage's microdnf line (those steps are skipped here, so check the lists).
    check_packages(context, named["builder"], final)
    # The hook the DaemonSet copies to the node is the self-contained one.
    h = os.path.join(img, "usr/libexec/drift/drift-oci-hook")
    ph = subprocess.run(["readelf", "-lW", h], capture_output=True, text=True).stdout
    if "INTERP" in ph or "DYNAMIC" in ph or "Program Headers" not in ph:
        raise SystemExit("FAILED: the image's /usr/libexec/drift/drift-oci-hook is not statically linked")
    print("ok: the drift image holds driftd, driftctl, the static hook and /usr/src/drift")
    return 0


# pkg-config module -> (build package, runtime package) on CentOS Stream 9 /
# UBI 9. A module missing here fails the check: add both packages to the
# Containerfile and the names to this table.
RPM_FOR = {
    "libmnl": ("libmnl-devel", "libmnl"),
    "libnl-genl-3.0": ("libnl3-devel", "libnl3"),
    "libnl-3.0": ("libnl3-devel", "libnl3"),
    "json-c": ("json-c-devel", "json-c"),
    "libcap": ("libcap-devel", "libcap"),
    "libcrypto": ("openssl-devel", "openssl-libs"),
    "libmicrohttpd": ("libmicrohttpd-devel", "libmicrohttpd"),
    "libsystemd": ("systemd-devel", "systemd-libs"),
}


def check_packages(context, builder, final):
    mods = set()
    for mk in ("common/Makefile", "ctl/Makefile", "daemon/Makefile"):
        text = open(os.path.join(context, mk)).read()
        for m in re.finditer(r"^PKGS\s*:?=\s*(.*)$", text, re.M):
            mods.update(m.group(1).split())
        for m in re.finditer(r"pkg-config --(?:cflags|libs) ([a-z][\w.+-]*)\)", text):
            mods.add(m.group(1))
    mods.discard("check")	# unit tests only
    runs = lambda st: " ".join(r for i, r in st["steps"] if i == "RUN" and re.search(r"\b(micro)?dnf\b", r))
    bl, fl = runs(builder).split(), runs(final).split()
    for m in sorted(mods):
        if m not in RPM_FOR:
            raise SystemExit("FAILED: the Makefiles link pkg-config module %s: add its -devel package to the "
                             "builder's dnf line and its library to the final microdnf line of "
                             "packaging/openshift/Containerfile, and both names to RPM_FOR in %s"
                             % (m, os.path.basename(__file__)))
        dev, rt = RPM_FOR[m]
        if dev not in bl:
            raise SystemExit("FAILED: Containerfile builder stage: dnf does not install %s (for %s)" % (dev, m))
        if rt not in fl:
            raise SystemExit("FAILED: Containerfile final stage: microdnf does not install %s (for %s)" % (rt, m))
    print("ok: the Containerfile installs the packages of %s" % ", ".join(sorted(mods)))


def main():
    if sys.argv[1] == "--image":
        return image(*sys.argv[2:5])
    cf, work, kver, ksrc = sys.argv[1:5]
    build_args = {"KERNEL_FULL_VERSION": kver, "KERNEL_VERSION": kver, "KERNEL_SRC": ksrc,
                  "DTK_AUTO": "dtk", "DRIFT_IMAGE": "drift"}
    stages, cur = [], None
    for ins, rest in parse(cf):
        if ins == "FROM":
            cur = {"from": rest, "steps": []}
            stages.append(cur)
        elif cur is not None:
            cur["steps"].append((ins, rest))
    builder = [s for s in stages if s["from"].startswith("${DTK_AUTO}")]
    if len(builder) != 1:
        raise SystemExit("FAILED: expected one stage FROM ${DTK_AUTO} (Driver Toolkit)")
    if not any(s["from"].startswith("${DRIFT_IMAGE} AS source") for s in stages):
        raise SystemExit("FAILED: expected a stage FROM ${DRIFT_IMAGE} AS source")

    def run_stage(stage, root_map):
        env, cwd, ran = {}, work, 0
        for ins, rest in stage["steps"]:
            if ins == "ARG":
                name, eq, default = rest.partition("=")
                env[name] = build_args.get(name, expand(default, env) if eq else "")
            elif ins == "WORKDIR":
                cwd = os.path.join(work, expand(rest, env).lstrip("/"))
                os.makedirs(cwd, exist_ok=True)
            elif ins == "COPY":
                parts = expand(rest, env).split()
                frm = [p for p in parts if p.startswith("--from=")]
                src, dst = [p for p in parts if not p.startswith("--")]
                base = root_map.get(frm[0][7:] if frm else None)
                if base is None:
                    raise SystemExit("FAILED: COPY %s: unknown source" % rest)
                s = os.path.join(base, src.lstrip("/"))
                d = os.path.join(work, dst.lstrip("/"))
                if not os.path.exists(s):
                    raise SystemExit("FAILED: COPY %s: %s does not exist" % (rest, s))
                if os.path.isdir(s):
                    shutil.copytree(s, d, dirs_exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(d), exist_ok=True)
                    shutil.copy2(s, d)
                print("COPY %s -> %s" % (s, d))
            elif ins == "RUN":
                cmd = expand(rest, env)
                if re.search(r"\b(microdnf|dnf|yum)\b", cmd):
                    print("skip (package install): %s" % cmd)
                    continue
                # /opt in the final stage is WORK/opt
                cmd = re.sub(r"(?<![\w/])/opt\b", os.path.join(work, "opt"), cmd)
                print("RUN (in %s): %s" % (cwd, cmd), flush=True)
                r = subprocess.run(["sh", "-ec", cmd], cwd=cwd)
                if r.returncode:
                    raise SystemExit("FAILED: RUN %s: exit %d" % (cmd, r.returncode))
                ran += 1
        return ran

    if run_stage(builder[0], {"source": os.path.join(work, "source")}) == 0:
        raise SystemExit("FAILED: the builder stage has no RUN step")
    final = stages[-1]
    run_stage(final, {"builder": work})
    ko = os.path.join(work, "opt/lib/modules", kver, "drift.ko")
    if not os.path.exists(ko):
        raise SystemExit("FAILED: the final image would not have %s" % ko)
    dep = os.path.join(work, "opt/lib/modules", kver, "modules.dep")
    if not os.path.exists(dep) or "drift.ko" not in open(dep).read():
        raise SystemExit("FAILED: depmod -b /opt did not list drift.ko in modules.dep")
    print("ok: KMM image layout /opt/lib/modules/%s/drift.ko + modules.dep" % kver)


if __name__ == "__main__":
    main()

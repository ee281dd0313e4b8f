#!/usr/bin/env python3
"""Checks a Prometheus exposition scraped from driftd (tests/integration/t82).

  check_metrics.py METRICS_FILE [DASHBOARD_JSON...]

- parses it with prometheus_client's text parser (python3-prometheus-client);
- every metric family has a non-empty HELP and a TYPE;
- no series double-counts when summed: no result="checked" beside its
  breakdown, no label named "mode" on a counter;
- drift_build_info is there (value 1);
- every metric a dashboard's queries use exists in the scrape, and every
  label matcher name="value" in them matches a series (value checked for =).
Prints what it checked; exits 1 with the reason on the first problem.
"""
import json
import re
import sys

from prometheus_client.parser import text_string_to_metric_families


def die(msg):
    print("check_metrics: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    text = open(sys.argv[1]).read()
    helps = set(re.findall(r"^# HELP (\S+) \S", text, re.M))
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    try:
        fams = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and friends
        die(f"exposition does not parse: {e}")
    samples = {}
    for f in fams:
        if not f.documentation:
            die(f"{f.name}: no HELP")
        if f.type == "unknown":
            die(f"{f.name}: no TYPE")
        for s in f.samples:
            samples.setdefault(s.name, []).append(s.labels)
            if s.labels.get("result") == "checked":
                die(f"{s.name}: result=\"checked\" sits beside its own breakdown")
            if f.type == "counter" and "mode" in s.labels:
                die(f"{s.name}: mode is a label of a counter (a mode change starts a new series)")
    for name in types:
        if name not in helps:
            die(f"{name}: TYPE without HELP")
    bi = samples.get("drift_build_info")
    if not bi:
        die("no drift_build_info")
    print(f"{len(fams)} metric families, {sum(len(v) for v in samples.values())} series; "
          "HELP and TYPE on each")
    for path in sys.argv[2:]:
        dash = json.load(open(path))
        exprs = []
        def walk(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if k == "expr" and isinstance(v, str):
                        exprs.append(v)
                    elif k == "query" and isinstance(v, (str, dict)):
                        q = v if isinstance(v, str) else v.get("query", "")
                        exprs.append(q)
                    else:
                        walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)
        walk(dash)
        used = 0
        for e in exprs:
            for m in re.finditer(r"\b(drift_[a-z0-9_]+)(\{([^}]*)\})?", e):
                name, sel = m.group(1), m.group(3) or ""
                used += 1
                if name not in samples:
                    die(f"{path}: {name} (in {e!r}) is not a metric driftd exports")
                for k, op, v in re.findall(r'(\w+)\s*(=~|!=|!~|=)\s*"([^"]*)"', sel):
                    if v.startswith("$"):
                        continue
                    if not any(k in l for l in samples[name]):
                        die(f"{path}: {name} has no label {k} (in {e!r})")
                    if op == "=" and not any(l.get(k) == v for l in samples[name]):
                        die(f"{path}: no {name} series with {k}=\"{v}\" (in {e!r})")
        if not used:
            die(f"{path}: no drift metric used")
        print(f"{path}: {len(exprs)} queries, {used} metric references, all exported")


main()

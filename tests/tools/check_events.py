#!/usr/bin/env python3
"""Validates event lines written by driftd or `driftctl monitor --json`.

  check_events.py schema FILE...   every line against docs/event.schema.json
                                   (JSON Schema 2020-12, python3-jsonschema)
  check_events.py falco FILE...    every line as a Falco alert, as
                                   falcosidekick decodes one (types.FalcoPayload
                                   and its Check()), plus the Falco field names
                                   drift promises (docs/events.md)

Prints one line per file ("N lines valid") and exits 1 on the first invalid
line, naming it and what is wrong. A file with no line is an error.
"""
import datetime
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "docs", "event.schema.json")

# falcosidekick types/priority.go: the names Priority() accepts
PRIORITIES = {"emergency", "alert", "critical", "error", "warning", "notice",
              "informational", "info", "debug"}
# Go's time.Time UnmarshalJSON takes RFC 3339 with optional fractions
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
# Falco names (falco --list=syscall); drift.* are drift's own
FALCO_FIELDS = {
    "container.id": (str, type(None)), "container.full_id": (str, type(None)),
    "container.name": (str, type(None)), "container.image": (str, type(None)),
    "container.image.repository": (str, type(None)),
    "container.image.tag": (str, type(None)),
    "container.image.digest": (str, type(None)),
    "k8s.ns.name": (str, type(None)), "k8s.pod.name": (str, type(None)),
    "evt.time": (int,),
}
EXEC_FIELDS = {
    "evt.type": (str,), "evt.res": (str,), "proc.name": (str, type(None)),
    "proc.exepath": (str, type(None)), "proc.pid": (int, type(None)),
    "proc.ppid": (int, type(None)), "user.uid": (int, type(None)),
}


def lines(path):
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if raw.strip():
                yield n, raw


def fail(path, n, msg, raw=b""):
    print(f"{path}:{n}: {msg}\n    {raw[:400]!r}", file=sys.stderr)
    sys.exit(1)


def decode(path, n, raw):
    try:
        text = raw.decode("utf-8")          # strict: invalid UTF-8 fails
    except UnicodeDecodeError as e:
        fail(path, n, f"not UTF-8: {e}", raw)
    try:
        return json.loads(text)
    except ValueError as e:
        fail(path, n, f"not JSON: {e}", raw)


def check_schema(paths):
    import jsonschema
    schema = json.load(open(SCHEMA))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema, format_checker=jsonschema.FormatChecker())
    for p in paths:
        count = 0
        for n, raw in lines(p):
            e = decode(p, n, raw)
            if not v.is_valid(e):
                # say what is wrong in the branch the line's kind selects
                sub = dict(schema)
                del sub["oneOf"]
                kind = e.get("kind") if isinstance(e, dict) else None
                sub["$ref"] = "#/$defs/" + ("drift" if kind == "drift" else "notice")
                errs = list(cls(sub, format_checker=jsonschema.FormatChecker()).iter_errors(e)) \
                    or list(v.iter_errors(e))
                fail(p, n, "; ".join(f"{'/'.join(map(str, x.absolute_path)) or '.'}: "
                                     f"{x.message[:160]}" for x in errs[:3]), raw)
            if e["kind"] == "drift":
                # time and time_ns say the same instant
                ns = int(e["time_ns"])
                t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
                want = t.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (ns % 10**9)
                if e["time"] != want:
                    fail(p, n, f"time {e['time']} is not time_ns {ns} ({want})", raw)
            count += 1
        if not count:
            print(f"{p}: no event line", file=sys.stderr)
            sys.exit(1)
        print(f"{p}: {count} lines valid against {os.path.basename(SCHEMA)}")


def check_falco(paths):
    for p in paths:
        count = 0
        for n, raw in lines(p):
            e = decode(p, n, raw)
            if not isinstance(e, dict):
                fail(p, n, "not an object", raw)
            for k, t in (("output", str), ("priority", str), ("rule", str),
                         ("time", str), ("output_fields", dict), ("source", str),
                         ("hostname", str), ("tags", list)):
                if not isinstance(e.get(k), t):
                    fail(p, n, f"{k}: expected {t.__name__}", raw)
            if e["priority"].lower() not in PRIORITIES:
                fail(p, n, f"priority {e['priority']!r} unknown to falcosidekick", raw)
            if not e["rule"]:
                fail(p, n, "empty rule (falcosidekick Check())", raw)
            if not RFC3339.match(e["time"]):
                fail(p, n, f"time {e['time']!r} is not RFC 3339", raw)
            if not e["output_fields"]:
                fail(p, n, "empty output_fields (falcosidekick Check())", raw)
            if e["source"] != "drift":
                fail(p, n, f"source {e['source']!r}, expected drift", raw)
            if not all(isinstance(t, str) for t in e["tags"]):
                fail(p, n, "tags must be strings", raw)
            if "\n" in e["output"] or "\x1b" in e["output"]:
                fail(p, n, "control characters in output", raw)
            f = e["output_fields"]
            want = dict(FALCO_FIELDS)
            if "drift.notice" not in f:
                want.update(EXEC_FIELDS)
            for k, t in want.items():
                if k not in f:
                    fail(p, n, f"output_fields has no {k}", raw)
                if not isinstance(f[k], t) or isinstance(f[k], bool):
                    fail(p, n, f"output_fields {k}: {type(f[k]).__name__}", raw)
            cid, full = f["container.id"], f["container.full_id"]
            if cid is not None and (len(cid) > 12 or not full.startswith(cid)):
                fail(p, n, "container.id is not the 12-character short id", raw)
            if not e["output"].startswith(e["time"][11:29] + ": " + e["priority"]):
                fail(p, n, "output does not start with evt.time and priority", raw)
            count += 1
        if not count:
            print(f"{p}: no event line", file=sys.stderr)
            sys.exit(1)
        print(f"{p}: {count} lines valid as Falco alerts")


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("schema", "falco"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    (check_schema if sys.argv[1] == "schema" else check_falco)(sys.argv[2:])

#!/usr/bin/python3
"""Reduces `boxtrail hunt -f jsonl` output to a stable digest for golden tests:
one line per finding (time span, severity, kind, rule id, hosts, container id),
then one line per evidence event (file and record id or line, relative paths).
Also checks that every line is a valid finding of the documented schema."""
import json, sys

REQUIRED = ["schema", "time", "end", "severity", "severity_raised", "kind", "correlation_type",
            "rule", "techniques", "hosts", "container", "account", "summary", "notes", "sources",
            "evidence_count", "evidence"]

out = []
for n, line in enumerate(sys.stdin, 1):
    f = json.loads(line)
    missing = [k for k in REQUIRED if k not in f]
    if missing:
        sys.exit("line %d: missing keys %s" % (n, missing))
    if f["schema"] != "boxtrail.finding/1":
        sys.exit("line %d: schema %r" % (n, f["schema"]))
    if f["evidence_count"] != len(f["evidence"]):
        sys.exit("line %d: evidence_count %d but %d events" % (n, f["evidence_count"], len(f["evidence"])))
    cid = (f["container"] or {}).get("id") or "-"
    out.append("finding %s..%s %s %s %s hosts=%s container=%s techniques=%s" % (
        f["time"], f["end"], f["severity"], f["kind"], f["rule"]["id"], ",".join(f["hosts"]),
        cid[:12], ",".join(sorted(f["techniques"]))))
    for e in f["evidence"]:
        for c in e["copies"]:
            where = ":%d" % c["line"] if c["line"] else "#%d" % c["record_id"]
            out.append("  evidence %s %s%s" % (e["time"], c["file"], where))
print("\n".join(out))

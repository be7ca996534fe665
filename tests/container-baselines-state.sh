#!/bin/sh
# The container baselines from an earlier run's state file (issue 25 with the
# map step of issue 23): June's evidence mapped to a state file, then July's
# evidence hunted with that state as history, gives the findings one hunt over
# both months gives, as an input with --baseline-until or with --baseline FILE.
# Skipped (77) while hunt has no --emit-state.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
EVTXGEN=$top_builddir/tests/tools/evtxgen
data=$top_srcdir/tests/data/container-baselines
"$BOXTRAIL" hunt --help 2>&1 | grep -q -- "--emit-state" || skip "hunt has no --emit-state (state files) yet"

# The evidence split at 2026-07-01 (each log's June and July as two files),
# and whole.
$PY - "$data" "$TMP" <<'EOF' || fail "splitting the evidence"
import json, os, sys
data, out = sys.argv[1], sys.argv[2]
cut_s, cut_us = "2026-07-01T00:00:00", 1782864000000000
for line in open(os.path.join(data, "src", "EVTX")):
    if line.startswith("#") or not line.strip():
        continue
    spec, evtx = line.split()
    lines = open(os.path.join(data, "src", spec)).read().splitlines()
    head = [l for l in lines if not l.startswith('{"event_id"')]
    evs = [json.loads(l) for l in lines if l.startswith('{"event_id"')]
    for part, keep in (("june", lambda e: e["time"] < cut_s), ("july", lambda e: e["time"] >= cut_s),
                       ("whole", lambda e: True)):
        with open(os.path.join(out, part + "-" + spec), "w") as f:
            f.write("\n".join(head + [json.dumps(e) for e in evs if keep(e)]) + "\n")
        with open(os.path.join(out, part + ".evtx-list"), "a") as f:
            f.write("%s-%s %s\n" % (part, spec, evtx))
def t_of(name, d):
    return int(d["timeNano"]) // 1000 if name.startswith("docker") else int(d["__REALTIME_TIMESTAMP"])
for part, keep in (("june", lambda t: t < cut_us), ("july", lambda t: t >= cut_us),
                   ("whole", lambda t: True)):
    os.makedirs(os.path.join(out, part, "lnx-app01"))
    for name in ("docker-events.jsonl", "journald.json"):
        with open(os.path.join(data, "collection", "lnx-app01", name)) as f, \
             open(os.path.join(out, part, "lnx-app01", name), "w") as g:
            for l in f:
                if keep(t_of(name, json.loads(l))):
                    g.write(l)
EOF
for part in june july whole; do
	while read -r spec evtx; do
		mkdir -p "$(dirname "$TMP/$part/$evtx")"
		"$EVTXGEN" write "$TMP/$spec" "$TMP/$part/$evtx" 2>>"$TMP/gen.err" || fail "evtxgen $spec: $(cat "$TMP/gen.err")"
	done <"$TMP/$part.evtx-list"
done

# findings FILE: rule, severity, summary per finding of the baseline rules
findings() {
	$PY -c '
import json, sys
ids = ("25a8ec10", "d51de210", "4ac6b2b3", "0c3e9a7d")
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["rule"]["id"][:8] in ids:
        print(d["rule"]["id"], d["severity"], d["summary"])
' "$1" | sort
}

"$BOXTRAIL" hunt -f jsonl --baseline-until 2026-07-01 "$TMP/whole" >"$TMP/one.jsonl" 2>/dev/null
findings "$TMP/one.jsonl" >"$TMP/one"
check "one run: five baseline findings" 5 "$(wc -l <"$TMP/one")"
"$BOXTRAIL" hunt --emit-state "$TMP/june.state" "$TMP/june" 2>"$TMP/map.err" ||
	fail "map step: $(cat "$TMP/map.err")"
"$BOXTRAIL" hunt -f jsonl --baseline-until 2026-07-01 "$TMP/june.state" "$TMP/july" >"$TMP/red.jsonl" 2>"$TMP/red.err"
check "state as history: exit status (findings)" 1 $?
findings "$TMP/red.jsonl" >"$TMP/red"
check "state as history: the same findings as one run" "$(cat "$TMP/one")" "$(cat "$TMP/red")"
check "state as history: each names June's logs as its baseline" 5 \
	"$(grep -c '"baseline 2026-06-01T[^"]* to 2026-07-01T00:00:00.0000000Z (29\.[0-9] days, to --baseline-until' "$TMP/red.jsonl")"
# --baseline FILE: the same history, the cut where June's evidence ends
"$BOXTRAIL" hunt -f jsonl --baseline "$TMP/june.state" "$TMP/july" >"$TMP/bl.jsonl" 2>"$TMP/bl.err"
check "--baseline FILE: exit status (findings)" 1 $?
findings "$TMP/bl.jsonl" >"$TMP/bl"
check "--baseline FILE: the same findings as one run" "$(cat "$TMP/one")" "$(cat "$TMP/bl")"
check "--baseline FILE: says where the history ends" 1 \
	"$(grep -c '^boxtrail: --baseline: history to 2026-06-[0-9T:.]*Z (where the baseline.s evidence ends); findings after it$' "$TMP/bl.err")"
check "--baseline FILE: nothing of June reported" 0 \
	"$(jq -r 'select(.end < "2026-07-01")' "$TMP/bl.jsonl" | wc -l | tr -d ' ')"
"$BOXTRAIL" hunt -f jsonl --baseline "$TMP/june.state" --baseline-until 2026-07-01 "$TMP/july" >"$TMP/bl2.jsonl" 2>/dev/null
check "--baseline with --baseline-until: the same findings" "$(cat "$TMP/one")" "$(findings "$TMP/bl2.jsonl")"
"$BOXTRAIL" hunt --baseline "$TMP/june" "$TMP/july" >/dev/null 2>"$TMP/bl.err"
check "--baseline of evidence, not a state: usage error" 2 $?
check "... named" 1 "$(grep -c 'hunt: --baseline .*/june: not a state file' "$TMP/bl.err")"
"$BOXTRAIL" hunt --baseline "$TMP/june.state" --since 2026-07-01 "$TMP/july" >/dev/null 2>"$TMP/bl.err"
check "--baseline with --since: usage error" 2 $?
"$BOXTRAIL" hunt --baseline "$TMP/june.state" --emit-state "$TMP/x.state" "$TMP/july" >/dev/null 2>&1
check "--baseline with --emit-state: usage error" 2 $?
[ ! -e "$TMP/x.state" ] || fail "no state written"

# July alone: no history, so nothing is judged at the rule's level
"$BOXTRAIL" hunt -f jsonl --baseline-until 2026-07-01 "$TMP/july" >"$TMP/july.jsonl" 2>/dev/null
check "July alone: no baseline finding" 0 "$(findings "$TMP/july.jsonl" | wc -l)"

finish

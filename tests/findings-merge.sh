#!/bin/sh
# One finding per event group (issue 21): detections of different rules that
# share an event are one finding listing every rule, highest level first;
# rules that matched exactly the same records are named together; no record
# is evidence of two detection findings; the summary says how many merged.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
cd "$top_srcdir" || exit 99
mkdir -p "$TMP/rules"
# On DC01 of samples/: six RC4 service tickets. A and B select exactly them
# (B as a SigmaHQ rule would, in other words); C the tickets for svc_sql and
# svc_web only, 54 of them RC4 or not; D every ticket to NAS01$ (one, RC4): all
# share events with A and B, so all four make one finding of 58 events.
cat >"$TMP/rules/r.yml" <<'YEOF'
title: RC4 tickets A
id: 0000000a-0000-4000-8000-000000000001
level: medium
tags: [attack.t1558.003]
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 4769, TicketEncryptionType: '0x17'}
    condition: sel
---
title: RC4 tickets B
id: 0000000b-0000-4000-8000-000000000002
level: high
tags: [attack.t1558]
logsource: {product: windows, service: security}
detection:
    sel:
        EventID: 4769
        TicketEncryptionType|endswith: '17'
    condition: sel
---
title: SQL and web tickets C
id: 0000000c-0000-4000-8000-000000000003
level: low
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 4769, ServiceName: [svc_sql, svc_web]}
    condition: sel
---
title: Context D
id: 0000000d-0000-4000-8000-000000000004
level: informational
tags: [attack.t1087]
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 4769, ServiceName: 'NAS01$'}
    condition: sel
YEOF
"$BOXTRAIL" hunt -f jsonl --no-builtin --min-level informational --window 2h --rules "$TMP/rules" samples/DC01 \
	>"$TMP/f.jsonl" 2>"$TMP/err"
check "exit status" 1 $?
$PY - "$TMP/f.jsonl" >"$TMP/out" <<'PYEOF'
import json, sys, collections
seen = collections.Counter()
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["kind"] != "detection":
        continue
    for e in d["evidence"]:
        seen[(e["copies"][0]["file"], e["copies"][0]["record_id"])] += 1
    print(d["rule"]["id"][:8], d["severity"], d["evidence_count"], ",".join(d["techniques"]),
          " ".join("%s:%s:%s" % (r["id"][:8], r["records"], (r["same_records_as"] or "-")[:8])
                   for r in d["rules"]))
print("records in two findings:", sum(1 for n in seen.values() if n > 1))
PYEOF
cat "$TMP/out"
check "one finding for the four rules" 1 "$(grep -c '^0000000' "$TMP/out")"
check "its rule: B (high), then A (same records as B), C, D" \
	"0000000b high 58 T1558.003,T1558 0000000b:6:- 0000000a:6:0000000b 0000000c:54:- 0000000d:1:-" \
	"$(grep '^0000000b' "$TMP/out")"
check "no record in two detection findings" "records in two findings: 0" "$(tail -1 "$TMP/out")"
grep -q "3 more merged into findings sharing their events" "$TMP/err" && pass "the summary line says how many merged" ||
	fail "summary line: $(tail -1 "$TMP/err")"
"$BOXTRAIL" hunt -f csv --no-builtin --min-level informational --window 2h --rules "$TMP/rules" samples/DC01 >"$TMP/f.csv" 2>/dev/null
head -1 "$TMP/f.csv" | grep -q ',evidence,rules$' && pass "csv: rules column" || fail "csv header: $(head -1 "$TMP/f.csv")"
grep -q '0000000b-0000-4000-8000-000000000002 0000000a-0000-4000-8000-000000000001 0000000c-' "$TMP/f.csv" &&
	pass "csv: the rules of the merged finding" || fail "csv: rules"
"$BOXTRAIL" hunt -f text --color=never --no-builtin --min-level informational --window 2h --rules "$TMP/rules" samples/DC01 >"$TMP/f.txt" 2>/dev/null
grep -q '^    also: RC4 tickets A (0000000a-0000-4000-8000-000000000001, medium; the same records as 0000000b-' "$TMP/f.txt" &&
	pass "text: the rule with the same records" || fail "text: $(grep also "$TMP/f.txt")"
grep -q '^    also: SQL and web tickets C (0000000c-0000-4000-8000-000000000003, low; 54 of the records)' "$TMP/f.txt" &&
	pass "text: a rule with part of the records" || fail "text: $(grep also "$TMP/f.txt")"
finish

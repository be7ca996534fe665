#!/bin/sh
# The main job on the shipped evidence: `boxtrail hunt samples/` reports exactly
# the findings of samples/README.md (and nothing of its benign activity), in
# every format; every JSONL line parses (jq too).
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
golden=$top_srcdir/tests/data/hunt/samples-findings.txt
cd "$top_srcdir" || exit 99

"$BOXTRAIL" hunt -f jsonl samples/ >"$TMP/findings.jsonl" 2>"$TMP/err"
check "exit status: findings" 1 $?
$PY "$top_srcdir/tests/hunt_digest.py" <"$TMP/findings.jsonl" >"$TMP/digest" || fail "JSONL schema"
if diff -u "$golden" "$TMP/digest" >"$TMP/diff"; then
	pass "findings as in samples/README.md ($(grep -c '^finding' "$TMP/digest") findings)"
else
	fail "findings differ from $golden"; cat "$TMP/diff" >&2
fi
if command -v jq >/dev/null; then
	jq -e . "$TMP/findings.jsonl" >/dev/null && pass "jq parses every line" || fail "jq"
fi
n=$(wc -l <"$TMP/findings.jsonl")

# The same findings in the other formats.
"$BOXTRAIL" hunt -f timesketch samples/ >"$TMP/ts.jsonl" 2>/dev/null
check "timesketch exit status" 1 $?
$PY - "$TMP/ts.jsonl" "$n" <<'PY' || fail "timesketch"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == int(sys.argv[2]), len(lines)
for l in lines:
    o = json.loads(l)
    for k in ("message", "datetime", "timestamp_desc", "rule_id", "severity"):
        assert k in o, k
print("timesketch: %d lines with message, datetime, timestamp_desc" % len(lines))
PY
"$BOXTRAIL" hunt -f csv samples/ >"$TMP/f.csv" 2>/dev/null
check "csv exit status" 1 $?
$PY - "$TMP/f.csv" "$n" <<'PY' || fail "csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][:4] == ["time", "end", "severity", "kind"], rows[0]
assert len(rows) == int(sys.argv[2]) + 1 and all(len(r) == len(rows[0]) for r in rows), len(rows)
print("csv: header and %d rows of equal width" % (len(rows) - 1))
PY
"$BOXTRAIL" hunt -f text --color=never samples/ >"$TMP/f.txt" 2>/dev/null
check "text exit status" 1 $?
check "text: one block per finding" "$n" "$(grep -c '^20[0-9][0-9]-' "$TMP/f.txt")"
grep -q "$(printf '\033')" "$TMP/f.txt" && fail "colour with --color=never" || pass "no colour with --color=never"
"$BOXTRAIL" hunt -f text --color=always samples/ 2>/dev/null | grep -q "$(printf '\033\\[1;31m')" \
	&& pass "--color=always colours" || fail "--color=always"
NO_COLOR=1 "$BOXTRAIL" hunt -f text samples/ 2>/dev/null | grep -q "$(printf '\033')" \
	&& fail "NO_COLOR ignored" || pass "NO_COLOR respected"

# Stdout discipline: the summary and "no findings" go to stderr only.
grep -q 'findings (' "$TMP/err" && pass "summary on stderr" || fail "no summary on stderr"
"$BOXTRAIL" hunt -f jsonl --min-level critical --host WS-042 samples/ >"$TMP/none" 2>"$TMP/err2"
check "no findings: exit 0" 0 $?
[ ! -s "$TMP/none" ] && grep -q 'no findings' "$TMP/err2" && pass "no findings: said on stderr, stdout empty" \
	|| fail "no findings output"

# Filters.
"$BOXTRAIL" hunt -f jsonl --min-level critical samples/ 2>/dev/null | jq -r .severity | sort -u >"$TMP/sev"
check "--min-level critical" "critical" "$(cat "$TMP/sev")"
"$BOXTRAIL" hunt -f jsonl --host dc01 samples/ 2>/dev/null | jq -r '.hosts | join(",")' | sort -u >"$TMP/hosts"
grep -qv -i dc01 "$TMP/hosts" && fail "--host dc01 let through: $(cat "$TMP/hosts")" || pass "--host filters"
finish

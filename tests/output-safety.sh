#!/bin/sh
# Attacker-controlled strings reach every output neutralised: no raw control
# character or escape sequence on a terminal, JSON that parses and keeps the
# raw values, CSV that is RFC 4180 and cannot run as a spreadsheet formula.
. "$top_srcdir/tests/lib.sh"
EVTXGEN=$top_builddir/tests/tools/evtxgen
[ -x "$EVTXGEN" ] || skip "evtxgen not built"
"$EVTXGEN" write "$top_srcdir/tests/data/hostile/hostile.jsonl" "$TMP/hostile.evtx" || fail "evtxgen write"

# text: nothing below 0x20 but LF, no DEL, no C1, no bidi controls
"$BOXTRAIL" events -f text "$TMP/hostile.evtx" >"$TMP/text" 2>"$TMP/err"
check "text exit status" 0 $?
check "one line per event" 1 "$(wc -l <"$TMP/text")"
if LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$TMP/text"; then
	fail "raw control character in text output"
else
	pass "no raw control characters in text"
fi
if grep -q "$(printf '\302[\200-\237]')" "$TMP/text" || grep -q "$(printf '\342\200\256')" "$TMP/text" \
	|| grep -q "$(printf '\342\201\246')" "$TMP/text"; then
	fail "C1 or bidi control in text output"
else
	pass "no C1 or bidi controls in text"
fi
for want in 'adm\x1b[31min\x1b[0m' 'x\x1b]0;pwned\x07y' 'invoice\u202egpj.exe' 'c1\u009b31m' \
	'line1\nFAKE' 'visible\rHIDDEN' 'C:\Users\Public\x.dll' 'HOST\x1b[2J' 'del\x7f'; do
	grep -qF "$want" "$TMP/text" && pass "visible escape $want" || fail "text lacks visible $want"
done

# JSON: valid, one line, raw values preserved exactly
"$BOXTRAIL" events -f jsonl "$TMP/hostile.evtx" >"$TMP/json" 2>>"$TMP/err"
$PY - "$TMP/json" "$top_srcdir/tests/data/hostile/hostile.jsonl" <<'PY' || fail "JSON values"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 1, lines
ev = json.loads(lines[0])
src = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")][0]
want = {d["name"]: d["value"] for d in src["data"]}
bad = [k for k, v in want.items() if ev["fields"].get(k) != v]
assert not bad, [(k, ev["fields"].get(k), want[k]) for k in bad]
assert ev["host"] == "HOST\x1b[2J", ev["host"]
print("json: all %d hostile values round-trip exactly" % len(want))
PY

# CSV: parses as RFC 4180; formula cells guarded; --csv-raw keeps them
"$BOXTRAIL" events -f csv "$TMP/hostile.evtx" >"$TMP/csv" 2>>"$TMP/err"
"$BOXTRAIL" events -f csv --csv-raw "$TMP/hostile.evtx" >"$TMP/csvraw" 2>>"$TMP/err"
$PY - "$TMP/csv" "$TMP/csvraw" <<'PY' || fail "CSV"
import csv, json, sys
for path, guarded in ((sys.argv[1], True), (sys.argv[2], False)):
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    assert len(rows) == 2 and all(len(r) == len(rows[0]) for r in rows), rows
    head = rows[0]
    assert head[:3] == ["time", "source", "host"], head
    fields = json.loads(rows[1][head.index("fields")])
    assert fields["Formula"].startswith("=HYPERLINK"), fields["Formula"]
    host = rows[1][head.index("host")]
    assert host == "HOST\x1b[2J", repr(host)
print("csv: 2 rows of equal width; the fields cell is JSON")
PY
# a cell that starts with a formula character: the file name
cp "$TMP/hostile.evtx" "$TMP/=cmd.evtx"
(cd "$TMP" && "$BOXTRAIL" events -f csv "=cmd.evtx" >"$TMP/csv2" 2>>"$TMP/err")
grep -q ",\"'=cmd.evtx\"," "$TMP/csv2" && pass "formula cell guarded" || fail "formula cell: $(tail -1 "$TMP/csv2" | cut -c1-200)"
(cd "$TMP" && "$BOXTRAIL" events -f csv --csv-raw "=cmd.evtx" >"$TMP/csv3" 2>>"$TMP/err")
grep -q ",=cmd.evtx," "$TMP/csv3" && pass "--csv-raw leaves it" || fail "--csv-raw: $(tail -1 "$TMP/csv3" | cut -c1-200)"
finish

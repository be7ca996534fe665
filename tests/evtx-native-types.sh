#!/bin/sh
# Every substitution value type and Binary XML corner case (probe files made
# by tests/tools/evtx_probe.py) read by both EVTX readers: identical events
# wherever both read a record, nothing only libevtx reads. Records libevtx
# cannot render at all (a NULL normal substitution, an empty attribute value,
# EvtHandle, SID/bool/size_t arrays, ...) are the native reader's alone.
. "$top_srcdir/tests/lib.sh"
$PY "$top_srcdir/tests/tools/evtx_probe.py" "$TMP/probes" || fail "probe files not written"
BOXTRAIL="$BOXTRAIL" $PY "$top_srcdir/tests/evtx_diff.py" --verbose "$TMP"/probes/*.evtx \
	>"$TMP/diff" 2>&1
rc=$?
grep -E '^(DIFF|ONLY|  only|TOTAL)' "$TMP/diff"
[ "$rc" = 0 ] && pass "identical where both read" || { sed -n '/^DIFF/,+2p' "$TMP/diff" >&2; fail "differences"; }
tot=$(grep '^TOTAL' "$TMP/diff")
same=$(echo "$tot" | sed -n 's/.* same=\([0-9]*\).*/\1/p')
onlyl=$(echo "$tot" | sed -n 's/.* only_libevtx=\([0-9]*\).*/\1/p')
[ "${same:-0}" -ge 100 ] && pass "$same events compared" || fail "only ${same:-0} events compared"
check "records only libevtx reads" 0 "${onlyl:-x}"

# A character beyond U+FFFF (a UTF-16 surrogate pair) is that character, from
# either reader (libuna 20181227 puts it 0x3FF too low; the libevtx reader
# puts that right).
cat >"$TMP/emoji.jsonl" <<'EOF'
{"defaults": {"computer": "DC01.corp.local", "channel": "Security", "provider": "Microsoft-Windows-Security-Auditing"}}
{"event_id": 4688, "time": "2026-03-14T09:13:01Z", "record_id": 5, "data": [{"name": "CommandLine", "value": "a \ud83d\ude00 \ud801\udc37 z"}]}
EOF
"$top_builddir/tests/tools/evtxgen" write "$TMP/emoji.jsonl" "$TMP/emoji.evtx" || fail "evtxgen write"
want=$(printf 'a \360\237\230\200 \360\220\220\267 z')
for reader in auto libevtx; do
	got=$("$BOXTRAIL" events -q --reader $reader "$TMP/emoji.evtx" |
		$PY -c 'import json, sys; print(json.load(sys.stdin)["fields"]["CommandLine"])')
	[ "$got" = "$want" ] && pass "U+1F600 and U+10437 read right ($reader)" ||
		fail "$reader reads $(printf %s "$got" | od -An -tx1 | tr -d '\n')"
done
finish

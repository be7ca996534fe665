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
finish

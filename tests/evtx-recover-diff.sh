#!/bin/sh
# Records recovered outside the live records, on every EVTX file of the shared
# corpus: the native recovery pass against libevtx (tests/evtx_recover_diff.py
# checks each record's template instances itself). Every record libevtx
# recovers with matching templates is recovered with equal fields or is a
# copy of a live record given once; no recovered event rests on a template
# of another id; none lacks channel, host or event id.
. "$top_srcdir/tests/lib.sh"
need_corpus
PROBE=$top_builddir/tests/tools/evtx_recover_probe
[ -x "$PROBE" ] || skip "tests/tools/evtx_recover_probe not built"
find "$SHARED_CORPUS" -name '*.evtx' | LC_ALL=C sort >"$TMP/files"
xargs -d '\n' "$BOXTRAIL" events -q -f jsonl <"$TMP/files" >"$TMP/native.jsonl"
xargs -d '\n' "$BOXTRAIL" events -q -f jsonl --reader libevtx <"$TMP/files" >"$TMP/libevtx.jsonl"
xargs -d '\n' "$PROBE" <"$TMP/files" >"$TMP/probe.jsonl" || fail "probe failed"
$PY "$top_srcdir/tests/evtx_recover_diff.py" "$TMP/libevtx.jsonl" "$TMP/native.jsonl" \
	"$TMP/probe.jsonl" "$SHARED_CORPUS" >"$TMP/diff" 2>&1
rc=$?
sed -n '/^== total/,$p' "$TMP/diff" | head -40
[ "$rc" = 0 ] && pass "recovered records: libevtx's with matching templates all accounted for" ||
	fail "recovery differential (exit $rc)"
n=$(sed -n 's/^ *native recovered  *\([0-9]*\)$/\1/p' "$TMP/diff" | tail -1)
[ "${n:-0}" -gt 1000 ] && pass "$n recovered events checked" || fail "only ${n:-0} recovered events"
# the default reader starts no libevtx worker for any corpus file
xargs -d '\n' "$BOXTRAIL" events --stats -f jsonl <"$TMP/files" 2>"$TMP/stats" >/dev/null
started=$(grep -c 'libevtx_started=[1-9]' "$TMP/stats")
check "files for which libevtx was started" 0 "$started"
finish

#!/bin/sh
# --jobs changes speed, never results: events, diagnostics and statistics are
# the same bytes for 1, 2 and 4 threads, on a file large enough to be read in
# chunk ranges side by side (joined statistics included), on damaged files and
# on the samples; hunt's findings likewise.
. "$top_srcdir/tests/lib.sh"
EVTXGEN=$top_builddir/tests/tools/evtxgen
[ -x "$EVTXGEN" ] || skip "evtxgen not built"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
mkdir -p "$TMP/ev/big" "$TMP/ev/damaged"
# a Sysmon log of ~113 chunks: 4 live parts and a recovered part at --jobs 2+
"$EVTXGEN" scale --quiet --size 13M --file-size 13M --seed 7 --out "$TMP/ev/big" || fail "evtxgen scale"
big=$(ls "$TMP"/ev/big/Sysmon-*.evtx | head -1)   # ~113 chunks: 4 live parts
# damage inside the second part, so that per-part diagnostics and counts join
"$EVTXGEN" mutate bitflip --chunk 40 --seed 3 --count 64 "$big" "$TMP/ev/damaged/flip.evtx" || fail "mutate"
"$EVTXGEN" mutate zero-chunk --chunk 70 "$big" "$TMP/ev/damaged/zero.evtx" || fail "mutate"
"$EVTXGEN" mutate bad-data-crc --chunk 33 "$big" "$TMP/ev/damaged/crc.evtx" || fail "mutate"
# many damaged records in several parts: more warnings than are shown
cp "$big" "$TMP/m.evtx"
for c in 20 23 26 29 32 35 38 41 44 47 50 53 56 59 62 65; do
	"$EVTXGEN" mutate bitflip --chunk $c --seed $c --count 400 "$TMP/m.evtx" "$TMP/m2.evtx" || fail "mutate"
	mv "$TMP/m2.evtx" "$TMP/m.evtx"
done
mv "$TMP/m.evtx" "$TMP/ev/damaged/many.evtx"
cp -r "$top_srcdir/samples/SRV-BUILD01" "$TMP/ev/"

for j in 1 2 4; do
	"$BOXTRAIL" events --stats -j $j -f jsonl "$TMP/ev" >"$TMP/events.$j" 2>"$TMP/err.$j"
	echo $? >"$TMP/rc.$j"
	"$BOXTRAIL" hunt --stats -j $j -f jsonl "$TMP/ev" >"$TMP/hunt.$j" 2>"$TMP/herr.$j"
	echo $? >>"$TMP/rc.$j"
done
n=$(wc -l <"$TMP/events.1")
[ "$n" -gt 10000 ] && pass "read $n events" || fail "only $n events"
grep -q 'stats: .*big.*records=' "$TMP/err.1" || fail "no statistics for the large file"
for j in 2 4; do
	cmp -s "$TMP/events.1" "$TMP/events.$j" && pass "events: --jobs $j gives the same bytes" \
		|| fail "events differ at --jobs $j: $(cmp "$TMP/events.1" "$TMP/events.$j" 2>&1 | head -1)"
	cmp -s "$TMP/err.1" "$TMP/err.$j" && pass "diagnostics and stats: --jobs $j the same" \
		|| { fail "stderr differs at --jobs $j"; diff "$TMP/err.1" "$TMP/err.$j" | head -10 >&2; }
	cmp -s "$TMP/hunt.1" "$TMP/hunt.$j" && pass "hunt: --jobs $j gives the same findings" \
		|| { fail "hunt differs at --jobs $j"; diff "$TMP/hunt.1" "$TMP/hunt.$j" | head -5 >&2; }
	grep -v 'stats: rule\|findings (' "$TMP/herr.1" >"$TMP/h1"; grep -v 'stats: rule\|findings (' "$TMP/herr.$j" >"$TMP/hj"
	cmp -s "$TMP/h1" "$TMP/hj" && pass "hunt stderr: --jobs $j the same" || fail "hunt stderr differs at --jobs $j"
	cmp -s "$TMP/rc.1" "$TMP/rc.$j" && pass "exit status: --jobs $j the same" || fail "exit status differs"
done
# the damaged copies were read, reported and counted
grep -q 'flip.evtx.*records=' "$TMP/err.1" && grep -q 'zero.evtx' "$TMP/err.1" \
	&& pass "damaged files reported" || fail "damaged files: $(grep -c . "$TMP/err.1") lines"
# at most BT_SCAN_MAX_WARNINGS (10) warnings per input, the rest counted
w=$(grep -c 'many.evtx: warning:' "$TMP/err.1")
[ "$w" -le 10 ] && pass "warnings capped per input ($w shown)" || fail "$w warnings shown for one input"
grep -q 'many.evtx: .*more warnings not shown' "$TMP/err.1" && pass "the rest are counted" \
	|| fail "no 'more warnings' note: $(grep many.evtx "$TMP/err.1" | tail -2)"
expect_rc "--jobs 0 is a usage error" 2 "$BOXTRAIL" events -j 0 "$TMP/ev"
# A file read in parts (its live parts hand their slack-space candidates to
# its recovered part) gives what one pass gives: from standard input the
# file is read whole, in one unit
many=$TMP/ev/damaged/many.evtx
"$BOXTRAIL" events --stats -j 2 -f jsonl "$many" 2>"$TMP/parts.err" | jq -c 'del(.file)' >"$TMP/parts.jsonl"
"$BOXTRAIL" events --stats -f jsonl - <"$many" 2>"$TMP/whole.err" | jq -c 'del(.file)' >"$TMP/whole.jsonl"
if grep -q -E 'libevtx crashed|libevtx worker ended unexpectedly' "$TMP/parts.err" "$TMP/whole.err"; then
	# Under AddressSanitizer libevtx's own out-of-bounds read on a damaged
	# record faults in its worker: the worker of one pass and those of the
	# parts then stop at different records, so there is nothing to compare
	# (the build without sanitizers, CI's first step, compares)
	echo "note: libevtx's worker crashed on a damaged record (sanitizer build); parts not compared with one pass"
	finish
fi
grep -q 'recovered=[1-9]' "$TMP/whole.err" && pass "the damaged file has records recovered from slack space" ||
	fail "no recovered records to compare: $(grep stats: "$TMP/whole.err")"
cmp -s "$TMP/parts.jsonl" "$TMP/whole.jsonl" && pass "read in parts: the events of one pass" ||
	fail "parts and one pass differ: $(diff "$TMP/parts.jsonl" "$TMP/whole.jsonl" | head -3)"
# (libevtx_started counts workers: each part that leaves records to libevtx
# starts its own)
[ "$(sed "s#$many#F#; s/ libevtx_started=[0-9]*//" "$TMP/parts.err")" = \
  "$(sed 's#^boxtrail: -:#boxtrail: F:#; s#stats: -:#stats: F:#; s/ libevtx_started=[0-9]*//' "$TMP/whole.err")" ] &&
	pass "read in parts: the diagnostics and statistics of one pass" ||
	fail "diagnostics differ: $(diff "$TMP/parts.err" "$TMP/whole.err" | head -4)"

finish

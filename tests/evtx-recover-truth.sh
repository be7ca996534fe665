#!/bin/sh
# Boxtrail's recovery of EVTX records outside the live records, against the
# ground truth of `evtxgen history` (tests/tools/README.md): logs cleared and
# reused, wrapped, with chunks past the header's count, records broken on
# purpose, a chunk with a bad header CRC, a file cut short. Every record the
# truth calls recoverable is given with the fields that went in; none broken
# or overwritten is given; the broken ones are counted
# (tests/evtx_recover_truth.py). Then: templates lent by another file of the
# channel, the same output for any --jobs, --no-recover, -q, and a finding
# that rests only on recovered records says so.
. "$top_srcdir/tests/evtxgen-lib.sh"
: "${BOXTRAIL:=$top_builddir/src/boxtrail}"
D=$top_srcdir/tests/data/evtxgen
OLD=$D/history-old.jsonl
NEW=$D/history-new.jsonl
TRUTH=$top_srcdir/tests/evtx_recover_truth.py
need "$PY"

gen() {   # gen NAME SCENARIO OPTIONS...: $tmp/NAME.evtx and $tmp/NAME.truth
	name=$1 sc=$2
	shift 2
	"$EVTXGEN" history --quiet --scenario "$sc" --truth "$tmp/$name.truth" "$@" \
		"$OLD" "$NEW" "$tmp/$name.evtx" 2>"$tmp/$name.gen.err" ||
		{ fail "evtxgen history $sc: $(head -2 "$tmp/$name.gen.err")"; return 1; }
}
gen cleared cleared --records-per-chunk 50 --new-records-per-chunk 60
gen broken broken --records-per-chunk 50 --new-records-per-chunk 60
gen mixed mixed --records-per-chunk 50 --new-records-per-chunk 60
gen badcrc cleared --records-per-chunk 50 --new-records-per-chunk 60 --bad-header-crc 1
gen pastcount past-count --records-per-chunk 50
gen wrapped wrapped --max-chunks 3 --records-per-chunk 54

for n in cleared broken mixed badcrc pastcount wrapped; do
	"$BOXTRAIL" events -f jsonl --stats "$tmp/$n.evtx" >"$tmp/$n.jsonl" 2>"$tmp/$n.err"
	if "$PY" "$TRUTH" "$tmp/$n.truth" "$tmp/$n.jsonl" "$tmp/$n.err" >"$tmp/$n.res"; then
		ok "$n: $(head -1 "$tmp/$n.res")"
	else
		fail "$n: $(cat "$tmp/$n.res")"
	fi
	grep -q "$n.evtx: [0-9]* of [0-9]* records* outside the live records recovered" "$tmp/$n.err" &&
		ok "$n: one summary line" || fail "$n: no recovery summary: $(cat "$tmp/$n.err")"
done
# the broken records each for their reason
for r in 'damaged record header' 'template not found' 'values do not fit the template'; do
	grep -q "broken.evtx: .*not recoverable:.*$r" "$tmp/broken.err" && ok "broken: counted: $r" ||
		fail "broken: no '$r' in $(grep 'outside' "$tmp/broken.err")"
done

# Another file of the channel (the old events, written plainly) holds the
# templates no intact definition of the cleared file has: those records are
# recovered with it; an id defined nowhere stays unrecoverable.
"$EVTXGEN" write "$OLD" "$tmp/donor.evtx" || fail "evtxgen write"
"$BOXTRAIL" events -f jsonl --stats "$tmp/broken.evtx" "$tmp/donor.evtx" >"$tmp/x.jsonl" 2>"$tmp/x.err"
"$PY" "$TRUTH" --file "$tmp/broken.evtx" --donor "$tmp/broken.truth" "$tmp/x.jsonl" "$tmp/x.err" \
	>"$tmp/x.res" && ok "templates from another file: $(head -1 "$tmp/x.res")" ||
	fail "templates from another file: $(cat "$tmp/x.res")"
grep -q '"recovery":"template-in-other-file"' "$tmp/x.jsonl" && ok "marked template-in-other-file" ||
	fail "no event marked template-in-other-file"
grep -q 'broken.evtx: .* 1 template not found' "$tmp/x.err" &&
	ok "an id defined in no file stays unrecoverable" ||
	fail "template-id-unknown: $(grep 'broken.evtx: .*outside' "$tmp/x.err")"
# a donor of another channel lends nothing
sed 's/"channel": "Security"/"channel": "Application"/; s/"channel": "Microsoft-Windows-Sysmon\/Operational"/"channel": "Application"/' \
	"$OLD" >"$tmp/other.jsonl"
"$EVTXGEN" write "$tmp/other.jsonl" "$tmp/other.evtx" || fail "evtxgen write"
"$BOXTRAIL" events -f jsonl "$tmp/broken.evtx" "$tmp/other.evtx" 2>/dev/null |
	grep -c '"recovery":"template-in-other-file"' >"$tmp/n" || true
check_n=$(cat "$tmp/n")
[ "$check_n" = 0 ] && ok "no templates from a file of another channel" ||
	fail "$check_n events took templates from a file of another channel"

# the same bytes for any --jobs (files lend in run order, each read once)
set -- "$tmp/cleared.evtx" "$tmp/broken.evtx" "$tmp/mixed.evtx" "$tmp/wrapped.evtx" "$tmp/donor.evtx"
"$BOXTRAIL" events -j 1 -f jsonl --stats "$@" >"$tmp/j1" 2>"$tmp/j1.err"
"$BOXTRAIL" events -j 3 -f jsonl --stats "$@" >"$tmp/j3" 2>"$tmp/j3.err"
cmp -s "$tmp/j1" "$tmp/j3" && cmp -s "$tmp/j1.err" "$tmp/j3.err" && ok "--jobs 1 and 3: same events and diagnostics" ||
	fail "--jobs changes the output: $(diff "$tmp/j1.err" "$tmp/j3.err" | head -3)"

# --no-recover: the live records only; -q: no summary
"$BOXTRAIL" events -f jsonl --no-recover "$tmp/cleared.evtx" >"$tmp/nr" 2>"$tmp/nr.err"
[ "$(grep -c '"recovered":true' "$tmp/nr")" = 0 ] &&
	[ "$(wc -l <"$tmp/nr")" = "$(grep -c '"recovered":false' "$tmp/cleared.jsonl")" ] &&
	ok "--no-recover: the live records only" || fail "--no-recover: $(wc -l <"$tmp/nr") events"
"$BOXTRAIL" events -q -f jsonl "$tmp/mixed.evtx" >"$tmp/q" 2>"$tmp/q.err"
[ ! -s "$tmp/q.err" ] && cmp -s "$tmp/q" "$tmp/mixed.jsonl" && ok "-q: no notes, the same events" ||
	fail "-q: $(head -2 "$tmp/q.err")"

# text output marks recovered events
"$BOXTRAIL" events -f text "$tmp/cleared.evtx" 2>/dev/null | grep -q 'recovered, template elsewhere in the file\]' &&
	ok "text output marks recovered events" || fail "text output: no recovered marker"

# a finding on recovered records only says so
mkdir -p "$tmp/rules"
cat >"$tmp/rules/whoami.yml" <<'YML'
title: whoami /all from cmd
id: 5f0c54d2-3f7e-4c55-9a39-0a8f1f1c2b01
status: test
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4688
    CommandLine|contains: 'whoami /all'
  condition: selection
level: high
YML
"$BOXTRAIL" hunt -f jsonl --rules "$tmp/rules" "$tmp/cleared.evtx" 2>/dev/null >"$tmp/h.jsonl"
"$PY" - "$tmp/h.jsonl" <<'PY' && ok "a finding on recovered records says so" || fail "finding note: $(head -c 600 "$tmp/h.jsonl")"
import json, sys
fs = [json.loads(l) for l in open(sys.argv[1])]
f = [f for f in fs if f['rule']['title'] == 'whoami /all from cmd']
assert f, 'no finding'
assert all(c['recovered'] for e in f[0]['evidence'] for c in e['copies'])
assert any('rests only on records recovered' in n for n in f[0]['notes']), f[0]['notes']
PY
finish

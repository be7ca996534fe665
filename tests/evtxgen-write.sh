#!/bin/sh
# evtxgen writes EVTX files that libevtx (evtxinfo, evtxexport) and boxtrail read
# back without corruption and with every field and value that went in.
. "$top_srcdir/tests/evtxgen-lib.sh"
need evtxinfo "libevtx-utils"
need evtxexport "libevtx-utils"
need "$PY"

# check INPUT.jsonl OUT.evtx [evtxgen write options]: write, then read back three ways.
check() {
	in=$1 out=$2
	shift 2
	if ! "$EVTXGEN" write "$@" "$in" "$out"; then
		fail "evtxgen write $* $in"
		return
	fi
	n=$(count_events "$in")
	info=$(evtxinfo "$out" 2>&1)
	case $info in *"Is corrupted"*) fail "$out: evtxinfo says corrupted" ;; esac
	got=$(printf '%s\n' "$info" | sed -n 's/.*Number of records[^:]*:[[:space:]]*//p')
	[ "$got" = "$n" ] || fail "$out: evtxinfo counts $got records, expected $n"
	rec=$(printf '%s\n' "$info" | sed -n 's/.*Number of recovered records[^:]*:[[:space:]]*//p')
	[ "$rec" = 0 ] || fail "$out: evtxinfo finds $rec recovered records, expected 0"
	# evtxgen's own structural checks: CRCs, offsets, a walk of every record
	"$EVTXGEN" info "$out" > "$tmp/info"
	grep -q '^file: magic=ok header_crc=ok version=3.1 ' "$tmp/info" || fail "$out: file header"
	bad=$(grep '^chunk' "$tmp/info" | grep -v 'magic=ok header_crc=ok data_crc=ok .*offsets=ok .*walk=ok$')
	[ -z "$bad" ] || fail "$out: damaged chunk: $bad"
	walked=$(sed -n 's/.* records=\([0-9]*\) walk=ok$/\1/p' "$tmp/info" | awk '{s += $1} END {print s + 0}')
	[ "$walked" = "$n" ] || fail "$out: walked $walked records, expected $n"
	if evtxexport -f xml "$out" > "$tmp/x.xml" 2> "$tmp/x.err"; then
		"$PY" "$COMPARE" --renderer libevtx "$in" "$tmp/x.xml" || fail "$out: libevtx rendering differs"
	else
		fail "$out: evtxexport failed: $(head -3 "$tmp/x.err")"
	fi
	if "$BOXTRAIL" events -q -f jsonl "$out" > "$tmp/b.jsonl"; then
		"$PY" "$COMPARE" --renderer boxtrail "$in" "$tmp/b.jsonl" || fail "$out: boxtrail values differ"
	else
		fail "$out: boxtrail events exited with $?"
	fi
}

types=$top_srcdir/tests/data/evtxgen/types.jsonl
check "$types" "$tmp/types.evtx"
ok "types.jsonl: every value type, classic, UserData and literal-provider events"

# one chunk per two records: templates and names are defined again in every chunk
check "$types" "$tmp/types2.evtx" --records-per-chunk 2
chunks=$(info_field "$tmp/types2.evtx" file chunks)
n=$(count_events "$types")
[ "$chunks" = $(((n + 1) / 2)) ] || fail "types2.evtx: $chunks chunks, expected $(((n + 1) / 2))"
i=0
while [ "$i" -lt "$chunks" ]; do
	[ "$(info_field "$tmp/types2.evtx" $i template_buckets)" -gt 0 ] ||
		fail "types2.evtx: chunk $i defines no template"
	[ "$(info_field "$tmp/types2.evtx" $i string_buckets)" -gt 0 ] ||
		fail "types2.evtx: chunk $i has an empty string table"
	i=$((i + 1))
done
ok "multi-chunk file: templates and names defined per chunk"

# a larger log that fills chunks to the brim
check "$top_srcdir/samples/src/DC01-Security.jsonl" "$tmp/dc.evtx"
[ "$(info_field "$tmp/dc.evtx" file chunks)" -ge 3 ] || fail "dc.evtx: expected several full chunks"
ok "DC01-Security.jsonl: records split over full chunks"

# deterministic output
"$EVTXGEN" write "$types" "$tmp/again.evtx" && cmp -s "$tmp/types.evtx" "$tmp/again.evtx" ||
	fail "two runs on the same input differ"
ok "deterministic"

# bad input: one message naming the line, exit 1, no output file left behind
bad() {
	printf '%s\n' "$2" > "$tmp/bad.jsonl"
	rm -f "$tmp/bad.evtx"
	"$EVTXGEN" write "$tmp/bad.jsonl" "$tmp/bad.evtx" 2> "$tmp/bad.err"
	rc=$?
	[ "$rc" = 1 ] || fail "$1: exit $rc, expected 1"
	grep -q "bad.jsonl:$3: .*$4" "$tmp/bad.err" || fail "$1: message: $(cat "$tmp/bad.err")"
	[ ! -e "$tmp/bad.evtx" ] || fail "$1: output left behind"
}
ev='"channel":"C","provider":"P","computer":"H","time":"2026-03-14T00:00:00Z","event_id":1'
bad "unknown key" "{$ev,\"evnt_id\":2}" 1 'unknown key "evnt_id"'
bad "missing key" '{"channel":"C","provider":"P","computer":"H","event_id":1}' 1 '"time" is required'
bad "bad time" "{$ev,\"written_time\":\"2026-02-30T00:00:00Z\"}" 1 'written_time'
bad "bad type" "# comment
{$ev,\"data\":[{\"name\":\"a\",\"type\":\"uint128\",\"value\":1}]}" 2 'unknown type'
bad "out of range" "{$ev,\"data\":[{\"name\":\"a\",\"type\":\"uint8\",\"value\":256}]}" 1 'not a uint8'
bad "not JSON" "{$ev," 1 'not a JSON object'
bad "two payloads" "{$ev,\"data\":[],\"unnamed_data\":[]}" 1 'only one of'
bad "bad SID" "{$ev,\"user_sid\":\"S-1-x\"}" 1 'not a SID'
ok "bad input is refused with the line number"

"$EVTXGEN" write "$types" "$tmp/no/such/dir/x.evtx" 2> /dev/null && fail "unwritable output accepted"
"$EVTXGEN" frobnicate > /dev/null 2>&1
[ $? = 2 ] || fail "unknown subcommand: exit status is not 2"
finish

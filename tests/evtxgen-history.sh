#!/bin/sh
# evtxgen history: logs with a past (cleared and reused, wrapped, chunks past the
# header's count, records broken on purpose) and their truth files. The truth
# must hold against the bytes (tests/tools/evtx_history_check.py parses the file
# on its own), python-evtx must render every live and recoverable record with
# the fields that went in, and libevtx must read the live records and recover
# those whose templates are in place. Boxtrail's recovery is not tested here.
. "$top_srcdir/tests/evtxgen-lib.sh"
CHECK=$top_srcdir/tests/tools/evtx_history_check.py
D=$top_srcdir/tests/data/evtxgen
OLD=$D/history-old.jsonl
NEW=$D/history-new.jsonl
need "$PY"

# python-evtx renders with the checker when it is installed (Debian python3-evtx)
PYE=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import Evtx.Evtx' 2> /dev/null; then
		PYE=$p
		break
	fi
done
[ -n "$PYE" ] || echo "note: python-evtx is not installed: no rendering checks"
command -v evtxexport > /dev/null 2>&1 ||
	echo "note: evtxexport is not installed: no libevtx checks"

# the inputs are what mkhistory.py writes
"$PY" "$D/mkhistory.py" "$tmp" || fail "mkhistory.py"
cmp -s "$tmp/history-old.jsonl" "$OLD" && cmp -s "$tmp/history-new.jsonl" "$NEW" ||
	fail "tests/data/evtxgen/history-*.jsonl differ from what mkhistory.py writes"

# gen NAME SCENARIO [options]: writes $tmp/NAME.evtx and $tmp/NAME.truth
gen() {
	name=$1 sc=$2
	shift 2
	if ! "$EVTXGEN" history --quiet --scenario "$sc" --truth "$tmp/$name.truth" "$@" \
		"$OLD" "$NEW" "$tmp/$name.evtx" 2> "$tmp/$name.err"; then
		fail "evtxgen history --scenario $sc $*: $(head -3 "$tmp/$name.err")"
		return 1
	fi
	# a warning means the truth would be ambiguous (a definition outside records)
	[ -s "$tmp/$name.err" ] && fail "$name: $(head -3 "$tmp/$name.err")"
	return 0
}

# check NAME: the checker with every oracle there is; its summary in $tmp/NAME.sum
check() {
	name=$1
	set --
	[ -n "$PYE" ] && set -- --python-evtx
	if command -v evtxexport > /dev/null 2>&1; then
		evtxexport -f xml "$tmp/$name.evtx" > "$tmp/$name.items.xml" 2> /dev/null
		evtxexport -m recovered -f xml "$tmp/$name.evtx" > "$tmp/$name.rec.xml" 2> /dev/null
		set -- "$@" --libevtx "$tmp/$name.items.xml" "$tmp/$name.rec.xml"
	fi
	"${PYE:-$PY}" "$CHECK" "$@" "$tmp/$name.evtx" "$tmp/$name.truth" > "$tmp/$name.sum" ||
		fail "$name: the truth does not hold: $(head -5 "$tmp/$name.sum")"
	tail -1 "$tmp/$name.sum"
}

# atleast NAME KEY N: the checker counted at least N of KEY (e.g. recoverable/in-place)
atleast() {
	got=$(tail -1 "$tmp/$1.sum" | tr ' ' '\n' | sed -n "s|^$2=||p")
	[ "${got:-0}" -ge "$3" ] || fail "$1: $2=${got:-0}, expected at least $3"
}
exactly() {
	got=$(tail -1 "$tmp/$1.sum" | tr ' ' '\n' | sed -n "s|^$2=||p")
	[ "${got:-0}" = "$3" ] || fail "$1: $2=${got:-0}, expected $3"
}

# OLD's events 50 to a chunk and NEW's 60 place the phases of mkhistory.py
CLEARED="--records-per-chunk 50 --new-records-per-chunk 60"

# shellcheck disable=SC2086
if gen cleared cleared $CLEARED; then
	check cleared
	for k in live recoverable/in-place recoverable/same-chunk recoverable/other-chunk \
		broken/templates-not-in-file overwritten gone at/slack; do
		atleast cleared "$k" 1
	done
	# record ids start again at 1: old and new records share ids
	dup=$("$PY" -c 'import json, sys
ids = {}
for l in open(sys.argv[1]):
    t = json.loads(l)
    if t["state"] in ("live", "recoverable"):
        ids.setdefault(t["record_id"], set()).add(t["input"])
print(sum(len(v) == 2 for v in ids.values()))' "$tmp/cleared.truth")
	[ "$dup" -ge 1 ] || fail "cleared: no record id both old and new"
	# the trap: an old record's named offset now holds another template
	grep -q '"at_named":"other-template"' "$tmp/cleared.truth" ||
		fail "cleared: no recovered record whose named offset holds another template"
	ok "cleared and reused: records in slack, templates in place, elsewhere and gone"
fi

# shellcheck disable=SC2086
if gen broken broken $CLEARED; then
	check broken
	for r in template-id-unknown value-type-mismatch value-count-mismatch size-copy-mismatch \
		runs-past-chunk; do
		exactly broken "broken/$r" 1
	done
	atleast broken recoverable/in-place 1
	ok "broken: five records in slack damaged on purpose"
fi

# shellcheck disable=SC2086
if gen mixed mixed $CLEARED; then
	check mixed
	exactly mixed broken/cut-by-file-end 1
	exactly mixed broken/template-id-unknown 1
	atleast mixed at/file-tail 1
	atleast mixed at/slack 1
	atleast mixed recoverable/other-chunk 1
	size=$(file_size "$tmp/mixed.evtx")
	[ $(((size - 4096) % 65536)) -ne 0 ] || fail "mixed: the file does not end inside a chunk"
	listed=$(info_field "$tmp/mixed.evtx" file chunks)
	[ "$listed" -lt "$(info_field "$tmp/mixed.evtx" file whole_chunks)" ] ||
		fail "mixed: no whole chunk past the header's count"
	ok "mixed: cleared, old chunks past the count, a cut tail, damaged records"
fi

if gen past past-count --records-per-chunk 50; then
	check past
	atleast past at/past-count 1
	exactly past recoverable/same-chunk 0
	listed=$(info_field "$tmp/past.evtx" file chunks)
	whole=$(info_field "$tmp/past.evtx" file whole_chunks)
	[ "$whole" -gt "$listed" ] || fail "past-count: $whole chunks, the header lists $listed"
	bad=$("$EVTXGEN" info "$tmp/past.evtx" | grep '^chunk' |
		grep -v 'header_crc=ok data_crc=ok .*walk=ok$')
	[ -z "$bad" ] || fail "past-count: a chunk is not genuine: $bad"
	ok "past the header's count: $((whole - listed)) valid chunks the header does not list"
fi

if gen wrapped wrapped --max-chunks 3 --records-per-chunk 54; then
	check wrapped
	for k in recoverable/in-place recoverable/same-chunk recoverable/other-chunk \
		broken/templates-not-in-file at/slack; do
		atleast wrapped "$k" 1
	done
	first=$(info_field "$tmp/wrapped.evtx" file first_chunk)
	last=$(info_field "$tmp/wrapped.evtx" file last_chunk)
	[ "$first" = $(((last + 1) % 3)) ] && [ "$first" -gt "$last" ] ||
		fail "wrapped: first chunk $first, last chunk $last: not a wrapped ring of 3"
	ok "wrapped: a ring of 3 chunks, slack under the current one"
fi

# a listed chunk with a bad header CRC: its records are recovered, not live
# shellcheck disable=SC2086
if gen badcrc cleared $CLEARED --bad-header-crc 1; then
	check badcrc
	atleast badcrc at/bad-header-crc 1
	[ "$(info_field "$tmp/badcrc.evtx" 1 header_crc)" = bad ] || fail "badcrc: chunk 1's CRC is right"
	[ "$(info_field "$tmp/badcrc.evtx" 0 header_crc)" = ok ] || fail "badcrc: chunk 0's CRC is wrong"
	ok "--bad-header-crc: a chunk's records recoverable, not live"
fi

# deterministic: the same inputs give the same bytes and truth
# shellcheck disable=SC2086
if gen again cleared $CLEARED; then
	cmp -s "$tmp/cleared.evtx" "$tmp/again.evtx" && cmp -s "$tmp/cleared.truth" "$tmp/again.truth" ||
		fail "cleared twice: different output"
fi

# the checker catches a lying truth
sed '0,/"template":"other-chunk"/s//"template":"in-place"/' "$tmp/cleared.truth" > "$tmp/lie1.truth"
sed '0,/"state":"overwritten"/s//"state":"recoverable"/' "$tmp/cleared.truth" > "$tmp/lie2.truth"
for lie in lie1 lie2; do
	cmp -s "$tmp/cleared.truth" "$tmp/$lie.truth" && fail "$lie: nothing changed"
	"$PY" "$CHECK" "$tmp/cleared.evtx" "$tmp/$lie.truth" > /dev/null 2>&1 &&
		fail "the checker accepts a wrong truth ($lie)"
done
ok "the checker rejects a wrong truth"

# usage and errors
h() { "$EVTXGEN" history "$@" "$OLD" "$NEW" "$tmp/x.evtx" > /dev/null 2>&1; }
h --scenario cleared
[ $? = 2 ] || fail "no --truth: exit status is not 2"
h --scenario wrapped --truth "$tmp/x.truth"
[ $? = 2 ] || fail "wrapped without --max-chunks: exit status is not 2"
h --scenario nonsense --truth "$tmp/x.truth"
[ $? = 2 ] || fail "unknown scenario: exit status is not 2"
h --scenario past-count --new-records-per-chunk 3 --truth "$tmp/x.truth"
[ $? = 2 ] || fail "past-count with --new-records-per-chunk: exit status is not 2"
h --scenario wrapped --max-chunks 50 --truth "$tmp/x.truth"
[ $? = 1 ] || fail "a ring that did not wrap: exit status is not 1"
h --scenario cleared --bad-header-crc 9 --truth "$tmp/x.truth"
[ $? = 1 ] || fail "--bad-header-crc past the file: exit status is not 1"
[ -e "$tmp/x.evtx" ] && fail "a failed run left its output"
ok "usage and errors"
finish

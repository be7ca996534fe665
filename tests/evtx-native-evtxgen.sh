#!/bin/sh
# The native EVTX reader against the libevtx reader on files written by
# evtxgen (tests/tools/README.md): realistic logs (scale), every value type
# (types.jsonl), the samples, and damaged copies (every mutate kind). Events
# both read must be identical, and so must the integrity counters; nothing may
# be read by libevtx alone (the native reader may read more: a chunk libevtx
# skips as a whole still has readable records).
. "$top_srcdir/tests/evtxgen-lib.sh"
G=$EVTXGEN
"$G" scale --quiet --size 3M --file-size 1M --seed 11 --out "$tmp/scale" || fail "scale"
"$G" write "$top_srcdir/tests/data/evtxgen/types.jsonl" "$tmp/types.evtx" || fail "types"
S=$tmp/scale/Security-0001.evtx
i=0
for k in "truncate --at mid-record --chunk 1" "truncate --at records --chunk 2" \
	"truncate --at chunk-header --chunk 3" "bitflip --chunk 1 --seed 1" \
	"bitflip --chunk 2 --seed 2 --count 32" "bitflip --chunk 3 --seed 3 --fix-crc" \
	"bitflip --chunk 4 --seed 4 --count 64 --fix-crc" "bad-header-crc --chunk 1" \
	"bad-data-crc --chunk 2" "bad-file-crc" "bad-magic --chunk 2" "zero-chunk --chunk 1" \
	"cut-record --chunk 2" "free-past-end --chunk 3" "chunk-count" "value-size --chunk 1" \
	"value-size --chunk 2 --fix-crc"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$G" mutate $k "$S" "$tmp/mutated-$i.evtx" >/dev/null 2>&1 || fail "mutate $k"
done
BOXTRAIL="$top_builddir/src/boxtrail" $PY "$top_srcdir/tests/evtx_diff.py" --verbose \
	"$tmp"/*.evtx "$tmp"/scale/*.evtx "$top_srcdir"/samples/*/*.evtx >"$tmp/diff" 2>&1
rc=$?
grep -E '^(DIFF|STATS|ONLY|TOTAL)' "$tmp/diff"
[ "$rc" = 0 ] && ok "identical events and counters where both read" \
	|| { sed -n '/^DIFF/,+2p' "$tmp/diff"; fail "differences"; }
tot=$(grep '^TOTAL' "$tmp/diff")
same=$(echo "$tot" | sed -n 's/.* same=\([0-9]*\).*/\1/p')
onlyl=$(echo "$tot" | sed -n 's/.* only_libevtx=\([0-9]*\).*/\1/p')
[ "${same:-0}" -gt 10000 ] && ok "$same events compared" || fail "only ${same:-0} events compared"
[ "${onlyl:-x}" = 0 ] && ok "nothing only libevtx reads" || fail "$onlyl events only libevtx reads"
finish

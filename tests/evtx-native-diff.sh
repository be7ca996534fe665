#!/bin/sh
# The native EVTX reader against the libevtx reader on every EVTX file of the
# shared corpus: byte-identical JSONL wherever both read a live record (the
# recovered ones are tests/evtx-recover-diff.sh's); records
# only one of them reads are listed (tests/evtx_diff.py). The whole corpus
# takes about 10 s, so no sampling.
. "$top_srcdir/tests/lib.sh"
need_corpus
[ -f "$SHARED_CORPUS/MANIFEST.tsv" ] || skip "no MANIFEST.tsv in $SHARED_CORPUS"
BOXTRAIL="$BOXTRAIL" $PY "$top_srcdir/tests/evtx_diff.py" >"$TMP/diff" 2>&1
rc=$?
grep -E "^(DIFF|STATS|ONLY|TOTAL|files where)" "$TMP/diff" | head -60
[ "$rc" = 0 ] && pass "identical events where both readers read a record" \
	|| { sed -n '/^DIFF/,+3p' "$TMP/diff" | head -40 >&2; fail "differences (exit $rc)"; }
same=$(sed -n 's/^TOTAL.* same=\([0-9]*\).*/\1/p' "$TMP/diff")
[ "${same:-0}" -gt 38000 ] && pass "$same live events compared" || fail "only ${same:-0} events compared"
finish

#!/bin/sh
# Inputs that once crashed or hung the native EVTX reader (found by the
# fuzzers in tests/fuzz/): each must now be read without a crash or a hang.
. "$top_srcdir/tests/lib.sh"
n=0
for f in "$top_srcdir"/tests/data/evtx-crashes/*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	"$BOXTRAIL" events --stats --worker-timeout 20 "$f" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	case $rc in
	0 | 2 | 4 | 6) pass "$(basename "$f") (exit $rc)" ;;
	*) fail "$(basename "$f"): exit $rc"; tail -5 "$TMP/err" >&2 ;;
	esac
	grep -q 'stats: ' "$TMP/err" || fail "$(basename "$f"): no stats line"
done
[ "$n" -gt 0 ] || fail "no crash inputs found"
finish

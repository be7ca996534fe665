#!/bin/sh
# valgrind memcheck over the samples run: no invalid access, no use of
# uninitialised memory, no definite or indirect leak, in boxtrail and in the
# libevtx worker it starts (--trace-children).
. "$top_srcdir/tests/lib.sh"
command -v valgrind >/dev/null || skip "valgrind is not installed (apt-get install valgrind)"
if ldd "$BOXTRAIL" 2>/dev/null | grep -q -e libasan -e libubsan; then
	skip "sanitizer build: valgrind cannot run it (the sanitizers check this build)"
fi
BOXTRAIL_DATADIR=$top_srcdir
BOXTRAIL_NO_JIT=1   # valgrind cannot follow PCRE2's JIT code
export BOXTRAIL_DATADIR BOXTRAIL_NO_JIT
vg() {
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --trace-children=yes "$@"
}
cd "$top_srcdir" || exit 99
vg "$BOXTRAIL" hunt -f jsonl samples/ >"$TMP/h" 2>"$TMP/vg-hunt"
check "memcheck: hunt samples/ (exit 1 = findings)" 1 $?
vg "$BOXTRAIL" events -f text --reader libevtx samples/ >"$TMP/e" 2>"$TMP/vg-events"
check "memcheck: events --reader libevtx samples/" 0 $?
vg "$BOXTRAIL" events -f csv samples/ >"$TMP/c" 2>"$TMP/vg-csv"
check "memcheck: events -f csv samples/" 0 $?
for f in "$TMP"/vg-*; do
	grep -q '^==[0-9]*==' "$f" && { fail "valgrind reports in $(basename "$f")"; sed -n 1,40p "$f" >&2; }
done
finish

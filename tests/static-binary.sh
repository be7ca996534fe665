#!/bin/sh
# --enable-static-binary (issue 23): contrib/static-build.sh builds, in a
# private copy of the source, an executable ldd calls "not a dynamic
# executable", and the rule pack beside it. The static binary finds what the
# regular one finds on samples/, its state files reduce in the regular one
# (and the other way), and it refuses binary journal files with the reason
# (Debian ships no libsystemd.a).
. "$top_srcdir/tests/lib.sh"
command -v autoreconf >/dev/null || skip "autoreconf is not installed"
command -v ldd >/dev/null || skip "ldd is not installed"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
sh "$top_srcdir/contrib/static-build.sh" "$TMP/out" >"$TMP/build.out" 2>&1 ||
	{ cat "$TMP/build.out" >&2; fail "contrib/static-build.sh failed"; finish; }
S=$TMP/out/boxtrail
check "ldd: not a dynamic executable" yes \
	"$(ldd "$S" 2>&1 | grep -q 'not a dynamic executable' && echo yes || echo no)"
[ -s "$TMP/out/boxtrail-rules.zip" ] || fail "no rule pack beside the binary"
cd "$top_srcdir" || exit 99
"$S" hunt -q -f jsonl samples/ >"$TMP/static.jsonl"
check "static hunt on samples/: findings" 1 $?
"$BOXTRAIL" hunt -q -f jsonl samples/ >"$TMP/regular.jsonl"
check "static and regular builds find the same" yes \
	"$(cmp -s "$TMP/static.jsonl" "$TMP/regular.jsonl" && echo yes || echo no)"
"$S" hunt -q --emit-state "$TMP/dc.state" samples/DC01 &&
	"$BOXTRAIL" hunt -q --emit-state "$TMP/srv.state" samples/SRV-BUILD01
"$BOXTRAIL" hunt -q -f jsonl "$TMP/dc.state" "$TMP/srv.state" >"$TMP/r1.jsonl"
"$S" hunt -q -f jsonl "$TMP/dc.state" "$TMP/srv.state" >"$TMP/r2.jsonl"
check "a static map reduces in the regular build, and back" yes \
	"$(cmp -s "$TMP/r1.jsonl" "$TMP/regular.jsonl" && cmp -s "$TMP/r2.jsonl" "$TMP/regular.jsonl" && echo yes || echo no)"
J=$top_srcdir/tests/fuzz/seeds/journal/regular-zstd.journal
"$S" events -q "$J" >/dev/null 2>"$TMP/j.err"
check "a binary journal file: not read (exit 2)" 2 $?
grep -q "built without libsystemd" "$TMP/j.err" || fail "the journal refusal does not say why: $(cat "$TMP/j.err")"
finish

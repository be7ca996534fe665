#!/bin/bash
# Installed, boxtrail works on its own: binary, manual page and rule pack land
# under the prefix, and the installed binary — run from elsewhere, with no
# BOXTRAIL_DATADIR — loads the installed rules and finds the samples' incident.
# make check stages an install with DESTDIR (so the pack is found beside the
# binary); make installcheck (run by distcheck) passes the real installed
# binary in INSTALLED_BOXTRAIL.
. "$top_srcdir/tests/lib.sh"
unset BOXTRAIL_DATADIR
if [ -n "${INSTALLED_BOXTRAIL:-}" ]; then
	bin=$INSTALLED_BOXTRAIL
else
	${MAKE:-make} -C "$top_builddir" install DESTDIR="$TMP/dest" >"$TMP/install.log" 2>&1 \
		|| { tail -n 20 "$TMP/install.log" >&2; fail "make install DESTDIR=... failed"; finish; }
	bin=$(find "$TMP/dest" -path '*/bin/boxtrail' -type f | head -n 1)
fi
[ -x "$bin" ] || { fail "no installed binary ($bin)"; finish; }
prefix=$(cd "$(dirname "$bin")/.." && pwd -P)
pass "binary installed: $bin"

man=$(find "$prefix/share/man" -name boxtrail.1 2>/dev/null | head -n 1)
[ -n "$man" ] && pass "manual page installed: $man" || fail "no boxtrail.1 under $prefix/share/man"
[ -r "$prefix/share/boxtrail/data/logsources.yml" ] && pass "logsource mapping installed" \
	|| fail "no $prefix/share/boxtrail/data/logsources.yml"
nrules=$(find "$prefix/share/boxtrail/rules" -name '*.yml' | wc -l)
[ "$nrules" -ge 20 ] && pass "$nrules rule files installed" || fail "only $nrules rule files installed"

cp -r "$top_srcdir/samples" "$TMP/samples"
cd "$TMP" || exit 99
"$bin" rules >"$TMP/rules.out" 2>"$TMP/rules.err"
grep -q "$prefix/share/boxtrail/rules/" "$TMP/rules.out" \
	&& pass "the installed binary loads the installed rule pack" \
	|| fail "rules not loaded from $prefix/share/boxtrail: $(head -n 2 "$TMP/rules.out" "$TMP/rules.err")"
grep -q "$top_srcdir/rules/" "$TMP/rules.out" && fail "the installed binary loads the source tree's rules"
grep -q ' 0 skipped' "$TMP/rules.err" && pass "no rule skipped" || fail "$(cat "$TMP/rules.err")"

"$bin" hunt -q -f jsonl samples >"$TMP/hunt.jsonl" 2>"$TMP/hunt.err"
rc=$?
[ $rc -eq 1 ] && pass "hunt on the samples exits 1 (findings)" || fail "hunt exits $rc: $(head -n 3 "$TMP/hunt.err")"
n=$(wc -l <"$TMP/hunt.jsonl")
[ "$n" -eq 5 ] && pass "5 findings, as samples/README.md tells" || fail "$n findings (expected 5)"
grep -q '"Container Started, Then Kerberos Abuse or Foreign Modules From the Same Host"' "$TMP/hunt.jsonl" \
	&& pass "the cross-source correlation is found" || fail "no cross-source correlation finding"
"$bin" --help >/dev/null && pass "--help" || fail "--help exits non-zero"
finish

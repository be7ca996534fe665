#!/bin/sh
# The manual page is clean mdoc.
. "$top_srcdir/tests/lib.sh"
command -v mandoc >/dev/null || skip "mandoc is not installed (apt-get install mandoc)"
out=$(mandoc -T lint -W warning "$top_srcdir/man/boxtrail.1" 2>&1)
rc=$?
[ -z "$out" ] && [ $rc -eq 0 ] && pass "mandoc -T lint is clean" || fail "mandoc -T lint: $out"
# every long option of every subcommand's --help appears in the manual
for cmd in hunt events search rules; do
	for opt in $("$BOXTRAIL" $cmd --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		o=$(printf '%s' "$opt" | sed 's/^--//; s/-/\\\\-/g')
		grep -q "Fl \\\\-$o" "$top_srcdir/man/boxtrail.1" || fail "man page lacks $cmd $opt"
	done
done
finish

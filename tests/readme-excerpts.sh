#!/bin/bash
# The README's excerpts are true: every code block marked <!-- checked -->
# starts with a "$ " command; run from the top of the source tree (bash,
# pipefail), it prints exactly the lines that follow it in the block.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
export BOXTRAIL_DATADIR=$top_srcdir
export PATH="$(dirname "$BOXTRAIL"):$PATH"
export NO_COLOR=1

# One file per checked block: the command on the first line, the output after.
awk -v dir="$TMP" '
	/^<!-- checked -->$/ { armed = 1; next }
	armed && /^```/ && !inb { n++; out = sprintf("%s/excerpt.%02d", dir, n); inb = 1; armed = 0; next }
	inb && /^```/ { inb = 0; next }
	inb { print > out }
	!inb && !/^[[:space:]]*$/ { armed = armed && 0 }
' "$top_srcdir/README.md"
count=$(ls "$TMP"/excerpt.* 2>/dev/null | wc -l)
[ "$count" -ge 5 ] || fail "only $count checked excerpts found in README.md"

for ex in "$TMP"/excerpt.*; do
	name=$(basename "$ex")
	first=$(head -n 1 "$ex")
	case $first in
	'$ '*) ;;
	*) fail "$name: does not start with a \"\$ \" command: $first"; continue ;;
	esac
	cmd=${first#'$ '}
	tail -n +2 "$ex" >"$ex.want"
	(cd "$top_srcdir" && bash -o pipefail -c "$cmd" >"$ex.got" 2>"$ex.err")
	rc=$?
	if [ $rc -gt 1 ]; then
		fail "$name exits $rc: $cmd"; sed 's/^/    /' "$ex.err" | head -5 >&2
	elif cmp -s "$ex.want" "$ex.got"; then
		pass "$name: $cmd"
	else
		fail "$name prints something else than README.md shows: $cmd"
		diff -u "$ex.want" "$ex.got" | head -20 | sed 's/^/    /' >&2
	fi
done
finish

#!/bin/bash
# Every example of boxtrail(1) EXAMPLES runs: commands ("$ " lines, with
# their continuation lines) exit 0 or 1 (findings) with pipefail, and print
# something unless their output is redirected; scripts run as they are.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
export BOXTRAIL_DATADIR=$top_srcdir
export PATH="$(dirname "$BOXTRAIL"):$PATH"
work=$TMP/examples
mkdir -p "$work/collection"
cp -r "$top_srcdir/samples" "$work/samples"
cp -r "$top_srcdir/samples/SRV-BUILD01" "$top_srcdir/samples/DC01" "$work/collection/"
[ -d "${SHARED_CORPUS:-/nonexistent}/SigmaHQ__sigma" ] && ln -s "$SHARED_CORPUS/SigmaHQ__sigma" "$work/sigma"

# The literal blocks of the EXAMPLES section, mdoc escapes undone, one file each.
awk -v dir="$TMP" '
	/^\.Sh EXAMPLES/ { ex = 1; next }
	/^\.Sh / { ex = 0 }
	ex && /^\.Bd -literal/ { n++; out = sprintf("%s/block.%02d", dir, n); inb = 1; next }
	ex && /^\.Ed/ { inb = 0; next }
	inb { gsub(/\\e/, "\\"); print > out }
' "$top_srcdir/man/boxtrail.1"
count=$(ls "$TMP"/block.* 2>/dev/null | wc -l)
[ "$count" -ge 8 ] || fail "only $count examples found"

run() {  # run NAME SCRIPT-FILE EXPECT-OUTPUT
	(cd "$work" && bash -o pipefail "$2" >"$TMP/ex.out" 2>"$TMP/ex.err")
	rc=$?
	if [ $rc -gt 1 ]; then
		fail "example $1 exits $rc: $(head -c 300 "$2" | tr '\n' ' ')"; sed 's/^/    /' "$TMP/ex.err" | head -5 >&2
	elif [ "$3" = yes ] && [ ! -s "$TMP/ex.out" ]; then
		fail "example $1 printed nothing: $(head -c 200 "$2" | tr '\n' ' ')"
	else
		pass "example $1 (exit $rc)"
	fi
}
for b in "$TMP"/block.*; do
	name=$(basename "$b")
	if grep -q 'sigma/' "$b" && [ ! -e "$work/sigma" ]; then
		echo "note: $name needs the shared corpus (SigmaHQ rules): not run"
		continue
	fi
	if head -1 "$b" | grep -q '^\$ '; then
		# each "$ " line starts a command; other lines continue it
		awk '/^\$ / { if (cmd != "") print cmd; cmd = substr($0, 3); next } { cmd = cmd "\n" $0 }
		     END { if (cmd != "") print cmd }' "$b" >"$b.sh"
		last=$(tail -n 1 "$b.sh")
		case $last in *'>'*) want=no ;; *) want=yes ;; esac
		run "$name" "$b.sh" "$want"
	else
		run "$name" "$b" no
	fi
done
# the triage script reported each host folder of the collection
grep -q 'collection' "$TMP/block."* && [ -s "$work/out/SRV-BUILD01.jsonl" ] \
	&& pass "triage script wrote its output" || fail "triage script: no out/SRV-BUILD01.jsonl"
finish

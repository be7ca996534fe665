#!/bin/sh
# Every SigmaHQ Windows rule loads or is skipped with a reason, and most load.
set -u
d=${SHARED_CORPUS:-}/SigmaHQ__sigma/rules/windows
if [ -z "${SHARED_CORPUS:-}" ] || [ ! -d "$d" ]; then
	echo "SKIP: SigmaHQ rules not found under \$SHARED_CORPUS (${SHARED_CORPUS:-unset})"
	exit 77
fi
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
out=${TMPDIR:-/tmp}/bt-sigma-load.$$
trap 'rm -f "$out"' EXIT
"$BOXTRAIL" rules -q --no-builtin --rules "$d" --format jsonl > "$out"
rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL: boxtrail rules exited $rc"
	exit 1
fi
files=$(find "$d" -name '*.yml' | wc -l)
total=$(wc -l < "$out")
loaded=$(grep -c '"state":"loaded"' "$out")
skipped=$(grep -c '"state":"skipped"' "$out")
noreason=$(grep '"state":"skipped"' "$out" | grep -c '"reason":null')
other=$(grep -vc '"state":"\(loaded\|skipped\|correlation\)"' "$out")
echo "SigmaHQ rules/windows: $files files, $total rules, $loaded loaded, $skipped skipped"
echo "skip reasons:"
grep '"state":"skipped"' "$out" | sed 's/.*"reason":"\([^"]*\)".*/\1/; s/line [0-9]*: //' | sort | uniq -c | sort -rn
fail=0
[ "$total" -ge "$files" ] || { echo "FAIL: fewer rules ($total) than files ($files)"; fail=1; }
[ "$noreason" -eq 0 ] || { echo "FAIL: $noreason skipped rules without a reason"; fail=1; }
[ "$other" -eq 0 ] || { echo "FAIL: $other unreadable rule files"; fail=1; }
# Aim high: at least 98% of the Windows rules must load.
[ $((loaded * 100)) -ge $((total * 98)) ] || { echo "FAIL: only $loaded of $total loaded"; fail=1; }
exit $fail

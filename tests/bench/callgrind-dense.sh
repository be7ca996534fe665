#!/bin/sh
# Instructions per record (callgrind) on a dense file of real chunks, one
# thread: boxtrail events -f jsonl, hunt with the built-in pack, and hunt
# with every SigmaHQ rule of the shared corpus as well. Issue 17's measure
# (target: <= 5,000 for hunt with the built-in pack).
#
#   tests/bench/callgrind-dense.sh [--keep] [--workdir DIR] [--only WHAT] [BOXTRAIL]
#
# The file is built as `make bench` builds its dense file (tests/bench/run):
# the chunks of ../shared/corpus files libevtx exports completely with 50+
# records and both CRCs good (tests/bench/mkdense.py), repeated to 32 MiB
# (512 chunks, 33,558,528 bytes). WHAT: events, hunt or sigma (default all).
# For hunt, the fixed cost (the same run on the file's header alone: start-up,
# loading the rules) is given too, and the cost per record beyond it.
# Figures are printed, never asserted; exits 2 when the corpus, valgrind or
# the binary is missing.
set -eu
keep=0
work=
only=
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--workdir) work=$2; shift ;;
	--only) only=$2; shift ;;
	-*) echo "usage: $0 [--keep] [--workdir DIR] [--only events|hunt|sigma] [BOXTRAIL]" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
top=$(cd "$(dirname "$0")/../.." && pwd)
BT=${1:-${top_builddir:-$top}/src/boxtrail}
corpus=$top/../shared/corpus
[ -x "$BT" ] || { echo "callgrind-dense: $BT not built" >&2; exit 2; }
[ -d "$corpus" ] || { echo "callgrind-dense: no $corpus: nothing to build the file from" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind-dense: valgrind is needed" >&2; exit 2; }
export BOXTRAIL_DATADIR=$top
[ -n "$work" ] || work=${TMPDIR:-/tmp}/boxtrail-callgrind
mkdir -p "$work"
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT
dense=$work/dense32.evtx
[ -f "$dense" ] || awk -F'\t' -v c="$corpus" 'NR > 1 && $10 != "" && $10 == $12 && $5 > 200000 {
	printf "%s/%s\n", c, $1 }' "$corpus/MANIFEST.tsv" |
	xargs -d "\n" python3 "$top/tests/bench/mkdense.py" "$dense" 32 >/dev/null
n=$("$BT" events -q -j 1 -f jsonl "$dense" 2>/dev/null | wc -l)
echo "dense file: $(stat -c %s "$dense") bytes, $n records ($("$BT" --version | head -1))"

# run OUT FILE ARGS...: sets ir, the instructions of boxtrail ARGS on FILE
# (profile: $work/OUT.out.PID)
run() {
	out=$1
	file=$2
	shift 2
	rm -f "$work/$out".out.*
	valgrind --tool=callgrind --callgrind-out-file="$work/$out.out.%p" "$BT" "$@" -q -j 1 \
		"$file" >/dev/null 2>"$work/cg.log" || true
	ir=$(grep -h '^summary:' "$work/$out".out.* | awk '{ s += $2 } END { printf "%.0f\n", s }')
	[ "$ir" -gt 0 ] || { echo "callgrind-dense: no profile for $* (see $work/cg.log)" >&2; exit 2; }
}
# cg LABEL ARGS...: instructions per record of boxtrail ARGS on the file
cg() {
	label=$1
	shift
	run cg "$dense" "$@"
	printf '  %-40s %8d instructions per record\n' "$label" $((ir / n))
}
case ${only:-events} in events) cg "events -f jsonl" events -f jsonl ;; esac
case ${only:-hunt} in hunt)
	cg "hunt, built-in pack" hunt -f jsonl
	# what does not depend on the records (start-up, loading and compiling
	# the rules, the end): the same run on the file's header alone
	all=$ir
	head -c 4096 "$dense" > "$work/header-only.evtx"
	run fixed "$work/header-only.evtx" hunt -f jsonl
	printf '    of which fixed (the file header alone): %d instructions, %d per record;\n' \
		"$ir" $((ir / n))
	printf '    beyond it: %d instructions per record\n' $(((all - ir) / n)) ;;
esac
sigma=$corpus/SigmaHQ__sigma/rules
case ${only:-sigma} in sigma)
	if [ -d "$sigma" ]; then
		cg "hunt, built-in pack + SigmaHQ rules" hunt -f jsonl --rules "$sigma"
	else
		echo "  hunt with SigmaHQ: skipped (no $sigma)"
	fi ;;
esac

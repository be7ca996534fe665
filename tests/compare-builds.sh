#!/bin/sh
# Compares two boxtrail binaries command by command, format by format, on the
# same evidence: standard output, standard error and exit status must be
# byte-identical. For restructuring and speed work ("output stable").
#
#   tests/compare-builds.sh OLD_BINARY NEW_BINARY [WORKDIR]
#
# Evidence: samples/, the project's Docker fixtures and hostile strings, the
# generated evtxgen types file, and when ../shared/corpus is there, every
# EVTX and Docker file of it (events) and the SigmaHQ rule set (hunt).
# Prints one line per run (same / DIFFERENT) and exits 1 on any difference.
set -u
old=${1:?usage: compare-builds.sh OLD NEW [WORKDIR]}
new=${2:?usage: compare-builds.sh OLD NEW [WORKDIR]}
top=$(cd "$(dirname "$0")/.." && pwd)
work=${3:-$(mktemp -d "${TMPDIR:-/tmp}/boxtrail-compare.XXXXXX")}
mkdir -p "$work"
corpus=$top/../shared/corpus
export BOXTRAIL_DATADIR=$top
cd "$top" || exit 2
diffs=0 runs=0

# run NAME ARGS...: both binaries, everything they print compared (standard
# input from $stdin_file, /dev/null unless set)
stdin_file=/dev/null
run() {
	name=$1
	shift
	for b in old new; do
		eval bin=\$$b
		"$bin" "$@" <"$stdin_file" >"$work/$b.out" 2>"$work/$b.err"
		echo "exit $?" >>"$work/$b.err"
		# the binary's own path appears in messages about the worker
		sed -i "s#$bin#BOXTRAIL#g" "$work/$b.err"
	done
	runs=$((runs + 1))
	if cmp -s "$work/old.out" "$work/new.out" && cmp -s "$work/old.err" "$work/new.err"; then
		echo "same: $name ($(wc -c <"$work/new.out") bytes)"
	else
		echo "DIFFERENT: $name"
		diff "$work/old.out" "$work/new.out" | head -5
		diff "$work/old.err" "$work/new.err" | head -5
		diffs=$((diffs + 1))
	fi
}

sets="samples tests/data/docker tests/data/hostile"
if [ -d "$corpus" ]; then
	sets="$sets $corpus/mdecrevoisier__EVTX-to-MITRE-Attack $corpus/omerbenamram__evtx"
	sets="$sets $corpus/williballenthin__python-evtx $corpus/Velocidex__evtx"
	sets="$sets $corpus/log2timeline__plaso $corpus/google__docker-explorer"
	sets="$sets $corpus/SigmaHQ__sigma/regression_data"
else
	echo "note: $corpus not found: the shared corpus is not compared"
fi
for s in $sets; do
	[ -e "$s" ] || continue
	short=$(basename "$s")
	for f in jsonl csv text; do
		run "events -f $f $short" events -f "$f" --stats -j 2 "$s"
	done
	run "events --reader libevtx $short" events -f jsonl --reader libevtx -j 2 "$s"
	run "events --event-id 4624,4769 --since 2019-01-01 $short" \
		events -f jsonl --event-id 4624,4769 --since 2019-01-01 "$s"
	for f in jsonl csv text timesketch; do
		run "hunt -f $f $short" hunt -f "$f" --stats --color=always --min-level informational -j 2 "$s"
	done
	if [ -d "$corpus/SigmaHQ__sigma/rules" ]; then
		run "hunt with SigmaHQ $short" hunt -f jsonl --rules "$corpus/SigmaHQ__sigma/rules" \
			--stats -j 2 "$s"
	fi
done
run "hunt samples --host SRV-BUILD01 --window 5m" hunt -f jsonl --host SRV-BUILD01 --window 5m samples
run "rules" rules
run "rules -f jsonl" rules -f jsonl
[ -d "$corpus/SigmaHQ__sigma/rules" ] && run "rules SigmaHQ" rules -f jsonl --rules "$corpus/SigmaHQ__sigma/rules"
stdin_file=samples/DC01/Security.evtx
run "stdin evtx" events -f jsonl -
stdin_file=samples/SRV-BUILD01/dockerd.log
run "stdin dockerd log" hunt -f jsonl - samples/SRV-BUILD01
stdin_file=/dev/null
run "bad usage" hunt --min-level nope samples
run "help" --help
echo "$runs runs, $diffs different"
[ "$diffs" = 0 ]

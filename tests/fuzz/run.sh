#!/bin/sh
# Runs every built libFuzzer harness for a while (default 15 s each) on its
# seed corpus with its dictionary (tests/fuzz/dict/), plus the regression
# inputs kept in tests/data/fuzz-regressions/.
# Usage: tests/fuzz/run.sh BUILDDIR [SECONDS]
set -u
build=${1:?usage: run.sh BUILDDIR [SECONDS]}
secs=${2:-15}
src=$(cd "$(dirname "$0")/../.." && pwd)
status=0
found=0
for h in "$build"/tests/fuzz/fuzz_*; do
	[ -x "$h" ] || continue
	found=1
	name=$(basename "$h" | sed 's/^fuzz_//')
	work=$(mktemp -d "${TMPDIR:-/tmp}/boxtrail-fuzz-$name.XXXXXX")
	seeds="$src/tests/fuzz/seeds/$name"
	# the libevtx path reads the same files as the native one
	case $name in
	evtx_libevtx|evtx_mem) seeds="$src/tests/fuzz/seeds/evtx_file" ;;
	evtx_recover) seeds="$src/tests/fuzz/seeds/evtx_chunk" ;;
	esac
	# a dictionary per harness (the EVTX harnesses share the format's)
	case $name in
	evtx_xml) dict=evtx_xml ;;
	evtx_*) dict=evtx ;;
	*) dict=$name ;;
	esac
	dict="$src/tests/fuzz/dict/$dict.dict"
	[ -f "$dict" ] || { echo "FAIL: $name: no dictionary $dict" >&2; status=1; continue; }
	regress="$src/tests/data/fuzz-regressions/$name"
	[ "$name" = evtx_mem ] && regress="$src/tests/data/fuzz-regressions/evtx_file"
	# replay the crashes found before: each must now pass
	if [ -d "$regress" ] && ls "$regress"/* >/dev/null 2>&1; then
		if ! "$h" -runs=0 "$regress"/* >"$work/regress.log" 2>&1; then
			echo "FAIL: $name: a kept regression input fails again" >&2
			tail -30 "$work/regress.log" >&2
			status=1
		fi
	fi
	set -- "$work"
	[ -d "$seeds" ] && set -- "$@" "$seeds"
	# inputs up to 1 MiB: past the 64 KiB a pipe read gives, past a chunk, and
	# large enough for gzip members that do not fit one compressed buffer
	if "$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
		-dict="$dict" \
		-artifact_prefix="$work/" -print_final_stats=1 "$@" >"$work/log" 2>&1; then
		execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
		echo "ok: $name: ${execs:-?} executions in ${secs}s"
	else
		echo "FAIL: $name: crash or leak; artifacts in $work" >&2
		grep -E 'ERROR|SUMMARY|Test unit written' "$work/log" >&2
		status=1
		continue
	fi
	rm -rf "$work"
done
[ $found = 1 ] || { echo "no fuzz harnesses under $build/tests/fuzz (configure --enable-fuzzers CC=clang)" >&2; exit 1; }
exit $status

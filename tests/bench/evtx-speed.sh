#!/bin/sh
# Speed of the EVTX readers: boxtrail events --format jsonl with the native
# reader and with --reader libevtx, and evtxexport -f xml, on the files given.
# Prints MB/s and records/s by CPU time (user + system, children included:
# the machine is shared, so wall time is noisy), best of REPEAT runs, and
# the wall time of that run.
# Usage: tests/bench/evtx-speed.sh BOXTRAIL [REPEAT] FILE...
set -u
bt=$1
shift
rep=3
case ${1:-} in [0-9]*) rep=$1; shift ;; esac
bytes=0
for f in "$@"; do bytes=$((bytes + $(wc -c <"$f"))); done
records=$("$bt" events --format jsonl "$@" 2>/dev/null | wc -l)
tfile=$(mktemp)
trap 'rm -f "$tfile"' EXIT
best() {  # best CPU seconds (and that run's wall seconds) of REPEAT runs of "$@"
	b=""
	w=""
	i=0
	while [ $i -lt "$rep" ]; do
		/usr/bin/time -o "$tfile" -f '%e %U %S' "$@" >/dev/null 2>/dev/null
		set -- "$@"
		t=$(awk 'END {print $2 + $3}' "$tfile")
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then
			b=$t
			w=$(awk 'END {print $1}' "$tfile")
		fi
		i=$((i + 1))
	done
	echo "$b $w"
}
report() {
	set -- "$1" $2
	printf '%-28s cpu %8.3f s %8.1f MB/s %10.0f records/s   (wall %s s)\n' "$1" "$2" \
		"$(echo "$bytes / 1000000 / $2" | bc -l)" "$(echo "$records / $2" | bc -l)" "$3"
}
echo "$# files, $bytes bytes, $records records (native reader's count)"
report "boxtrail (native)" "$(best "$bt" events --format jsonl "$@")"
report "boxtrail --reader libevtx" "$(best "$bt" events --reader libevtx --format jsonl "$@")"
command -v evtxexport >/dev/null && report "evtxexport -f xml" \
	"$(best sh -c 'for f in "$@"; do evtxexport -f xml "$f"; done' sh "$@")"

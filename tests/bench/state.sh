#!/bin/sh
# Map and reduce (issue 23), for tests/bench/run:
#   tests/bench/state.sh BOXTRAIL EVTXGEN WORKDIR HOSTS EVTX...
# 1. the map step on EVTX... (one core): its time beside a whole hunt's, the
#    state's size as a fraction of the evidence (plain and gzip), and the
#    reduce of that one state;
# 2. the reduce of HOSTS hosts' worth of states: 8 hosts' evidence written by
#    evtxgen (4 MiB each, seeds 1-8), mapped, and cloned to HOSTS states with
#    their own host names and addresses (tests/bench/state-fleet.py); the
#    reduce's CPU, wall time and peak RSS. One host is a domain controller
#    (evtxgen's mix holds one), the others member hosts.
# Prints figures; asserts nothing.
set -eu
BT=$1 EVTXGEN=$2 work=$3 hosts=$4
shift 4
tf=$work/state-time.out
m() { # m CMD...: "cpu wall rssMiB" of one run
	/usr/bin/time -o "$tf" -f '%U %S %e %M' "$@" >/dev/null 2>"$work/state-stderr" || true
	set -- $(tail -n 1 "$tf")
	echo "$(echo "$1 + $2" | bc) $3 $(($4 / 1024))"
}
bytes() { cat "$@" | wc -c; }
pct() { echo "scale=1; 100 * $1 / $2" | bc; }

ev=$(bytes "$@")
files=$*   # bench paths hold no blanks
rm -f "$work/one.state"
set -- $(m "$BT" hunt -q -j 1 -f jsonl $files) ; hunt_cpu=$1 hunt_rss=$3
set -- $(m "$BT" hunt -q -j 1 --emit-state "$work/one.state" $files)
echo "  map (hunt --emit-state, 1 core):   $1 s CPU, $2 s wall, $3 MiB peak RSS (a whole hunt: $hunt_cpu s CPU, $hunt_rss MiB)"
st=$(bytes "$work/one.state")
gz=$(gzip -c "$work/one.state" | wc -c)
echo "  state: $st bytes = $(pct "$st" "$ev")% of the evidence ($ev bytes); gzip: $gz bytes = $(pct "$gz" "$ev")%"
set -- $(m "$BT" hunt -q -j 1 -f jsonl "$work/one.state")
echo "  reduce of that state:              $1 s CPU, $2 s wall, $3 MiB peak RSS"
rm -f "$work/one.state"

mkdir -p "$work/fleet-src" "$work/fleet"
tpl=
for s in 1 2 3 4 5 6 7 8; do
	"$EVTXGEN" scale --quiet --size 4M --seed "$s" --out "$work/fleet-src/h$s"
	"$BT" hunt -q -j 1 --state-host HOSTX --emit-state "$work/fleet-src/h$s.state" "$work/fleet-src/h$s"
	tpl="$tpl $work/fleet-src/h$s.state"
done
python3 "$(dirname "$0")/state-fleet.py" "$hosts" "$work/fleet" $tpl
total=$(bytes "$work"/fleet/*.state)
set -- $(m "$BT" hunt -q -f jsonl "$work"/fleet/)
echo "  reduce of $hosts hosts' states ($((total / 1048576)) MiB, member hosts of 4 MiB of evtxgen logs): $1 s CPU, $2 s wall, $3 MiB peak RSS"
rm -rf "$work/fleet-src" "$work/fleet"

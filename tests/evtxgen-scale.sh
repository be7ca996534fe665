#!/bin/sh
# evtxgen scale: deterministic per seed, files rotate at --file-size, every file
# is read by libevtx with the record counts of MANIFEST.tsv. (Speed is measured
# by tests/bench/evtxgen-scale.sh, not here.)
. "$top_srcdir/tests/evtxgen-lib.sh"
need evtxinfo "libevtx-utils"

"$EVTXGEN" scale --quiet --size 2M --file-size 256K --seed 5 --out "$tmp/a" || fail "scale a"
"$EVTXGEN" scale --quiet --size 2M --file-size 256K --seed 5 --out "$tmp/b" || fail "scale b"
"$EVTXGEN" scale --quiet --size 2M --file-size 256K --seed 6 --out "$tmp/c" || fail "scale c"
diff -r "$tmp/a" "$tmp/b" > /dev/null || fail "same seed, different files"
cmp -s "$tmp/a/Security-0001.evtx" "$tmp/c/Security-0001.evtx" && fail "different seeds, same files"
ok "deterministic per seed"

total=0
nfiles=0
while IFS="$(printf '\t')" read -r file records first last chunks; do
	[ "$file" = file ] && continue
	f=$tmp/a/$file
	nfiles=$((nfiles + 1))
	s=$(file_size "$f")
	total=$((total + s))
	[ "$s" -le $((256 * 1024)) ] || fail "$file: $s bytes, over --file-size"
	[ "$s" = $((4096 + chunks * 65536)) ] || fail "$file: size does not match $chunks chunks"
	info=$(evtxinfo "$f" 2>&1)
	case $info in *"Is corrupted"*) fail "$file: evtxinfo says corrupted" ;; esac
	got=$(printf '%s\n' "$info" | sed -n 's/.*Number of records[^:]*:[[:space:]]*//p')
	[ "$got" = "$records" ] || fail "$file: evtxinfo counts $got records, MANIFEST $records"
	[ $((last - first + 1)) = "$records" ] || fail "$file: record ids $first..$last for $records"
	bad=$("$EVTXGEN" info "$f" | grep '^chunk' | grep -v 'header_crc=ok data_crc=ok .*walk=ok$')
	[ -z "$bad" ] || fail "$file: $bad"
done < "$tmp/a/MANIFEST.tsv"
[ "$total" -ge $((2 * 1024 * 1024)) ] || fail "only $total bytes written for --size 2M"
[ "$total" -lt $((2 * 1024 * 1024 + 4 * 65536 + 4 * 4096)) ] || fail "$total bytes: overshoot"
ls "$tmp/a"/Security-0002.evtx > /dev/null 2>&1 || fail "no rotation at --file-size"
for ch in Security Sysmon System Application; do
	ls "$tmp/a/$ch-0001.evtx" > /dev/null 2>&1 || fail "no $ch log"
done
ok "$nfiles files, $total bytes, counts match libevtx"

n=$("$BOXTRAIL" events -q -f jsonl "$tmp/a/Sysmon-0001.evtx" | wc -l | tr -d ' ')
m=$(awk -F'\t' '$1 == "Sysmon-0001.evtx" {print $2}' "$tmp/a/MANIFEST.tsv")
[ "$n" = "$m" ] || fail "boxtrail reads $n events from Sysmon-0001.evtx, MANIFEST says $m"
ok "boxtrail reads every record"
"$EVTXGEN" scale --size 0 --out "$tmp/z" 2> /dev/null && fail "--size 0 accepted"
finish

#!/bin/sh
# evtxgen mutate produces exactly the damage asked for, deterministically, and
# boxtrail survives every damaged copy (no crash, no hang).
. "$top_srcdir/tests/evtxgen-lib.sh"
need timeout coreutils

"$EVTXGEN" write --records-per-chunk 2 "$top_srcdir/tests/data/evtxgen/types.jsonl" \
	"$tmp/base.evtx" || skip "cannot write the base file"
base=$tmp/base.evtx
size=$(file_size "$base")
nch=$(info_field "$base" file chunks)
[ "$nch" -ge 3 ] || fail "base file has $nch chunks, expected 3 or more"
C0=4096
C1=$((4096 + 65536))

m() {   # m NAME KIND [options]: writes $tmp/NAME.evtx
	name=$1
	shift
	"$EVTXGEN" mutate "$@" "$base" "$tmp/$name.evtx" || fail "evtxgen mutate $*"
	# boxtrail must survive it: any documented exit status, never a signal or a hang
	timeout 30 "$BOXTRAIL" events -q "$tmp/$name.evtx" > /dev/null 2>&1
	rc=$?
	[ "$rc" -lt 124 ] || fail "boxtrail events on $name: exit status $rc (crash or hang)"
}
expect() {   # expect NAME FILE|CHUNK KEY VALUE
	got=$(info_field "$tmp/$1.evtx" "$2" "$3")
	[ "$got" = "$4" ] || fail "$1: $2 $3=$got, expected $4"
}
bytes_differ() { cmp -l "$base" "$tmp/$1.evtx" 2> /dev/null | wc -l | tr -d ' '; }

# truncation, at an offset and at structural points
m t5000 truncate --offset 5000
[ "$(file_size "$tmp/t5000.evtx")" = 5000 ] || fail "truncate --offset 5000"
m tfh truncate --at file-header
[ "$(file_size "$tmp/tfh.evtx")" = 2048 ] || fail "truncate --at file-header"
m tch truncate --at chunk-header --chunk 1
[ "$(file_size "$tmp/tch.evtx")" = $((C1 + 256)) ] || fail "truncate --at chunk-header"
m trec truncate --at records --chunk 1
[ "$(file_size "$tmp/trec.evtx")" = $((C1 + 512)) ] || fail "truncate --at records"
m tend truncate --at chunk-end --chunk 1
[ "$(file_size "$tmp/tend.evtx")" = $((C1 + 65536)) ] || fail "truncate --at chunk-end"
m tmid truncate --at mid-record --chunk last
s=$(file_size "$tmp/tmid.evtx")
last=$((4096 + (nch - 1) * 65536))
lr=$(($(printf '%d' "$(info_field "$base" $((nch - 1)) last_record)")))
fr=$(($(printf '%d' "$(info_field "$base" $((nch - 1)) free)")))
[ "$s" -gt $((last + lr)) ] && [ "$s" -lt $((last + fr)) ] ||
	fail "truncate --at mid-record: size $s not inside the last record"
cmp -s -n "$s" "$base" "$tmp/tmid.evtx" || fail "truncate changed bytes it kept"
"$EVTXGEN" mutate truncate --offset $((size + 1)) "$base" "$tmp/x.evtx" 2> /dev/null &&
	fail "truncate past the end accepted"
ok "truncate"

# seeded bit flips: only inside chunk 1's records, same seed same bytes
m f7 bitflip --chunk 1 --seed 7
m f7b bitflip --chunk 1 --seed 7
m f8 bitflip --chunk 1 --seed 8
m f7fix bitflip --chunk 1 --seed 7 --fix-crc
cmp -s "$tmp/f7.evtx" "$tmp/f7b.evtx" || fail "bitflip: same seed, different output"
cmp -s "$tmp/f7.evtx" "$tmp/f8.evtx" && fail "bitflip: different seeds, same output"
d=$(bytes_differ f7)
[ "$d" -ge 1 ] && [ "$d" -le 8 ] || fail "bitflip: $d bytes differ, expected 1..8"
cmp -l "$base" "$tmp/f7.evtx" | awk -v lo=$((C1 + 512 + 1)) -v hi=$((C1 + 65536)) \
	'$1 < lo || $1 > hi {bad = 1} END {exit bad}' || fail "bitflip: bytes outside chunk 1's records"
expect f7 1 data_crc bad
expect f7 1 header_crc ok
expect f7 0 data_crc ok
expect f7fix 1 data_crc ok
expect f7fix 1 header_crc ok
[ "$(bytes_differ f7fix)" -gt "$d" ] || fail "bitflip --fix-crc: CRC not rewritten"
m f100 bitflip --chunk 0 --seed 3 --count 100
[ "$(bytes_differ f100)" -gt 8 ] || fail "bitflip --count 100"
ok "bitflip"

m hcrc bad-header-crc --chunk 2
expect hcrc 2 header_crc bad
expect hcrc 2 data_crc ok
[ "$(bytes_differ hcrc)" = 1 ] || fail "bad-header-crc: changed more than the CRC"
m dcrc bad-data-crc
expect dcrc 0 data_crc bad
expect dcrc 0 header_crc ok
m fcrc bad-file-crc
expect fcrc file header_crc bad
[ "$(bytes_differ fcrc)" = 1 ] || fail "bad-file-crc: changed more than the CRC"
ok "CRC damage"

m magic bad-magic --chunk 1
expect magic 1 magic bad
m magicfix bad-magic --chunk 1 --fix-crc
expect magicfix 1 magic bad
m zero zero-chunk --chunk 1
expect zero 1 magic zero
expect zero 0 walk ok
[ "$(file_size "$tmp/zero.evtx")" = "$size" ] || fail "zero-chunk changed the size"
ok "signature and zeroed chunk"

m cut cut-record
expect cut 0 walk size-past-chunk@0xaf0
expect cut 0 data_crc bad
m cutfix cut-record --fix-crc
expect cutfix 0 data_crc ok
expect cutfix 0 header_crc ok
m free free-past-end --chunk last
expect free $((nch - 1)) offsets bad
expect free $((nch - 1)) header_crc bad
m freefix free-past-end --chunk 0 --fix-crc
expect freefix 0 offsets bad
expect freefix 0 header_crc ok
m count chunk-count --count 500
expect count file chunks $((nch + 500))
expect count file whole_chunks "$nch"
expect count file header_crc bad
m countfix chunk-count --fix-crc
expect countfix file chunks $((nch + 1000))
expect countfix file header_crc ok
m vsize value-size --chunk 1 --fix-crc
expect vsize 1 data_crc ok
expect vsize 1 walk ok
[ "$(bytes_differ vsize)" -ge 1 ] || fail "value-size changed nothing"
ok "sizes pointing past the end"

"$EVTXGEN" mutate bitflip --chunk 99 "$base" "$tmp/x.evtx" 2> /dev/null && fail "chunk 99 accepted"
"$EVTXGEN" mutate nonsense "$base" "$tmp/x.evtx" 2> /dev/null
[ $? = 2 ] || fail "unknown mutation: exit status is not 2"
finish

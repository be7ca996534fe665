#!/bin/sh
# Binary systemd journal files (format journal-file). A journal is written at
# test time from tests/data/docker/journal.export (tests/tools/mkjournal.sh):
# read as evidence it gives the same events and findings as journalctl's JSON
# export of the same entries, with the entry's sequence number as reference;
# copies cut short, with a damaged header or with journal features libsystemd
# does not know are reported, counted and do not stop the run.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v journalctl >/dev/null || skip "journalctl is not installed (package systemd)"
export BOXTRAIL_DATADIR=$top_srcdir
J=$TMP/system.journal
sh "$top_srcdir/tests/tools/mkjournal.sh" "$top_srcdir/tests/data/docker/journal.export" "$J"
case $? in
0) ;;
77) skip "systemd-journal-remote is not installed (package systemd-journal-remote)" ;;
*) fail "mkjournal.sh could not write the test journal"; finish ;;
esac
# the same entries as journalctl exports them
journalctl --file="$J" -o json >"$TMP/export.json"
# private copies go to TMPDIR: one of our own, checked empty at the end
mkdir "$TMP/tmpdir"
export TMPDIR="$TMP/tmpdir"

# the events without their provenance (file, offset, line, record id, the
# merged body's line or record, the line or record that decided a create)
bare() { jq -c 'del(.file, .offset, .line, .record_id) | del(.fields.ApiBodyLine, .fields.ApiBodyRecord, .fields.ConfirmationLine, .fields.ConfirmationRecord)' "$1"; }
stat_of() { sed -n "s/.*stats: .* $1=\([0-9a-z-]*\).*/\1/p" "$TMP/err" | head -1; }
# byte at OFFSET of FILE set to the value of the octal escape
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }

# ---- read as evidence: the same events as the JSON export
expect_rc "journal file read" 0 "$BOXTRAIL" events --stats -f jsonl "$J"
cp "$TMP/out" "$TMP/binary.jsonl"
check "journal: recognised, counted" "journal-file 13 0 14 3 no" \
	"$(stat_of format) $(stat_of records) $(stat_of failed) $(stat_of entries) $(stat_of skipped) $(stat_of dirty)"
grep -q '1 entries of programs other than dockerd' "$TMP/err" && pass "journal: other programs noted" ||
	fail "journal: other programs note: $(cat "$TMP/err")"
expect_rc "JSON export read" 0 "$BOXTRAIL" events -f jsonl "$TMP/export.json"
cp "$TMP/out" "$TMP/export.jsonl"
bare "$TMP/binary.jsonl" >"$TMP/binary.bare"
bare "$TMP/export.jsonl" >"$TMP/export.bare"
if [ -s "$TMP/binary.bare" ] && cmp -s "$TMP/binary.bare" "$TMP/export.bare"; then
	pass "journal: the same $(wc -l <"$TMP/binary.bare" | tr -d ' ') events as the JSON export"
else
	fail "journal: events differ from the JSON export"; diff "$TMP/export.bare" "$TMP/binary.bare" | head -10 >&2
fi
q() { jq -r "$1" "$TMP/binary.jsonl"; }
check "journal: privileged create paired with its form data" \
	"backup-agent alpine:3.19 true /:/host lnx-docker02" \
	"$(q 'select(.fields.Action=="container.create") | "\(.fields.ContainerName) \(.fields.Image) \(.fields.Privileged) \(.fields.Binds[0]) \(.host)"')"
# provenance: the entry's sequence number, as journalctl's cursor gives it
seq_of() { jq -r "select(.MESSAGE | type == \"string\" and contains(\"$1\")) | .__CURSOR" "$TMP/export.json" |
	sed 's/.*;i=\([0-9a-f]*\);.*/\1/' | head -1; }
want=$(printf '%d %d' "0x$(seq_of 'containers/create')" "0x$(seq_of 'form data: {')")
check "journal: record id and merged body are the entries' sequence numbers" "$want" \
	"$(q 'select(.fields.Action=="container.create") | "\(.record_id) \(.fields.ApiBodyRecord)"')"
off=$(q 'select(.fields.Action=="container.create") | .offset')
check "journal: no line; the offset of the entry object (type 3, its sequence number)" \
	"null 3 $(echo "$want" | cut -d' ' -f1)" \
	"$(q 'select(.fields.Action=="container.create") | .line') $(od -An -t u1 -j "$off" -N 1 "$J" | tr -d ' ') $(u64 "$J" $((off + 16)))"
check "journal: repeated field gives its first value; bytes kept" "dockerd 3" \
	"$(q 'select(.fields.Message != null and (.fields.Message | startswith("bad"))) | "\(.fields.SyslogIdentifier) \(.level)"')"
"$BOXTRAIL" events -f text "$J" 2>/dev/null | grep -q "\[$J #$(echo "$want" | cut -d' ' -f1)\]" &&
	pass "journal: text output names the entry" || fail "journal: text output reference"

# ---- hunt finds on it what it finds on the JSON export
"$BOXTRAIL" hunt -f jsonl "$J" >"$TMP/hunt.binary" 2>"$TMP/err"
rc=$?
"$BOXTRAIL" hunt -f jsonl "$TMP/export.json" >"$TMP/hunt.export" 2>/dev/null
hunt_bare() { jq -c 'del(.evidence[].copies) | del(.evidence[].fields.ApiBodyLine, .evidence[].fields.ApiBodyRecord, .evidence[].fields.ConfirmationLine, .evidence[].fields.ConfirmationRecord)' "$1"; }
check "hunt on the journal: findings (exit 1)" "1 3" "$rc $(wc -l <"$TMP/hunt.binary" | tr -d ' ')"
hunt_bare "$TMP/hunt.binary" >"$TMP/hunt.binary.bare"
hunt_bare "$TMP/hunt.export" >"$TMP/hunt.export.bare"
if [ -s "$TMP/hunt.binary.bare" ] && cmp -s "$TMP/hunt.binary.bare" "$TMP/hunt.export.bare"; then
	pass "hunt: the same findings as on the JSON export"
else
	fail "hunt: findings differ"; diff "$TMP/hunt.export.bare" "$TMP/hunt.binary.bare" | head >&2
fi
check "hunt: the host access correlation on the journal's host" "lnx-docker02 backup-agent" \
	"$(jq -r 'select(.rule.title=="Container Started With Access to the Host") | "\(.hosts[0]) \(.container.name)"' "$TMP/hunt.binary")"
check "hunt: evidence named by file and sequence number" "$J $(echo "$want" | cut -d' ' -f1)" \
	"$(jq -r 'select(.rule.title=="Container Started With Access to the Host") | .evidence[0].copies[0] | "\(.file) \(.record_id)"' "$TMP/hunt.binary")"

# ---- damage: reported, counted, the run goes on with the other inputs
tail_off=$(u64 "$J" 136)
tail_end=$((tail_off + $(u64 "$J" $((tail_off + 8)))))
first_entry=$(u64 "$J" 176)   # the first entry array: entries are written after it
# cut after the last entry: everything is there but the free space
head -c $((tail_end + 8)) "$J" >"$TMP/cut-end.journal"
expect_rc "cut after the last entry: partial" 4 "$BOXTRAIL" events --stats "$TMP/cut-end.journal"
check "cut after the last entry: all read, incomplete" "13 0 INCOMPLETE" \
	"$(stat_of records) $(stat_of failed) $(grep -o INCOMPLETE "$TMP/err")"
grep -q "cut-end.journal: warning: truncated: the file ends at $((tail_end + 8)) bytes, its header says $(stat -c %s "$J")" "$TMP/err" &&
	pass "cut after the last entry: reported" || fail "cut: $(cat "$TMP/err")"
# cut in the middle of the entries
head -c $(((first_entry + tail_end) / 2)) "$J" >"$TMP/cut-mid.journal"
expect_rc "cut among the entries: partial" 4 "$BOXTRAIL" events --stats "$TMP/cut-mid.journal"
r=$(stat_of records) f=$(stat_of failed) e=$(stat_of entries)
# entries: those reached (a damaged one among them is failed too); the rest failed
[ "$r" -gt 0 ] && [ "$r" -lt 13 ] && [ "$f" -gt 0 ] && [ $((e + f)) -ge 14 ] &&
	pass "cut among the entries: $r events read, $f entries counted as failed" ||
	fail "cut among the entries: records=$r failed=$f entries=$e"
grep -q "of the 14 entries its header counts could not be read" "$TMP/err" &&
	pass "cut among the entries: lost entries reported" || fail "cut mid: $(cat "$TMP/err")"
ref() { jq -c '[.record_id, .fields.Action]' "$1"; }
ref "$TMP/out" >"$TMP/cut.ref"
ref "$TMP/binary.jsonl" | head -n "$r" | cmp -s - "$TMP/cut.ref" &&
	pass "cut among the entries: what was read is the start" ||
	fail "cut among the entries: the events read are not the first ones"
# journal features libsystemd does not know (an unknown incompatible flag)
cp "$J" "$TMP/newer.journal"
poke "$TMP/newer.journal" 12 '\234'   # 0x1c | 0x80
expect_rc "unknown journal feature, with another input: partial" 4 \
	"$BOXTRAIL" events -f jsonl "$TMP/newer.journal" "$TMP/export.json"
grep -q "newer.journal: error: not readable as a journal file: written with journal features this libsystemd cannot read (incompatible header flags 0x9c: .*unknown 0x80)" "$TMP/err" &&
	pass "unknown journal feature: reported" || fail "unknown feature: $(cat "$TMP/err")"
check "unknown journal feature: the other input read" "13" "$(wc -l <"$TMP/out" | tr -d ' ')"
# a damaged header (header size 0)
cp "$J" "$TMP/damaged.journal"
poke "$TMP/damaged.journal" 88 '\000\000'
expect_rc "damaged header, with another input: partial" 4 \
	"$BOXTRAIL" events --stats -f jsonl "$TMP/damaged.journal" "$J"
grep -q "damaged.journal: error: not readable as a journal file: damaged header" "$TMP/err" &&
	pass "damaged header: reported" || fail "damaged header: $(cat "$TMP/err")"
grep -q "total: 1 files read, 0 partial, 1 unreadable" "$TMP/err" && pass "damaged header: counted unreadable" ||
	fail "damaged header count: $(grep total "$TMP/err")"
check "damaged header: the other input read" "13" "$(wc -l <"$TMP/out" | tr -d ' ')"
# a file journald left online (a *.journal~ or a live copy)
cp "$J" "$TMP/online.journal~"
poke "$TMP/online.journal~" 16 '\001'
expect_rc "online journal" 0 "$BOXTRAIL" events --stats "$TMP/online.journal~"
check "online journal: read, dirty" "13 yes" "$(stat_of records) $(stat_of dirty)"

# ---- libsystemd crashing on a hostile file: found by tests/fuzz/fuzz_journal
# (systemd 252 asserts in its zstd decompressor on a data object whose frame
# size lies). It runs in a worker: the entry is skipped, the rest of the file
# and the other inputs are read. Another libsystemd may not crash at all.
crash=$top_srcdir/tests/data/fuzz-regressions/journal/libsystemd-zstd-assert.journal
"$BOXTRAIL" events --stats -f jsonl "$crash" "$J" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 4 ] && pass "libsystemd crash: boxtrail carries on (exit $rc)" ||
	fail "libsystemd crash: exit $rc: $(tail -3 "$TMP/err")"
check "libsystemd crash: the other input read" "13" "$(jq -r 'select(.file == "'"$J"'") | .file' "$TMP/out" | wc -l | tr -d ' ')"
if grep -q "libsystemd crashed" "$TMP/err"; then
	grep -q "libsystemd-zstd-assert.journal: warning: libsystemd crashed (signal 6: Aborted) reading entry 7 of the file; that entry is skipped and reading goes on after it" "$TMP/err" &&
		pass "libsystemd crash: reported, the entry skipped" || fail "libsystemd crash report: $(cat "$TMP/err")"
	n=$(jq -r 'select(.file == "'"$crash"'") | .record_id' "$TMP/out" | sort -un | tr '\n' ' ')
	check "libsystemd crash: the entries after it read" "1 2 3 6 8 9 12 13 14 " "$n"
	# in-process (no isolation) the whole run would end: --no-isolation says so
	st=$(sh -c 'ulimit -c 0; "$0" events --no-isolation "$1" >/dev/null 2>&1; echo $?' \
		"$BOXTRAIL" "$crash" 2>/dev/null)
	[ "$st" -ge 128 ] && pass "libsystemd crash: in-process it aborts (as --no-isolation warns)" ||
		pass "libsystemd crash: in-process it did not abort this time"
else
	pass "libsystemd crash: this libsystemd does not crash on it"
fi

# ---- standard input (spooled, then copied for libsystemd), gzip refused
expect_rc "journal from standard input" 0 sh -c '"$1" events - <"$2"' sh "$BOXTRAIL" "$J"
check "journal from standard input: events" "13" "$(wc -l <"$TMP/out" | tr -d ' ')"
gzip -c "$J" >"$TMP/system.journal.gz"
expect_rc "compressed journal named: not read" 4 "$BOXTRAIL" events "$TMP/system.journal.gz" "$J"
grep -q "compressed journal file is not supported; decompress it first" "$TMP/err" &&
	pass "compressed journal: reported" || fail "compressed journal: $(cat "$TMP/err")"
check "no temporary copy left in TMPDIR" "" "$(ls -A "$TMP/tmpdir")"
finish

#!/bin/sh
# Hostile input, round two (issue 22): answers that were wrong without a word
# and work that was not bounded. One section per item of the issue; each
# checks the behaviour, never a timing. Run in make check and in the
# sanitizer build.
. "$top_srcdir/tests/lib.sh"
S="$top_srcdir/samples"

# --- item 2: an event matching more than 64 rules keeps every rule ---------
mkdir -p "$TMP/many"
i=1
while [ $i -le 70 ]; do
	n=$(printf '%012d' $i)
	cat >"$TMP/many/r$i.yml" <<YML
title: Same TGT rule $i
id: 0d0d0d0d-0000-4000-8000-$n
level: low
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4768, TargetUserName: svc_legacy}
  condition: sel
YML
	i=$((i + 1))
done
"$BOXTRAIL" hunt -q -f jsonl --no-builtin --rules "$TMP/many" "$S" >"$TMP/many.jsonl" 2>"$TMP/many.err"
check "70 rules on one event: exit (findings)" 1 $?
# (rules that match the same event make one finding that lists every rule)
n=$(jq -r '.rules[].id' "$TMP/many.jsonl" | sort -u | wc -l)
check "70 rules on one event: the finding lists each rule" 70 "$n"
jq -r '.rules[].id' "$TMP/many.jsonl" | grep -q '0d0d0d0d-0000-4000-8000-000000000070$' \
	&& pass "rule 70 (past the old cap of 64) is in the finding" || fail "rule 70 is not in the finding"
# the same evidence twice: copies merge with the union of their rules (the
# spill file is covered by tests/unit/test_hitstore)
"$BOXTRAIL" hunt -q -f jsonl --no-builtin --rules "$TMP/many" "$S" "$S" >"$TMP/many2.jsonl" 2>/dev/null
n=$(jq -r '.rules[].id' "$TMP/many2.jsonl" | sort -u | wc -l)
check "70 rules, the same evidence twice (duplicates merged): each rule listed" 70 "$n"

# --- item 3: a regex that hits the PCRE2 match limit is reported per rule ---
mkdir -p "$TMP/re"
cat >"$TMP/re/bad.yml" <<'YML'
title: Catastrophic regex
id: 0e0e0e0e-0000-4000-8000-000000000001
level: high
logsource: {product: docker}
detection:
  sel: {Message|re: '^(a|aa)+$'}
  condition: sel
YML
cat >"$TMP/re/fine.yml" <<'YML'
title: Daemon line with a run of a
id: 0e0e0e0e-0000-4000-8000-000000000002
level: low
logsource: {product: docker}
detection:
  sel: {Message|contains: 'aaaa'}
  condition: sel
YML
# daemon lines whose message is 60 a and a b: (a|aa)+ backtracks past the limit
run=$(printf '%060d' 0 | tr 0 a)
relog() {
	i=0
	while [ $i -lt "$1" ]; do
		printf 'time="2019-02-17T00:%02d:%02d.100000000+01:00" level=info msg="%sb"\n' \
			$((i / 60)) $((i % 60)) "$run"
		i=$((i + 1))
	done
}
relog 5 >"$TMP/re5.log"
relog 150 >"$TMP/re150.log"
"$BOXTRAIL" hunt --stats -f jsonl --no-builtin --rules "$TMP/re" --assume-host h "$TMP/re5.log" \
	>"$TMP/re.out" 2>"$TMP/re.err"
check "regex limit on 5 events: findings, +4" 5 $?
grep -q 'stats: rule 0e0e0e0e-0000-4000-8000-000000000001: regex match limit hit on 5 events (Catastrophic regex)' \
	"$TMP/re.err" && pass "--stats names the rule and its 5 events" || fail "no regex stats line: $(cat "$TMP/re.err")"
grep -q 'in 5 events from 1 files; regex match limit hit by rule 0e0e0e0e-0000-4000-8000-000000000001 (5 events)$' \
	"$TMP/re.err" && pass "the summary line names the rule" || fail "summary: $(tail -1 "$TMP/re.err")"
grep -q 'disabled' "$TMP/re.err" && fail "rule disabled after 5 events" || pass "5 events do not disable the rule"
"$BOXTRAIL" hunt --stats -f jsonl --no-builtin --rules "$TMP/re" --assume-host h "$TMP/re150.log" \
	>"$TMP/re.out" 2>"$TMP/re.err"
check "regex limit on 150 events: findings, +4" 5 $?
n=$(grep -c 'the rule is disabled for the rest of the run' "$TMP/re.err")
check "the rule is disabled after 100 events, said once" 1 "$n"
grep -q 'regex match limit hit on 100 events, rule disabled' "$TMP/re.err" \
	&& pass "--stats: 100 events, then disabled" || fail "stats after disabling: $(grep stats "$TMP/re.err")"
grep -q '(100 events, disabled)$' "$TMP/re.err" && pass "summary says disabled" \
	|| fail "summary: $(tail -1 "$TMP/re.err")"
check "the other rule still saw all 150 events" 150 "$(jq -s 'map(.evidence_count) | add' "$TMP/re.out")"
# a rule whose regex never hits a limit changes nothing: exit 1, no clause
"$BOXTRAIL" hunt -f jsonl --no-builtin --rules "$TMP/re" --assume-host h "$S" >/dev/null 2>"$TMP/re.err"
grep -q 'regex match limit' "$TMP/re.err" && fail "limit reported with no limit hit" || pass "no limit, no report"

# --- item 9: option files that are not option files; spill without TMPDIR ---
# Each must end at once with one error (they ran forever, or printed one
# error per line or per event).
msgs() { grep -c 'error' "$TMP/err"; }
expect_rc "--host-map /dev/zero ends" 2 timeout 20 "$BOXTRAIL" hunt --host-map /dev/zero "$S"
check "--host-map /dev/zero: one error" 1 "$(msgs)"
grep -q '/dev/zero: error: line 1: a NUL byte: not a text file; stopped there' "$TMP/err" \
	&& pass "--host-map /dev/zero: says why" || fail "/dev/zero message: $(cat "$TMP/err")"
expect_rc "--suppress /dev/urandom ends" 2 timeout 20 "$BOXTRAIL" hunt --suppress /dev/urandom "$S"
check "--suppress /dev/urandom: one error" 1 "$(msgs)"
# a hand-made file with two bad lines: the first one is named, reading stops
printf '10.0.0.1\nh2 10.0.0.2\nnot-an-ip x\n' >"$TMP/badmap"
expect_rc "host map with bad lines" 2 "$BOXTRAIL" hunt --host-map "$TMP/badmap" "$S"
check "host map with bad lines: one error" 1 "$(msgs)"
grep -q 'badmap: error: line 1: expected NAME IP' "$TMP/err" && pass "the first bad line is named" \
	|| fail "bad map message: $(cat "$TMP/err")"
# the caps, from pipes (process substitution must keep working)
printf 'h1 10.0.0.1\n' >"$TMP/goodmap"
expect_rc "--host-map from a pipe still works" 0 sh -c \
	'cat "$1" | timeout 60 "$2" hunt -q --no-builtin --rules "$3" --host-map /dev/stdin "$4"' sh \
	"$TMP/goodmap" "$BOXTRAIL" "$TMP/re" "$top_srcdir/tests/data/docker/containerd.log"
expect_rc "a million and one comment lines" 2 sh -c \
	'yes "# c" | head -n 1000001 | timeout 60 "$1" hunt --host-map /dev/stdin "$2"' sh "$BOXTRAIL" "$S"
grep -q 'more than 1000000 lines: not an option file; stopped there' "$TMP/err" \
	&& pass "line cap named" || fail "line cap: $(cat "$TMP/err")"
long=$(printf '%04000d' 0 | tr 0 '#')
expect_rc "a pipe of more than 64 MiB" 2 sh -c \
	'yes "$1" | timeout 60 "$2" hunt --host-map /dev/stdin "$3"' sh "$long" "$BOXTRAIL" "$S"
grep -q 'more than 67108864 bytes: not an option file' "$TMP/err" \
	&& pass "size cap named" || fail "size cap: $(cat "$TMP/err")"
expect_rc "a line over 4096 bytes" 2 sh -c \
	'printf "%s%s\n" "$1" "$1" | timeout 60 "$2" hunt --suppress /dev/stdin "$3"' sh "$long" "$BOXTRAIL" "$S"
grep -q 'line 1: longer than 4096 bytes' "$TMP/err" && pass "line length cap named" \
	|| fail "line length: $(cat "$TMP/err")"
# spill with TMPDIR missing: one error, not one per event
$PY - "$TMP/spill.log" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(80000):
        f.write('time="2019-02-17T%02d:%02d:%02d.%06dZ" level=info msg="line %d"\n'
                % (i // 3600 % 24, i // 60 % 60, i % 60, i, i))
PY
mkdir -p "$TMP/any"
cat >"$TMP/any/any.yml" <<'YML'
title: Any daemon line
id: 0f0f0f0f-0000-4000-8000-000000000001
level: low
logsource: {product: docker}
detection:
  sel: {Message|startswith: 'line '}
  condition: sel
YML
TMPDIR=$TMP/missing expect_rc "spill with TMPDIR missing fails" 2 "$BOXTRAIL" hunt -f jsonl --no-builtin \
	--rules "$TMP/any" --max-memory 16 --assume-host h "$TMP/spill.log"
check "spill with TMPDIR missing: the spill file named once" 1 "$(grep -c 'cannot create a spill file' "$TMP/err")"
check "spill with TMPDIR missing: the events refused once" 1 "$(grep -c 'cannot keep matched events' "$TMP/err")"
n=$(wc -l <"$TMP/err")
[ "$n" -le 5 ] && pass "spill with TMPDIR missing: $n lines on stderr" || fail "$n lines on stderr"
"$BOXTRAIL" hunt --stats -f jsonl --no-builtin --rules "$TMP/any" --max-memory 16 --assume-host h \
	"$TMP/spill.log" >/dev/null 2>"$TMP/err"
grep -q 'runs spilled to TMPDIR' "$TMP/err" && pass "the same run spills when TMPDIR exists" \
	|| fail "no spill: the TMPDIR check above proves nothing: $(cat "$TMP/err")"

# --- item 4: "privileged" in any case sets Privileged (Go's decoder) --------
ID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
dlog() {
	printf 'time="2026-03-14T10:00:00.000000Z" level=debug msg="Calling POST /v1.43/containers/create?name=x"\n'
	printf 'time="2026-03-14T10:00:00.100000Z" level=debug msg="form data: {%s,\\"Image\\":\\"alpine\\"}"\n' "$1"
	printf 'time="2026-03-14T10:00:00.200000Z" level=debug msg="Calling POST /v1.43/containers/%s/start"\n' "$ID"
}
mkdir -p "$TMP/dk/lower" "$TMP/dk/both"
dlog '\"hostconfig\":{\"privileged\":true}' >"$TMP/dk/lower/docker.log"
dlog '\"HostConfig\":{\"Privileged\":false,\"privileged\":true}' >"$TMP/dk/both/docker.log"
"$BOXTRAIL" events -q -f jsonl --assume-host h "$TMP/dk/lower/docker.log" >"$TMP/dk.out"
check "lower-case hostconfig/privileged: Privileged true" true \
	"$(head -1 "$TMP/dk.out" | jq -r .fields.Privileged)"
"$BOXTRAIL" events -q -f jsonl --assume-host h "$TMP/dk/both/docker.log" >"$TMP/dk.out"
check "Privileged false + privileged true: set" true "$(head -1 "$TMP/dk.out" | jq -r .fields.Privileged)"
check "Privileged false + privileged true: the conflict is named" '["Privileged"]' \
	"$(head -1 "$TMP/dk.out" | jq -c .fields.KeyCaseConflict)"
check "the id that confirmed the create" "$ID" "$(head -1 "$TMP/dk.out" | jq -r .fields.ConfirmationID)"
# hunt: the built-in correlation of host access reports the create at 10:00:00.0
at0() { jq -c 'select(.time == "2026-03-14T10:00:00.0000000Z" and .severity == "high")' "$TMP/dk.out"; }
"$BOXTRAIL" hunt -q -f jsonl --assume-host h "$TMP/dk/lower" >"$TMP/dk.out" 2>/dev/null
[ -n "$(at0)" ] && pass "hunt: the lower-case body is a privileged container (high)" \
	|| fail "no high finding for the lower-case body: $(cat "$TMP/dk.out")"
"$BOXTRAIL" hunt -q -f jsonl --assume-host h "$TMP/dk/both" >"$TMP/dk.out" 2>/dev/null
at0 | grep -q 'both Privileged and privileged with different values (the daemon applies one; its log cannot say which): taken as privileged' \
	&& pass "hunt: the conflict is taken as privileged and noted" || fail "no conflict note: $(cat "$TMP/dk.out")"
# the offline root says what the daemon applied: not privileged
mkdir -p "$TMP/dk/both/root/containers/$ID"
src="$top_srcdir/tests/data/docker/root/containers/823a3180dad3c9c3c4dea43ab2baf9f04bac9c3a7711745ff5f702551496d735"
sed "s/823a3180dad3c9c3c4dea43ab2baf9f04bac9c3a7711745ff5f702551496d735/$ID/g" "$src/config.v2.json" \
	>"$TMP/dk/both/root/containers/$ID/config.v2.json"
grep -q '"Privileged":false' "$src/hostconfig.json" || fail "fixture: hostconfig.json is not unprivileged"
cp "$src/hostconfig.json" "$TMP/dk/both/root/containers/$ID/hostconfig.json"
"$BOXTRAIL" hunt -q -f jsonl --min-level informational --assume-host h "$TMP/dk/both" >"$TMP/dk.out" 2>/dev/null
check "hunt with the root (not privileged): no high finding for the create" "" "$(at0)"
jq -r 'select(.time == "2026-03-14T10:00:00.0000000Z") | .notes[]' "$TMP/dk.out" \
	| grep -q 'Docker root says not privileged' && pass "hunt: the root's answer is noted" \
	|| fail "no root note: $(cat "$TMP/dk.out")"
sed 's/"Privileged":false/"Privileged":true/' "$src/hostconfig.json" >"$TMP/dk/both/root/containers/$ID/hostconfig.json"
"$BOXTRAIL" hunt -q -f jsonl --assume-host h "$TMP/dk/both" >"$TMP/dk.out" 2>/dev/null
at0 | grep -q 'Docker root says privileged' && pass "hunt with the root (privileged): high, noted" \
	|| fail "no root note (privileged): $(cat "$TMP/dk.out")"

# --- item 5: a named pipe is spooled like standard input; a shrinking log ---
E="$S/SRV-BUILD01/Security.evtx"
"$BOXTRAIL" events -q -f jsonl "$E" | sed 's/"file":"[^"]*"//' >"$TMP/evtx.file"
mkfifo "$TMP/pipe.evtx"
cat "$E" >"$TMP/pipe.evtx" &
timeout 60 "$BOXTRAIL" events -q -f jsonl "$TMP/pipe.evtx" >"$TMP/evtx.pipe.raw" 2>"$TMP/err"
check "EVTX from a named pipe: exit" 0 $?
wait
sed 's/"file":"[^"]*"//' "$TMP/evtx.pipe.raw" >"$TMP/evtx.pipe"
[ -s "$TMP/evtx.file" ] && cmp -s "$TMP/evtx.file" "$TMP/evtx.pipe" \
	&& pass "EVTX from a named pipe: the same events as the file" \
	|| fail "named pipe: $(head -c 300 "$TMP/err") / $(wc -l <"$TMP/evtx.pipe") events"
grep -q 'Illegal seek' "$TMP/err" && fail "Illegal seek" || pass "no seek error"
# a daemon log truncated while it is read: changed, +4. The output goes to a
# pipe nobody reads yet, so the reader is held mid-file while it is cut.
$PY - "$TMP/shrink.log" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        f.write('time="2019-02-17T00:00:%02d.%06dZ" level=info msg="line %d with some padding"\n'
                % (i % 60, i, i))
PY
mkfifo "$TMP/out.fifo"
("$BOXTRAIL" events -f jsonl --assume-host h "$TMP/shrink.log" >"$TMP/out.fifo" 2>"$TMP/shrink.err";
 echo $? >"$TMP/shrink.rc") &
exec 3<"$TMP/out.fifo"
# the first line out: the reader has opened the file and is blocked
head -n 1 <&3 >/dev/null
: >"$TMP/shrink.log"
cat <&3 >/dev/null
exec 3<&-
wait
check "a log cut while read: exit +4" 4 "$(cat "$TMP/shrink.rc")"
grep -q 'the file changed while it was read' "$TMP/shrink.err" && pass "a log cut while read: said" \
	|| fail "shrink: $(cat "$TMP/shrink.err")"

# --- item 8: a sparse 4 GiB file with an EVTX header: holes are not read ----
# (sparse: no disk used). The counter says the holes were skipped; the
# timeout is only a guard against the old hours-long scan, not a measure.
cp "$E" "$TMP/sparse.evtx"
truncate -s 4G "$TMP/sparse.evtx"
timeout 120 "$BOXTRAIL" events --stats -f jsonl "$TMP/sparse.evtx" >"$TMP/sparse.out" 2>"$TMP/sparse.err"
check "sparse 4 GiB EVTX: exit" 0 $?
sed 's/"file":"[^"]*"//' "$TMP/sparse.out" | cmp -s - "$TMP/evtx.file" \
	&& pass "sparse 4 GiB EVTX: the same events as the file it starts with" \
	|| fail "sparse: events differ ($(wc -l <"$TMP/sparse.out") lines)"
if $PY -c 'import os,sys; f=os.open(sys.argv[1],os.O_RDONLY); sys.exit(0 if os.lseek(f,0,os.SEEK_HOLE) < os.fstat(f).st_size else 1)' \
	"$TMP/sparse.evtx"; then
	# 4 GiB: the header and 65536 chunks, of which the first 3 hold data
	n=$(sed -n 's/.* sparse_chunks=\([0-9]*\).*/\1/p' "$TMP/sparse.err")
	check "sparse 4 GiB EVTX: the chunks in the hole are skipped, not read" 65533 "$n"
else
	echo "note: $TMP reports no holes (no SEEK_HOLE): the hole counter is not checked"
fi
grep -q 'corrupt_chunks=0 ' "$TMP/sparse.err" && pass "sparse: the unused end is not damage" \
	|| fail "sparse: $(cat "$TMP/sparse.err")"

# --- item 6: correlation state and kept findings count in --max-memory ------
# A correlation grouped by a field unique to each event keeps a group per
# event; at 16 MiB new groups are not followed, said, named, +4.
cat >"$TMP/any/corr.yml" <<'YML'
title: Same daemon line twice
id: 0f0f0f0f-0000-4000-8000-000000000002
level: high
correlation:
  type: event_count
  rules: [0f0f0f0f-0000-4000-8000-000000000001]
  group-by: [Message]
  timespan: 1d
  condition: {gte: 2}
YML
sed 's/0f0f0f0f-0000-4000-8000-000000000001/0f0f0f0f-0000-4000-8000-000000000003/; s/Any daemon line/Any daemon line again/' \
	"$TMP/any/any.yml" >"$TMP/any/any2.yml"
"$BOXTRAIL" hunt --stats -f jsonl --no-builtin --rules "$TMP/any" --max-memory 16 --assume-host h \
	"$TMP/spill.log" >"$TMP/mem.out" 2>"$TMP/mem.err"
check "correlation over --max-memory: findings, +4" 5 $?
check "said once" 1 "$(grep -c "correlation 'Same daemon line twice': its state reached --max-memory" "$TMP/mem.err")"
grep -q "stats: cap reached: correlation 'Same daemon line twice': --max-memory (16 MiB): [0-9]* events left windows early, [1-9][0-9]* events of new groups not followed" \
	"$TMP/mem.err" && pass "--stats names the correlation memory cap" || fail "no cap line: $(cat "$TMP/mem.err")"
grep -q 'stats: cap reached: findings: --max-memory (16 MiB): 1 findings keep 10 evidence events' "$TMP/mem.err" \
	&& pass "--stats names the findings memory cap" || fail "no findings cap line: $(cat "$TMP/mem.err")"
tail -1 "$TMP/mem.err" | grep -q '; caps reached: correlation memory (Same daemon line twice), findings memory$' \
	&& pass "the summary line names both caps" || fail "summary: $(tail -1 "$TMP/mem.err")"
check "the kept finding: its count whole, 10 events kept" '[80000,10]' \
	"$(jq -c '[.evidence_count, (.evidence | length)]' "$TMP/mem.out")"
# under the budget (the default 256 MiB, fewer events): no cap, no +4
head -n 2000 "$TMP/spill.log" >"$TMP/spill2k.log"
"$BOXTRAIL" hunt --stats -f jsonl --no-builtin --rules "$TMP/any" --assume-host h \
	"$TMP/spill2k.log" >"$TMP/mem.out" 2>"$TMP/mem.err"
check "correlation under the budget: findings, no +4" 1 $?
grep -q 'cap reached\|caps reached' "$TMP/mem.err" && fail "a cap reported under the budget" \
	|| pass "no cap under the budget"

# the host map's link cap (1,000,000) is named too: a full map from --host-map,
# then the evidence teaches one more. (A fixed hash table made loading such a
# map take half a minute; it grows now.)
$PY -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1000000):
        f.write("h%d 10.%d.%d.%d\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
' "$TMP/bigmap"
timeout 120 "$BOXTRAIL" hunt --stats -f jsonl --host-map "$TMP/bigmap" "$S" >/dev/null 2>"$TMP/err"
check "a full host map: findings, +4" 5 $?
grep -q 'stats: cap reached: host map: 1000000 links' "$TMP/err" && pass "--stats names the host map cap" \
	|| fail "host map cap: $(tail -3 "$TMP/err")"
tail -1 "$TMP/err" | grep -q '; caps reached: host map links$' && pass "the summary names it" \
	|| fail "summary: $(tail -1 "$TMP/err")"

finish

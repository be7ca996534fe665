#!/bin/sh
# -o FILE (repeatable, one pass, format from the extension or -f), guarded
# like every file boxtrail writes and written atomically; --tz for text and
# CSV times; CSV --profile. Bad paths, zones and profiles: exit 2.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
cd "$top_srcdir" || exit 99
out=$TMP/written
mkdir -p "$out"

same_file() {  # same_file NAME FILE CMD...: FILE holds what CMD prints
	name=$1 file=$2
	shift 2
	"$@" >"$TMP/ref" 2>/dev/null
	if [ -s "$file" ] && cmp -s "$TMP/ref" "$file"; then pass "$name"; else fail "$name: $file differs from standard output"; fi
}

# hunt: one pass, a CSV timeline and the JSON Lines findings
"$BOXTRAIL" hunt -q -o "$out/timeline.csv" -o "$out/findings.jsonl" -o "$out/timeline.txt" samples 2>"$TMP/err"
check "hunt -o: exit 1 (findings)" 1 $?
same_file "hunt -o findings.jsonl = -f jsonl" "$out/findings.jsonl" "$BOXTRAIL" hunt -q -f jsonl samples
same_file "hunt -o timeline.csv = -f csv" "$out/timeline.csv" "$BOXTRAIL" hunt -q -f csv samples
same_file "hunt -o timeline.txt = -f text" "$out/timeline.txt" "$BOXTRAIL" hunt -q -f text --color never samples
"$BOXTRAIL" hunt -q -o "$out/h.jsonl" samples >"$TMP/stdout" 2>/dev/null
check "with -o nothing goes to standard output" 0 "$(wc -c <"$TMP/stdout")"
"$BOXTRAIL" hunt -q -o - -o "$out/h2.csv" -f jsonl samples >"$TMP/stdout" 2>/dev/null
same_file "-o - is standard output (with -f)" "$TMP/stdout" "$BOXTRAIL" hunt -q -f jsonl samples
"$BOXTRAIL" hunt -q -f timesketch -o "$out/ts.out" samples 2>/dev/null
same_file "-f gives the format of an unknown extension" "$out/ts.out" "$BOXTRAIL" hunt -q -f timesketch samples

# events and search: the same, every output in input order (two threads)
"$BOXTRAIL" events -q -j 2 -o "$out/e.jsonl" -o "$out/e.csv" -o "$out/e.txt" samples
check "events -o: exit 0" 0 $?
same_file "events -o e.jsonl" "$out/e.jsonl" "$BOXTRAIL" events -q -f jsonl samples
same_file "events -o e.csv" "$out/e.csv" "$BOXTRAIL" events -q -f csv samples
same_file "events -o e.txt" "$out/e.txt" "$BOXTRAIL" events -q -f text samples
"$BOXTRAIL" search -q -o "$out/s.jsonl" -o "$out/s.csv" 'EventID=4769' samples
check "search -o: exit 1 (matches)" 1 $?
same_file "search -o s.jsonl" "$out/s.jsonl" "$BOXTRAIL" search -q -f jsonl 'EventID=4769' samples
same_file "search -o s.csv" "$out/s.csv" "$BOXTRAIL" search -q -f csv 'EventID=4769' samples

# the guard: never inside the evidence, never over a file, a bad path fails at once
cp -r samples/DC01 "$TMP/ev"
before=$(ls -la "$TMP/ev" | md5sum)
expect_rc "-o inside the evidence (hunt)" 2 "$BOXTRAIL" hunt -q -o "$TMP/ev/x.jsonl" "$TMP/ev"
grep -q "refused: it is inside the evidence directory" "$TMP/err" && pass "-o inside the evidence: says why" || fail "evidence message: $(cat "$TMP/err")"
expect_rc "-o inside the evidence (events)" 2 "$BOXTRAIL" events -q -o "$TMP/ev/sub.csv" "$TMP/ev"
expect_rc "-o over an input" 2 "$BOXTRAIL" search -q -f jsonl -o "$TMP/ev/Security.evtx" --force x "$TMP/ev/Security.evtx"
grep -q "refused: it is an input" "$TMP/err" && pass "-o over an input: says why" || fail "input message: $(cat "$TMP/err")"
check "the evidence directory is untouched" "$before" "$(ls -la "$TMP/ev" | md5sum)"
printf 'keep\n' >"$out/exists.jsonl"
expect_rc "-o over an existing file" 2 "$BOXTRAIL" hunt -q -o "$out/exists.jsonl" samples
grep -q "the file exists (use --force" "$TMP/err" && pass "existing file: says why" || fail "exists message"
check "the existing file is kept" keep "$(cat "$out/exists.jsonl")"
"$BOXTRAIL" events -q --force -o "$out/exists.jsonl" samples/DC01 2>/dev/null
check "--force replaces it" 473 "$(wc -l <"$out/exists.jsonl")"
expect_rc "-o in a directory that does not exist" 2 "$BOXTRAIL" hunt -q -o "$TMP/nodir/x.jsonl" samples
expect_rc "-o where nothing can be created" 2 "$BOXTRAIL" events -q -o /proc/boxtrail-test.jsonl samples
grep -q "cannot create" "$TMP/err" && pass "unwritable -o: says why" || fail "unwritable message: $(cat "$TMP/err")"
expect_rc "-o with an extension that says no format" 2 "$BOXTRAIL" hunt -q -o "$out/x.dat" samples
grep -q "say the format with an extension" "$TMP/err" && pass "unknown extension: says why" || fail "extension message"
expect_rc "-o a directory" 2 "$BOXTRAIL" hunt -q -o "$out" samples
set --
for i in 1 2 3 4 5 6 7 8 9; do set -- "$@" -o "$out/many$i.jsonl"; done
expect_rc "more than 8 -o" 2 "$BOXTRAIL" events -q "$@" samples
# nothing readable: no file is left, and no temporary file
expect_rc "a run that reads nothing" 2 "$BOXTRAIL" hunt -q -o "$out/none.jsonl" "$TMP/nodir"
[ ! -e "$out/none.jsonl" ] && pass "no file from a failed run" || fail "a failed run left none.jsonl"
check "no temporary file left" "" "$(ls -a "$out" | grep boxtrail- || true)"
ls -l "$out/findings.jsonl" | grep -q '^-rw-------' && pass "written under a temporary name, renamed (mode 0600)" || fail "mode of findings.jsonl"

# --tz: text and CSV times in the zone, stated in the header; JSON stays UTC
"$BOXTRAIL" events -q -f csv --tz Europe/Berlin samples/DC01 >"$TMP/tz.csv"
head -n 1 "$TMP/tz.csv" | grep -q '^time (Europe/Berlin),source,host' && pass "--tz: CSV header names the zone" || fail "--tz CSV header: $(head -n 1 "$TMP/tz.csv")"
"$BOXTRAIL" events -q -f csv samples/DC01 | tail -n +2 | cut -d, -f1 >"$TMP/utc"
tail -n +2 "$TMP/tz.csv" | cut -d, -f1 >"$TMP/berlin"
$PY - "$TMP/utc" "$TMP/berlin" <<'PY' && pass "--tz Europe/Berlin: every CSV time is the same instant, +01:00 in March" || fail "--tz conversion"
import sys, datetime
u = [l.strip() for l in open(sys.argv[1])]
b = [l.strip() for l in open(sys.argv[2])]
assert len(u) == len(b) > 100
for x, y in zip(u, b):
    assert x.endswith("Z") and y.endswith("+01:00"), (x, y)
    tx = datetime.datetime.fromisoformat(x[:26] + "+00:00")
    ty = datetime.datetime.fromisoformat(y[:26] + y[-6:])
    assert tx == ty and x[26:27] == y[26:27], (x, y)
PY
"$BOXTRAIL" hunt -q -f text --color never --tz +05:30 samples >"$TMP/tz.txt" 2>/dev/null
check "--tz: the text timeline states the zone first" "# times in +05:30" "$(head -n 1 "$TMP/tz.txt")"
grep -q '^2026-03-14T14:42:02.8084560+05:30 CRITICAL' "$TMP/tz.txt" && pass "--tz +05:30: the first finding at 14:42 local" || fail "--tz text times"
"$BOXTRAIL" hunt -q -f jsonl --tz Asia/Tokyo samples >"$TMP/tz.jsonl" 2>/dev/null
same_file "--tz leaves JSON Lines in UTC" "$TMP/tz.jsonl" "$BOXTRAIL" hunt -q -f jsonl samples
expect_rc "--tz with an unknown zone" 2 "$BOXTRAIL" events -q --tz Mars/Olympus_Mons samples
grep -q "not a time zone" "$TMP/err" && pass "unknown zone: says why" || fail "zone message"
expect_rc "--tz with a bad offset" 2 "$BOXTRAIL" hunt -q --tz +25:00 samples
expect_rc "--tz with a path" 2 "$BOXTRAIL" hunt -q --tz ../../etc/passwd samples

# --profile: the details column with the fields that tell most per kind of event
"$BOXTRAIL" search -q -f csv --profile minimal 'EventID=4769 TicketEncryptionType=0x17' samples >"$TMP/min.csv"
check "--profile minimal: columns" "time,host,event,details" "$(head -n 1 "$TMP/min.csv" | tr -d '\r')"
grep -q 'Security/4769,TargetUserName=.* ServiceName=svc_sql IpAddress=::ffff:10.20.30.41 TicketEncryptionType=0x17' "$TMP/min.csv" \
	&& pass "--profile minimal: a ticket's account, service, address, encryption" || fail "minimal details: $(sed -n 3p "$TMP/min.csv")"
"$BOXTRAIL" search -q -f csv --profile standard 'EventID=1 Image=*\\docker.exe' samples >"$TMP/std.csv"
check "--profile standard: columns" "time,source,host,channel,provider,event_id,record_id,details,file,line" "$(head -n 1 "$TMP/std.csv" | tr -d '\r')"
grep -q 'Image=C:\\Program Files\\Docker\\docker.exe CommandLine=docker run' "$TMP/std.csv" \
	&& pass "--profile standard: a process's image and command line first" || fail "standard details"
"$BOXTRAIL" hunt -q -f csv --profile verbose samples >"$TMP/verb.csv" 2>/dev/null
head -n 1 "$TMP/verb.csv" | grep -q ',evidence_count,details,evidence' && pass "--profile verbose: every column and details" || fail "verbose header"
expect_rc "--profile with an unknown name" 2 "$BOXTRAIL" events -q --profile huge samples
finish

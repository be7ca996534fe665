#!/bin/sh
# Hostile and damaged Docker evidence: never a crash or a hang, every loss a
# counted warning naming the line, memory bounded, garbage not taken for logs.
. "$top_srcdir/tests/lib.sh"
D=$top_srcdir/tests/data/docker
R=$D/root/containers/b5c1fb2efc6d6b4674c2fdcc48ce01b43a3b7c03763c0c3355de0099ee0f8c73

# A crash would exit >= 128: every run here must end with 0, 2 or 4.
sane() {
	case $2 in
	0 | 2 | 4) pass "$1 (exit $2)" ;;
	*) fail "$1: exit $2"; sed 's/^/    /' "$TMP/err" | head -5 >&2 ;;
	esac
}
run() {
	name=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	sane "$name" $?
}

# ---- binary garbage is not evidence
mkdir -p "$TMP/bin"
head -c 65536 /dev/urandom >"$TMP/bin/random.log"
head -c 65536 /dev/zero >"$TMP/bin/zeros.log"
{ printf '{"'; head -c 20000 /dev/urandom; } >"$TMP/bin/brace.json"
{ printf 'time="2024-01-01T00:00:00Z" \001\002'; head -c 20000 /dev/urandom; } >"$TMP/bin/prefix.log"
printf '\211PNG\r\n\032\n' >"$TMP/bin/image.png"; head -c 5000 /dev/urandom >>"$TMP/bin/image.png"
expect_rc "garbage directory: nothing recognised" 2 "$BOXTRAIL" events "$TMP/bin"
grep -q 'no evidence files recognised (5 files skipped)' "$TMP/err" && pass "garbage skipped" || fail "garbage: $(cat "$TMP/err")"
[ ! -s "$TMP/out" ] && pass "no events from garbage" || fail "events from garbage"
expect_rc "garbage named" 2 "$BOXTRAIL" events "$TMP/bin/random.log"
grep -q 'random.log: error: not a recognised evidence format' "$TMP/err" && pass "named garbage reported" || fail "named garbage"

# ---- a 100 MB single line (generated, never committed), through a pipe
big() { head -c 104857600 /dev/zero | tr '\0' 'a'; }
lim=""
if ! (ldd "$BOXTRAIL" 2>/dev/null | grep -q 'libasan'); then
	lim="ulimit -v 262144;"   # 256 MiB of address space is plenty: lines are capped at 1 MiB
fi
{
	echo 'time="2024-01-01T00:00:00Z" level=info msg="before"'
	printf 'time="2024-01-01T00:00:01Z" level=info msg="'; big; echo '"'
	echo 'time="2024-01-01T00:00:02Z" level=info msg="after"'
} | sh -c "$lim exec \"\$0\" events -f jsonl --stats -" "$BOXTRAIL" >"$TMP/out" 2>"$TMP/err"
sane "100 MB line" $?
check "100 MB line: the lines around it" "before after" "$(sed -n 's/.*"Message":"\([a-z]*\)".*/\1/p' "$TMP/out" | tr '\n' ' ' | sed 's/ $//')"
grep -q 'warning: line 2: longer than 1048576 bytes, skipped' "$TMP/err" && pass "100 MB line reported" || fail "100 MB line report: $(cat "$TMP/err")"
grep -q 'records=2 recovered=0 failed=1 lines=3' "$TMP/err" && pass "100 MB line counted" || fail "100 MB count"
# the same line first: detection sees only its start
{
	printf 'time="2024-01-01T00:00:01Z" level=info msg="'; big; echo '"'
	echo 'time="2024-01-01T00:00:02Z" level=info msg="after"'
} | sh -c "$lim exec \"\$0\" events -f jsonl --stats -" "$BOXTRAIL" >"$TMP/out" 2>"$TMP/err"
sane "100 MB first line" $?
grep -q 'format=dockerd-text records=1 recovered=0 failed=1 lines=2' "$TMP/err" && pass "100 MB first line counted" || fail "100 MB first: $(cat "$TMP/err")"
# and in a JSON-lines format
{
	echo '{"status":"start","id":"a","time":1}'
	printf '{"status":"start","id":"'; big; echo '","time":2}'
	echo '{"status":"die","id":"a","time":3}'
} | sh -c "$lim exec \"\$0\" events -f jsonl --stats -" "$BOXTRAIL" >"$TMP/out" 2>"$TMP/err"
sane "100 MB JSON line" $?
grep -q 'format=docker-events records=2 recovered=0 failed=1 lines=3' "$TMP/err" && pass "100 MB JSON line counted" || fail "100 MB JSON: $(cat "$TMP/err")"

# ---- broken JSON in every JSON format
printf '{"log":"ok\\n","stream":"stdout","time":"2024-01-01T00:00:00Z"}\n{"log":"x","stream":\n[1,2]\n{"log":"\\ud800 lone surrogate","stream":"stderr","time":"bad time"}\n' >"$TMP/c-json.log"
run "container log with broken lines" "$BOXTRAIL" events -f jsonl --stats "$TMP/c-json.log"
grep -q 'records=2 recovered=0 failed=2 lines=4' "$TMP/err" && pass "container log counts" || fail "container log: $(cat "$TMP/err")"
grep -q 'line 2: ' "$TMP/err" && grep -q 'line 3: ' "$TMP/err" && pass "container log lines named" || fail "container log lines"
head -c 700 "$R/config.v2.json" >"$TMP/config.v2.json"
run "truncated config.v2.json" "$BOXTRAIL" events "$TMP/config.v2.json"
grep -q 'config.v2.json: error: not readable as JSON: truncated JSON' "$TMP/err" && pass "truncated config reported" || fail "truncated config: $(cat "$TMP/err")"
printf '{"ID":7,"Created":["x"],"State":"running","Config":{"Cmd":{"a":1},"Image":null},"Name":{},"MountPoints":"no","Path":5}' >"$TMP/weird.json"
run "config with wrong types" "$BOXTRAIL" events -f jsonl "$TMP/weird.json"
check "config with wrong types: one create, no time" "null" "$(jq -r '.time' "$TMP/out" 2>/dev/null)"
python3 -c 'print("{\"__CURSOR\":\"s\",\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":" + "[" * 100000 + "}")' >"$TMP/deep.json" 2>/dev/null \
	|| awk 'BEGIN { printf "{\"__CURSOR\":\"s\",\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":"; for (i = 0; i < 100000; i++) printf "["; print "}" }' >"$TMP/deep.json"
run "deeply nested journald line" "$BOXTRAIL" events --stats "$TMP/deep.json"
grep -q 'failed=1' "$TMP/err" && pass "deep nesting counted as failed" || fail "deep nesting: $(cat "$TMP/err")"

# ---- numbers out of any time range (found by mutation under UBSan)
printf '%s\n' '{"Type":"container","Action":"start","Actor":{"ID":"a"},"time":17000000123456789,"timeNano":17000000123456789000}' \
	'{"Type":"container","Action":"die","Actor":{"ID":"a"},"time":-99999999999999,"timeNano":-1}' >"$TMP/ev.jsonl"
run "absurd docker events times" "$BOXTRAIL" events -f jsonl "$TMP/ev.jsonl"
check "absurd times: no time, events kept" "null 1969-12-31T23:59:59.9999999Z" "$(jq -r '.time' "$TMP/out" | tr '\n' ' ' | sed 's/ $//')"
printf '{"__CURSOR":"s","__REALTIME_TIMESTAMP":"99999999999999999999","_COMM":"dockerd","MESSAGE":"x"}\n' >"$TMP/j.json"
run "absurd journald time" "$BOXTRAIL" events -f jsonl "$TMP/j.json"
check "absurd journald time: no time" "null" "$(jq -r '.time' "$TMP/out")"

# ---- too many fields on one line: capped, reported
awk 'BEGIN { printf "time=\"2024-01-01T00:00:00Z\" level=info msg=\"many\""; for (i = 0; i < 5000; i++) printf " k%d=v", i; print "" }' >"$TMP/many.log"
run "5000 fields on a line" "$BOXTRAIL" events -f jsonl "$TMP/many.log"
grep -q 'line 1: event too large, some fields dropped' "$TMP/err" && pass "field cap reported" || fail "field cap: $(cat "$TMP/err")"

# ---- damaged compression
gzip -c "$D/dockerd-text.log" | head -c 600 >"$TMP/docker.log.2.gz"
run "truncated gzip" "$BOXTRAIL" events --stats "$TMP/docker.log.2.gz"
check "truncated gzip: partial status" "4" "$(
	"$BOXTRAIL" events "$TMP/docker.log.2.gz" >/dev/null 2>&1
	echo $?
)"
grep -q 'corrupt compressed data' "$TMP/err" && grep -q 'INCOMPLETE' "$TMP/err" && pass "truncated gzip reported" || fail "truncated gzip: $(cat "$TMP/err")"
# the JSON Lines readers say the same of their rotated copies
for f in docker-events.jsonl journald.json; do
	size=$(gzip -c "$D/$f" | wc -c)
	gzip -c "$D/$f" | head -c $((size / 2)) >"$TMP/$f.1.gz"
	run "truncated gzip ($f)" "$BOXTRAIL" events --stats "$TMP/$f.1.gz"
	grep -q "$f.1.gz: error: corrupt compressed data at offset [0-9]*; the rest is lost" "$TMP/err" &&
		grep -q 'INCOMPLETE' "$TMP/err" && pass "truncated gzip reported ($f)" ||
		fail "truncated gzip ($f): $(cat "$TMP/err")"
done

# ---- a FIFO planted as hostconfig.json does not hang the reader
mkdir -p "$TMP/fifo"
cp "$R/config.v2.json" "$TMP/fifo/"
if mkfifo "$TMP/fifo/hostconfig.json" 2>/dev/null; then
	run "FIFO hostconfig.json" timeout 20 "$BOXTRAIL" events "$TMP/fifo/config.v2.json"
	grep -q 'not a regular file' "$TMP/err" && pass "FIFO refused" || fail "FIFO: $(cat "$TMP/err")"
fi

# ---- a symlink loop and an unreadable file inside a Docker tree
mkdir -p "$TMP/tree/containers/x"
cp "$R/config.v2.json" "$R/hostconfig.json" "$TMP/tree/containers/x/"
ln -s .. "$TMP/tree/containers/x/loop"
run "tree with a symlink loop (-L)" "$BOXTRAIL" events -L "$TMP/tree"
check "tree with a symlink loop: events" "3" "$(wc -l <"$TMP/out" | tr -d ' ')"

finish

#!/bin/sh
# Hostile and ordinary-but-untested inputs (issue 13): named gzip files
# larger than the compressed-input buffer, a hunt that matches nothing, an
# empty base64 value, an overlong correlation timespan, standard input spooled
# without leaving a copy behind. Run in make check and in the sanitizer build.
. "$top_srcdir/tests/lib.sh"
D="$top_srcdir/tests/data/docker"

# --- 1. a rotated daemon log whose compressed size is over 64 KiB -----------
# Lines that compress badly (random hex ids), so the .gz is well past 64 KiB.
$PY - "$TMP/big.log" <<'EOF'
import os, sys
with open(sys.argv[1], "w") as f:
    for i in range(6000):
        cid = os.urandom(32).hex()
        f.write('time="2026-03-14T09:%02d:%02d.%06dZ" level=info msg="ignoring event" '
                'container=%s module=libcontainerd namespace=moby topic=/tasks/delete '
                'type="*events.TaskDelete"\n' % (i // 60 % 60, i % 60, i, cid))
    f.write('time="2026-03-14T10:00:00.000000Z" level=debug msg="Calling POST /v1.43/containers/create?name=x"\n')
    f.write('time="2026-03-14T10:00:00.100000Z" level=debug msg="form data: {\\"HostConfig\\":{\\"Privileged\\":true},\\"Image\\":\\"alpine\\"}"\n')
    # the start of the new id confirms the create (a create alone is no container)
    f.write('time="2026-03-14T10:00:00.200000Z" level=debug msg="Calling POST /v1.43/containers/%s/start"\n'
            % os.urandom(32).hex())
EOF
gzip -c "$TMP/big.log" >"$TMP/big.log.1.gz"
size=$(wc -c <"$TMP/big.log.1.gz")
[ "$size" -gt 65536 ] && pass "compressed log is $size bytes (> 64 KiB)" || fail "gzip only $size bytes"
"$BOXTRAIL" events -q --assume-host h "$TMP/big.log" >"$TMP/plain.jsonl" 2>"$TMP/plain.err"
"$BOXTRAIL" events -q --assume-host h "$TMP/big.log.1.gz" >"$TMP/gz.jsonl" 2>"$TMP/gz.err"
check "named .gz over 64 KiB: exit" 0 $?
n=$(wc -l <"$TMP/plain.jsonl")
[ "$n" -gt 0 ] && pass "plain log read ($n events)" || fail "plain log gave no events"
sed 's/"file":"[^"]*"//' "$TMP/plain.jsonl" >"$TMP/a"
sed 's/"file":"[^"]*"//' "$TMP/gz.jsonl" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && pass "the .gz gives the same events as the plain log" \
	|| fail "gzip and plain differ: $(diff "$TMP/a" "$TMP/b" | head -3)"
# the same inside a collection walked by hunt, beside random data that is gzip
mkdir -p "$TMP/coll"
cp "$TMP/big.log.1.gz" "$TMP/coll/docker.log.1.gz"
$PY -c "import os,gzip,sys; open(sys.argv[1],'wb').write(gzip.compress(os.urandom(100000)))" \
	"$TMP/coll/backup.tar.gz"
"$BOXTRAIL" hunt -q -f jsonl --assume-host h "$TMP/coll" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "hunt over a folder with large .gz files: findings, nothing lost" 1 "$rc"
grep -q '"Privileged":"true"\|Privileged' "$TMP/out" && pass "privileged container found in the .gz" \
	|| fail "no privileged finding from the .gz: $(head -c 300 "$TMP/err")"
# random bytes in gzip, named: not evidence, said so, no crash
expect_rc "named random .gz is not evidence" 2 "$BOXTRAIL" events "$TMP/coll/backup.tar.gz"
grep -q 'not a recognised evidence format' "$TMP/err" && pass "named .gz: clear message" \
	|| fail "named .gz message: $(cat "$TMP/err")"

# --- 2. a hunt that matches nothing (the sanitizer build aborted here) -------
expect_rc "hunt with no match exits 0" 0 "$BOXTRAIL" hunt -q "$D/containerd.log"
grep -q . "$TMP/out" && fail "no-match hunt printed findings" || pass "no-match hunt prints nothing"

# --- 3. rules: an empty base64 value, a correlation over 100 years ----------
mkdir -p "$TMP/rules"
cat >"$TMP/rules/b64.yml" <<'EOF'
title: Empty base64 value
id: 1d5b2c6e-4a3f-4e8b-9c21-7f0a6b3d2e11
level: low
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4769, ServiceName|base64|contains: ''}
  condition: sel
EOF
cat >"$TMP/rules/long.yml" <<'EOF'
title: Thirty thousand years
id: 2e6c3d7f-5b4a-4f9c-8d32-8a1b7c4e3f22
level: high
correlation:
  type: event_count
  rules: [1d5b2c6e-4a3f-4e8b-9c21-7f0a6b3d2e11]
  group-by: [Computer]
  timespan: 30000y
  condition: {gte: 2}
EOF
"$BOXTRAIL" rules --no-builtin --rules "$TMP/rules" >"$TMP/rules.out" 2>"$TMP/rules.err"
grep -q "timespan '30000y' is not a duration of at most 100 years" "$TMP/rules.out" \
	&& pass "a 30000y timespan is refused with its reason" \
	|| fail "30000y: $(cat "$TMP/rules.err" "$TMP/rules.out" | head -5)"
"$BOXTRAIL" hunt -q -f jsonl --no-builtin --rules "$TMP/rules" "$top_srcdir/samples/DC01" \
	>"$TMP/out" 2>"$TMP/err"
check "hunt with the empty base64 rule and the refused correlation" 1 $?

# --- 4. standard input: the spooled copy never stays in TMPDIR --------------
E="$top_srcdir/samples/SRV-BUILD01/Sysmon.evtx"
mkdir -p "$TMP/spool"
want=$("$BOXTRAIL" events -q "$E" | wc -l)
got=$(TMPDIR="$TMP/spool" "$BOXTRAIL" events -q - <"$E" | wc -l)
check "stdin EVTX: every event" "$want" "$got"
got=$(TMPDIR="$TMP/spool" "$BOXTRAIL" events -q --reader libevtx - <"$E" | wc -l)
check "stdin EVTX through the libevtx worker (inherited descriptor)" "$want" "$got"
# a closed pipe ends the run (SIGPIPE): no copy left
TMPDIR="$TMP/spool" "$BOXTRAIL" events -q - <"$E" | head -n 1 >/dev/null
# Ctrl-C while standard input is still arriving: no copy, even during the run
mkfifo "$TMP/fifo"
(cat "$E"; exec sleep 30) >"$TMP/fifo" &
writer=$!
TMPDIR="$TMP/spool" "$BOXTRAIL" events -q - <"$TMP/fifo" >/dev/null 2>&1 &
reader=$!
sleep 1
during=$(ls -A "$TMP/spool" | wc -l)
kill -INT "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
check "no spool file visible while stdin is read" 0 "$during"
check "no spool file after SIGPIPE and Ctrl-C" 0 "$(ls -A "$TMP/spool" | wc -l)"
finish

#!/bin/sh
# The CLI's contract: usage, help, exit status, stdout discipline, and what -q
# leaves on stderr.
. "$top_srcdir/tests/lib.sh"

expect_rc "no arguments is a usage error" 2 "$BOXTRAIL"
[ -s "$TMP/err" ] && [ ! -s "$TMP/out" ] && pass "usage error on stderr only" || fail "usage error must go to stderr only"
expect_rc "--help" 0 "$BOXTRAIL" --help
grep -q '^Usage: boxtrail' "$TMP/out" && [ ! -s "$TMP/err" ] && pass "--help on stdout" || fail "--help must print to stdout"
expect_rc "--version" 0 "$BOXTRAIL" --version
grep -q '^boxtrail [0-9]' "$TMP/out" && grep -q "^libevtx [0-9]" "$TMP/out" && grep -q "^libxml2 [0-9]" "$TMP/out" && grep -q "^PCRE2 [0-9]" "$TMP/out" \
	&& pass "--version names libraries" || fail "--version output: $(cat "$TMP/out")"
expect_rc "unknown command" 2 "$BOXTRAIL" frobnicate
expect_rc "events --help" 0 "$BOXTRAIL" events --help
grep -q 'Usage: boxtrail events' "$TMP/out" || fail "events --help text"
expect_rc "events without PATH" 2 "$BOXTRAIL" events
expect_rc "events bad format" 2 "$BOXTRAIL" events -f xml "$TMP"
expect_rc "events bad number" 2 "$BOXTRAIL" events --worker-timeout 12x "$TMP"

# A directory without evidence: nothing processed.
mkdir -p "$TMP/empty" "$TMP/notes"
echo "just some notes" >"$TMP/notes/readme.txt"
expect_rc "empty directory" 2 "$BOXTRAIL" events "$TMP/empty"
expect_rc "directory of non-evidence" 2 "$BOXTRAIL" events "$TMP/notes"
[ ! -s "$TMP/out" ] && pass "nothing on stdout" || fail "stdout not empty"
grep -q 'no evidence files recognised' "$TMP/err" && pass "says no evidence" || fail "no 'no evidence' message"

# A named file that is not evidence: one-line error naming it.
expect_rc "named non-evidence file" 2 "$BOXTRAIL" events "$TMP/notes/readme.txt"
grep -q "readme.txt: error: not a recognised evidence format" "$TMP/err" \
	&& pass "named file error" || fail "named file error: $(cat "$TMP/err")"
expect_rc "missing file" 2 "$BOXTRAIL" events "$TMP/does-not-exist.evtx"
grep -q "does-not-exist.evtx: error: cannot open" "$TMP/err" && pass "missing file named" || fail "missing file message"

# A truncated EVTX signature only: recognised, unreadable.
printf 'ElfFile\000' >"$TMP/tiny.evtx"
expect_rc "tiny EVTX is unreadable" 2 "$BOXTRAIL" events "$TMP/tiny.evtx"
grep -q "tiny.evtx: error: not readable as EVTX" "$TMP/err" && pass "tiny EVTX reported" || fail "tiny EVTX: $(cat "$TMP/err")"

# Escape sequences in file names reach stderr neutralised.
evil=$(printf 'evil\033]0;pwned\007.txt')
printf 'x' >"$TMP/$evil"
"$BOXTRAIL" events "$TMP/$evil" >/dev/null 2>"$TMP/err"
if grep -q "$(printf '\033')" "$TMP/err"; then fail "raw ESC reached stderr"; else pass "file name escaped on stderr"; fi
grep -q 'evil\\x1b]0;pwned\\x07.txt' "$TMP/err" && pass "visible escape" || fail "escape form: $(cat "$TMP/err")"

# Usage errors of the shared reading options.
expect_rc "stdin twice" 2 "$BOXTRAIL" events - -
expect_rc "--files-from - with PATH -" 2 "$BOXTRAIL" events --files-from - -
grep -q 'standard input cannot serve both' "$TMP/err" && pass "stdin conflict explained" || fail "stdin conflict message"
expect_rc "-0 without --files-from" 2 "$BOXTRAIL" events -0 "$TMP"
expect_rc "bad --since" 2 "$BOXTRAIL" events --since yesterday "$TMP"
expect_rc "bad --event-id" 2 "$BOXTRAIL" events --event-id 4624,x "$TMP"
expect_rc "missing --files-from file" 2 "$BOXTRAIL" events --files-from "$TMP/nope.txt"

# output that cannot be written (a full disk): said, and exit 2, whether it
# went through stdio (a small file's events) or straight out (a large one's)
if [ -w /dev/full ]; then
	for f in "$top_srcdir/samples/SRV-BUILD01/Application.evtx" "$top_srcdir/samples/SRV-BUILD01/Sysmon.evtx"; do
		"$BOXTRAIL" events -f jsonl "$f" >/dev/full 2>"$TMP/full.err"
		rc=$?
		[ $rc -eq 2 ] && grep -q 'error writing output' "$TMP/full.err" &&
			pass "full disk reported ($(basename "$f"))" || fail "full disk ($(basename "$f")): rc $rc $(cat "$TMP/full.err")"
	done
fi


# --- -q: only errors on stderr; the output and exit status unchanged (issue 16)
# Evidence with warnings and notes: a Sysmon log with flipped bits in its first
# chunk, a dockerd log with 13 bad lines (10 warnings shown, then a note counts
# the rest); errors: a missing file and an EVTX unreadable as EVTX.
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
EVTXGEN=$top_builddir/tests/tools/evtxgen
Q=$TMP/quiet
mkdir -p "$Q/ev" "$Q/rules"
cp "$top_srcdir/samples/SRV-BUILD01/Security.evtx" "$top_srcdir/samples/SRV-BUILD01/dockerd.log" "$Q/ev/"
"$EVTXGEN" mutate bitflip --chunk 0 --count 64 --seed 3 "$top_srcdir/samples/SRV-BUILD01/Sysmon.evtx" \
	"$Q/ev/Sysmon.evtx" || fail "evtxgen mutate (is tests/tools/evtxgen built?)"
i=0
while [ $i -lt 13 ]; do
	printf 'time="2026-03-14T10:00:0%sZ" level=info msg="\001\002"\n' $((i % 10))
	i=$((i + 1))
done >>"$Q/ev/dockerd.log"
printf 'ElfFile\000' >"$Q/ev/tiny.evtx"
# hunt: a correlation that names a rule not loaded (a warning)
cat >"$Q/rules/corr.yml" <<'YML'
title: Counts a rule that is not there
id: 3f7d4e80-6c5b-4a0d-9e43-9b2c8d5f4a33
level: high
correlation:
  type: event_count
  rules: [no-such-rule]
  group-by: [Computer]
  timespan: 10m
  condition: {gte: 2}
YML
# rules: a broken rule file and a missing --rules path (errors), the summary
cp "$top_srcdir/tests/data/sigma/mixed/broken.yml" "$Q/rules/"

# quiet_pair NAME WANT_RC ARGS...: runs `boxtrail ARGS` and `boxtrail ARGS -q`
# and checks what -q changes: nothing but stderr, where only the errors stay.
quiet_pair() {
	name=$1 want=$2
	shift 2
	"$BOXTRAIL" "$@" >"$Q/out" 2>"$Q/err"
	rc=$?
	"$BOXTRAIL" "$@" -q >"$Q/qout" 2>"$Q/qerr"
	qrc=$?
	check "$name: exit status" "$want" "$rc"
	check "$name -q: the same exit status" "$rc" "$qrc"
	cmp -s "$Q/out" "$Q/qout" && [ -s "$Q/out" ] && pass "$name -q: the same standard output" \
		|| fail "$name -q: standard output differs or is empty"
	grep ': error: ' "$Q/err" >"$Q/errors" && pass "$name: errors shown" \
		|| fail "$name: no error: $(head -3 "$Q/err")"
	cmp -s "$Q/errors" "$Q/qerr" && pass "$name -q: stderr holds the same errors and nothing else" \
		|| fail "$name -q: stderr: $(diff "$Q/errors" "$Q/qerr" | head -5)"
}
# a note: a line of stderr that is neither an error nor a warning
has_note() { grep -v ': error: \|: warning: ' "$Q/err" | grep -q .; }

quiet_pair "events" 4 events -f jsonl "$Q/ev" "$Q/missing.evtx" "$Q/ev/tiny.evtx"
grep -q 'Sysmon.evtx: warning: chunk 0' "$Q/err" && grep -q 'dockerd.log: warning: line ' "$Q/err" \
	&& pass "events: EVTX and Docker log warnings shown" || fail "events warnings: $(head -5 "$Q/err")"
grep -q 'dockerd.log: 3 more warnings not shown' "$Q/err" && pass "events: a note past the warning cap" \
	|| fail "events: no note of the warnings not shown"
grep -q 'stats: .*Sysmon.evtx: .*corrupt_chunks=1' "$Q/err" && pass "events: a lossy file's summary shown" \
	|| fail "events: no summary of the damaged file"

quiet_pair "hunt" 5 hunt -f jsonl --rules "$Q/rules/corr.yml" "$Q/ev" "$Q/missing.evtx" "$Q/ev/tiny.evtx"
grep -q "corr.yml: warning: correlation 'Counts a rule that is not there'" "$Q/err" \
	&& pass "hunt: a rule's warning shown" || fail "hunt: no rule warning: $(head -5 "$Q/err")"
grep -q 'rules loaded' "$Q/err" && grep -q ' findings (' "$Q/err" && pass "hunt: summaries shown" \
	|| fail "hunt: summaries"
grep -q 'Sysmon.evtx: warning: ' "$Q/err" && has_note && pass "hunt: reading warnings and notes shown" \
	|| fail "hunt: reading warnings"

quiet_pair "hosts" 4 hosts -f jsonl "$Q/ev" "$Q/missing.evtx" "$Q/ev/tiny.evtx"
grep -q 'dockerd.log: warning: line ' "$Q/err" && has_note && pass "hosts: warnings and notes shown" \
	|| fail "hosts: warnings: $(head -5 "$Q/err")"

quiet_pair "rules" 4 rules --rules "$Q/rules" --rules "$Q/missing-rules"
grep -q 'broken.yml: error: rule file: ' "$Q/err" && grep -q 'missing-rules: error: cannot open' "$Q/err" \
	&& pass "rules: a rule file that cannot be read is an error" || fail "rules errors: $(cat "$Q/err")"
grep -q 'rules: [0-9]* files, ' "$Q/err" && pass "rules: summary shown" || fail "rules: no summary"

# errors that end a run stay: a malformed --host-map line, a usage error
printf 'only-a-name\n' >"$Q/bad.map"
expect_rc "hunt -q: malformed --host-map" 2 "$BOXTRAIL" hunt -q --host-map "$Q/bad.map" "$Q/ev"
grep -q 'bad.map: error: line 1: expected NAME IP' "$TMP/err" && pass "hunt -q: the --host-map error shown" \
	|| fail "hunt -q --host-map: $(cat "$TMP/err")"
expect_rc "events -q: usage error" 2 "$BOXTRAIL" events -q --since yesterday "$Q/ev"
grep -q "is not an RFC 3339 time" "$TMP/err" && pass "events -q: the usage error shown" \
	|| fail "events -q usage error: $(cat "$TMP/err")"

# --stats is data asked for: printed with -q too, without the warnings
"$BOXTRAIL" events -q --stats -f jsonl "$Q/ev" >/dev/null 2>"$Q/qerr"
check "events -q --stats: exit status" 4 $?
grep -q 'stats: .*Sysmon.evtx: format=evtx' "$Q/qerr" && grep -q 'stats: total: ' "$Q/qerr" \
	&& pass "events -q --stats: per-file and total statistics" || fail "events -q --stats: $(cat "$Q/qerr")"
grep -v '^boxtrail: stats: \|: error: ' "$Q/qerr" | grep -q . \
	&& fail "events -q --stats: more than statistics and errors: $(grep -v 'stats: ' "$Q/qerr" | head -3)" \
	|| pass "events -q --stats: statistics and errors only"
"$BOXTRAIL" hunt -q --stats -f jsonl "$Q/ev" >/dev/null 2>"$Q/qerr"
check "hunt -q --stats: exit status" 5 $?
grep -q 'stats: [0-9]* events read, ' "$Q/qerr" && ! grep -v '^boxtrail: stats: \|: error: ' "$Q/qerr" | grep -q . \
	&& pass "hunt -q --stats: statistics and errors only" || fail "hunt -q --stats: $(head -5 "$Q/qerr")"

finish

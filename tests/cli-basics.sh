#!/bin/sh
# The CLI's contract without evidence: usage, help, exit status, stdout discipline.
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

finish

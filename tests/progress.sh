#!/bin/bash
# Progress on stderr: drawn when stderr is a terminal and a run lasts (files
# done/total, bytes, rate), erased at the end; never with --quiet, never when
# stderr is not a terminal. The run is made long by a slow pipe on stdin.
. "$top_srcdir/tests/lib.sh"
command -v script >/dev/null || skip "script(1) (bsdutils) is not installed"
log=$top_srcdir/samples/SRV-BUILD01/dockerd.log
head -c 3000 "$log" >"$TMP/a.log"
tail -c +3001 "$log" >"$TMP/b.log"
slow() {  # slow [OPTIONS]: boxtrail events on a pipe that pauses 1 s, and DC01
	echo "(cat '$TMP/a.log'; sleep 1; cat '$TMP/b.log') | '$BOXTRAIL' events -j 1 $* - '$top_srcdir/samples/DC01' >/dev/null"
}

# on a terminal (script(1) gives the command one)
script -qec "sh -c \"$(slow)\"" /dev/null >"$TMP/tty" </dev/null
grep -aq 'boxtrail: 0/2 files, .* of .*B, .*/s' "$TMP/tty" \
	&& pass "progress drawn on a terminal" || fail "no progress line on a terminal: $(od -c "$TMP/tty" | head -3)"
[ "$(tail -c 4 "$TMP/tty" | od -An -c | tr -d ' ')" = '\r033[K' ] \
	&& pass "progress line erased at the end" || fail "progress line not erased: $(tail -c 20 "$TMP/tty" | od -c)"

# --quiet on a terminal
script -qec "sh -c \"$(slow -q)\"" /dev/null >"$TMP/quiet" </dev/null
grep -aq 'files,' "$TMP/quiet" && fail "progress drawn with --quiet" || pass "no progress with --quiet"

# stderr not a terminal
sh -c "$(slow) 2>'$TMP/err'"
[ -s "$TMP/err" ] && fail "stderr not a terminal, yet: $(head -c 200 "$TMP/err" | od -c | head -3)" \
	|| pass "no progress when stderr is not a terminal"
finish

#!/bin/sh
# libevtx runs in a worker process: its crash or hang costs only that file.
# (--reader libevtx: the native reader starts libevtx only for left-overs.)
. "$top_srcdir/tests/lib.sh"

printf 'ElfFile\000' >"$TMP/a.evtx"
printf 'ElfFile\000' >"$TMP/b.evtx"

# A worker that dies of SIGSEGV before sending anything.
cat >"$TMP/crash-worker" <<'SH'
#!/bin/sh
kill -SEGV $$
SH
chmod +x "$TMP/crash-worker"
BOXTRAIL_EVTX_WORKER="$TMP/crash-worker" "$BOXTRAIL" events --reader libevtx "$TMP/a.evtx" "$TMP/b.evtx" >"$TMP/out" 2>"$TMP/err"
check "crash on every file: nothing readable" 2 $?
check "each crashed file reported" 2 "$(grep -c 'libevtx crashed (signal 11) after 0 records' "$TMP/err")"

# A worker that hangs: stopped after the timeout, the next file still read.
cat >"$TMP/hang-worker" <<'SH'
#!/bin/sh
exec sleep 60
SH
chmod +x "$TMP/hang-worker"
start=$(date +%s)
BOXTRAIL_EVTX_WORKER="$TMP/hang-worker" "$BOXTRAIL" events --reader libevtx --worker-timeout 1 "$TMP/a.evtx" "$TMP/b.evtx" >"$TMP/out" 2>"$TMP/err"
rc=$?
end=$(date +%s)
check "hang: nothing readable" 2 "$rc"
check "hang reported per file" 2 "$(grep -c 'libevtx made no progress for 1 s' "$TMP/err")"
[ $((end - start)) -lt 20 ] && pass "hung workers were stopped" || fail "took $((end - start)) s"

# With a real file: a crash after some records keeps those records and says so.
real=""
if [ -d "${SHARED_CORPUS:-/nonexistent}" ]; then
	real="$SHARED_CORPUS/Velocidex__evtx/testdata/Security.evtx"
fi
[ -f "$top_srcdir/samples/SRV-BUILD01/Security.evtx" ] && real="$top_srcdir/samples/SRV-BUILD01/Security.evtx"
if [ -n "$real" ] && [ -f "$real" ]; then
	cat >"$TMP/partial-worker" <<SH
#!/bin/sh
"$BOXTRAIL" __evtx-worker "\$2" | head -c 20000
kill -SEGV \$\$
SH
	chmod +x "$TMP/partial-worker"
	total=$("$BOXTRAIL" events --reader libevtx "$real" 2>/dev/null | wc -l)
	BOXTRAIL_EVTX_WORKER="$TMP/partial-worker" "$BOXTRAIL" events --reader libevtx "$real" \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	got=$(wc -l <"$TMP/out")
	check "partial crash: partial exit status" 4 "$rc"
	[ "$got" -gt 0 ] && [ "$got" -lt "$total" ] && pass "records before the crash kept ($got of $total)" \
		|| fail "partial crash kept $got of $total"
	grep -q "libevtx crashed (signal 11) after $got records" "$TMP/err" && pass "crash names the count" \
		|| fail "crash message: $(cat "$TMP/err")"
	grep -q 'INCOMPLETE' "$TMP/err" && pass "stats say incomplete" || fail "no INCOMPLETE in stats"
else
	echo "note: no real EVTX file (samples/ or shared corpus): partial-crash check not run"
fi
# A file the native reader reads whole needs no worker: a LiveId log whose
# ANSI values hold markup (once left to libevtx) reads the same with a
# worker that would crash.
liveid=""
[ -d "${SHARED_CORPUS:-/nonexistent}" ] &&
	liveid="$SHARED_CORPUS/omerbenamram__evtx/samples/2-system-Microsoft-Windows-LiveId%4Operational.evtx"
if [ -n "$liveid" ] && [ -f "$liveid" ]; then
	"$BOXTRAIL" events "$liveid" >"$TMP/all" 2>/dev/null
	BOXTRAIL_EVTX_WORKER="$TMP/crash-worker" "$BOXTRAIL" events --stats "$liveid" \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	check "native reader alone: exit status" 0 "$rc"
	cmp -s "$TMP/all" "$TMP/out" && pass "native reader alone: every event" ||
		fail "events differ with a crashing worker"
	grep -q 'libevtx_started=0 ' "$TMP/err" && pass "no libevtx worker started" ||
		fail "libevtx started: $(grep 'stats:' "$TMP/err" | head -1)"
else
	echo "note: shared corpus absent: LiveId check not run"
fi
# Slack-space recovery is native: a worker serving left-over live records
# that dies, or libevtx that cannot run at all, changes nothing there.
EVTXGEN=$top_builddir/tests/tools/evtxgen
if [ -x "$EVTXGEN" ]; then
	mkdir -p "$TMP/g"
	"$EVTXGEN" scale --quiet --size 2M --file-size 2M --seed 7 --out "$TMP/g" || fail "evtxgen scale"
	cp "$TMP"/g/Sysmon-0001.evtx "$TMP/d.evtx"
	for c in 1 3 5 7 9 11 13 15; do
		"$EVTXGEN" mutate bitflip --chunk $c --seed $((c + 20)) --count 400 "$TMP/d.evtx" "$TMP/d2.evtx" &&
			mv "$TMP/d2.evtx" "$TMP/d.evtx" || fail "mutate"
	done
	stat_of() { sed -n "s/.*stats: -: .* $1=\([0-9]*\) .*/\1/p" "$2"; }
	"$BOXTRAIL" events --stats - <"$TMP/d.evtx" >/dev/null 2>"$TMP/ok.err"
	want=$(stat_of recovered "$TMP/ok.err")
	[ "${want:-0}" -gt 0 ] && [ "$(stat_of failed "$TMP/ok.err")" -gt 0 ] &&
		pass "damaged file: $want records recovered, some left to libevtx" ||
		fail "damaged file has nothing to test with: $(grep 'stats: -' "$TMP/ok.err")"
	cat >"$TMP/serve-crash" <<SH
#!/bin/sh
for a in "\$@"; do [ "\$a" = --serve ] && kill -SEGV \$\$; done
exec "$BOXTRAIL" "\$@"
SH
	chmod +x "$TMP/serve-crash"
	BOXTRAIL_EVTX_WORKER="$TMP/serve-crash" "$BOXTRAIL" events --stats - <"$TMP/d.evtx" >/dev/null 2>"$TMP/sc.err"
	grep -q 'libevtx crashed (signal 11)' "$TMP/sc.err" && pass "serving worker's crash reported" ||
		fail "no crash: $(grep 'stats: -' "$TMP/sc.err")"
	check "recovered records after the serving worker died" "$want" "$(stat_of recovered "$TMP/sc.err")"
	BOXTRAIL_EVTX_WORKER="$TMP/crash-worker" "$BOXTRAIL" events --stats - <"$TMP/d.evtx" >/dev/null 2>"$TMP/ca.err"
	rc=$?
	check "libevtx never runs: partial exit status" 4 "$rc"
	check "libevtx never runs: records left to it counted as failed" \
		"$(( $(stat_of failed "$TMP/ok.err") + $(sed -n 's/.* read_by_libevtx=\([0-9]*\) .*/\1/p' "$TMP/ok.err" | head -1) ))" \
		"$(stat_of failed "$TMP/ca.err")"
	# slack space is the native recovery pass's: no libevtx needed there
	check "libevtx never runs: slack records still recovered" "$want" \
		"$(stat_of recovered "$TMP/ca.err")"
	grep -q 'records outside the live records recovered' "$TMP/ca.err" &&
		pass "libevtx never runs: the recovery summary is given" ||
		fail "no recovery summary: $(grep 'stats: -' "$TMP/ca.err")"
else
	echo "note: evtxgen not built: slack recovery after a worker crash not checked"
fi

finish

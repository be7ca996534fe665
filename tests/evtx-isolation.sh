#!/bin/sh
# libevtx runs in a worker process: its crash or hang costs only that file.
. "$top_srcdir/tests/lib.sh"

printf 'ElfFile\000' >"$TMP/a.evtx"
printf 'ElfFile\000' >"$TMP/b.evtx"

# A worker that dies of SIGSEGV before sending anything.
cat >"$TMP/crash-worker" <<'SH'
#!/bin/sh
kill -SEGV $$
SH
chmod +x "$TMP/crash-worker"
BOXTRAIL_EVTX_WORKER="$TMP/crash-worker" "$BOXTRAIL" events "$TMP/a.evtx" "$TMP/b.evtx" >"$TMP/out" 2>"$TMP/err"
check "crash on every file: nothing readable" 2 $?
check "each crashed file reported" 2 "$(grep -c 'libevtx crashed (signal 11) after 0 records' "$TMP/err")"

# A worker that hangs: stopped after the timeout, the next file still read.
cat >"$TMP/hang-worker" <<'SH'
#!/bin/sh
exec sleep 60
SH
chmod +x "$TMP/hang-worker"
start=$(date +%s)
BOXTRAIL_EVTX_WORKER="$TMP/hang-worker" "$BOXTRAIL" events --worker-timeout 1 "$TMP/a.evtx" "$TMP/b.evtx" >"$TMP/out" 2>"$TMP/err"
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
	total=$("$BOXTRAIL" events "$real" 2>/dev/null | wc -l)
	BOXTRAIL_EVTX_WORKER="$TMP/partial-worker" "$BOXTRAIL" events "$real" >"$TMP/out" 2>"$TMP/err"
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
finish

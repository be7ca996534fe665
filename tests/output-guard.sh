#!/bin/sh
# Every option that writes a file goes through one guard (src/outfile.c):
# never an input or a path inside one, never over a file without --force,
# opened before the run, no temporary left behind. The run record hashes the
# bytes the run read, or says they changed. Output write errors exit 2.
. "$top_srcdir/tests/lib.sh"
cp -a "$top_srcdir/samples" "$TMP/ev"
rm -rf "$TMP/ev/src"
hashes() { (cd "$TMP/ev" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
hashes >"$TMP/before"

# --- --run-record: refused targets (each checked before anything is read) ---
refused() { # NAME PATTERN ARGS...
	name=$1 pat=$2
	shift 2
	# without -q: the refusal must be the only line (no rules loaded, nothing read)
	"$BOXTRAIL" hunt -f jsonl "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$pat" "$TMP/err" && ! [ -s "$TMP/out" ] &&
		[ "$(wc -l <"$TMP/err")" = 1 ]; then
		pass "$name (exit 2, before the run)"
	else
		fail "$name: exit $rc, stdout $(wc -c <"$TMP/out") bytes, stderr: $(head -2 "$TMP/err")"
	fi
}
refused "--run-record over an input file" "refused: it is an input of this run" \
	--run-record "$TMP/ev/DC01/Security.evtx" "$TMP/ev"
refused "--run-record over an input, even with --force" "refused: it is an input of this run" \
	--force --run-record "$TMP/ev/DC01/Security.evtx" "$TMP/ev"
refused "--run-record inside an input directory" "refused: it is inside the evidence directory" \
	--run-record "$TMP/ev/run.json" "$TMP/ev"
refused "--run-record inside it by another name (..)" "inside the evidence directory" \
	--run-record "$TMP/ev/DC01/../SRV-BUILD01/run.json" "$TMP/ev"
ln -s "$TMP/ev" "$TMP/evlink"
refused "--run-record inside it through a symlink" "inside the evidence directory" \
	--run-record "$TMP/evlink/run.json" "$TMP/ev"
ln "$TMP/ev/DC01/Security.evtx" "$TMP/hardlink.evtx"
refused "--run-record onto a hard link of an input" "refused: it is an input of this run" \
	--force --run-record "$TMP/hardlink.evtx" "$TMP/ev"
printf '%s\n' "$TMP/ev/DC01/Security.evtx" >"$TMP/list"
refused "--run-record over an input named by --files-from" "refused: it is an input" \
	--force --run-record "$TMP/ev/DC01/Security.evtx" --files-from "$TMP/list"
refused "--run-record into a missing directory" "directory" \
	--run-record "$TMP/nodir/run.json" "$TMP/ev"
echo old >"$TMP/existing.json"
refused "--run-record over an existing file" "the file exists (use --force" \
	--run-record "$TMP/existing.json" "$TMP/ev"
check "the existing file is untouched" old "$(cat "$TMP/existing.json")"
hashes >"$TMP/after"
cmp -s "$TMP/before" "$TMP/after" && pass "evidence unchanged after the refused runs" \
	|| fail "evidence changed"

# --- accepted: a new file, --force over an old one, a device ---------------
expect_rc "--run-record to a new file" 1 "$BOXTRAIL" hunt -q -f jsonl --run-record "$TMP/rr.json" "$TMP/ev"
jq -e '.exit_status == 1 and ([.inputs[] | select(.status == "read")] | length) == 5 and
	all(.inputs[] | select(.status == "read"); .hash_of_bytes_read == true)' \
	"$TMP/rr.json" >/dev/null && pass "record: exit status, five inputs, hashes of the bytes read" \
	|| fail "record content: $(head -c 400 "$TMP/rr.json")"
expect_rc "--force replaces an existing file" 1 \
	"$BOXTRAIL" hunt -q -f jsonl --force --run-record "$TMP/existing.json" "$TMP/ev"
jq -e '.schema == "boxtrail.run/1"' "$TMP/existing.json" >/dev/null && pass "replaced by a record" \
	|| fail "not replaced: $(head -c 100 "$TMP/existing.json")"
# a pipe (process substitution, /dev/stdout into a pipe) is written directly
"$BOXTRAIL" hunt -q -f jsonl --run-record /dev/stdout "$TMP/ev/DC01" 2>"$TMP/err" | cat >"$TMP/piped"
grep -q '"schema":"boxtrail.run/1"' "$TMP/piped" && pass "a pipe is written directly" \
	|| fail "/dev/stdout into a pipe: $(head -c 200 "$TMP/err")"
"$BOXTRAIL" hunt -q -f jsonl --run-record /dev/null "$TMP/ev/DC01" >/dev/null 2>"$TMP/err"
check "a character device (/dev/null) is written directly" 1 $?
[ -c /dev/null ] && pass "/dev/null is still a device" || fail "/dev/null was replaced"
left=$(find "$TMP" -maxdepth 1 -name '.*boxtrail-*' | wc -l)
check "no temporary file left beside the records" 0 "$left"

# --- the run record hashes what was read: a file changed during the run -----
# A worker wrapper (the documented test hook) appends to the evidence after
# boxtrail opened it, then serves as the real worker.
cp "$TMP/ev/DC01/Security.evtx" "$TMP/grow.evtx"
cat >"$TMP/touch-worker" <<SH
#!/bin/sh
printf 'x' >>"$TMP/grow.evtx"
exec "$BOXTRAIL" "\$@"
SH
chmod +x "$TMP/touch-worker"
# (without -q: the change is a warning)
BOXTRAIL_EVTX_WORKER="$TMP/touch-worker" "$BOXTRAIL" hunt -f jsonl --reader libevtx \
	--run-record "$TMP/changed.json" "$TMP/grow.evtx" >/dev/null 2>"$TMP/err"
rc=$?
check "a file changed during the run: partial (+4), findings" 5 "$rc"
grep -q 'changed while it was read' "$TMP/err" && pass "the change is reported when reading ends" \
	|| fail "no change warning: $(head -3 "$TMP/err")"
grep -q 'its SHA-256 is of the file as it is now' "$TMP/err" && pass "the record says its hash is not of the bytes read" \
	|| fail "no hash warning: $(head -3 "$TMP/err")"
jq -e '.inputs[0].hash_of_bytes_read == false and .exit_status == 5' "$TMP/changed.json" >/dev/null \
	&& pass "record: hash_of_bytes_read false, exit status 5" \
	|| fail "record: $(head -c 400 "$TMP/changed.json")"
"$BOXTRAIL" events --stats "$TMP/grow.evtx" 2>&1 >/dev/null | grep -q CHANGED \
	&& fail "an unchanged file reported CHANGED" || pass "an unchanged file is not CHANGED"

# --- exit status when the output cannot be written ---------------------------
if [ -w /dev/full ]; then
	expect_rc "hunt >/dev/full: 2, no findings bit" 2 sh -c "'$BOXTRAIL' hunt -q -f jsonl '$TMP/ev' >/dev/full"
	grep -q 'error writing output: No space left on device' "$TMP/err" \
		&& pass "output error names its reason" || fail "message: $(cat "$TMP/err")"
	echo junk >"$TMP/junk.txt"
	expect_rc "hunt >/dev/full with partial input: 6" 6 \
		sh -c "'$BOXTRAIL' hunt -q -f jsonl '$TMP/ev' '$TMP/junk.txt' >/dev/full"
	expect_rc "events >/dev/full: 2" 2 sh -c "'$BOXTRAIL' events -q '$TMP/ev' >/dev/full"
	"$BOXTRAIL" hunt -q -f jsonl --run-record "$TMP/full.json" "$TMP/ev" >/dev/full 2>/dev/null
	jq -e '.exit_status == 2' "$TMP/full.json" >/dev/null \
		&& pass "the run record states exit status 2" || fail "record: $(head -c 300 "$TMP/full.json")"
else
	echo "note: /dev/full not writable here; output-error checks not run"
fi
finish

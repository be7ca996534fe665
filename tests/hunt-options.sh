#!/bin/sh
# hunt's options beyond the golden run: --run-record, --suppress, --host-map,
# --window, --stats, --rules/--no-builtin, usage errors.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
cd "$top_srcdir" || exit 99
CHAIN=6b1f9e27-4c3a-4d85-a0e6-93c2d7b5f410

# --run-record: every input with size and SHA-256, versions, command line, counts
"$BOXTRAIL" hunt -q -f jsonl --run-record "$TMP/run.json" samples/ >/dev/null 2>&1
check "run record: exit status" 1 $?
$PY - "$TMP/run.json" <<'PY' || fail "run record content"
import hashlib, json, os, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "boxtrail.run/1"
assert r["tool"]["name"] == "boxtrail" and r["tool"]["version"]
assert r["libraries"]["libevtx"] and r["libraries"]["libxml2"]
assert r["command_line"][-1] == "samples/" and "--run-record" in r["command_line"]
assert r["start"] <= r["end"] and r["exit_status"] == 1 and r["findings"] >= 5
assert r["rules"]["loaded"] > 0 and len(r["rules"]["sha256"]) == 64
files = {i["path"]: i for i in r["inputs"]}
for p in ("samples/DC01/Security.evtx", "samples/SRV-BUILD01/Sysmon.evtx"):
    i = files[p]
    assert i["sha256"] == hashlib.sha256(open(p, "rb").read()).hexdigest(), p
    assert i["size"] == os.path.getsize(p) and i["records"] > 0 and i["failed"] == 0, i
print("run record: %d inputs hashed, %d findings" % (len(files), r["findings"]))
PY

# --suppress: a malformed list is refused; a rule+host entry removes findings
printf 'only-a-rule-id\n' >"$TMP/bad.sup"
expect_rc "--suppress: malformed list is fatal" 2 "$BOXTRAIL" hunt -q --suppress "$TMP/bad.sup" samples/
grep -q 'bad.sup: error: line 1' "$TMP/err" && pass "malformed line named" || fail "suppress error: $(cat "$TMP/err")"
# a line over 4096 bytes is not read as two entries: it is a malformed line
# (a good first line for each: reading stops at the first bad line)
{ echo '* host=NOSUCHHOST'; head -c 5000 /dev/zero | tr '\0' x; echo; } >"$TMP/long--suppress.sup"
{ echo 'nosuchhost 192.0.2.1'; head -c 5000 /dev/zero | tr '\0' x; echo; } >"$TMP/long--host-map.sup"
for opt in --suppress --host-map; do
	"$BOXTRAIL" hunt -q $opt "$TMP/long$opt.sup" samples/ >/dev/null 2>"$TMP/err"
	check "$opt: over-long line is fatal" 2 $?
	grep -q "long$opt.sup: error: line 2: longer than 4096 bytes" "$TMP/err" && pass "$opt: over-long line named" \
		|| fail "$opt over-long line: $(cat "$TMP/err")"
done
printf '# the build host is known\n%s host=srv-build01\n* TargetUserName=jdoe@*\n' "$CHAIN" >"$TMP/ok.sup"
"$BOXTRAIL" hunt -f jsonl --suppress "$TMP/ok.sup" samples/ >"$TMP/sup.jsonl" 2>"$TMP/err"
grep -q "$CHAIN" "$TMP/sup.jsonl" && fail "suppressed rule still reported" || pass "rule+host entry suppresses"
grep -q '"jdoe@CORP.LOCAL"' "$TMP/sup.jsonl" && fail "events of jdoe still reported" || pass "event-field entry suppresses"
grep -q 'suppress removed' "$TMP/err" && pass "suppression counted on stderr" || fail "no suppression count"

# --host-map: without Sysmon, the DC's address is joined through the analyst's map
mkdir -p "$TMP/nosysmon/SRV" "$TMP/nosysmon/DC"
cp samples/SRV-BUILD01/Application.evtx samples/SRV-BUILD01/Security.evtx "$TMP/nosysmon/SRV/"
cp samples/DC01/Security.evtx "$TMP/nosysmon/DC/"
"$BOXTRAIL" hunt -f jsonl "$TMP/nosysmon" 2>/dev/null | grep -q "$CHAIN" \
	&& fail "chain without any host link" || pass "no host link: no chain"
printf 'SRV-BUILD01.corp.local 10.20.30.41 2026-03-14\n' >"$TMP/hosts.txt"
"$BOXTRAIL" hunt -f jsonl --host-map "$TMP/hosts.txt" "$TMP/nosysmon" 2>/dev/null >"$TMP/hm.jsonl"
grep -q "$CHAIN" "$TMP/hm.jsonl" && pass "host map joins the chain" || fail "host map did not join"
grep -q 'learned from host-map' "$TMP/hm.jsonl" && pass "finding shows how the link was learned" \
	|| fail "no host-map note"
printf 'SRV-BUILD01 10.20.30.41 2026-03-15\n' >"$TMP/late.txt"
"$BOXTRAIL" hunt -f jsonl --host-map "$TMP/late.txt" "$TMP/nosysmon" 2>/dev/null | grep -q "$CHAIN" \
	&& fail "a link outside its validity window was used" || pass "validity window respected"

# --window: a built-in correlation's timespan: at 60 s the chain keeps the container start
# and the module loads (44 s later) but not the Kerberos burst (66 s later)
"$BOXTRAIL" hunt -f jsonl --window 60s samples/ 2>/dev/null | grep "$CHAIN" | jq -r .end >"$TMP/end"
check "--window 60s narrows the chain" "2026-03-14T09:12:49.2310000Z" "$(cat "$TMP/end")"
expect_rc "--window junk" 2 "$BOXTRAIL" hunt --window 10x samples/

# --stats: per-rule hit counts
"$BOXTRAIL" hunt -q -f jsonl --stats samples/ >/dev/null 2>"$TMP/stats"
grep -q 'stats: rule 81e519eb-4d8b-42ef-8b3b-500df9c2d157: 1 hits' "$TMP/stats" && pass "per-rule hit count" \
	|| fail "stats: $(grep 'rule ' "$TMP/stats" | head -3)"

# --rules with --no-builtin: only the user's rules
mkdir "$TMP/rules"
cat >"$TMP/rules/asrep.yml" <<'YML'
title: Any TGT for svc_legacy
id: 0d0d0d0d-0000-4000-8000-000000000001
level: low
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4768, TargetUserName: svc_legacy}
  condition: sel
YML
"$BOXTRAIL" hunt -f jsonl --no-builtin --rules "$TMP/rules" samples/ 2>/dev/null | jq -r .rule.id | sort -u >"$TMP/ids"
check "--no-builtin --rules: only the user rule" "0d0d0d0d-0000-4000-8000-000000000001" "$(cat "$TMP/ids")"
expect_rc "no rules at all is fatal" 2 "$BOXTRAIL" hunt --no-builtin samples/
expect_rc "unknown format" 2 "$BOXTRAIL" hunt -f xml samples/
finish

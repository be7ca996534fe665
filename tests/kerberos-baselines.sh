#!/bin/sh
# Kerberos judged against the evidence's own baseline (issue 19): generated
# incidents (tests/data/kerberos, written by make-incidents.py) with forged
# tickets in each form beside genuine activity of the same accounts.
#   A: corp.internal, DC01 + DC02 + FS01, one day of logs each.
#   B: lab.example, one DC whose log begins late on day 1 and runs 8 days.
# Each check names the rule, the group and whether it must fire.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
EVTXGEN=$top_builddir/tests/tools/evtxgen
data=$top_srcdir/tests/data/kerberos

ABSENT_TGT=3c9e7b15-2f4d-4a86-b1c0-9e5d3a7f2c81
ABSENT_RENEW=4d0f8c26-3a5e-4b97-82d1-af6e4b8a3d91
ABSENT_LOGON=5e1a9d37-4b6f-4ca8-93e2-b07f5c9b4ea1
REALM=6f2b0e48-5c7a-4db9-a4f3-c18a6dac5fb1
DOMAIN=7a3c1f59-6d8b-4eca-b504-d29b7ebd60c1
CIPHER=8b4d2a6a-7e9c-4fdb-8615-e3ac8fce71d1

gen() { # gen SPEC OUT
	mkdir -p "$(dirname "$2")"
	"$EVTXGEN" write "$data/$1" "$2" 2>"$TMP/gen.err" || fail "evtxgen $1: $(cat "$TMP/gen.err")"
}
for h in DC01 DC02 FS01; do gen "A-$h.jsonl" "$TMP/A/$h/Security.evtx"; done
gen B-dc1.jsonl "$TMP/B/dc1-Security.evtx"

# digest FILE: one line per finding: rule id, severity, summary
digest() {
	$PY -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print(d["rule"]["id"], d["severity"], d["summary"], " || ".join(d.get("notes", [])))
' "$1"
}
# has DIGEST RULE SEVERITY PATTERN: a finding of RULE at SEVERITY whose
# summary matches PATTERN
has() { grep -E "^$2 $3 .*$4" "$1" >/dev/null && echo yes || echo no; }

BT() { "$BOXTRAIL" hunt -f jsonl --min-level informational "$@"; }

BT "$TMP/A" >"$TMP/a.jsonl" 2>"$TMP/a.err"
check "incident A: exit status (findings)" 1 $?
digest "$TMP/a.jsonl" >"$TMP/a"
# forged TGT: spelled by hand and spelled right; genuine accounts quiet
check "A: administrator's ticket has no TGT" yes "$(has "$TMP/a" $ABSENT_TGT high 'TicketAccount=administrator\)')"
check "A: svc_backup's ticket has no TGT" yes "$(has "$TMP/a" $ABSENT_TGT high 'TicketAccount=svc_backup\)')"
for acct in alice bob carol dave; do
	check "A: $acct's tickets are explained" no "$(has "$TMP/a" $ABSENT_TGT '[a-z]+' "TicketAccount=$acct\\)")"
done
check "A: the note names both DCs' logs" yes \
	"$(grep "^$ABSENT_TGT high .*TicketAccount=svc_backup" "$TMP/a" | grep -q "dc01's Security" &&
		grep "^$ABSENT_TGT high .*TicketAccount=svc_backup" "$TMP/a" | grep -q "dc02's Security" && echo yes || echo no)"
# realm spelled unlike the DCs spell it (the built-in lower-case rule misses CORP.internal)
check "A: realm CORP.internal against CORP.INTERNAL" yes "$(has "$TMP/a" $REALM high 'TicketRealm CORP.internal in 1 of 14 .*usual: CORP.INTERNAL in 13')"
check "A: domain name CORP.internal" yes "$(has "$TMP/a" $DOMAIN high 'TargetDomainName CORP.internal in 1 of 14')"
check "A: the lower-case-realm rule alone misses it" no "$(has "$TMP/a" 43e5a6f8-f371-46a6-b0f6-81fb26ac9559 high '')"
check "A: one realm finding" 1 "$(grep -c "^$REALM " "$TMP/a")"
# RC4 TGT for an account whose TGTs are AES
check "A: dave's RC4 TGT" yes "$(has "$TMP/a" $CIPHER medium 'TicketCipher RC4 in 1 of 6 events \(TicketAccount=dave\); usual: AES in 5')"
check "A: one cipher finding" 1 "$(grep -c "^$CIPHER " "$TMP/a")"
# a logon whose ticket no DC issued (silver ticket); bob's and the golden
# ticket's logons carry a LogonGuid a DC's 4769 carries
check "A: FS01 logon with a ticket no DC issued" yes "$(has "$TMP/a" $ABSENT_LOGON high 'LogonGuid=\{5115e125-1111-4222-8333-444455556666\}')"
check "A: one logon finding" 1 "$(grep -c "^$ABSENT_LOGON " "$TMP/a")"
# the DCs' logs cover one day, not 7: a renewal is not judged against 7 days
check "A: renewals not judged on one day of logs" 0 "$(grep -c "^$ABSENT_RENEW " "$TMP/a")"

# The second DC holds bob's TGT: without DC02's log, bob's ticket on DC01 is
# unexplained (and DC01's log covers the 10 hours before it).
mkdir -p "$TMP/A1"
cp -r "$TMP/A/DC01" "$TMP/A/FS01" "$TMP/A1/"
BT "$TMP/A1" >"$TMP/a1.jsonl" 2>/dev/null
digest "$TMP/a1.jsonl" >"$TMP/a1"
check "A without DC02: bob's ticket has no TGT" yes "$(has "$TMP/a1" $ABSENT_TGT high 'TicketAccount=bob\)')"

# --ticket-lifetime: alice's ticket at 12:00 is 4 h after her TGT
BT --ticket-lifetime 1h "$TMP/A" >"$TMP/a2.jsonl" 2>/dev/null
digest "$TMP/a2.jsonl" >"$TMP/a2"
check "--ticket-lifetime 1h: alice's later tickets unexplained" yes "$(has "$TMP/a2" $ABSENT_TGT high 'within 1h before \(TicketAccount=alice\)')"
check "--ticket-lifetime 1h: bob's ticket 3 h after his TGT on DC02" yes "$(has "$TMP/a2" $ABSENT_TGT high 'TicketAccount=bob\)')"
expect_rc "--ticket-lifetime nonsense" 2 "$BOXTRAIL" hunt --ticket-lifetime 10x "$TMP/A"
grep -q "ticket-lifetime '10x'" "$TMP/err" && pass "bad lifetime named" || fail "bad lifetime not named"

# A filter that leaves out the TGTs must not make their tickets unexplained;
# --since leaves out the time before it, so the logs cover less.
BT --event-id 4769 "$TMP/A" >"$TMP/f1.jsonl" 2>"$TMP/f1.err"
check "--event-id 4769: no absence judged" 0 "$(grep -c "$ABSENT_TGT" "$TMP/f1.jsonl")"
grep -q "not judged: --event-id, --channel or --provider leave out" "$TMP/f1.err" &&
	pass "--event-id 4769: said why nothing was judged" || fail "--event-id: $(cat "$TMP/f1.err")"
BT --since 2026-05-10T14:00:00Z "$TMP/A" >"$TMP/f2.jsonl" 2>/dev/null
digest "$TMP/f2.jsonl" >"$TMP/f2"
check "--since 14:00: administrator's ticket only weakly judged (1 h of log before it)" yes \
	"$(has "$TMP/f2" $ABSENT_TGT informational 'TicketAccount=administrator\).*only part')"

# Incident B: the DC's log begins at 09:00 on day 1.
BT "$TMP/B" >"$TMP/b.jsonl" 2>"$TMP/b.err"
digest "$TMP/b.jsonl" >"$TMP/b"
check "B: frank's ticket fires weaker (informational)" yes "$(has "$TMP/b" $ABSENT_TGT informational 'TicketAccount=frank\).*only part')"
check "B: the weaker note says how far back the log reaches" yes \
	"$(grep "^$ABSENT_TGT .*TicketAccount=frank" "$TMP/b" | grep -q "weaker: dc1's Security log reaches back only 2h before" && echo yes || echo no)"
check "B: gina's ticket in the log's first record is not judged" no "$(has "$TMP/b" $ABSENT_TGT '[a-z]+' 'TicketAccount=gina\)')"
grep -q "1 event not judged" "$TMP/b.err" && pass "B: the unjudged event is counted on stderr" || fail "B: no unjudged count: $(cat "$TMP/b.err")"
check "B: henry's ticket is explained" no "$(has "$TMP/b" $ABSENT_TGT '[a-z]+' 'TicketAccount=henry\)')"
check "B: ghost's renewal without a TGT in 7 days" yes "$(has "$TMP/b" $ABSENT_RENEW high 'within 7d before \(TicketAccount=ghost\)')"
check "B: henry's renewal is explained" no "$(has "$TMP/b" $ABSENT_RENEW high 'TicketAccount=henry\)')"
"$BOXTRAIL" hunt -f jsonl "$TMP/B" 2>/dev/null | grep -c "$ABSENT_TGT" >"$TMP/n"
check "B: the weaker finding is below the default --min-level" 0 "$(cat "$TMP/n")"
# --renew-lifetime: henry's renewal comes 9 h after his TGT
BT --renew-lifetime 1h "$TMP/B" 2>/dev/null >"$TMP/b2.jsonl"
digest "$TMP/b2.jsonl" >"$TMP/b2"
check "B: --renew-lifetime 1h: henry's renewal unexplained" yes "$(has "$TMP/b2" $ABSENT_RENEW high 'within 1h before \(TicketAccount=henry\)')"

# A member server's log alone: no domain controller's log, nothing judged.
BT "$TMP/A/FS01" >"$TMP/c.jsonl" 2>"$TMP/c.err"
check "FS01 alone: no logon finding" 0 "$(grep -c "$ABSENT_LOGON" "$TMP/c.jsonl")"
grep -q "not judged" "$TMP/c.err" && pass "FS01 alone: its logons counted as not judged" || fail "FS01 alone: $(cat "$TMP/c.err")"

# boxtrail baseline: the learned facts, each with its provenance.
"$BOXTRAIL" baseline -f jsonl "$TMP/A" >"$TMP/facts.jsonl" 2>"$TMP/facts.err"
check "baseline: exit status" 0 $?
$PY -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["kind"] == "witness_log":
        s = d["spans"][0]
        print("witness", d["host"], d["channel"], len(d["spans"]), s["first"][:19], s["last"][:19],
              s["file"].endswith("/Security.evtx"), len(d["rules"]))
    else:
        print("value", d["rule"][:8], d["group"], d["field"], d["value"], d["count"], d["total"],
              d["usual"], d["first_file"].rsplit("/", 2)[-2], d["first_record"])
' "$TMP/facts.jsonl" >"$TMP/facts" || fail "baseline: JSONL"
for want in \
	"witness dc01 Security 1 2026-05-10T00:00:01 2026-05-10T23:59:04 True 3" \
	"witness dc02 Security 1 2026-05-10T00:00:02 2026-05-10T23:59:04 True 3" \
	"value 6f2b0e48 RealmKey=corp TicketRealm CORP.INTERNAL 13 14 True DC01 1003" \
	"value 6f2b0e48 RealmKey=corp TicketRealm CORP.internal 1 14 False DC01 1012" \
	"value 8b4d2a6a TicketAccount=dave TicketCipher AES 5 6 True DC02 1002" \
	"value 8b4d2a6a TicketAccount=dave TicketCipher RC4 1 6 False DC01 1010"; do
	grep -qxF "$want" "$TMP/facts" && pass "baseline: $want" || fail "baseline: no '$want' in: $(cat "$TMP/facts")"
done
check "baseline: FS01 is no witness" 0 "$(grep -c '^witness fs01' "$TMP/facts")"
"$BOXTRAIL" baseline -f text "$TMP/A" 2>/dev/null | grep -q "^    dc01 Security, witness for: " &&
	pass "baseline: text lists the witness logs" || fail "baseline: text"

# The manual's example of the extension (BASELINES, "first seen"), as printed.
mkdir -p "$TMP/userrules"
awk '/^\.\\" example: first-seen/ { want = 1; next }
	want && /^\.Bd -literal/ { inb = 1; next }
	inb && /^\.Ed/ { exit }
	inb { gsub(/\\e/, "\\"); print }' "$top_srcdir/man/boxtrail.1" >"$TMP/userrules/first_seen.yml"
grep -q 'type: absent' "$TMP/userrules/first_seen.yml" || fail "manual example not found"
BT --rules "$TMP/userrules" "$TMP/A" >"$TMP/u.jsonl" 2>"$TMP/u.err"
digest "$TMP/u.jsonl" >"$TMP/u"
FIRST=1f0c3a52-9d84-4e1b-a7c6-3b2e5d8f9a01
check "manual example: bob's first logon on FS01" yes "$(has "$TMP/u" $FIRST low 'TargetUserName=bob, Host=fs01\)')"
check "manual example: administrator's first logon on FS01, once (17:00 follows 15:00)" 1 \
	"$(grep -c "^$FIRST low .*TargetUserName=administrator, Host=fs01)" "$TMP/u")"
check "manual example: two findings" 2 "$(grep -c "^$FIRST " "$TMP/u")"
check "manual example: note names FS01's log only" yes \
	"$(grep "^$FIRST .*bob" "$TMP/u" | grep -q "(fs01's Security) cover the 8h" && echo yes || echo no)"

# An unknown setting of the boxtrail map skips the rule and says why.
sed 's/    timespan: 8h/    timespan: 8h\n    boxtrail:\n        skews: 5m/' "$TMP/userrules/first_seen.yml" >"$TMP/bad.yml"
mkdir -p "$TMP/badrules" && mv "$TMP/bad.yml" "$TMP/badrules/"
"$BOXTRAIL" rules --rules "$TMP/badrules" --no-builtin >"$TMP/r.out" 2>&1
grep -q "boxtrail: 'skews' is not a setting of type absent" "$TMP/r.out" && pass "unknown boxtrail setting named" ||
	fail "unknown boxtrail setting: $(grep -i skew "$TMP/r.out")"

finish

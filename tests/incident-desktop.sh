#!/bin/sh
# Incident 3 of issue 15 (tests/data/incidents/desktop-workstation/EXPECTED.md):
# `boxtrail hunt` with no options on a Windows workstation with Docker Desktop
# and its domain controller, both collected with KAPE, finds the privileged
# container with C:\ mounted that Docker Desktop ran on WS-FIN-22 and links its
# start - known from Docker Desktop's current log/vm/init.log (JSON lines), far
# from winevt/Logs in the collection - to the Kerberoast DC-EAST logged from
# WS-FIN-22's address. The first create of that container got a 404 (image
# missing) and is not a container of its own; a create that never happened
# (report-db) is not reported as a started container; nothing of the benign
# activity is reported.

. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
EVTXGEN=$top_builddir/tests/tools/evtxgen
[ -x "$EVTXGEN" ] || skip "tests/tools/evtxgen is not built (make check builds it)"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR

sh "$top_srcdir/tests/data/incidents/build.sh" "$EVTXGEN" "$TMP/inc" desktop-workstation ||
	{ echo "build.sh failed" >&2; exit 99; }
cd "$TMP/inc" || exit 99

HELPER=17bddbeb96f02c28128733a55d087bb440910bbd8c509281724c6dcaf1ddab4e
LEDGER=cf8da101e8148f5f90c932d38dd0bba9adaba7bec497f3637bf41edffe468a03
OLD_LEDGER=9da16521c1cd44d6363f9f7311ab15c303fc23783bc00f6ee5eade520d7168f1
HOST_ACCESS=3d7a2c95-e1f4-4b6a-8d09-5c8e1b4f2a76
LINKED=6b1f9e27-4c3a-4d85-a0e6-93c2d7b5f410
SWEEP=75559a97-19d2-4c3b-8a86-d15c121de0de
VM=desktop-workstation/WS-FIN-22/C/Users/jsmith/AppData/Local/Docker/log/vm

"$BOXTRAIL" hunt desktop-workstation >"$TMP/f.jsonl" 2>"$TMP/err"
check "exit status: findings" 1 $?
jq -e . "$TMP/f.jsonl" >/dev/null || fail "findings are not JSON Lines"
# The whole run, finding by finding with its evidence, as kept in the golden
# digest (tests/hunt_digest.py; regenerate it when a change is meant).
golden=$top_srcdir/tests/data/hunt/incident-desktop-workstation-findings.txt
"$PY" "$top_srcdir/tests/hunt_digest.py" <"$TMP/f.jsonl" >"$TMP/digest" || fail "JSONL schema"
if diff -u "$golden" "$TMP/digest" >"$TMP/diff"; then
	pass "golden: the findings of $(basename "$golden") ($(grep -c '^finding' "$TMP/digest"))"
else
	fail "findings differ from $golden"; cat "$TMP/diff" >&2
fi
jq -r '[.time, .severity, .kind, .rule.title, (.hosts | join(",")), (.container.name // "-")] | @tsv' \
	"$TMP/f.jsonl" | sed 's/^/    /'
"$BOXTRAIL" events desktop-workstation >"$TMP/ev.jsonl" 2>"$TMP/everr"
check "events: exit status" 0 $?

q() {   # q NAME JQ-FILTER [FILE]: the filter over the slurped file is true
	if jq -e -s "$2" "${3:-$TMP/f.jsonl}" >/dev/null 2>"$TMP/jqerr"; then pass "$1"; else
		fail "$1"; sed 's/^/    jq: /' "$TMP/jqerr" >&2
	fi
}
WSH='(ascii_downcase | test("^ws-fin-22(\\.northwind\\.lan)?$"))'
DCH='(ascii_downcase | test("^dc-east(\\.northwind\\.lan)?$"))'
REC='[.evidence[].copies[] | select(.file | endswith("DC-EAST/C/Windows/System32/winevt/Logs/Security.evtx")) | .record_id]'
SYSMON='[.evidence[].copies[] | select(.file | endswith("Microsoft-Windows-Sysmon%4Operational.evtx")) | .record_id]'
INIT='[.evidence[].copies[] | select(.file | endswith("log/vm/init.log")) | .line]'

# 1. Docker Desktop's logs belong to the collection's host (they name none).
# `boxtrail events` prints the host each file states (none here); the hunt gives
# them their collection's (manual, COLLECTIONS AND HOST IDENTITY). A rule that
# matches every Docker event shows which host the hunt gave each file's events.
q "events: init.log and the stale log/vm/dockerd.log are both read" \
	"any(.[]; .file | endswith(\"log/vm/init.log\")) and any(.[]; .file | endswith(\"log/vm/dockerd.log\"))" \
	"$TMP/ev.jsonl"
cat >"$TMP/any-docker.yml" <<'EOF'
title: Any Docker Event (test)
id: 5b0c8e1a-7d2f-4c39-9a61-2e4f8b7d0c13
status: test
logsource:
    product: docker
detection:
    selection:
        Action|contains: '.'
    condition: selection
level: low
EOF
"$BOXTRAIL" hunt --no-builtin --rules "$TMP/any-docker.yml" desktop-workstation >"$TMP/any.jsonl" 2>"$TMP/anyerr"
check "hunt with a rule for every Docker event: exit status" 1 $?
ANY='[.[].evidence[] | select(any(.copies[]; .file | endswith($f)))]'
q "hunt: every init.log event is WS-FIN-22's" \
	"\"log/vm/init.log\" as \$f | $ANY | length > 0 and all(.host // \"\" | $WSH)" "$TMP/any.jsonl"
q "hunt: every event of the stale log/vm/dockerd.log is WS-FIN-22's" \
	"\"log/vm/dockerd.log\" as \$f | $ANY | length > 0 and all(.host // \"\" | $WSH)" "$TMP/any.jsonl"
q "events: init.log's dockerd lines are container facts (wsl-helper started, its 64-hex id)" \
	"any(.[] | select(.file | endswith(\"log/vm/init.log\")); .fields.Action == \"container.start\"
	     and .fields.ContainerID == \"$HELPER\")" "$TMP/ev.jsonl"
q "events: the create body in init.log says Privileged, C:\\ (as the VM sees it) mounted" \
	"any(.[] | select(.file | endswith(\"log/vm/init.log\")); .fields.Action == \"container.create\"
	     and .fields.Privileged == \"true\"
	     and ([.fields.MountSource] | flatten | index(\"/run/desktop/mnt/host/c\")))" "$TMP/ev.jsonl"
# The implementer names the mark; any field saying "unconfirmed" will do.
q "events: report-db's create (404, image never pulled) is marked unconfirmed, never started" \
	"[.[] | select(.fields.ContainerName == \"report-db\")] as \$r
	 | (\$r | length > 0) and all(\$r[]; .fields.Action != \"container.start\")
	   and any(\$r[]; [.. | strings] | any(test(\"unconfirmed\"; \"i\")))" "$TMP/ev.jsonl"

# 2. The privileged container with C:\ mounted, once.
q "host access: one finding for wsl-helper on WS-FIN-22 (13:41)" "
	[.[] | select(.rule.id == \"$HOST_ACCESS\" and any(.hosts[]; $WSH)
	              and (.time | startswith(\"2026-09-03T13:41\")))] as \$f
	| (\$f | length == 1) and ((\$f[0].container.name // \"\") == \"wsl-helper\"
	                          or (\$f[0].container.id // \"\" | startswith(\"17bddbeb96f0\")))"
q "host access: the docker run command line (Sysmon 1408920) and the daemon's create (init.log)" "
	.[] | select(.rule.id == \"$HOST_ACCESS\" and any(.hosts[]; $WSH))
	| ($SYSMON | index(1408920)) != null and ($INIT | any(. == 28 or . == 29))"

# 3. The correlated finding.
q "linked: one finding joins wsl-helper's start to the Kerberoast, hosts WS-FIN-22 and DC-EAST" "
	[.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $WSH) and any(.hosts[]; $DCH))] | length == 1"
q "linked: the six RC4 TGS (27704706-27704712 but 27704708)" "
	.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $WSH)) | $REC | unique
	| contains([27704706, 27704707, 27704709, 27704710, 27704711, 27704712])"
q "linked: opened by wsl-helper's start in init.log (13:41:19)" "
	.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $WSH))
	| any(.evidence[]; (.host // \"\" | $WSH) and .fields.Action == \"container.start\"
	                    and .fields.ContainerID == \"$HELPER\"
	                    and any(.copies[]; .file | endswith(\"log/vm/init.log\")))"
q "linked: its notes say 10.30.8.22 was WS-FIN-22 and init.log's host came from the collection" "
	.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $WSH))
	| any(.notes[]; test(\"10\\\\.30\\\\.8\\\\.22\") and test(\"WS-FIN-22\"; \"i\"))
	  and any(.notes[]; test(\"init\\\\.log\") and test(\"WS-FIN-22\"; \"i\"))"
q "linked: only wsl-helper's container in it" "
	.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $WSH))
	| [.evidence[].fields.ContainerID // empty] | all(. == \"$HELPER\")"
q "Kerberoasting sweep from 10.30.8.22 (6 services)" "
	any(.[]; .rule.id == \"$SWEEP\"
	    and ($REC | sort) == [27704706, 27704707, 27704709, 27704710, 27704711, 27704712])"

# 4. What must not be found.
q "not found: ledger-recon (her project folder only), today or in August" "
	all(.[]; all(.evidence[]; (.fields.ContainerID // \"\") as \$c
	             | \$c != \"$LEDGER\" and \$c != \"$OLD_LEDGER\"
	             and (.fields.ContainerName // \"\") != \"ledger-recon\"))"
q "not found: report-db as a container with host access or a start" "
	all(.[]; (.container.name // \"\") != \"report-db\")"
q "not found: the 404'd first create as a container of its own" "
	[.[] | select(($INIT | index(25)) != null and ($INIT | index(28) // index(29) // index(30)) == null)]
	| length == 0"
q "not found: 4771 (27704593), RC4 for SCAN-FL2\$ (27704623), jsmith's AES tickets (27704573/74, 27704610)" "
	[.[] | $REC[]] | (index(27704593) // index(27704623) // index(27704573) // index(27704574)
	                  // index(27704610)) == null"
q "not found: anything of the stale dockerd.log (August)" "
	all(.[]; all(.evidence[].copies[]; .file | endswith(\"log/vm/dockerd.log\") | not))"
q "every finding names its host (WS-FIN-22 or DC-EAST)" "
	all(.[]; (.hosts | length) > 0 and all(.hosts[]; $WSH or $DCH))"
finish

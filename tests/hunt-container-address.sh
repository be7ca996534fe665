#!/bin/sh
# "Kerberos Network Logon From a Container NAT Address" (a rule tagged
# boxtrail.container_address) stands only when some evidence names the
# address's network as a container network; otherwise it is informational,
# with a note saying why (a LAN numbered in 172.16.0.0/12 looks alike).
# Two collections: a domain controller's Security log alone, then with a
# Docker host whose dockerd log names its bridge network.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
EVTXGEN=$top_builddir/tests/tools/evtxgen
PY=${PYTHON:-python3}
NAT=fb2e7c3b-91ce-4f89-bc7a-67ff0dc573c2
mkdir -p "$TMP/lan/DC01" "$TMP/docker/DC01" "$TMP/docker/BUILD07"
cat >"$TMP/dc.jsonl" <<'J'
{"defaults": {"computer": "DC01.corp.example", "channel": "Security", "provider": "Microsoft-Windows-Security-Auditing", "provider_guid": "{54849625-5478-4994-A5BA-3E3B0328C30D}", "keywords": "0x8020000000000000", "process_id": 640, "thread_id": 1812}}
{"event_id": 4624, "version": 2, "level": 0, "task": 12544, "time": "2026-11-30T08:15:02.1000000Z", "record_id": 500, "data": [{"name": "SubjectUserSid", "type": "sid", "value": "S-1-0-0"}, {"name": "SubjectUserName", "value": "-"}, {"name": "SubjectDomainName", "value": "-"}, {"name": "SubjectLogonId", "type": "hexint64", "value": "0x0"}, {"name": "TargetUserSid", "type": "sid", "value": "S-1-5-21-1111111111-2222222222-3333333333-1106"}, {"name": "TargetUserName", "value": "svc_build"}, {"name": "TargetDomainName", "value": "CORP"}, {"name": "TargetLogonId", "type": "hexint64", "value": "0x5b9a0d"}, {"name": "LogonType", "type": "uint32", "value": 3}, {"name": "LogonProcessName", "value": "Kerberos"}, {"name": "AuthenticationPackageName", "value": "Kerberos"}, {"name": "WorkstationName", "value": "-"}, {"name": "LogonGuid", "type": "guid", "value": "{3A9C1D2E-0000-0000-0000-000000000001}"}, {"name": "TransmittedServices", "value": "-"}, {"name": "LmPackageName", "value": "-"}, {"name": "KeyLength", "type": "uint32", "value": 0}, {"name": "ProcessId", "type": "hexint64", "value": "0x0"}, {"name": "ProcessName", "value": "-"}, {"name": "IpAddress", "value": "172.20.5.9"}, {"name": "IpPort", "value": "49702"}, {"name": "ImpersonationLevel", "value": "%%1833"}]}
J
"$EVTXGEN" write "$TMP/dc.jsonl" "$TMP/lan/DC01/Security.evtx" || exit 99
cp "$TMP/lan/DC01/Security.evtx" "$TMP/docker/DC01/Security.evtx"
cat >"$TMP/docker/BUILD07/dockerd.log" <<'L'
time="2026-11-30T08:00:01.000000000Z" level=info msg="Starting up"
time="2026-11-30T08:00:02.120000000Z" level=info msg="Default bridge (docker0) is assigned with an IP address 172.20.0.0/16. Daemon option --bip can be used to set a preferred IP address"
time="2026-11-30T08:00:02.300000000Z" level=info msg="API listen on /var/run/docker.sock"
L

# finding NAME DIR: the NAT rule's finding (JSON) of a hunt over DIR at every level
finding() {
	"$BOXTRAIL" hunt -q -f jsonl --min-level informational "$2" >"$TMP/$1.jsonl" 2>"$TMP/$1.err"
	$PY - "$TMP/$1.jsonl" "$NAT" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f.get("rule", {}).get("id") == sys.argv[2]:
        print(json.dumps(f))
PY
}

# a LAN in 172.16.0.0/12 and no container evidence: informational, said why
f=$(finding lan "$TMP/lan")
[ -n "$f" ] || fail "no NAT-address finding at all over the LAN collection: $(cat "$TMP/lan.jsonl")"
echo "$f" | $PY -c '
import json, sys
f = json.loads(sys.stdin.read())
assert f["severity"] == "informational", f["severity"]
assert any("no evidence names the network of 172.20.5.9 as a container network" in n for n in f["notes"]), f["notes"]
' && pass "LAN address: informational, with the reason" || fail "LAN finding: $f"
# the default level hides it
"$BOXTRAIL" hunt -q -f jsonl "$TMP/lan" >"$TMP/lan-default.jsonl" 2>/dev/null
grep -q "$NAT" "$TMP/lan-default.jsonl" && fail "informational finding shown at the default level" ||
	pass "default level: not shown"

# dockerd names 172.20.0.0/16 as its bridge: the finding stands (low), with the evidence
f=$(finding docker "$TMP/docker")
echo "$f" | $PY -c '
import json, sys
f = json.loads(sys.stdin.read())
assert f["severity"] == "low", f["severity"]
n = [n for n in f["notes"] if "lies in a container network the evidence names: 172.20.0.0/16" in n]
assert n and "dockerd.log:2" in n[0], f["notes"]
' && pass "bridge named by dockerd: low, the network and its line cited" || fail "docker finding: $f"
finish

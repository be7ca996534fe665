#!/bin/sh
# Issue 24, the correlation to the guest: the ESXi incident of
# tests/data/esxi-incident with the Windows host that runs in the VM it powers
# on (WIN-BUILD01: the Docker service installed, a privileged container
# started; EVTX written here with evtxgen from guest-src/). One critical
# finding joins the ESXi tampering, the VM's power-on and the container,
# the guest linked to its hypervisor by the VM's name in hostd.log (or by
# --host-map "vm NAME ESXIHOST"), and says how. Nothing joins when the
# container comes after the window, when the guest's name is not the VM's
# and no map says so, or on the benign host.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
EVTXGEN=$top_builddir/tests/tools/evtxgen
[ -x "$EVTXGEN" ] || skip "tests/tools/evtxgen is not built (make check builds it)"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
I=$top_srcdir/tests/data/esxi-incident
CHAIN=3e8d5b17-9a2c-4c61-b7f4-6d0e1a9c8b52
HOST_ACCESS=3d7a2c95-e1f4-4b6a-8d09-5c8e1b4f2a76

# build DIR [SED]: the incident and the guest's EVTX (its sources edited by SED) in DIR
build() {
	mkdir -p "$1"
	cp -R "$I"/esx-* "$I"/uac-* "$1/"
	grep -v '^#' "$I/guest-src/EVTX" | while read -r j e; do
		mkdir -p "$(dirname "$1/$e")"
		sed "${2:-s/^//}" "$I/guest-src/$j" >"$TMP/src.jsonl"
		"$EVTXGEN" write "$TMP/src.jsonl" "$1/$e" || echo "evtxgen failed on $j" >&2
	done
}
chain() { jq -c --arg r "$CHAIN" 'select(.rule.id == $r)' "$1"; }
# the guest's privileged container on its own: its evidence was read
guest_read() { jq -r --arg r "$HOST_ACCESS" 'select(.rule.id == $r) | .hosts[0]' "$1"; }

build "$TMP/a"
"$BOXTRAIL" hunt "$TMP/a" >"$TMP/f.jsonl" 2>"$TMP/err"
check "exit status: findings" 1 $?
check "one chain finding" 1 "$(chain "$TMP/f.jsonl" | wc -l | tr -d ' ')"
chain "$TMP/f.jsonl" >"$TMP/c.json"
check "critical, on the hypervisor and its guest" "critical esx-prod01.corp.example,WIN-BUILD01.corp.example" \
	"$(jq -r '"\(.severity) \(.hosts | join(","))"' "$TMP/c.json")"
check "its steps: tampering, power-on, container start" \
	"shell.log:3 vobd.log:3 shell.log:5 esxupdate.log:2 hostd.log:5 hostd.log:6 Application.evtx#5204" \
	"$(jq -r '[.evidence[] | (.copies[0].file | split("/") | last) + (if .copies[0].line then ":" + (.copies[0].line | tostring) else "#" + (.copies[0].record_id | tostring) end)] | join(" ")' "$TMP/c.json")"
check "the guest's link to its hypervisor, with its evidence" 1 \
	"$(jq -r '.notes[]' "$TMP/c.json" | grep -c '^WIN-BUILD01.corp.example ran as the VM WIN-BUILD01 on esx-prod01.corp.example (hostd power-on, .*/var/run/log/hostd.log:5)$')"
check "the ESXi findings stay too" 3 \
	"$(jq -r 'select(.hosts == ["esx-prod01.corp.example"]) | .rule.id' "$TMP/f.jsonl" | wc -l | tr -d ' ')"
check "nothing on the benign host" 0 "$(grep -c 'esx-prod02' "$TMP/f.jsonl")"

# the same ESXi logs collected with UAC: their host from live_response, the
# VM's link from the collection's host once it is known
mkdir -p "$TMP/uac"
cp -R "$TMP/a/WIN-BUILD01" "$TMP/uac/"
U="$TMP/uac/uac-esx-prod01-esxi-20260914112000"
mkdir -p "$U/[root]/var/run" "$U/live_response/system"
cp -R "$TMP/a/esx-esx-prod01.corp.example-2026-09-14--11.20-2105550/var/run/log" "$U/[root]/var/run/log"
echo esx-prod01.corp.example >"$U/live_response/system/hostname.txt"
"$BOXTRAIL" hunt "$TMP/uac" >"$TMP/f.jsonl" 2>"$TMP/err"
check "UAC on ESXi: the chain" "critical esx-prod01.corp.example,WIN-BUILD01.corp.example" \
	"$(chain "$TMP/f.jsonl" | jq -r '"\(.severity) \(.hosts | join(","))"')"

# the container 30 minutes later: past the window, no chain
build "$TMP/late" 's/2026-09-14T10:11:4\([01]\)/2026-09-14T10:41:4\1/'
"$BOXTRAIL" hunt "$TMP/late" >"$TMP/f.jsonl" 2>"$TMP/err"
check "container after the window: no chain" 0 "$(chain "$TMP/f.jsonl" | wc -l | tr -d ' ')"
check "... though its container was read" "WIN-BUILD01.corp.example" "$(guest_read "$TMP/f.jsonl")"

# a guest whose name is not the VM's: no link, unless the host map gives it
build "$TMP/other" 's/WIN-BUILD01\.corp\.example/BUILDAGENT7.corp.example/'
"$BOXTRAIL" hunt "$TMP/other" >"$TMP/f.jsonl" 2>"$TMP/err"
check "guest named otherwise: no chain" 0 "$(chain "$TMP/f.jsonl" | wc -l | tr -d ' ')"
check "... though its container was read" "BUILDAGENT7.corp.example" "$(guest_read "$TMP/f.jsonl")"
printf '# the build agent runs as a VM on esx-prod01\nvm BUILDAGENT7 esx-prod01.corp.example\n' >"$TMP/map.txt"
"$BOXTRAIL" hunt --host-map "$TMP/map.txt" "$TMP/other" >"$TMP/f.jsonl" 2>"$TMP/err"
check "... with --host-map vm BUILDAGENT7: the chain" 1 "$(chain "$TMP/f.jsonl" | wc -l | tr -d ' ')"
check "... and the note names the map's line" 1 \
	"$(chain "$TMP/f.jsonl" | jq -r '.notes[]' | grep -c "ran as the VM BUILDAGENT7 on esx-prod01.corp.example (--host-map, $TMP/map.txt:2)")"
finish

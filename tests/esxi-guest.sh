#!/bin/sh
# Issue 24, the correlation to the guest: the ESXi incident of
# tests/data/esxi-incident with the Windows host that runs in the VM it powers
# on (WIN-BUILD01: the Docker service installed, a privileged container
# started; EVTX written here with evtxgen from guest-src/). One critical
# finding joins the ESXi tampering, the VM's power-on and the runtime's
# installation and the container, the guest linked to its hypervisor by the
# VM's name in hostd.log, by the guest's name its vmware.log states
# (guestinfo.hostname), or by --host-map "vm NAME ESXIHOST", and says how.
# The runtime's installation alone is enough for the third step. Nothing
# joins when the guest's activity comes after the window, when the guest's
# name is not the VM's and nothing says so, or on the benign host.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
EVTXGEN=$top_builddir/tests/tools/evtxgen
[ -x "$EVTXGEN" ] || skip "tests/tools/evtxgen is not built (make check builds it)"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
I=$top_srcdir/tests/data/esxi-incident
CHAIN=3e8d5b17-9a2c-4c61-b7f4-6d0e1a9c8b52
HOST_ACCESS=3d7a2c95-e1f4-4b6a-8d09-5c8e1b4f2a76

# build DIR [SED [ONLY]]: the incident and the guest's EVTX (its sources edited
# by SED; only the logs matching ONLY) in DIR
build() {
	mkdir -p "$1"
	cp -R "$I"/esx-* "$I"/uac-* "$1/"
	grep -v '^#' "$I/guest-src/EVTX" | grep -e "${3:-.}" | while read -r j e; do
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
# steps FILE: the chain's evidence as log:line or log#record, in time order
steps() {
	chain "$1" | jq -r '[.evidence[] | (.copies[0].file | split("/") | last) + (if .copies[0].line then ":" + (.copies[0].line | tostring) else "#" + (.copies[0].record_id | tostring) end)] | join(" ")'
}
check "its steps: tampering, power-on, runtime installed and container start" \
	"shell.log:3 vobd.log:3 shell.log:5 esxupdate.log:2 esxupdate.log:3 hostd.log:5 hostd.log:6 System.evtx#30117 Application.evtx#5204" \
	"$(steps "$TMP/f.jsonl")"
check "the guest's link to its hypervisor, with its evidence" 1 \
	"$(jq -r '.notes[]' "$TMP/c.json" | grep -c '^WIN-BUILD01.corp.example ran as the VM WIN-BUILD01 on esx-prod01.corp.example (hostd power-on, .*/var/run/log/hostd.log:5)$')"
check "the ESXi findings stay too" 4 \
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

# the guest's runtime installation alone (no container yet): the chain
build "$TMP/rt" "" System.jsonl
"$BOXTRAIL" hunt "$TMP/rt" >"$TMP/f.jsonl" 2>"$TMP/err"
check "runtime installed, no container: the chain" 1 "$(chain "$TMP/f.jsonl" | wc -l | tr -d ' ')"
check "... its third step the Docker service's installation" \
	"shell.log:3 vobd.log:3 shell.log:5 esxupdate.log:2 esxupdate.log:3 hostd.log:5 hostd.log:6 System.evtx#30117" \
	"$(steps "$TMP/f.jsonl")"

# the runtime and the container 30 minutes later: past the window, no chain
build "$TMP/late" 's/2026-09-14T10:1\([01]\):/2026-09-14T10:4\1:/'
"$BOXTRAIL" hunt "$TMP/late" >"$TMP/f.jsonl" 2>"$TMP/err"
check "runtime and container after the window: no chain" 0 "$(chain "$TMP/f.jsonl" | wc -l | tr -d ' ')"
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

# the VM build-vm-07 runs the guest WIN-CT01: hostd names the VM, its
# vmware.log (in the bundle, in the VM's folder) the guest's host name
build "$TMP/ct" 's/WIN-BUILD01\.corp\.example/WIN-CT01.corp.example/'
B=$(echo "$TMP/ct"/esx-*)
sed -i.orig 's/WIN-BUILD01/build-vm-07/g' "$B/var/run/log/hostd.log" && rm -f "$B/var/run/log/hostd.log.orig"
"$BOXTRAIL" hunt "$TMP/ct" >"$TMP/f.jsonl" 2>"$TMP/err"
check "VM and guest named otherwise, no vmware.log: no chain" 0 "$(chain "$TMP/f.jsonl" | wc -l | tr -d ' ')"
check "... though its container was read" "WIN-CT01.corp.example" "$(guest_read "$TMP/f.jsonl")"
mkdir -p "$B/vmfs/volumes/66e1a0b2-5c3d9e10-ds01/build-vm-07"
cp "$I/guest-src/build-vm-07.vmware.log" "$B/vmfs/volumes/66e1a0b2-5c3d9e10-ds01/build-vm-07/vmware.log"
"$BOXTRAIL" hunt "$TMP/ct" >"$TMP/f.jsonl" 2>"$TMP/err"
check "with the VM's vmware.log: the chain" "critical esx-prod01.corp.example,WIN-CT01.corp.example" \
	"$(chain "$TMP/f.jsonl" | jq -r '"\(.severity) \(.hosts | join(","))"')"
check "... and the note names vmware.log's line" 1 \
	"$(chain "$TMP/f.jsonl" | jq -r '.notes[]' | grep -c '^WIN-CT01.corp.example ran as the VM build-vm-07 on esx-prod01.corp.example (vmware.log guestinfo.hostname, .*/build-vm-07/vmware.log:8)$')"

# map and reduce: the ESXi bundle and the guest mapped apart (the vmware.log
# link travels in the bundle's state), reduced where neither is: one run's findings
(cd "$TMP" && "$BOXTRAIL" hunt -f jsonl ct >one.jsonl 2>/dev/null
	n=0
	for d in ct/*/; do
		n=$((n + 1))
		"$BOXTRAIL" hunt -q --emit-state "st-$n.state" "$d" 2>/dev/null
	done)
mkdir "$TMP/elsewhere"
(cd "$TMP/elsewhere" && "$BOXTRAIL" hunt -f jsonl ../st-*.state >../reduced.jsonl 2>/dev/null)
check "mapped apart and reduced: the chain" 1 "$(chain "$TMP/reduced.jsonl" | wc -l | tr -d ' ')"
check "... the same findings as one run" same \
	"$(cmp -s "$TMP/one.jsonl" "$TMP/reduced.jsonl" && echo same || diff "$TMP/one.jsonl" "$TMP/reduced.jsonl" | head -5)"
finish

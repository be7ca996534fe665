#!/bin/sh
# Issue 24's ESXi incident (tests/data/esxi-incident/README.md): `boxtrail hunt`
# with no options on a vm-support bundle of esx-prod01 (the attack: SSH
# enabled then used, the acceptance level lowered to CommunitySupported, a VIB
# forced in from /tmp without signature check, its vendor neither VMware's nor
# the image profile's, a VM powered on) and a UAC collection of esx-prod02
# (benign look-alikes: a depot-signed update of the Dell image's own Dell VIB by
# the administrator, the default acceptance level set, routine VM power
# cycles, the backup server's SSH session) reports the attack's findings on
# esx-prod01 and nothing on esx-prod02.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
I=$top_srcdir/tests/data/esxi-incident
BUNDLE=esx-esx-prod01.corp.example-2026-09-14--11.20-2105550/var/run/log
UAC=uac-esx-prod02-esxi-20260914112500
VIB=5ad65416-c024-4955-8812-11587c521d08
ACCEPT=afb09d0b-0231-4715-ac8e-717de469be83
ENABLED_USED=d00f33f4-e320-4202-8d69-91fd5627988d
VENDOR=b24380bc-8dec-4484-8134-0e3a56f09e81

"$BOXTRAIL" hunt "$I" >"$TMP/f.jsonl" 2>"$TMP/err"
check "exit status: findings" 1 $?
jq -e . "$TMP/f.jsonl" >/dev/null || fail "findings are not JSON Lines"
check "four findings" 4 "$(wc -l <"$TMP/f.jsonl" | tr -d ' ')"
check "all on esx-prod01 (the bundle's name)" "esx-prod01.corp.example" \
	"$(jq -r '.hosts[]' "$TMP/f.jsonl" | sort -u | tr '\n' ' ' | sed 's/ $//')"
check "none of esx-prod02's evidence" 0 "$(grep -c "$UAC" "$TMP/f.jsonl")"

# ev RULE: the evidence of a rule's finding as log:line, in time order
ev() {
	jq -r --arg r "$1" 'select(.rule.id == $r) | [.evidence[] | (.copies[0].file | split("/") | last) + ":" + (.copies[0].line | tostring)] | join(" ")' "$TMP/f.jsonl"
}
check "forced unsigned VIB from /tmp: the command and esxupdate's options" "shell.log:5 esxupdate.log:2" "$(ev $VIB)"
check "acceptance level: the command and vobd's record of the change" "shell.log:3 vobd.log:3" "$(ev $ACCEPT)"
check "SSH enabled (hostd, vobd), then the login and the shell use within the window" \
	"hostd.log:3 vobd.log:1 auth.log:2 vobd.log:2 shell.log:1 shell.log:2 shell.log:3 shell.log:4 shell.log:5 shell.log:6" \
	"$(ev $ENABLED_USED)"
check "the VIB's vendor, VMTS: neither VMware's nor the image's (VMware, Inc.)" "esxupdate.log:3" "$(ev $VENDOR)"
check "levels" "high high high medium" "$(jq -r '.severity' "$TMP/f.jsonl" | sort | tr '\n' ' ' | sed 's/ $//')"
check "provenance: the bundle's files" 15 "$(jq -r '.evidence[].copies[].file' "$TMP/f.jsonl" | grep -c "/$BUNDLE/")"

# The benign collection alone: read (its host from UAC's hostname.txt), nothing reported.
"$BOXTRAIL" events -f jsonl "$I/$UAC" >"$TMP/ev.jsonl" 2>"$TMP/err"
# every line of its logs is a record (no continuation lines there)
check "benign: every line an event" "$(cat "$I/$UAC/[root]/var/log/"*.log | wc -l | tr -d ' ')" \
	"$(jq -r 'select(.source == "esxi") | .line' "$TMP/ev.jsonl" | wc -l | tr -d ' ')"
check "benign: the look-alikes are there" "depot software vib update publickey backup 192.0.2.40 vm.power_on 3" \
	"$(jq -r -s '[(.[] | select(.fields.EsxcliCommand == "software vib update") | "\(.fields.VibSource) \(.fields.EsxcliCommand)"),
	   (.[] | select(.fields.Action == "ssh.login") | "\(.fields.AuthMethod) \(.fields.User) \(.fields.SourceAddress)"),
	   "vm.power_on \([.[] | select(.fields.Action == "vm.power_on" and .fields.VmxPath != null)] | length)"] | join(" ")' "$TMP/ev.jsonl")"
"$BOXTRAIL" hosts "$I/$UAC" >"$TMP/hosts" 2>"$TMP/err"
check "benign: the Dell image's own VIB, checked against the profile UAC collected" \
	"DEL image Dell Inc. esxcli_software_profile_get.txt:3" \
	"$(jq -r 'select(.fields.Action == "vib.installed") | "\(.fields.VibVendor | join(",")) \(.fields.VibVendorCheck) \(.fields.HostImageProfileVendor) \(.fields.HostImageProfileSource | split("/") | last)"' "$TMP/ev.jsonl")"
check "benign: the host from UAC" "esx-prod02.corp.example" "$(jq -r .host "$TMP/hosts")"
"$BOXTRAIL" hunt "$I/$UAC" >"$TMP/b.jsonl" 2>"$TMP/err"
check "benign: exit status (no findings)" 0 $?
check "benign: no findings" "" "$(cat "$TMP/b.jsonl")"

# The same benign collection with SSH enabled just before the backup login:
# now the correlation holds, on esx-prod02 (the rules do see this evidence).
cp -R "$I/$UAC" "$TMP/$UAC"
printf '%s\n' '2026-09-14T02:28:00.000Z info hostd[2099500] [Originator@6876 sub=Vimsvc.ha-eventmgr opID=x user=root] Event 903 : SSH for the host esx-prod02.corp.example has been enabled' \
	>>"$TMP/$UAC/[root]/var/log/hostd.log"
"$BOXTRAIL" hunt "$TMP/$UAC" >"$TMP/n.jsonl" 2>"$TMP/err"
check "near miss made a hit: enabled, then the backup login" "$ENABLED_USED esx-prod02.corp.example" \
	"$(jq -r '"\(.rule.id) \(.hosts | join(","))"' "$TMP/n.jsonl")"
finish

#!/bin/sh
# ESXi logs through the CLI: recognition by content, each log of each version
# shape (6.7, 7.0, 8.0 with its In(14) field and '+' continuation lines), the
# facts, damaged lines counted, and a vm-support bundle's host
# (tests/data/esxi, written from the documented formats).
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
D=$top_srcdir/tests/data/esxi

run() {
	f=$1
	shift
	"$BOXTRAIL" events -f jsonl --stats "$@" "$f" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}
q() { jq -r "$1" "$TMP/out" | tr '\n' ' ' | sed 's/ $//'; }
stat_of() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$TMP/err" | head -1; }
counts() { echo "$(stat_of records) $(stat_of failed) $(stat_of lines) $(stat_of skipped)"; }

# recognised by content: the same lines under a name that says nothing
cp "$D/v80/shell.log" "$TMP/evidence.txt"
run "$TMP/evidence.txt"
check "content, not name: format" "format=esxi-log" "$(grep -o 'format=[a-z-]*' "$TMP/err" | head -1)"
check "source/channel/provider" "esxi esxi shell" "$(q 'select(.line==1) | "\(.source) \(.channel) \(.provider)"')"

# ---- 8.0
run "$D/v80/shell.log"
check "8.0 shell: exit status" 0 "$rc"
check "8.0 shell: counts" "5 0 5 0" "$(counts)"
check "8.0 shell: severity, priority, facility, level" "In 14 1 4" \
	"$(q 'select(.line==2) | "\(.fields.Severity) \(.fields.Priority) \(.fields.Facility) \(.level)"')"
check "8.0 shell: time" "2024-03-05T10:02:20.4120000Z" "$(q 'select(.line==2) | .time')"
check "8.0 shell: session start" "shell.session_start" "$(q 'select(.line==1) | .fields.Action')"
check "8.0 shell: command and user" "shell.command root software acceptance set CommunitySupported" \
	"$(q 'select(.line==2) | "\(.fields.Action) \(.fields.User) \(.fields.EsxcliCommand) \(.fields.AcceptanceLevel)"')"
check "8.0 shell: forced unsigned local VIB" "software vib install true true local [\"/tmp/vmtools-helper.vib\"]" \
	"$(q 'select(.line==3) | "\(.fields.EsxcliCommand) \(.fields.Force) \(.fields.NoSigCheck) \(.fields.VibSource) \(.fields.VibUrl|tojson)"')"
check "8.0 shell: syslog target (quotes removed)" "udp://203.0.113.50:514" "$(q 'select(.line==4) | .fields.SyslogTarget')"
check "8.0 shell: firewall command" "network firewall set" "$(q 'select(.line==5) | .fields.EsxcliCommand')"

run "$D/v80/hostd.log"
check "8.0 hostd: counts ('+' lines joined, counted as skipped)" "5 0 8 3" "$(counts)"
check "8.0 hostd: SSH enabled" "service.ssh_enabled root" "$(q 'select(.line==1) | "\(.fields.Action) \(.fields.User)"')"
check "8.0 hostd: power on from the state transition" "vm.power_on WIN-GUEST02 /vmfs/volumes/64f0a1b2-ds01/WIN-GUEST02/WIN-GUEST02.vmx" \
	"$(q 'select(.line==2) | "\(.fields.Action) \(.fields.VmName) \(.fields.VmxPath)"')"
check "8.0 hostd: power on from the event" "vm.power_on WIN-GUEST02" "$(q 'select(.line==3) | "\(.fields.Action) \(.fields.VmName)"')"
check "8.0 hostd: continuation joined (4 lines, marker and head removed)" '3 4 -->    descriptionId = "VirtualMachine.powerOn",' \
	"$(q 'select(.line==4) | "\(.fields.ContinuationLines) \(.fields.Message|split("\n")|length) \(.fields.Message|split("\n")[2])"')"
check "8.0 hostd: Db level, Wa level" "5 3" "$(q 'select(.line==4 or .line==8) | .level')"

run "$D/v80/auth.log"
check "8.0 auth: login" "ssh.login root 203.0.113.66 51515 password" \
	"$(q 'select(.line==2) | "\(.fields.Action) \(.fields.User) \(.fields.SourceAddress) \(.fields.SourcePort) \(.fields.AuthMethod)"')"
check "8.0 auth: other lines kept" "esxi.log esxi.log" "$(q 'select(.line!=2) | .fields.Action')"

run "$D/v80/esxupdate.log"
check "8.0 esxupdate: options carry their command" "vib.install vib.install true true local" \
	"$(q 'select(.line==2) | "\(.fields.Action) \(.fields.EsxupdateCommand) \(.fields.Force) \(.fields.NoSigCheck) \(.fields.VibSource)"')"
check "8.0 esxupdate: installed VIBs" '["ACME_bootbank_vmtools-helper_1.0-1"]' "$(q 'select(.line==3) | .fields.VibName|tojson')"

run "$D/v80/vobd.log"
check "8.0 vobd: ids and actions" "esx.audit.ssh.enabled service.ssh_enabled esx.audit.ssh.session.opened ssh.session_open" \
	"$(q 'select(.line<=2) | "\(.fields.VobId) \(.fields.Action)"')"
check "8.0 vobd: acceptance from and to" "acceptance.set PartnerSupported CommunitySupported" \
	"$(q 'select(.line==3) | "\(.fields.Action) \(.fields.PreviousAcceptanceLevel) \(.fields.AcceptanceLevel)"')"

run "$D/v80/syslog.log"
check "8.0 syslog: counts" "2 0 3 1" "$(counts)"
check "8.0 syslog: provider and continuation" "syslog 1" "$(q 'select(.line==2) | "\(.provider) \(.fields.ContinuationLines)"')"

# ---- 7.0
run "$D/v70/hostd.log"
check "7.0 hostd: counts" "3 0 3 0" "$(counts)"
check "7.0 hostd: level word" "info 4" "$(q 'select(.line==1) | "\(.fields.LogLevel) \(.level)"')"
check "7.0 hostd: power on, acting user" "vm.power_on WIN-GUEST01 vpxuser" "$(q 'select(.line==1) | "\(.fields.Action) \(.fields.VmName) \(.fields.User)"')"
check "7.0 hostd: shell enabled" "service.shell_enabled" "$(q 'select(.line==3) | .fields.Action')"
run "$D/v70/lifecycle.log"
check "7.0 lifecycle: provider, pid from the message" "lifecycle 2100777" "$(q 'select(.line==1) | "\(.provider) \(.fields.Pid)"')"
check "7.0 lifecycle: forced install from a URL" "vib.install true url" \
	"$(q 'select(.line==2) | "\(.fields.Action) \(.fields.Force) \(.fields.VibSource)"')"
check "7.0 lifecycle: acceptance lowered" "VMwareAccepted PartnerSupported" \
	"$(q 'select(.line==3) | "\(.fields.PreviousAcceptanceLevel) \(.fields.AcceptanceLevel)"')"

# ---- 6.7
run "$D/v67/hostd.log"
check "6.7 hostd: counts ('-->' lines joined)" "6 0 9 3" "$(counts)"
check "6.7 hostd: login" "hostd.login root 192.0.2.10" "$(q 'select(.line==1) | "\(.fields.Action) \(.fields.LoginUser) \(.fields.SourceAddress)"')"
check "6.7 hostd: task" "hostd.task vim.VirtualMachine.powerOn" "$(q 'select(.line==3) | "\(.fields.Action) \(.fields.Task)"')"
check "6.7 hostd: power off" "vm.power_off APP-VM01 3" "$(q 'select(.line==9) | "\(.fields.Action) \(.fields.VmName) \(.level)"')"
check "6.7 hostd: continuation count" "3" "$(q 'select(.line==5) | .fields.ContinuationLines')"
run "$D/v67/shell.log"
check "6.7 shell: --viburl= form" "local true /vmfs/volumes/datastore1/net-driver.vib" \
	"$(q 'select(.line==3) | "\(.fields.VibSource) \(.fields.NoSigCheck) \(.fields.VibUrl[0])"')"
check "6.7 shell: no level in this shape" "null" "$(q 'select(.line==3) | .level')"
run "$D/v67/auth.log"
check "6.7 auth: failed login of an invalid user" "ssh.login_failed admin 198.51.100.7" \
	"$(q 'select(.line==3) | "\(.fields.Action) \(.fields.User) \(.fields.SourceAddress)"')"
run "$D/v67/esxupdate.log"
check "6.7 esxupdate: bare shape" "esxupdate 2100050 vib.install local true" \
	"$(q 'select(.line==2) | "\(.provider) \(.fields.Pid) \(.fields.Action) \(.fields.VibSource) \(.fields.NoSigCheck)"')"
run "$D/v67/vobd.log"
check "6.7 vobd: TIME: shape" "vobd ssh.session_open root 192.0.2.10" \
	"$(q 'select(.line==2) | "\(.provider) \(.fields.Action) \(.fields.User) \(.fields.SourceAddress)"')"
run "$D/v67/syslog.log"
check "6.7 syslog: counts" "2 0 2 0" "$(counts)"

# ---- damaged lines: counted, reported with their line, the rest read
run "$D/malformed.log"
check "malformed: exit status (partial)" 4 "$rc"
check "malformed: counts" "2 3 6 1" "$(counts)"
check "malformed: text before the first record" 1 "$(grep -c 'line 1: not an ESXi log line' "$TMP/err")"
check "malformed: foreign continuation" 1 "$(grep -c 'line 3: continuation of a record' "$TMP/err")"
check "malformed: control bytes" 1 "$(grep -c 'line 4: binary or control bytes' "$TMP/err")"
check "malformed: the records around them" "2 6" "$(q '.line')"

# ---- the host: a vm-support bundle's name; else none (or --assume-host)
run "$D/esx-esx01.lab.local-2024-03-05--10.30-2104567/var/run/log/shell.log"
check "vm-support: host from the bundle" "esx01.lab.local vm-support bundle name" \
	"$(q 'select(.line==1) | "\(.host) \(.fields.HostSource)"')"
run "$D/v80/shell.log"
check "no host stated" "null" "$(q 'select(.line==1) | .host')"
run "$D/v80/shell.log" --assume-host esx-a
check "assumed host" "esx-a" "$(q 'select(.line==1) | .host')"

# the collections' hosts: the bundle's; UAC run on ESXi names it in live_response
"$BOXTRAIL" hosts "$D/esx-esx01.lab.local-2024-03-05--10.30-2104567" >"$TMP/hosts" 2>"$TMP/err"
check "vm-support: the collection's host, stated by the ESXi log" "esx01.lab.local esxi" \
	"$(jq -r '"\(.host) \(.names[0].source)"' "$TMP/hosts")"
U="$TMP/uac/uac-esx02-esxi-20240305103000"
mkdir -p "$U/[root]/var/log" "$U/live_response/system"
cp "$D/v80/shell.log" "$U/[root]/var/log/shell.log"
echo esx02.lab.local >"$U/live_response/system/hostname.txt"
"$BOXTRAIL" hosts "$TMP/uac" >"$TMP/hosts" 2>"$TMP/err"
check "UAC on ESXi: the collection's host" "uac esx02.lab.local" "$(jq -r '"\(.layout) \(.host)"' "$TMP/hosts")"

# gzip: the same reader
gzip -c "$D/v80/hostd.log" >"$TMP/hostd.log.gz"
run "$TMP/hostd.log.gz"
check "gzip: counts" "5 0 8 3" "$(counts)"

# ---- the built-in ESXi rules over these logs (the rules' own cases: tests/rules/esxi_*.test)
rules_of() { jq -r '.rule.title' "$TMP/out" | sort | tr '\n' '|'; }
"$BOXTRAIL" hunt -f jsonl --assume-host esx80 "$D/v80" >"$TMP/out" 2>"$TMP/err"
check "8.0 logs: findings" "ESXi Host Acceptance Level Lowered|ESXi SSH or Shell Enabled, Then Used Within Minutes|ESXi Syslog Target or Firewall Changed With esxcli|ESXi VIB Installed Forced, Without Signature Check or From a Local File|" "$(rules_of)"
# SSH enabled, used only 30 minutes later; used without being enabled: no correlation
mkdir -p "$TMP/late"
printf '%s\n' '2024-03-05T10:00:05.100Z In(166) Hostd[2099851]: [Originator@6876 sub=Vimsvc.ha-eventmgr opID=x user=root] Event 301 : SSH for the host esx80 has been enabled' >"$TMP/late/hostd.log"
printf '%s\n' '2024-03-05T10:30:00.000Z In(38) sshd[2101200]: Accepted password for root from 192.0.2.5 port 51515 ssh2' >"$TMP/late/auth.log"
"$BOXTRAIL" hunt -f jsonl --assume-host esx80 "$TMP/late" >"$TMP/out" 2>"$TMP/err"
check "enabled, used 30 minutes later: no finding" "" "$(rules_of)"
"$BOXTRAIL" hunt -f jsonl --assume-host esx80 --window 1h "$TMP/late" >"$TMP/out" 2>"$TMP/err"
check "... with --window 1h: the correlation" "ESXi SSH or Shell Enabled, Then Used Within Minutes|" "$(rules_of)"
"$BOXTRAIL" hunt -f jsonl --assume-host esx80 "$TMP/late/auth.log" >"$TMP/out" 2>"$TMP/err"
check "a login alone: no finding" "" "$(rules_of)"

# VIBs installed, as esxupdate logs them or as esxcli prints them ("Installed"):
# each id's vendor; with no collection stating the image profile, unchecked
printf '%s\n' '2024-03-05T10:04:36.900Z In(14) esxupdate[2105020]: HostImage: INFO: VIBs installed: VMW_bootbank_ntg3_4.1.8.0-4vmw, Realtek_bootbank_net-r8139too_0.9.28-1' \
	'2024-03-05T10:05:00.000Z In(14) esxupdate[2105020]: HostImage: INFO: VIBs Installed: VMware_locker_tools-light_12.2.6' >"$TMP/esxupdate.log"
run "$TMP/esxupdate.log"
check "VIBs installed: vendors and the check without an image profile" \
	'vib.installed ["VMW","Realtek"] unchecked null|vib.installed ["VMware"] vmware null' \
	"$(jq -r -c '"\(.fields.Action) \(.fields.VibVendor|tojson) \(.fields.VibVendorCheck) \(.fields.HostImageProfileVendor)"' "$TMP/out" | tr '\n' '|' | sed 's/|$//')"

# Docker logs are still Docker's
run "$top_srcdir/tests/data/docker/dockerd-text.log"
check "dockerd text stays dockerd" "format=dockerd-text" "$(grep -o 'format=[a-z-]*' "$TMP/err" | head -1)"
finish

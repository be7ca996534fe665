#!/bin/sh
# The built-in pack on real evidence: it fires on the Kerberos attack samples
# and raises no container or module-load finding on evidence that has nothing
# to do with containers. Prints the hit count of every rule over the corpus.
set -u
c=${SHARED_CORPUS:-}
m=$c/mdecrevoisier__EVTX-to-MITRE-Attack
if [ -z "$c" ] || [ ! -d "$m" ]; then
	echo "SKIP: attack samples not found under \$SHARED_CORPUS (${SHARED_CORPUS:-unset})"
	exit 77
fi
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
scan="$top_builddir/tests/rulescan --worker $BOXTRAIL"
k="$m/TA0006-Credential Access/T1558-Steal or Forge Kerberos Tickets"
fail=0
expect() {  # file rule-id what
	n=$($scan "$k/$1" | awk -F'\t' -v id="$2" '$1 == "count" && $3 == id { print $2 }')
	if [ -n "$n" ] && [ "$n" -ge 1 ]; then
		echo "ok: $3 fires $n time(s) on '$1'"
	else
		echo "FAIL: $3 does not fire on '$1'"
		fail=1
	fi
}
expect "ID4769-Kerberoast ticket with low encryption.evtx" cb1de303-6b62-4738-aadb-295bd8157770 kerberoasting
expect "ID4768-Kerberos AS-REP Roasting.evtx" 81e519eb-4d8b-42ef-8b3b-500df9c2d157 "AS-REP roasting"
expect "ID4769-Golden ticket issued.evtx" 43e5a6f8-f371-46a6-b0f6-81fb26ac9559 "forged ticket"
# the Active Directory attacks (rules/windows/ad), each on the sample named for it
k=$m
expect "TA0006-Credential Access/T1003-Credential dumping/ID4662-DCsync attack using Mimikatz.evtx" ccba0986-40d7-41e1-8689-d18aee94ded0 DCSync
expect "TA0005-Defense Evasion/T1222.001-File and Directory Permissions Modification/ID5136-Permission change on top root AD (DCsync).evtx" 5051f547-e3a1-4156-928d-f026fa7623e9 "replication rights by ACL"
expect "TA0005-Defense Evasion/T1207-Rogue domain controller/ID5137-Fake domain controller registration (DCshadow).evtx" 0e888999-8457-4d3c-8222-48fd7ef5669c "DCShadow server object"
expect "TA0003-Persistence/T1098.xxx-Account manipulation/ID4742-SPN set on computer account (DCshadow).evtx" 556f2d67-d01f-4cf3-9eea-05358f980252 "DCShadow SPNs"
expect "TA0006-Credential Access/T1003-Credential dumping/ID4688-IFM created.evtx" d400c114-be2b-4141-a54b-d4e3cffd7906 "ntdsutil IFM"
expect "TA0006-Credential Access/T1003-Credential dumping/ID325-327-IFM created - ESENT.evtx" 6c1584ee-ae1a-4528-a34d-28944fd6b6e9 "ESENT NTDS.dit"
expect "TA0006-Credential Access/T1003-Credential dumping/ID4794-4688-DSRM password set with NTDSutil.evtx" c6f5e806-48bb-40f0-9ec1-b914259a841d "DSRM password"
expect "TA0004-Privilege Escalation/T1134.005-Access Token Manipulation SID-History Injection/ID 4765 - SID history added.evtx" 0420e01c-c6ff-490d-96a3-cd5bc90e4672 "SID history"
expect "TA0003-Persistence/T1098.xxx-Account manipulation/ID5136-Computer account set for RBCD delegation.evtx" da2a4014-7c63-4e42-94da-2312824fc6c2 RBCD
expect "TA0003-Persistence/T1098.xxx-Account manipulation/ID4742,5136-Enable Trust this computer for delegation (to any service, Kerberos only).evtx" 401d80aa-805d-4311-9b78-858df0f31b52 "unconstrained delegation"
expect "TA0003-Persistence/T1098.xxx-Account manipulation/ID4738,5136-SPN set on user account.evtx" a7e9463a-56e3-4aa7-9bf3-fbfbbbf74e08 "SPN on a user"
expect "TA0003-Persistence/T1098.xxx-Account manipulation/ID4724-5145-password reset with setNTLM (Mimikatz).evtx" 6b8594ec-7289-4871-b16d-6ad660180a32 "reset by another account"
expect "TA0003-Persistence/T1098.xxx-Account manipulation/ID4781-Computer account renamed without a trailing \$ (CVE-2021-42278).evtx" 9f79ea2e-2786-4bf3-9172-1884d232ff6b "sAMAccountName spoofing"
expect "TA0008-Lateral Movement/T1550-Use Alternate Authentication Material/ID4624-Mimikatz Pass the hash.evtx" d823da70-0d87-47c8-8995-c42fb9d8e0d6 "pass-the-hash logon"
expect "TA0005-Defense Evasion/T1070.001-Clear Windows event logs/ID104-1102-Event log cleared.evtx" 113b8a03-59dd-4609-aa2c-7bd1dc6b1800 "System log cleared"

out=${TMPDIR:-/tmp}/bt-sigma-corpus.$$
trap 'rm -f "$out" "$out.nc"' EXIT
$scan --hits "$c" > "$out"
echo "hits per rule over the whole corpus:"
grep '^count' "$out" | sort -t'	' -k2,2nr
grep '^files' "$out"
# Container and module-load rules: docker/, windows/containers/, windows/image_load/.
# Evidence that has to do with containers (the offline Docker trees and
# container logs of docker-explorer and plaso) is left out of this check.
grep -v -e '/google__docker-explorer/' -e '/log2timeline__plaso/.*docker' "$out" > "$out.nc"
ids=$(grep -h '^id:' "$top_srcdir"/rules/docker/*.yml "$top_srcdir"/rules/windows/containers/*.yml \
	"$top_srcdir"/rules/windows/image_load/*.yml | awk '{print $2}')
for id in $ids; do
	if grep -q "^hit	$id	" "$out.nc"; then
		echo "FAIL: container/module-load rule $id fires on evidence without containers:"
		grep "^hit	$id	" "$out.nc" | head -5
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "ok: no container or module-load finding on the corpus"
exit $fail

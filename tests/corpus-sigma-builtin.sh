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

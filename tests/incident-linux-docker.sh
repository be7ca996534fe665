#!/bin/sh
# Incident 2 of issue 15 (tests/data/incidents/linux-docker-host/EXPECTED.md):
# `boxtrail hunt` with no options on a Linux Docker host collected with UAC (plus
# the responder's journald export and saved docker events) and its domain
# controller collected with KAPE finds the privileged container with the host's
# root mounted on lnx-ci-07 and links its start to the AS-REP and Kerberoast
# sweeps ADDC02 logged from lnx-ci-07's address, 10.20.5.37 - learned from the
# Linux host's own evidence (netplan, `ip addr show`, /etc/hosts), which is the
# only place that says it. Nothing of the benign look-alikes is reported.

. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
EVTXGEN=$top_builddir/tests/tools/evtxgen
[ -x "$EVTXGEN" ] || skip "tests/tools/evtxgen is not built (make check builds it)"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR

sh "$top_srcdir/tests/data/incidents/build.sh" "$EVTXGEN" "$TMP/inc" linux-docker-host ||
	{ echo "build.sh failed" >&2; exit 99; }
cd "$TMP/inc" || exit 99

SYSDIAG=1b63a2d1e499a05e920a751608b334d135104c6b6ec6d5edab35cbbcba14a247
WEB=761209d504fbb7ef21c17fc22d56f711c66ac46d28e82a5c2cc5f3c12cf88f9a
PROBE=360b423e7406327e76615fb93e5aa068be911e315084993559a1a1ae510969b4
HOST_ACCESS=3d7a2c95-e1f4-4b6a-8d09-5c8e1b4f2a76
LINKED=6b1f9e27-4c3a-4d85-a0e6-93c2d7b5f410
SWEEP=75559a97-19d2-4c3b-8a86-d15c121de0de
ASREP=81e519eb-4d8b-42ef-8b3b-500df9c2d157

# The run: no options at all (stdout is a file: JSON Lines).
"$BOXTRAIL" hunt linux-docker-host >"$TMP/f.jsonl" 2>"$TMP/err"
check "exit status: findings" 1 $?
jq -e . "$TMP/f.jsonl" >/dev/null || fail "findings are not JSON Lines"
# The whole run, finding by finding with its evidence, as kept in the golden
# digest (tests/hunt_digest.py; regenerate it when a change is meant).
golden=$top_srcdir/tests/data/hunt/incident-linux-docker-host-findings.txt
"$PY" "$top_srcdir/tests/hunt_digest.py" <"$TMP/f.jsonl" >"$TMP/digest" || fail "JSONL schema"
if diff -u "$golden" "$TMP/digest" >"$TMP/diff"; then
	pass "golden: the findings of $(basename "$golden") ($(grep -c '^finding' "$TMP/digest"))"
else
	fail "findings differ from $golden"; cat "$TMP/diff" >&2
fi
jq -r '[.time, .severity, .kind, .rule.title, (.hosts | join(",")), (.container.name // "-")] | @tsv' \
	"$TMP/f.jsonl" | sed 's/^/    /'

# q NAME JQ-FILTER: passes when the filter (over all findings, slurped) is true.
q() {
	if jq -e -s "$2" "$TMP/f.jsonl" >/dev/null 2>"$TMP/jqerr"; then pass "$1"; else
		fail "$1"; sed 's/^/    jq: /' "$TMP/jqerr" >&2
	fi
}
# the host of lnx-ci-07's evidence, however it is spelled
LNX='(ascii_downcase | test("^lnx-ci-07(\\.acme\\.internal)?$"))'
DCH='(ascii_downcase | test("^addc02(\\.acme\\.internal)?$"))'
REC='[.evidence[].copies[] | select(.file | endswith("ADDC02/C/Windows/System32/winevt/Logs/Security.evtx")) | .record_id]'

# 1. The privileged container with / mounted, on lnx-ci-07.
q "host access: sysdiag on lnx-ci-07 (10:07:41), privileged and / mounted" "
	[.[] | select(.rule.id == \"$HOST_ACCESS\" and (.time | startswith(\"2026-08-12T10:07:4\"))
	  and any(.hosts[]; $LNX)
	  and ((.container.name // \"\") == \"sysdiag\" or (.container.id // \"\" | startswith(\"${SYSDIAG%"${SYSDIAG#????????????}"}\"))))
	 | select(any(.evidence[]; .fields.Privileged == \"true\"))
	 | select(any(.evidence[]; [.fields.MountSource] | flatten | index(\"/\")))] | length == 1"
q "host access: the create body in the journald export is part of it" "
	any(.[] | select(.rule.id == \"$HOST_ACCESS\" and any(.hosts[]; $LNX));
	    any(.evidence[].copies[]; (.file | endswith(\"lnx-ci-07/docker.service.json\")) and .line == 44))"

# 2. The correlated finding: the container start on lnx-ci-07, then the sweeps from its address.
q "linked: one finding joins sysdiag's start to the Kerberos sweeps, hosts lnx-ci-07 and ADDC02" "
	[.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $LNX) and any(.hosts[]; $DCH))] | length == 1"
q "linked: the AS-REP roasting (48210584-48210586) and the RC4 TGS (48210591-48210595)" "
	.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $LNX)) | $REC | unique
	| contains([48210584, 48210585, 48210586, 48210591, 48210592, 48210593, 48210594, 48210595])"
q "linked: opened by sysdiag's start on lnx-ci-07 (10:07:41)" "
	.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $LNX))
	| (.time | startswith(\"2026-08-12T10:07:4\"))
	  and any(.evidence[]; (.host // \"\" | $LNX) and .fields.Action == \"container.start\"
	                        and (.fields.ContainerID // \"\" | startswith(\"1b63a2d1e499\")))"
q "linked: its notes say 10.20.5.37 was lnx-ci-07, learned from lnx-ci-07's own evidence" "
	.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $LNX))
	| any(.notes[]; test(\"10\\\\.20\\\\.5\\\\.37\") and test(\"lnx-ci-07\"; \"i\")
	                and test(\"linux-docker-host/lnx-ci-07/\"))"
q "linked: no CI job, web or blackbox container in it" "
	.[] | select(.rule.id == \"$LINKED\" and any(.hosts[]; $LNX))
	| [.evidence[].fields.ContainerID // empty] | all(startswith(\"1b63a2d1e499\"))"

# 3. The DC's own findings.
q "Kerberoasting sweep from 10.20.5.37 (5 services)" "
	any(.[]; .rule.id == \"$SWEEP\" and ($REC | sort) == [48210591, 48210592, 48210593, 48210594, 48210595])"
q "AS-REP roasting (3 accounts)" "
	any(.[]; .rule.id == \"$ASREP\" and ($REC | sort) == [48210584, 48210585, 48210586])"

# 4. What must not be found.
q "not found: the legacy RC4 ticket (48210468), the unknown user (48210410), a.novak's TGT (48210342)" "
	[.[] | $REC[]] | (index(48210468) // index(48210410) // index(48210342)) == null"
q "not found: the web container (unprivileged, loopback port)" "
	all(.[]; all(.evidence[]; (.fields.ContainerID // \"\") != \"$WEB\"))"
q "not found: the CI jobs' containers (a cache volume, unprivileged)" "
	all(.[]; all(.evidence[]; (.fields.ContainerName // \"\" | startswith(\"runner-\")) | not))"
q "blackbox (host network) is never part of sysdiag's findings" "
	all(.[] | select(.rule.id == \"$LINKED\" or (.container.name // \"\") == \"sysdiag\");
	    all(.evidence[]; (.fields.ContainerID // \"\") != \"$PROBE\"))"
q "blackbox, if reported, only at its own create/start (2026-06-02, 2026-08-03)" "
	all(.[] | select(any(.evidence[]; (.fields.ContainerID // \"\") == \"$PROBE\"));
	    (.time | startswith(\"2026-06-02\") or startswith(\"2026-08-03\")))"
q "no finding names a loopback or bridge address as a host" "
	all(.[]; all(.hosts[]; test(\"^(127\\\\.|172\\\\.(1[6-9]|2[0-9]|3[01])\\\\.|::1\$)\") | not))"
q "every finding names its host (lnx-ci-07 or ADDC02)" "
	all(.[]; (.hosts | length) > 0 and all(.hosts[]; $LNX or $DCH))"
finish

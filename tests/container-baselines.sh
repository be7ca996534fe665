#!/bin/sh
# Container activity judged against each host's own baseline (issue 25):
# generated evidence (tests/data/container-baselines, written by
# make-evidence.py): a month of routine container runs on ci01 (Windows:
# Sysmon 1 and 4688 of docker.exe) and lnx-app01 (docker events, journal),
# a file server with no containers, then on 2026-07-01 a runtime installed on
# the file server, a new image and a new account on ci01, a container at an
# hour never seen and one run by a new account through sudo on lnx-app01:
# exactly those five findings.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
EVTXGEN=$top_builddir/tests/tools/evtxgen
data=$top_srcdir/tests/data/container-baselines

RUNTIME=25a8ec10-ba4c-4e13-ad2b-f4186599ec16
IMAGE=d51de210-329f-42e9-b84d-eddcae43120f
ACCOUNT=4ac6b2b3-6a1a-41d3-b3eb-5a19d7e4552d
HOUR=0c3e9a7d-5b21-4f68-9d4e-2a7f1c8b6e53

# the collection: text logs as written, EVTX from the evtxgen specs
ev=$TMP/ev
mkdir -p "$ev"
cp -R "$data/collection/." "$ev/"
grep -v -e '^#' -e '^[[:space:]]*$' "$data/src/EVTX" | while read -r spec evtx; do
	mkdir -p "$(dirname "$ev/$evtx")"
	"$EVTXGEN" write "$data/src/$spec" "$ev/$evtx" 2>"$TMP/gen.err" || echo "$spec" >>"$TMP/gen.failed"
done
[ -s "$TMP/gen.failed" ] && fail "evtxgen: $(cat "$TMP/gen.failed") $(cat "$TMP/gen.err")"

# digest FILE: one line per finding of the baseline rules: id, severity,
# summary, notes, evidence count
digest() {
	$PY -c '
import json, sys
ids = set(sys.argv[2:])
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["rule"]["id"] in ids:
        print(d["rule"]["id"], d["severity"], d["summary"], "||", " || ".join(d.get("notes", [])),
              "|| evidence", d["evidence_count"])
' "$1" $RUNTIME $IMAGE $ACCOUNT $HOUR
}
BT() { "$BOXTRAIL" hunt -f jsonl "$@"; }

# 1. --baseline-until: June is history; exactly the five findings of July 1st.
BT --baseline-until 2026-07-01 "$ev" >"$TMP/a.jsonl" 2>"$TMP/a.err"
check "baseline-until: exit status (findings)" 1 $?
digest "$TMP/a.jsonl" >"$TMP/a"
check "baseline-until: five baseline findings" 5 "$(wc -l <"$TMP/a")"
check "first runtime on srv-files02 (high)" 1 \
	"$(grep -c "^$RUNTIME high first in the host's history: Host=srv-files02 (1 event) ||" "$TMP/a")"
check "new image alpine/socat on ci01 (medium), Sysmon and 4688" 1 \
	"$(grep -c "^$IMAGE medium first in the host's history: Host=ci01, ContainerImage=alpine/socat:latest (2 events) ||.*evidence 2$" "$TMP/a")"
check "new account jdoe on ci01 (medium)" 1 \
	"$(grep -c "^$ACCOUNT medium first in the host's history: Host=ci01, ContainerAccount=corp.jdoe (2 events) ||" "$TMP/a")"
check "unusual hour 03 on lnx-app01 (low): sudo's line and Docker's start, a second apart" 1 \
	"$(grep -c "^$HOUR low first in the host's history: Host=lnx-app01, HourOfDay=03 (2 events) ||" "$TMP/a")"
check "new account mallory on lnx-app01 (medium), from the journal's sudo line" 1 \
	"$(grep -c "^$ACCOUNT medium first in the host's history: Host=lnx-app01, ContainerAccount=mallory (1 event) ||.*rests on: lnx-app01's docker" "$TMP/a")"
# each names its baseline period and the logs it rests on
check "runtime: baseline period and the System log" 1 \
	"$(grep "^$RUNTIME " "$TMP/a" | grep -c "baseline 2026-06-01T01:02:09.0000000Z to 2026-07-01T00:00:00.0000000Z (30.0 days, to --baseline-until, from .*srv-files02/.*System.evtx).*rests on: srv-files02's System")"
check "image: both process-creation logs named" 1 \
	"$(grep "^$IMAGE " "$TMP/a" | grep -c "rests on: ci01's Microsoft-Windows-Sysmon/Operational, ci01's Security")"
check "hour: the Docker logs of lnx-app01" 1 \
	"$(grep "^$HOUR " "$TMP/a" | grep -c "(30.0 days, to --baseline-until, from .*lnx-app01/journald.json).*rests on: lnx-app01's docker")"
check "no finding says its baseline is short" 0 "$(grep -c "weaker" "$TMP/a")"
# the routine runs of July 1st (usual image, account, hour) make no finding
check "routine SDK image: no finding" 0 "$(grep -c "ContainerImage=mcr" "$TMP/a")"
check "svc_ci: no finding" 0 "$(grep -c "ContainerAccount=corp.svc_ci" "$TMP/a")"
check "deploy: no finding" 0 "$(grep -c "ContainerAccount=deploy" "$TMP/a")"

# findings only after --baseline-until: the history's own findings (Docker's
# informational container starts) are left out, and counted on stderr
BT --baseline-until 2026-07-01 --min-level informational "$ev" >"$TMP/a2.jsonl" 2>"$TMP/a2.err"
check "baseline-until: no finding ends before it" 0 \
	"$($PY -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["end"] < "2026-07-01"))' "$TMP/a2.jsonl")"
check "baseline-until: the routine's July starts are still reported (informational)" yes \
	"$(grep -q '"summary":"2 events on lnx-app01, container web"' "$TMP/a2.jsonl" && echo yes || echo no)"
grep -q "findings wholly before --baseline-until left out (history)" "$TMP/a2.err" &&
	pass "baseline-until: left-out findings counted" || fail "baseline-until: $(cat "$TMP/a2.err")"

# 2. Without --baseline-until every event is judged against what came before
# it: the routine's first week has a short baseline (informational, hidden at
# the default level), so the default output holds the same five.
BT "$ev" >"$TMP/b.jsonl" 2>"$TMP/b.err"
digest "$TMP/b.jsonl" | cut -d'|' -f1 >"$TMP/b"
cut -d'|' -f1 "$TMP/a" >"$TMP/a1"
check "whole evidence: the same five at the default level" "$(cat "$TMP/a1")" "$(cat "$TMP/b")"
BT --min-level informational "$ev" >"$TMP/c.jsonl" 2>/dev/null
digest "$TMP/c.jsonl" >"$TMP/c"
check "whole evidence: first week's routine judged weaker only" 0 \
	"$(grep -v "^[^ ]* informational .*the baseline is short ||.* weaker: a short baseline" "$TMP/c" |
		grep -vc "^\($RUNTIME\|$IMAGE\|$ACCOUNT\|$HOUR\) \(high\|medium\|low\) ")"
check "whole evidence: weaker findings name the 7d they lack" yes \
	"$(grep "ContainerImage=redis:7" "$TMP/c" | grep -q "less than the 7d a host's baseline needs" && echo yes || echo no)"
check "whole evidence: redis and docker.io/library/redis are one image" 1 "$(grep -c "ContainerImage=.*redis" "$TMP/c")"

# 3. A short baseline: five days of evidence before the new image.
BT --since 2026-06-26 --baseline-until 2026-07-01 --min-level informational "$ev" >"$TMP/d.jsonl" 2>/dev/null
digest "$TMP/d.jsonl" >"$TMP/d"
check "short baseline: the new image is weaker (informational)" 1 \
	"$(grep -c "^$IMAGE informational first in the host's history: Host=ci01, ContainerImage=alpine/socat:latest (2 events); the baseline is short || weaker: a short baseline: 2026-06-26T00:00:00.0000000Z to 2026-07-01T00:00:00.0000000Z (5.0 days" "$TMP/d")"
check "short baseline: the runtime too" 1 "$(grep -c "^$RUNTIME informational .*Host=srv-files02.*the baseline is short" "$TMP/d")"

# 3b. A baseline kept between cases: lnx-app01's logs of June 1-5 (an earlier
# case) beside those of June 28 - July 1 (this one). The logs leave June 8-27
# out; what they cover adds up to 9.4 days, a baseline; the later case alone
# (3 days before July 1st) is a short one.
$PY -c '
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
def t_of(name, d):
    return int(d["timeNano"]) // 1000 if name.startswith("docker") else int(d["__REALTIME_TIMESTAMP"])
cut1, cut2 = 1780876800000000, 1782604800000000   # 2026-06-08, 2026-06-28 (us)
for case, keep in (("case-june", lambda t: t < cut1), ("case-july", lambda t: t >= cut2)):
    os.makedirs(os.path.join(out, case))
    for name in ("docker-events.jsonl", "journald.json"):
        with open(os.path.join(src, name)) as f, open(os.path.join(out, case, name), "w") as g:
            for line in f:
                if keep(t_of(name, json.loads(line))):
                    g.write(line)
' "$data/collection/lnx-app01" "$TMP/kept/lnx-app01" || fail "splitting the cases"
BT --baseline-until 2026-07-01 "$TMP/kept" >"$TMP/k.jsonl" 2>"$TMP/k.err"
digest "$TMP/k.jsonl" >"$TMP/k"
check "kept baseline: the hour 03 finding at its level, 8 days of log with gaps" 1 \
	"$(grep -c "^$HOUR low first in the host's history: Host=lnx-app01, HourOfDay=03 (2 events) || .*baseline 2026-06-01T00:00:05.0000000Z to 2026-07-01T00:00:00.0000000Z (9.4 days of log, with gaps, to --baseline-until, from .*case-june/" "$TMP/k")"
check "kept baseline: mallory at its level" 1 "$(grep -c "^$ACCOUNT medium .*ContainerAccount=mallory" "$TMP/k")"
check "kept baseline: nothing else" 2 "$(wc -l <"$TMP/k")"
BT --baseline-until 2026-07-01 --min-level informational "$TMP/kept/lnx-app01/case-july" >"$TMP/k2.jsonl" 2>/dev/null
digest "$TMP/k2.jsonl" >"$TMP/k2"
check "this case alone: the hour 03 finding is weaker (2.6 days)" 1 \
	"$(grep -c "^$HOUR informational .*HourOfDay=03 .*weaker: a short baseline: 2026-06-28T09:20:02.0000000Z to 2026-07-01T00:00:00.0000000Z (2.6 days" "$TMP/k2")"

# 4. A filter that leaves out explaining events judges nothing (as absent always does).
BT --baseline-until 2026-07-01 --channel Security "$ev" >"$TMP/e.jsonl" 2>"$TMP/e.err"
check "--channel: no baseline finding" 0 "$(digest "$TMP/e.jsonl" | wc -l)"
expect_rc "--baseline-until nonsense" 2 "$BOXTRAIL" hunt --baseline-until yesterday "$ev"
grep -q "baseline-until 'yesterday'" "$TMP/err" && pass "bad --baseline-until named" || fail "bad --baseline-until: $(cat "$TMP/err")"

# 5. boxtrail baseline: the learned container facts with their provenance.
"$BOXTRAIL" baseline -f jsonl --baseline-until 2026-07-01 "$ev" >"$TMP/facts.jsonl" 2>"$TMP/facts.err"
check "baseline: exit status" 0 $?
$PY -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["kind"] == "seen_group":
        print(d["rule"][:8], d["group"], d["count"], d["first"][:19], d["last"][:19],
              d["first_file"].rsplit("/", 1)[-1], d["first_record"] or d["first_line"])
' "$TMP/facts.jsonl" >"$TMP/facts" || fail "baseline: JSONL"
for want in \
	"d51de210 Host=ci01, ContainerImage=mcr.microsoft.com/dotnet/sdk:8.0 90 2026-06-01T08:05:11 2026-06-30T09:12:11 Microsoft-Windows-Sysmon%4Operational.evtx 52001" \
	"d51de210 Host=lnx-app01, ContainerImage=redis:7 120 2026-06-01T07:21:02 2026-06-30T19:22:03 journald.json 4004" \
	"4ac6b2b3 Host=lnx-app01, ContainerAccount=deploy 120 2026-06-01T06:20:02 2026-06-30T20:23:02 journald.json 4002" \
	"4ac6b2b3 Host=ci01, ContainerAccount=corp\\svc_ci 180 2026-06-01T08:05:11 2026-06-30T18:19:11 Microsoft-Windows-Sysmon%4Operational.evtx 52001" \
	"0c3e9a7d Host=lnx-app01, HourOfDay=06 16 2026-06-01T06:20:02 2026-06-27T06:20:03 journald.json 4002"; do
	grep -qxF "$want" "$TMP/facts" && pass "baseline: $want" || fail "baseline: no '$want' in: $(cat "$TMP/facts")"
done
check "baseline: nothing learned after --baseline-until (no alpine, jdoe, mallory, 03h)" 0 \
	"$(grep -c "alpine\|jdoe\|mallory\|HourOfDay=03" "$TMP/facts")"
check "baseline: srv-files02 has no container history" 0 "$(grep -c "srv-files02" "$TMP/facts")"
"$BOXTRAIL" baseline -f text --baseline-until 2026-07-01 "$ev" 2>/dev/null >"$TMP/facts.txt"
grep -q "^history of First Run of a Container Image on a Host (d51de210" "$TMP/facts.txt" &&
	grep -q "^    Host=ci01, ContainerImage=mcr.microsoft.com/dotnet/sdk:8.0: 90, 2026-06-01T08:05:11.0000000Z .. 2026-06-30T09:12:11.0000000Z, first .*Sysmon%4Operational.evtx record 52001$" "$TMP/facts.txt" &&
	pass "baseline: text lists each host's history" || fail "baseline: text: $(head -20 "$TMP/facts.txt")"

# 6. The manual's example of history (BASELINES, "A host's own history"), as printed.
mkdir -p "$TMP/userrules"
awk '/^\.\\" example: container-first-name/ { want = 1; next }
	want && /^\.Bd -literal/ { inb = 1; next }
	inb && /^\.Ed/ { exit }
	inb { gsub(/\\e/, "\\"); print }' "$top_srcdir/man/boxtrail.1" >"$TMP/userrules/first_name.yml"
grep -q 'history: 7d' "$TMP/userrules/first_name.yml" || fail "manual example not found"
BT --rules "$TMP/userrules" --baseline-until 2026-07-01 "$ev" >"$TMP/u.jsonl" 2>"$TMP/u.err"
$PY -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["rule"]["id"] == "6a1d7e2c-3b4f-4c5d-8e9f-0a1b2c3d4e5f":
        print(d["severity"], d["summary"])
' "$TMP/u.jsonl" >"$TMP/u"
check "manual example: the containers web-night and debug" \
	"low first in the host's history: Host=lnx-app01, ContainerName=web-night (1 event)
low first in the host's history: Host=lnx-app01, ContainerName=debug (1 event)" "$(cat "$TMP/u")"

finish

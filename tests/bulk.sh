#!/bin/sh
# -f bulk: OpenSearch/Elasticsearch bulk API lines (an action line, then the
# document) with ECS names, for events, search and findings; each document
# says what the JSON Lines record of the same run says.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
cd "$top_srcdir" || exit 99

"$BOXTRAIL" events -q -f jsonl samples >"$TMP/ev.jsonl"
"$BOXTRAIL" events -q -f bulk samples >"$TMP/ev.bulk"
check "events -f bulk: exit 0" 0 $?
"$BOXTRAIL" hunt -q -f jsonl samples >"$TMP/f.jsonl"
"$BOXTRAIL" hunt -q -o "$TMP/f.ndjson" -f bulk samples
check "hunt -f bulk -o: exit 1 (findings)" 1 $?
"$BOXTRAIL" search -q -f bulk 'EventID=4769' samples >"$TMP/s.bulk"
check "search -f bulk: exit 1 (matches)" 1 $?
$PY - "$TMP/ev.jsonl" "$TMP/ev.bulk" "$TMP/f.jsonl" "$TMP/f.ndjson" "$TMP/s.bulk" <<'PY' && pass "bulk documents: ECS fields agree with the JSON Lines" || fail "bulk documents"
import json, sys
def pairs(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    assert lines[-1] == "", "ends with a newline"
    lines = lines[:-1]
    assert len(lines) % 2 == 0, "action and document lines pair up"
    out = []
    for i in range(0, len(lines), 2):
        assert json.loads(lines[i]) == {"index": {}}, lines[i]
        out.append(json.loads(lines[i + 1]))
    return out
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
bulk = pairs(sys.argv[2])
assert len(ev) == len(bulk) > 1000, (len(ev), len(bulk))
containers = 0
for e, d in zip(ev, bulk):
    assert d["@timestamp"] == e["time"] and d["ecs"]["version"]
    assert d["event"]["kind"] == "event"
    assert d.get("host", {}).get("name") == e["host"], (d.get("host"), e["host"])
    assert d["log"]["file"]["path"] == e["file"] and d["log"]["offset"] == e["offset"]
    assert d["boxtrail"]["source"] == e["source"]
    if e["source"] == "evtx":
        assert d["event"]["code"] == str(e["event_id"])
        assert d["winlog"]["channel"] == e["channel"] and d["winlog"]["record_id"] == e["record_id"]
        assert d["winlog"]["event_data"] == e["fields"]
        assert d["event"]["provider"] == e["provider"]
    else:
        assert "code" not in d["event"] and d["boxtrail"]["fields"] == e["fields"]
    if e["fields"].get("ContainerID"):
        assert d["container"]["id"] == e["fields"]["ContainerID"]
        containers += 1
assert containers > 0, "some event names a container"
fs = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
fb = pairs(sys.argv[4])
assert len(fs) == len(fb) >= 5
sev = {"informational": 0, "low": 21, "medium": 47, "high": 73, "critical": 99}
for f, d in zip(fs, fb):
    assert d["@timestamp"] == f["time"] and d["event"]["end"] == f["end"]
    assert d["event"]["kind"] == "alert" and d["event"]["severity"] == sev[f["severity"]]
    assert d["rule"]["id"] == f["rule"]["id"] and d["rule"]["name"] == f["rule"]["title"]
    assert d["threat"]["technique"]["id"] == f["techniques"]
    assert d["host"]["name"] == f["hosts"][0] and d["related"]["hosts"] == f["hosts"]
    assert d["message"] == f["summary"] and d["boxtrail"]["severity"] == f["severity"]
    if f["container"]:
        assert d["container"].get("name") == f["container"]["name"] and d["container"].get("id") == f["container"]["id"]
    if f["account"]:
        assert d["user"]["name"] == f["account"]
    assert len(d["boxtrail"]["evidence"]) == len(f["evidence"])
    assert [r["id"] for r in d["boxtrail"]["rules"]] == [r["id"] for r in f.get("rules", [])], (d["boxtrail"]["rules"], f.get("rules"))
s = pairs(sys.argv[5])
assert s and all(d["event"]["code"] == "4769" for d in s)
PY
expect_rc "hosts does not take -f bulk" 2 "$BOXTRAIL" hosts -f bulk samples
finish

#!/bin/sh
# boxtrail summary: per host what the evidence holds, counted as `events`
# counts it; the HTML page rendered by a real browser (headless chromium):
# every host shown, hostile field text shown as text, and no request leaves
# the page (a listener on the address the hostile text names hears nothing).
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
EVTXGEN=$top_builddir/tests/tools/evtxgen
cd "$top_srcdir" || exit 99

"$BOXTRAIL" summary -f jsonl samples/ >"$TMP/s.jsonl" 2>"$TMP/err"
check "jsonl: exit status" 0 $?
# the counts agree with what `events` prints
"$BOXTRAIL" events -f jsonl samples/ >"$TMP/ev.jsonl" 2>/dev/null
$PY - "$TMP/s.jsonl" "$TMP/ev.jsonl" >"$TMP/cmp" <<'PYEOF' || fail "summary and events disagree: $(cat "$TMP/cmp")"
import json, sys, collections
hosts = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["kind"] == "host":
        hosts[d["host"]] = d
want = collections.Counter()
logons = collections.Counter()
tickets = collections.Counter()
for line in open(sys.argv[2]):
    e = json.loads(line)
    host = e["host"] or "SRV-BUILD01.corp.local"   # the collection's (dockerd.log names none)
    key = e["event_id"] if e["source"] == "evtx" else e["provider"]
    want[(host, e["channel"], str(key))] += 1
    f = e.get("fields", {})
    if e["event_id"] in (4624, 4625):
        logons[(host, f.get("TargetUserName"), f.get("IpAddress"))] += 1
    if e["event_id"] in (4768, 4769):
        tickets[(host, e["event_id"], f.get("TicketEncryptionType"))] += 1
got = collections.Counter()
glog = collections.Counter()
gtic = collections.Counter()
for h, d in hosts.items():
    for r in d["event_ids"]:
        got[(h, r["channel"], r["event_id"])] += r["count"]
    for r in d["logons"]:
        glog[(h, r["account"].split("\\")[-1], r["source"])] += r["count"]
    for r in d["tickets"]:
        gtic[(h, 4768 if r["kind"] == "TGT" else 4769, r["encryption"].split(" ")[0])] += r["count"]
bad = [k for k in set(want) | set(got) if want[k] != got[k]]
bad += [k for k in set(logons) | set(glog) if logons[k] != glog[k]]
bad += [k for k in set(tickets) | set(gtic) if tickets[k] != gtic[k]]
print(sorted(hosts), len(want), "rows", bad[:5])
sys.exit(1 if bad or sorted(hosts) != ["DC01.corp.local", "SRV-BUILD01.corp.local"] else 0)
PYEOF
pass "jsonl: per host, channel and event id, logon and ticket as events counts them ($(cat "$TMP/cmp"))"
grep -q '"container_id":"ci-build","name":"ci-build","image":"mcr.microsoft.com/dotnet/sdk:8.0-windowsservercore-ltsc2022"' "$TMP/s.jsonl" &&
	pass "jsonl: the build container with its image" || fail "jsonl: container ci-build missing"
"$BOXTRAIL" summary -f text samples/ >"$TMP/s.txt" 2>/dev/null
grep -q '^host DC01.corp.local: 473 events' "$TMP/s.txt" && pass "text: DC01's events" || fail "text: $(head -2 "$TMP/s.txt")"
grep -q '^ *6  service ticket  0x17 (RC4)  0x0' "$TMP/s.txt" && pass "text: the roasted tickets" || fail "text: tickets"
expect_rc "bad format" 2 "$BOXTRAIL" summary -f pdf samples/
grep -q "unknown format 'pdf'" "$TMP/err" && pass "bad format named" || fail "bad format: $(cat "$TMP/err")"

# -o: the format from the extension, through the guard of every written file
expect_rc "-o page.html" 0 "$BOXTRAIL" summary -q -o "$TMP/page.html" samples/
head -c 15 "$TMP/page.html" | grep -q '<!DOCTYPE html>' && pass "-o .html writes the page" || fail "-o: $(head -c 80 "$TMP/page.html")"
check "-o: nothing on standard output" "" "$(cat "$TMP/out")"
expect_rc "-o over an existing file" 2 "$BOXTRAIL" summary -q -o "$TMP/page.html" samples/
expect_rc "-o over an existing file with --force" 0 "$BOXTRAIL" summary -q --force -o "$TMP/page.html" samples/
expect_rc "-o inside the evidence" 2 "$BOXTRAIL" summary -q -o samples/DC01/summary.jsonl samples/
[ ! -e samples/DC01/summary.jsonl ] && pass "-o inside the evidence: nothing written" || fail "wrote into the evidence"
expect_rc "-o without a known extension or -f" 2 "$BOXTRAIL" summary -q -o "$TMP/page.pdf" samples/
grep -q "no format from its extension" "$TMP/err" && pass "-o: unknown extension named" || fail "-o: $(cat "$TMP/err")"
expect_rc "-o with -f jsonl" 0 "$BOXTRAIL" summary -q -f jsonl -o "$TMP/page.out" samples/
check "-o with -f jsonl: one object per host" 2 "$(grep -c '"kind":"host"' "$TMP/page.out")"

# A hostile third host: its account name and container name are markup that
# would fetch from a local listener if the page let them be markup.
command -v chromium >/dev/null || skip "chromium is not installed (Debian package chromium)"
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$TMP/ev/WS-09"
cat >"$TMP/ws09.jsonl" <<JEOF
{"defaults": {"channel": "Security", "provider": "Microsoft-Windows-Security-Auditing", "computer": "WS-09.corp.local"}}
{"event_id": 4625, "time": "2026-03-14T10:00:00.0000000Z", "record_id": 7, "data": [{"name": "TargetUserName", "value": "<img src=\"http://127.0.0.1:$PORT/img\">"}, {"name": "TargetDomainName", "value": "CORP"}, {"name": "LogonType", "type": "uint32", "value": 3}, {"name": "IpAddress", "value": "10.20.30.99"}]}
JEOF
"$EVTXGEN" write "$TMP/ws09.jsonl" "$TMP/ev/WS-09/Security.evtx" 2>"$TMP/gen.err" || fail "evtxgen: $(cat "$TMP/gen.err")"
printf '%s\n' "{\"status\":\"create\",\"id\":\"aa11bb22cc33dd44\",\"from\":\"x\",\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"aa11bb22cc33dd44\",\"Attributes\":{\"image\":\"x\",\"name\":\"<script>fetch('http://127.0.0.1:$PORT/js')</script><link rel=stylesheet href=http://127.0.0.1:$PORT/css>\"}},\"time\":1773482400,\"timeNano\":1773482400000000000}" \
	>"$TMP/ev/WS-09/docker-events.jsonl"
"$BOXTRAIL" summary -f html samples/ "$TMP/ev" >"$TMP/s.html" 2>"$TMP/err"
check "html: exit status" 0 $?
# the listener: every request it hears is written to a file
$PY -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(sys.argv[2], "a").write(self.path + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$PORT" "$TMP/heard" &
listener=$!
sleep 1
# the listener hears a request (else its silence below would prove nothing)
$PY -c 'import sys, urllib.request; urllib.request.urlopen("http://127.0.0.1:%s/probe" % sys.argv[1], timeout=10).read()' "$PORT" ||
	fail "the listener does not answer"
check "the listener hears requests" "/probe" "$(cat "$TMP/heard" 2>/dev/null)"
: >"$TMP/heard"
HOME=$TMP timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	--virtual-time-budget=3000 --dump-dom "file://$TMP/s.html" >"$TMP/dom.html" 2>"$TMP/chromium.err"
rc=$?
kill "$listener" 2>/dev/null
check "chromium rendered the page" 0 $rc
for h in DC01.corp.local SRV-BUILD01.corp.local WS-09.corp.local; do
	grep -q "<h2 class=\"host\">$h</h2>" "$TMP/dom.html" && pass "html: host $h shown" ||
		fail "html: host $h not in the rendered page"
done
check "html: no request left the page" "" "$(cat "$TMP/heard" 2>/dev/null)"
grep -q '&lt;img src=' "$TMP/dom.html" && pass "html: hostile account name shown as text" ||
	fail "html: hostile account name not shown as text"
grep -q '&lt;script&gt;fetch' "$TMP/dom.html" && pass "html: hostile container name shown as text" ||
	fail "html: hostile container name not shown as text"
check "html: no element but the page's own" 0 "$(grep -c '<script\|<img\|<link' "$TMP/dom.html")"
finish

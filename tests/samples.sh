#!/bin/sh
# samples/: the committed EVTX files regenerate byte for byte from their JSON
# Lines sources, the sources from samples/src/mksamples.py, every value reads
# back through libevtx, and the story's key events are there (samples/README.md).
. "$top_srcdir/tests/evtxgen-lib.sh"
need evtxexport "libevtx-utils"
need "$PY"
S=$top_srcdir/samples

sh "$S/src/build.sh" "$EVTXGEN" "$S/src" "$tmp/out" || fail "build.sh"
for f in SRV-BUILD01/Sysmon SRV-BUILD01/Security SRV-BUILD01/Application DC01/Security; do
	cmp -s "$S/$f.evtx" "$tmp/out/$f.evtx" || fail "$f.evtx does not regenerate identically (make samples)"
done
ok "make samples regenerates the committed .evtx files"

mkdir -p "$tmp/src"
"$PY" "$S/src/mksamples.py" --out "$tmp/src" --dockerd "$tmp/src/dockerd.log" > /dev/null ||
	fail "mksamples.py"
for f in "$S"/src/*.jsonl; do
	cmp -s "$f" "$tmp/src/${f##*/}" || fail "${f##*/} differs from mksamples.py's output"
done
cmp -s "$S/SRV-BUILD01/dockerd.log" "$tmp/src/dockerd.log" || fail "dockerd.log differs from mksamples.py's"
ok "mksamples.py reproduces the sources"

for p in SRV-BUILD01-Sysmon:SRV-BUILD01/Sysmon SRV-BUILD01-Security:SRV-BUILD01/Security \
	SRV-BUILD01-Application:SRV-BUILD01/Application DC01-Security:DC01/Security; do
	evtxexport -f xml "$S/${p#*:}.evtx" > "$tmp/x.xml" 2> /dev/null || fail "evtxexport ${p#*:}"
	"$PY" "$COMPARE" --renderer libevtx "$S/src/${p%%:*}.jsonl" "$tmp/x.xml" 2> /dev/null ||
		fail "${p#*:}.evtx: values differ from ${p%%:*}.jsonl"
done
ok "every sample value reads back through libevtx"

# the story's facts, as boxtrail sees them
"$BOXTRAIL" events -q -f jsonl "$S" > "$tmp/all.jsonl" 2> /dev/null
"$PY" - "$tmp/all.jsonl" <<'PYEOF' || fail "key events (see the messages above)"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
errors = []
def check(what, n, want):
    if n != want:
        errors.append("%s: %d, expected %d" % (what, n, want))
def f(e, k):
    return (e.get("fields") or {}).get(k)
dc = [e for e in ev if e["host"] == "DC01.corp.local"]
rc4 = [e for e in dc if e["event_id"] == 4769 and f(e, "TicketEncryptionType") == "0x17"]
check("4769 RC4", len(rc4), 6)
roast = [e for e in rc4 if f(e, "IpAddress") == "::ffff:10.20.30.41"]
check("4769 RC4 from 10.20.30.41", len(roast), 5)
check("distinct roasted services", len({f(e, "ServiceName") for e in roast}), 5)
check("roast record ids", sorted(e["record_id"] for e in roast) == list(range(3318757, 3318762)), True)
asrep = [e for e in dc if e["event_id"] == 4768 and f(e, "PreAuthType") == "0"]
check("4768 without pre-auth", len(asrep), 1)
check("AS-REP record id", asrep[0]["record_id"] if asrep else 0, 3318767)
check("4768/4769 RC4 outside the attack", len([e for e in dc if e["event_id"] in (4768, 4769)
      and f(e, "TicketEncryptionType") == "0x17" and f(e, "ServiceName", ) not in
      ("svc_sql", "svc_web", "svc_backup", "svc_sccm", "svc_exchange", "krbtgt", "NAS01$")]), 0)
layer = "C:\\ProgramData\\docker\\windowsfilter\\8d4e1b7a2c9f06e3d5b8a1c4f7e2d09b6a3c5e8f1d4b7a0c2e9f6d3b8a5c1e74\\"
s7 = [e for e in ev if e["provider"] == "Microsoft-Windows-Sysmon" and e["event_id"] == 7]
unsigned = [e for e in s7 if f(e, "Signed") == "false"]
check("unsigned module loads", len(unsigned), 2)
check("unsigned loads from the updater layer", len([e for e in unsigned
      if f(e, "ImageLoaded").startswith(layer)]), 2)
check("signed loads from the ci-build layer (near miss)", len([e for e in s7
      if "windowsfilter\\3f9c2a7e" in f(e, "ImageLoaded") and f(e, "Signed") == "true"]) > 0, True)
s1 = [e for e in ev if e["provider"] == "Microsoft-Windows-Sysmon" and e["event_id"] == 1]
check("container processes under CExecSvc.exe", len([e for e in s1
      if f(e, "ParentImage") == "C:\\Windows\\System32\\CExecSvc.exe"]), 2)
s3 = [e for e in ev if e["provider"] == "Microsoft-Windows-Sysmon" and e["event_id"] == 3
      and f(e, "Image").startswith(layer)]
check("updater connections to DC01:88", len([e for e in s3 if f(e, "DestinationPort") == "88"
      and f(e, "DestinationIp") == "10.20.30.10" and f(e, "SourceIp") == "10.20.30.41"]), 7)
app = [e for e in ev if e["provider"] == "docker"]
body = [e for e in app if e["fields"]["Data"][0].startswith("form data:")
        and '"Binds":["C:\\\\:C:\\\\host"]' in e["fields"]["Data"][0]]
check("Application: create body with C:\\ mounted", len(body), 1)
check("Application: that record", body[0]["record_id"] if body else 0, 7165)
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
PYEOF
grep -c 'form data: .*\\"Binds\\":\[\\"C:\\\\\\\\:C:\\\\\\\\host\\"\]' "$S/SRV-BUILD01/dockerd.log" |
	grep -qx 1 || fail "dockerd.log: the create body with C:\\ mounted"
grep -q 'msg="API listen on //./pipe/docker_engine"' "$S/SRV-BUILD01/dockerd.log" ||
	fail "dockerd.log: API on the named pipe"
ok "key events present"
finish

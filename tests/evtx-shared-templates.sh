#!/bin/sh
# Templates shared across chunks (bt_binxml.c, shared_find): a definition in
# a later chunk reuses one compiled earlier only when it compiles to the same
# operations. Hostile case: chunk 1 defines a template under the GUID of
# chunk 0's template but with another field name and another static text.
# Each chunk's record must keep its own names and text, as libevtx reads them.
. "$top_srcdir/tests/evtxgen-lib.sh"
BT=$top_builddir/src/boxtrail
cat >"$tmp/in.jsonl" <<'EOF'
{"defaults": {"computer": "WS01.corp.local", "channel": "Security", "provider": "Microsoft-Windows-Security-Auditing", "process_id": 4, "thread_id": 8}}
{"event_id": 4688, "time": "2026-03-14T09:00:00Z", "record_id": 1, "data": [{"name": "NewProcessName", "value": "C:\\Windows\\System32\\cmd.exe"}, {"name": "CommandLine", "value": "cmd /c whoami"}]}
{"event_id": 4688, "time": "2026-03-14T09:00:01Z", "record_id": 2, "data": [{"name": "NewProcessName", "value": "C:\\Windows\\System32\\net.exe"}, {"name": "CommandLine", "value": "net user"}]}
{"event_id": 4688, "time": "2026-03-14T09:00:02Z", "record_id": 3, "data": [{"name": "NewProcessName", "value": "C:\\Windows\\System32\\sc.exe"}, {"name": "CommandLine", "value": "sc query"}]}
EOF
"$EVTXGEN" write --records-per-chunk 1 "$tmp/in.jsonl" "$tmp/plain.evtx" || fail "evtxgen write"
# chunk 1: the name NewProcessName becomes NewProcessNamX in its template
# (same length, same GUID), CRCs made good again
$PY - "$tmp/plain.evtx" "$tmp/hostile.evtx" <<'EOF' || fail "patch"
import sys, zlib, struct
b = bytearray(open(sys.argv[1], 'rb').read())
base = 4096 + 65536
chunk = b[base:base + 65536]
old = 'NewProcessName'.encode('utf-16-le')
i = chunk.find(old)
assert i > 0, 'name not in chunk 1'
chunk[i:i + len(old)] = 'NewProcessNamX'.encode('utf-16-le')
free = struct.unpack_from('<I', chunk, 48)[0]
struct.pack_into('<I', chunk, 52, zlib.crc32(bytes(chunk[512:free])) & 0xffffffff)
struct.pack_into('<I', chunk, 124, zlib.crc32(bytes(chunk[0:120] + chunk[128:512])) & 0xffffffff)
b[base:base + 65536] = chunk
open(sys.argv[2], 'wb').write(b)
EOF
[ "$(info_field "$tmp/hostile.evtx" file chunks)" = 3 ] || fail "three chunks written"
"$BT" events -q -j 1 -f jsonl "$tmp/hostile.evtx" >"$tmp/ev.jsonl" 2>"$tmp/err" || fail "events: $(cat "$tmp/err")"
names() { sed -n "$1p" "$tmp/ev.jsonl" | grep -o '"NewProcessNam[eX]"' | tr -d '"'; }
[ "$(names 1)" = NewProcessName ] && ok "chunk 0: its own name" || fail "chunk 0: $(names 1)"
[ "$(names 2)" = NewProcessNamX ] && ok "chunk 1: its own name, not chunk 0's template" || fail "chunk 1: $(names 2)"
[ "$(names 3)" = NewProcessName ] && ok "chunk 2: shares chunk 0's template again" || fail "chunk 2: $(names 3)"
grep -q 'net.exe' "$tmp/ev.jsonl" || fail "chunk 1's value"
# and the native reader reads every chunk as libevtx does
BOXTRAIL=$BT $PY "$top_srcdir/tests/evtx_diff.py" "$tmp/hostile.evtx" "$tmp/plain.evtx" >"$tmp/diff" 2>&1 \
	&& ok "native = libevtx on both files" || { cat "$tmp/diff"; fail "native differs from libevtx"; }
finish

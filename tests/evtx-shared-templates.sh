#!/bin/sh
# Templates shared across chunks (bt_binxml.c, shared_find): a definition in
# a later chunk reuses one compiled earlier only when it compiles to the same
# operations (the same bytes and names: raw_same, else token by token). Hostile case: chunk 1 defines a template under the GUID of
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

# The same template's definition with a chunk's name changed, its bytes
# otherwise alike (raw_same): "backref", the second Data element refers to
# the name Task (defined in the System part) instead of back to the first
# Data element's name; "inline", the name Data defined inline in the
# template becomes Datb (the second Data refers back to it). Either way
# chunk 1 must get its own compilation.
$PY - "$tmp/plain.evtx" "$tmp" <<'EOF' || fail "patch names"
import sys, zlib, struct
for how in ('backref', 'inline'):
    b = bytearray(open(sys.argv[1], 'rb').read())
    base = 4096 + 65536
    chunk = b[base:base + 65536]
    def name_at(nm):  # chunk offset of the name defined inline (u16 count, units, NUL)
        u = struct.pack('<H', len(nm)) + nm.encode('utf-16-le') + b'\0\0'
        i = chunk.find(u, 512)
        assert i > 0, nm + ' not in chunk 1'
        return i - 6
    data = name_at('Data')
    if how == 'backref':
        refs = [j for j in range(512, 65532) if struct.unpack_from('<I', chunk, j)[0] == data
                and j != data - 4]
        assert len(refs) == 1, refs
        struct.pack_into('<I', chunk, refs[0], name_at('Task'))
    else:
        chunk[data + 14:data + 16] = 'b'.encode('utf-16-le')
    free = struct.unpack_from('<I', chunk, 48)[0]
    struct.pack_into('<I', chunk, 52, zlib.crc32(bytes(chunk[512:free])) & 0xffffffff)
    struct.pack_into('<I', chunk, 124, zlib.crc32(bytes(chunk[0:120] + chunk[128:512])) & 0xffffffff)
    b[base:base + 65536] = chunk
    open(sys.argv[2] + '/' + how + '.evtx', 'wb').write(b)
EOF
for f in backref inline; do
	"$BT" events -q -j 1 -f jsonl "$tmp/$f.evtx" >"$tmp/$f.jsonl" 2>"$tmp/err" || fail "events $f: $(cat "$tmp/err")"
done
fields() { sed -n "$2p" "$1" | grep -o '"fields":.*'; }
case $(fields "$tmp/backref.jsonl" 2) in
*'System32\\net.exe","Task":"net user"}}') ok "backref: chunk 1 names its field Task" ;;
*) fail "backref: chunk 1 $(fields "$tmp/backref.jsonl" 2)" ;;
esac
case $(fields "$tmp/inline.jsonl" 2) in
'"fields":{"Datb":['*'net user"]}}') ok "inline: chunk 1's elements are Datb" ;;
*) fail "inline: chunk 1 $(fields "$tmp/inline.jsonl" 2)" ;;
esac
for f in backref inline; do
	fields "$tmp/$f.jsonl" 3 | grep -q '"CommandLine":"sc query"' && ok "$f: chunk 2 has chunk 0's names" \
		|| fail "$f: chunk 2 $(fields "$tmp/$f.jsonl" 3)"
done

# and the native reader reads every chunk as libevtx does
BOXTRAIL=$BT $PY "$top_srcdir/tests/evtx_diff.py" "$tmp/hostile.evtx" "$tmp/plain.evtx" \
	"$tmp/backref.evtx" "$tmp/inline.evtx" >"$tmp/diff" 2>&1 \
	&& ok "native = libevtx on every file" || { cat "$tmp/diff"; fail "native differs from libevtx"; }
finish

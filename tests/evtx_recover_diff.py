#!/usr/bin/env python3
"""Differential of EVTX records recovered outside the live records: boxtrail's
native recovery pass against libevtx 20181227 (boxtrail --reader libevtx).

Inputs: libevtx.jsonl (boxtrail events --reader libevtx -f jsonl), native.jsonl
(boxtrail events -f jsonl), probe.jsonl (tests/tools/evtx_recover_probe: what
the native pass made of each candidate). The EVTX files are read here too, to
check each record's template instances independently of both readers: an
instance "matches" when the definition at the offset it names carries the
template id it names (nested instances in BinXml values included).

Checks (exit 1 when one fails):
  1. every record libevtx recovers whose instances all match (and whose
     templates' names carry their hashes, not overwritten) is recovered by
     the native pass with equal fields, or is a copy of a live record (then
     libevtx's rendering equals that live record);
  2. no native recovered event rests on a mismatched template: each of its
     instances matches in place, or (outcome "template elsewhere") its id is
     defined elsewhere in the file, or ("template in another file") in
     another file of the same channel (by the channel of its live records);
  3. every native recovered event has channel, host and event id.
Prints counts per file class (the folder under the corpus)."""
import collections
import json
import struct
import sys


def events(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            yield json.loads(line)


def strip(e):
    e = dict(e)
    for k in ('recovered', 'recovery', 'offset'):
        e.pop(k, None)
    return e


def instances(c, p, end, out, depth=0):
    """Template instances of the fragment at chunk offset p: (tid, def, inline)."""
    if depth > 8 or p >= end:
        return
    if c[p] == 0x0F:
        p += 4
    if p + 10 > end or c[p] != 0x0C:
        return
    tid, d = struct.unpack_from('<II', c, p + 2)
    p += 10
    out.append((tid, d, d == p))
    if d == p:
        if p + 24 > end:
            return
        p += 24 + struct.unpack_from('<I', c, p + 20)[0]
    if p + 4 > end:
        return
    n = struct.unpack_from('<I', c, p)[0]
    p += 4
    if p + 4 * n > end:
        return
    descs = [struct.unpack_from('<HBB', c, p + 4 * i) for i in range(n)]
    p += 4 * n
    for size, vtype, _ in descs:
        if vtype == 0x21 and p + size <= end:
            instances(c, p, p + size, out, depth + 1)
        p += size


def name_ok(c, off):
    """The name structure at chunk offset off carries its own hash."""
    if off + 8 > len(c):
        return False, 0
    cnt = struct.unpack_from('<H', c, off + 6)[0]
    if off + 8 + 2 * cnt + 2 > len(c):
        return False, 0
    h = 0
    for ch in struct.unpack_from('<%dH' % cnt, c, off + 8):
        h = (h * 65599 + ch) & 0xFFFFFFFF
    return (h & 0xFFFF) == struct.unpack_from('<H', c, off + 4)[0], 8 + 2 * cnt + 2


def template_names_ok(c, d):
    """Every element and attribute name the template defined at d uses
    carries its hash (a template in slack may name overwritten strings)."""
    if d + 24 > len(c):
        return False
    p = d + 24
    end = min(len(c), p + struct.unpack_from('<I', c, d + 20)[0])

    def name(at):
        off = struct.unpack_from('<I', c, at)[0]
        ok, size = name_ok(c, off)
        return ok, at + 4 + (size if off == at + 4 else 0)

    while p < end:
        t = c[p] & 0xBF
        if t == 0x00:
            return True
        if t == 0x01:
            # with the 2-byte dependency id, as Windows writes templates
            has_attrs = c[p] & 0x40
            ok, p = name(p + 7)
            if not ok:
                return False
            if has_attrs:
                p += 4
        elif t in (0x02, 0x03, 0x04):
            p += 1
        elif t == 0x05:
            p += 4 + 2 * struct.unpack_from('<H', c, p + 2)[0]
        elif t == 0x06 or t == 0x09 or t == 0x0A:
            ok, p = name(p + 1)
            if not ok:
                return False
        elif t == 0x07 or t == 0x0B:
            p += 3 + 2 * struct.unpack_from('<H', c, p + 1)[0]
        elif t == 0x08:
            p += 3
        elif t in (0x0D, 0x0E):
            p += 4
        elif t == 0x0F:
            p += 4
        else:
            return False
    return True


class File:
    def __init__(self, path):
        self.d = open(path, 'rb').read()
        self._defs = None

    def chunk(self, off):
        base = 4096 + (off - 4096) // 65536 * 65536
        return base, self.d[base:base + 65536]

    def defined_ids(self):
        """Template ids defined anywhere in the file (inline definitions)."""
        if self._defs is None:
            ids = set()
            for base in range(4096, len(self.d), 65536):
                c = self.d[base:base + 65536]
                i = c.find(b'\x0c\x01', 512)
                while i != -1 and i + 34 <= len(c):
                    tid, d = struct.unpack_from('<II', c, i + 2)
                    if d == i + 10 and struct.unpack_from('<I', c, i + 14)[0] == tid:
                        ids.add(tid)
                    i = c.find(b'\x0c\x01', i + 1)
            self._defs = ids
        return self._defs

    def check(self, off):
        """'match', 'mismatch' (ids not defined where named) or 'unknown'."""
        if off < 4096 or off + 28 > len(self.d):
            return 'unknown', []
        base, c = self.chunk(off)
        r = off - base
        if c[r:r + 4] != b'**\0\0':
            return 'unknown', []
        size = struct.unpack_from('<I', c, r + 4)[0]
        ins = []
        instances(c, r + 24, min(len(c), r + size - 4), ins)
        if not ins:
            return 'unknown', []
        bad = [tid for tid, d, inline in ins
               if not inline and (d + 8 > len(c) or struct.unpack_from('<I', c, d + 4)[0] != tid)]
        if bad:
            return 'mismatch', bad
        worn = [tid for tid, d, inline in ins if not template_names_ok(c, d)]
        if worn:
            return 'names overwritten', worn
        return 'match', []


def main():
    lx_path, nat_path, probe_path = sys.argv[1:4]
    corpus = sys.argv[4] if len(sys.argv) > 4 else ''
    files = {}

    def F(p):
        if p not in files:
            files[p] = File(p)
        return files[p]

    def cls(p):
        rel = p[len(corpus):].lstrip('/') if corpus and p.startswith(corpus) else p
        return rel.split('/')[0]

    live = collections.defaultdict(list)
    nat = {}
    channel_of = {}
    for e in events(nat_path):
        if e.get('recovered'):
            nat[(e['file'], e['offset'])] = e
        else:
            live[(e['file'], e['record_id'], e['time'])].append(strip(e))
            channel_of.setdefault(e['file'], e.get('channel'))
    by_channel = collections.defaultdict(list)
    for f, ch in channel_of.items():
        if ch:
            by_channel[ch.lower()].append(f)

    def defined_in_other_file(f, tids):
        ch = (channel_of.get(f) or '').lower()
        others = [g for g in by_channel.get(ch, []) if g != f]
        return bool(ch) and all(any(t in F(g).defined_ids() for g in others) for t in tids)
    outcome = {(o['file'], o['offset']): o['outcome'] for o in events(probe_path)}
    count = collections.defaultdict(collections.Counter)
    failures = []

    # 1. libevtx's recovered records with matching templates
    for e in events(lx_path):
        if not e.get('recovered'):
            continue
        f, off = e['file'], e['offset']
        k = count[cls(f)]
        k['libevtx recovered'] += 1
        m, _ = F(f).check(off)
        if m != 'match':
            k['libevtx: template ' + m] += 1
            continue
        k['libevtx: matching template'] += 1
        n = nat.get((f, off))
        o = outcome.get((f, off), 'not a candidate')
        if n is not None:
            if strip(n) == strip(e):
                k['  native recovered, equal fields'] += 1
            else:
                k['  native recovered, fields differ'] += 1
                failures.append('%s @%d: fields differ from libevtx' % (f, off))
        elif o == 'copy':
            if strip(e) in live.get((f, e['record_id'], e['time']), []):
                k['  copy of a live record (equal)'] += 1
            elif e.get('channel') and e.get('host'):
                k['  copy of a live record (libevtx renders it otherwise)'] += 1
                failures.append('%s @%d: libevtx renders a copy of a live record otherwise'
                                % (f, off))
            else:
                k['  copy of a live record (libevtx: no channel/host)'] += 1
        elif e.get('channel') and e.get('host'):
            k['  not recovered: ' + o] += 1
            failures.append('%s @%d record %s: libevtx renders it, native: %s'
                            % (f, off, e['record_id'], o))
        else:
            # libevtx's own rendering lacks the System part: names overwritten
            k['  not recovered (libevtx: no channel/host): ' + o] += 1

    # 2. and 3. every native recovered event
    for (f, off), e in nat.items():
        k = count[cls(f)]
        k['native recovered'] += 1
        o = outcome.get((f, off), 'not a candidate')
        m, bad = F(f).check(off)
        if o == 'recovered' and m == 'match':
            k['native: template in place'] += 1
        elif o == 'recovered, template elsewhere' and m != 'match' and \
                all(t in F(f).defined_ids() for t in bad):
            k['native: template elsewhere in the file'] += 1
        elif o == 'recovered, template in another file' and m != 'match' and \
                defined_in_other_file(f, bad):
            k['native: template in another file of the channel'] += 1
        else:
            k['native: UNCHECKED TEMPLATE'] += 1
            failures.append('%s @%d: recovered (%s) but template check says %s %s'
                            % (f, off, o, m, ['0x%08x' % t for t in bad]))
        if not (e.get('channel') and e.get('host') and e.get('event_id') is not None):
            failures.append('%s @%d: recovered without channel, host or event id' % (f, off))

    for c in sorted(count):
        print('== %s' % c)
        for key in sorted(count[c]):
            print('  %-60s %7d' % (key, count[c][key]))
    total = collections.Counter()
    for c in count.values():
        total.update(c)
    print('== total')
    for key in sorted(total):
        print('  %-60s %7d' % (key, total[key]))
    for line in failures[:50]:
        print('FAIL', line)
    if failures:
        print('%d failures' % len(failures))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Writes small EVTX files that probe how libevtx 20181227 renders every
substitution value type and the Binary XML corner cases boxtrail's native
reader must reproduce (integer sign quirk, float and FILETIME/SYSTEMTIME
formats, arrays, optional and empty values, strings with NULs, markup,
surrogates, ANSI code page, nested BinXml, text beside substitutions).
tests/evtx-native-types.sh reads them with both readers and compares.

Usage: evtx_probe.py OUTDIR"""
import os, struct, sys, zlib

import struct, zlib, sys

class Chunk:
    def __init__(self):
        self.b = bytearray(512)
        self.names = {}

def u8(v): return struct.pack('<B', v)
def u16(v): return struct.pack('<H', v)
def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)

class Frag:
    """builds BinXml where names are inline (defined at first use)"""
    def __init__(self, chunk, base):
        self.c = chunk; self.base = base; self.b = bytearray(); self.names = chunk.names
    def pos(self): return self.base + len(self.b)
    def nameref(self, s):
        if s in self.names:
            self.b += u32(self.names[s]); return
        here = self.pos() + 4
        self.b += u32(here)
        self.names[s] = here
        enc = s.encode('utf-16-le')
        self.b += u32(0) + u16(0) + u16(len(s)) + enc + b'\0\0'
    def open(self, name, attrs=False):
        if not hasattr(self, 'st'): self.st = []
        self.b += u8(0x41 if attrs else 0x01) + u16(0xffff)
        szpos = len(self.b); self.b += u32(0)
        self.nameref(name)
        ap = None
        if attrs:
            ap = len(self.b); self.b += u32(0)
        self.st.append((szpos, ap))
    def _fin_attrs(self):
        szpos, ap = self.st[-1]
        if ap is not None: struct.pack_into('<I', self.b, ap, len(self.b) - ap - 4)
    def _fin(self):
        szpos, ap = self.st.pop()
        struct.pack_into('<I', self.b, szpos, len(self.b) - szpos - 4)
    def attr(self, name):
        self.b += u8(0x06); self.nameref(name)
    def close_start(self): self._fin_attrs(); self.b += u8(0x02)
    def close_empty(self): self._fin_attrs(); self.b += u8(0x03); self._fin()
    def end(self): self.b += u8(0x04); self._fin()
    def text(self, s):
        enc = s.encode('utf-16-le'); self.b += u8(0x05) + u8(0x01) + u16(len(enc)//2) + enc
    def sub(self, i, t, opt=False):
        self.b += u8(0x0e if opt else 0x0d) + u16(i) + u8(t)
    def charref(self, v): self.b += u8(0x08) + u16(v)
    def entref(self, n): self.b += u8(0x09); self.nameref(n)
    def cdata(self, s):
        enc = s.encode('utf-16-le'); self.b += u8(0x07) + u16(len(enc)//2) + enc
    def pi(self, target, data):
        self.b += u8(0x0a); self.nameref(target)
        enc = data.encode('utf-16-le'); self.b += u8(0x0b) + u16(len(enc)//2) + enc
    def eof(self): self.b += u8(0x00)

def system(f, eid_sub=0, time_sub=1, rid=None):
    f.open('System'); f.close_start()
    f.open('Provider', True); f.attr('Name'); f.text('Probe'); f.close_empty()
    f.open('EventID'); f.close_start(); f.sub(eid_sub, 6); f.end()
    f.open('Level'); f.close_start(); f.text('4'); f.end()
    f.open('TimeCreated', True); f.attr('SystemTime'); f.sub(time_sub, 0x11); f.close_empty()
    f.open('EventRecordID'); f.close_start(); f.text(str(rid or 1)); f.end()
    f.open('Channel'); f.close_start(); f.text('ProbeChannel'); f.end()
    f.open('Computer'); f.close_start(); f.text('host'); f.end()
    f.end()

def build_file(records_per_chunk, path):
    """records_per_chunk: list of chunks; each chunk a list of (body_fn, values) where
    body_fn(frag) writes the template body after System, values list of (type, bytes)."""
    out = bytearray()
    chunks = []
    rid = 1
    for recs in records_per_chunk:
        c = Chunk()
        first = rid
        tmpl_off = {}
        last_rec = 512
        for (key, body, values) in recs:
            rstart = len(c.b)
            f = Frag(c, rstart + 24)
            f.b += bytes([0x0f, 1, 1, 0])
            f.b += u8(0x0c) + u8(1)
            if key in tmpl_off:
                f.b += u32(0) + u32(tmpl_off[key])
            else:
                f.b += u32(0)
                dpos = f.pos() + 4
                f.b += u32(dpos)
                tmpl_off[key] = dpos
                f.b += u32(0) + b'G'*16
                szp = len(f.b); f.b += u32(0)
                st = len(f.b)
                f.b += bytes([0x0f, 1, 1, 0])
                f.open('Event', True); f.attr('xmlns'); f.text('http://schemas.microsoft.com/win/2004/08/events/event'); f.close_start()
                system(f)
                body(f)
                f.end(); f.eof()
                struct.pack_into('<I', f.b, szp, len(f.b) - st)
            allv = [(6, u16(4624)), (0x11, u64(131000000000000000))] + values
            f.b += u32(len(allv))
            # values may be callables taking their chunk position (nested BinXml)
            dpos = len(f.b)
            for t, v in allv: f.b += u16(0) + u8(t) + u8(0)
            for i, (t, v) in enumerate(allv):
                if callable(v): v = v(f.pos(), c)
                struct.pack_into('<H', f.b, dpos + 4*i, len(v))
                f.b += v
            f.eof()
            size = 24 + len(f.b) + 4
            rec = b'**\0\0' + u32(size) + u64(rid) + u64(131000000000000000) + bytes(f.b) + u32(size)
            last_rec = len(c.b)
            c.b += rec
            rid += 1
        free = len(c.b)
        assert free <= 65536
        hdr = bytearray(c.b[:512])
        hdr[0:8] = b'ElfChnk\0'
        struct.pack_into('<QQQQIIII', hdr, 8, first, rid-1, first, rid-1, 128, last_rec, free, 0)
        c.b[0:512] = hdr
        c.b += bytes(65536 - len(c.b))
        dcrc = zlib.crc32(bytes(c.b[512:free]))
        struct.pack_into('<I', c.b, 52, dcrc)
        hcrc = zlib.crc32(bytes(c.b[0:120]) + bytes(c.b[128:512]))
        struct.pack_into('<I', c.b, 124, hcrc)
        chunks.append(c.b)
    fh = bytearray(4096)
    fh[0:8] = b'ElfFile\0'
    struct.pack_into('<QQQIHHHH', fh, 8, 0, len(chunks)-1, rid, 128, 1, 3, 4096, len(chunks))
    struct.pack_into('<I', fh, 120, 0)
    struct.pack_into('<I', fh, 124, zlib.crc32(bytes(fh[0:120])))
    with open(path, 'wb') as fp:
        fp.write(fh)
        for c in chunks: fp.write(c)

def data_body(n):
    def body(f):
        f.open('EventData'); f.close_start()
        for i in range(n):
            f.open('Data', True); f.attr('Name'); f.text('v%d' % i); f.close_start(); f.sub(i + 2, 0); f.end()
        f.end()
    return body

def nested(body, values, key_holder={}):
    """a BinXml value: fragment + template instance (inline def) + values"""
    def make(pos, chunk):
        f = Frag(chunk, pos)
        f.b += bytes([0x0f, 1, 1, 0])
        f.b += u8(0x0c) + u8(1) + u32(0)
        dpos = f.pos() + 4
        f.b += u32(dpos)
        f.b += u32(0) + b'N'*16
        szp = len(f.b); f.b += u32(0)
        st = len(f.b)
        f.b += bytes([0x0f, 1, 1, 0])
        body(f)
        f.eof()
        struct.pack_into('<I', f.b, szp, len(f.b) - st)
        f.b += u32(len(values))
        for t, v in values: f.b += u16(len(v)) + u8(t) + u8(0)
        for t, v in values: f.b += v
        f.eof()
        return bytes(f.b)
    return make


def probe_p2():
    def s(x): return x.encode('utf-16-le')
    vals = [
     (1, s('hello')), (1, s('a\r\nb\tc\x01d<&>"\'')), (2, b'ansi\xe9x'), (3, struct.pack('<b',-5)), (4, u8(250)),
     (5, struct.pack('<h',-300)), (6, u16(65000)), (7, struct.pack('<i',-70000)), (8, u32(4000000000)),
     (9, struct.pack('<q',-5)), (10, u64(2**64-1)), (11, struct.pack('<f',1.5)), (12, struct.pack('<d',3.14159)),
     (13, u32(1)), (13, u32(0)), (13, u32(7)), (14, b'\x00\x01\xab\xff'), (15, bytes(range(16))), (16, u32(0x17)), (16, u64(0x1234)),
     (17, u64(0)), (17, u64(131000000000000001)), (18, struct.pack('<8H', 2020,2,0,29,13,14,15,123)),
     (19, bytes([1,5,0,0,0,0,0,5, 21,0,0,0, 1,2,3,4, 0xe8,3,0,0])), (20, u32(0x17)), (21, u64(0x17)),
     (0, b''), (1, b''), (0x81, s('a\0bb\0')), (0x88, u32(1)+u32(2)), (0x94, u32(1)+u32(0x20)),
     (0x8f, bytes(range(16))*2), (0x91, u64(131000000000000000)*2), (11, struct.pack('<f',1e20)), (12, struct.pack('<d',0.1)),
     (12, struct.pack('<d',1e300)), (11, struct.pack('<f', float('nan'))), (20, u32(0)), (0x20, u64(5)),
     (0x83, b'\x01\xff'), (0x84, b'\x01\xff'), (0x85, struct.pack('<hh',-1,2)), (0x86, u16(1)+u16(2)), (0x87, u32(5)+u32(6)),
     (0x89, u64(1)+u64(2)), (0x8a, u64(1)+u64(2)), (0x8b, struct.pack('<ff',1.5,2.5)), (0x8c, struct.pack('<dd',1.5,2.5)),
     (0x8d, u32(1)+u32(0)), (0x90, u32(1)+u32(2)), (0x92, struct.pack('<8H', 2020,2,0,29,13,14,15,123)*2),
     (0x93, bytes([1,1,0,0,0,0,0,5, 18,0,0,0])*2), (0x95, u64(0x17)+u64(0x18)), (0x82, b'ab\0cd\0'), (0x8e, b'\x01\x02\x03'),
     (0x12, struct.pack('<8H', 2020,2,0,29,13,14,15,0)), (0x11, u64(0xffffffffffffffff)), (1, s('x\udc00y'.encode('utf-16-le','surrogatepass').decode('utf-16-le','surrogatepass')) if False else b'x\x00\x00\xdcy\x00'),
     (0x0d, u32(0xffffffff)), (0x10, u64(2**63)), (0x13, b'\x01\x00\x00\x00\x00\x00\x00\x05'), (0x0e, b''),
    ]
    def body_for(t):
        def body(f):
            f.open('EventData'); f.close_start()
            f.open('Data', True); f.attr('Name'); f.text('v'); f.close_start(); f.sub(2, t); f.end()
            f.open('Data', True); f.attr('Name'); f.sub(2, t, True); f.close_empty()
            f.end()
        return body
    recs = [(str(i), body_for(t), [(t, v)]) for i, (t, v) in enumerate(vals)]
    # split into chunks of 20 records
    chunks = [recs[i:i+20] for i in range(0, len(recs), 20)]
    return (chunks, )


def probe_p3():
    def s(x): return x.encode('utf-16-le')
    vals = [
     (1, s('ab\0cd')), (1, s('abc\0')), (1, b''), (0, b''), (2, b'ab\0cd'), (0x11, u64(0x0123456789abcdef)), (0x11, u64(2650467743999999999)),(0x11, u64(2650467744000000000)),
     (0x12, struct.pack('<8H', 2020,13,0,29,13,14,15,0)), (0x12, struct.pack('<8H', 2020,2,0,30,25,14,15,0)),
     (11, struct.pack('<f', float('inf'))), (11, struct.pack('<f', float('-inf'))), (12, struct.pack('<d', -0.0)), (12, struct.pack('<d', 123456789.125)),
     (12, struct.pack('<d', 5e-324)), (0x13, bytes([1,2,0,0,0,0,0,5, 32,0,0,0, 0x20,2,0,0])), (0x13, bytes([1,1,0,0,0,0,1,0, 0,0,0,0])),
     (0x81, b''), (0x81, s('a\0')), (0x81, s('a\0\0b')), (0x0e, b''), (0x14, u32(0xffffffff)), (0x93, bytes([1,1,0,0,0,0,0,5, 18,0,0,0])), (0x8d, u32(1)),
     (0x90, u64(1)+u64(2)), (0x90, u32(1)+u32(2)), (1, s('x\ufffey')), (1, s('\U0001F600')), (0x13, bytes([1,1,0,0x12,0x34,0x56,0x78,0x9a, 18,0,0,0])),
    ]
    def body_for(t):
        def body(f):
            f.open('EventData'); f.close_start()
            f.open('Data', True); f.attr('Name'); f.text('v'); f.close_start(); f.sub(2, t); f.end()
            f.end()
        return body
    def body_attr(t):
        def body(f):
            f.open('EventData'); f.close_start()
            f.open('Data', True); f.attr('Name'); f.sub(2, t, True); f.close_empty()
            f.end()
        return body
    recs = [(str(i), body_for(t), [(t, v)]) for i, (t, v) in enumerate(vals)]
    recs += [('a'+str(i), body_attr(t), [(t, v)]) for i, (t, v) in enumerate(vals[:5])]
    chunks = [recs[i:i+20] for i in range(0, len(recs), 20)]
    return (chunks, )


def probe_p5():
    def s(x): return x.encode('utf-16-le', 'surrogatepass')
    def body_opt(named):
        def body(f):
            f.open('EventData'); f.close_start()
            if named:
                f.open('Data', True); f.attr('Name'); f.text('x'); f.close_start(); f.sub(2, 0, True); f.end()
            else:
                f.open('Data'); f.close_start(); f.sub(2, 0, True); f.end()
            f.open('Data', True); f.attr('Name'); f.text('after'); f.close_start(); f.text('A'); f.end()
            f.end()
        return body
    def body_plain(f):
        f.open('EventData'); f.close_start()
        f.open('Data'); f.close_start(); f.sub(2, 0x81); f.end()
        f.open('Data', True); f.attr('Name'); f.text('s'); f.close_start(); f.sub(3, 1); f.end()
        f.open('Data', True); f.attr('Name'); f.text('t'); f.close_start(); f.text('x'); f.sub(4, 1, True); f.text('y'); f.end()
        f.end()
    recs = [('o1', body_opt(False), [(0, b'')]), ('o2', body_opt(True), [(0, b'')]),
            ('o1', body_opt(False), [(1, s('v'))]),
            ('p', body_plain, [(0x81, s('a\0\n\0 x \0\t\0\r\n\0b\n\0\nc\0')), (1, s('\n')), (0, b'')]),
            ('p', body_plain, [(0x81, s('\n')), (1, s('  ')), (1, s('\r\n'))]),
            ('p', body_plain, [(0x81, s('q')), (1, s('\t')), (1, s(' '))]),
            ]
    return ([recs], )


def probe_p6():
    def s(x): return x.encode('utf-16-le', 'surrogatepass')
    def body(f):
        f.open('EventData'); f.close_start()
        f.open('Data', True); f.attr('Name'); f.text('s'); f.close_start(); f.sub(2, 1); f.end()
        f.end()
    vals = ['<a>b</a>', 'x<y', 'a->b', '<s:E><s:H x="1">*</s:H></s:E>', '<a>', 'a & b', '<a/>', 'x <a>b</a>', '<a>b</a> x', '<', '&lt;', '<!-- c -->', '<a>b</c>']
    recs = [('p', body, [(1, s(v))]) for v in vals]
    return ([recs], )


def probe_p7():
    def s(x): return x.encode('utf-16-le', 'surrogatepass')
    def outer(f):
        f.open('EventData'); f.close_start(); f.sub(2, 0x21); f.end()
    def outer_ud(f):
        f.open('UserData'); f.close_start(); f.sub(2, 0x21); f.end()
    def inner(f):
        f.open('Data', True); f.attr('Name'); f.text('s'); f.close_start(); f.sub(0, 1); f.end()
        f.open('Data', True); f.attr('Name'); f.text('n'); f.close_start(); f.sub(1, 0x14); f.end()
        f.open('Data', True); f.attr('Name'); f.text('o'); f.close_start(); f.sub(2, 1, True); f.end()
        f.open('Data', True); f.attr('Name'); f.text('t'); f.close_start(); f.text('a<b&c'); f.end()
    def inner_ud(f):
        f.open('W', True); f.attr('xmlns'); f.text('urn:x'); f.close_start()
        f.open('A'); f.close_start(); f.sub(0, 1); f.end()
        f.open('B'); f.close_start(); f.open('C'); f.close_start(); f.sub(1, 0x14); f.end(); f.end()
        f.open('D'); f.close_start(); f.sub(2, 1, True); f.end()
        f.end()
    recs = [('o', outer, [(0x21, nested(inner, [(1, s('<a>b</a> & x')), (0x14, u32(5)), (0, b'')]))]),
            ('u', outer_ud, [(0x21, nested(inner_ud, [(1, s('<a>b</a> & x')), (0x14, u32(5)), (0, b'')]))])]
    return ([recs], )


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in [('types', probe_p2), ('edges', probe_p3), ('optional', probe_p5),
                     ('markup', probe_p6), ('nested', probe_p7)]:
        chunks = fn()[0]
        build_file(chunks, os.path.join(out, 'probe-%s.evtx' % name))


if __name__ == '__main__':
    main()

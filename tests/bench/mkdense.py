#!/usr/bin/env python3
"""Assembles a large EVTX file from real dense chunks (>= MIN records, both
CRCs good) of the files given, repeated until the file reaches SIZE MiB.
Usage: mkdense.py OUT SIZE_MIB FILE..."""
import struct, sys, zlib

MIN = 50
out, size_mib, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
chunks = []
for f in files:
    d = open(f, 'rb').read()
    for off in range(4096, len(d) - 65535, 65536):
        c = d[off:off + 65536]
        if c[:8] != b'ElfChnk\0':
            continue
        first, last = struct.unpack_from('<QQ', c, 8)
        fso = struct.unpack_from('<I', c, 48)[0]
        if last < first or last - first + 1 < MIN or not 512 <= fso <= 65536:
            continue
        if zlib.crc32(c[:120] + c[128:512]) != struct.unpack_from('<I', c, 124)[0]:
            continue
        if zlib.crc32(c[512:fso]) != struct.unpack_from('<I', c, 52)[0]:
            continue
        chunks.append(c)
if not chunks:
    sys.exit('no dense chunks found')
n = size_mib * 16
body = [chunks[i % len(chunks)] for i in range(n)]
fh = bytearray(4096)
fh[0:8] = b'ElfFile\0'
struct.pack_into('<QQQIHHHH', fh, 8, 0, n - 1, 1, 128, 1, 3, 4096, n & 0xFFFF)
struct.pack_into('<I', fh, 124, zlib.crc32(bytes(fh[0:120])))
with open(out, 'wb') as fp:
    fp.write(fh)
    for c in body:
        fp.write(c)
print('%d distinct dense chunks, %d chunks written' % (len(chunks), n))

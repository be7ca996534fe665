#!/usr/bin/env python3
"""Mutated-evidence sweep: damage EVTX files in every structural way and check
that boxtrail survives each copy and accounts for it.

From each base file (generated, samples, corpus) this derives truncations at
every structural boundary, bit flips in each header/table/record region (with
the CRCs left wrong and rewritten), wrong CRCs, zeroed chunks, sizes and
offsets pointing past the end, Binary XML value sizes past the end, template
loops and deep element nesting. For every damaged copy, `boxtrail events
--stats` must:

  - end by itself (bounded time) with a documented exit status, never a signal;
  - print only valid JSON objects, as many as its statistics count;
  - emit every record the damage did not touch exactly as from the intact file;
  - count what it could not read: a record of the intact file that is missing
    shows in the statistics (failed, corrupt chunks, partial, unreadable) and
    in the exit status.

--sample N picks N mutations per file with --seed (make check); without it
every mutation runs (make sweep). Damaged copies that fail are kept in --keep.
"""
import argparse
import json
import os
import random
import re
import struct
import subprocess
import sys
import zlib

FILE_HDR = 4096
CHUNK = 65536
CHUNK_HDR = 512


def le32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def fix_file_crc(d):
    struct.pack_into("<I", d, 124, zlib.crc32(bytes(d[0:120])) & 0xFFFFFFFF)


def fix_chunk_crcs(d, c):
    """Rewrites chunk c's header and records CRCs (as Windows would have)."""
    o = FILE_HDR + c * CHUNK
    if o + CHUNK_HDR > len(d):
        return
    fso = le32(d, o + 48)
    end = min(o + max(fso, CHUNK_HDR), o + CHUNK, len(d))
    struct.pack_into("<I", d, o + 52, zlib.crc32(bytes(d[o + CHUNK_HDR:end])) & 0xFFFFFFFF)
    struct.pack_into("<I", d, o + 124,
                     zlib.crc32(bytes(d[o:o + 120]) + bytes(d[o + 128:o + CHUNK_HDR])) & 0xFFFFFFFF)


class Record:
    def __init__(self, chunk, off, size, rid):
        self.chunk, self.off, self.size, self.rid = chunk, off, size, rid


def layout(d):
    """Chunks with a signature, and their records (walked by size)."""
    chunks, records = [], []
    c = 0
    while FILE_HDR + (c + 1) * CHUNK <= len(d):
        o = FILE_HDR + c * CHUNK
        if d[o:o + 8] == b"ElfChnk\0":
            chunks.append(c)
            fso = le32(d, o + 48)
            pos = o + CHUNK_HDR
            while pos + 28 <= o + min(fso, CHUNK):
                if d[pos:pos + 4] != b"**\0\0":
                    break
                size = le32(d, pos + 4)
                if size < 28 or pos + size > o + CHUNK:
                    break
                records.append(Record(c, pos, size, struct.unpack_from("<Q", d, pos + 8)[0]))
                pos += size
        c += 1
    return chunks, records


def flip(d, lo, hi, rng, bits):
    for _ in range(bits):
        i = rng.randrange(lo, hi)
        d[i] ^= 1 << rng.randrange(8)


def template_instance(d, r):
    """(template definition offset in chunk, inline, substitutions-array offset in
    file) of record r's first template instance, or None."""
    chunk_off = FILE_HDR + r.chunk * CHUNK
    p = r.off + 24
    if d[p] != 0x0F:
        return None
    p += 4
    if d[p] != 0x0C:
        return None
    def_off = le32(d, p + 6)
    p += 10
    inline = chunk_off + def_off == p
    if inline:
        size = le32(d, p + 20)
        p += 24 + size
    return def_off, inline, p


def deep_record(rid, chunk_rel, room, depth):
    """A record of `room` bytes whose Binary XML nests `depth` elements."""
    name = "E".encode("utf-16-le")
    body = bytearray(b"\x0f\x01\x01\x00")
    first_name = None
    for i in range(depth):
        tok_at = chunk_rel + 24 + len(body)
        if first_name is None:
            first_name = tok_at + 11
            body += struct.pack("<BHII", 0x01, 0xFFFF, 0, first_name)
            body += struct.pack("<IHH", 0, 0x45, 1) + name + b"\0\0"
        else:
            body += struct.pack("<BHII", 0x01, 0xFFFF, 0, first_name)
        body += b"\x02"
    body += b"\x04" * depth + b"\x00"
    size = 24 + len(body) + 4
    if size > room:
        return None
    size = room
    rec = bytearray(struct.pack("<4sIQQ", b"**\0\0", size, rid, 0x01D8B0A0C0000000))
    rec += body + bytes(size - 28 - len(body)) + struct.pack("<I", size)
    return rec


def mutations(d, chunks, records, seed):
    """(name, make, damage) for every mutation of d: make() returns the damaged
    bytes (built on demand, with a random generator seeded by the name).
    damage: a set of chunk indexes whose records may be lost or changed,
    ("trunc", cut offset), ("removed", chunks, offsets of records the mutation
    took out), or "all"."""
    out = []

    def add(name, change, damage):
        def make():
            m = bytearray(d)
            change(m, random.Random("%s:%s" % (seed, name)))
            return m
        out.append((name, make, damage))

    def set_u32(off, v, fix_chunk=None, fix_file=False, fmt="<I"):
        def change(m, _):
            struct.pack_into(fmt, m, off, v)
            if fix_chunk is not None:
                fix_chunk_crcs(m, fix_chunk)
            if fix_file:
                fix_file_crc(m)
        return change

    # truncations at every structural boundary
    cuts = {0, 7, 8, 127, 128, FILE_HDR - 1, FILE_HDR}
    for c in chunks:
        o = FILE_HDR + c * CHUNK
        cuts |= {o, o + 8, o + 127, o + CHUNK_HDR - 1, o + CHUNK_HDR, o + CHUNK - 1}
    for r in records:
        cuts |= {r.off, r.off + 4, r.off + 24, r.off + r.size // 2, r.off + r.size - 1}
    for x in sorted(v for v in cuts if v < len(d)):
        add("truncate@%d" % x, lambda m, _, x=x: m.__delitem__(slice(x, None)), ("trunc", x))

    def flips(name, lo, hi, damage):
        for fix in (False, True):
            for bits in (1, 8):
                def change(m, rng, fix=fix, bits=bits):
                    flip(m, lo, hi, rng, bits)
                    if fix and lo < FILE_HDR:
                        fix_file_crc(m)
                    elif fix:
                        fix_chunk_crcs(m, (lo - FILE_HDR) // CHUNK)
                add("bitflip-%s-%dbits%s" % (name, bits, "-crcfixed" if fix else ""), change, damage)

    # bit flips per region; the file header's own fields (its signature
    # excepted) are not needed to read the chunks
    flips("file-signature", 0, 8, "all")
    flips("file-header", 8, 120, set())
    for c in chunks:
        o = FILE_HDR + c * CHUNK
        flips("chunk%d-header" % c, o, o + 128, {c})
        flips("chunk%d-tables" % c, o + 128, o + CHUNK_HDR, {c})
    for r in records:
        flips("record@%d-header" % r.off, r.off, r.off + 24, {r.chunk})
        flips("record@%d-body" % r.off, r.off + 24, r.off + r.size - 4, {r.chunk})
        flips("record@%d-sizecopy" % r.off, r.off + r.size - 4, r.off + r.size, {r.chunk})

    # wrong CRCs: every record stays readable
    def xor(off):
        def change(m, _):
            m[off] ^= 0xFF
        return change
    add("bad-file-crc", xor(124), set())
    for c in chunks:
        o = FILE_HDR + c * CHUNK
        add("chunk%d-bad-header-crc" % c, xor(o + 124), set())
        add("chunk%d-bad-data-crc" % c, xor(o + 52), set())

    # zeroed chunks
    for c in chunks:
        o = FILE_HDR + c * CHUNK
        add("chunk%d-zeroed" % c, lambda m, _, o=o: m.__setitem__(slice(o, o + CHUNK), bytes(CHUNK)),
            {c})

    # sizes and offsets pointing past the end
    for field, off, fmt, values in (("chunk-count", 42, "<H", (0xFFFF, 0)),
                                    ("header-size", 32, "<I", (0xFFFFFFFF, 0)),
                                    ("header-block-size", 40, "<H", (0xFFFF, 0))):
        for v in values:
            for fix in (False, True):
                add("file-%s=%#x%s" % (field, v, "-crcfixed" if fix else ""),
                    set_u32(off, v, fix_file=fix, fmt=fmt), set())
    for c in chunks:
        o = FILE_HDR + c * CHUNK
        for field, foff in (("last-record-offset", 44), ("free-space-offset", 48),
                            ("header-size", 40)):
            for v in (0xFFFFFFF0, CHUNK + 8, 0, 7):
                add("chunk%d-%s=%#x" % (c, field, v), set_u32(o + foff, v, c), {c})
        for slot in (128, 384):  # a string and a template table entry
            add("chunk%d-table@%d-past-end" % (c, slot), set_u32(o + slot, 0xFFFFFFF0, c), {c})
    for r in records:
        for v in (0, 8, 0xFFFFFFF0, r.size + 8, r.size - 8):
            add("record@%d-size=%#x" % (r.off, v), set_u32(r.off + 4, v, r.chunk), {r.chunk})
        ti = template_instance(d, r)
        if not ti:
            continue
        def_off, inline, subs = ti
        if subs + 4 <= r.off + r.size:
            for v in (0xFFFFFFFF, 0x10000):
                add("record@%d-value-count=%#x" % (r.off, v), set_u32(subs, v, r.chunk), {r.chunk})
            n = le32(d, subs)
            if n and subs + 4 + 4 * n <= r.off + r.size:
                i = (r.off // 8) % n
                add("record@%d-value%d-size-past-end" % (r.off, i),
                    set_u32(subs + 4 + 4 * i, 0xFFFF, r.chunk, fmt="<H"), {r.chunk})
        chunk_off = FILE_HDR + r.chunk * CHUNK
        if inline:
            # the definition's body instantiates the definition itself
            body = chunk_off + def_off + 24
            loop = b"\x0f\x01\x01\x00" + struct.pack("<BBII", 0x0C, 1, 0, def_off)

            def change(m, _, body=body, loop=loop, c=r.chunk):
                m[body:body + len(loop)] = loop
                fix_chunk_crcs(m, c)
            add("record@%d-template-loop" % r.off, change, {r.chunk})
            # the definition's next-in-chain offset is itself
            add("record@%d-template-chain-loop" % r.off,
                set_u32(chunk_off + def_off, def_off, r.chunk), {r.chunk})
        else:
            # the instance points at the record that holds it
            add("record@%d-template-self" % r.off,
                set_u32(r.off + 24 + 4 + 6, r.off - chunk_off + 24, r.chunk), {r.chunk})

    # deep nesting: a chunk's first record replaced by one that fills the chunk
    for c in chunks:
        first = next((r for r in records if r.chunk == c), None)
        if not first:
            continue
        o = FILE_HDR + c * CHUNK
        # the records after it are gone from a consistent chunk: not a loss
        gone = {r.off for r in records if r.chunk == c and r.off > first.off}
        for depth in (63, 65, 4000):
            rec = deep_record(first.rid, first.off - o, o + CHUNK - first.off, depth)
            if rec is None:
                continue

            def change(m, _, o=o, c=c, first=first, rec=rec):
                m[first.off:o + CHUNK] = rec
                struct.pack_into("<I", m, o + 44, first.off - o)
                struct.pack_into("<I", m, o + 48, CHUNK)
                struct.pack_into("<QQ", m, o + 8, first.rid, first.rid)
                struct.pack_into("<QQ", m, o + 24, first.rid, first.rid)
                fix_chunk_crcs(m, c)
            add("chunk%d-nesting-%d" % (c, depth), change, ("removed", {c}, gone))
    return out


def kind_of(name):
    return re.sub(r"@\d+|\d+|=0x[0-9a-f]+", "", name)


def stratified(ms, n, rng):
    """n mutations drawn kind by kind in turn, so that every kind is tried."""
    by_kind = {}
    for m in ms:
        by_kind.setdefault(kind_of(m[0]), []).append(m)
    for v in by_kind.values():
        rng.shuffle(v)
    out = []
    while len(out) < n:
        for k in sorted(by_kind):
            if by_kind[k] and len(out) < n:
                out.append(by_kind[k].pop())
    return out


STATS = re.compile(r"^boxtrail: stats: (?!total: )(.*): (format=.*)$")
TOTAL = re.compile(r"^boxtrail: stats: total: \d+ files read, (\d+) partial, (\d+) unreadable, "
                   r"(\d+) not evidence")


def run(boxtrail, path, jobs, timeout):
    try:
        p = subprocess.run([boxtrail, "events", "--stats", "-j", str(jobs), "-f", "jsonl", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return p


def key(ev):
    e = dict(ev)
    e.pop("file", None)
    return json.dumps(e, sort_keys=True)


def check(boxtrail, path, damage, base, timeout, jobs):
    """Problems with boxtrail's reading of the damaged copy at path."""
    p = run(boxtrail, path, jobs, timeout)
    if p is None:
        return ["no end within %d s (hang)" % timeout]
    problems = []
    if p.returncode < 0:
        return ["killed by signal %d" % -p.returncode]
    if p.returncode not in (0, 2, 4):
        problems.append("exit status %d" % p.returncode)
    events = []
    for n, line in enumerate(p.stdout.splitlines(), 1):
        try:
            ev = json.loads(line)
            if not isinstance(ev, dict) or "offset" not in ev or "record_id" not in ev:
                raise ValueError("not an event object")
            events.append(ev)
        except ValueError as e:
            problems.append("output line %d is not a valid event: %s" % (n, e))
            break
    err = p.stderr.decode("utf-8", "replace").splitlines()
    for line in err:
        if not line.startswith("boxtrail: "):
            problems.append("diagnostic not on one line: %r" % line[:120])
            break
    st = [m for m in map(STATS.match, err) if m]
    tot = [m for m in map(TOTAL.match, err) if m]
    if not tot:
        problems.append("no statistics total")
        return problems
    partial, unreadable, notev = (int(x) for x in tot[0].groups())
    counts = [dict(re.findall(r"(\w+)=(\S+)", m.group(2))) for m in st]
    num = lambda c, k: int(c.get(k, 0))
    read = sum(num(c, "records") + num(c, "recovered") for c in counts)
    failed = sum(num(c, "failed") + num(c, "recovered_failed") + num(c, "corrupt_chunks")
                 for c in counts)
    if read != len(events):
        problems.append("%d events printed, statistics count %d" % (len(events), read))
    by_off = {}
    for ev in events:
        if not ev.get("recovered"):
            by_off.setdefault(ev["offset"], ev)
    missing = changed = 0
    for off, (size, k) in base.items():
        if isinstance(damage, tuple) and damage[0] == "removed":
            if off in damage[2]:
                continue
            intact = (off - FILE_HDR) // CHUNK not in damage[1]
        elif damage == "all":
            intact = False
        elif isinstance(damage, tuple):
            intact = off + size <= damage[1]
        else:
            intact = (off - FILE_HDR) // CHUNK not in damage
        got = by_off.get(off)
        if got is None:
            missing += 1
            if intact:
                problems.append("intact record at offset %d not emitted" % off)
        elif intact and key(got) != k:
            changed += 1
            problems.append("intact record at offset %d emitted differently" % off)
    if missing and not (failed or partial or unreadable or notev):
        problems.append("%d records lost, none counted (failed/corrupt/partial all 0)" % missing)
    if missing and p.returncode == 0:
        problems.append("%d records lost, exit status 0" % missing)
    return problems[:5]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boxtrail", required=True)
    ap.add_argument("--sample", type=int, default=0, help="mutations per file (0: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--work", required=True, help="directory for damaged copies")
    ap.add_argument("--keep", help="directory to keep failing copies in")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    total = bad = 0
    kinds = {}
    for fi, f in enumerate(a.files):
        d = bytearray(open(f, "rb").read())
        chunks, records = layout(d)
        p = run(a.boxtrail, f, 1, a.timeout)
        if p is None or p.returncode not in (0, 4):
            print("FAIL: %s: the intact file is not read (exit %s)" % (f, p and p.returncode))
            bad += 1
            continue
        base = {}
        sizes = {r.off: r.size for r in records}
        for line in p.stdout.splitlines():
            ev = json.loads(line)
            if not ev.get("recovered") and ev["offset"] in sizes:
                base[ev["offset"]] = (sizes[ev["offset"]], key(ev))
        rng = random.Random("%d:%s" % (a.seed, os.path.basename(f)))
        ms = mutations(d, chunks, records, a.seed)
        if a.sample and len(ms) > a.sample:
            ms = stratified(ms, a.sample, rng)
        for mi, (name, make, damage) in enumerate(ms):
            path = os.path.join(a.work, "m.evtx")
            with open(path, "wb") as out:
                out.write(make())
            jobs = 1 + (mi % 2)
            problems = check(a.boxtrail, path, damage, base, a.timeout, jobs)
            kind = kind_of(name)
            kinds[kind] = kinds.get(kind, 0) + 1
            total += 1
            if problems:
                bad += 1
                print("FAIL: %s: %s (-j %d): %s" % (f, name, jobs, "; ".join(problems)))
                if a.keep:
                    os.makedirs(a.keep, exist_ok=True)
                    keep = os.path.join(a.keep, "%s.%s.evtx" % (os.path.basename(f), name))
                    os.replace(path, keep)
        print("ok: %s: %d mutations, %d records, %d chunks" % (f, len(ms), len(records), len(chunks)))
    print("sweep: %d damaged copies, %d with problems; kinds: %s" %
          (total, bad, ", ".join("%s=%d" % kv for kv in sorted(kinds.items()))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

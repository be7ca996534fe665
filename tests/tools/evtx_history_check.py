#!/usr/bin/env python3
"""Checks the truth file of `evtxgen history` against the EVTX file's bytes.

Usage:
  evtx_history_check.py [--python-evtx] [--libevtx ITEMS.xml RECOVERED.xml] FILE.evtx TRUTH.jsonl

Independently of evtxgen (its own parser of the file, chunks, records, Binary
XML templates and substitution arrays): every chunk's CRCs are right (a chunk
cut by the file end: its header's), but the header CRC of a chunk whose records
the truth places at bad-header-crc, which must be wrong; and for every line of
the truth:
 - live: a record the header's chunks list, found by walking the chunk from
   its header to its free-space offset, with the id given; and nothing else
   is found there.
 - recoverable: signature, size, size copy and id right at the offset, inside
   its chunk and the file; in slack (at or after the chunk's free-space offset)
   or in a chunk past the header's count; both template ids and named offsets
   as the truth says; each template found where the truth says (in-place: the
   definition at the named offset carries the record's template id; else the
   nearest intact definition with that id, in a record of the same chunk or of
   another); the listed definitions are exactly those the file holds; both
   substitution arrays fit their templates (count, value types, sizes).
 - broken: the reason holds (templates-not-in-file: no intact definition with
   the id in any intact record, and none that parses anywhere in the raw
   bytes; template-id-unknown: no definition with the id; value-*-mismatch:
   the templates are found but the array does not fit; size-copy-mismatch,
   runs-past-chunk, cut-by-file-end: as named).
 - overwritten: no intact record with that id at the offset (unless another
   line owns that offset: ids repeat after a clear); gone: the offset is not
   in the file.
 - every intact record the file holds is in the truth.
With --python-evtx, python-evtx (an independent reader) renders every
recoverable record (and the live ones unless --libevtx is given), each with
the definitions this checker found (for in-place ones the one at the named
offset, as python-evtx takes it), and the fields must be those of the truth's
event (tests/tools/evtx_compare.py rules).
With --libevtx, libevtx's `evtxexport -f xml` output must hold the live
records of the listed chunks (and those of a listed chunk with a bad header
CRC, which libevtx reads as live), and its `evtxexport -m recovered -f xml` output
every recoverable record whose templates are both in place (but those in a
partial chunk at the end, which libevtx does not read), with the right fields
(libevtx resolves a recovered record's template by its named offset).
Prints a summary line; exit status 0 when the truth holds, 1 otherwise.
"""
import argparse
import json
import os
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evtx_compare  # noqa: E402

HEADER = 4096
CHUNK = 65536
FIXED = {0x03: 1, 0x04: 1, 0x05: 2, 0x06: 2, 0x07: 4, 0x08: 4, 0x09: 8, 0x0a: 8, 0x0b: 4,
         0x0c: 8, 0x0d: 4, 0x0f: 16, 0x11: 8, 0x12: 16, 0x14: 4, 0x15: 8}
FOUND_ORDER = ["in-place", "same-chunk", "other-chunk", "none"]


class Bad(Exception):
    pass


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def guid_str(g):
    a, b, c = struct.unpack_from("<IHH", g)
    return "{%08X-%04X-%04X-%s-%s}" % (a, b, c, g[8:10].hex().upper(), g[10:16].hex().upper())


class Evtx:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.b = f.read()
        b = self.b
        if len(b) < HEADER or b[:8] != b"ElfFile\0":
            raise Bad("no file header")
        if u32(b, 124) != zlib.crc32(b[:120]):
            raise Bad("file header CRC")
        self.count = u16(b, 42)
        self.next_id = u64(b, 24)
        self.first_chunk, self.last_chunk = u64(b, 8), u64(b, 16)
        # whole chunks and a partial one at the end (the file tail)
        self.nchunks = (len(b) - HEADER + CHUNK - 1) // CHUNK

    def chunk_start(self, i):
        return HEADER + i * CHUNK

    def chunk_end(self, i):
        return min(HEADER + (i + 1) * CHUNK, len(self.b))

    def chunk_of(self, off):
        return (off - HEADER) // CHUNK

    def chunk_ok(self, i):
        b, s = self.b, self.chunk_start(i)
        return self.chunk_end(i) - s >= 512 and b[s:s + 8] == b"ElfChnk\0"

    def free(self, i):
        return u32(self.b, self.chunk_start(i) + 48)

    def record_at(self, off, chunk):
        """(size, id) of an intact record at off inside the chunk, else None."""
        b = self.b
        end = self.chunk_end(chunk)
        if off + 28 > end or b[off:off + 4] != b"**\0\0":
            return None
        size = u32(b, off + 4)
        if size < 28 or size % 8 or off + size > end or u32(b, off + size - 4) != size:
            return None
        return size, u64(b, off + 8)


# ---- Binary XML: the subset evtxgen writes (tests/tools/evtxgen_write.c)

def hash65599(s):
    h = 0
    raw = s.encode("utf-16-le", "surrogatepass")
    for u in struct.unpack("<%dH" % (len(raw) // 2), raw):
        h = (h * 65599 + u) & 0xffffffff
    return h & 0xffff


def name_at(b, cs, off):
    """A name entry at chunk offset off: (string, entry size); checks its hash."""
    p = cs + off
    if off < 512 or off + 10 > CHUNK or p + 10 > len(b):
        raise Bad("name offset 0x%x out of the chunk" % off)
    n = u16(b, p + 6)
    if off + 10 + 2 * n > CHUNK or p + 10 + 2 * n > len(b) or u16(b, p + 8 + 2 * n) != 0:
        raise Bad("name at 0x%x: bad length" % off)
    s = b[p + 8:p + 8 + 2 * n].decode("utf-16-le", "surrogatepass")
    if hash65599(s) != u16(b, p + 4):
        raise Bad("name at 0x%x: hash mismatch" % off)
    return s, 10 + 2 * n


def read_name(b, cs, p):
    """The name reference at absolute p; returns the position after it."""
    off = u32(b, p)
    if off == p + 4 - cs:
        _, size = name_at(b, cs, off)
        return p + 4 + size
    if off >= p - cs:
        raise Bad("name reference 0x%x points forward" % off)
    name_at(b, cs, off)
    return p + 4


def walk_body(b, cs, p, end):
    """Walks a template body; returns {substitution id: declared type}."""
    decls = {}
    depth = 0
    if b[p] != 0x0f:
        raise Bad("template body without fragment header")
    p += 4
    while p < end:
        t = b[p]
        base = t & 0xbf
        if t == 0x00:
            if depth != 0:
                raise Bad("template ends inside an element")
            return decls, p + 1
        if base == 0x01:
            p = read_name(b, cs, p + 7)
            if t & 0x40:
                p += 4
            depth += 1
        elif base == 0x06:
            p = read_name(b, cs, p + 1)
        elif base == 0x05:
            if b[p + 1] != 0x01:
                raise Bad("text value of type 0x%x" % b[p + 1])
            p += 4 + 2 * u16(b, p + 2)
        elif t in (0x0d, 0x0e):
            sid, vt = u16(b, p + 1), b[p + 3]
            if decls.get(sid, vt) != vt:
                raise Bad("substitution %d declared twice" % sid)
            decls[sid] = vt
            p += 4
        elif t == 0x02:
            p += 1
        elif t == 0x03:
            p += 1
            depth -= 1
        elif t == 0x04:
            p += 1
            depth -= 1
        else:
            raise Bad("token 0x%x in a template" % t)
        if depth < 0:
            raise Bad("end of an element that was not opened")
    raise Bad("template runs past its size")


def parse_def(b, cs, named):
    """The template definition at chunk offset named: (guid, decls, end)."""
    p = cs + named
    if named < 512 or named + 24 > CHUNK or p + 24 > len(b):
        raise Bad("definition offset out of the chunk")
    guid = b[p + 4:p + 20]
    size = u32(b, p + 20)
    end = p + 24 + size
    if size < 5 or end > cs + CHUNK or end > len(b):
        raise Bad("definition size")
    decls, q = walk_body(b, cs, p + 24, end)
    if q != end:
        raise Bad("definition size does not match its body")
    return guid, decls, end


def parse_values(b, p, end):
    n = u32(b, p)
    if n > 1024 or p + 4 + 4 * n > end:
        raise Bad("substitution count %d" % n)
    descs = [(u16(b, p + 4 + 4 * i), b[p + 6 + 4 * i]) for i in range(n)]
    q = p + 4 + 4 * n
    vals = []
    for size, vt in descs:
        if q + size > end:
            raise Bad("substitution values run past the record")
        vals.append((vt, size, q))
        q += size
    return vals, q


class Instance:
    """A template instance (token 0x0c) and the values after it."""

    def __init__(self, b, cs, p, end):
        if b[p] != 0x0c:
            raise Bad("no template instance at 0x%x" % (p - cs))
        self.pos = p
        self.id = u32(b, p + 2)
        self.named = u32(b, p + 6)
        self.inline = self.named == p + 10 - cs
        self.definition = None
        q = p + 10
        if self.inline:
            self.definition = parse_def(b, cs, self.named)
            q = self.definition[2]
        self.values, self.end = parse_values(b, q, end)


def record_instances(b, cs, off, size):
    """[System instance, payload instance or None] of the record at off."""
    end = off + size - 4
    if b[off + 24] != 0x0f:
        raise Bad("record without fragment header")
    outer = Instance(b, cs, off + 28, end)
    inner = None
    for vt, vsize, q in outer.values:
        if vt == 0x21:
            if b[q] != 0x0f:
                raise Bad("payload without fragment header")
            inner = Instance(b, cs, q + 4, q + vsize)
    return [outer, inner]


def fits(values, decls):
    """None when the values fit the declared substitutions, else why not."""
    need = max(decls) + 1 if decls else 0
    if len(values) != need:
        return "%d values for %d substitutions" % (len(values), need)
    for sid, decl in decls.items():
        vt, size, _ = values[sid]
        if vt == 0:
            continue
        if vt != decl and not (decl == 0x10 and vt in (0x14, 0x15)):
            return "substitution %d: value type 0x%x, declared 0x%x" % (sid, vt, decl)
        if vt in FIXED and size != FIXED[vt]:
            return "substitution %d: %d bytes for type 0x%x" % (sid, size, vt)
        if vt == 0x01 and size % 2:
            return "substitution %d: odd string size" % sid
    return None


# ---- the checks

class Checker:
    def __init__(self, path, truth):
        self.f = Evtx(path)
        self.truth = truth
        self.errors = []
        self.scan()

    def err(self, t, msg):
        where = "record %s at %s (%s)" % (t.get("record_id"), t.get("offset"), t.get("state"))
        self.errors.append("%s: %s" % (where, msg))

    def scan(self):
        """Every intact record in the file, and the definitions inside them."""
        f, b = self.f, self.f.b
        self.intact = {}       # offset -> (size, id, chunk)
        self.defs = {}         # template id -> [(chunk, named, guid)]
        for i in range(f.nchunks):
            if not f.chunk_ok(i):
                continue
            cs = f.chunk_start(i)
            for off in range(cs + 512, f.chunk_end(i) - 27, 8):
                r = f.record_at(off, i)
                if not r:
                    continue
                self.intact[off] = (r[0], r[1], i)
                try:
                    insts = record_instances(b, cs, off, r[0])
                except (Bad, struct.error, IndexError):
                    continue
                for inst in insts:
                    if inst and inst.definition:
                        self.defs.setdefault(inst.id, []).append(
                            (i, inst.named, inst.definition[0]))
        for tid, lst in self.defs.items():
            if len({g for _, _, g in lst}) != 1:
                self.errors.append("template id 0x%08x: definitions with different GUIDs" % tid)

    def resolve(self, chunk, inst):
        """(how it was found, (chunk, named, guid, decls) of the definition)."""
        b, cs = self.f.b, self.f.chunk_start(chunk)
        try:
            guid, decls, _ = parse_def(b, cs, inst.named)
            if struct.unpack_from("<I", guid)[0] == inst.id:
                return "in-place", (chunk, inst.named, guid, decls)
        except (Bad, struct.error, IndexError):
            pass
        cands = self.defs.get(inst.id, [])
        for want in ("same-chunk", "other-chunk"):
            for c, named, guid in cands:
                if (c == chunk) == (want == "same-chunk"):
                    _, decls, _ = parse_def(b, self.f.chunk_start(c), named)
                    return want, (c, named, guid, decls)
        return "none", None

    def raw_definition(self, guid):
        """A definition of guid anywhere in the bytes that parses intact."""
        b = self.f.b
        g = bytes.fromhex(guid.strip("{}").replace("-", ""))
        g = struct.pack("<IHH", *struct.unpack(">IHH", g[:8])) + g[8:]
        at = b.find(g)
        while at >= 0:
            p = at - 4
            c = self.f.chunk_of(p)
            if p >= HEADER:
                try:
                    parse_def(b, self.f.chunk_start(c), p - self.f.chunk_start(c))
                    return p
                except (Bad, struct.error, IndexError):
                    pass
            at = b.find(g, at + 1)
        return None

    def check_live(self):
        f, b = self.f, self.f.b
        walked = {}
        # evtxgen writes every chunk genuine, listed or not (a cut one: its
        # header), but the one the truth says has a bad header CRC
        bad_crc = {f.chunk_of(t["offset"]) for t in self.truth
                   if t.get("where") == "bad-header-crc"}
        self.bad_crc = set()
        for i in range(f.nchunks):
            cs = f.chunk_start(i)
            if not f.chunk_ok(i):
                self.errors.append("chunk %d: no chunk signature" % i)
                continue
            if u32(b, cs + 124) != zlib.crc32(b[cs:cs + 120] + b[cs + 128:cs + 512]):
                self.bad_crc.add(i)
            if (i in self.bad_crc) != (i in bad_crc):
                self.errors.append("chunk %d: header CRC %s" % (i, "bad" if i in self.bad_crc
                                                                 else "right"))
            free = f.free(i)
            if cs + free <= len(b) and u32(b, cs + 52) != zlib.crc32(b[cs + 512:cs + free]):
                self.errors.append("chunk %d: records CRC" % i)
        for i in range(min(f.count, f.nchunks)):
            cs = f.chunk_start(i)
            if not f.chunk_ok(i) or i in self.bad_crc:
                continue
            free = f.free(i)
            off = cs + 512
            while off < cs + free:
                r = f.record_at(off, i)
                if not r:
                    self.errors.append("chunk %d: walk stops at %d" % (i, off))
                    break
                walked[off] = r[1]
                off += r[0]
        live = {t["offset"]: t for t in self.truth if t["state"] == "live"}
        for off, rid in walked.items():
            if off not in live:
                self.errors.append("record %d at %d: live in the file, not in the truth"
                                   % (rid, off))
            elif live[off]["record_id"] != rid:
                self.err(live[off], "the file says id %d" % rid)
        for off, t in live.items():
            if off not in walked:
                self.err(t, "not a live record of the listed chunks")
        if walked and max(walked.values()) >= f.next_id:
            self.errors.append("file header: next record id %d not above the live ids" % f.next_id)

    def check_recoverable(self, t):
        f, b = self.f, self.f.b
        off = t["offset"]
        c = f.chunk_of(off)
        r = f.record_at(off, c) if c < f.nchunks and f.chunk_ok(c) else None
        if not r:
            return self.err(t, "no intact record there")
        if r != (t["size"], t["record_id"]):
            return self.err(t, "size/id %s in the file" % (r,))
        free = f.free(c)
        where = t.get("where")
        if where == "slack" and off - f.chunk_start(c) < free:
            self.err(t, "in slack, but before the free-space offset")
        if where == "bad-header-crc" and off - f.chunk_start(c) >= free:
            self.err(t, "in a chunk with a bad header CRC, but in its slack")
        if where in ("past-count", "file-tail") and c < f.count:
            self.err(t, "past the count, but in chunk %d of %d" % (c, f.count))
        if where == "file-tail" and f.chunk_end(c) - f.chunk_start(c) == CHUNK:
            self.err(t, "file-tail, but its chunk is whole")
        insts = record_instances(b, f.chunk_start(c), off, r[0])
        worst = "in-place"
        for inst, tt in zip(insts, t["templates"]):
            if inst is None:
                return self.err(t, "no payload template in the record")
            if "0x%08x" % inst.id != tt["id"] or f.chunk_start(c) + inst.named != tt["named"]:
                self.err(t, "%s template: id/named offset differ from the file" % tt["for"])
            how, d = self.resolve(c, inst)
            if how != tt["found"]:
                self.err(t, "%s template: found %s, truth says %s" % (tt["for"], how, tt["found"]))
            want = sorted(f.chunk_start(cc) + nn for cc, nn, _ in self.defs.get(inst.id, []))
            if sorted(tt["defs"]) != want:
                self.err(t, "%s template: definitions %s, the file has %s"
                         % (tt["for"], tt["defs"], want))
            if d is None:
                self.err(t, "%s template not found" % tt["for"])
                continue
            if guid_str(d[2]) != tt["guid"]:
                self.err(t, "%s template: GUID %s" % (tt["for"], guid_str(d[2])))
            why = fits(inst.values, d[3])
            if why:
                self.err(t, "%s values do not fit: %s" % (tt["for"], why))
            worst = max(worst, how, key=FOUND_ORDER.index)
        if len(t["templates"]) != sum(i is not None for i in insts):
            self.err(t, "number of templates differs")
        if t.get("template") != worst:
            self.err(t, "template %s, truth says %s" % (worst, t.get("template")))
        return insts

    def check_broken(self, t):
        f, b = self.f, self.f.b
        off, reason = t["offset"], t.get("reason", "")
        c = f.chunk_of(off)
        cs = f.chunk_start(c)
        if b[off:off + 4] != b"**\0\0":
            return self.err(t, "no record signature")
        size = u32(b, off + 4)
        if reason == "size-copy-mismatch":
            if f.record_at(off, c) or off + size > f.chunk_end(c) or u32(b, off + size - 4) == size:
                self.err(t, "the size copy matches")
            return
        if reason == "runs-past-chunk":
            if off + size <= cs + CHUNK:
                self.err(t, "the size does not run past the chunk")
            return
        if reason == "cut-by-file-end":
            if off + size <= len(b):
                self.err(t, "the record is not cut by the file end")
            return
        r = f.record_at(off, c)
        if not r or r != (t["size"], t["record_id"]):
            return self.err(t, "not an intact record")
        insts = record_instances(b, cs, off, r[0])
        found = [self.resolve(c, i) if i else ("in-place", None) for i in insts]
        if reason.endswith("not-in-file") or reason == "template-id-unknown":
            missing = {"payload-template-not-in-file": [1], "system-template-not-in-file": [0],
                       "templates-not-in-file": [0, 1], "template-id-unknown": [1]}.get(reason)
            if missing is None:
                return self.err(t, "unknown reason")
            for k in (0, 1):
                if (found[k][0] == "none") != (k in missing):
                    self.err(t, "%s template found: %s" % (("system", "payload")[k], found[k][0]))
            for tt in t.get("templates", []):
                k = 0 if tt["for"] == "system" else 1
                if k in missing and reason != "template-id-unknown":
                    p = self.raw_definition(tt["guid"])
                    if p is not None:
                        self.err(t, "an intact definition of %s survives at %d outside any "
                                 "intact record: ambiguous" % (tt["guid"], p))
            return
        if reason in ("value-type-mismatch", "value-count-mismatch"):
            if any(fd[0] == "none" for fd in found):
                return self.err(t, "a template is not found")
            why = fits(insts[1].values, found[1][1][3])
            if not why:
                self.err(t, "the payload values fit the template")
            elif ("type" in why) != (reason == "value-type-mismatch"):
                self.err(t, "does not fit for another reason: " + why)
            return
        self.err(t, "unknown reason")

    def run(self):
        f = self.f
        self.check_live()
        seen = set()
        claimed = {t["offset"] for t in self.truth
                   if t["state"] in ("live", "recoverable", "broken")}
        self.recovered = []
        for t in self.truth:
            st = t["state"]
            seen.add(t["offset"])
            try:
                if st == "recoverable":
                    insts = self.check_recoverable(t)
                    if insts:
                        self.recovered.append((t, insts))
                elif st == "broken":
                    self.check_broken(t)
                elif st == "overwritten":
                    c = f.chunk_of(t["offset"])
                    r = f.record_at(t["offset"], c) if c < f.nchunks and f.chunk_ok(c) else None
                    # ids repeat after a clear: another line may own the record there
                    if r and r[1] == t["record_id"] and t["offset"] not in claimed:
                        self.err(t, "intact in the file")
                elif st == "gone":
                    if t["offset"] < len(f.b):
                        self.err(t, "the offset is in the file")
                elif st != "live":
                    self.err(t, "unknown state")
            except (Bad, struct.error, IndexError) as e:
                self.err(t, "cannot parse: %s" % e)
        for off, (size, rid, c) in sorted(self.intact.items()):
            if off not in seen:
                self.errors.append("record %d at %d: intact in the file, not in the truth"
                                   % (rid, off))

    # ---- renderers

    def python_evtx(self, live_too):
        import Evtx.Evtx as evtx
        import Evtx.Nodes as nodes
        # python-evtx looks a template up by the instance's named offset in
        # the record's chunk; here it gets the definition this checker found
        overrides = {}
        original = nodes.RootNode.template, nodes.TemplateInstanceNode.template

        def root_template(root):
            inst = root.template_instance()
            o = overrides.get(inst.offset())
            if o:
                return nodes.TemplateNode(root._buf, o[0], o[1], inst)
            return original[0](root)

        def instance_template(inst):
            o = overrides.get(inst.offset())
            if o:
                return nodes.TemplateNode(inst._buf, o[0], o[1], inst)
            return original[1](inst)

        nodes.RootNode.template = root_template
        nodes.TemplateInstanceNode.template = instance_template
        f = self.f
        checked = 0
        chunks = {}

        def chunk(i):
            if i not in chunks:
                chunks[i] = evtx.ChunkHeader(f.b, f.chunk_start(i))
            return chunks[i]

        def compare(events, xmls, what):
            got = [evtx_compare.canon_from_xml(ET.fromstring(x), "python-evtx") for x in xmls]
            errs = []
            evtx_compare.compare(events, got, "python-evtx", errs)
            for e in errs:
                self.errors.append("python-evtx, %s: %s" % (what, e))
            return len(events)

        if live_too:
            live = sorted((t for t in self.truth if t["state"] == "live"),
                          key=lambda t: t["offset"])
            xmls = [evtx.Record(f.b, t["offset"], chunk(f.chunk_of(t["offset"]))).xml()
                    for t in live]
            checked += compare([t["event"] for t in live], xmls, "live records")
        for t, insts in self.recovered:
            c = f.chunk_of(t["offset"])
            overrides.clear()
            for inst in insts:
                if inst is None:
                    continue
                # in place too: python-evtx takes the definition at the named
                # offset, but looks it up in its table for the record's length
                how, d = self.resolve(c, inst)
                if not inst.inline:
                    overrides[inst.pos] = (f.chunk_start(d[0]) + d[1], chunk(d[0]))
            try:
                x = evtx.Record(f.b, t["offset"], chunk(c)).xml()
            except Exception as e:  # python-evtx raises many kinds
                self.err(t, "python-evtx cannot render it: %s" % e)
                continue
            checked += compare([t["event"]], [x], "recovered record at %d (%s)"
                               % (t["offset"], t["template"]))
        nodes.RootNode.template, nodes.TemplateInstanceNode.template = original
        return checked

    def libevtx(self, items_xml, recovered_xml):
        # libevtx reads the records of a listed chunk with a bad header CRC as
        # live (and calls the file corrupted)
        live = sorted((t for t in self.truth if t["state"] == "live" or
                       (t["state"] == "recoverable" and t["where"] == "bad-header-crc" and
                        self.f.chunk_of(t["offset"]) < self.f.count)), key=lambda t: t["offset"])
        got = evtx_compare.read_libevtx(items_xml)
        errs = []
        evtx_compare.compare([t["event"] for t in live], got, "libevtx", errs)
        for e in errs:
            self.errors.append("libevtx, live records: " + e)
        # libevtx renders a recovered record with whatever its named offset
        # holds now: some come out as broken XML, skipped here
        with open(recovered_xml, encoding="utf-8", errors="replace") as fh:
            rec = []
            for p in evtx_compare.split_events(fh.read()):
                try:
                    rec.append(evtx_compare.canon_from_xml(ET.fromstring(p), "libevtx"))
                except (ET.ParseError, KeyError, TypeError):
                    pass
        by_key = {}
        for g in rec:
            key = (g.get("EventRecordID"), g.get("TimeCreated@SystemTime"))
            by_key.setdefault(key, []).append(g)
        n = 0
        for t, insts in self.recovered:
            # libevtx reads whole chunks only: not the file tail
            if t["template"] != "in-place" or t["where"] in ("file-tail", "bad-header-crc"):
                continue
            ev = t["event"]
            exp = evtx_compare.expected_libevtx(ev)
            key = (exp.get("EventRecordID"), exp.get("TimeCreated@SystemTime"))
            cands = by_key.get(key, [])
            if not cands:
                self.err(t, "libevtx does not recover it")
                continue
            errs = []
            evtx_compare.compare([ev], cands[:1], "libevtx", errs)
            for e in errs:
                self.err(t, "libevtx recovered it differently: " + e)
            n += 1
        return len(live), n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python-evtx", action="store_true")
    ap.add_argument("--libevtx", nargs=2, metavar=("ITEMS_XML", "RECOVERED_XML"))
    ap.add_argument("evtx")
    ap.add_argument("truth")
    a = ap.parse_args()
    with open(a.truth, encoding="utf-8") as fh:
        truth = [json.loads(line) for line in fh if line.strip()]
    try:
        ck = Checker(a.evtx, truth)
    except Bad as e:
        print("%s: %s" % (a.evtx, e))
        return 1
    ck.run()
    counts = {}
    for t in truth:
        k = t["state"] if t["state"] != "recoverable" else "recoverable/" + t["template"]
        counts[k] = counts.get(k, 0) + 1
        if t["state"] == "broken":
            counts["broken/" + t["reason"]] = counts.get("broken/" + t["reason"], 0) + 1
        if t["state"] == "recoverable":
            counts["at/" + t["where"]] = counts.get("at/" + t["where"], 0) + 1
    extra = ""
    if a.python_evtx:
        # python-evtx reads ~100 records/s: the live ones only when libevtx does not
        extra += " python-evtx=%d" % ck.python_evtx(not a.libevtx)
    if a.libevtx:
        nl, nr = ck.libevtx(*a.libevtx)
        extra += " libevtx-live=%d libevtx-recovered=%d" % (nl, nr)
    for e in ck.errors[:60]:
        print(e if len(e) < 400 else e[:400] + "...")
    if len(ck.errors) > 60:
        print("... %d more" % (len(ck.errors) - 60))
    print("%s: %s%s errors=%d" % (os.path.basename(a.evtx),
                                  " ".join("%s=%d" % kv for kv in sorted(counts.items())),
                                  extra, len(ck.errors)))
    return 1 if ck.errors else 0


if __name__ == "__main__":
    sys.exit(main())

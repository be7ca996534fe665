#!/usr/bin/env python3
"""Checks, field by field, that an EVTX reader renders the events evtxgen was given.

Usage:
  evtx_compare.py --renderer libevtx     IN.jsonl EVTXEXPORT_XML_OUTPUT
  evtx_compare.py --renderer python-evtx IN.jsonl FILE.evtx   (imports Evtx)
  evtx_compare.py --renderer boxtrail    IN.jsonl BOXTRAIL_EVENTS_JSONL

Reads the same JSON Lines as `evtxgen write` (defaults lines, comments, record
ids counted from the previous one) and computes what each reader must print:
 - libevtx 20181227 (evtxexport -f xml): GUIDs upper case in braces, hexint32
   as 0x%08x, hexint64 and Keywords as 0x%016x, times with 9 fractional digits,
   floats as %.6e with a 3-digit exponent; an empty (null) optional
   substitution drops the element. Known libevtx bugs are modelled, not hidden:
   negative signed integers print as "-" followed by the value without its
   sign bit (-5 as int8 -> "-123"); characters outside the BMP are not checked.
 - python-evtx: compared by meaning (times to the microsecond, GUIDs in any
   case, bools True/False, binary as base64, a classic string array as one
   <Data> of <string> items); SYSTEMTIME is not checked (it prints
   milliseconds as microseconds).
 - boxtrail events (JSONL): libevtx's rendering with hexadecimal values
   unpadded ("0x17"), times with 7 digits, System extras under "system".
 Through libevtx's XML, a carriage return in a value comes back as a line feed
 (XML end-of-line normalisation: libevtx writes CR unescaped); boxtrail keeps
 it (it shields CR from the XML parser), so its values are compared exactly.
Prints one line per difference; exit status 0 when none, 1 otherwise.
"""
import argparse
import base64
import datetime
import json
import re
import struct
import sys
import xml.etree.ElementTree as ET

SYSTEM_KEYS = {
    "channel", "provider", "provider_guid", "event_source_name", "event_id", "qualifiers",
    "version", "level", "task", "opcode", "keywords", "time", "written_time", "computer",
    "user_sid", "process_id", "thread_id", "activity_id", "related_activity_id",
}
INT_BITS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64,
            "uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64,
            "hexint32": 32, "hexint64": 64, "size": 64}
SKIP = object()     # a value this renderer cannot be checked on
ABSENT = object()   # the element must not be rendered


def to_int(v):
    if isinstance(v, bool):
        raise ValueError("bool is not an integer")
    if isinstance(v, int):
        return v
    s = str(v)
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    x = int(s, 16) if s[:2].lower() == "0x" else int(s, 10)
    return -x if neg else x


def parse_time(s):
    """RFC 3339 -> (datetime in UTC without tz, 100-ns ticks of the second)."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?([Zz]|[+-]\d\d:\d\d)", s)
    if not m:
        raise ValueError("bad time " + s)
    dt = datetime.datetime.strptime(m.group(1) + " " + m.group(2), "%Y-%m-%d %H:%M:%S")
    ticks = int((m.group(3) or "0").ljust(7, "0"))
    tz = m.group(4)
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        dt -= sign * datetime.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return dt, ticks


def guid_norm(s):
    s = s.strip("{}")
    return "{" + s.upper() + "}"


def load_events(path):
    """The events of a JSON Lines file, with defaults applied and record ids."""
    defaults = {}
    last_id = 0
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            o = json.loads(s)
            if "defaults" in o:
                defaults = dict(o["defaults"])
                continue
            ev = {}
            for k in SYSTEM_KEYS:
                if k in o:
                    if o[k] is not None:
                        ev[k] = o[k]
                elif k in defaults and defaults[k] is not None:
                    ev[k] = defaults[k]
            for k in ("data", "unnamed_data", "user_data", "binary"):
                if k in o:
                    ev[k] = o[k]
            rid = to_int(o["record_id"]) if o.get("record_id") is not None else last_id + 1
            ev["record_id"] = rid
            last_id = rid
            out.append(ev)
    return out


# ---- expected renderings

def fmt_time(s, digits):
    dt, ticks = parse_time(s)
    frac = ("%07d" % ticks).ljust(digits, "0")[:digits]
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + frac + "Z"


def libevtx_value(t, v, unpad_hex=False):
    """What libevtx prints for a Data value of type t (None value = null)."""
    if t == "null" or v is None:
        return ABSENT
    if t == "string":
        if any(ord(c) > 0xffff for c in v):
            return SKIP
        return v
    if t in INT_BITS:
        bits = INT_BITS[t]
        x = to_int(v)
        if t.startswith("hexint") or t == "size":
            if unpad_hex:
                return "0x%x" % x
            return ("0x%08x" if bits == 32 else "0x%016x") % x
        if t.startswith("int") and x < 0:
            return "-%d" % ((x + (1 << bits)) & ((1 << (bits - 1)) - 1))
        return str(x)
    if t in ("float", "double"):
        if t == "float":
            v = struct.unpack("<f", struct.pack("<f", float(v)))[0]
        m, e = ("%.6e" % float(v)).split("e")
        return "%se%s%03d" % (m, e[0], abs(int(e)))
    if t == "bool":
        b = v if isinstance(v, bool) else v == "true"
        return "true" if b else "false"
    if t == "binary":
        return v.upper()
    if t == "guid":
        return guid_norm(v)
    if t == "sid":
        return v
    if t == "filetime":
        return fmt_time(v, 9)
    if t == "systemtime":
        return fmt_time(v, 3)
    raise ValueError("unknown type " + t)


def expected_libevtx(ev, boxtrail=False):
    """Canonical dict of what libevtx renders (boxtrail: with its rewrites)."""
    e = {}
    style_b = "event_source_name" in ev
    e["Provider@Name"] = ev["provider"]
    if "provider_guid" in ev:
        g = ev["provider_guid"]
        # the literal style keeps the text Windows puts in the template (lower case)
        e["Provider@Guid"] = "{" + g.strip("{}").lower() + "}" if style_b else guid_norm(g)
    if style_b:
        e["Provider@EventSourceName"] = ev["event_source_name"]
    e["EventID"] = str(to_int(ev["event_id"]))
    if "qualifiers" in ev:
        e["EventID@Qualifiers"] = str(to_int(ev["qualifiers"]))
    for k, n in (("version", "Version"), ("level", "Level"), ("task", "Task"),
                 ("opcode", "Opcode")):
        e[n] = str(to_int(ev.get(k, 0)))
    kw = to_int(ev.get("keywords", 0))
    e["Keywords"] = ("0x%x" % kw) if boxtrail else ("0x%016x" % kw)
    e["TimeCreated@SystemTime"] = fmt_time(ev["time"], 7 if boxtrail else 9)
    e["EventRecordID"] = str(ev["record_id"])
    if "activity_id" in ev:
        e["Correlation@ActivityID"] = guid_norm(ev["activity_id"])
    if "related_activity_id" in ev:
        e["Correlation@RelatedActivityID"] = guid_norm(ev["related_activity_id"])
    e["Execution@ProcessID"] = str(to_int(ev.get("process_id", 0)))
    e["Execution@ThreadID"] = str(to_int(ev.get("thread_id", 0)))
    e["Channel"] = ev["channel"]
    e["Computer"] = ev["computer"]
    if "user_sid" in ev:
        e["Security@UserID"] = ev["user_sid"]
    if "data" in ev or "user_data" in ev:
        lst = ev["data"] if "data" in ev else ev["user_data"].get("data", [])
        fields = []
        for d in lst:
            val = libevtx_value(d.get("type", "string"), d.get("value"), unpad_hex=boxtrail)
            if val is not ABSENT:
                fields.append((d["name"], val))
        e["fields"] = fields
        if "user_data" in ev:
            e["userdata"] = (ev["user_data"]["element"], ev["user_data"].get("xmlns"))
    if "unnamed_data" in ev:
        e["unnamed"] = list(ev["unnamed_data"])
        if "binary" in ev:
            e["binary"] = ev["binary"].upper()
    return e


# ---- parsing what the readers printed

def strip_ns(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def canon_from_xml(root, renderer):
    """Canonical dict from one <Event> element."""
    c = {}
    system = payload = None
    for ch in root:
        n = strip_ns(ch.tag)
        if n == "System":
            system = ch
        elif n in ("EventData", "UserData"):
            payload = ch
    for el in system:
        n = strip_ns(el.tag)
        for a, v in el.attrib.items():
            if renderer == "python-evtx" and v == "":
                continue        # python-evtx prints empty optional substitutions as ""
            c[n + "@" + a] = v
        if n in ("EventID", "Version", "Level", "Task", "Opcode", "Keywords", "EventRecordID",
                 "Channel", "Computer"):
            c[n] = el.text or ""
    if payload is not None and strip_ns(payload.tag) == "EventData":
        named = [d for d in payload if strip_ns(d.tag) == "Data" and "Name" in d.attrib]
        unnamed = [d for d in payload if strip_ns(d.tag) == "Data" and "Name" not in d.attrib]
        if named or not unnamed:
            c["fields"] = [(d.attrib["Name"], d.text or "") for d in named]
        if unnamed:
            c["unnamed"] = [d.text or "" for d in unnamed]
        for d in payload:
            if strip_ns(d.tag) == "Binary":
                c["binary"] = d.text or ""
    elif payload is not None:
        kids = list(payload)
        if kids:
            w = kids[0]
            ns = w.tag[1:].split("}", 1)[0] if w.tag.startswith("{") else None
            c["userdata"] = (strip_ns(w.tag), ns)
            c["fields"] = [(strip_ns(d.tag), d.text or "") for d in w]
    return c


def split_events(text):
    parts = re.split(r"(?=<Event[ >])", text)
    return [p.strip() for p in parts if p.lstrip().startswith("<Event")]


def read_libevtx(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return [canon_from_xml(ET.fromstring(p), "libevtx") for p in split_events(text)]


def read_python_evtx(path):
    import Evtx.Evtx as evtx
    out = []
    with evtx.Evtx(path) as log:
        for rec in log.records():
            out.append(canon_from_xml(ET.fromstring(rec.xml()), "python-evtx"))
    return out


def read_boxtrail(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            s = o.get("system") or {}
            c = {
                "Provider@Name": o["provider"], "EventID": str(o["event_id"]),
                "Level": str(o["level"]), "EventRecordID": str(o["record_id"]),
                "Channel": o["channel"], "Computer": o["host"],
                "TimeCreated@SystemTime": o["time"],
            }
            if o.get("user_sid") is not None:
                c["Security@UserID"] = o["user_sid"]
            names = {"ProviderGuid": "Provider@Guid", "EventSourceName": "Provider@EventSourceName",
                     "Qualifiers": "EventID@Qualifiers", "Version": "Version", "Task": "Task",
                     "Opcode": "Opcode", "Keywords": "Keywords",
                     "ActivityID": "Correlation@ActivityID",
                     "RelatedActivityID": "Correlation@RelatedActivityID",
                     "ProcessID": "Execution@ProcessID", "ThreadID": "Execution@ThreadID"}
            for k, v in s.items():
                c[names.get(k, "system." + k)] = v
            fields = o.get("fields") or {}
            if "Data" in fields and isinstance(fields["Data"], list):
                c["unnamed"] = fields["Data"]
                if "Binary" in fields:
                    c["binary"] = fields["Binary"]
            else:
                c["fields"] = [(k, v) for k, v in fields.items()]
            c["_boxtrail"] = True
            out.append(c)
    return out


# ---- comparison

def same_time_us(exp_rfc, got):
    """python-evtx prints 'YYYY-MM-DD HH:MM:SS.ffffff' computed in floating point: a
    FILETIME of 2026 (~1.3e17 ticks) held in a double is a multiple of 32 ticks,
    so the printed microseconds can be up to ~3.3 us off (seen: 2.5 us)."""
    dt, ticks = parse_time(exp_rfc)
    want = dt + datetime.timedelta(microseconds=ticks / 10.0)
    try:
        fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in got else "%Y-%m-%d %H:%M:%S"
        g = datetime.datetime.strptime(got, fmt)
    except ValueError:
        return False
    return abs((g - want).total_seconds()) <= 4e-6


def python_evtx_match(t, v, got):
    """Meaning-level comparison of one Data value rendered by python-evtx."""
    if t == "null" or v is None:
        return got == ""
    if t == "string":
        return got == v.replace("\r\n", "\n").replace("\r", "\n")
    if t in INT_BITS:
        x = to_int(v)
        try:
            return to_int(got) == x
        except ValueError:
            return False
    if t in ("float", "double"):
        return abs(float(got) - float(v)) <= 1e-6 * max(1.0, abs(float(v)))
    if t == "bool":
        b = v if isinstance(v, bool) else v == "true"
        return got == ("True" if b else "False")
    if t == "binary":
        return base64.b64decode(got) == bytes.fromhex(v)
    if t == "guid":
        return guid_norm(got) == guid_norm(v)
    if t == "sid":
        return got == v
    if t == "filetime":
        return same_time_us(v, got)
    if t == "systemtime":
        return True
    return False


def xml_text(s):
    """What an XML parser gives back for a text node (line ends normalised)."""
    return s.replace("\r\n", "\n").replace("\r", "\n")


def compare(events, got, renderer, errors):
    if len(events) != len(got):
        errors.append("record count: expected %d, %s rendered %d" % (len(events), renderer, len(got)))
    checked = skipped = 0
    for i, (ev, g) in enumerate(zip(events, got)):
        where = "record %s (line event %d)" % (ev["record_id"], i + 1)
        boxtrail = renderer == "boxtrail"
        exp = expected_libevtx(ev, boxtrail=boxtrail)
        if renderer == "python-evtx":
            # System by meaning
            for k in list(exp):
                if k in ("fields", "unnamed", "binary", "userdata"):
                    continue
                want, have = exp[k], g.get(k)
                if k == "TimeCreated@SystemTime":
                    ok = have is not None and same_time_us(ev["time"], have)
                elif k in ("Provider@Guid", "Correlation@ActivityID",
                           "Correlation@RelatedActivityID"):
                    ok = have is not None and guid_norm(have) == guid_norm(want)
                elif k == "Keywords":
                    ok = have is not None and to_int(have) == to_int(want)
                else:
                    ok = have == want
                checked += 1
                if not ok:
                    errors.append("%s: %s: expected %r, got %r" % (where, k, want, have))
            lst = ev.get("data") or (ev.get("user_data") or {}).get("data")
            if lst is not None:
                have = g.get("fields", [])
                if [n for n, _ in have] != [d["name"] for d in lst]:
                    errors.append("%s: field names: expected %r, got %r"
                                  % (where, [d["name"] for d in lst], [n for n, _ in have]))
                for d, (_, gv) in zip(lst, have):
                    checked += 1
                    if not python_evtx_match(d.get("type", "string"), d.get("value"), gv):
                        errors.append("%s: %s (%s): expected %r, got %r"
                                      % (where, d["name"], d.get("type", "string"),
                                         d.get("value"), gv))
            if "unnamed" in exp:
                # python-evtx prints a string array as one <Data> of <string> items
                checked += 1
                want = ["".join("<string>%s</string>\n" % xml_text(s) for s in exp["unnamed"])]
                if g.get("unnamed") != want:
                    errors.append("%s: Data: expected %r, got %r"
                                  % (where, exp["unnamed"], g.get("unnamed")))
            if "userdata" in exp and g.get("userdata") != exp["userdata"]:
                errors.append("%s: UserData element: expected %r, got %r"
                              % (where, exp["userdata"], g.get("userdata")))
            continue
        # libevtx and boxtrail: exact text
        for k, want in exp.items():
            if k in ("fields", "unnamed", "userdata"):
                continue
            have = g.get(k)
            checked += 1
            if have != want:
                errors.append("%s: %s: expected %r, got %r" % (where, k, want, have))
        extra = sorted(k for k in g if k not in exp and not k.startswith("_")
                       and k not in ("fields", "unnamed", "userdata", "binary"))
        if extra:
            errors.append("%s: rendered but not in the input: %s" % (where, ", ".join(extra)))
        if "fields" in exp:
            want = exp["fields"]
            have = g.get("fields", [])
            if [n for n, _ in want] != [n for n, _ in have]:
                errors.append("%s: field names: expected %r, got %r"
                              % (where, [n for n, _ in want], [n for n, _ in have]))
            for (n, wv), (_, hv) in zip(want, have):
                if wv is SKIP:
                    skipped += 1
                    continue
                checked += 1
                if (wv if boxtrail else xml_text(wv)) != hv:
                    errors.append("%s: %s: expected %r, got %r" % (where, n, wv, hv))
        if "unnamed" in exp:
            checked += 1
            want = [s if boxtrail else xml_text(s) for s in exp["unnamed"]]
            if g.get("unnamed") != want:
                errors.append("%s: Data: expected %r, got %r" % (where, want, g.get("unnamed")))
        if "userdata" in exp and not boxtrail and g.get("userdata") != exp["userdata"]:
            errors.append("%s: UserData element: expected %r, got %r"
                          % (where, exp["userdata"], g.get("userdata")))
    return checked, skipped


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--renderer", required=True, choices=["libevtx", "python-evtx", "boxtrail"])
    ap.add_argument("jsonl")
    ap.add_argument("rendered")
    a = ap.parse_args()
    events = load_events(a.jsonl)
    got = {"libevtx": read_libevtx, "python-evtx": read_python_evtx,
           "boxtrail": read_boxtrail}[a.renderer](a.rendered)
    errors = []
    checked, skipped = compare(events, got, a.renderer, errors)
    for e in errors[:50]:
        print(e if len(e) < 400 else e[:400] + "...")
    if len(errors) > 50:
        print("... %d more differences" % (len(errors) - 50))
    print("%s: %d records, %d values checked, %d skipped, %d differences"
          % (a.renderer, len(got), checked, skipped, len(errors)), file=sys.stderr)
    return 1 if errors or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Compares boxtrail's EventData fields with the JSON rendering (evtx_dump
style) beside every SigmaHQ regression .evtx.

Documented representation differences treated as equal:
  - GUIDs: braces and letter case ({0197231E-...} vs 0197231E-...);
  - hexadecimal integers: zero padding and letter case (0x0017 vs 0x17);
  - numbers: the JSON holds integers, boxtrail holds their decimal text;
  - surrounding whitespace: evtx_dump trims it from text values, boxtrail keeps
    the value as recorded (libevtx and python-evtx show the same spaces).
Everything else must be byte-identical. Prints a per-file report and the
overall match rate; exits 1 below the required rate (argument 3, default 1.0)."""
import json, os, re, subprocess, sys

GUID = re.compile(r'^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$')
HEX = re.compile(r'^0x([0-9a-fA-F]+)$')


def canon(v):
    if v is None:
        return ''
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        return str(v)
    if not isinstance(v, str):
        return json.dumps(v, sort_keys=True)
    v = v.strip()
    m = GUID.match(v)
    if m:
        return '{' + m.group(1).upper() + '}'
    m = HEX.match(v)
    if m:
        return '0x' + (m.group(1).lstrip('0').lower() or '0')
    return v


def json_objects(text):
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        o, i = dec.raw_decode(text, i)
        out.append(o)


def expected_fields(ev):
    data = ev.get('EventData') or {}
    out = {}
    for k, v in data.items():
        if k == '#attributes':
            continue  # an element attribute, not a field (evtx_dump artefact)
        out[k] = canon(v)
    return out


def load_exceptions(path):
    out = {}
    if path and os.path.exists(path):
        for line in open(path, encoding='utf-8'):
            if line.startswith('#') or not line.strip():
                continue
            rel, rid, field, reason = line.rstrip('\n').split('\t', 3)
            out[(rel, int(rid), field)] = reason
    return out


def main():
    root, boxtrail = sys.argv[1], sys.argv[2]
    need = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    exceptions = load_exceptions(sys.argv[4] if len(sys.argv) > 4 else None)
    excused = []
    total_fields = same_fields = total_events = matched_events = 0
    problems = []
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if not name.endswith('.evtx'):
                continue
            evtx = os.path.join(dirpath, name)
            js = evtx[:-5] + '.json'
            if not os.path.exists(js):
                continue
            want = {}
            for o in json_objects(open(js, encoding='utf-8').read()):
                ev = o['Event']
                want[int(ev['System']['EventRecordID'])] = expected_fields(ev)
            p = subprocess.run([boxtrail, 'events', '-q', evtx], capture_output=True)
            got = {}
            for line in p.stdout.splitlines():
                e = json.loads(line)
                if e['recovered']:
                    continue
                f = {}
                for k, v in e['fields'].items():
                    if isinstance(v, list):
                        v = ' '.join(v)
                    f[k] = canon(v)
                got[e['record_id']] = f
            for rid, wf in want.items():
                total_events += 1
                gf = got.get(rid)
                if gf is None:
                    problems.append(f'{evtx}: record {rid} not emitted')
                    total_fields += len(wf)
                    continue
                ok = True
                for k, wv in wf.items():
                    total_fields += 1
                    key = (os.path.relpath(evtx, root), rid, k)
                    if gf.get(k) == wv:
                        same_fields += 1
                    elif key in exceptions:
                        same_fields += 1
                        excused.append(f'{evtx}: record {rid} field {k}: {exceptions[key]}')
                    else:
                        ok = False
                        problems.append(f'{evtx}: record {rid} field {k}: want {wv!r} got {gf.get(k)!r}')
                extra = set(gf) - set(wf)
                if extra:
                    ok = False
                    problems.append(f'{evtx}: record {rid} extra fields {sorted(extra)}')
                matched_events += ok
    rate = same_fields / total_fields if total_fields else 0.0
    print(f'events: {matched_events}/{total_events} identical; fields: {same_fields}/{total_fields} '
          f'equal ({100 * rate:.2f}%)')
    for p in problems:
        print('  MISMATCH ' + p)
    for p in excused:
        print('  named exception ' + p)
    sys.exit(0 if total_events and rate >= need else 1)


main()

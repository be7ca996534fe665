#!/usr/bin/env python3
"""Boxtrail's EVTX recovery against the ground truth of `evtxgen history`.

Usage: evtx_recover_truth.py [--file PATH] [--donor] TRUTH.jsonl EVENTS.jsonl STDERR

--file: only the events of PATH (the run read other files too); --donor: the
run also read a file of the same channel that holds the templates the truth
says are in no intact definition of the file (reason templates-not-in-file):
those records must then be given, their template from another file.

The truth lists every record that went into the file (tests/tools/README.md):
  live         must be given as a live record, with the fields that went in;
  recoverable  must be given with the fields that went in: marked recovered
               when it lies in slack space or past the header's chunk count
               (a chunk with a bad header CRC and a cut last chunk are read
               by the live walk, reported as damaged), its template said to
               be in place or found elsewhere as the truth says;
  broken       must not be given (and is counted as not recoverable);
  overwritten  must not be given.
Nothing else may be given: an event at an offset the truth does not list as
live or recoverable is a record made up. Prints one line per problem; exit 1
when there is one."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tools'))
import evtx_compare  # noqa: E402


def main():
    args = sys.argv[1:]
    only, donor = None, False
    while args and args[0].startswith('--'):
        a = args.pop(0)
        if a == '--file':
            only = args.pop(0)
        elif a == '--donor':
            donor = True
    truth_path, out_path, err_path = args[:3]
    truth = [json.loads(l) for l in open(truth_path, encoding='utf-8') if l.strip()]
    if donor:
        for t in truth:
            if t['state'] == 'broken' and t.get('reason') == 'templates-not-in-file':
                t['state'], t['template'], t['where'] = 'recoverable', 'other-file', 'slack'
    raw = [json.loads(l) for l in open(out_path, encoding='utf-8') if l.strip()]
    canon = evtx_compare.read_boxtrail(out_path)
    pairs = [(o, c) for o, c in zip(raw, canon) if only is None or o['file'] == only]
    raw = [o for o, _ in pairs]
    given = {}
    for o, c in pairs:
        given.setdefault(o['offset'], []).append((o, c))
    errors = []
    counts = {}
    known = set()
    for t in truth:
        st, off, where = t['state'], t['offset'], t.get('where')
        counts[st] = counts.get(st, 0) + 1
        at = given.get(off, [])
        name = 'record %s at %d (%s, %s)' % (t['record_id'], off, st, where)
        if st in ('broken', 'overwritten', 'gone'):
            if at and st != 'overwritten':
                errors.append('%s: given, must not be' % name)
            # an overwritten record's offset may now hold a live one
            continue
        known.add(off)
        if len(at) != 1:
            errors.append('%s: given %d times' % (name, len(at)))
            continue
        o, c = at[0]
        if st == 'live' and o['recovered']:
            errors.append('%s: given as recovered' % name)
        if st == 'recoverable' and where in ('slack', 'past-count'):
            if not o['recovered']:
                errors.append('%s: not marked recovered' % name)
            want = {'in-place': 'template-in-place',
                    'other-file': 'template-in-other-file'}.get(t.get('template'),
                                                                 'template-elsewhere-in-file')
            if o.get('recovery') != want:
                errors.append('%s: recovery %r, the truth says %r'
                              % (name, o.get('recovery'), want))
        e = []
        evtx_compare.compare([t['event']], [c], 'boxtrail', e)
        errors += ['%s: %s' % (name, x) for x in e]
    for off, lst in sorted(given.items()):
        if off not in known:
            for o, _ in lst:
                errors.append('given at %d but not live or recoverable in the truth: record %s'
                              ' (recovered %s)' % (off, o['record_id'], o['recovered']))
    # the broken ones are counted, with a reason
    err = open(err_path, encoding='utf-8', errors='replace').read()
    m = re.search(r'%s: .*?(\d+) not recoverable' % re.escape(only) if only
                  else r'(\d+) not recoverable', err)
    bad = int(m.group(1)) if m else 0
    if bad < counts.get('broken', 0):
        errors.append('%d records counted as not recoverable, the truth has %d broken'
                      % (bad, counts.get('broken', 0)))
    rec = sum(1 for o in raw if o['recovered'])
    print('truth: %s; given %d events (%d recovered); %d counted not recoverable'
          % (', '.join('%d %s' % (v, k) for k, v in sorted(counts.items())), len(raw), rec, bad))
    for x in errors[:40]:
        print('FAIL', x)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())

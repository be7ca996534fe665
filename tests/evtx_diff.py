#!/usr/bin/env python3
"""Differential test: the native EVTX reader against the libevtx reader.

Runs `boxtrail events --format jsonl` with the default (native) reader and
with `--reader libevtx` on every EVTX file given (or listed in
$SHARED_CORPUS/MANIFEST.tsv plus the SigmaHQ regression files), and compares
the events keyed by (record_id, offset, recovered). Events both readers
produce must be byte-identical JSONL lines; events only one of them produces
are listed with the reader's diagnostics as the reason.

Usage: evtx_diff.py [--sample N] [--verbose] [FILE...]
Exit: 0 identical where both read, 1 differences, 77 corpus absent."""
import json, os, subprocess, sys, hashlib

BOXTRAIL = os.environ.get('BOXTRAIL', './src/boxtrail')


def corpus_files(corpus):
    files = []
    man = os.path.join(corpus, 'MANIFEST.tsv')
    with open(man, encoding='utf-8') as f:
        head = f.readline().rstrip('\n').split('\t')
        col = {k: i for i, k in enumerate(head)}
        for line in f:
            row = line.rstrip('\n').split('\t')
            if len(row) <= col['evtx_magic_ok'] or row[col['evtx_magic_ok']] != 'yes':
                continue
            files.append(os.path.join(corpus, row[col['local_path']]))
    sig = os.path.join(corpus, 'SigmaHQ__sigma', 'regression_data')
    for root, _, names in os.walk(sig):
        for n in names:
            if n.endswith('.evtx'):
                files.append(os.path.join(root, n))
    return sorted(set(files))


def run(path, reader):
    cmd = [BOXTRAIL, 'events', '--format', 'jsonl', '--stats']
    if reader:
        cmd += ['--reader', reader]
    p = subprocess.run(cmd + [path], capture_output=True)
    lines = p.stdout.split(b'\n')
    ev = {}
    dup = 0
    for ln in lines:
        if not ln:
            continue
        o = json.loads(ln)
        key = (o['record_id'], o['offset'], o['recovered'])
        if key in ev:
            dup += 1
            key = key + (dup,)
        ev[key] = ln
    return ev, p.stderr.decode('utf-8', 'replace'), p.returncode


def stats_of(err):
    for line in err.splitlines():
        if ': stats: ' in line and ': total: ' not in line:
            return dict(kv.split('=', 1) for kv in line.split() if '=' in kv)
    return {}


def json_diff(a, b, prefix=''):
    out = []
    for k in list(a) + [k for k in b if k not in a]:
        va, vb = a.get(k), b.get(k)
        if va == vb:
            continue
        if isinstance(va, dict) and isinstance(vb, dict):
            out += json_diff(va, vb, prefix + k + '.')
        else:
            out.append((prefix + k, va, vb))
    if not out and list(a) != list(b):
        out.append(('(key order)', list(a), list(b)))
    if not out:
        out.append(('(field order)', None, None))
    return out


def ansi_markup_only(nat, lx):
    """The one difference on purpose: an ANSI string value holding markup,
    which libevtx writes into its XML unescaped (its path then parses the
    markup away and loses the value); the native reader gives the text."""
    d = json_diff(nat, lx)
    return bool(d) and all(name.startswith('fields.') and isinstance(va, str) and '<' in va
                           and vb is None for name, va, vb in d)


def main():
    args = sys.argv[1:]
    sample = None
    verbose = False
    while args and args[0].startswith('--'):
        a = args.pop(0)
        if a == '--sample':
            sample = int(args.pop(0))
        elif a == '--verbose':
            verbose = True
    files = args
    if not files:
        corpus = os.environ.get('SHARED_CORPUS', '')
        if not corpus or not os.path.isfile(os.path.join(corpus, 'MANIFEST.tsv')):
            print('SKIP: $SHARED_CORPUS (with MANIFEST.tsv) not found')
            return 77
        files = corpus_files(corpus)
        if sample:
            # deterministic sample: by hash of the relative path
            files = sorted(files, key=lambda p: hashlib.sha1(
                os.path.relpath(p, corpus).encode()).hexdigest())[:sample]
            files.sort()
    tot = dict(files=0, same=0, differ=0, ansi_markup=0, stats_differ=0, only_native=0, only_libevtx=0,
               native=0, libevtx=0, native_recovered=0, libevtx_recovered=0)
    lx_unreadable_native = []
    problems = []
    for path in files:
        tot['files'] += 1
        n, nerr, _ = run(path, None)
        l, lerr, _ = run(path, 'libevtx')
        tot['native'] += len(n)
        tot['libevtx'] += len(l)
        tot['native_recovered'] += sum(1 for k in n if k[2])
        tot['libevtx_recovered'] += sum(1 for k in l if k[2])
        lx_live = sum(1 for k in l if not k[2])
        nx_live = sum(1 for k in n if not k[2])
        if lx_live == 0 and nx_live:
            lx_unreadable_native.append((path, nx_live))
        # live records only: recovered ones are tests/evtx_recover_diff.py's
        # (libevtx renders many with another template's names)
        for k in n.keys() & l.keys():
            if k[2]:
                continue
            if n[k] == l[k]:
                tot['same'] += 1
            elif ansi_markup_only(json.loads(n[k]), json.loads(l[k])):
                tot['ansi_markup'] += 1
            else:
                tot['differ'] += 1
                problems.append(('DIFF', path, k, n[k], l[k]))
        on = sorted((k for k in n.keys() - l.keys() if not k[2]), key=str)
        ol = sorted((k for k in l.keys() - n.keys() if not k[2]), key=str)
        # integrity summary: the same wherever both read the same live records
        if not [k for k in on + ol if not k[2]]:
            sn, sl = stats_of(nerr), stats_of(lerr)
            for key in ('records', 'id_gaps', 'time_backwards', 'max_backwards', 'dirty'):
                if sn.get(key) != sl.get(key):
                    tot['stats_differ'] += 1
                    problems.append(('STATS', path, key, sn.get(key), sl.get(key)))
            # the native reader also counts what libevtx passes over in
            # silence: a damaged record area, a zeroed chunk before used ones
            if int(sn.get('corrupt_chunks', 0)) < int(sl.get('corrupt_chunks', 0)):
                tot['stats_differ'] += 1
                problems.append(('STATS', path, 'corrupt_chunks', sn.get('corrupt_chunks'),
                                 sl.get('corrupt_chunks')))
        tot['only_native'] += len(on)
        tot['only_libevtx'] += len(ol)
        if on or ol:
            problems.append(('ONLY', path, on, ol, nerr, lerr))
    diffs = [p for p in problems if p[0] == 'DIFF']
    for p in diffs[:200]:
        _, path, k, a, b = p
        print('DIFF %s record %s offset %s recovered %s' % (path, *k[:3]))
        for name, va, vb in json_diff(json.loads(a), json.loads(b)):
            print('  %s: native %s | libevtx %s' % (name, json.dumps(va)[:300],
                                                    json.dumps(vb)[:300]))
    for p in problems:
        if p[0] == 'STATS':
            print('STATS %s: %s native %s, libevtx %s' % p[1:])
    for p in problems:
        if p[0] != 'ONLY':
            continue
        _, path, on, ol, nerr, lerr = p
        print('ONLY %s: %d only native, %d only libevtx' % (path, len(on), len(ol)))
        if verbose:
            print('  only native: %s' % ' '.join('%s@%s%s' % (k[0], k[1], 'R' if k[2] else '')
                                                for k in on[:20]))
            print('  only libevtx: %s' % ' '.join('%s@%s%s' % (k[0], k[1], 'R' if k[2] else '')
                                                 for k in ol[:20]))
            for ln in (nerr.splitlines()[:6]):
                print('  native says: ' + ln[:300])
            for ln in (lerr.splitlines()[:6]):
                print('  libevtx says: ' + ln[:300])
    print('files where libevtx reads no live record but native does: %d (%d records)' % (
        len(lx_unreadable_native), sum(c for _, c in lx_unreadable_native)))
    for path, c in lx_unreadable_native:
        print('  %s: %d records' % (path, c))
    print('TOTAL ' + ' '.join('%s=%d' % kv for kv in tot.items()))
    passed = 1 if tot['differ'] == 0 and tot['stats_differ'] == 0 else 0
    print('%d passed, %d failed' % (passed, 1 - passed))
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())

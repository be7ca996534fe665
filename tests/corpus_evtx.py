#!/usr/bin/python3
"""Reads every EVTX file of the shared corpus with boxtrail and compares the
record counts with libevtx's (MANIFEST.tsv): every record libevtx counts must be
either emitted or reported as failed (recovered ones: or counted as copies);
the native reader never starts libevtx for them; JSON output must parse; no
crash, no hang."""
import csv, json, os, subprocess, sys

corpus, boxtrail = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(os.path.join(corpus, 'MANIFEST.tsv')), delimiter='\t'))
problems, notes, files, events = [], [], 0, 0
for r in rows:
    if r['evtx_magic_ok'] != 'yes':
        continue
    path = os.path.join(corpus, r['local_path'])
    files += 1
    try:
        p = subprocess.run([boxtrail, 'events', '--stats', path], capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        problems.append(f'{path}: hang (>600 s)')
        continue
    if p.returncode not in (0, 2, 4):
        problems.append(f'{path}: exit {p.returncode} (crash?)')
        continue
    live = rec = 0
    for line in p.stdout.splitlines():
        e = json.loads(line)
        if e['recovered']:
            rec += 1
        else:
            live += 1
    events += live + rec
    stats = {}
    for line in p.stderr.decode('utf-8', 'replace').splitlines():
        if ': stats: ' in line and ': total: ' not in line:
            stats = dict(kv.split('=', 1) for kv in line.split() if '=' in kv)
    if not stats:
        problems.append(f'{path}: no stats line')
        continue
    want_live, want_rec = r['evtxinfo_records'], r['evtxinfo_recovered']
    if want_live == '':
        continue  # libevtx cannot open it: only "no crash, no hang" applies
    # The native reader may read more than libevtx (e.g. a truncated last
    # chunk libevtx skips), never less without saying so.
    if live + int(stats['failed']) < int(want_live):
        problems.append(f'{path}: {live} emitted + {stats["failed"]} failed < libevtx {want_live}')
    elif live > int(want_live):
        notes.append(f'{path}: {live} emitted, libevtx counts {want_live}')
    # every record libevtx recovers is, natively, recovered, a copy of a
    # record given once, or counted as not recoverable (with a reason; the
    # fields are tests/evtx_recover_diff.py's)
    accounted = rec + int(stats.get('recovered_copies', 0)) + int(stats['recovered_failed'])
    if accounted < int(want_rec or 0):
        problems.append(f'{path}: {rec} recovered + {stats.get("recovered_copies", 0)} copies + '
                        f'{stats["recovered_failed"]} failed < libevtx {want_rec}')
    # libevtx stays off the default path for every file of the corpus
    if stats.get('libevtx_started') != '0':
        problems.append(f'{path}: libevtx started {stats.get("libevtx_started")} time(s)')
    if int(stats['failed']) == 0 and live < int(want_live):
        problems.append(f'{path}: emitted {live}, libevtx counts {want_live}')
print(f'{files} EVTX files, {events} events, {len(problems)} problems')
for p in problems:
    print('  ' + p)
for n in notes:
    print('  note: ' + n)
sys.exit(1 if problems or files == 0 else 0)

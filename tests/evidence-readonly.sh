#!/bin/sh
# Evidence is opened read-only and never modified: content, mtime and (where
# the filesystem keeps it) atime are unchanged after a run, and nothing is
# written beside the evidence. The evidence: samples/ and binary journal files.
. "$top_srcdir/tests/lib.sh"
[ -d "$top_srcdir/samples/SRV-BUILD01" ] || skip "samples/ not present"
cp -a "$top_srcdir/samples" "$TMP/evidence"
# a binary journal as collections hold it (libsystemd reads it: it must not
# write it either), and a copy of it journald would have left dirty
jdir="$TMP/evidence/var/log/journal/3f9c2a7d5e1b4c8a9d0e6f1a2b3c4d5e"
mkdir -p "$jdir"
if sh "$top_srcdir/tests/tools/mkjournal.sh" "$top_srcdir/tests/data/docker/journal.export" \
	"$jdir/system.journal" 2>/dev/null; then
	cp "$jdir/system.journal" "$jdir/system@0005f1e0c0ffee00-00000000000000aa.journal~"
else
	echo "note: systemd-journal-remote is not installed: no journal file among the evidence"
	rm -rf "$TMP/evidence/var"
fi
# atime is only observable where the filesystem records it
touch -a -d '2020-01-01' "$TMP/evidence/README.md"
cat "$TMP/evidence/README.md" >/dev/null
[ "$(stat -c %X "$TMP/evidence/README.md")" != "$(date -d 2020-01-01 +%s)" ] || \
	echo "note: this filesystem does not update atime on read; the atime check proves nothing here"
# Times are taken with stat only (reading a file would refresh its atime under
# relatime); content hashes are taken after the runs, compared with a copy.
times() {
	(cd "$TMP/evidence" && find . -type f | LC_ALL=C sort | while read -r f; do
		printf '%s %s %s\n' "$f" "$(stat -c %Y "$f")" "$(stat -c %X "$f")"
	done)
}
hashes() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
cp -a "$TMP/evidence" "$TMP/pristine"
# make atime observable: set it older than mtime, so any read would refresh it
find "$TMP/evidence" -type f -exec touch -a -d '2020-01-01 00:00:00' {} +
times >"$TMP/before"
ls -laR "$TMP/evidence" >"$TMP/ls-before"
for cmd in "events -q" "events -q -f csv" "events -q --stats"; do
	$BOXTRAIL $cmd "$TMP/evidence" >/dev/null 2>&1
done
if "$BOXTRAIL" --help | grep -q '^  hunt'; then
	"$BOXTRAIL" hunt -q "$TMP/evidence" >/dev/null 2>&1
	"$BOXTRAIL" hunt -q -f jsonl --run-record "$TMP/run.json" "$TMP/evidence" >/dev/null 2>&1
fi
times >"$TMP/after"
if cmp -s "$TMP/before" "$TMP/after"; then
	pass "mtime and atime unchanged for $(wc -l <"$TMP/before") files"
else
	fail "evidence times changed:"; diff "$TMP/before" "$TMP/after" >&2
fi
[ "$(hashes "$TMP/evidence")" = "$(hashes "$TMP/pristine")" ] && pass "content unchanged (SHA-256)" \
	|| fail "evidence content changed"
ls -laR "$TMP/evidence" | sed 's/ [A-Z][a-z][a-z] .[0-9] [0-9:]* / /' >"$TMP/ls-after"
sed 's/ [A-Z][a-z][a-z] .[0-9] [0-9:]* / /' "$TMP/ls-before" >"$TMP/ls-before2"
cmp -s "$TMP/ls-before2" "$TMP/ls-after" && pass "nothing written beside the evidence" \
	|| { fail "directory listing changed"; diff "$TMP/ls-before2" "$TMP/ls-after" >&2; }
# read-only evidence (as mounted from an image) is read all the same
chmod -R a-w "$TMP/evidence"
n=$("$BOXTRAIL" events -q "$TMP/evidence" 2>/dev/null | wc -l)
[ "$n" -gt 1000 ] && pass "read-only evidence read ($n events)" || fail "read-only evidence: $n events"
chmod -R u+w "$TMP/evidence"
finish

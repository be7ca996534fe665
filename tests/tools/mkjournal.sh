#!/bin/sh
# Writes a binary systemd journal file from journal export format (KEY=VALUE
# lines, a blank line after each entry; `journalctl -o export` writes it), for
# the tests of the journal file reader: mkjournal.sh IN.export OUT.journal.
# It uses systemd-journal-remote (Debian package systemd-journal-remote), which
# writes the file as journald would (compact, zstd, keyed hash on systemd 252).
# Exit status: 0 written, 77 systemd-journal-remote missing, 1 it failed.
set -u
in=${1:?usage: mkjournal.sh IN.export OUT.journal}
out=${2:?usage: mkjournal.sh IN.export OUT.journal}
remote=
for c in /lib/systemd/systemd-journal-remote /usr/lib/systemd/systemd-journal-remote; do
	[ -x "$c" ] && remote=$c && break
done
[ -n "$remote" ] || { echo "mkjournal: systemd-journal-remote is not installed" >&2; exit 77; }
case $out in
*.journal) ;;
*) echo "mkjournal: the output name must end in .journal" >&2; exit 1 ;;
esac
rm -f "$out"
# it prints "Finishing after writing N entries" on success
if ! "$remote" --output="$out" "$in" >/dev/null 2>"$out.log"; then
	cat "$out.log" >&2
	rm -f "$out.log"
	exit 1
fi
rm -f "$out.log"
[ "$(head -c 8 "$out" 2>/dev/null)" = LPKSHHRH ] || { echo "mkjournal: no journal written to $out" >&2; exit 1; }

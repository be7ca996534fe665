#!/bin/sh
# python-evtx (an independent reader) renders evtxgen's small fixtures with the
# values that went in. python-evtx reads ~100 records/s: small files only.
. "$top_srcdir/tests/evtxgen-lib.sh"
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import Evtx.Evtx' 2> /dev/null; then
		PY=$p
		break
	fi
	PY=
done
[ -n "$PY" ] || skip "python-evtx (Debian python3-evtx) is not installed"

types=$top_srcdir/tests/data/evtxgen/types.jsonl
for opt in "" "--records-per-chunk 2"; do
	# shellcheck disable=SC2086
	"$EVTXGEN" write $opt "$types" "$tmp/t.evtx" || fail "evtxgen write $opt"
	"$PY" "$COMPARE" --renderer python-evtx "$types" "$tmp/t.evtx" ||
		fail "python-evtx rendering differs ($opt)"
done
ok "types.jsonl read by python-evtx, one and several chunks"

# the first 40 events of a sample log
head -n 42 "$top_srcdir/samples/src/SRV-BUILD01-Sysmon.jsonl" > "$tmp/sysmon.jsonl"
"$EVTXGEN" write "$tmp/sysmon.jsonl" "$tmp/sysmon.evtx" || fail "evtxgen write sysmon"
"$PY" "$COMPARE" --renderer python-evtx "$tmp/sysmon.jsonl" "$tmp/sysmon.evtx" ||
	fail "python-evtx rendering of Sysmon events differs"
ok "Sysmon events read by python-evtx"
finish

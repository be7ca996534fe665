#!/bin/sh
# --stats ends with one totals line, the same for events, search and hunt
# over the same inputs (files read, partial, unreadable, not evidence,
# events read), also when nothing could be read.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
cd "$top_srcdir" || exit 99
printf 'not evidence\n' >"$TMP/notes.txt"
head -c 4096 samples/DC01/Security.evtx >"$TMP/short.evtx"   # a truncated EVTX file: partial

totals() {  # totals CMD...: the totals line of --stats
	"$BOXTRAIL" "$@" 2>&1 >/dev/null | grep 'stats: total:'
}
for set in "samples" "samples $TMP/notes.txt $TMP/short.evtx" "$TMP/notes.txt"; do
	# shellcheck disable=SC2086
	ev=$(totals events --stats -q $set)
	[ -n "$ev" ] || fail "events --stats on $set: no totals line"
	# shellcheck disable=SC2086
	check "search --stats totals = events' ($set)" "$ev" "$(totals search --stats -q svc $set)"
	# shellcheck disable=SC2086
	check "hunt --stats totals = events' ($set)" "$ev" "$(totals hunt --stats -q $set)"
done
check "the totals count the inputs" \
	"boxtrail: stats: total: 5 files read, 0 partial, 0 unreadable, 7 not evidence (0 named), 1184 events read" \
	"$(totals hunt --stats -q samples)"
finish

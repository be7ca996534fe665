#!/bin/sh
# boxtrail search: keywords, -e regexes and field expressions select the
# same events as jq over `boxtrail events` does; the events filters and
# formats apply; a malformed query is a usage error (exit 2).
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
cd "$top_srcdir" || exit 99

"$BOXTRAIL" events -q -f jsonl samples >"$TMP/all.jsonl" 2>/dev/null || fail "events on samples"
# same NAME "QUERY-ARGS" JQ-FILTER: search's output is the events jq selects
same() {
	name=$1 filter=$3
	eval "\"\$BOXTRAIL\" search -q -f jsonl $2 samples" >"$TMP/got" 2>"$TMP/err"
	rc=$?
	jq -c "select($filter)" "$TMP/all.jsonl" >"$TMP/want"
	n=$(wc -l <"$TMP/want")
	if [ "$n" -eq 0 ]; then fail "$name: the test selects nothing"
	elif ! cmp -s "$TMP/got" "$TMP/want"; then fail "$name: $(wc -l <"$TMP/got") events, jq selects $n"; sed 's/^/    /' "$TMP/err" | head -3 >&2
	elif [ "$rc" -ne 1 ]; then fail "$name: exit $rc with matches (wanted 1)"
	else pass "$name ($n events)"; fi
}
# every value a keyword is looked for in
VALUES='[.host, .channel, .provider, (.system // {} | .. | strings), (.fields | .. | strings)] | map(strings)'

same "field expressions, AND" "'EventID=4769 TicketEncryptionType=0x17'" \
	'.event_id == 4769 and .fields.TicketEncryptionType == "0x17"'
same "a number equals its other spelling (23 = 0x17)" "'TicketEncryptionType=23'" \
	'.fields.TicketEncryptionType == "0x17"'
same "keyword, case-insensitive" "SVC_SQL" "$VALUES | any(test(\"svc_sql\"; \"i\"))"
same "-e REGEX, case-insensitive" "-e 'SVC_(sql|web)\$'" "$VALUES | any(test(\"svc_(sql|web)\$\"; \"i\"))"
same "wildcard value" "'Image=*\\\\powershell.exe'" '(.fields.Image // "") | ascii_downcase | endswith("\\powershell.exe")'
same "CIDR on an address field" "'IpAddress=10.20.30.0/24'" '(.fields.IpAddress // "") | test("^(::ffff:)?10\\.20\\.30\\.")'
same "an address equals its IPv4-mapped form" "'IpAddress=10.20.30.41'" \
	'.fields.IpAddress == "10.20.30.41" or .fields.IpAddress == "::ffff:10.20.30.41"'
same "numeric comparison" "'EventID>=4768 EventID<4770'" '.event_id != null and .event_id >= 4768 and .event_id < 4770'
same "not equal: present, another value" "'EventID=4769 TicketEncryptionType!=0x12'" \
	'.event_id == 4769 and .fields.TicketEncryptionType != null and .fields.TicketEncryptionType != "0x12"'
same "NAME~REGEX" "'ServiceName~^svc_[a-z]+\$'" '(.fields.ServiceName // "") | test("^svc_[a-z]+$"; "i")'
same "-w and a keyword together" "-w EventID=4769 -w svc_web" \
	".event_id == 4769 and ($VALUES | any(test(\"svc_web\"; \"i\")))"
same "header names as events writes them" "'host=dc01.corp.local event_id=4768'" \
	'.host == "DC01.corp.local" and .event_id == 4768'

# -s: case-sensitive
expect_rc "-s: no match in another case (exit 0)" 0 "$BOXTRAIL" search -q -s SVC_SQL samples
check "-s: nothing printed" "" "$(cat "$TMP/out")"
expect_rc "-s: the right case matches" 1 "$BOXTRAIL" search -q -s -f jsonl svc_sql samples

# it is events with a predicate: a query every EVTX event matches gives events' output
"$BOXTRAIL" events -q -f jsonl samples/DC01 >"$TMP/ev" 2>/dev/null
"$BOXTRAIL" search -q -f jsonl 'EventID>=0' samples/DC01 >"$TMP/se" 2>/dev/null
cmp -s "$TMP/ev" "$TMP/se" && [ -s "$TMP/ev" ] && pass "search matching all = events" || fail "search matching all differs from events"
# the same after a regex has read every value (typed values rendered first)
for f in jsonl csv text; do
	"$BOXTRAIL" events -q -f $f samples/SRV-BUILD01 >"$TMP/ev.$f" 2>/dev/null
	"$BOXTRAIL" search -q -f $f -e '(?s).' samples/SRV-BUILD01 >"$TMP/se.$f" 2>/dev/null
	cmp -s "$TMP/ev.$f" "$TMP/se.$f" && [ -s "$TMP/ev.$f" ] && pass "search -e . -f $f = events, byte for byte" ||
		fail "search -e . -f $f differs from events"
done
# the events filters and formats
"$BOXTRAIL" search -q -f jsonl --event-id 4768 --since 2026-03-14T09:14:00Z svc samples >"$TMP/f" 2>/dev/null
check "--event-id/--since apply" 0 "$(jq -c 'select(.event_id != 4768 or .time < "2026-03-14T09:14:00Z")' "$TMP/f" | wc -l)"
[ -s "$TMP/f" ] && pass "filtered search finds events" || fail "filtered search found nothing"
"$BOXTRAIL" search -q -f csv 'EventID=4769 TicketEncryptionType=0x17' samples >"$TMP/c" 2>/dev/null
check "-f csv: header and a row per match" "$(($(jq -c 'select(.event_id == 4769 and .fields.TicketEncryptionType == "0x17")' "$TMP/all.jsonl" | wc -l) + 1))" "$(wc -l <"$TMP/c")"
head -1 "$TMP/c" | grep -q '^time,source,host' && pass "-f csv header" || fail "-f csv header"
"$BOXTRAIL" search -q -f text 'EventID=4769 TicketEncryptionType=0x17' samples >"$TMP/t" 2>/dev/null
grep -q 'Security/4769 .*TicketEncryptionType=0x17' "$TMP/t" && pass "-f text" || fail "-f text"
"$BOXTRAIL" search --stats 'EventID=4769' samples >/dev/null 2>"$TMP/s"
grep -q 'stats: total: 5 files read, 0 partial, 0 unreadable, [0-9]* not evidence (0 named), 1184 events read' "$TMP/s" \
	&& pass "--stats: events' totals line" || fail "--stats totals: $(cat "$TMP/s")"
grep -q 'stats: [0-9]* events matched' "$TMP/s" && pass "--stats: matched count" || fail "--stats matched"

# a regex stopped at PCRE2's match limit is counted and said, not silently "no match"
a=$(head -c 40 /dev/zero | tr '\0' a)
printf 'time="2026-03-14T07:58:03.104233000Z" level=info msg="%sc"\n' "$a" >"$TMP/re.log"
"$BOXTRAIL" search -f jsonl -e '^(a|a)+$' "$TMP/re.log" >/dev/null 2>"$TMP/re.err"
check "a regex at the match limit: exit 0 (no match)" 0 $?
grep -q "warning: 1 regular expression tests stopped at the match limit" "$TMP/re.err" \
	&& pass "a regex at the match limit is reported" || fail "match limit: $(cat "$TMP/re.err")"

# malformed queries: exit 2, one line naming the term
bad() {  # bad NAME PATTERN ARGS...
	name=$1 pat=$2
	shift 2
	expect_rc "$name" 2 "$BOXTRAIL" search "$@" samples
	grep -q -- "$pat" "$TMP/err" && pass "$name: says why" || fail "$name: message: $(cat "$TMP/err")"
	[ -s "$TMP/out" ] && fail "$name: printed events" || true
}
bad "comparison with a word" "'EventID<abc': 'abc' is not a number" 'EventID<abc'
bad "no field name" "a field expression needs a field name" '=4769'
bad "no value" "no value after '='" 'EventID='
bad "unterminated quote" "unterminated double quote" 'CommandLine="a b'
bad "bad regex" "-e '(': bad regular expression" -e '('
bad "bad regex after ~" "'Image~(': " 'Image~('
bad "empty query" "an empty query" ''
expect_rc "no query at all" 2 "$BOXTRAIL" search
expect_rc "a query but no path" 2 "$BOXTRAIL" search svc
finish

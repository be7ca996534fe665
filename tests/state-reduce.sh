#!/bin/sh
# Map and reduce (issue 23). The partition property: evidence split by host,
# each part mapped on its own (`hunt --emit-state`, in parallel with xargs -P)
# and the state files reduced (`hunt STATE...`), gives byte for byte the
# findings of one run over all the evidence, with the same exit status: on
# samples/, the two generated incidents of issue 15, the ESXi incident of
# issue 24 and the Kerberos baseline incident of issue 19 (absences judged
# against two domain controllers' log spans). The map and the one run are
# run from the same folder with relative paths; the reduce from another
# folder, where the evidence is not, so that nothing is looked up again.
# Then: state bytes the same whatever --jobs, bad state files (truncated,
# another schema version, another rule set, a record or the count changed,
# records after the end) refused with one line naming the file and line
# while the rest of the reduce goes on (exit +4), and the output guard.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
EVTXGEN=$top_builddir/tests/tools/evtxgen
[ -x "$EVTXGEN" ] || skip "tests/tools/evtxgen is not built (make check builds it)"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR

# the host folders of a collection (samples/src/ holds the generators' sources)
parts() { ls -d "$1"/*/ | sed 's,/$,,' | grep -v '/src$'; }

# prop NAME BASE DIR: one run over BASE/DIR against the reduce of the states
# of each folder in it, mapped apart.
prop() {
	name=$1 base=$2 dir=$3
	(cd "$base" && "$BOXTRAIL" hunt -q -f jsonl --min-level informational "$dir" >"$TMP/$name.one")
	one_rc=$?
	mkdir -p "$TMP/st-$name"
	(cd "$base" && parts "$dir" |
		xargs -P 4 -I{} sh -c '"$0" hunt -q --emit-state "$1/$(basename "$2").state" "$2"' \
			"$BOXTRAIL" "$TMP/st-$name" {}) 2>"$TMP/$name.maperr"
	check "$name: every part mapped" 0 $?
	parts=$(cd "$base" && parts "$dir" | wc -l)
	check "$name: one state per part" "$parts" "$(ls "$TMP/st-$name" | wc -l)"
	(cd "$TMP" && "$BOXTRAIL" hunt -q -f jsonl --min-level informational "st-$name"/*.state >"$TMP/$name.red")
	check "$name: reduce exit status is the one run's" "$one_rc" $?
	n=$(wc -l <"$TMP/$name.one")
	[ "$n" -gt 0 ] || fail "$name: the one run found nothing: the comparison would prove nothing"
	if cmp -s "$TMP/$name.one" "$TMP/$name.red"; then
		pass "$name: reduce of $parts states gives the one run's $n findings byte for byte"
	else
		fail "$name: reduce differs from the one run"
		diff "$TMP/$name.one" "$TMP/$name.red" | head -c 3000 >&2
	fi
}

prop samples "$top_srcdir" samples
sh "$top_srcdir/tests/data/incidents/build.sh" "$EVTXGEN" "$TMP/inc" >/dev/null 2>&1 ||
	{ echo "build.sh failed" >&2; exit 99; }
prop linux-docker-host "$TMP/inc" linux-docker-host
prop desktop-workstation "$TMP/inc" desktop-workstation
mkdir -p "$TMP/esxi"
for d in "$top_srcdir"/tests/data/esxi-incident/*/; do
	case $d in */guest-src/) continue ;; esac
	cp -R "$d" "$TMP/esxi/"
done
prop esxi "$TMP" esxi
for h in DC01 DC02 FS01; do
	mkdir -p "$TMP/kerb/$h"
	"$EVTXGEN" write "$top_srcdir/tests/data/kerberos/A-$h.jsonl" "$TMP/kerb/$h/Security.evtx" ||
		{ echo "evtxgen failed" >&2; exit 99; }
done
prop kerberos "$TMP" kerb
# the absences were judged on the reduce (the DCs' spans came with the states)
check "kerberos: absent-TGT findings among the reduce's" yes \
	"$(grep -q '3c9e7b15-2f4d-4a86-b1c0-9e5d3a7f2c81' "$TMP/kerberos.red" && echo yes || echo no)"
# evidence and states together: one part read, the other from its state
(cd "$top_srcdir" && "$BOXTRAIL" hunt -q -f jsonl --min-level informational \
	samples/DC01 "$TMP/st-samples/SRV-BUILD01.state" >"$TMP/mixed")
check "evidence beside a state: exit" 1 $?
check "evidence beside a state: the one run's findings" yes \
	"$(cmp -s "$TMP/mixed" "$TMP/samples.one" && echo yes || echo no)"

# --state-host: every recorded path as HOST:PATH, consistently (host
# inference, notes, evidence), so that endpoints that share paths stay apart
(cd "$top_srcdir" && "$BOXTRAIL" hunt -q --state-host dc01 --emit-state "$TMP/p-dc.state" samples/DC01 &&
	"$BOXTRAIL" hunt -q --state-host srv-build01 --emit-state "$TMP/p-srv.state" samples/SRV-BUILD01)
"$BOXTRAIL" hunt -q -f jsonl --min-level informational "$TMP/p-dc.state" "$TMP/p-srv.state" >"$TMP/p.red"
check "--state-host: reduce exit" 1 $?
check "--state-host: evidence names the collecting host" yes \
	"$(grep -q '"file":"srv-build01:samples/SRV-BUILD01/dockerd.log"' "$TMP/p.red" && echo yes || echo no)"
check "--state-host: the one run's findings, paths aside" yes \
	"$(sed 's/dc01:samples/samples/g; s/srv-build01:samples/samples/g' "$TMP/p.red" | cmp -s - "$TMP/samples.one" && echo yes || echo no)"
# two endpoints whose evidence lies at the same path
for h in DC-EAST WS-FIN-22; do mkdir -p "$TMP/same-$h" && cp -R "$TMP/inc/desktop-workstation/$h" "$TMP/same-$h/host"; done
for h in DC-EAST WS-FIN-22; do
	(cd "$TMP/same-$h" && "$BOXTRAIL" hunt -q --emit-state "$TMP/same-$h.plain" host &&
		"$BOXTRAIL" hunt -q --state-host "$h" --emit-state "$TMP/same-$h.state" host)
done
digest() { jq -r '[.time, .severity, .rule.id, (.hosts | join(","))] | @tsv' "$1"; }
"$BOXTRAIL" hunt -q -f jsonl --min-level informational "$TMP"/same-*.state >"$TMP/same.red"
check "same paths, --state-host: the one run's findings" yes \
	"$(digest "$TMP/same.red" | cmp -s - "$(digest "$TMP/desktop-workstation.one" >"$TMP/dw.dig"; echo "$TMP/dw.dig")" && echo yes || echo no)"
"$BOXTRAIL" hunt -f jsonl --min-level informational "$TMP"/same-*.plain >/dev/null 2>"$TMP/same.err"
check "same paths without it: one collection naming two hosts, reported" yes \
	"$(grep -q 'names 2 hosts' "$TMP/same.err" && echo yes || echo no)"
expect_rc "--state-host without --emit-state" 2 "$BOXTRAIL" hunt -q --state-host x "$TMP/p-dc.state"

# --since/--until at the reduce act as in one run
for w in "--since 2026-03-14T09:13:00Z" "--until 2026-03-14T09:13:00Z"; do
	(cd "$top_srcdir" && "$BOXTRAIL" hunt -q -f jsonl --min-level informational $w samples/ >"$TMP/w.one")
	"$BOXTRAIL" hunt -q -f jsonl --min-level informational $w "$TMP"/st-samples/*.state >"$TMP/w.red"
	check "reduce with $w: the one run's findings" yes \
		"$(cmp -s "$TMP/w.one" "$TMP/w.red" && ! cmp -s "$TMP/w.one" "$TMP/samples.one" && echo yes || echo no)"
done

# the same bytes whatever --jobs
(cd "$top_srcdir" && "$BOXTRAIL" hunt -q -j 1 --emit-state "$TMP/j1.state" samples/SRV-BUILD01 &&
	"$BOXTRAIL" hunt -q -j 4 --emit-state "$TMP/j4.state" samples/SRV-BUILD01)
check "state bytes the same with -j 1 and -j 4" yes \
	"$(cmp -s "$TMP/j1.state" "$TMP/j4.state" && echo yes || echo no)"
# --emit-state FILE.gz writes the same state compressed
(cd "$top_srcdir" && "$BOXTRAIL" hunt -q --emit-state "$TMP/DC01-map.state.gz" samples/DC01)
check "--emit-state FILE.gz: gzip of the plain state's bytes" yes \
	"$(gzip -dc "$TMP/DC01-map.state.gz" | cmp -s - "$TMP/st-samples/DC01.state" && echo yes || echo no)"
check "--emit-state FILE.gz: smaller" yes \
	"$([ "$(wc -c <"$TMP/DC01-map.state.gz")" -lt "$(($(wc -c <"$TMP/st-samples/DC01.state") / 5))" ] && echo yes || echo no)"
# a compressed state is read as it is
gzip -c "$TMP/st-samples/DC01.state" >"$TMP/DC01.state.gz"
(cd "$TMP" && "$BOXTRAIL" hunt -q -f jsonl --min-level informational DC01.state.gz \
	st-samples/SRV-BUILD01.state >"$TMP/gz")
check "a gzip-compressed state: the same findings" yes \
	"$(cmp -s "$TMP/gz" "$TMP/samples.one" && echo yes || echo no)"

# Bad states: each beside the good SRV-BUILD01 state. The reduce reports the
# bad one (file and line), uses nothing of it, and gives the good one's
# findings with exit 1+4.
GOOD=$TMP/st-samples/SRV-BUILD01.state
DC=$TMP/st-samples/DC01.state
"$BOXTRAIL" hunt -q -f jsonl --min-level informational "$GOOD" >"$TMP/good" 2>/dev/null
check "the good state alone: findings" 1 $?
bad() { # bad NAME FILE PATTERN
	"$BOXTRAIL" hunt -q -f jsonl --min-level informational "$2" "$GOOD" >"$TMP/bad.out" 2>"$TMP/bad.err"
	check "$1: exit 1+4 (findings, an input not used)" 5 $?
	check "$1: one line naming the file" 1 "$(grep -c "$2" "$TMP/bad.err")"
	grep -q "$3" "$TMP/bad.err" || fail "$1: message: $(cat "$TMP/bad.err")"
	check "$1: the rest of the reduce goes on" yes "$(cmp -s "$TMP/bad.out" "$TMP/good" && echo yes || echo no)"
}
lines=$(wc -l <"$DC")
head -n $((lines / 2)) "$DC" >"$TMP/truncated.state"
bad "truncated" "$TMP/truncated.state" "line $((lines / 2)): state file ends without its end record (truncated?)"
head -c 5000 "$DC" >"$TMP/cut.state"
bad "cut inside a record" "$TMP/cut.state" "state file ends without its end record"
sed '1s/"boxtrail_state":1/"boxtrail_state":2/' "$DC" >"$TMP/v2.state"
bad "another schema version" "$TMP/v2.state" "line 1: state file of schema version 2, this boxtrail reads version 1"
sed 's/svc_sql/svc_sqX/' "$DC" >"$TMP/edited.state"
cmp -s "$DC" "$TMP/edited.state" && fail "the edit changed nothing"
bad "a record changed" "$TMP/edited.state" "line $lines: state file damaged"
sed "\$s/\"records\":[0-9]*/\"records\":$lines/" "$DC" >"$TMP/count.state"
bad "the count changed" "$TMP/count.state" "says $lines records"
{ cat "$DC"; echo '{"k":"hit"}'; } >"$TMP/after.state"
bad "records after the end" "$TMP/after.state" "line $((lines + 1)): state file: records after its end record"
(cd "$top_srcdir" && "$BOXTRAIL" hunt -q --tag T1558 --emit-state "$TMP/tag.state" samples/DC01)
check "a map with another rule selection" 0 $?
bad "another rule set" "$TMP/tag.state" "line 1: state file of another rule set"
expect_rc "only a bad state: nothing could be used" 2 \
	"$BOXTRAIL" hunt -q -f jsonl "$TMP/truncated.state"

# other commands name a state file for what it is
expect_rc "events on a named state file" 2 "$BOXTRAIL" events "$GOOD"
grep -q "a state file of hunt --emit-state, not evidence" "$TMP/err" || fail "events: $(cat "$TMP/err")"

# The guard of every written file, and what --emit-state does not go with.
cd "$top_srcdir" || exit 99
expect_rc "--emit-state inside the evidence is refused" 2 \
	"$BOXTRAIL" hunt -q --emit-state samples/DC01/x.state samples/DC01
[ -e samples/DC01/x.state ] && fail "a state file was written inside the evidence"
expect_rc "--emit-state over a file without --force is refused" 2 \
	"$BOXTRAIL" hunt -q --emit-state "$TMP/j1.state" samples/DC01
check "the refused file is untouched" yes "$(cmp -s "$TMP/j1.state" "$TMP/j4.state" && echo yes || echo no)"
expect_rc "--emit-state --force replaces it" 0 \
	"$BOXTRAIL" hunt -q --force --emit-state "$TMP/j1.state" samples/DC01
expect_rc "--emit-state with a state among the inputs" 2 \
	"$BOXTRAIL" hunt -q --emit-state "$TMP/x.state" "$GOOD"
expect_rc "--emit-state with -o" 2 \
	"$BOXTRAIL" hunt -q --emit-state "$TMP/y.state" -o "$TMP/y.jsonl" samples/DC01
finish

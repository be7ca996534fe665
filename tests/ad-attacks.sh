#!/bin/sh
# Generated Active Directory attack samples (tests/data/ad-attacks/*.jsonl,
# written with evtxgen): each line of MANIFEST.tsv names a sample, a rule id
# and whether hunt must report a finding of that rule (hit) or not (miss).
# Samples for attacks the shared corpus has no file of.
. "$top_srcdir/tests/lib.sh"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
EVTXGEN=$top_builddir/tests/tools/evtxgen
dir=$top_srcdir/tests/data/ad-attacks
n=0
while IFS='	' read -r sample rule want; do
	case $sample in '' | '#'*) continue ;; esac
	out=$TMP/${sample%.jsonl}
	if [ ! -f "$out.evtx" ]; then
		mkdir -p "$out.d"
		"$EVTXGEN" write "$dir/$sample" "$out.d/Security.evtx" 2>"$TMP/err" ||
			{ fail "$sample: evtxgen: $(cat "$TMP/err")"; continue; }
		"$BOXTRAIL" hunt -q -f jsonl --min-level informational "$out.d" >"$out.jsonl" 2>"$TMP/err"
		[ $? -le 1 ] || { fail "$sample: hunt: $(cat "$TMP/err")"; continue; }
		touch "$out.evtx"
	fi
	if grep -q "\"id\":\"$rule\"" "$out.jsonl"; then got=hit; else got=miss; fi
	check "$sample: $rule" "$want" "$got"
	n=$((n + 1))
done <"$dir/MANIFEST.tsv"
[ "$n" -gt 0 ] || fail "no sample checked"
finish

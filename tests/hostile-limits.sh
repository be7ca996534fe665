#!/bin/sh
# Hostile input, round two (issue 22): answers that were wrong without a word
# and work that was not bounded. One section per item of the issue; each
# checks the behaviour, never a timing. Run in make check and in the
# sanitizer build.
. "$top_srcdir/tests/lib.sh"
S="$top_srcdir/samples"

# --- item 2: an event matching more than 64 rules keeps every rule ---------
mkdir -p "$TMP/many"
i=1
while [ $i -le 70 ]; do
	n=$(printf '%012d' $i)
	cat >"$TMP/many/r$i.yml" <<YML
title: Same TGT rule $i
id: 0d0d0d0d-0000-4000-8000-$n
level: low
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4768, TargetUserName: svc_legacy}
  condition: sel
YML
	i=$((i + 1))
done
"$BOXTRAIL" hunt -q -f jsonl --no-builtin --rules "$TMP/many" "$S" >"$TMP/many.jsonl" 2>"$TMP/many.err"
check "70 rules on one event: exit (findings)" 1 $?
n=$(jq -r .rule.id "$TMP/many.jsonl" | sort -u | wc -l)
check "70 rules on one event: a finding for each rule" 70 "$n"
jq -r .rule.id "$TMP/many.jsonl" | grep -q '0d0d0d0d-0000-4000-8000-000000000070$' \
	&& pass "rule 70 (past the old cap of 64) has its finding" || fail "rule 70 has no finding"
# the same evidence twice: copies merge with the union of their rules (the
# spill file is covered by tests/unit/test_hitstore)
"$BOXTRAIL" hunt -q -f jsonl --no-builtin --rules "$TMP/many" "$S" "$S" >"$TMP/many2.jsonl" 2>/dev/null
n=$(jq -r .rule.id "$TMP/many2.jsonl" | sort -u | wc -l)
check "70 rules, the same evidence twice (duplicates merged): a finding for each rule" 70 "$n"

finish

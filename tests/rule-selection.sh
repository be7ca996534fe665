#!/bin/sh
# Rule selection (hunt and rules): --tag, --exclude-tag, --rule,
# --exclude-rule, --status, --min-level, --tuning, --logsources; bad input
# is a usage error (exit 2) naming what is wrong.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
cd "$top_srcdir" || exit 99
st=tests/data/sigma/status
WEAK=cb1de303-6b62-4738-aadb-295bd8157770      # Kerberoasting (RC4 ticket), T1558.003
SWEEP=75559a97-19d2-4c3b-8a86-d15c121de0de     # its correlation, same file
ASREP=81e519eb-4d8b-42ef-8b3b-500df9c2d157     # AS-REP roasting, high
PULL=7647e432-d6e6-42c0-b3f8-020881fc60f5      # module loaded from a container layer, medium
GMSA=534677e2-31fe-4df1-923c-8c4d6aa814e3      # container with a gMSA credential spec, medium

rules() {  # rules OPTIONS...: the jsonl listing in $TMP/r.jsonl, exit status in $rc
	"$BOXTRAIL" rules -q -f jsonl "$@" >"$TMP/r.jsonl" 2>"$TMP/r.err"
	rc=$?
}
count() { jq -s "[.[] | select($1)] | length" "$TMP/r.jsonl"; }

# --tag: an ATT&CK id, its Sigma tag and any case select the same rules: those
# tagged with it or a sub-technique, and the rules their correlations need
rules --tag T1558
check "--tag T1558: exit 0" 0 "$rc"
cp "$TMP/r.jsonl" "$TMP/t1558.jsonl"
check "--tag T1558 selects the Kerberoasting rule" 1 "$(count ".id == \"$WEAK\"")"
check "--tag T1558: every rule has the tag or is needed by a correlation" 0 \
	"$(count '(.attack | map(startswith("T1558")) | any | not) and ((.reason // "") | startswith("needed by correlation") | not)')"
check "--tag T1558: rules of other techniques are left out" 0 "$(count ".id == \"$PULL\"")"
rules --tag attack.T1558
cmp -s "$TMP/r.jsonl" "$TMP/t1558.jsonl" && pass "--tag attack.T1558 = --tag T1558" || fail "--tag attack.T1558 differs"
rules --tag t1558.003
check "--tag t1558.003: the sub-technique's rule" 1 "$(count ".id == \"$WEAK\"")"
check "--tag t1558.003: not AS-REP roasting (T1558.004)" 0 "$(count ".id == \"$ASREP\"")"
rules --tag T1558 --excluded
check "--excluded lists the rules left out, with the reason" 1 \
	"$(count ".id == \"$PULL\" and .state == \"excluded\" and .reason == \"no tag of --tag\"")"
rules --exclude-tag T1558
check "--exclude-tag T1558: no rule of it" 0 "$(count '.attack | map(startswith("T1558")) | any')"
check "--exclude-tag T1558: other rules stay" 1 "$(count ".id == \"$PULL\"")"
rules --tag T1558,T1611
check "--tag LIST: either" 2 "$(count ".id == \"$WEAK\" or .id == \"3d7a2c95-e1f4-4b6a-8d09-5c8e1b4f2a76\"")"

# bad tags are usage errors
expect_rc "--tag that no rule has" 2 "$BOXTRAIL" rules --tag T9999
grep -q -- "--tag T9999: no rule loaded has this tag" "$TMP/err" && pass "unknown tag named" || fail "unknown tag message: $(cat "$TMP/err")"
expect_rc "hunt --tag that no rule has" 2 "$BOXTRAIL" hunt --tag attack.nonexistent samples
grep -q "attack.nonexistent" "$TMP/err" && pass "hunt names the unknown tag" || fail "hunt tag message"
expect_rc "--exclude-tag that no rule has" 2 "$BOXTRAIL" rules --exclude-tag T9999
expect_rc "--tag with a blank" 2 "$BOXTRAIL" rules --tag 'T1558 x'
expect_rc "--tag empty item" 2 "$BOXTRAIL" rules --tag 'T1558,'

# --min-level: rules below it are left out unless a kept correlation needs them
rules --min-level high
check "--min-level high: exit 0" 0 "$rc"
check "--min-level high: no detection below high runs on its own" 0 \
	"$(count '.state == "loaded" and (.level == "high" or .level == "critical" | not) and ((.reason // "") | startswith("needed by correlation") | not)')"
check "--min-level high: a medium rule no correlation needs is out" 0 "$(count ".id == \"$GMSA\"")"
check "--min-level high: a medium rule a correlation needs stays" 1 \
	"$(count ".id == \"$PULL\" and (.reason | startswith(\"needed by correlation\"))")"
expect_rc "--min-level with a bad level" 2 "$BOXTRAIL" rules --min-level severe
expect_rc "hunt --min-level with a bad level" 2 "$BOXTRAIL" hunt --min-level severe samples
# hunt: leaving rules out loses no finding at or above the level
for lv in medium high critical; do
	"$BOXTRAIL" hunt -q -f jsonl --min-level "$lv" samples >"$TMP/sel.$lv" 2>/dev/null
	"$BOXTRAIL" hunt -q -f jsonl --min-level informational samples 2>/dev/null | jq -c --arg lv "$lv" \
		'["informational","low","medium","high","critical"] as $l | .severity as $s | select(($l | index($s)) >= ($l | index($lv)))' >"$TMP/all.$lv"
	n=$(wc -l <"$TMP/sel.$lv")
	if [ "$n" -gt 0 ] && cmp -s "$TMP/sel.$lv" "$TMP/all.$lv"; then pass "hunt --min-level $lv: the same $n findings"
	else fail "hunt --min-level $lv: $n findings, not those of the full run"; fi
done

# --status: deprecated and unsupported are left out by default
rules --no-builtin --rules "$st"
check "default status: stable and no status" "Status none,Status stable" "$(jq -r .title "$TMP/r.jsonl" | sort | paste -sd, -)"
rules --no-builtin --rules "$st" --status all
check "--status all" 4 "$(count 'true')"
rules --no-builtin --rules "$st" --status deprecated,unsupported
check "--status deprecated,unsupported" "Status deprecated,Status unsupported" "$(jq -r .title "$TMP/r.jsonl" | sort | paste -sd, -)"
rules --no-builtin --rules "$st" --status none
check "--status none: the rule without one" "Status none" "$(jq -r .title "$TMP/r.jsonl")"
expect_rc "a selection that leaves no rule" 2 "$BOXTRAIL" rules --status deprecated
grep -q "the selection leaves no rule" "$TMP/err" && pass "empty selection: says so" || fail "empty selection message: $(cat "$TMP/err")"
expect_rc "hunt with a selection that leaves no rule" 2 "$BOXTRAIL" hunt --status unsupported samples
grep -q "excluded by the selection" "$TMP/err" && pass "hunt: empty selection says so" || fail "hunt empty selection: $(cat "$TMP/err")"
expect_rc "--status with an unknown word" 2 "$BOXTRAIL" rules --status beta
grep -q "'beta' is not a status" "$TMP/err" && pass "unknown status named" || fail "status message"

# --rule / --exclude-rule: an id, a rule file or a directory
rules --rule "$ASREP"
check "--rule ID" "$ASREP" "$(jq -r .id "$TMP/r.jsonl")"
rules --rule rules/windows/kerberos/win_kerberos_weak_service_ticket.yml
check "--rule FILE: its rule and correlation" "$SWEEP,$WEAK" "$(jq -r .id "$TMP/r.jsonl" | sort | paste -sd, -)"
rules --rule rules/docker
check "--rule DIR: every rule under it" "$(ls rules/docker | wc -l)" "$(count '.file | test("/rules/docker/")')"
check "--rule DIR: nothing else" 0 "$(count '.file | test("/rules/docker/") | not')"
rules --rule "$SWEEP"
check "--rule CORRELATION: the rule it needs comes too" "$SWEEP,$WEAK" "$(jq -r .id "$TMP/r.jsonl" | sort | paste -sd, -)"
rules --exclude-rule "$WEAK" --excluded
check "--exclude-rule: the rule is out" 1 "$(count ".id == \"$WEAK\" and .state == \"excluded\"")"
check "--exclude-rule: so is the correlation that needs it" 1 \
	"$(count ".id == \"$SWEEP\" and .state == \"excluded\" and (.reason | startswith(\"needs an excluded rule\"))")"
expect_rc "--rule that names nothing" 2 "$BOXTRAIL" rules --rule no-such-rule
grep -q -- "--rule no-such-rule: no rule loaded" "$TMP/err" && pass "unknown --rule named" || fail "--rule message"
expect_rc "--exclude-rule of a path with no rule" 2 "$BOXTRAIL" rules --exclude-rule "$TMP"

# --tuning: level overrides and disabled rules, like Hayabusa's level tuning
cat >"$TMP/tuning.txt" <<TUNE
id,new_level
# raise the image pull, drop AS-REP roasting
$PULL,critical
$ASREP, disabled   # known noisy here
ffffffff-0000-4000-8000-000000000000,low
TUNE
"$BOXTRAIL" hunt -f jsonl --tuning "$TMP/tuning.txt" samples >"$TMP/tuned.jsonl" 2>"$TMP/tuned.err"
check "--tuning: hunt exits 1 (findings)" 1 $?
check "--tuning: level override sets severity and level" "critical critical" \
	"$(jq -r "select(.rule.id == \"$PULL\") | .severity + \" \" + .rule.level" "$TMP/tuned.jsonl")"
check "--tuning: disabled rule gives no finding" 0 "$(jq -r "select(.rule.id == \"$ASREP\")" "$TMP/tuned.jsonl" | wc -l)"
grep -q "tuning.txt: warning: line 5: no rule loaded has the id 'ffffffff" "$TMP/tuned.err" \
	&& pass "--tuning: an unknown id is a warning with its line" || fail "--tuning unknown id: $(cat "$TMP/tuned.err")"
rules --tuning "$TMP/tuning.txt" --excluded
check "rules --tuning: the override is noted" 1 "$(count ".id == \"$PULL\" and .level == \"critical\" and (.reason | test(\"was medium\"))")"
check "rules --tuning: disabled, with file and line" 1 "$(count ".id == \"$ASREP\" and .state == \"excluded\" and (.reason | test(\"tuning.txt:4\"))")"
printf '%s,severe\n' "$PULL" >"$TMP/bad-tuning.txt"
expect_rc "--tuning with a malformed level" 2 "$BOXTRAIL" hunt --tuning "$TMP/bad-tuning.txt" samples
grep -q "bad-tuning.txt:1: the level is not" "$TMP/err" && pass "malformed tuning line named" || fail "tuning message: $(cat "$TMP/err")"
expect_rc "--tuning of a missing file" 2 "$BOXTRAIL" rules --tuning "$TMP/none.txt"
printf '%s,low\0\n' "$PULL" >"$TMP/nul-tuning.txt"
expect_rc "--tuning with a NUL byte" 2 "$BOXTRAIL" rules --tuning "$TMP/nul-tuning.txt"
grep -q "nul-tuning.txt:1: NUL byte" "$TMP/err" && pass "NUL byte named" || fail "NUL message: $(cat "$TMP/err")"
head -c 100000 /dev/zero | tr '\0' a >"$TMP/long-tuning.txt"
expect_rc "--tuning of a file without lines (a wrong path)" 2 "$BOXTRAIL" rules --tuning "$TMP/long-tuning.txt"
grep -q "long-tuning.txt:1: line longer than 4096 bytes" "$TMP/err" && pass "long line named" || fail "long line message: $(cat "$TMP/err")"

# hunt --logsources, as for rules
cp data/logsources.yml "$TMP/ls.yml"
"$BOXTRAIL" hunt -q -f jsonl --logsources "$TMP/ls.yml" samples >"$TMP/ls.jsonl" 2>/dev/null
"$BOXTRAIL" hunt -q -f jsonl samples >"$TMP/default.jsonl" 2>/dev/null
n=$(wc -l <"$TMP/ls.jsonl")
[ "$n" -gt 0 ] && cmp -s "$TMP/ls.jsonl" "$TMP/default.jsonl" && pass "hunt --logsources: same findings ($n)" || fail "hunt --logsources differs"
expect_rc "hunt --logsources of a missing file" 2 "$BOXTRAIL" hunt --logsources "$TMP/none.yml" samples

# a selection never leaves a kept correlation without the rules it names
# (its rules, an absent correlation's witnesses): no "correlation skipped"
for t in T1558 T1558.001 T1550 T1110 T1611 T1003 attack.credential_access; do
	"$BOXTRAIL" hunt -f jsonl --tag "$t" samples >/dev/null 2>"$TMP/sk.err"
	if grep -q "correlation skipped" "$TMP/sk.err"; then fail "--tag $t: $(grep 'correlation skipped' "$TMP/sk.err" | head -1)"
	else pass "--tag $t: every kept correlation has its rules"; fi
done
"$BOXTRAIL" hunt -f jsonl --min-level critical samples >/dev/null 2>"$TMP/sk.err"
grep -q "correlation skipped" "$TMP/sk.err" && fail "--min-level critical skips a correlation" || pass "--min-level critical: every kept correlation has its rules"

# hunt with a selection: only the selected rules' findings; the count says so
"$BOXTRAIL" hunt -f jsonl --tag T1558 samples >"$TMP/h.jsonl" 2>"$TMP/h.err"
check "hunt --tag T1558: findings only of T1558" 0 "$(jq -c 'select(.techniques | map(startswith("T1558")) | any | not)' "$TMP/h.jsonl" | wc -l)"
check "hunt --tag T1558: has findings" 1 "$([ -s "$TMP/h.jsonl" ] && echo 1 || echo 0)"
grep -q "excluded by the selection" "$TMP/h.err" && pass "hunt counts the excluded rules" || fail "hunt summary: $(cat "$TMP/h.err")"
finish

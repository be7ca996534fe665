#!/bin/sh
# The Velociraptor artifacts of contrib/velociraptor (issue 23): each parses
# as YAML with the keys of Velociraptor's artifact format, names only the
# tools it declares and its own parameters, and calls `boxtrail hunt` with
# options that exist (tests/velociraptor_artifact.py). The checker is shown
# to catch each kind of mistake on altered copies. Then the rule pack the
# artifacts ship (make-rule-pack.sh) is one a reduce accepts the states of
# a map with the source tree's rules from: the fingerprint is the rules',
# not their paths'.
. "$top_srcdir/tests/lib.sh"
"$PY" -c 'import yaml' 2>/dev/null || skip "python3 yaml (python3-yaml) is not installed"
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
V=$top_srcdir/contrib/velociraptor
CHECK="$PY $top_srcdir/tests/velociraptor_artifact.py"
"$BOXTRAIL" hunt --help >"$TMP/help" 2>&1

for a in Custom.Boxtrail.Linux.Map Custom.Boxtrail.Windows.MapUploads Custom.Boxtrail.Server.Reduce; do
	[ -f "$V/$a.yaml" ] || fail "$a.yaml is missing"
done
if $CHECK "$TMP/help" "$V"/*.yaml >"$TMP/problems"; then
	pass "artifacts: YAML, keys, tools, parameters, boxtrail options ($(ls "$V"/*.yaml | wc -l) files)"
else
	fail "artifacts: $(cat "$TMP/problems")"
fi
check "the Linux map is a client artifact for Linux" "CLIENT linux" \
	"$("$PY" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(d["type"], "linux" if "linux" in d["precondition"] else "?")' "$V/Custom.Boxtrail.Linux.Map.yaml")"
check "the reduce is a server artifact" SERVER \
	"$("$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["type"])' "$V/Custom.Boxtrail.Server.Reduce.yaml")"
grep -q -- '"--emit-state"' "$V/Custom.Boxtrail.Linux.Map.yaml" || fail "the Linux map does not emit a state"
grep -q 'Windows.KapeFiles.Targets' "$V/Custom.Boxtrail.Windows.MapUploads.yaml" || fail "the Windows map does not name its collection"

# the checker catches what it is for
M=$V/Custom.Boxtrail.Linux.Map.yaml
mutant() { # mutant NAME SED-EXPR PATTERN
	mkdir -p "$TMP/m"
	sed "$2" "$M" >"$TMP/m/Custom.Boxtrail.Linux.Map.yaml"
	if $CHECK "$TMP/help" "$TMP/m/Custom.Boxtrail.Linux.Map.yaml" >"$TMP/mp"; then
		fail "checker misses: $1"
	elif grep -q "$3" "$TMP/mp"; then
		pass "checker catches: $1"
	else
		fail "checker: $1: $(cat "$TMP/mp")"
	fi
}
mutant "an option boxtrail does not have" 's/"--emit-state"/"--emit-states"/' "option '--emit-states'"
mutant "a tool not declared" 's/ToolName="BoxtrailRules"/ToolName="Other"/' "tool 'Other' the artifact does not declare"
mutant "a missing key" '/^type: CLIENT/d' "no 'type'"
mutant "not YAML" 's/^sources:/sources: [/' "not YAML"
mutant "another name" 's/^name: .*/name: Custom.Other/' "is not the file's"

# the pack the artifacts ship: states mapped with the source tree's rules
# are accepted by a reduce with the unpacked pack
sh "$V/make-rule-pack.sh" "$top_srcdir" "$TMP/pack.zip" >/dev/null || fail "make-rule-pack.sh"
mkdir -p "$TMP/pack" && (cd "$TMP/pack" && "$PY" -m zipfile -e "$TMP/pack.zip" .)
(cd "$top_srcdir" && "$BOXTRAIL" hunt -q --emit-state "$TMP/dc.state" samples/DC01 &&
	"$BOXTRAIL" hunt -q --emit-state "$TMP/srv.state" samples/SRV-BUILD01)
BOXTRAIL_DATADIR=$TMP/pack "$BOXTRAIL" hunt -q -f jsonl "$TMP/dc.state" "$TMP/srv.state" >"$TMP/f.jsonl"
check "reduce with the shipped pack: findings" 1 $?
check "reduce with the shipped pack: the five findings of samples/" 5 "$(wc -l <"$TMP/f.jsonl")"
finish

#!/bin/sh
# boxtrail rules: loaded / skipped (with reason) / correlation / unreadable,
# text and jsonl output, exit status.
set -u
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
d=$top_srcdir/tests/data/sigma/mixed
tmp=${TMPDIR:-/tmp}/bt-cli-rules.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail=0
has() {  # jq-condition: some line of mixed.jsonl satisfies it (jq 1.6's -e is unreliable)
	jq -e -s "any(.[]; $1)" "$tmp/mixed.jsonl" > /dev/null
}
check() {  # description command...
	what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

"$BOXTRAIL" rules -q > "$tmp/builtin.txt"
rc=$?
check "built-in pack lists with exit 0" test $rc -eq 0
check "built-in pack: nothing skipped" test "$(grep -c '^skipped' "$tmp/builtin.txt")" -eq 0
check "built-in pack: rules loaded" test "$(grep -c "^loaded" "$tmp/builtin.txt")" -ge 25
check "built-in pack: correlation rules listed" grep -q '^correlation' "$tmp/builtin.txt"

"$BOXTRAIL" rules --no-builtin --rules "$d" --format jsonl > "$tmp/mixed.jsonl" 2> "$tmp/mixed.err"
rc=$?
check "unreadable rule file gives exit 4" test $rc -eq 4
check "stderr names the broken file" grep -q 'broken.yml' "$tmp/mixed.err"
check "summary line" grep -q 'rules: 3 files, 2 loaded, 3 skipped, 1 correlation, 1 unreadable' "$tmp/mixed.err"
check "jsonl lines are JSON" jq -e . "$tmp/mixed.jsonl" > /dev/null
check "collection merges global keys" \
	test "$(jq -r 'select(.id=="0d8a6f49-5b8e-4b1e-9a3e-1f2b3c4d5e01") | .title + "/" + .level' "$tmp/mixed.jsonl")" = "Collection rule/medium"
check "unknown modifier is skipped with its reason" \
	has '(.id=="0d8a6f49-5b8e-4b1e-9a3e-1f2b3c4d5e03" and .state=="skipped" and (.reason | test("unknown modifier .frobnicate")))'
check "aggregation is skipped with its reason" \
	has '(.id=="0d8a6f49-5b8e-4b1e-9a3e-1f2b3c4d5e04" and .state=="skipped" and (.reason | test("aggregation")))'
check "unmapped logsource is skipped with its reason" \
	has '(.id=="0d8a6f49-5b8e-4b1e-9a3e-1f2b3c4d5e05" and .state=="skipped" and (.reason | test("unmapped logsource")))'
check "correlation rule kept" \
	has '(.id=="0d8a6f49-5b8e-4b1e-9a3e-1f2b3c4d5e06" and .state=="correlation" and .correlation_type=="event_count")'
check "notes.txt not read from a directory" sh -c "! grep -q notes.txt '$tmp/mixed.jsonl'"

"$BOXTRAIL" rules -q --no-builtin --rules "$d/collection.yml" > /dev/null
check "a rule file named directly loads (exit 0)" test $? -eq 0
"$BOXTRAIL" rules -q --rules /nonexistent/rules > /dev/null 2>&1
check "missing --rules path gives exit 4" test $? -eq 4
"$BOXTRAIL" rules --no-builtin > /dev/null 2>&1
check "--no-builtin without --rules is a usage error" test $? -eq 2
"$BOXTRAIL" rules --format xml > /dev/null 2>&1
check "unknown format is a usage error" test $? -eq 2
"$BOXTRAIL" rules -q --no-builtin --rules "$d/broken.yml" > /dev/null 2>&1
check "nothing loadable gives exit 2" test $? -eq 2
BOXTRAIL_DATADIR=/nonexistent "$BOXTRAIL" rules > /dev/null 2>&1
check "missing logsource mapping gives exit 2" test $? -eq 2
"$BOXTRAIL" rules --help | grep -q -- '--no-builtin'
check "--help documents the options" test $? -eq 0
exit $fail

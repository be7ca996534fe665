# Shared helpers for the shell tests (sourced). Automake's test driver treats
# exit 77 as SKIP and 99 as a hard error.
set -u
: "${BOXTRAIL:?BOXTRAIL not set (run through make check)}"
: "${top_srcdir:?}"
: "${top_builddir:?}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/boxtrail-test.XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
skip() { echo "SKIP: $*" >&2; exit 77; }
finish() { [ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }; exit 0; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# expect_rc NAME WANT CMD...: runs CMD, compares its exit status.
expect_rc() {
	name=$1 want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = "$want" ]; then pass "$name (exit $rc)"; else
		fail "$name: exit $rc, wanted $want"; sed 's/^/    stderr: /' "$TMP/err" | head -5 >&2
	fi
}

need_corpus() {
	[ -d "${SHARED_CORPUS:-/nonexistent}" ] || skip "shared corpus not found at ${SHARED_CORPUS:-unset}"
}

# The python that has python-evtx and the standard library we need.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# Shared by the evtxgen and samples tests (sourced). Sets EVTXGEN, COMPARE, PY,
# a scratch directory $tmp (removed on exit) and small assertion helpers.
: "${top_srcdir:?run through make check}" "${top_builddir:?}"
EVTXGEN=$top_builddir/tests/tools/evtxgen
COMPARE=$top_srcdir/tests/tools/evtx_compare.py
PY=${PYTHON:-python3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/evtxgen-test.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed${2:+ ($2)}"; }
finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails check(s) failed"
		exit 1
	fi
	exit 0
}

# The number of events in a JSON Lines input (not comments, blanks or defaults).
count_events() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' -e '^{"defaults"' "$1" | wc -l; }

# `evtxgen info` field of the file line or of chunk N: info_field FILE file KEY | info_field FILE N KEY
info_field() {
	if [ "$2" = file ]; then
		"$EVTXGEN" info "$1" | sed -n "s/^file: .* $3=\([^ ]*\).*/\1/p; s/^file: $3=\([^ ]*\).*/\1/p"
	else
		"$EVTXGEN" info "$1" | sed -n "s/^chunk $2: .*\<$3=\([^ ]*\).*/\1/p; s/^chunk $2: $3=\([^ ]*\).*/\1/p"
	fi
}

file_size() { wc -c < "$1" | tr -d ' '; }

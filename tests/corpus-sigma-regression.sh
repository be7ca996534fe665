#!/bin/sh
# SigmaHQ regression data: the rule each case names fires on the case's .evtx
# (at least match_count times). Needs $SHARED_CORPUS.
set -u
d=${SHARED_CORPUS:-}/SigmaHQ__sigma
if [ -z "${SHARED_CORPUS:-}" ] || [ ! -d "$d/regression_data" ]; then
	echo "SKIP: SigmaHQ regression data not found under \$SHARED_CORPUS (${SHARED_CORPUS:-unset})"
	exit 77
fi
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
exec "$top_builddir/tests/sigma_regress" "$d" "$top_srcdir/tests/data/sigma/regression-exceptions.txt"

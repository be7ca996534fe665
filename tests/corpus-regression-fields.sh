#!/bin/sh
# EventData of every SigmaHQ regression .evtx equals the .json beside it.
. "$top_srcdir/tests/lib.sh"
need_corpus
$PY "$top_srcdir/tests/compare_regression.py" "$SHARED_CORPUS/SigmaHQ__sigma/regression_data" \
	"$BOXTRAIL" 1.0 "$top_srcdir/tests/data/regression-field-exceptions.tsv"

#!/bin/sh
# Every EVTX file of the shared corpus: no crash, no hang, every record accounted for.
. "$top_srcdir/tests/lib.sh"
need_corpus
$PY "$top_srcdir/tests/corpus_evtx.py" "$SHARED_CORPUS" "$BOXTRAIL"

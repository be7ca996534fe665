#!/bin/sh
# The built-in rule pack: every rule loads, and each one fires on its test
# events and not on its near-misses (tests/rules/*.test).
set -u
BOXTRAIL_DATADIR=$top_srcdir
export BOXTRAIL_DATADIR
exec "$top_builddir/tests/rule_runner" "$top_srcdir/rules" "$top_srcdir"/tests/rules/*.test
